"""Build the esicheck spaCy pipeline: blank English, clinical tokenizer, rule components.

No statistical model is loaded (none can be downloaded at run time) and PyRuSH is not used:
sentence boundaries come from `esicheck_sentences`, which is ~25x cheaper.
"""

from __future__ import annotations

import gc
from functools import lru_cache

import spacy
from spacy.language import Language

from nlp import components as _components  # noqa: F401  (registers factories)
from nlp import levels as _levels  # noqa: F401
from nlp import sentences as _sentences  # noqa: F401
from nlp.extensions import register_extensions
from nlp.quiet import silence_library_logs
from nlp.tokenizer import clinical_tokenizer

PIPE_NAMES = (
    "esicheck_sentences",
    "esicheck_sectionizer",
    "esicheck_targets",
    "esicheck_abbreviations",
    "esicheck_context",
    "esicheck_levels",
)


def build_pipeline() -> Language:
    """A fresh pipeline; callers that analyze many notes should reuse `get_pipeline()`."""
    silence_library_logs()
    register_extensions()
    nlp = spacy.blank("en")
    nlp.tokenizer = clinical_tokenizer(nlp)
    nlp.max_length = 2_000_000
    for name in PIPE_NAMES:
        nlp.add_pipe(name)
    return nlp


@lru_cache(maxsize=1)
def get_pipeline() -> Language:
    """The process-wide pipeline, built once on first use (never at import time).

    The pipeline's rule objects live for the whole process: moving them out of the garbage
    collector's generations (`gc.freeze`) keeps collections from rescanning them per note.
    """
    nlp = build_pipeline()
    gc.collect()
    gc.freeze()
    return nlp

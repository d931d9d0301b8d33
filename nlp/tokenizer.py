"""A clinical tokenizer: spaCy's English rules plus number/unit splits and whole spinal levels.

`80mg` -> `80 mg`, `2cc` -> `2 cc`, `1%lidocaine` -> `1 % lidocaine`, while `L4-5`, `L5/S1`,
`L5S1`, `C7-T1` and `T12-L1` stay single tokens so level spans never cut through a token.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

# A spinal level or interspace written without spaces: L4, L4-5, L4-L5, L5/S1, L5S1, L45, C7-T1.
SPINAL_LEVEL_TOKEN = re.compile(
    r"^[CTLSctls]\d{1,2}(?:[-/\u2013][CTLSctls]?\d{1,2}|[CTLSctls]\d)?$"
)
_UNIT_SUFFIXES = [r"(?<=[0-9])(?:mg|mcg|ug|ml|mL|cc|cm|mm|g|%|kg|units?)"]
_EXTRA_INFIXES = [
    r"(?<=[0-9])%(?=[A-Za-z])",  # 1%lidocaine
    r"(?<=[0-9])(?:mg|mcg|ml|mL|cc)(?=[/A-Za-z])",  # 40mg/ml, 2mlof
    r"(?<=[A-Za-z])[:](?=[A-Za-z0-9])",  # Dx:radiculopathy
]


def clinical_tokenizer(nlp: Language) -> Tokenizer:
    """Build the tokenizer from the language defaults plus the clinical additions above."""
    defaults = nlp.Defaults
    prefixes = list(defaults.prefixes) + [r"[*\u2022]"]
    suffixes = _UNIT_SUFFIXES + list(defaults.suffixes)
    infixes = _EXTRA_INFIXES + list(defaults.infixes)
    return Tokenizer(
        nlp.vocab,
        rules=defaults.tokenizer_exceptions,
        prefix_search=compile_prefix_regex(prefixes).search,
        suffix_search=compile_suffix_regex(suffixes).search,
        infix_finditer=compile_infix_regex(infixes).finditer,
        token_match=SPINAL_LEVEL_TOKEN.match,
        url_match=None,
    )

"""Silence chatty third-party loggers (medspaCy and PyRuSH log through loguru at DEBUG).

Library logs could echo note text; esicheck never lets them through.
"""

from __future__ import annotations

import logging
import warnings

_NOISY_LOGGERS = ("PyRuSH", "medspacy", "spacy", "scispacy", "nmslib", "pypdf")


def silence_library_logs() -> None:
    """Disable loguru output of medspaCy/PyRuSH and quiet stdlib loggers of NLP libraries."""
    try:
        from loguru import logger

        for name in _NOISY_LOGGERS:
            logger.disable(name)
    except ImportError:  # loguru is optional for us; medspaCy brings it
        pass
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="medspacy")
    warnings.filterwarnings("ignore", module="scispacy")
    warnings.filterwarnings("ignore", message=r".*\[W\d{3}\].*")

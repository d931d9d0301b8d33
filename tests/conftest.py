"""Shared fixtures: one esicheck pipeline per test session (building it costs ~1 s)."""

from __future__ import annotations

import pytest

from nlp import NoteAnalysis, analyze
from nlp.pipeline import get_pipeline


@pytest.fixture(scope="session")
def nlp():
    return get_pipeline()


@pytest.fixture(scope="session")
def run(nlp):
    """Analyze a note text with the shared pipeline."""

    def _run(text: str, **kwargs) -> NoteAnalysis:
        return analyze(text, nlp=nlp, **kwargs)

    return _run

"""Import smoke test: the pinned stack loads together (pip check misses numpy 2 breakage)."""

import numpy


def test_numpy_is_below_2_for_spacy_37():
    assert int(numpy.__version__.split(".")[0]) < 2


def test_nlp_stack_imports():
    import medspacy
    import scispacy.abbreviation  # noqa: F401
    import spacy

    assert spacy.__version__.startswith("3.7")
    assert medspacy.__version__ == "1.3.1"

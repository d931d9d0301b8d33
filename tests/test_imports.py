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


def test_spark_extra_imports_with_the_nlp_stack():
    """pyspark pulls numpy 2 and a pyarrow built for it unless pinned; pip check misses it."""
    import pytest

    pyspark = pytest.importorskip("pyspark", reason="the esicheck[spark] extra is not installed")
    import numpy as np
    import pyarrow
    import spacy
    from pyspark.sql.pandas.utils import require_minimum_pyarrow_version

    require_minimum_pyarrow_version()
    assert int(np.__version__.split(".")[0]) < 2
    assert int(pyarrow.__version__.split(".")[0]) < 26
    assert spacy.__version__.startswith("3.7")
    assert tuple(int(x) for x in pyspark.__version__.split(".")[:2]) >= (3, 5)

"""NLTK (pulled in by medspaCy's QuickUMLS) is deferred, and still works when it is used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(code: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=300,
    )
    return proc.stdout.strip()


def test_building_the_pipeline_does_not_import_nltk():
    out = _run(
        "import sys\n"
        "from nlp.pipeline import get_pipeline\n"
        "from nlp import analyze\n"
        "get_pipeline(); analyze('Left L4-5 interlaminar ESI. No complications.')\n"
        "print(type(sys.modules['nltk']).__name__, 'sklearn' in sys.modules)\n"
    )
    assert out == "DeferredModule False"


def test_the_deferred_module_loads_on_first_use():
    out = _run(
        "import sys\n"
        "import nlp, quickumls.core\n"
        "import nltk\n"
        "assert type(nltk).__name__ == 'DeferredModule'\n"
        "version = nltk.__version__\n"
        "real = sys.modules['nltk']\n"
        "assert type(real).__name__ == 'module' and real.__version__ == version\n"
        "assert quickumls.core.nltk.corpus is real.corpus\n"
        "import nltk.tokenize\n"
        "print(nltk.tokenize.wordpunct_tokenize('a-b'))\n"
    )
    assert out == "['a', '-', 'b']"

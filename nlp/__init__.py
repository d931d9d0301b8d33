"""esicheck NLP engine: procedure-note text -> evidence-backed facts -> 62323 findings.

`analyze(text)` and `analyze_episode(documents)` return `NoteAnalysis`, the JSON contract
every interface (CLI, HTTP API, chart scans, reports) emits.
"""

from nlp.deferred_imports import defer_imports

# Before anything below imports medspaCy: its unused QuickUMLS dependency would import NLTK.
defer_imports()

from nlp.analysis import Document, analyze, analyze_episode  # noqa: E402
from nlp.models import NoteAnalysis  # noqa: E402

__all__ = ["Document", "NoteAnalysis", "analyze", "analyze_episode"]

"""esicheck NLP engine: procedure-note text -> evidence-backed facts -> 62323 findings.

`analyze(text)` and `analyze_episode(documents)` return `NoteAnalysis`, the JSON contract
every interface (CLI, HTTP API, chart scans, reports) emits.
"""

from nlp.analysis import Document, analyze, analyze_episode
from nlp.models import NoteAnalysis

__all__ = ["Document", "NoteAnalysis", "analyze", "analyze_episode"]

"""Worklist priority for a coder: what to look at first, and why, from one episode's analysis.

1 billed code not supported by the note, 2 incomplete (or not analyzable), 3 warnings only,
4 clean.
"""

from __future__ import annotations

from dataclasses import dataclass

from nlp.models import NoteAnalysis

DEFICIENT = ("missing", "not_met")


@dataclass(frozen=True)
class Triage:
    priority: int
    reason: str
    gaps: list[str]
    queries: list[str]


def triage(
    analysis: NoteAnalysis | None, billed_cpt: str | None, error: str | None = None
) -> Triage:
    """Priority, a one-line reason, the deficient requirement ids and their physician queries."""
    if analysis is None:
        return Triage(2, f"not analyzed: {error or 'unknown error'}", [], [])
    deficient = [f for f in analysis.requirements if f.status in DEFICIENT]
    errors = [f.id for f in deficient if f.severity == "error"]
    gaps = [f.id for f in deficient]
    queries = [f.query for f in deficient if f.query]
    suggested = analysis.billing.suggested_codes
    if billed_cpt and billed_cpt not in suggested:
        return Triage(
            1,
            f"billed {billed_cpt} not supported; suggested {', '.join(suggested) or 'none'}",
            gaps,
            queries,
        )
    if not analysis.complete:
        return Triage(
            2, f"incomplete: {', '.join(errors) or 'required items missing'}", gaps, queries
        )
    warnings = [f.id for f in deficient] + [a.id for a in analysis.billing.alerts]
    if warnings:
        return Triage(3, f"warnings: {', '.join(dict.fromkeys(warnings))}", gaps, queries)
    return Triage(4, "clean", gaps, queries)

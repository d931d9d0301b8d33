"""Per-patient session history for the frequency limit (4 ESI sessions per region group in a
rolling 12 months): sessions come from the claims file and from the scan's own procedure notes.

The window arithmetic itself is the engine's (`nlp.checks.sessions_in_window`); this module only
decides which sessions belong to a patient.
"""

from __future__ import annotations

from nlp.checks import ESI_SESSION_CODES, region_group
from nlp.models import NoteAnalysis, PriorSession


def session_of(
    analysis: NoteAnalysis, date_of_service: str | None, source: str
) -> PriorSession | None:
    """The ESI session a procedure note documents (its suggested ESI code), if any."""
    if not date_of_service:
        return None
    code = next((c for c in analysis.billing.suggested_codes if c in ESI_SESSION_CODES), None)
    if code is None:
        return None
    return PriorSession(
        date_of_service=date_of_service[:10],
        cpt=code,
        region=region_group(analysis.procedure.region, code),
        source=source,
    )


def history_for(
    episode_id: str, patient_sessions: list[tuple[str, PriorSession]], claims: list[PriorSession]
) -> list[PriorSession]:
    """The patient's other sessions: claims plus every other scanned procedure note.

    Later sessions may be included; the engine's rolling window only counts sessions dated up
    to the date of service, so the order in which notes were analysed does not matter.
    """
    return [*claims, *(s for other, s in patient_sessions if other != episode_id)]

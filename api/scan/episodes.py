"""Group documents into episodes: each procedure note plus the same patient's supporting notes
(H&P, consult, progress) dated within the look-back window before it.

Why: medical necessity (diagnosis, conservative care, imaging, prior relief) is often written in
the H&P or consult before the procedure day, and a payer reviews those notes with the claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from api.scan.records import Episode, ScanDocument

DEFAULT_LOOKBACK_DAYS = 90


def group_episodes(
    documents: Sequence[ScanDocument], lookback_days: int = DEFAULT_LOOKBACK_DAYS
) -> list[Episode]:
    """One episode per procedure document, in input order.

    A supporting document joins a procedure's episode when it has the same patient_ref and its
    date lies in [date_of_service - lookback_days, date_of_service]; it may support several
    procedures. Procedure documents without a patient or date get no supporting documents.
    """
    support: dict[str, list[ScanDocument]] = {}
    for document in documents:
        if document.doc_type != "procedure" and document.patient_ref and document.date_of_service:
            support.setdefault(document.patient_ref, []).append(document)
    window = timedelta(days=lookback_days)
    episodes: list[Episode] = []
    for document in documents:
        if document.doc_type != "procedure":
            continue
        day, patient = document.date_of_service, document.patient_ref
        found: list[ScanDocument] = []
        if day is not None and patient:
            found = [
                s
                for s in support.get(patient, [])
                if s.date_of_service is not None and day - window <= s.date_of_service <= day
            ]
            found.sort(key=lambda s: (s.date_of_service, s.note_id))
        episodes.append(
            Episode(episode_id=document.note_id, procedure=document, supporting=tuple(found))
        )
    return episodes

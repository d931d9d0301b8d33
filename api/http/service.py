"""Analyze-and-store, shared by the JSON, upload and FHIR routes (one path, one behaviour).

Order matters: validate, analyze, then write; nothing touches the database until the
analysis succeeded, so a failed request stores nothing.
"""

from __future__ import annotations

import threading

from starlette.concurrency import run_in_threadpool

from api.http.schemas import AnalysisOut, NoteMetadata
from api.settings import Settings
from api.store.models import AnalysisRow
from api.store.repository import Repository, text_sha256
from nlp import analyze
from nlp.errors import ErrorCode, InputError
from nlp.models import NoteAnalysis

# spaCy pipelines are not documented as thread-safe; one analysis at a time per process.
_ANALYZE_LOCK = threading.Lock()


def check_text(text: str, settings: Settings, field: str = "text") -> str:
    """The text to analyze and store: NUL removed as the file readers do (PostgreSQL text can
    not hold NUL), then refused when empty (E001) or over the limit (E002)."""
    text = text.replace("\x00", "")
    if not text.strip():
        raise InputError(ErrorCode.E001_EMPTY_TEXT, f"{field} is empty or whitespace only")
    if len(text) > settings.max_text_chars:
        raise InputError(ErrorCode.E002_TEXT_TOO_LARGE,
                         f"{field} exceeds {settings.max_text_chars} characters")
    return text


def _analyze(text: str, meta: NoteMetadata) -> NoteAnalysis:
    with _ANALYZE_LOCK:
        return analyze(
            text, note_id=meta.note_id, payer=meta.payer, billed_cpt=meta.billed_cpt,
            date_of_service=meta.date_of_service.isoformat() if meta.date_of_service else None,
        )


async def analyze_and_store(text: str, meta: NoteMetadata, repo: Repository, settings: Settings,
                            key_name: str) -> tuple[AnalysisOut, bool]:
    """The stored analysis for `text` and whether it was created now (False: idempotent replay)."""
    text = check_text(text, settings)
    digest = text_sha256(text)
    existing = repo.find_analysis(meta.note_id, digest)
    if existing is not None:
        repo.audit(key_name, "replay", existing.id)
        repo.commit()
        return AnalysisOut.from_row(existing), False
    result = await run_in_threadpool(_analyze, text, meta)
    row = repo.add_analysis(AnalysisRow(
        note_id=meta.note_id, text_sha256=digest, patient_ref=meta.patient_ref,
        date_of_service=meta.date_of_service.isoformat() if meta.date_of_service else None,
        billed_cpt=meta.billed_cpt, payer=meta.payer, provider=meta.provider, site=meta.site,
        complete=result.complete, supports_62323=result.billing.supports_62323,
        suggested_codes=",".join(result.billing.suggested_codes),
        analysis_json=result.model_dump_json(), note_text=text,
    ))
    repo.audit(key_name, "create", row.id)
    repo.commit()
    return AnalysisOut.from_row(row), True

"""Request and response models of the HTTP API (explicit; never serialized ORM internals)."""

from __future__ import annotations

import datetime as dt
import json

from pydantic import BaseModel, ConfigDict, Field

from api.store.models import AnalysisRow
from nlp.models import NoteAnalysis


class NoteMetadata(BaseModel):
    """What the caller may say about a note besides its text (all optional)."""

    model_config = ConfigDict(extra="forbid")

    note_id: str | None = Field(default=None, max_length=200)
    patient_ref: str | None = Field(default=None, max_length=200)
    date_of_service: dt.date | None = None
    billed_cpt: str | None = Field(default=None, pattern=r"^[0-9A-Z]{5}$")
    payer: str | None = Field(default=None, max_length=100)
    provider: str | None = Field(default=None, max_length=200)
    site: str | None = Field(default=None, max_length=200)


class AnalysisRequest(NoteMetadata):
    """JSON body of `POST /v1/analyses`; the size limit on `text` is enforced as E002 (413)."""

    text: str


class AnalysisSummary(BaseModel):
    id: str
    note_id: str | None
    patient_ref: str | None
    date_of_service: str | None
    billed_cpt: str | None
    payer: str | None
    provider: str | None
    site: str | None
    complete: bool
    supports_62323: bool
    suggested_codes: list[str]
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: AnalysisRow) -> AnalysisSummary:
        return cls(**_summary_fields(row))


class AnalysisOut(AnalysisSummary):
    """A stored analysis: metadata, the `NoteAnalysis` contract and the analyzed text."""

    analysis: NoteAnalysis
    text: str = Field(description="The analyzed note; evidence offsets index into it.")

    @classmethod
    def from_row(cls, row: AnalysisRow) -> AnalysisOut:
        return cls(**_summary_fields(row),
                   analysis=NoteAnalysis.model_validate(json.loads(row.analysis_json)),
                   text=row.note_text)


class AnalysisPage(BaseModel):
    items: list[AnalysisSummary]
    total: int
    limit: int
    offset: int


def _summary_fields(row: AnalysisRow) -> dict[str, object]:
    return {
        "id": row.id, "note_id": row.note_id, "patient_ref": row.patient_ref,
        "date_of_service": row.date_of_service, "billed_cpt": row.billed_cpt,
        "payer": row.payer, "provider": row.provider, "site": row.site,
        "complete": row.complete, "supports_62323": row.supports_62323,
        "suggested_codes": [c for c in row.suggested_codes.split(",") if c],
        "created_at": _aware(row.created_at),
    }


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite drops the zone of stored UTC times; report every time as UTC either way."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)

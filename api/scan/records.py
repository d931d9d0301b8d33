"""Typed records the scan passes between reading, grouping, analysis and storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

DOC_TYPES = ("procedure", "h_and_p", "consult", "progress")


@dataclass(frozen=True)
class ScanDocument:
    """One input note: inline text or a file path, plus its manifest metadata (all optional)."""

    note_id: str
    text: str | None = None
    path: Path | None = None
    patient_ref: str | None = None
    date_of_service: date | None = None
    doc_type: str = "procedure"
    provider: str | None = None
    site: str | None = None
    payer: str | None = None
    billed_cpt: str | None = None


@dataclass(frozen=True)
class Episode:
    """A procedure document and the supporting documents inside its look-back window."""

    episode_id: str
    procedure: ScanDocument
    supporting: tuple[ScanDocument, ...] = field(default_factory=tuple)

    @property
    def documents(self) -> tuple[ScanDocument, ...]:
        return (self.procedure, *self.supporting)


@dataclass(frozen=True)
class EpisodeTask:
    """What a worker needs to analyze one episode (picklable, no open handles)."""

    episode_id: str
    documents: tuple[tuple[str, str | None, str | None, str], ...]  # name, text, path, doc_type
    billed_cpt: str | None
    payer: str | None
    date_of_service: str | None
    history: tuple[tuple[str, str, str | None], ...] | None  # date, cpt, region; None: unknown


@dataclass(frozen=True)
class EpisodeResult:
    """A worker's answer: the analysis JSON, or a coded error that names no note content."""

    episode_id: str
    notes: int
    analysis_json: str | None = None
    error: str | None = None

"""Tables: stored analyses, hashed API keys, and an audit trail that never holds note text."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class AnalysisRow(Base):
    """One analyzed note: searchable metadata, the `NoteAnalysis` JSON and the note text."""

    __tablename__ = "analyses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=lambda: str(uuid.uuid4()))
    note_id: Mapped[str | None] = mapped_column(String(200), index=True)
    text_sha256: Mapped[str] = mapped_column(String(64), index=True)
    patient_ref: Mapped[str | None] = mapped_column(String(200), index=True)
    date_of_service: Mapped[str | None] = mapped_column(String(10), index=True)  # ISO date
    billed_cpt: Mapped[str | None] = mapped_column(String(10))
    payer: Mapped[str | None] = mapped_column(String(100))
    provider: Mapped[str | None] = mapped_column(String(200))
    site: Mapped[str | None] = mapped_column(String(200))
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    supports_62323: Mapped[bool] = mapped_column(Boolean, default=False)
    suggested_codes: Mapped[str] = mapped_column(String(200), default="")  # comma separated
    analysis_json: Mapped[str] = mapped_column(Text)
    note_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiKey(Base):
    """A named API key; only its SHA-256 is stored, the key itself is shown once at creation."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Who did what to which analysis, and when; deliberately no note text or patient data."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    analysis_id: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

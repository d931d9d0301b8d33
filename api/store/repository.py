"""All reads and writes of the store behind one small class, so shells never write SQL.

API keys: only `sha256(key)` is stored; authentication compares the presented key's hash to
every active hash with `hmac.compare_digest` so timing does not reveal a partial match.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.store.models import AnalysisRow, ApiKey, AuditEntry, utcnow

KEY_PREFIX = "esk_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AnalysisFilter:
    """List filters; `date_from`/`date_to` bound the date of service (inclusive, ISO dates)."""

    patient_ref: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    complete: bool | None = None


class KeyExistsError(ValueError):
    """A key with that name already exists (names are unique so revocation is unambiguous)."""


class Repository:
    """Unit-of-work wrapper over one SQLAlchemy session; callers commit via `commit()`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def commit(self) -> None:
        self.session.commit()

    # analyses -------------------------------------------------------------------------
    def find_analysis(self, note_id: str | None, sha256: str) -> AnalysisRow | None:
        """The stored analysis of the same text under the same note id (idempotent create)."""
        note_clause = (AnalysisRow.note_id.is_(None) if note_id is None
                       else AnalysisRow.note_id == note_id)
        stmt = (select(AnalysisRow).where(note_clause, AnalysisRow.text_sha256 == sha256)
                .order_by(AnalysisRow.created_at).limit(1))
        return self.session.scalars(stmt).first()

    def add_analysis(self, row: AnalysisRow) -> AnalysisRow:
        self.session.add(row)
        self.session.flush()
        return row

    def get_analysis(self, analysis_id: str) -> AnalysisRow | None:
        return self.session.get(AnalysisRow, analysis_id)

    def list_analyses(self, where: AnalysisFilter, limit: int,
                      offset: int) -> tuple[list[AnalysisRow], int]:
        """One page of analyses, newest first, and the total matching count."""
        clauses = []
        if where.patient_ref is not None:
            clauses.append(AnalysisRow.patient_ref == where.patient_ref)
        if where.date_from is not None:
            clauses.append(AnalysisRow.date_of_service >= where.date_from)
        if where.date_to is not None:
            clauses.append(AnalysisRow.date_of_service <= where.date_to)
        if where.complete is not None:
            clauses.append(AnalysisRow.complete.is_(where.complete))
        total = self.session.scalar(select(func.count()).select_from(AnalysisRow).where(*clauses))
        stmt = (select(AnalysisRow).where(*clauses)
                .order_by(AnalysisRow.created_at.desc(), AnalysisRow.id)
                .limit(limit).offset(offset))
        return list(self.session.scalars(stmt)), int(total or 0)

    def delete_analysis(self, analysis_id: str) -> bool:
        row = self.get_analysis(analysis_id)
        if row is None:
            return False
        self.session.delete(row)
        return True

    # audit ----------------------------------------------------------------------------
    def audit(self, key_name: str, action: str, analysis_id: str | None = None) -> None:
        self.session.add(AuditEntry(key_name=key_name, action=action, analysis_id=analysis_id))

    def audit_entries(self) -> list[AuditEntry]:
        return list(self.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))

    # API keys -------------------------------------------------------------------------
    def create_key(self, name: str) -> str:
        """Store a new key under `name` and return the key (the only time it is visible)."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        self.session.add(ApiKey(name=name, key_hash=hash_key(key)))
        try:
            self.session.flush()
        except IntegrityError as exc:
            self.session.rollback()
            raise KeyExistsError(name) from exc
        return key

    def list_keys(self) -> list[ApiKey]:
        return list(self.session.scalars(select(ApiKey).order_by(ApiKey.name)))

    def revoke_key(self, name: str) -> bool:
        key = self.session.scalars(select(ApiKey).where(ApiKey.name == name)).first()
        if key is None:
            return False
        if key.revoked_at is None:
            key.revoked_at = utcnow()
        return True

    def authenticate(self, key: str) -> str | None:
        """The name of the active key matching `key`, or None."""
        presented = hash_key(key)
        found: str | None = None
        active = self.session.execute(
            select(ApiKey.name, ApiKey.key_hash).where(ApiKey.revoked_at.is_(None))).all()
        for name, stored in active:
            if hmac.compare_digest(presented, stored) and found is None:
                found = name
        return found

"""Persistence for analyses, API keys and the audit trail (SQLAlchemy 2; SQLite by default)."""

from api.store.db import create_db_engine, init_db, session_factory
from api.store.models import AnalysisRow, ApiKey, AuditEntry, Base
from api.store.repository import AnalysisFilter, Repository

__all__ = [
    "AnalysisFilter",
    "AnalysisRow",
    "ApiKey",
    "AuditEntry",
    "Base",
    "Repository",
    "create_db_engine",
    "init_db",
    "session_factory",
]

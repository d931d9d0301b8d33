"""HTTP API fixtures: one app per database backend (SQLite always, PostgreSQL if it answers).

Isolation: the app is built once per backend per session (startup costs ~0.2 s), and every
test starts from empty tables. On PostgreSQL the session uses its own schema (through the
connection's `search_path`), dropped afterwards, so concurrent runs never see each other.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.http import create_app
from api.settings import Settings
from api.store.models import Base
from api.store.repository import Repository

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_schema() -> str:
    """Create a throwaway schema; skip the test with the reason when the server is absent."""
    try:
        import psycopg

        with psycopg.connect(
            PG_URL.replace("+psycopg", ""), connect_timeout=2, autocommit=True
        ) as conn:
            schema = f"esicheck_test_{uuid.uuid4().hex[:12]}"
            conn.execute(f'CREATE SCHEMA "{schema}"')
            return schema
    except Exception as exc:  # any connection failure means "no server here"
        pytest.skip(f"PostgreSQL at {PG_URL} does not answer: {type(exc).__name__}")


def _drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def database_url(request, tmp_path_factory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('api') / 'esicheck.sqlite'}"
        return
    schema = _postgres_schema()
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        _drop_schema(schema)


@pytest.fixture(scope="session")
def settings(database_url) -> Settings:
    return Settings(
        database_url=database_url,
        max_upload_bytes=64 * 1024,
        max_text_chars=20_000,
        max_page_size=5,
    )


@pytest.fixture(scope="session")
def app(settings, nlp):
    return create_app(settings)


@pytest.fixture(scope="session")
def started_client(app) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def client(app, started_client) -> TestClient:
    """The backend's client, with every table emptied first."""
    with app.state.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    return started_client


@pytest.fixture
def api_key(app, client) -> str:
    """A fresh active key (the only one: `client` emptied the tables)."""
    with app.state.sessions() as session:
        repo = Repository(session)
        key = repo.create_key(f"test-{uuid.uuid4().hex[:8]}")
        repo.commit()
    return key


@pytest.fixture
def auth(api_key) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}

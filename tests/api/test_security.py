"""Service hardening: database outages answer 503 and write nothing, per-key rate limits answer
429, CORS stays closed unless configured, and HTML pages carry strict security headers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from api.http import create_app
from api.http.ratelimit import RateLimiter
from api.settings import Settings
from api.store.models import AnalysisRow, AuditEntry
from api.store.repository import Repository

from .test_http import NOTE, _problem

ORIGIN = "https://billing.example"


def _rows(app) -> tuple[int, int]:
    with app.state.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(AnalysisRow)),
            session.scalar(select(func.count()).select_from(AuditEntry)),
        )


# the database going away -------------------------------------------------------------
@pytest.mark.parametrize(
    "dead_url",
    [
        "sqlite:////nonexistent-esicheck-dir/gone.sqlite",  # file and folder are gone
        "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2",  # nothing listens
    ],
    ids=["sqlite-file-gone", "postgres-refused"],
)
def test_database_away_is_503_with_retry_after_then_recovers(app, client, auth, dead_url):
    live_sessions = app.state.sessions
    dead_engine = create_engine(dead_url)
    app.state.sessions = sessionmaker(dead_engine)
    try:
        for method, path in [
            ("post", "/v1/analyses"),
            ("get", "/v1/analyses"),
            ("get", "/v1/analyses/x"),
            ("post", "/v1/fhir/DocumentReference"),
        ]:
            response = client.request(method, path, headers=auth, json={"text": NOTE})
            body = _problem(response, 503, "DB_UNAVAILABLE")
            assert response.headers["retry-after"] == "5"
            assert "nonexistent" not in body["detail"] and "127.0.0.1" not in body["detail"]
    finally:
        app.state.sessions = live_sessions
        dead_engine.dispose()
    assert client.post("/v1/analyses", json={"text": NOTE}, headers=auth).status_code == 201


def test_database_lost_mid_request_writes_nothing(app, client, auth, monkeypatch):
    """The analysis row is flushed, then the connection dies before commit: no partial row."""
    before = _rows(app)

    def dies(self, key_name, action, analysis_id=None):
        raise OperationalError("INSERT INTO audit", {}, ConnectionError("server closed"))

    monkeypatch.setattr(Repository, "audit", dies)
    response = client.post("/v1/analyses", json={"text": NOTE, "note_id": "mid-1"}, headers=auth)
    _problem(response, 503, "DB_UNAVAILABLE")
    assert response.headers["retry-after"].isdigit()
    assert _rows(app) == before
    monkeypatch.undo()
    again = client.post("/v1/analyses", json={"text": NOTE, "note_id": "mid-1"}, headers=auth)
    assert again.status_code == 201  # not a replay: the first attempt left nothing behind


@pytest.mark.postgres
def test_postgres_connections_killed_between_requests_recover(tmp_path, nlp):
    """pg_terminate_backend on every pooled connection: the next request still succeeds."""
    from .conftest import PG_URL, _drop_schema, _postgres_schema

    schema = _postgres_schema()
    try:
        app = create_app(Settings(database_url=f"{PG_URL}?options=-csearch_path%3D{schema}"))
        with TestClient(app) as client:
            with app.state.sessions() as session:
                repo = Repository(session)
                headers = {"Authorization": f"Bearer {repo.create_key('pg-kill')}"}
                repo.commit()
            assert (
                client.post("/v1/analyses", json={"text": NOTE}, headers=headers).status_code == 201
            )
            import psycopg

            with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as admin:
                killed = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND query NOT ILIKE '%pg_stat_activity%' AND application_name = ''"
                ).fetchone()[0]
            assert killed >= 1
            listed = client.get("/v1/analyses", headers=headers)
            assert listed.status_code == 200 and listed.json()["total"] == 1
            app.state.engine.dispose()
    finally:
        _drop_schema(schema)


# per-key rate limiting ---------------------------------------------------------------
def test_rate_limiter_refills_over_time():
    now = [0.0]
    limiter = RateLimiter(per_minute=2, clock=lambda: now[0])
    assert limiter.acquire("a") == 0 and limiter.acquire("a") == 0
    assert limiter.acquire("a") == 30  # one token comes back every 30 s
    assert limiter.acquire("b") == 0  # buckets are per key
    now[0] = 30.0
    assert limiter.acquire("a") == 0
    assert RateLimiter(per_minute=0).acquire("a") == 0  # 0 disables the limit


def test_rate_limit_is_per_key_with_429_and_retry_after(tmp_path, nlp):
    app = create_app(
        Settings(database_url=f"sqlite:///{tmp_path / 'rl.sqlite'}", rate_limit_per_minute=3)
    )
    with TestClient(app) as client:
        with app.state.sessions() as session:
            repo = Repository(session)
            first = {"Authorization": f"Bearer {repo.create_key('first')}"}
            second = {"Authorization": f"Bearer {repo.create_key('second')}"}
            repo.commit()
        for _ in range(3):
            assert client.get("/v1/analyses", headers=first).status_code == 200
        limited = client.post("/v1/analyses", json={"text": NOTE}, headers=first)
        _problem(limited, 429, "RATE_LIMITED")
        assert int(limited.headers["retry-after"]) >= 1
        assert client.get("/v1/analyses", headers=second).status_code == 200
        with app.state.sessions() as session:  # the refused create stored nothing
            assert session.scalar(select(func.count()).select_from(AnalysisRow)) == 0
        # unauthenticated callers get 401, never consume a key's budget
        assert client.get("/v1/analyses").status_code == 401


# CORS --------------------------------------------------------------------------------
def _preflight(client: TestClient, origin: str):
    return client.options(
        "/v1/analyses",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )


def test_cors_is_closed_by_default(client, auth):
    assert client.app.state.settings.cors_origins == []
    preflight = _preflight(client, ORIGIN)
    assert "access-control-allow-origin" not in preflight.headers
    simple = client.get("/v1/analyses", headers={**auth, "Origin": ORIGIN})
    assert simple.status_code == 200
    assert "access-control-allow-origin" not in simple.headers


def test_cors_opens_only_to_configured_origins(tmp_path, monkeypatch, nlp):
    monkeypatch.setenv("ESICHECK_CORS_ORIGINS", f'["{ORIGIN}"]')
    monkeypatch.setenv("ESICHECK_DATABASE_URL", f"sqlite:///{tmp_path / 'cors.sqlite'}")
    settings = Settings()
    assert settings.cors_origins == [ORIGIN]
    with TestClient(create_app(settings)) as client:
        allowed = _preflight(client, ORIGIN)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == ORIGIN
        assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
        other = _preflight(client, "https://evil.example")
        assert "access-control-allow-origin" not in other.headers


# security headers on HTML ------------------------------------------------------------
def test_html_pages_carry_security_headers(client):
    page = client.get("/")
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    # a fresh nonce per response, so a leaked page does not authorize injected scripts
    assert client.get("/").headers["content-security-policy"] != csp

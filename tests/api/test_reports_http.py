"""`GET /v1/reports/quality` and `GET /v1/analyses/{id}/report` (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from api.store.models import AnalysisRow, AuditEntry
from nlp.models import NoteAnalysis
from tests.test_reports import FIXTURE, NOTE

QUALITY = "/v1/reports/quality"


@pytest.fixture()
def stored(app, client) -> None:
    """The five fixture records (ids r1..r5) in the store."""
    with app.state.sessions() as session:
        for row in FIXTURE:
            analysis = NoteAnalysis.model_validate(row["analysis"])
            session.add(
                AnalysisRow(
                    id=row["id"],
                    note_id=row["id"],
                    text_sha256="0" * 64,
                    note_text="note",
                    provider=row["provider"],
                    site=row["site"],
                    payer=row["payer"],
                    date_of_service=row["date_of_service"],
                    billed_cpt=row["billed_cpt"],
                    complete=analysis.complete,
                    supports_62323=analysis.billing.supports_62323,
                    suggested_codes=",".join(analysis.billing.suggested_codes),
                    analysis_json=analysis.model_dump_json(),
                )
            )
        session.commit()


def _audit_actions(app) -> list[tuple[str, str | None]]:
    with app.state.sessions() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.action, e.analysis_id) for e in entries]


def test_quality_json_numbers(client, auth, stored) -> None:
    response = client.get(QUALITY, params={"format": "json"}, headers=auth)
    assert response.status_code == 200
    data = response.json()
    assert (data["n_notes"], data["share_complete"], data["share_supports_62323"]) == (5, 0.4, 0.6)
    assert {r["id"]: r["completeness_rate"] for r in data["requirements"]} == {
        "consent": 0.6,
        "imaging": 0.8,
        "prior_response": 0.75,
    }
    assert [(d["id"], d["count"]) for d in data["top_deficiencies"]] == [
        ("consent", 2),
        ("imaging", 1),
        ("prior_response", 1),
    ]
    assert [m["id"] for m in data["code_mismatches"]] == ["r3", "r4"]
    assert data["top_deficiencies"][0]["examples"][0]["report_url"] == "/v1/analyses/r2/report"


def test_quality_period_and_breakdowns(client, auth, stored) -> None:
    response = client.get(
        QUALITY,
        headers=auth,
        params=[
            ("format", "json"),
            ("from", "2026-01-20"),
            ("to", "2026-02-25"),
            ("by", "provider,site"),
            ("by", "payer"),
        ],
    )
    data = response.json()
    assert (data["n_notes"], data["share_complete"], data["share_supports_62323"]) == (
        3,
        0.3333,
        0.6667,
    )
    assert list(data["breakdowns"]) == ["provider", "site", "payer"]
    assert {r["key"]: r["n"] for r in data["breakdowns"]["payer"]} == {"aetna": 2, "medicare": 1}
    assert data["filters"] == {"from": "2026-01-20", "to": "2026-02-25"}


def test_quality_csv(client, auth, stored) -> None:
    response = client.get(QUALITY, params={"format": "csv", "by": "month"}, headers=auth)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert (rows[0]["kind"], rows[0]["n"], rows[0]["share_complete"]) == ("overall", "5", "0.4")
    assert [r["key"] for r in rows if r["kind"] == "breakdown"] == ["2026-01", "2026-02", "2026-03"]


def test_quality_html_has_charts_and_links_and_is_audited(app, client, auth, stored) -> None:
    response = client.get(QUALITY, headers=auth)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert page.count("<svg") == 2
    assert 'href="/v1/analyses/r3/report"' in page
    assert "script-src" not in response.headers["content-security-policy"]
    assert ("quality_report", None) in _audit_actions(app)


def test_quality_over_an_empty_store(client, auth) -> None:
    data = client.get(QUALITY, params={"format": "json"}, headers=auth).json()
    assert (data["n_notes"], data["requirements"], data["code_mismatches"]) == (0, [], [])
    assert "No notes in the selected period" in client.get(QUALITY, headers=auth).text


@pytest.mark.parametrize(
    "params",
    [
        {"format": "pdf"},
        {"from": "last tuesday"},
        {"from": "2026-03-01", "to": "2026-02-01"},
        {"by": "provider,region"},
    ],
)
def test_quality_bad_parameters_are_problems(client, auth, params) -> None:
    response = client.get(QUALITY, params=params, headers=auth)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "VALIDATION"


@pytest.mark.parametrize("path", [QUALITY, "/v1/analyses/r1/report"])
def test_report_routes_need_a_key(client, stored, path) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    response = client.get(path, headers={"Authorization": "Bearer esk_wrong"})
    assert response.status_code == 401


def test_note_report_highlights_evidence_of_an_uploaded_note(app, client, auth) -> None:
    created = client.post("/v1/analyses", json={"text": NOTE}, headers=auth).json()
    response = client.get(f"/v1/analyses/{created['id']}/report", headers=auth)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert re.search(r"<mark [^>]*>fluoroscopy</mark>", page)
    assert "<script" not in page.lower()
    assert ("report", created["id"]) in _audit_actions(app)


def test_note_report_of_unknown_id_is_404(client, auth) -> None:
    response = client.get("/v1/analyses/nope/report", headers=auth)
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"

"""HTTP API behaviour: every route and error path, on SQLite and (if it answers) PostgreSQL."""

from __future__ import annotations

import base64
import io

import httpx
import pytest

from api.store.repository import Repository
from tests.api.serving import served

PROBLEM = "application/problem+json"

NOTE = """PROCEDURE NOTE
DATE OF SERVICE: 02/11/2025

PROCEDURE: Left L5-S1 interlaminar epidural steroid injection under fluoroscopic guidance.

PREOPERATIVE DIAGNOSES:
1. Left S1 lumbar radiculopathy.

INDICATIONS: Pain radiating down the left leg for 4 months. She completed 8 weeks of formal
physical therapy without lasting improvement. MRI of the lumbar spine demonstrates a left
paracentral disc herniation at L5-S1. Pre-procedure pain is 7/10.

CONSENT: The risks, benefits and alternatives were discussed. Written informed consent was signed.

DESCRIPTION OF PROCEDURE: Using AP fluoroscopy, the L5-S1 interlaminar space was identified and
the skin was anesthetized with 3 mL of 1% lidocaine. A Tuohy needle entered the epidural space
with loss of resistance. Omnipaque 240, 2 mL, demonstrated epidural spread. Depo-Medrol 80 mg
(2 mL) and preservative-free normal saline 2 mL were injected.

POST-PROCEDURE: No complications. Post-procedure pain was 3/10.
"""


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert {"type", "title", "status", "detail", "code"} <= body.keys()
    assert body["status"] == status and body["code"] == code
    return body


def _post(client, auth, text=NOTE, **meta):
    return client.post("/v1/analyses", json={"text": text, **meta}, headers=auth)


def _total(client, auth) -> int:
    return client.get("/v1/analyses", headers=auth).json()["total"]


def _docref(data: bytes, content_type: str = "text/plain", **overrides) -> dict:
    resource = {
        "resourceType": "DocumentReference",
        "id": "doc-1",
        "status": "current",
        "subject": {"reference": "Patient/123"},
        "date": "2025-02-11T10:30:00Z",
        "content": [
            {"attachment": {"contentType": content_type, "data": base64.b64encode(data).decode()}}
        ],
    }
    resource.update(overrides)
    return resource


# health, page, headers ---------------------------------------------------------------
def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["pipeline"] == "ok"
    assert ready.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert ready.headers["x-content-type-options"] == "nosniff"


def test_not_ready_until_the_pipeline_is_loaded(tmp_path):
    from fastapi.testclient import TestClient

    from api.http import create_app
    from api.settings import Settings

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'cold.sqlite'}"))
    not_started = TestClient(app)  # no `with`: startup (pipeline load) has not run
    _problem(not_started.get("/readyz"), 503, "PIPELINE_LOADING")
    assert not_started.get("/healthz").status_code == 200


def test_upload_page_is_html_with_strict_headers(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'id="key"' in page.text and "/v1/analyses" in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"


# authentication ----------------------------------------------------------------------
@pytest.mark.parametrize("header", [None, "Bearer wrong-key", "Basic abc", "Bearer "])
def test_v1_routes_need_a_valid_key(client, api_key, header):
    headers = {"Authorization": header} if header else {}
    for method, path in [
        ("post", "/v1/analyses"),
        ("get", "/v1/analyses"),
        ("get", "/v1/analyses/x"),
        ("delete", "/v1/analyses/x"),
        ("post", "/v1/fhir/DocumentReference"),
    ]:
        response = client.request(method, path, headers=headers, json={"text": NOTE})
        _problem(response, 401, "UNAUTHORIZED")
        assert response.headers["www-authenticate"] == "Bearer"


def test_revoked_key_is_refused(app, client, auth):
    assert _post(client, auth).status_code == 201
    with app.state.sessions() as session:
        repo = Repository(session)
        repo.revoke_key(repo.list_keys()[0].name)
        repo.commit()
    _problem(_post(client, auth), 401, "UNAUTHORIZED")


# create / read / idempotency ---------------------------------------------------------
def test_create_returns_the_analysis_and_stores_it(client, auth):
    created = _post(
        client,
        auth,
        note_id="n-1",
        patient_ref="P1",
        date_of_service="2025-02-11",
        billed_cpt="62323",
        provider="Dr A",
        site="North",
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"] == f"/v1/analyses/{body['id']}"
    assert body["analysis"]["procedure"]["region"] == "lumbar"
    assert body["suggested_codes"] == body["analysis"]["billing"]["suggested_codes"]
    assert body["complete"] == body["analysis"]["complete"]
    assert body["text"] == NOTE
    for finding in body["analysis"]["requirements"]:
        for ev in finding["evidence"]:
            assert NOTE[ev["start"] : ev["end"]] == ev["text"]
    fetched = client.get(f"/v1/analyses/{body['id']}", headers=auth)
    assert fetched.status_code == 200 and fetched.json() == body


def test_same_note_id_and_text_is_idempotent(client, auth):
    first = _post(client, auth, note_id="n-1")
    again = _post(client, auth, note_id="n-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    other_id = _post(client, auth, note_id="n-2")
    other_text = _post(client, auth, text=NOTE + "\nAddendum.", note_id="n-1")
    assert other_id.status_code == other_text.status_code == 201
    assert len({first.json()["id"], other_id.json()["id"], other_text.json()["id"]}) == 3
    assert _total(client, auth) == 3


def test_audit_records_actions_without_note_text(app, client, auth):
    analysis_id = _post(client, auth, patient_ref="P-secret").json()["id"]
    client.get(f"/v1/analyses/{analysis_id}", headers=auth)
    client.delete(f"/v1/analyses/{analysis_id}", headers=auth)
    with app.state.sessions() as session:
        entries = Repository(session).audit_entries()
    assert [(e.action, e.analysis_id) for e in entries] == [
        ("create", analysis_id),
        ("read", analysis_id),
        ("delete", analysis_id),
    ]
    dumped = repr([(e.key_name, e.action, e.analysis_id) for e in entries])
    assert "P-secret" not in dumped and "Tuohy" not in dumped


def test_unknown_id_is_a_404_problem(client, auth):
    _problem(client.get("/v1/analyses/nope", headers=auth), 404, "NOT_FOUND")
    _problem(client.get("/no/such/route"), 404, "NOT_FOUND")


# input errors: coded, never 500, nothing stored --------------------------------------
@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_is_400_and_stores_nothing(client, auth, text):
    body = _problem(_post(client, auth, text=text), 400, "E001")
    assert "text" in body["detail"]
    assert _total(client, auth) == 0


def test_text_over_the_limit_is_413(client, auth):
    _problem(_post(client, auth, text="pain " * 5000), 413, "E002")
    assert _total(client, auth) == 0


def test_body_over_the_limit_is_413(client, auth):
    response = client.post(
        "/v1/analyses", content=b"x" * 200_000, headers={**auth, "Content-Type": "application/json"}
    )
    _problem(response, 413, "E002")


@pytest.mark.parametrize("body", [b"{not json", b'{"text": "a",}', b"[1, 2]", b""])
def test_malformed_json_is_422(client, auth, body):
    response = client.post(
        "/v1/analyses", content=body, headers={**auth, "Content-Type": "application/json"}
    )
    _problem(response, 422, "VALIDATION")


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"note_id": "x"}, "text"),
        ({"text": NOTE, "date_of_service": "11/02/2025"}, "date_of_service"),
        ({"text": NOTE, "billed_cpt": "6232"}, "billed_cpt"),
        ({"text": NOTE, "surprise": 1}, "surprise"),
        ({"text": 42}, "text"),
    ],
)
def test_invalid_fields_are_422_naming_the_field(client, auth, payload, field):
    body = _problem(client.post("/v1/analyses", json=payload, headers=auth), 422, "VALIDATION")
    assert field in body["detail"]
    assert "Tuohy" not in body["detail"]  # problem details never echo the note
    assert _total(client, auth) == 0


def test_unsupported_body_type_is_415(client, auth):
    response = client.post(
        "/v1/analyses", content=NOTE.encode(), headers={**auth, "Content-Type": "text/plain"}
    )
    _problem(response, 415, "E005")


# file uploads ------------------------------------------------------------------------
def test_text_file_upload(client, auth):
    response = client.post(
        "/v1/analyses",
        headers=auth,
        files={"file": ("note.txt", NOTE.encode(), "text/plain")},
        data={"patient_ref": "P9", "billed_cpt": "62323"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["patient_ref"] == "P9" and response.json()["text"] == NOTE


def test_docx_upload(client, auth):
    import docx

    document = docx.Document()
    for line in NOTE.split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    response = client.post(
        "/v1/analyses",
        headers=auth,
        files={
            "file": (
                "note.docx",
                buffer.getvalue(),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            )
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["analysis"]["procedure"]["region"] == "lumbar"


@pytest.mark.parametrize(
    "name, data, status, code",
    [
        ("note.exe", b"MZ\x90\x00", 415, "E005"),
        ("note.txt", b"x" * (64 * 1024 + 1), 413, "E002"),
        ("note.txt", b"\xff\xfe\xfa", 400, "E003"),
        ("note.txt", b"   ", 400, "E001"),
        ("note.pdf", b"not a pdf", 400, "E006"),
        ("note.docx", b"not a zip", 400, "E008"),
    ],
)
def test_bad_uploads_are_coded_problems(client, auth, name, data, status, code):
    response = client.post("/v1/analyses", headers=auth, files={"file": (name, data)})
    _problem(response, status, code)
    assert _total(client, auth) == 0


def test_malformed_multipart_is_400(client, auth):
    response = client.post(
        "/v1/analyses",
        content=b"garbage",
        headers={**auth, "Content-Type": "multipart/form-data; boundary=zzz"},
    )
    _problem(response, 400, "BAD_MULTIPART")


def test_unknown_payer_is_a_coded_400(client, auth):
    _problem(_post(client, auth, payer="no-such-payer"), 400, "E011")
    assert _total(client, auth) == 0


def test_upload_without_file_is_422(client, auth):
    response = client.post(
        "/v1/analyses", headers=auth, data={"patient_ref": "P1"}, files={"other": ("a.txt", b"x")}
    )
    _problem(response, 422, "VALIDATION")


# list and delete ---------------------------------------------------------------------
def test_list_pages_and_filters(client, auth):
    for i in range(7):
        patient = "P1" if i < 6 else "P2"
        response = _post(
            client,
            auth,
            text=f"{NOTE}\nAddendum {i}.",
            patient_ref=patient,
            date_of_service=f"2025-01-{i + 10:02d}",
        )
        assert response.status_code == 201
    page = client.get("/v1/analyses", params={"limit": 50}, headers=auth).json()
    assert page["total"] == 7 and page["limit"] == 5 and len(page["items"]) == 5
    assert "text" not in page["items"][0] and "analysis" not in page["items"][0]
    rest = client.get("/v1/analyses", params={"limit": 5, "offset": 5}, headers=auth).json()
    assert len(rest["items"]) == 2
    seen = {i["id"] for i in page["items"]} | {i["id"] for i in rest["items"]}
    assert len(seen) == 7
    by_patient = client.get("/v1/analyses", params={"patient_ref": "P2"}, headers=auth).json()
    assert by_patient["total"] == 1 and by_patient["items"][0]["patient_ref"] == "P2"
    window = client.get(
        "/v1/analyses", headers=auth, params={"from": "2025-01-11", "to": "2025-01-13"}
    ).json()
    assert sorted(i["date_of_service"] for i in window["items"]) == [
        "2025-01-11",
        "2025-01-12",
        "2025-01-13",
    ]
    complete = page["items"][0]["complete"]
    same = client.get("/v1/analyses", params={"complete": complete}, headers=auth).json()
    other = client.get("/v1/analyses", params={"complete": not complete}, headers=auth).json()
    assert same["total"] + other["total"] == 7 and same["total"] >= 1


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"offset": -1}, {"from": "yesterday"}, {"complete": "maybe"}]
)
def test_bad_list_parameters_are_422(client, auth, params):
    _problem(client.get("/v1/analyses", params=params, headers=auth), 422, "VALIDATION")


def test_delete_removes_the_analysis(client, auth):
    analysis_id = _post(client, auth).json()["id"]
    deleted = client.delete(f"/v1/analyses/{analysis_id}", headers=auth)
    assert deleted.status_code == 204 and deleted.content == b""
    _problem(client.get(f"/v1/analyses/{analysis_id}", headers=auth), 404, "NOT_FOUND")
    _problem(client.delete(f"/v1/analyses/{analysis_id}", headers=auth), 404, "NOT_FOUND")
    assert _total(client, auth) == 0


# FHIR DocumentReference --------------------------------------------------------------
def test_fhir_document_reference_is_analyzed(client, auth):
    response = client.post("/v1/fhir/DocumentReference", headers=auth, json=_docref(NOTE.encode()))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["patient_ref"] == "Patient/123" and body["date_of_service"] == "2025-02-11"
    assert body["note_id"] == "doc-1" and body["text"] == NOTE
    again = client.post("/v1/fhir/DocumentReference", headers=auth, json=_docref(NOTE.encode()))
    assert again.status_code == 200 and again.json()["id"] == body["id"]


@pytest.mark.parametrize(
    "resource, status, code",
    [
        (_docref(NOTE.encode(), resourceType="Patient"), 400, "E013"),
        (_docref(NOTE.encode(), status="final"), 400, "E013"),
        (_docref(NOTE.encode(), content=[]), 400, "E013"),
        (_docref(NOTE.encode(), date="last week"), 400, "E013"),
        (
            {
                **_docref(b""),
                "content": [
                    {"attachment": {"contentType": "text/plain", "data": "@@not base64@@"}}
                ],
            },
            400,
            "E013",
        ),
        (_docref(NOTE.encode(), "text/html"), 415, "E005"),
        (_docref(b"   "), 400, "E001"),
        (_docref(b"x" * (64 * 1024 + 1)), 413, "E002"),
        (["not", "an", "object"], 400, "E013"),
    ],
)
def test_bad_fhir_resources_are_coded_problems(client, auth, resource, status, code):
    response = client.post("/v1/fhir/DocumentReference", headers=auth, json=resource)
    _problem(response, status, code)
    assert _total(client, auth) == 0


def test_fhir_malformed_json_is_422(client, auth):
    response = client.post(
        "/v1/fhir/DocumentReference",
        content=b"{oops",
        headers={**auth, "Content-Type": "application/fhir+json"},
    )
    _problem(response, 422, "VALIDATION")


# a real server -----------------------------------------------------------------------


def test_esicheck_serve_round_trip(tmp_path):
    with served(tmp_path, log_level="warning") as server:
        headers = {"Authorization": f"Bearer {server.key}"}
        created = httpx.post(
            f"{server.url}/v1/analyses",
            json={"text": NOTE, "note_id": "s-1"},
            headers=headers,
            timeout=30,
        )
        assert created.status_code == 201, created.text
        fetched = httpx.get(f"{server.url}/v1/analyses/{created.json()['id']}", headers=headers)
        assert fetched.json()["analysis"] == created.json()["analysis"]
        assert httpx.get(f"{server.url}/v1/analyses").status_code == 401


# migrations --------------------------------------------------------------------------
def test_alembic_initial_revision_matches_the_models(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import inspect

    from api.store.db import create_db_engine
    from api.store.migrate import downgrade, upgrade
    from api.store.models import Base

    url = f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    upgrade(url)
    engine = create_db_engine(url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    downgrade(url)
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    engine.dispose()

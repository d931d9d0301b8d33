"""Patient-data hygiene: a canary string placed in notes never reaches logs, error bodies or
exception traces, in the HTTP API (in-process, under uvicorn, and as `esicheck serve`) and the
CLI (`esicheck analyze`, `esicheck scan` on bad files).

The canary stands in for a patient's name: anything that copies note text into a log line or
an error message will copy it too.
"""

from __future__ import annotations

import base64
import logging
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import _register_modules
from api.cli import app as cli_app
from api.http import create_app
from api.settings import Settings
from api.store.repository import Repository
from tests.api.serving import served
from tests.test_requirements import COMPLETE

CANARY = "Zyxwvut Canaryson"
NOTE = f"PATIENT: {CANARY}\n{COMPLETE}\nSigned for {CANARY}.\n"
_register_modules()


def _requests(headers: dict[str, str]) -> list[tuple[str, str, dict]]:
    """(method, path, httpx/TestClient kwargs): one good note and many ways to fail with one."""
    docref = {
        "resourceType": "DocumentReference",
        "status": "current",
        "subject": {"reference": f"Patient/{CANARY}"},
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain",
                    "data": base64.b64encode(NOTE.encode()).decode(),
                }
            }
        ],
    }
    json_ct = {**headers, "Content-Type": "application/json"}
    return [
        ("POST", "/v1/analyses", {"json": {"text": NOTE, "note_id": "canary-1"}}),
        ("POST", "/v1/analyses", {"json": {"text": NOTE, "billed_cpt": CANARY}}),
        ("POST", "/v1/analyses", {"json": {"text": NOTE, "date_of_service": CANARY}}),
        ("POST", "/v1/analyses", {"json": {"text": NOTE * 400}}),
        ("POST", "/v1/analyses", {"json": {"text": NOTE, "note_id": CANARY * 20}}),
        ("POST", "/v1/analyses", {"content": f'{{"text": "{CANARY}'.encode(), "headers": json_ct}),
        (
            "POST",
            "/v1/analyses",
            {"content": NOTE.encode(), "headers": {**headers, "Content-Type": "text/plain"}},
        ),
        ("POST", "/v1/analyses", {"files": {"file": ("n.txt", NOTE.encode("latin-1") + b"\xff")}}),
        ("POST", "/v1/analyses", {"files": {"file": ("n.pdf", NOTE.encode())}}),
        ("POST", "/v1/analyses", {"files": {"file": ("n.docx", NOTE.encode())}}),
        (
            "POST",
            "/v1/analyses",
            {"files": {"file": ("n.txt", NOTE.encode())}, "data": {"note_id": CANARY * 20}},
        ),
        ("POST", "/v1/fhir/DocumentReference", {"json": docref}),
        ("POST", "/v1/fhir/DocumentReference", {"json": {**docref, "resourceType": CANARY}}),
        ("POST", "/v1/fhir/DocumentReference", {"json": {**docref, "date": CANARY}}),
        ("POST", "/v1/fhir/DocumentReference", {"json": {**docref, "id": CANARY * 20}}),
        (
            "POST",
            "/v1/fhir/DocumentReference",
            {"content": f'{{"x": "{CANARY}'.encode(), "headers": json_ct},
        ),
        ("GET", "/v1/analyses", {"params": {"patient_ref": CANARY, "from": CANARY}}),
        ("GET", f"/v1/analyses/{CANARY}", {}),
        ("DELETE", f"/v1/analyses/{CANARY}", {}),
    ]


def _send_all(client, headers: dict[str, str]) -> list[tuple[int, str]]:
    answers = []
    for method, path, kwargs in _requests(headers):
        merged = {**kwargs, "headers": kwargs.get("headers", headers)}
        response = client.request(method, path, **merged)
        answers.append((response.status_code, response.text))
    return answers


def _assert_errors_clean(answers: list[tuple[int, str]]) -> None:
    assert any(status == 201 for status, _ in answers)  # the canary note itself was analyzed
    errors = [(status, body) for status, body in answers if status >= 400]
    assert len(errors) >= 15
    leaks = [status for status, body in errors if CANARY in body or "Canaryson" in body]
    assert not leaks, f"error bodies with status {leaks} quote the note"


@pytest.fixture
def api(tmp_path, nlp):
    app = create_app(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'canary.sqlite'}",
            max_text_chars=20_000,
            max_upload_bytes=64 * 1024,
        )
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        with app.state.sessions() as session:
            repo = Repository(session)
            key = repo.create_key("canary")
            repo.commit()
        yield app, client, {"Authorization": f"Bearer {key}"}


def test_api_errors_and_logs_never_contain_note_text(api, caplog, capsys):
    app, client, headers = api
    caplog.set_level(logging.DEBUG)
    _assert_errors_clean(_send_all(client, headers))
    captured = capsys.readouterr()
    assert CANARY not in caplog.text
    assert CANARY not in captured.out + captured.err


def test_unexpected_error_under_uvicorn_leaks_no_trace(api, capfd, caplog, monkeypatch):
    """An exception whose message quotes the note: 500 problem, and nothing on stderr."""
    import uvicorn

    import api.http.service as service

    app, _, headers = api

    def explode(text, meta):
        raise RuntimeError(f"analysis failed on {text[:40]}")

    monkeypatch.setattr(service, "_analyze", explode)
    caplog.set_level(logging.DEBUG)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="debug", access_log=False, lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not (server.started and server.servers):
            assert time.monotonic() < deadline and thread.is_alive()
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        response = httpx.post(
            f"http://127.0.0.1:{port}/v1/analyses",
            headers=headers,
            json={"text": NOTE, "note_id": "boom"},
            timeout=30,
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert response.status_code == 500
    assert response.json()["code"] == "INTERNAL" and CANARY not in response.text
    captured = capfd.readouterr()
    assert "RuntimeError" in caplog.text  # the failure is logged, by type
    assert CANARY not in captured.err + captured.out + caplog.text


def test_esicheck_serve_stderr_never_contains_note_text(tmp_path):
    with served(
        tmp_path, env={"ESICHECK_MAX_TEXT_CHARS": "20000", "ESICHECK_MAX_UPLOAD_BYTES": "65536"}
    ) as service:
        with httpx.Client(base_url=service.url, timeout=60) as client:
            headers = {"Authorization": f"Bearer {service.key}"}
            _assert_errors_clean(_send_all(client, headers))
        stderr = service.stderr()
    assert stderr.strip()  # debug logging was on, so the check is not vacuous
    assert CANARY not in stderr


def test_cli_analyze_and_scan_errors_never_contain_note_text(tmp_path):
    good = tmp_path / "notes" / "good.txt"
    good.parent.mkdir()
    good.write_text(NOTE, encoding="utf-8")
    (tmp_path / "notes" / "latin.txt").write_bytes(NOTE.encode("latin-1") + b"\xff\xfe")
    (tmp_path / "notes" / "binary.txt").write_bytes(NOTE.encode() + b"\x00" * 4000)
    (tmp_path / "notes" / "broken.pdf").write_bytes(b"%PDF-1.4\n" + NOTE.encode())
    (tmp_path / "notes" / "broken.docx").write_bytes(b"PK\x03\x04" + NOTE.encode())
    runner = CliRunner()
    result = runner.invoke(cli_app, ["analyze", str(tmp_path / "notes"), "--no-fail"])
    assert result.exit_code == 2  # the bad files failed, the good one ran
    assert "E003" in result.stderr and "E004" in result.stderr
    assert CANARY not in result.stderr and CANARY not in result.stdout

    history = tmp_path / "history.csv"
    history.write_text(f"when,what\n{CANARY},62323\n", encoding="utf-8")
    result = runner.invoke(cli_app, ["analyze", str(good), "--history", str(history)])
    assert result.exit_code == 2 and "E012" in result.stderr
    assert CANARY not in result.stderr + result.stdout

    result = runner.invoke(
        cli_app, ["scan", str(tmp_path / "notes"), "--out", str(tmp_path / "out")]
    )
    assert CANARY not in result.stderr + result.stdout
    table = tmp_path / "bad.csv"
    table.write_text(f"note_id,body\n1,{CANARY}\n", encoding="utf-8")  # no text column
    result = runner.invoke(cli_app, ["scan", str(table), "--out", str(tmp_path / "out2")])
    assert result.exit_code == 2
    assert CANARY not in result.stderr + result.stdout


def test_unreadable_pdf_header_is_not_logged(tmp_path):
    import subprocess

    from tests.api.serving import esicheck_command

    pdf = tmp_path / "note.pdf"
    pdf.write_bytes(NOTE.replace("PATIENT: ", "").encode())  # starts with the canary
    result = subprocess.run(
        [esicheck_command(), "analyze", str(pdf)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2 and "E006" in result.stderr
    assert CANARY[:5] not in result.stderr + result.stdout

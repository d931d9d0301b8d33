"""The bad-input table: each input gets its documented 4xx problem code and stores nothing.

Rows are counted in the database before and after (analyses and audit), so a refused request
can not leave a partial write behind. Runs on SQLite and, if it answers, PostgreSQL.
"""

from __future__ import annotations

import base64
import io

import pytest
from sqlalchemy import func, select

from api.store.models import AnalysisRow, AuditEntry

from .test_http import NOTE, _docref, _problem


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _encrypted_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.encrypt(user_password="secret", algorithm="RC4-128")  # no cryptography dep
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _corrupt_docx() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # a zip, but not a Word package
        archive.writestr("word/document.xml", "<w:document><unclosed")
    return buffer.getvalue()


def _rows(app) -> tuple[int, int]:
    with app.state.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(AnalysisRow)),
            session.scalar(select(func.count()).select_from(AuditEntry)),
        )


def _upload(name: str, data: bytes, mime: str = "application/octet-stream") -> dict:
    return {"files": {"file": (name, data, mime)}}


# (id, request kwargs for client.request, path, status, code); limits from tests/api/conftest:
# max_text_chars=20_000, max_upload_bytes=64 KiB.
ANALYSES = "/v1/analyses"
FHIR = "/v1/fhir/DocumentReference"
BAD_INPUTS = [
    ("empty-text", {"json": {"text": ""}}, ANALYSES, 400, "E001"),
    ("whitespace-text", {"json": {"text": " \n\t\u00a0 "}}, ANALYSES, 400, "E001"),
    ("text-over-limit", {"json": {"text": "a" * 20_001}}, ANALYSES, 413, "E002"),
    ("binary-file", _upload("note.txt", b"\x00\x01\x02\x03" * 512), ANALYSES, 400, "E004"),
    ("executable", _upload("note.exe", b"MZ\x90\x00" * 8), ANALYSES, 415, "E005"),
    (
        "pdf-without-text",
        _upload("note.pdf", _blank_pdf(), "application/pdf"),
        ANALYSES,
        400,
        "E006",
    ),
    (
        "encrypted-pdf",
        _upload("note.pdf", _encrypted_pdf(), "application/pdf"),
        ANALYSES,
        400,
        "E007",
    ),
    ("corrupt-docx", _upload("note.docx", _corrupt_docx()), ANALYSES, 400, "E008"),
    (
        "undecodable-bytes",
        _upload("note.txt", b"Pain \xe9\xff\xfe radiating"),
        ANALYSES,
        400,
        "E003",
    ),
    ("utf16-odd-length", _upload("note.txt", b"\xff\xfeA\x00B"), ANALYSES, 400, "E003"),
    ("nul-only-file", _upload("note.txt", b"\x00" * 100), ANALYSES, 400, "E004"),
    (
        "malformed-json",
        {"content": b'{"text": "abc', "headers": {"Content-Type": "application/json"}},
        ANALYSES,
        422,
        "VALIDATION",
    ),
    ("json-not-object", {"json": ["text"]}, ANALYSES, 422, "VALIDATION"),
    (
        "lone-surrogate-json",
        {
            "content": b'{"text": "pain \\ud800 here"}',
            "headers": {"Content-Type": "application/json"},
        },
        ANALYSES,
        422,
        "VALIDATION",
    ),
    (
        "wrong-content-type",
        {"content": NOTE.encode(), "headers": {"Content-Type": "text/plain"}},
        ANALYSES,
        415,
        "E005",
    ),
    ("no-content-type", {"content": NOTE.encode()}, ANALYSES, 415, "E005"),
    ("huge-multipart", _upload("note.txt", b"a" * (200 * 1024)), ANALYSES, 413, "E002"),
    ("huge-json-body", {"json": {"text": "a" * (200 * 1024)}}, ANALYSES, 413, "E002"),
    (
        "malformed-multipart",
        {"content": b"garbage", "headers": {"Content-Type": "multipart/form-data; boundary=zzz"}},
        ANALYSES,
        400,
        "BAD_MULTIPART",
    ),
    (
        "multipart-without-file",
        {
            "content": b"--zzz\r\ngarbage",
            "headers": {"Content-Type": "multipart/form-data; boundary=zzz"},
        },
        ANALYSES,
        422,
        "VALIDATION",
    ),
    ("nul-only-json-text", {"json": {"text": "\x00\x00 \x00"}}, ANALYSES, 400, "E001"),
    (
        "fhir-malformed-json",
        {"content": b"{", "headers": {"Content-Type": "application/fhir+json"}},
        FHIR,
        422,
        "VALIDATION",
    ),
    (
        "fhir-wrong-resource",
        {"json": _docref(NOTE.encode(), resourceType="Patient")},
        FHIR,
        400,
        "E013",
    ),
    ("fhir-no-content", {"json": _docref(NOTE.encode(), content=[])}, FHIR, 400, "E013"),
    (
        "fhir-bad-base64",
        {
            "json": {
                **_docref(b""),
                "content": [{"attachment": {"contentType": "text/plain", "data": "%%%not base64"}}],
            }
        },
        FHIR,
        400,
        "E013",
    ),
    ("fhir-undecodable", {"json": _docref(b"\xe9\xff\xfe")}, FHIR, 400, "E003"),
    ("fhir-empty-text", {"json": _docref(b"   ")}, FHIR, 400, "E001"),
    ("fhir-wrong-type", {"json": _docref(NOTE.encode(), "image/png")}, FHIR, 415, "E005"),
    ("fhir-blank-pdf", {"json": _docref(_blank_pdf(), "application/pdf")}, FHIR, 400, "E006"),
    (
        "fhir-encrypted-pdf",
        {"json": _docref(_encrypted_pdf(), "application/pdf")},
        FHIR,
        400,
        "E007",
    ),
    ("fhir-bad-date", {"json": _docref(NOTE.encode(), date="yesterday")}, FHIR, 400, "E013"),
]


@pytest.mark.parametrize(
    "kwargs, path, status, code",
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_gets_its_code_and_stores_nothing(app, client, auth, kwargs, path, status, code):
    before = _rows(app)
    headers = {**auth, **kwargs.get("headers", {})}
    response = client.post(path, **{**kwargs, "headers": headers})
    body = _problem(response, status, code)
    assert "pain" not in body["detail"].lower()  # details name fields, never note content
    assert _rows(app) == before


# Inputs the readers repair rather than refuse (api/inputs.py): documented as accepted.
ACCEPTED = [
    ("utf16-le-bom", "note.txt", b"\xff\xfe" + NOTE.encode("utf-16-le")),
    ("utf16-be-bom", "note.txt", b"\xfe\xff" + NOTE.encode("utf-16-be")),
    ("utf8-bom", "note.txt", b"\xef\xbb\xbf" + NOTE.encode()),
    ("sparse-nul-bytes", "note.txt", NOTE.encode().replace(b"\n\n", b"\n\x00\n", 2)),
    ("crlf-line-ends", "note.txt", NOTE.replace("\n", "\r\n").encode()),
]


@pytest.mark.parametrize(
    "name, data", [case[1:] for case in ACCEPTED], ids=[case[0] for case in ACCEPTED]
)
def test_repairable_uploads_are_analyzed(client, auth, name, data):
    response = client.post(ANALYSES, headers=auth, files={"file": (name, data)})
    assert response.status_code == 201, response.text
    stored = response.json()
    assert "\x00" not in stored["text"] and "\r" not in stored["text"]
    assert stored["analysis"]["procedure"]["region"] == "lumbar"


def test_nul_bytes_in_json_text_are_removed_before_storing(client, auth):
    """PostgreSQL text can not hold NUL (it was a 500): removed as the file readers do."""
    response = client.post(ANALYSES, headers=auth, json={"text": NOTE.replace("\n\n", "\n\x00\n")})
    assert response.status_code == 201, response.text
    assert "\x00" not in response.json()["text"]


def test_fhir_text_attachment_in_utf16_is_analyzed(client, auth):
    data = b"\xff\xfe" + NOTE.encode("utf-16-le")
    response = client.post(FHIR, headers=auth, json=_docref(data))
    assert response.status_code == 201, response.text
    assert base64.b64encode(data)  # the resource carried UTF-16 bytes, not text

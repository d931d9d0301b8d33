"""FHIR input for `esicheck scan`: a Bundle or bulk-export NDJSON of DocumentReference, the
metadata mapping (patient, date, LOINC document type, author), and errors that name the file,
entry or line and field without quoting content."""

from __future__ import annotations

import base64
import copy
import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import api.cli_scan  # noqa: F401  (registers the command)
from api.cli import app
from api.scan.sources import load_documents
from tests.test_scan import H_AND_P, note

LOINC = "http://loinc.org"


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a text layer (Helvetica), small enough to write by hand."""
    stream = "BT /F1 10 Tf 72 720 Td 12 TL " + " ".join(f"({x}) Tj T*" for x in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return out


def doc_ref(
    doc_id: str,
    text: str | bytes,
    *,
    loinc: str | None = None,
    where: str = "type",
    status: str = "current",
    when: str | None = "2025-03-01T09:30:00-05:00",
    period_start: str | None = None,
    patient: str | None = "Patient/P1",
    author: str | None = "Dr. Rivera",
    content_type: str = "text/plain",
) -> dict[str, Any]:
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": doc_id,
        "status": status,
        "content": [
            {
                "attachment": {
                    "contentType": content_type,
                    "data": base64.b64encode(data).decode("ascii"),
                }
            }
        ],
    }
    if loinc:
        concept = {"coding": [{"system": LOINC, "code": loinc}]}
        resource[where] = concept if where == "type" else [concept]
    if when:
        resource["date"] = when
    if period_start:
        resource["context"] = {"period": {"start": period_start}}
    if patient:
        resource["subject"] = {"reference": patient}
    if author:
        resource["author"] = [{"reference": "Practitioner/9", "display": author}]
    return resource


def _resources() -> list[dict[str, Any]]:
    return [
        doc_ref("proc-1", note(), loinc="28570-0"),
        # The H&P is dated by its encounter period only (no `date`): still joins the episode.
        doc_ref("hp-1", H_AND_P, loinc="34117-2", when=None, period_start="2025-02-01"),
        doc_ref(
            "consult-1",
            H_AND_P,
            loinc="11488-4",
            where="category",
            when="2025-01-15T08:00:00Z",
            author=None,
        ),
        doc_ref("progress-1", H_AND_P, loinc="11506-3", when="2025-01-20T08:00:00Z"),
        doc_ref("withdrawn", note(), status="entered-in-error"),
        doc_ref(
            "pdf-1",
            _pdf(["PROCEDURE NOTE", "Caudal epidural under fluoroscopy."]),
            content_type="application/pdf",
            patient="Patient/P2",
        ),
        {"resourceType": "Patient", "id": "P1"},
    ]


def _bundle(path: Path, resources: list[dict[str, Any]]) -> Path:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{i}", "resource": r} for i, r in enumerate(resources)],
    }
    path.write_text(json.dumps(bundle, indent=1), encoding="utf-8")
    return path


def _ndjson(path: Path, resources: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in resources), encoding="utf-8")
    return path


@pytest.mark.parametrize("writer, name", [(_bundle, "bundle.json"), (_ndjson, "docs.ndjson")])
def test_fhir_metadata_maps_to_scan_documents(tmp_path: Path, writer, name: str) -> None:
    documents = {d.note_id: d for d in load_documents(writer(tmp_path / name, _resources()))}
    assert list(documents) == ["proc-1", "hp-1", "consult-1", "progress-1", "pdf-1"]
    proc = documents["proc-1"]
    assert (proc.patient_ref, proc.date_of_service, proc.doc_type, proc.provider) == (
        "Patient/P1",
        date(2025, 3, 1),
        "procedure",
        "Dr. Rivera",
    )
    assert proc.text == note()
    assert (documents["hp-1"].doc_type, documents["hp-1"].date_of_service) == (
        "h_and_p",
        date(2025, 2, 1),
    )
    assert documents["consult-1"].doc_type == "consult"
    assert documents["consult-1"].provider is None
    assert documents["progress-1"].doc_type == "progress"
    # No LOINC type: a procedure note; a PDF attachment is read through its text layer.
    assert documents["pdf-1"].doc_type == "procedure"
    assert "Caudal epidural" in (documents["pdf-1"].text or "")


def test_scan_of_a_bundle_builds_episodes_from_document_references(tmp_path: Path) -> None:
    source = _bundle(tmp_path / "bundle.json", _resources())
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["scan", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(out / "results.sqlite") as conn:
        rows = {
            r[0]: r[1:]
            for r in conn.execute(
                "select episode_id, patient_ref, date_of_service, provider, analysis_json "
                "from scan_results"
            )
        }
    assert set(rows) == {"proc-1", "pdf-1"}
    patient, day, provider, analysis = rows["proc-1"]
    assert (patient, day, provider) == ("Patient/P1", "2025-03-01", "Dr. Rivera")
    assert json.loads(analysis)["documents"] == ["proc-1", "consult-1", "progress-1", "hp-1"]
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["notes"], summary["episodes"]) == (5, 2)


def _broken(change) -> list[dict[str, Any]]:
    resources = [doc_ref("ok", note()), copy.deepcopy(doc_ref("bad", note()))]
    change(resources[1])
    return resources


def _attachment(resource: dict[str, Any]) -> dict[str, Any]:
    return resource["content"][0]["attachment"]


BROKEN = {
    "status": (
        lambda r: r.update(status="final"),
        "[E013] {where}: status: must be one of current, superseded, entered-in-error",
    ),
    "url only": (
        lambda r: r["content"][0].update(
            attachment={"contentType": "text/plain", "url": "https://example.org/note.txt"}
        ),
        "[E013] {where}: content[0].attachment.data: base64 data is required "
        "(attachment URLs are not fetched)",
    ),
    "bad base64": (
        lambda r: _attachment(r).update(data="bm90 IGJhc2U2NA=="),
        "[E013] {where}: content[0].attachment.data: not valid base64",
    ),
    "content type": (
        lambda r: _attachment(r).update(contentType="text/html"),
        "[E005] {where}: content[0].attachment.contentType: must be text/plain or application/pdf",
    ),
    "no content": (
        lambda r: r.update(content=[]),
        "[E013] {where}: content: a non-empty array is required",
    ),
    "date": (lambda r: r.update(date="03/01/2025"), "[E013] {where}: date: invalid"),
    "partial date": (
        lambda r: (r.pop("date"), r.update(context={"period": {"start": "2025-03"}})),
        "[E013] {where}: context.period.start: a full date (YYYY-MM-DD) is required",
    ),
    "duplicate id": (lambda r: r.update(id="ok"), "[E013] {where}: id: appears twice"),
}


@pytest.mark.parametrize("case", list(BROKEN))
@pytest.mark.parametrize(
    "writer, name, where",
    [
        (_bundle, "bundle.json", "bundle.json entry[1]"),
        (_ndjson, "docs.ndjson", "docs.ndjson line 2"),
    ],
)
def test_bad_document_reference_is_a_coded_error_naming_the_field(
    tmp_path: Path, writer, name: str, where: str, case: str
) -> None:
    change, expected = BROKEN[case]
    source = writer(tmp_path / name, _broken(change))
    result = CliRunner().invoke(app, ["scan", str(source), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    output = " ".join(result.output.split())  # rich wraps long lines on stderr
    assert expected.format(where=where) in output
    # Errors name fields, never note text or patient identifiers.
    assert "Patient/P1" not in output and "radiculopathy" not in output


def test_a_json_table_is_still_read_as_a_table(tmp_path: Path) -> None:
    table = tmp_path / "notes.ndjson"
    table.write_text(json.dumps({"note_id": "n1", "text": note()}) + "\n", encoding="utf-8")
    assert [d.note_id for d in load_documents(table)] == ["n1"]

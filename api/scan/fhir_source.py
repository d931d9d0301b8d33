"""Read scan input from FHIR R4: a Bundle (JSON) or bulk-export NDJSON of DocumentReference.

Each resource is parsed with the `fhir.resources` R4B model, then checked for what the model
does not enforce: the status code (entered-in-error documents are skipped), a non-empty
`content`, and an attachment of base64 `text/plain` or `application/pdf` data (attachment URLs
are never fetched: a scan reads only what it was given). Metadata mapping:

    subject.reference                      -> patient_ref
    date, else context.period.start        -> date_of_service
    type / category LOINC coding           -> doc_type (default: procedure)
    author[].display (first one present)   -> provider

Errors are coded E013 and name the file, the entry index or line and the field, never content.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from api.inputs import decode_text, pdf_text
from api.scan.records import ScanDocument
from nlp.errors import ErrorCode, EsicheckError, InputError

STATUSES = ("current", "superseded", "entered-in-error")
CONTENT_TYPES = ("text/plain", "application/pdf")
LOINC = "http://loinc.org"
# LOINC document-type codes a pain practice sends with an ESI claim (loinc.org, 2.7x).
LOINC_DOC_TYPES = {
    "11506-3": "progress",  # Progress note
    "34117-2": "h_and_p",  # History and physical note
    "11488-4": "consult",  # Consult note
    "28570-0": "procedure",  # Procedure note
}


def _bad(where: str, problem: str) -> EsicheckError:
    return EsicheckError(ErrorCode.E013_BAD_FHIR, f"{where}: {problem}")


def is_fhir(path: Path) -> bool:
    """True when a .json file is a FHIR Bundle or a .ndjson/.jsonl file holds FHIR resources."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            with path.open(encoding="utf-8-sig") as handle:
                data = json.load(handle)
            return isinstance(data, dict) and "resourceType" in data
        if suffix in (".ndjson", ".jsonl"):
            with path.open(encoding="utf-8-sig") as handle:
                first = next((line for line in handle if line.strip()), "")
            data = json.loads(first) if first else None
            return isinstance(data, dict) and "resourceType" in data
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False  # not FHIR: the table reader reports the problem with its own error
    return False


def _resources(path: Path) -> Iterator[tuple[str, Any]]:
    """(location, raw resource) pairs in file order; non-DocumentReference entries are skipped."""
    try:
        if path.suffix.lower() == ".json":
            with path.open(encoding="utf-8-sig") as handle:
                bundle = json.load(handle)
            if bundle.get("resourceType") != "Bundle":
                raise _bad(path.name, "resourceType: a .json input must be a FHIR Bundle")
            entries = bundle.get("entry") or []
            if not isinstance(entries, list):
                raise _bad(path.name, "entry: must be an array")
            for index, entry in enumerate(entries):
                where = f"{path.name} entry[{index}]"
                resource = entry.get("resource") if isinstance(entry, dict) else None
                if not isinstance(resource, dict):
                    raise _bad(where, "resource: an object is required")
                if resource.get("resourceType") == "DocumentReference":
                    yield where, resource
            return
        with path.open(encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                where = f"{path.name} line {number}"
                try:
                    resource = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise _bad(where, "not a JSON object") from exc
                if not isinstance(resource, dict):
                    raise _bad(where, "not a JSON object")
                if resource.get("resourceType") == "DocumentReference":
                    yield where, resource
    except json.JSONDecodeError as exc:
        raise _bad(path.name, "not valid JSON") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(path.name, "not a readable UTF-8 file") from exc


def _parse(resource: dict[str, Any], where: str) -> Any:
    """The R4B model; pydantic errors become field names (their messages may quote values)."""
    from fhir.resources.R4B.documentreference import DocumentReference
    from pydantic.v1 import ValidationError

    try:
        return DocumentReference.parse_obj(resource)
    except ValidationError as exc:
        problems = [
            (
                ".".join(str(p) for p in e["loc"]),
                "required" if e["type"] == "value_error.missing" else "invalid",
            )
            for e in exc.errors()
        ]
        raise _bad(where, "; ".join(f"{field}: {problem}" for field, problem in problems)) from exc


def _text(model: Any, where: str) -> str:
    if not model.content:
        raise _bad(where, "content: a non-empty array is required")
    attachment = model.content[0].attachment
    field = "content[0].attachment"
    content_type = (attachment.contentType or "").split(";")[0].strip().lower()
    if content_type not in CONTENT_TYPES:
        raise InputError(
            ErrorCode.E005_UNSUPPORTED_TYPE,
            f"{where}: {field}.contentType: must be text/plain or application/pdf",
        )
    if not attachment.data:
        why = " (attachment URLs are not fetched)" if attachment.url else ""
        raise _bad(where, f"{field}.data: base64 data is required{why}")
    try:
        raw = base64.b64decode(attachment.data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _bad(where, f"{field}.data: not valid base64") from exc
    label = f"{where} {field}.data"
    return pdf_text(raw, label) if content_type == "application/pdf" else decode_text(raw, label)


def _date(model: Any, where: str) -> dt.date | None:
    """`date` (an instant), else `context.period.start`; a date-time keeps its written date."""
    period = model.context.period if model.context else None
    for field, value in (
        ("date", model.date),
        ("context.period.start", period.start if period else None),
    ):
        if value is None:
            continue
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        raise _bad(where, f"{field}: a full date (YYYY-MM-DD) is required")
    return None


def _doc_type(model: Any) -> str:
    concepts = [model.type, *(model.category or [])]
    for concept in concepts:
        for coding in (concept.coding or []) if concept else []:
            if coding.system in (None, LOINC) and coding.code in LOINC_DOC_TYPES:
                return LOINC_DOC_TYPES[coding.code]
    return "procedure"


def _document(model: Any, where: str, fallback_id: str) -> ScanDocument:
    provider = next(
        (a.display.strip() for a in model.author or [] if a.display and a.display.strip()), None
    )
    subject = model.subject.reference.strip() if model.subject and model.subject.reference else None
    return ScanDocument(
        note_id=model.id or fallback_id,
        text=_text(model, where),
        patient_ref=subject or None,
        date_of_service=_date(model, where),
        doc_type=_doc_type(model),
        provider=provider,
    )


def load_fhir(path: Path) -> list[ScanDocument]:
    """The documents of a Bundle or NDJSON file, in file order, entered-in-error skipped."""
    documents: list[ScanDocument] = []
    seen: set[str] = set()
    for index, (where, resource) in enumerate(_resources(path)):
        # Checked before the model: a withdrawn document is skipped whatever else it holds.
        status = resource.get("status")
        if status not in STATUSES:
            raise _bad(where, f"status: must be one of {', '.join(STATUSES)}")
        if status == "entered-in-error":
            continue
        document = _document(_parse(resource, where), where, f"{path.name}#{index}")
        if document.note_id in seen:
            raise _bad(where, "id: appears twice")
        seen.add(document.note_id)
        documents.append(document)
    return documents

"""`POST /v1/fhir/DocumentReference`: analyze the note carried by a FHIR R4 DocumentReference.

Validated by hand (only the fields we use) rather than with a full FHIR model, so errors
name the exact path: resourceType, status, content[0].attachment.{contentType,data}.
`subject.reference` becomes the patient reference and `date` the date of service.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.http.deps import KeyNameDep, RepoDep, SettingsDep
from api.http.schemas import AnalysisOut, NoteMetadata
from api.http.service import analyze_and_store
from api.inputs import decode_text, pdf_text
from nlp.errors import ErrorCode, InputError

router = APIRouter(prefix="/v1/fhir", tags=["fhir"])

_STATUSES = {"current", "superseded", "entered-in-error"}
_DATA = "content[0].attachment.data"


def _bad(detail: str) -> InputError:
    return InputError(ErrorCode.E013_BAD_FHIR, detail)


def _attachment(resource: dict) -> dict:
    if resource.get("resourceType") != "DocumentReference":
        raise _bad("resourceType: must be 'DocumentReference'")
    if resource.get("status") not in _STATUSES:
        raise _bad("status: must be one of current, superseded, entered-in-error")
    content = resource.get("content")
    if not isinstance(content, list) or not content or not isinstance(content[0], dict):
        raise _bad("content: a non-empty array is required")
    attachment = content[0].get("attachment")
    if not isinstance(attachment, dict):
        raise _bad("content[0].attachment: an object is required")
    return attachment


def _note_text(attachment: dict, limit: int) -> str:
    content_type = str(attachment.get("contentType") or "").split(";")[0].strip().lower()
    if content_type not in ("text/plain", "application/pdf"):
        raise InputError(ErrorCode.E005_UNSUPPORTED_TYPE,
                         "content[0].attachment.contentType: text/plain or application/pdf")
    data = attachment.get("data")
    if not isinstance(data, str) or not data:
        raise _bad(f"{_DATA}: base64 data is required")
    if len(data) > (limit * 4) // 3 + 4:
        raise InputError(ErrorCode.E002_TEXT_TOO_LARGE, f"{_DATA}: larger than {limit} bytes")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _bad(f"{_DATA}: not valid base64") from exc
    if len(raw) > limit:
        raise InputError(ErrorCode.E002_TEXT_TOO_LARGE, f"{_DATA}: larger than {limit} bytes")
    return pdf_text(raw, _DATA) if content_type == "application/pdf" else decode_text(raw, _DATA)


def _metadata(resource: dict) -> NoteMetadata:
    subject = resource.get("subject")
    patient_ref = subject.get("reference") if isinstance(subject, dict) else None
    date_value = resource.get("date")
    date_of_service = None
    if date_value is not None:
        try:
            date_of_service = dt.date.fromisoformat(str(date_value)[:10])
        except ValueError as exc:
            raise _bad("date: must be a FHIR instant such as 2024-03-01T10:00:00Z") from exc
    note_id = resource.get("id")
    try:
        return NoteMetadata(note_id=note_id if isinstance(note_id, str) else None,
                            patient_ref=patient_ref if isinstance(patient_ref, str) else None,
                            date_of_service=date_of_service)
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][0]) for e in exc.errors())
        raise _bad(f"{fields}: value too long or malformed") from exc


@router.post("/DocumentReference", status_code=201, response_model=AnalysisOut,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/fhir+json": {"schema": {"type": "object"}},
                 "application/json": {"schema": {"type": "object"}}}}})
async def create_from_document_reference(request: Request, response: Response, repo: RepoDep,
                                         settings: SettingsDep,
                                         key_name: KeyNameDep) -> AnalysisOut:
    """Analyze `content[0].attachment.data` (base64 text/plain or application/pdf)."""
    try:
        resource = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RequestValidationError([{"loc": ("body",), "msg": "JSON decode error",
                                       "type": "json_invalid"}]) from exc
    if not isinstance(resource, dict):
        raise _bad("body: a DocumentReference object is required")
    text = _note_text(_attachment(resource), settings.max_upload_bytes)
    out, created = await analyze_and_store(text, _metadata(resource), repo, settings, key_name)
    if not created:
        response.status_code = 200
    response.headers["Location"] = f"/v1/analyses/{out.id}"
    return out

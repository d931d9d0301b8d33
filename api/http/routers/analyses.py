"""`/v1/analyses`: create (JSON or file upload, idempotent), read, list, delete."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from api.http.deps import KeyNameDep, RepoDep, SettingsDep
from api.http.problems import ProblemError
from api.http.schemas import (
    AnalysisOut,
    AnalysisPage,
    AnalysisRequest,
    AnalysisSummary,
    NoteMetadata,
)
from api.http.service import analyze_and_store
from api.inputs import bytes_to_text
from api.store.repository import AnalysisFilter
from nlp.errors import ErrorCode, InputError

router = APIRouter(prefix="/v1/analyses", tags=["analyses"])

_META_FIELDS = tuple(NoteMetadata.model_fields)
_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": AnalysisRequest.model_json_schema()},
            "multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"},
                               **{name: {"type": "string"} for name in _META_FIELDS}},
            }},
        },
    }
}


def _invalid(exc: ValidationError) -> RequestValidationError:
    return RequestValidationError(
        [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_input=False)])


async def _from_json(request: Request) -> tuple[str, NoteMetadata]:
    try:
        body = AnalysisRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        raise _invalid(exc) from exc
    return body.text, NoteMetadata(**body.model_dump(exclude={"text"}))


async def _from_upload(request: Request, limit: int) -> tuple[str, NoteMetadata]:
    try:
        form = await request.form(max_files=1, max_fields=len(_META_FIELDS) + 1)
    except (MultiPartException, ValueError) as exc:  # python-multipart parse errors are ValueErrors
        raise ProblemError(400, "BAD_MULTIPART", "body: malformed multipart/form-data") from exc
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise RequestValidationError(
                [{"loc": ("body", "file"), "msg": "Field required", "type": "missing"}])
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise InputError(ErrorCode.E002_TEXT_TOO_LARGE, f"file: larger than {limit} bytes")
        fields = {k: v for k, v in form.items() if k in _META_FIELDS and isinstance(v, str) and v}
        unknown = sorted(k for k in form.keys() if k not in _META_FIELDS and k != "file")
        if unknown:
            raise RequestValidationError([{"loc": ("body", name), "msg": "Extra inputs are not "
                                           "permitted", "type": "extra_forbidden"}
                                          for name in unknown])
        try:
            meta = NoteMetadata(**fields)
        except ValidationError as exc:
            raise _invalid(exc) from exc
        return bytes_to_text(data, upload.filename or "upload.txt", "file"), meta
    finally:
        await form.close()


@router.post("", status_code=201, response_model=AnalysisOut, openapi_extra=_BODY_DOC,
             responses={200: {"model": AnalysisOut, "description": "Already analyzed (replay)"}})
async def create_analysis(request: Request, response: Response, repo: RepoDep,
                          settings: SettingsDep, key_name: KeyNameDep) -> AnalysisOut:
    """Analyze a note sent as JSON `{text, ...}` or as a multipart `file` (.txt/.docx/.pdf).

    The same `note_id` with the same text returns the stored analysis with 200 instead of 201.
    """
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        text, meta = await _from_json(request)
    elif content_type == "multipart/form-data":
        text, meta = await _from_upload(request, settings.max_upload_bytes)
    else:
        raise InputError(ErrorCode.E005_UNSUPPORTED_TYPE,
                         "body: send application/json or multipart/form-data")
    out, created = await analyze_and_store(text, meta, repo, settings, key_name)
    if not created:
        response.status_code = 200
    response.headers["Location"] = f"/v1/analyses/{out.id}"
    return out


@router.get("", response_model=AnalysisPage)
def list_analyses(
    repo: RepoDep, settings: SettingsDep, key_name: KeyNameDep,
    patient_ref: str | None = None,
    date_from: Annotated[dt.date | None, Query(alias="from")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to")] = None,
    complete: bool | None = None,
    limit: Annotated[int, Query(ge=1, description="Capped at the server's max page size.")] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AnalysisPage:
    """Stored analyses, newest first; `from`/`to` bound the date of service (inclusive)."""
    limit = min(limit, settings.max_page_size)
    where = AnalysisFilter(patient_ref=patient_ref,
                           date_from=date_from.isoformat() if date_from else None,
                           date_to=date_to.isoformat() if date_to else None, complete=complete)
    rows, total = repo.list_analyses(where, limit, offset)
    repo.audit(key_name, "list")
    repo.commit()
    return AnalysisPage(items=[AnalysisSummary.from_row(r) for r in rows], total=total,
                        limit=limit, offset=offset)


@router.get("/{analysis_id}", response_model=AnalysisOut)
def get_analysis(analysis_id: str, repo: RepoDep, key_name: KeyNameDep) -> AnalysisOut:
    row = repo.get_analysis(analysis_id)
    if row is None:
        raise ProblemError(404, "NOT_FOUND", "no analysis with that id")
    repo.audit(key_name, "read", row.id)
    repo.commit()
    return AnalysisOut.from_row(row)


@router.delete("/{analysis_id}", status_code=204)
def delete_analysis(analysis_id: str, repo: RepoDep, key_name: KeyNameDep) -> Response:
    if not repo.delete_analysis(analysis_id):
        raise ProblemError(404, "NOT_FOUND", "no analysis with that id")
    repo.audit(key_name, "delete", analysis_id)
    repo.commit()
    return Response(status_code=204)

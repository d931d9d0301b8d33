"""RFC 9457 problem details: every error the API returns is `application/problem+json`.

Bodies carry `type, title, status, detail, code`; `code` is the engine's stable `E###` code
for input errors so the API and the CLI report the same thing. Details name fields, never
note content (pydantic's `input` echo is dropped from validation errors for that reason).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from nlp.errors import ErrorCode, EsicheckError

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("esicheck.http")

# Input errors that are about size or type get the matching HTTP status; the rest are 400.
_STATUS_BY_CODE = {
    ErrorCode.E002_TEXT_TOO_LARGE: 413,
    ErrorCode.E005_UNSUPPORTED_TYPE: 415,
}
_TITLES = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
           413: "Content Too Large", 415: "Unsupported Media Type", 422: "Unprocessable Content",
           429: "Too Many Requests",
           500: "Internal Server Error", 503: "Service Unavailable"}


class ProblemError(Exception):
    """Raise from routes and dependencies to answer with a problem document."""

    def __init__(self, status: int, code: str, detail: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers


def problem(status: int, code: str, detail: str, headers: dict[str, str] | None = None,
            **extra: object) -> JSONResponse:
    body = {"type": f"urn:esicheck:problem:{code}", "title": _TITLES.get(status, "Error"),
            "status": status, "detail": detail, "code": code, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def status_for(error: EsicheckError) -> int:
    return _STATUS_BY_CODE.get(error.code, 400)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, object]]:
    return [{"loc": [str(p) for p in err.get("loc", ())], "msg": str(err.get("msg", "")),
             "type": str(err.get("type", ""))} for err in exc.errors()]


def install_handlers(app: FastAPI) -> None:
    """Map every error path to a problem document; unexpected errors are logged, not echoed."""

    @app.exception_handler(ProblemError)
    async def _problem(_: Request, exc: ProblemError) -> JSONResponse:
        return problem(exc.status, exc.code, exc.detail, exc.headers)

    @app.exception_handler(EsicheckError)
    async def _engine(_: Request, exc: EsicheckError) -> JSONResponse:
        return problem(status_for(exc), exc.code.value, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        detail = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)  # type: ignore[arg-type]
        return problem(422, "VALIDATION", detail or "invalid request", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "HTTP")
        return problem(exc.status_code, code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeoutError)
    async def _database_away(request: Request, exc: Exception) -> JSONResponse:
        # The database went away (connection refused/dropped, file unreadable, pool exhausted):
        # the request's session is closed without commit, so nothing was written; retry later.
        log.warning("database unavailable: %s", type(exc).__name__)  # no message: SQL params
        retry = str(request.app.state.settings.db_retry_after_seconds)
        return problem(503, "DB_UNAVAILABLE", "the database is unavailable; retry later",
                       {"Retry-After": retry})

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        return internal_error(exc)


def internal_error(exc: Exception) -> JSONResponse:
    """The 500 problem for an unexpected error, logged by type only (its message or traceback
    could quote the note)."""
    log.error("unhandled %s", type(exc).__name__)
    return problem(500, "INTERNAL", "internal error")

"""Document the problem+json error responses in the OpenAPI schema.

Routes declare their success models; every error comes from `api.http.problems` as
`application/problem+json`. Without this, the schema would promise `application/json` for 422
and say nothing about 400/401/404/413/415/429/503, so clients generated from it (and schema
fuzzers such as schemathesis) would see undocumented responses. Added once, after the routes.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.http.problems import _TITLES, PROBLEM_JSON

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "E### input error code or a symbolic code"},
    },
}
# Which errors each kind of operation can answer with (see problems.py and deps.py).
_ANY = (404, 405, 503)
_AUTHED = (400, 401, 413, 415, 422, 429)
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying.",
                                "schema": {"type": "string"}}}


def _response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": _TITLES.get(status, "Error"),
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status in (429, 503):
        response["headers"] = _RETRY_AFTER
    return response


def add_problem_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with the problem responses added to every operation (in place, returned)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            statuses = _ANY + (_AUTHED if operation.get("security") else ())
            if operation.get("requestBody"):
                statuses += (413, 415, 422)
            for status in sorted(set(statuses)):
                responses[str(status)] = _response(status)
    return schema


def install_problem_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` return the generated schema with the problem responses."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_problem_responses(get_openapi(
                title=app.title, version=app.version, summary=app.summary,
                routes=app.routes, description=app.description))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

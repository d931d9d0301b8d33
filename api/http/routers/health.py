"""Liveness (`/healthz`: the process answers) and readiness (`/readyz`: database + pipeline)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.http.problems import problem

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    state = request.app.state
    try:
        with state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return problem(503, "DB_UNAVAILABLE", "the database does not answer")
    if not getattr(state, "pipeline_ready", False):
        return problem(503, "PIPELINE_LOADING", "the NLP pipeline is not loaded yet")
    return JSONResponse({"status": "ready", "database": "ok", "pipeline": "ok"})

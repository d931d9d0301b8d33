"""The app factory: settings, store, error handlers, security headers, routers.

`create_app(settings)` builds a fresh app (tests pass their own settings and database); the
store's tables are created and the NLP pipeline is loaded at startup, never at import.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool

from api.http.openapi_problems import install_problem_openapi
from api.http.problems import install_handlers, internal_error, problem
from api.http.ratelimit import RateLimiter
from api.http.routers import analyses, fhir, health, pages, reports
from api.settings import Settings, get_settings
from api.store.db import create_db_engine, init_db, session_factory
from nlp.errors import ErrorCode

_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",  # responses carry PHI; no shared or browser caching
}
_API_CSP = "default-src 'none'; frame-ancestors 'none'"
# A JSON/FHIR body may be base64 (4/3 of the upload limit) plus metadata; beyond this refuse.
_BODY_OVERHEAD = 64 * 1024


def _load_pipeline() -> None:
    from nlp.pipeline import get_pipeline

    get_pipeline()


def create_app(settings: Settings | None = None) -> FastAPI:
    """A configured app; `settings=None` reads the `ESICHECK_*` environment once."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        init_db(app.state.engine)
        await run_in_threadpool(_load_pipeline)
        app.state.pipeline_ready = True
        yield
        app.state.engine.dispose()

    app = FastAPI(title="esicheck", version="0.1.0", lifespan=lifespan,
                  summary="Check epidural injection notes against CPT 62323 requirements.")
    app.state.settings = settings
    app.state.engine = create_db_engine(settings.database_url)
    app.state.sessions = session_factory(app.state.engine)
    app.state.pipeline_ready = False
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
    install_handlers(app)
    max_body = (settings.max_upload_bytes * 4) // 3 + _BODY_OVERHEAD

    @app.middleware("http")
    async def guard(request: Request,
                    call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > max_body):
            response: Response = problem(413, ErrorCode.E002_TEXT_TOO_LARGE.value,
                                         f"body: larger than {max_body} bytes")
        else:
            try:
                response = await call_next(request)
            except Exception as exc:  # noqa: BLE001 - answered here: the server's traceback
                response = internal_error(exc)  # log would quote the note in the message
        for name, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not response.headers.get("content-type", "").startswith("text/html"):
            # API payloads are data, never a document to render; the page sets its own CSP.
            response.headers.setdefault("Content-Security-Policy", _API_CSP)
        return response

    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "Content-Type"])
    for module in (health, pages, analyses, fhir, reports):
        app.include_router(module.router)
    install_problem_openapi(app)
    return app

"""Request dependencies as `Annotated` aliases: settings, a repository, the caller's key name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.http.problems import ProblemError
from api.settings import Settings
from api.store.repository import Repository

_bearer = HTTPBearer(auto_error=False, description="An API key from `esicheck keys create`.")


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_repository(request: Request) -> Iterator[Repository]:
    """One session per request; routes commit explicitly, so failures store nothing."""
    session = request.app.state.sessions()
    try:
        yield Repository(session)
    finally:
        session.close()


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
RepoDep = Annotated[Repository, Depends(get_repository)]


def require_key(
    request: Request,
    repo: RepoDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The name of the caller's active API key; 401 problem otherwise, 429 over its rate."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise ProblemError(401, "UNAUTHORIZED",
                           "an 'Authorization: Bearer <key>' header is required", challenge)
    name = repo.authenticate(credentials.credentials)
    if name is None:
        raise ProblemError(401, "UNAUTHORIZED", "the API key is unknown or revoked", challenge)
    wait = request.app.state.rate_limiter.acquire(name)
    if wait:
        raise ProblemError(429, "RATE_LIMITED", "too many requests for this API key",
                           {"Retry-After": str(wait)})
    return name


KeyNameDep = Annotated[str, Depends(require_key)]

"""`GET /`: the one-page upload form (Jinja2 template, inline script under a CSP nonce)."""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

router = APIRouter(tags=["page"])

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parents[2] / "templates"),
    autoescape=select_autoescape(["html"]),
)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def upload_page(request: Request) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    html = _TEMPLATES.get_template("upload.html").render(
        nonce=nonce, max_upload_bytes=request.app.state.settings.max_upload_bytes)
    csp = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
           "connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
           "frame-ancestors 'none'")
    return HTMLResponse(html, headers={"Content-Security-Policy": csp})

"""Report routes: the aggregate quality report over stored analyses, and one note's page.

`GET /v1/reports/quality` computes `api.reports.aggregate` over the analyses whose date of
service lies in `[from, to]`, as HTML (inline SVG charts), JSON or CSV; `GET
/v1/analyses/{id}/report` renders the per-note page with the evidence highlighted. Both need
an API key and are audited. HTML answers get a CSP that allows their inline CSS and nothing
else (the pages have no scripts and no external assets).
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.http.deps import KeyNameDep, RepoDep
from api.http.problems import ProblemError
from api.reports.aggregate import DIMENSIONS, build_report, to_csv, to_html
from api.reports.note_page import render_note_page
from api.reports.sources import api_note, api_records

router = APIRouter(tags=["reports"])

_PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
             "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
# matplotlib's pyplot state is process-global; draw one report's charts at a time.
_CHART_LOCK = threading.Lock()
_HTML_DOC = {200: {"content": {"text/html": {}, "application/json": {}, "text/csv": {}},
                   "description": "The report in the requested format."}}


def _dimensions(by: list[str] | None) -> tuple[str, ...]:
    """`by` may repeat or be comma separated; empty means every dimension."""
    names = [part.strip() for value in by or [] for part in value.split(",") if part.strip()]
    bad = sorted({n for n in names if n not in DIMENSIONS})
    if bad:
        raise ProblemError(422, "VALIDATION",
                           f"by: must be one of {', '.join(DIMENSIONS)}")
    return tuple(dict.fromkeys(names)) or DIMENSIONS


@router.get("/v1/reports/quality", responses=_HTML_DOC, response_class=Response)
def quality_report(
    repo: RepoDep, key_name: KeyNameDep,
    format: Literal["html", "json", "csv"] = "html",
    date_from: Annotated[dt.date | None, Query(alias="from")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to")] = None,
    by: Annotated[list[str] | None, Query(
        description="provider, site, payer or month; repeat or comma-separate.")] = None,
) -> Response:
    """Completeness, deficiencies, code mismatches and breakdowns over stored analyses."""
    if date_from and date_to and date_from > date_to:
        raise ProblemError(422, "VALIDATION", "from: must not be after to")
    dimensions = _dimensions(by)
    start = date_from.isoformat() if date_from else None
    end = date_to.isoformat() if date_to else None
    records = api_records(repo.session, start, end)
    report = build_report(records, dimensions, filters={"from": start, "to": end})
    repo.audit(key_name, "quality_report")
    repo.commit()
    if format == "json":
        return JSONResponse(report.to_dict())
    if format == "csv":
        return Response(to_csv(report), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="quality.csv"'})
    with _CHART_LOCK:
        page = to_html(report, records)
    return HTMLResponse(page, headers={"Content-Security-Policy": _PAGE_CSP})


@router.get("/v1/analyses/{analysis_id}/report", response_class=HTMLResponse,
            tags=["analyses"])
def note_report(analysis_id: str, repo: RepoDep, key_name: KeyNameDep) -> HTMLResponse:
    """The per-note page: the note with evidence highlighted, verdicts, codes and alerts."""
    found = api_note(repo.session, analysis_id)
    if found is None:
        raise ProblemError(404, "NOT_FOUND", "no analysis with that id")
    analysis, texts = found
    repo.audit(key_name, "report", analysis_id)
    repo.commit()
    return HTMLResponse(render_note_page(analysis, texts),
                        headers={"Content-Security-Policy": _PAGE_CSP})

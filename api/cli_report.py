"""`esicheck report`: aggregate documentation quality from stored analyses.

Input is one of: `--analyses FILE.jsonl` (lines of `{"id", "analysis", "provider", "site",
"payer", "date_of_service", "billed_cpt"[, "report_url"]}`), `--db URL` (the API store's
`analyses` table, or a chart scan's results table), or `--scan DIR` (the `results.sqlite` an
`esicheck scan --out DIR` wrote). The numbers come from `api.reports.aggregate`, the rows from
`api.reports.sources`; an HTML report from a database also gets one page per note under
`notes/` beside it. This module only parses options and writes files.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from api.cli import app, err
from api.reports.aggregate import DIMENSIONS, build_report, filter_by_date, to_csv, to_html
from api.reports.note_files import link_records, note_pages, write_note_pages
from api.reports.sources import Loaded, load_database, load_jsonl, scan_url
from nlp.errors import ErrorCode, EsicheckError, InputError

FORMATS = ("html", "json", "csv")


def _iso_day(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise InputError(ErrorCode.E014_BAD_MANIFEST,
                         f"{option} must be an ISO date (YYYY-MM-DD)") from exc


def _usage(message: str) -> typer.Exit:
    err.print(f"[E005] {message}", highlight=False, markup=False)
    return typer.Exit(2)


AnalysesOpt = Annotated[Path | None, typer.Option("--analyses", help="JSONL of analysed records.")]
DbOpt = Annotated[str | None, typer.Option(
    "--db", help="SQLAlchemy URL of the API store or of chart-scan results.")]
ScanOpt = Annotated[Path | None, typer.Option(
    "--scan", help="Output folder of `esicheck scan` (reads its results.sqlite).")]
TableOpt = Annotated[str | None, typer.Option(
    "--table", help="Scan results table in --db (default: detect analyses or scan_results).")]
NotesOpt = Annotated[Path | None, typer.Option(
    "--notes", help="The scanned folder or table, to highlight evidence on scan note pages.")]
PagesOpt = Annotated[bool, typer.Option(
    "--note-pages/--no-note-pages", help="With --db/--scan and HTML, write notes/<id>.html.")]
OutOpt = Annotated[Path, typer.Option("--out", help="Write the report to this file.")]
FromOpt = Annotated[str | None, typer.Option("--from", help="First date of service (ISO).")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last date of service (ISO).")]
ByOpt = Annotated[list[str] | None, typer.Option(
    "--by", help="Breakdown: provider, site, payer or month (repeatable; default all).")]
FormatOpt = Annotated[str, typer.Option("--format", help="html, json or csv")]


def _load(analyses: Path | None, db: str | None, scan: Path | None, table: str | None,
          start: str | None, end: str | None) -> Loaded:
    if analyses is not None:
        loaded = load_jsonl(analyses)
        loaded.records = filter_by_date(loaded.records, start, end)
        return loaded
    url = db if db is not None else scan_url(scan)  # type: ignore[arg-type]
    return load_database(url, table, start, end)


@app.command("report")
def report_command(out_path: OutOpt, analyses: AnalysesOpt = None, db: DbOpt = None,
                   scan: ScanOpt = None, table: TableOpt = None, notes: NotesOpt = None,
                   write_pages: PagesOpt = True, date_from: FromOpt = None,
                   date_to: ToOpt = None, by: ByOpt = None, format: FormatOpt = "html") -> None:
    """Aggregate completeness, deficiencies, code mismatches and breakdowns over many notes."""
    if format not in FORMATS:
        raise _usage("--format must be html, json or csv")
    if sum(x is not None for x in (analyses, db, scan)) != 1:
        raise _usage("give exactly one of --analyses, --db or --scan")
    dimensions = tuple(by) if by else DIMENSIONS
    if any(d not in DIMENSIONS for d in dimensions):
        raise _usage(f"--by must be one of {', '.join(DIMENSIONS)}")
    try:
        start, end = _iso_day(date_from, "--from"), _iso_day(date_to, "--to")
        if start and end and start > end:
            raise InputError(ErrorCode.E014_BAD_MANIFEST, "--from is after --to")
        loaded = _load(analyses, db, scan, table, start, end)
        records = loaded.records
        written = 0
        if format == "html" and write_pages and loaded.kind != "jsonl":
            urls = write_note_pages(note_pages(loaded, notes), out_path)
            records, written = link_records(records, urls), len(urls)
    except EsicheckError as exc:
        err.print(str(exc), highlight=False, markup=False)
        raise typer.Exit(2) from exc
    report = build_report(records, dimensions, filters={"from": start, "to": end})
    if format == "json":
        body = json.dumps(report.to_dict(), indent=1) + "\n"
    elif format == "csv":
        body = to_csv(report)
    else:
        body = to_html(report, records)
    out_path.write_text(body, encoding="utf-8")
    extra = f", {written} note pages in {out_path.parent / 'notes'}" if written else ""
    if loaded.skipped:
        extra += f", {loaded.skipped} scan episodes without an analysis left out"
    err.print(f"report: {report.n_notes} notes -> {out_path}{extra}",
              highlight=False, markup=False)

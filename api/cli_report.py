"""`esicheck report`: aggregate documentation quality from stored analyses (JSON Lines).

Each input line is `{"id", "analysis", "provider", "site", "payer", "date_of_service",
"billed_cpt"[, "report_url"]}` with `analysis` a `NoteAnalysis` dump. The report itself is
computed by `api.reports.aggregate`; this module only parses options and files.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from api.cli import app, err
from api.reports.aggregate import DIMENSIONS, Record, build_report, filter_by_date, to_csv, to_html
from nlp.errors import ErrorCode, EsicheckError, InputError
from nlp.models import NoteAnalysis

FORMATS = ("html", "json", "csv")


def load_records(path: Path) -> list[Record]:
    """Read and validate a JSONL file of analysed records; errors name the line, not content."""
    if not path.is_file():
        raise InputError(ErrorCode.E009_FILE_NOT_FOUND, f"analyses: {path.name} not found")
    records: list[Record] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise ValueError("not an object")
                row["analysis"] = NoteAnalysis.model_validate(row.get("analysis")).model_dump()
                records.append(Record.from_dict(row))
            except ValidationError as exc:
                fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})[:3]
                raise InputError(ErrorCode.E014_BAD_MANIFEST,
                                 f"analyses: {path.name} line {number}: analysis does not match "
                                 f"the NoteAnalysis schema at {', '.join(fields)}") from exc
            except ValueError as exc:  # json.JSONDecodeError is a ValueError
                raise InputError(ErrorCode.E014_BAD_MANIFEST,
                                 f"analyses: {path.name} line {number}: not a record object "
                                 "with id and analysis") from exc
    return records


def _iso_day(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise InputError(ErrorCode.E014_BAD_MANIFEST,
                         f"{option} must be an ISO date (YYYY-MM-DD)") from exc


AnalysesOpt = Annotated[Path, typer.Option("--analyses", help="JSONL of analysed records.")]
OutOpt = Annotated[Path, typer.Option("--out", help="Write the report to this file.")]
FromOpt = Annotated[str | None, typer.Option("--from", help="First date of service (ISO).")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last date of service (ISO).")]
ByOpt = Annotated[list[str] | None, typer.Option(
    "--by", help="Breakdown: provider, site, payer or month (repeatable; default all).")]
FormatOpt = Annotated[str, typer.Option("--format", help="html, json or csv")]


@app.command("report")
def report_command(analyses: AnalysesOpt, out_path: OutOpt, date_from: FromOpt = None,
                   date_to: ToOpt = None, by: ByOpt = None, format: FormatOpt = "html") -> None:
    """Aggregate completeness, deficiencies, code mismatches and breakdowns over many notes."""
    if format not in FORMATS:
        err.print("[E005] --format must be html, json or csv", highlight=False, markup=False)
        raise typer.Exit(2)
    dimensions = tuple(by) if by else DIMENSIONS
    bad = [d for d in dimensions if d not in DIMENSIONS]
    if bad:
        err.print(f"[E005] --by must be one of {', '.join(DIMENSIONS)}",
                  highlight=False, markup=False)
        raise typer.Exit(2)
    try:
        start, end = _iso_day(date_from, "--from"), _iso_day(date_to, "--to")
        records = filter_by_date(load_records(analyses), start, end)
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
    err.print(f"report: {report.n_notes} notes -> {out_path}", highlight=False, markup=False)

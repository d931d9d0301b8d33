"""Where aggregate-report records come from: a JSON Lines file, the API store, or a chart scan.

Each loader turns stored rows into `aggregate.Record`s (analysis dict plus claim metadata) and
never re-runs the analysis. A database URL may hold the API store (table `analyses`, written
by `esicheck serve`) or chart-scan results (table `scan_results`, written by `esicheck scan`);
`load_database` tells them apart by their tables. Errors are coded and name the file, line,
table or row id, never note content.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import MetaData, create_engine, inspect, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.reports.aggregate import Record
from api.scan.store import DEFAULT_TABLE, results_table
from api.store.models import AnalysisRow
from nlp.errors import ErrorCode, InputError
from nlp.models import NoteAnalysis

API_TABLE = AnalysisRow.__tablename__
SCAN_RESULTS_FILE = "results.sqlite"


def api_report_url(analysis_id: str) -> str:
    """The service route that serves one stored analysis as its per-note page."""
    return f"/v1/analyses/{analysis_id}/report"


@dataclass
class Loaded:
    """Records for the report, what kind of store they came from, and rows left out.

    `skipped` counts scan episodes that have no analysis (their input could not be read), so
    they cannot be aggregated; the CLI says how many were left out.
    """

    records: list[Record]
    kind: str  # "jsonl", "analyses" or "scan"
    url: str | None = None
    table: str | None = None
    skipped: int = 0


# --- JSON Lines ------------------------------------------------------------------------


def load_jsonl(path: Path) -> Loaded:
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
    return Loaded(records, "jsonl")


# --- API store -------------------------------------------------------------------------

# Every column but the note text: the aggregate never needs it.
_API_COLUMNS = (AnalysisRow.id, AnalysisRow.provider, AnalysisRow.site, AnalysisRow.payer,
                AnalysisRow.date_of_service, AnalysisRow.billed_cpt, AnalysisRow.analysis_json)


def _analysis_dict(raw: str | None, where: str) -> dict[str, Any]:
    try:
        value = json.loads(raw or "")
    except ValueError as exc:
        raise InputError(ErrorCode.E014_BAD_MANIFEST, f"{where}: analysis_json is not JSON") \
            from exc
    if not isinstance(value, dict):
        raise InputError(ErrorCode.E014_BAD_MANIFEST, f"{where}: analysis_json is not an object")
    return value


def api_records(session: Session, date_from: str | None = None,
                date_to: str | None = None) -> list[Record]:
    """Stored API analyses with a date of service in [date_from, date_to] (ISO, inclusive;
    undated analyses drop out when a bound is given), oldest first, linked to their pages."""
    clauses = []
    if date_from is not None:
        clauses.append(AnalysisRow.date_of_service >= date_from)
    if date_to is not None:
        clauses.append(AnalysisRow.date_of_service <= date_to)
    stmt = (select(*_API_COLUMNS).where(*clauses)
            .order_by(AnalysisRow.date_of_service, AnalysisRow.created_at, AnalysisRow.id))
    records = []
    for row in session.execute(stmt):
        analysis = _analysis_dict(row.analysis_json, f"{API_TABLE} id {row.id}")
        records.append(Record(row.id, analysis, row.provider, row.site, row.payer,
                              row.date_of_service, row.billed_cpt, api_report_url(row.id)))
    return records


def api_note(session: Session, analysis_id: str) -> tuple[NoteAnalysis, dict[str, str]] | None:
    """One stored analysis and its note text keyed by document name (for its page)."""
    row = session.get(AnalysisRow, analysis_id)
    if row is None:
        return None
    analysis = NoteAnalysis.model_validate_json(row.analysis_json)
    name = analysis.documents[0] if analysis.documents else (row.note_id or "note")
    return analysis, {name: row.note_text}


# --- chart scan results ----------------------------------------------------------------


def scan_records(engine: Engine, table: str = DEFAULT_TABLE, date_from: str | None = None,
                 date_to: str | None = None) -> tuple[list[Record], int]:
    """Scan episodes with an analysis in the period, and how many episodes had none."""
    results = results_table(MetaData(), table)
    clauses = []
    if date_from is not None:
        clauses.append(results.c.date_of_service >= date_from)
    if date_to is not None:
        clauses.append(results.c.date_of_service <= date_to)
    records: list[Record] = []
    skipped = 0
    columns = [c for c in results.c if c.name not in ("error",)]
    with engine.connect() as conn:
        for row in conn.execute(select(*columns).where(*clauses)
                                .order_by(results.c.date_of_service, results.c.episode_id)):
            if not row.analysis_json:
                skipped += 1
                continue
            analysis = _analysis_dict(row.analysis_json, f"{table} episode {row.episode_id}")
            records.append(Record(row.episode_id, analysis, row.provider, row.site, row.payer,
                                  row.date_of_service, row.billed_cpt))
    return records, skipped


def scan_analyses(engine: Engine, table: str, ids: set[str]) -> Iterator[tuple[str, NoteAnalysis]]:
    """The stored analysis of each listed scan episode (for its per-note page)."""
    results = results_table(MetaData(), table)
    stmt = select(results.c.episode_id, results.c.analysis_json).order_by(results.c.episode_id)
    with engine.connect() as conn:
        for episode_id, raw in conn.execute(stmt):
            if episode_id in ids and raw:
                yield episode_id, NoteAnalysis.model_validate_json(raw)


# --- databases -------------------------------------------------------------------------


def open_engine(url: str) -> Engine:
    """An engine on an existing database; a missing SQLite file is E009, not a new file."""
    try:
        parsed = make_url(url)
    except SQLAlchemyError as exc:
        raise InputError(ErrorCode.E014_BAD_MANIFEST, "--db: not a database URL") from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if not database or database == ":memory:" or not Path(database).is_file():
            raise InputError(ErrorCode.E009_FILE_NOT_FOUND,
                             f"--db: SQLite file {Path(database or '').name or '(none)'} "
                             "not found")
    return create_engine(url)


def scan_url(folder: Path) -> str:
    """The results database `esicheck scan --out DIR` writes by default."""
    path = folder / SCAN_RESULTS_FILE
    if not path.is_file():
        raise InputError(ErrorCode.E009_FILE_NOT_FOUND,
                         f"--scan: {folder.name}/{SCAN_RESULTS_FILE} not found "
                         "(point --scan at the folder given to `esicheck scan --out`)")
    return f"sqlite:///{path.resolve()}"


def detect_kind(engine: Engine, table: str | None) -> tuple[str, str]:
    """("analyses", table) for the API store or ("scan", table) for scan results.

    An explicit `table` names a scan results table; otherwise the API store's `analyses`
    table wins, then the scan's default `scan_results`.
    """
    try:
        tables = set(inspect(engine).get_table_names())
    except SQLAlchemyError as exc:
        raise InputError(ErrorCode.E009_FILE_NOT_FOUND,
                         f"--db: cannot read the database ({type(exc).__name__})") from exc
    if table is not None:
        if table not in tables:
            raise InputError(ErrorCode.E014_BAD_MANIFEST, f"--table: no table named {table!r}")
        return "scan", table
    if API_TABLE in tables:
        return "analyses", API_TABLE
    if DEFAULT_TABLE in tables:
        return "scan", DEFAULT_TABLE
    raise InputError(ErrorCode.E014_BAD_MANIFEST,
                     f"--db: neither an '{API_TABLE}' nor a '{DEFAULT_TABLE}' table found")


def load_database(url: str, table: str | None = None, date_from: str | None = None,
                  date_to: str | None = None) -> Loaded:
    """Records from the API store or from scan results behind `url`."""
    engine = open_engine(url)
    try:
        kind, name = detect_kind(engine, table)
        if kind == "analyses":
            with Session(engine) as session:
                return Loaded(api_records(session, date_from, date_to), kind, url, name)
        records, skipped = scan_records(engine, name, date_from, date_to)
        return Loaded(records, kind, url, name, skipped)
    finally:
        engine.dispose()

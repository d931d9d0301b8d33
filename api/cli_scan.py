"""`esicheck scan`: pre-billing chart scan of a folder, table or FHIR file of notes.

The local engine writes results to a database (SQLite in the output folder by default) and is
resumable (finished episodes are skipped on rerun); `--engine spark` writes `results.parquet`.
Both write `summary.json` and a priority-sorted `worklist.csv`.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from api.cli import app
from nlp.errors import EsicheckError

if TYPE_CHECKING:
    from api.scan import ScanOptions, ScanReport

err = Console(stderr=True)
stdout = Console()


class NotesPerSecond(ProgressColumn):
    """Throughput in notes per second (rich's speed estimate over recent updates)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-- notes/s" if speed is None else f"{speed:.1f} notes/s")


def _progress_factory(bar: Progress) -> Callable[[int, int], Callable[[int], None]]:
    def start(total_notes: int, episodes: int) -> Callable[[int], None]:
        task = bar.add_task(f"scan {episodes} episodes", total=total_notes)
        return lambda notes: bar.advance(task, notes)
    return start


_HELP = {
    "source": "Folder of notes (optional manifest.csv), a .csv/.jsonl with a text column, or a "
              "FHIR Bundle (.json) / NDJSON of DocumentReference.",
    "out": "Output folder: results.sqlite (results.parquet with spark), summary.json, "
           "worklist.csv.",
    "db": "SQLAlchemy URL for the results (default: SQLite in --out).",
    "lookback": "Supporting notes this many days before a procedure join its episode.",
    "history": "Claims CSV: patient_ref,date_of_service,cpt,region.",
    "payer": "Payer policy for episodes whose manifest names no payer with a policy.",
    "engine": "local (processes on this machine) or spark (pyspark, from the 'spark' extra).",
}


class Engine(str, Enum):
    local = "local"
    spark = "spark"


def _run_spark(options: ScanOptions) -> ScanReport:
    if importlib.util.find_spec("pyspark") is None:
        err.print("--engine spark needs pyspark: pip install 'esicheck[spark]'", highlight=False)
        raise typer.Exit(2)
    from api.scan.spark_engine import run_spark_scan

    return run_spark_scan(options)


@app.command()
def scan(
    source: Annotated[Path, typer.Argument(help=_HELP["source"])],
    out: Annotated[Path, typer.Option("--out", help=_HELP["out"])],
    db: Annotated[str | None, typer.Option("--db", help=_HELP["db"])] = None,
    table: Annotated[str, typer.Option("--table", help="Results table name.")] = "scan_results",
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 1,
    lookback_days: Annotated[int, typer.Option("--lookback-days", min=0,
                                               help=_HELP["lookback"])] = 90,
    history: Annotated[Path | None, typer.Option("--history", help=_HELP["history"])] = None,
    payer: Annotated[str | None, typer.Option("--payer", help=_HELP["payer"])] = None,
    engine: Annotated[Engine, typer.Option("--engine", help=_HELP["engine"])] = Engine.local,
) -> None:
    """Scan charts before billing; exit 2 on bad input. Reruns resume where a scan stopped."""
    from api.scan import ScanOptions, run_scan

    if engine is Engine.spark and db:
        err.print("--db is for the local engine; --engine spark writes results.parquet in --out",
                  highlight=False)
        raise typer.Exit(2)
    options = ScanOptions(source=source, out_dir=out, db_url=db, table=table, workers=workers,
                          lookback_days=lookback_days, history=history, payer=payer)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               NotesPerSecond(), TimeRemainingColumn())
    try:
        if engine is Engine.spark:
            report = _run_spark(options)
        else:
            with Progress(*columns, console=err, transient=False) as bar:
                report = run_scan(options, progress=_progress_factory(bar))
    except EsicheckError as exc:
        err.print(str(exc), highlight=False, markup=False)
        raise typer.Exit(2) from exc
    s = report.summary
    rate = s["notes_per_second"]
    stdout.print(
        f"{s['episodes']} episodes from {s['notes']} notes ({s['resumed_episodes']} resumed): "
        f"{s['complete']} complete, {s['supports_62323']} support 62323, "
        f"{s['billed_mismatches']} billed mismatches, {s['errors']} errors; "
        f"{'-' if rate is None else rate} notes/s with {s['workers']} worker(s)\n"
        f"results: {report.db_url}\nsummary: {report.summary_path}\n"
        f"worklist: {report.worklist_path}", highlight=False, markup=False)

"""`esicheck scan`: pre-billing chart scan of a folder or table of notes (local engine).

Writes results to a database (SQLite in the output folder by default), `summary.json` and a
priority-sorted `worklist.csv`; resumable (finished episodes are skipped on rerun).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

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
    "source": "Folder of notes (optional manifest.csv), or a .csv/.jsonl with a text column.",
    "out": "Output folder: results.sqlite, summary.json, worklist.csv.",
    "db": "SQLAlchemy URL for the results (default: SQLite in --out).",
    "lookback": "Supporting notes this many days before a procedure join its episode.",
    "history": "Claims CSV: patient_ref,date_of_service,cpt,region.",
    "payer": "Payer policy for episodes whose manifest names no payer with a policy.",
}


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
) -> None:
    """Scan charts before billing; exit 2 on bad input. Reruns resume where a scan stopped."""
    from api.scan import ScanOptions, run_scan

    options = ScanOptions(source=source, out_dir=out, db_url=db, table=table, workers=workers,
                          lookback_days=lookback_days, history=history, payer=payer)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               NotesPerSecond(), TimeRemainingColumn())
    try:
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

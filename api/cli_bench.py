"""`esicheck bench`: time the full analysis against a bare tokenizer and stock medspaCy."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli import app, err, out


@app.command("bench")
def bench(
    notes: Annotated[Path | None, typer.Option(
        "--notes", help="Folder of .txt notes (default: ./corpus/notes if present).")] = None,
    generate: Annotated[int, typer.Option(
        "--generate", min=0, help="Add N seeded synthetic notes.")] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed for --generate.")] = 0,
    n_process: Annotated[int, typer.Option(
        "--n-process", min=1, help="Also time a K-worker pool of the full analysis.")] = 1,
    repeat: Annotated[int, typer.Option(
        "--repeat", min=1, help="Timed runs per measurement (best is kept).")] = 3,
    latency_runs: Annotated[int, typer.Option(
        "--latency-runs", min=1, help="Calls for the single-note latency percentiles.")] = 100,
    format: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    output: Annotated[Path, typer.Option(
        "--out", help="Write the results JSON here.")] = Path("bench-results.json"),
) -> None:
    """Measure notes/s, tokens/s, build time, latency, memory and multi-process speedup."""
    from api.bench import format_table, load_notes, run_benchmark
    from nlp.quiet import silence_library_logs

    silence_library_logs()
    if format not in ("text", "json"):
        err.print("[E005] --format must be text or json", highlight=False, markup=False)
        raise typer.Exit(2)
    if notes is not None and not notes.is_dir():
        err.print(f"[E009] --notes: {notes} is not a folder", highlight=False, markup=False)
        raise typer.Exit(2)
    loaded = load_notes(notes, generate, seed)
    if not loaded:
        err.print("[E009] --notes: no .txt notes found", highlight=False, markup=False)
        raise typer.Exit(2)
    results = run_benchmark(loaded, n_process=n_process, repeat=repeat, latency_runs=latency_runs)
    body = json.dumps(results, indent=1)
    output.write_text(body + "\n", encoding="utf-8")
    if format == "json":
        sys.stdout.write(body + "\n")
        return
    table = Table(title="esicheck bench", show_header=False)
    table.add_column("measure")
    table.add_column("result")
    for label, value in format_table(results):
        table.add_row(label, value)
    out.print(table)
    out.print(f"results written to {output}", highlight=False)

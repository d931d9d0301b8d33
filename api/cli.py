"""`esicheck` command line: analyze notes like a linter, evaluate the corpus, and more.

Sub-command modules listed in `_COMMAND_MODULES` each add their commands to `app`; the
analysis itself always comes from `nlp.analyze`/`nlp.analyze_episode` (one engine).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from nlp.errors import EsicheckError
from nlp.models import NoteAnalysis, PriorSession

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Check epidural injection notes against CPT 62323 requirements.",
)
corpus_app = typer.Typer(no_args_is_help=True, help="Corpus utilities.")
app.add_typer(corpus_app, name="corpus")
out = Console()
err = Console(stderr=True)

_COMMAND_MODULES = (
    "api.cli_serve",
    "api.cli_keys",
    "api.cli_bench",
    "api.cli_scan",
    "api.cli_report",
    "api.cli_generate",
    "api.cli_loadtest",
)


def _note_paths(paths: list[str]) -> list[Path | None]:
    """Expand directories to their note files; `-` means standard input (None)."""
    found: list[Path | None] = []
    for raw in paths:
        if raw == "-":
            found.append(None)
            continue
        path = Path(raw)
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in {".txt", ".docx", ".pdf"}
                )
            )
        else:
            found.append(path)
    return found


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _load_history(path: Path | None) -> list[PriorSession] | None:
    if path is None:
        return None
    import csv

    from nlp.errors import ErrorCode

    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        return [
            PriorSession(
                date_of_service=r["date_of_service"],
                cpt=r["cpt"].strip(),
                region=(r.get("region") or None) and _region_group(r["region"]),
                source=path.name,
            )
            for r in rows
        ]
    except (OSError, KeyError, ValueError) as exc:
        raise EsicheckError(
            ErrorCode.E012_BAD_HISTORY,
            f"history: {path.name} needs columns date_of_service,cpt[,region]",
        ) from exc


def _region_group(value: str) -> str | None:
    value = value.strip().lower()
    if value in ("lumbar", "sacral", "lumbar_sacral", "lumbosacral"):
        return "lumbar_sacral"
    if value in ("cervical", "thoracic", "cervical_thoracic"):
        return "cervical_thoracic"
    return None


def _print_text(label: str, text: str, analysis: NoteAnalysis) -> None:
    proc = analysis.procedure
    out.print(f"[bold]{label}[/bold]  profile {analysis.profile} ({analysis.profile_version})")
    out.print(
        f"  procedure: {proc.procedure_type or '-'}  region={proc.region}  "
        f"approach={proc.approach}  levels={','.join(proc.levels) or '-'}  "
        f"side={proc.laterality}  guidance={proc.guidance}  contrast={proc.contrast.status}"
    )
    for med in analysis.medications:
        dose = f"{med.dose.value:g} {med.dose.unit}" if med.dose else "-"
        vol = f"{med.volume_ml:g} mL" if med.volume_ml is not None else "-"
        out.print(f"  drug: {med.name} ({med.role}, {med.route}) dose={dose} volume={vol}")
    for finding in analysis.requirements:
        if finding.status in ("met", "not_applicable"):
            continue
        start = finding.evidence[0].start if finding.evidence else 0
        line, col = _line_col(text, start) if finding.evidence else (1, 1)
        colour = "red" if finding.severity == "error" else "yellow"
        out.print(
            f"{label}:{line}:{col}  {finding.id:20} [{colour}]{finding.status:8}[/{colour}] "
            f"{finding.message}",
            highlight=False,
        )
    billing = analysis.billing
    out.print(
        f"  codes: {', '.join(billing.suggested_codes) or '-'}  supports_62323="
        f"{billing.supports_62323}  complete={analysis.complete}"
    )
    for alert in billing.alerts:
        out.print(f"  alert {alert.id}: {alert.message}", highlight=False)


@app.command()
def analyze(
    paths: Annotated[list[str], typer.Argument(help="Note files, directories, or - for stdin.")],
    format: Annotated[
        str, typer.Option("--format", help="text, json (JSON Lines) or html")
    ] = "text",
    output: Annotated[Path | None, typer.Option("--out", help="Write output to this file.")] = None,
    episode: Annotated[
        bool,
        typer.Option(
            "--episode", help="Treat the files as one episode: the first is the procedure note."
        ),
    ] = False,
    profile: Annotated[str | None, typer.Option(help="Requirement profile id.")] = None,
    payer: Annotated[
        str | None, typer.Option(help="Payer policy key, e.g. noridian or L39240.")
    ] = None,
    billed_cpt: Annotated[str | None, typer.Option("--billed-cpt", help="The code billed.")] = None,
    history: Annotated[
        Path | None, typer.Option(help="CSV of prior sessions: date_of_service,cpt,region.")
    ] = None,
    date_of_service: Annotated[str | None, typer.Option("--date-of-service")] = None,
    no_fail: Annotated[
        bool, typer.Option("--no-fail", help="Exit 0 even when requirements fail.")
    ] = False,
) -> None:
    """Analyze notes; exit 1 when a required item is missing/not met, 2 when a file failed."""
    from api.inputs import decode_text, read_note
    from nlp import Document, analyze_episode

    if format not in ("text", "json", "html"):
        err.print("[E005] --format must be text, json or html")
        raise typer.Exit(2)
    failed = incomplete = False
    chunks: list[str] = []
    try:
        prior = _load_history(history)
    except EsicheckError as exc:
        err.print(str(exc), highlight=False, markup=False)
        raise typer.Exit(2) from exc
    loaded: list[tuple[str, str]] = []
    for path in _note_paths(paths):
        label = "-" if path is None else str(path)
        try:
            text = (
                decode_text(sys.stdin.buffer.read(), "stdin") if path is None else read_note(path)
            )
            loaded.append((label, text))
        except EsicheckError as exc:
            failed = True
            err.print(f"{label}: error {exc}", highlight=False, markup=False)
    groups = [loaded] if episode and loaded else [[item] for item in loaded]
    for group in groups:
        label, text = group[0]
        try:
            docs = [
                Document(t, lbl, "procedure" if i == 0 else "supporting")
                for i, (lbl, t) in enumerate(group)
            ]
            analysis = analyze_episode(
                docs,
                source=label,
                profile=profile,
                payer=payer,
                billed_cpt=billed_cpt,
                history=prior,
                date_of_service=date_of_service,
            )
        except EsicheckError as exc:
            failed = True
            err.print(f"{label}: error {exc}", highlight=False, markup=False)
            continue
        incomplete = incomplete or not analysis.complete
        if format == "json":
            chunks.append(analysis.model_dump_json())
        elif format == "html":
            from api.reports.note_page import render_note_page

            chunks.append(render_note_page(analysis, {d.name: d.text for d in docs}))
        else:
            _print_text(label, text, analysis)
    if chunks:
        body = "\n".join(chunks) + "\n"
        if output:
            output.write_text(body, encoding="utf-8")
        else:
            sys.stdout.write(body)
    if failed:
        raise typer.Exit(2)
    if incomplete and not no_fail:
        raise typer.Exit(1)


@app.command("eval")
def eval_command(
    corpus: Annotated[Path, typer.Argument(help="The corpus folder.")] = Path("corpus"),
    split: Annotated[str | None, typer.Option(help="dev or test (default: all).")] = None,
    format: Annotated[str, typer.Option("--format", help="text or json")] = "text",
) -> None:
    """Score the analyzer against the gold labels of the corpus."""
    from api.evaluate import evaluate, format_text

    if not (corpus / "notes").is_dir():
        err.print(f"[E009] {corpus}: not a corpus folder (no notes/)")
        raise typer.Exit(2)
    result = evaluate(corpus, split).to_dict()
    if format == "json":
        sys.stdout.write(json.dumps(result, indent=1) + "\n")
    else:
        out.print(format_text(result), highlight=False, markup=False)


def _register_modules() -> None:
    for name in _COMMAND_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def main() -> None:
    """Console entry point."""
    from nlp.quiet import silence_library_logs

    silence_library_logs()
    _register_modules()
    app()


if __name__ == "__main__":
    # Under `python -m api.cli` this file runs as __main__, while command modules register on
    # the importable `api.cli`; run that module's app so every command is there.
    from api.cli import main as _main

    _main()

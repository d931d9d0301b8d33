"""Run a chart scan: read, group, analyze (in-process or in a spawn-safe pool), store each
episode as it finishes, re-apply the frequency limit per patient, then write summary/worklist.

Two passes because the frequency limit needs every session of a patient: pass 1 runs the NLP
per episode (with claims history only) and commits it; pass 2 is cheap, re-applying the
requirements on stored facts with the patient's full history (claims + scanned notes).
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from api.scan.episodes import DEFAULT_LOOKBACK_DAYS, group_episodes
from api.scan.frequency import history_for, session_of
from api.scan.outputs import summarize, write_outputs
from api.scan.records import Episode, EpisodeResult, EpisodeTask
from api.scan.sources import load_claims, load_documents
from api.scan.store import DEFAULT_TABLE, ScanStore
from api.scan.triage import triage
from api.scan.worker import analyze_task, init_worker
from nlp.checks import apply_requirements
from nlp.errors import EsicheckError
from nlp.models import NoteAnalysis, PriorSession
from nlp.profiles import resolve

Progress = Callable[[int], None]


@dataclass
class ScanOptions:
    source: Path
    out_dir: Path
    db_url: str | None = None
    table: str = DEFAULT_TABLE
    workers: int = 1
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    history: Path | None = None
    payer: str | None = None


@dataclass
class ScanReport:
    summary: dict[str, Any]
    summary_path: Path
    worklist_path: Path
    db_url: str
    extra: dict[str, Any] = field(default_factory=dict)


@cache
def _has_policy(payer: str) -> bool:
    try:
        resolve(None, payer)
    except EsicheckError:
        return False
    return True


def _payer(episode: Episode, default: str | None) -> str | None:
    """The manifest payer when it has a policy overlay, else the --payer default."""
    listed = episode.procedure.payer
    return listed if listed and _has_policy(listed) else default


def episode_task(
    episode: Episode, claims: dict[str, list[PriorSession]], default_payer: str | None
) -> EpisodeTask:
    """What a worker needs for one episode (shared by the local and Spark engines)."""
    proc = episode.procedure
    prior = claims.get(proc.patient_ref or "", [])
    return EpisodeTask(
        episode_id=episode.episode_id,
        documents=tuple(
            (d.note_id, d.text, None if d.path is None else str(d.path), d.doc_type)
            for d in episode.documents
        ),
        billed_cpt=proc.billed_cpt,
        payer=_payer(episode, default_payer),
        date_of_service=proc.date_of_service.isoformat() if proc.date_of_service else None,
        # Without a patient and a date the frequency limit cannot be judged (not_applicable).
        history=tuple((s.date_of_service, s.cpt, s.region) for s in prior)
        if proc.patient_ref and proc.date_of_service
        else None,
    )


def _fields(
    analysis: NoteAnalysis | None, billed_cpt: str | None, error: str | None = None
) -> dict[str, Any]:
    """Columns derived from an analysis (recomputed whenever the analysis changes)."""
    return {
        "suggested_codes": ",".join(analysis.billing.suggested_codes) if analysis else None,
        "supports_62323": analysis.billing.supports_62323 if analysis else None,
        "complete": analysis.complete if analysis else False,
        "priority": triage(analysis, billed_cpt, error).priority,
        "analysis_json": analysis.model_dump_json() if analysis else None,
    }


def result_row(episode: Episode, result: EpisodeResult) -> dict[str, Any]:
    """The stored row of one analyzed episode (shared by the local and Spark engines)."""
    proc = episode.procedure
    analysis = (
        NoteAnalysis.model_validate_json(result.analysis_json) if result.analysis_json else None
    )
    return {
        "episode_id": episode.episode_id,
        "patient_ref": proc.patient_ref,
        "date_of_service": proc.date_of_service.isoformat() if proc.date_of_service else None,
        "provider": proc.provider,
        "site": proc.site,
        "payer": proc.payer,
        "billed_cpt": proc.billed_cpt,
        "notes": result.notes,
        "error": result.error,
        **_fields(analysis, proc.billed_cpt, result.error),
    }


def _results(tasks: list[EpisodeTask], workers: int) -> Iterator[EpisodeResult]:
    if workers <= 1:
        init_worker()
        yield from map(analyze_task, tasks)
        return
    chunksize = max(1, min(16, len(tasks) // (workers * 8)))
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=init_worker) as pool:
        yield from pool.imap_unordered(analyze_task, tasks, chunksize=chunksize)


def frequency_pass(
    rows: list[dict[str, Any]],
    episodes: dict[str, Episode],
    claims: dict[str, list[PriorSession]],
    default_payer: str | None,
) -> list[dict[str, Any]]:
    """Pass 2: recompute findings with each patient's full session history.

    Updates `rows` in place and returns the changed columns (episode_id plus `_fields`) so a
    store can rewrite them; the Spark engine runs this same pass on its collected rows.
    """
    analyses = {
        r["episode_id"]: NoteAnalysis.model_validate_json(r["analysis_json"])
        for r in rows
        if r.get("analysis_json")
    }
    sessions: dict[str, list[tuple[str, PriorSession]]] = {}
    for row in sorted(rows, key=lambda r: (r.get("date_of_service") or "", r["episode_id"])):
        analysis = analyses.get(row["episode_id"])
        session = (
            session_of(analysis, row.get("date_of_service"), row["episode_id"])
            if analysis and row.get("patient_ref")
            else None
        )
        if session is not None:
            sessions.setdefault(row["patient_ref"], []).append((row["episode_id"], session))
    changed: list[dict[str, Any]] = []
    for row in rows:
        analysis = analyses.get(row["episode_id"])
        if analysis is None or not row.get("patient_ref") or not row.get("date_of_service"):
            continue
        history = history_for(
            row["episode_id"],
            sessions.get(row["patient_ref"], []),
            claims.get(row["patient_ref"], []),
        )
        apply_requirements(
            analysis,
            payer=_payer(episodes[row["episode_id"]], default_payer),
            billed_cpt=row.get("billed_cpt"),
            history=history,
            date_of_service=row["date_of_service"],
        )
        values = _fields(analysis, row.get("billed_cpt"))
        if values["analysis_json"] != row["analysis_json"]:
            row.update(values)
            changed.append({"episode_id": row["episode_id"], **values})
    return changed


def run_scan(
    options: ScanOptions, progress: Callable[[int, int], Progress] | None = None
) -> ScanReport:
    """Scan `options.source`; `progress(total_notes, episodes)` returns an advance callback."""
    started = time.perf_counter()
    if options.payer and not _has_policy(options.payer):
        resolve(None, options.payer)  # raises the coded E011 error
    documents = load_documents(options.source)
    claims = load_claims(options.history) if options.history else {}
    episodes = group_episodes(documents, options.lookback_days)
    by_id = {e.episode_id: e for e in episodes}
    options.out_dir.mkdir(parents=True, exist_ok=True)
    url = options.db_url or f"sqlite:///{(options.out_dir / 'results.sqlite').resolve()}"
    store = ScanStore(url, options.table)
    try:
        done = store.done_ids()
        todo = [
            episode_task(e, claims, options.payer) for e in episodes if e.episode_id not in done
        ]
        total_notes = sum(len(t.documents) for t in todo)
        advance = progress(total_notes, len(todo)) if progress else (lambda _n: None)
        analysed_notes = 0
        analysis_started = time.perf_counter()
        for result in _results(todo, options.workers):
            store.add(result_row(by_id[result.episode_id], result))
            analysed_notes += result.notes
            advance(result.notes)
        analysis_seconds = time.perf_counter() - analysis_started
        rows = [r for r in store.rows() if r["episode_id"] in by_id]
        store.update_many(frequency_pass(rows, by_id, claims, options.payer))
    finally:
        store.dispose()
    summary = summarize(rows, notes=len(documents))
    summary.update(
        {
            "resumed_episodes": len(episodes) - len(todo),
            "analyzed_episodes": len(todo),
            "analyzed_notes": analysed_notes,
            "workers": options.workers,
            "analysis_seconds": round(analysis_seconds, 3),
            "notes_per_second": round(analysed_notes / analysis_seconds, 2)
            if analysed_notes
            else None,
            "elapsed_seconds": round(time.perf_counter() - started, 3),
        }
    )
    summary_path, worklist_path = write_outputs(options.out_dir, summary, rows)
    return ScanReport(summary, summary_path, worklist_path, _safe_url(url))


def _safe_url(url: str) -> str:
    """The database URL without a password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)

"""Analyze one episode; runs in the parent (one worker) or in spawn-safe pool processes.

Each pool process builds the spaCy pipeline once in `init_worker`; tasks and results are plain
picklable records so the parent alone touches the database.
"""

from __future__ import annotations

from pathlib import Path

from api.inputs import read_note
from api.scan.records import EpisodeResult, EpisodeTask
from nlp.errors import EsicheckError
from nlp.models import PriorSession


def init_worker() -> None:
    """Pool initializer: silence library logs and build the pipeline once per process."""
    from nlp.pipeline import get_pipeline
    from nlp.quiet import silence_library_logs

    silence_library_logs()
    get_pipeline()


def analyze_task(task: EpisodeTask) -> EpisodeResult:
    """Run the engine on one episode; coded input errors become a result, not a crash."""
    from nlp import Document, analyze_episode

    notes = len(task.documents)
    try:
        documents = [
            Document(text if text is not None else read_note(Path(path or "")), name, doc_type)
            for name, text, path, doc_type in task.documents
        ]
        history = (
            None
            if task.history is None
            else [
                PriorSession(date_of_service=day, cpt=cpt, region=region)  # type: ignore[arg-type]
                for day, cpt, region in task.history
            ]
        )
        analysis = analyze_episode(
            documents,
            note_id=task.episode_id,
            source=task.episode_id,
            payer=task.payer,
            billed_cpt=task.billed_cpt,
            history=history,
            date_of_service=task.date_of_service,
        )
    except EsicheckError as exc:
        return EpisodeResult(task.episode_id, notes, error=str(exc))
    return EpisodeResult(task.episode_id, notes, analysis_json=analysis.model_dump_json())

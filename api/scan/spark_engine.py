"""`esicheck scan --engine spark`: the same chart scan with the analysis spread over Spark.

The driver reads the input, groups episodes and attaches claims history exactly as the local
engine does (`api.scan.runner`); Spark only runs the expensive part, the NLP per episode, with
`mapInPandas` over a DataFrame of episode rows (episode_id, documents JSON, metadata JSON).
Each executor Python process builds the spaCy pipeline once (`get_pipeline`, cached at module
level; Spark reuses Python workers between tasks). The results come back to the driver, which
runs the same frequency pass as the local engine (it needs every session of a patient) and
writes `results.parquet` (a Delta table `results.delta` when the session has Delta Lake),
`summary.json` and `worklist.csv`.

Unlike the local engine a Spark run is not checkpointed: a rerun recomputes and overwrites.
Folder input is read by the executors from the paths the driver saw, so on a cluster the folder
must be on storage every node mounts; table and FHIR input carry the text in the rows.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.scan.episodes import group_episodes
from api.scan.outputs import summarize, write_outputs
from api.scan.records import EpisodeResult, EpisodeTask
from api.scan.runner import ScanOptions, ScanReport, episode_task, frequency_pass, result_row
from api.scan.sources import load_claims, load_documents
from api.scan.worker import analyze_task
from nlp.profiles import resolve

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import SparkSession

EPISODE_SCHEMA = "episode_id string, documents string, metadata string"
RESULT_SCHEMA = "episode_id string, notes int, analysis_json string, error string"
# The results table: column, pandas dtype (nullable), Spark type.
RESULTS_COLUMNS = (
    ("episode_id", "string", "string"),
    ("patient_ref", "string", "string"),
    ("date_of_service", "string", "string"),
    ("provider", "string", "string"),
    ("site", "string", "string"),
    ("payer", "string", "string"),
    ("billed_cpt", "string", "string"),
    ("suggested_codes", "string", "string"),
    ("supports_62323", "boolean", "boolean"),
    ("complete", "boolean", "boolean"),
    ("priority", "Int32", "int"),
    ("notes", "Int32", "int"),
    ("error", "string", "string"),
    ("analysis_json", "string", "string"),
)
RESULTS_SCHEMA = ", ".join(f"{name} {spark_type}" for name, _, spark_type in RESULTS_COLUMNS)


@cache
def get_pipeline() -> Any:
    """The esicheck pipeline of this executor process, built on first use and then reused."""
    from nlp.pipeline import get_pipeline as build
    from nlp.quiet import silence_library_logs

    silence_library_logs()
    return build()


def task_to_row(task: EpisodeTask) -> dict[str, str]:
    """An episode row for the DataFrame: documents and metadata as JSON strings."""
    return {
        "episode_id": task.episode_id,
        "documents": json.dumps([list(d) for d in task.documents]),
        "metadata": json.dumps(
            {
                "billed_cpt": task.billed_cpt,
                "payer": task.payer,
                "date_of_service": task.date_of_service,
                "history": None if task.history is None else [list(h) for h in task.history],
            }
        ),
    }


def row_to_task(episode_id: str, documents: str, metadata: str) -> EpisodeTask:
    """The inverse of `task_to_row`, run on the executors."""
    meta = json.loads(metadata)
    history = meta["history"]
    return EpisodeTask(
        episode_id=episode_id,
        documents=tuple(tuple(d) for d in json.loads(documents)),  # type: ignore[misc]
        billed_cpt=meta["billed_cpt"],
        payer=meta["payer"],
        date_of_service=meta["date_of_service"],
        history=None if history is None else tuple(tuple(h) for h in history),  # type: ignore[misc]
    )


def analyze_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """`mapInPandas` function: episode rows in, `RESULT_SCHEMA` rows out."""
    import pandas as pd

    get_pipeline()
    for batch in batches:
        results = [
            analyze_task(row_to_task(r.episode_id, r.documents, r.metadata))
            for r in batch.itertuples(index=False)
        ]
        yield pd.DataFrame(
            {
                "episode_id": [r.episode_id for r in results],
                "notes": pd.Series([r.notes for r in results], dtype="int32"),
                "analysis_json": [r.analysis_json for r in results],
                "error": [r.error for r in results],
            }
        )


def spark_session() -> SparkSession:
    """The active session (spark-submit, Databricks, a test fixture) or a local one.

    Outside spark-submit (no gateway in the environment) this starts `local[*]` with the
    current interpreter for the Python workers, so they import the same installed esicheck.
    """
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName("esicheck-scan")
    if "PYSPARK_GATEWAY_PORT" not in os.environ:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = (
            builder.master("local[*]")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
        )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _analyze(spark: SparkSession, tasks: list[EpisodeTask]) -> list[EpisodeResult]:
    import pandas as pd

    if not tasks:
        return []
    spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
    episodes = pd.DataFrame(
        [task_to_row(t) for t in tasks], columns=["episode_id", "documents", "metadata"]
    )
    partitions = max(1, min(len(tasks), spark.sparkContext.defaultParallelism * 4))
    frame = spark.createDataFrame(episodes, schema=EPISODE_SCHEMA).repartition(partitions)
    out = frame.mapInPandas(analyze_batches, schema=RESULT_SCHEMA).toPandas()
    return [
        EpisodeResult(
            r.episode_id,
            int(r.notes),
            analysis_json=None if pd.isna(r.analysis_json) else r.analysis_json,
            error=None if pd.isna(r.error) else r.error,
        )
        for r in out.itertuples(index=False)
    ]


def _has_delta(spark: SparkSession) -> bool:
    """Delta Lake is usable: the `delta` package imports and the session loads its extension."""
    if importlib.util.find_spec("delta") is None:
        return False
    return "DeltaSparkSessionExtension" in spark.conf.get("spark.sql.extensions", "")


def write_results(spark: SparkSession, rows: list[dict[str, Any]], out_dir: Path) -> Path:
    """Write the rows as `results.parquet` (one file, from the driver) or a Delta table."""
    import pandas as pd

    frame = pd.DataFrame(
        sorted(rows, key=lambda r: r["episode_id"]),
        columns=[name for name, _, _ in RESULTS_COLUMNS],
    )
    frame = frame.astype({name: dtype for name, dtype, _ in RESULTS_COLUMNS})
    if _has_delta(spark):
        path = out_dir / "results.delta"
        spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
        table = spark.createDataFrame(frame, schema=RESULTS_SCHEMA)
        table.write.format("delta").mode("overwrite").save(str(path))
        return path
    path = out_dir / "results.parquet"
    frame.to_parquet(path, index=False)
    return path


def run_spark_scan(options: ScanOptions, spark: SparkSession | None = None) -> ScanReport:
    """Scan `options.source` on Spark; same episodes, findings and outputs as `run_scan`."""
    started = time.perf_counter()
    if options.payer:
        resolve(None, options.payer)  # an unknown payer fails before Spark starts (E011)
    documents = load_documents(options.source)
    claims = load_claims(options.history) if options.history else {}
    episodes = group_episodes(documents, options.lookback_days)
    by_id = {e.episode_id: e for e in episodes}
    tasks = [episode_task(e, claims, options.payer) for e in episodes]
    spark = spark or spark_session()
    analysis_started = time.perf_counter()
    results = _analyze(spark, tasks)
    analysis_seconds = time.perf_counter() - analysis_started
    rows = [result_row(by_id[r.episode_id], r) for r in results]
    frequency_pass(rows, by_id, claims, options.payer)
    options.out_dir.mkdir(parents=True, exist_ok=True)
    results_path = write_results(spark, rows, options.out_dir)
    analysed_notes = sum(r.notes for r in results)
    summary = summarize(rows, notes=len(documents))
    summary.update(
        {
            "engine": "spark",
            "resumed_episodes": 0,
            "analyzed_episodes": len(tasks),
            "analyzed_notes": analysed_notes,
            "workers": spark.sparkContext.defaultParallelism,
            "analysis_seconds": round(analysis_seconds, 3),
            "notes_per_second": round(analysed_notes / analysis_seconds, 2)
            if analysed_notes
            else None,
            "elapsed_seconds": round(time.perf_counter() - started, 3),
        }
    )
    summary_path, worklist_path = write_outputs(options.out_dir, summary, rows)
    return ScanReport(summary, summary_path, worklist_path, str(results_path))

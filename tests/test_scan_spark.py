"""`esicheck scan --engine spark`: the same input through the local and Spark engines gives the
same per-episode results, worklist and summary counts; results land in results.parquet.

One local Spark session (`local[2]`) serves the whole module: starting one costs ~8 s.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import api.cli_scan  # noqa: F401  (registers the command)
from api.cli import app
from api.scan import ScanOptions, run_scan
from tests.test_scan import H_AND_P, _frequency_rows, _mixed_rows, _write_table

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark", reason="pyspark is not installed: pip install -e '.[spark]'")
    from pyspark.sql import SparkSession

    # Python workers must run this interpreter, the one esicheck is installed in.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("esicheck-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _input(tmp_path: Path) -> tuple[Path, Path]:
    rows = [
        *_mixed_rows(),
        *_frequency_rows(),
        {
            "note_id": "hp-P1",
            "patient_ref": "P1",
            "date_of_service": "2024-12-20",
            "doc_type": "h_and_p",
            "text": H_AND_P,
        },
    ]
    table = tmp_path / "notes.jsonl"
    _write_table(table, rows)
    claims = tmp_path / "claims.csv"
    claims.write_text(
        "patient_ref,date_of_service,cpt,region\n"
        + "".join(f"D,2024-0{m}-15,62323,lumbar\n" for m in (2, 4, 6, 8)),
        encoding="utf-8",
    )
    return table, claims


def _per_episode(rows: list[dict[str, Any]]) -> dict[str, tuple]:
    """What a coder sees per episode: codes, statuses, completeness, priority, error."""
    out = {}
    for row in rows:
        analysis = json.loads(row["analysis_json"]) if row["analysis_json"] else None
        statuses = (
            tuple((f["id"], f["status"]) for f in analysis["requirements"]) if analysis else None
        )
        out[row["episode_id"]] = (
            row["suggested_codes"],
            statuses,
            bool(row["complete"]),
            int(row["priority"]),
            row["error"],
            analysis["documents"] if analysis else None,
        )
    return out


def _worklist(out: Path) -> list[dict[str, str]]:
    with (out / "worklist.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_spark_engine_gives_the_same_results_as_the_local_engine(tmp_path: Path, spark) -> None:
    import pandas as pd

    table, claims = _input(tmp_path)
    local = run_scan(ScanOptions(source=table, out_dir=tmp_path / "local", history=claims))
    result = CliRunner().invoke(
        app,
        [
            "scan",
            str(table),
            "--out",
            str(tmp_path / "spark"),
            "--history",
            str(claims),
            "--engine",
            "spark",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "spark" / "results.parquet").is_file()
    assert not (tmp_path / "spark" / "results.sqlite").exists()

    with sqlite3.connect(tmp_path / "local" / "results.sqlite") as conn:
        conn.row_factory = sqlite3.Row
        local_rows = [dict(r) for r in conn.execute("select * from scan_results")]
    spark_rows = pd.read_parquet(tmp_path / "spark" / "results.parquet")
    spark_rows = spark_rows.astype(object).where(spark_rows.notna(), None).to_dict("records")

    expected = _per_episode(local_rows)
    assert _per_episode(spark_rows) == expected
    assert len(expected) == 21
    # The frequency pass ran on the Spark results too: the 5th lumbar session is flagged.
    assert dict(expected["A-lumbar-2024-11-01"][1])["frequency_limit"] == "not_met"
    assert expected["clean"][5] == ["clean", "hp-P1"]
    assert _worklist(tmp_path / "local") == _worklist(tmp_path / "spark")
    summary = json.loads((tmp_path / "spark" / "summary.json").read_text())
    assert summary["engine"] == "spark"
    for key in (
        "notes",
        "episodes",
        "complete",
        "billed_mismatches",
        "errors",
        "priorities",
        "deficiencies",
    ):
        assert summary[key] == local.summary[key], key


def test_spark_engine_writes_no_database() -> None:
    result = CliRunner().invoke(
        app,
        ["scan", "notes.jsonl", "--out", "out", "--engine", "spark", "--db", "sqlite:///x.sqlite"],
    )
    assert result.exit_code == 2
    assert "--db is for the local engine" in result.output

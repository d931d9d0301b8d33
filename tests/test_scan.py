"""Chart scans (`esicheck scan`): episode grouping, the rolling frequency window, CSV/JSONL
input, worklist order, resume after SIGKILL and a PostgreSQL results database."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

import api.cli_scan  # noqa: F401  (registers the command)
from api.cli import app
from api.scan import ScanOptions, run_scan
from api.scan.episodes import group_episodes
from api.scan.sources import load_documents
from nlp.pipeline import get_pipeline

ESICHECK = Path("/work/venv/bin/esicheck")
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MANIFEST_COLUMNS = [
    "file",
    "patient_ref",
    "date_of_service",
    "doc_type",
    "provider",
    "site",
    "payer",
    "billed_cpt",
]

NOTE = """PROCEDURE NOTE
PROCEDURE: {side}{level} interlaminar epidural steroid injection under fluoroscopic guidance.
DIAGNOSIS: {side}{root} {region} radiculopathy.
INDICATIONS: 4 months of radicular pain despite 8 weeks of physical therapy and NSAIDs.
MRI shows a disc herniation at {level}. Pre-procedure pain 7/10.
CONSENT: Risks, benefits and alternatives were discussed. Written informed consent was signed.
DESCRIPTION: The {level} interlaminar space was identified under fluoroscopy.
Loss of resistance was obtained. Omnipaque 2 mL confirmed epidural spread.
{steroid} with 3 mL preservative-free normal saline was injected.
POST-PROCEDURE: Pain 2/10. No complications. Discharged in stable condition.
"""
H_AND_P = """HISTORY AND PHYSICAL
ASSESSMENT: Left L5 radiculopathy from an L4-L5 disc herniation; pain 8/10.
PLAN: Interlaminar epidural steroid injection.
"""


def note(region: str = "lumbar", side: str = "Left ", steroid: str = "Dexamethasone 10 mg") -> str:
    level, root = ("L5-S1", "S1") if region == "lumbar" else ("C6-C7", "C7")
    return NOTE.format(side=side, level=level, root=root, region=region, steroid=steroid)


@pytest.fixture(scope="module", autouse=True)
def _pipeline() -> None:
    get_pipeline()


def _write_manifest(folder: Path, rows: list[dict[str, str]]) -> None:
    with (folder / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=MANIFEST_COLUMNS)
        writer.writeheader()
        writer.writerows([{k: r.get(k, "") for k in MANIFEST_COLUMNS} for r in rows])


def _write_table(path: Path, rows: list[dict[str, str]]) -> None:
    columns = ["note_id", *MANIFEST_COLUMNS[1:], "text"]
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows([{k: r.get(k, "") for k in columns} for r in rows])
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _worklist(out: Path) -> list[dict[str, str]]:
    with (out / "worklist.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _analyses(out: Path) -> dict[str, dict]:
    with sqlite3.connect(out / "results.sqlite") as conn:
        return {
            row[0]: json.loads(row[1])
            for row in conn.execute("select episode_id, analysis_json from scan_results")
        }


def _status(analysis: dict, requirement: str) -> str:
    return next(f["status"] for f in analysis["requirements"] if f["id"] == requirement)


# -- episodes --------------------------------------------------------------------------------


def _episode_folder(folder: Path) -> None:
    (folder / "proc.txt").write_text(note(), encoding="utf-8")
    for name in ("hp_inside.txt", "hp_outside.txt", "hp_other_patient.txt", "consult.txt"):
        (folder / name).write_text(H_AND_P, encoding="utf-8")
    (folder / "unlisted.txt").write_text(note(), encoding="utf-8")
    _write_manifest(
        folder,
        [
            {
                "file": "proc.txt",
                "patient_ref": "P1",
                "date_of_service": "2025-03-01",
                "doc_type": "procedure",
                "billed_cpt": "62323",
            },
            {
                "file": "hp_inside.txt",
                "patient_ref": "P1",
                "date_of_service": "2024-12-01",
                "doc_type": "h_and_p",
            },  # 90 days before: inside the window
            {
                "file": "hp_outside.txt",
                "patient_ref": "P1",
                "date_of_service": "2024-11-30",
                "doc_type": "h_and_p",
            },  # 91 days before
            {
                "file": "consult.txt",
                "patient_ref": "P1",
                "date_of_service": "2025-03-02",
                "doc_type": "consult",
            },  # after the procedure
            {
                "file": "hp_other_patient.txt",
                "patient_ref": "P2",
                "date_of_service": "2025-02-01",
                "doc_type": "h_and_p",
            },
        ],
    )


def test_episode_takes_supporting_notes_inside_the_lookback_window(tmp_path: Path) -> None:
    _episode_folder(tmp_path)
    episodes = {e.episode_id: e for e in group_episodes(load_documents(tmp_path))}
    assert set(episodes) == {"proc.txt", "unlisted.txt"}
    assert [d.note_id for d in episodes["proc.txt"].supporting] == ["hp_inside.txt"]
    assert episodes["unlisted.txt"].supporting == ()
    shorter = {e.episode_id: e for e in group_episodes(load_documents(tmp_path), 30)}
    assert shorter["proc.txt"].supporting == ()


def test_scan_analyzes_the_episode_with_its_supporting_note(tmp_path: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    _episode_folder(folder)
    report = run_scan(ScanOptions(source=folder, out_dir=out))
    assert report.summary["notes"] == 6
    assert report.summary["episodes"] == 2
    analyses = _analyses(out)
    assert analyses["proc.txt"]["documents"] == ["proc.txt", "hp_inside.txt"]
    assert analyses["unlisted.txt"]["documents"] == ["unlisted.txt"]


# -- frequency ---------------------------------------------------------------------------------


def _sessions(patient: str, days: list[str], region: str = "lumbar") -> list[dict[str, str]]:
    return [
        {
            "note_id": f"{patient}-{region}-{day}",
            "patient_ref": patient,
            "date_of_service": day,
            "doc_type": "procedure",
            "text": note(region),
        }
        for day in days
    ]


FIVE_IN_A_YEAR = ["2024-01-10", "2024-03-01", "2024-05-01", "2024-08-01", "2024-11-01"]
TWELVE_MONTHS_APART = ["2024-01-10", "2024-03-01", "2024-05-01", "2024-08-01", "2025-01-10"]


def _frequency_rows() -> list[dict[str, str]]:
    rows = (
        _sessions("A", FIVE_IN_A_YEAR)
        + _sessions("B", TWELVE_MONTHS_APART)
        + _sessions("C", FIVE_IN_A_YEAR[:3])
        + _sessions("C", FIVE_IN_A_YEAR[3:], "cervical")
        + _sessions("D", ["2024-11-01"])
    )
    return rows[::-1]  # input order must not matter: the window is by date


def test_fifth_session_in_twelve_months_is_not_met_and_regions_count_apart(tmp_path: Path) -> None:
    table = tmp_path / "notes.csv"
    _write_table(table, _frequency_rows())
    claims = tmp_path / "claims.csv"
    claims.write_text(
        "patient_ref,date_of_service,cpt,region\n"
        + "".join(f"D,2024-0{m}-15,62323,lumbar\n" for m in (2, 4, 6, 8)),
        encoding="utf-8",
    )
    run_scan(ScanOptions(source=table, out_dir=tmp_path / "out", history=claims))
    analyses = _analyses(tmp_path / "out")
    freq = {eid: _status(a, "frequency_limit") for eid, a in analyses.items()}
    # A: the 5th lumbar session within a rolling 12 months exceeds the limit of 4.
    assert [freq[f"A-lumbar-{d}"] for d in FIVE_IN_A_YEAR] == ["met"] * 4 + ["not_met"]
    assert not analyses["A-lumbar-2024-11-01"]["complete"]
    # B: a session exactly 12 months later no longer counts the first one.
    assert all(freq[f"B-lumbar-{d}"] == "met" for d in TWELVE_MONTHS_APART)
    # C: 3 lumbar + 2 cervical sessions are counted per region group.
    assert {freq[k] for k in freq if k.startswith("C-")} == {"met"}
    # D: 4 claims in the window plus this note make 5.
    assert freq["D-lumbar-2024-11-01"] == "not_met"
    rows = {r["episode_id"]: r for r in _worklist(tmp_path / "out")}
    assert "frequency_limit" in rows["A-lumbar-2024-11-01"]["gaps"].split()


# -- input formats and the worklist -------------------------------------------------------------


def _mixed_rows() -> list[dict[str, str]]:
    return [
        {
            "note_id": "clean",
            "patient_ref": "P1",
            "date_of_service": "2025-01-02",
            "doc_type": "procedure",
            "billed_cpt": "62323",
            "text": note(),
        },
        {
            "note_id": "wrong-code",
            "patient_ref": "P2",
            "date_of_service": "2025-01-03",
            "doc_type": "procedure",
            "billed_cpt": "62321",
            "text": note(),
        },
        {
            "note_id": "warning",
            "patient_ref": "P3",
            "date_of_service": "2025-01-04",
            "doc_type": "procedure",
            "billed_cpt": "62323",
            "text": note(side="", steroid="Dexamethasone 30 mg"),
        },
        {
            "note_id": "incomplete",
            "patient_ref": "P4",
            "date_of_service": "2025-01-05",
            "doc_type": "procedure",
            "text": note().replace(
                "CONSENT: Risks, benefits and "
                "alternatives were discussed. Written "
                "informed consent was signed.\n",
                "",
            ),
        },
        {
            "note_id": "empty",
            "patient_ref": "P5",
            "date_of_service": "2025-01-06",
            "doc_type": "procedure",
            "text": "   ",
        },
    ]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_table_input_gives_a_worklist_sorted_by_priority(tmp_path: Path, suffix: str) -> None:
    table = tmp_path / f"notes{suffix}"
    _write_table(table, _mixed_rows())
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["scan", str(table), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = _worklist(out)
    assert [(r["episode_id"], r["priority"]) for r in rows] == [
        ("wrong-code", "1"),
        ("incomplete", "2"),
        ("empty", "2"),
        ("warning", "3"),
        ("clean", "4"),
    ]
    by_id = {r["episode_id"]: r for r in rows}
    assert by_id["wrong-code"]["reason"].startswith("billed 62321 not supported")
    assert by_id["wrong-code"]["suggested_codes"] == "62323"
    assert "consent" in by_id["incomplete"]["gaps"].split()
    assert by_id["incomplete"]["queries"]
    assert by_id["empty"]["reason"].startswith("not analyzed: [E001]")
    assert "laterality" in by_id["warning"]["gaps"].split()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["episodes"] == 5
    assert summary["billed_mismatches"] == 1
    assert summary["errors"] == 1
    assert summary["deficiencies"]["consent"] == 1
    assert summary["notes_per_second"] > 0


def test_table_without_text_column_is_a_coded_error(tmp_path: Path) -> None:
    table = tmp_path / "notes.csv"
    table.write_text("note_id,patient_ref\nn1,P1\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["scan", str(table), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "[E014]" in result.output and "text" in result.output


# -- resume --------------------------------------------------------------------------------------


def _row_count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute("select count(*) from scan_results").fetchone()[0]
    except sqlite3.OperationalError:  # table not created yet, or locked for a moment
        return 0


@pytest.mark.skipif(not ESICHECK.exists(), reason="the esicheck console script is not installed")
def test_scan_killed_with_sigkill_resumes_without_duplicates(tmp_path: Path) -> None:
    folder, out = tmp_path / "notes", tmp_path / "out"
    folder.mkdir()
    for i in range(60):
        (folder / f"n{i:03d}.txt").write_text(
            note("lumbar" if i % 2 else "cervical"), encoding="utf-8"
        )
    db = out / "results.sqlite"
    command = [str(ESICHECK), "scan", str(folder), "--out", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while _row_count(db) < 3 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    partial = _row_count(db)
    assert 0 < partial < 60, "the scan should have been killed part-way"
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("select episode_id from scan_results")]
    assert sorted(ids) == sorted(f"n{i:03d}.txt" for i in range(60))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["episodes"] == 60
    assert summary["resumed_episodes"] == partial


# -- PostgreSQL ----------------------------------------------------------------------------------


def _postgres_reason() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        psycopg.connect(
            "host=127.0.0.1 port=5432 dbname=test user=postgres", connect_timeout=2
        ).close()
    except psycopg.Error as exc:
        return (
            "PostgreSQL at 127.0.0.1:5432 (db test, user postgres) unreachable: "
            f"{type(exc).__name__}"
        )
    return None


def test_results_go_to_postgresql_with_db(tmp_path: Path) -> None:
    reason = _postgres_reason()
    if reason:
        pytest.skip(reason)
    from sqlalchemy import create_engine, text

    table = f"scan_results_test_{uuid.uuid4().hex[:10]}"
    source = tmp_path / "notes.jsonl"
    _write_table(source, _mixed_rows()[:2])
    engine = create_engine(PG_URL)
    try:
        for _ in range(2):  # the second run resumes: nothing is inserted twice
            result = CliRunner().invoke(
                app,
                [
                    "scan",
                    str(source),
                    "--out",
                    str(tmp_path / "out"),
                    "--db",
                    PG_URL,
                    "--table",
                    table,
                ],
            )
            assert result.exit_code == 0, result.output
        with engine.connect() as conn:
            rows = conn.execute(
                text(f"select episode_id, billed_cpt, priority from {table} order by episode_id")
            ).all()
        assert [tuple(r) for r in rows] == [("clean", "62323", 4), ("wrong-code", "62321", 1)]
        assert not (tmp_path / "out" / "results.sqlite").exists()
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"drop table if exists {table}"))
        engine.dispose()


def test_dates_in_the_manifest_are_validated(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(note(), encoding="utf-8")
    _write_manifest(tmp_path, [{"file": "a.txt", "date_of_service": "03/01/2025"}])
    result = CliRunner().invoke(app, ["scan", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    # The message names the file, line and field, never the note content.
    assert "[E014] manifest.csv line 2: date_of_service must be YYYY-MM-DD" in result.output


def test_worker_pool_gives_the_same_results_as_one_process(tmp_path: Path) -> None:
    table = tmp_path / "notes.jsonl"
    _write_table(table, _mixed_rows())
    one = run_scan(ScanOptions(source=table, out_dir=tmp_path / "one"))
    two = run_scan(ScanOptions(source=table, out_dir=tmp_path / "two", workers=2))
    assert two.summary["workers"] == 2
    assert _worklist(tmp_path / "one") == _worklist(tmp_path / "two")
    assert one.summary["deficiencies"] == two.summary["deficiencies"]


def test_frequency_is_not_applicable_without_a_patient(tmp_path: Path) -> None:
    table = tmp_path / "notes.csv"
    _write_table(
        table,
        [
            {
                "note_id": "n1",
                "date_of_service": "2025-01-02",
                "doc_type": "procedure",
                "text": note(),
            }
        ],
    )
    run_scan(ScanOptions(source=table, out_dir=tmp_path / "out"))
    assert _status(_analyses(tmp_path / "out")["n1"], "frequency_limit") == "not_applicable"

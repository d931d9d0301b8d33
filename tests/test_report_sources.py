"""`esicheck report --db/--scan`: the same hand-computed numbers from the API store and from
chart-scan results, and per-note pages written next to the HTML report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api.reports.note_files import page_name
from api.scan import ScanOptions, run_scan
from api.scan.store import ScanStore
from api.store import AnalysisRow, create_db_engine, init_db
from nlp.models import NoteAnalysis
from tests.test_reports import FIXTURE, NOTE

NOTE_TEXT = "PROCEDURE: epidural steroid injection.\n"


def _analysis_json(row: dict) -> str:
    return NoteAnalysis.model_validate(row["analysis"]).model_dump_json()


@pytest.fixture()
def api_db(tmp_path: Path) -> str:
    """An API store holding the five fixture records (ids r1..r5)."""
    url = f"sqlite:///{tmp_path / 'api.sqlite'}"
    engine = create_db_engine(url)
    init_db(engine)
    with Session(engine) as session:
        for row in FIXTURE:
            analysis = row["analysis"]
            session.add(
                AnalysisRow(
                    id=row["id"],
                    note_id=row["id"],
                    text_sha256="0" * 64,
                    note_text=NOTE_TEXT,
                    provider=row["provider"],
                    site=row["site"],
                    payer=row["payer"],
                    date_of_service=row["date_of_service"],
                    billed_cpt=row["billed_cpt"],
                    complete=analysis["complete"],
                    supports_62323=analysis["billing"]["supports_62323"],
                    suggested_codes=",".join(analysis["billing"]["suggested_codes"]),
                    analysis_json=_analysis_json(row),
                )
            )
        session.commit()
    engine.dispose()
    return url


@pytest.fixture()
def scan_dir(tmp_path: Path) -> Path:
    """A scan output folder whose results hold the fixture records and one failed episode."""
    folder = tmp_path / "scan-out"
    folder.mkdir()
    store = ScanStore(f"sqlite:///{folder / 'results.sqlite'}")
    for row in FIXTURE:
        store.add(
            {
                "episode_id": row["id"],
                "provider": row["provider"],
                "site": row["site"],
                "payer": row["payer"],
                "date_of_service": row["date_of_service"],
                "billed_cpt": row["billed_cpt"],
                "priority": 1,
                "notes": 1,
                "analysis_json": _analysis_json(row),
            }
        )
    store.add(
        {
            "episode_id": "broken",
            "date_of_service": "2026-01-15",
            "priority": 0,
            "notes": 1,
            "error": "[E001] empty",
        }
    )
    store.dispose()
    return folder


def _report(*args: str):
    import api.cli_report  # noqa: F401  (registers the command on the shared app)
    from api.cli import app

    return CliRunner().invoke(app, ["report", *args])


def _json_report(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "report.json"
    result = _report(*args, "--format", "json", "--out", str(out))
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))


def _overall(data: dict) -> tuple:
    return data["n_notes"], data["share_complete"], data["share_supports_62323"]


def test_db_api_store_gives_the_fixture_numbers(api_db: str, tmp_path: Path) -> None:
    data = _json_report(tmp_path, "--db", api_db)
    assert _overall(data) == (5, 0.4, 0.6)
    rates = {r["id"]: r["completeness_rate"] for r in data["requirements"]}
    assert rates == {"consent": 0.6, "imaging": 0.8, "prior_response": 0.75}
    assert [m["id"] for m in data["code_mismatches"]] == ["r3", "r4"]
    assert data["top_deficiencies"][0]["examples"][0]["report_url"] == "/v1/analyses/r2/report"


def test_db_api_store_period_and_breakdown(api_db: str, tmp_path: Path) -> None:
    data = _json_report(
        tmp_path, "--db", api_db, "--from", "2026-01-20", "--to", "2026-02-25", "--by", "provider"
    )
    assert _overall(data) == (3, 0.3333, 0.6667)
    assert list(data["breakdowns"]) == ["provider"]
    assert {r["key"]: r["n"] for r in data["breakdowns"]["provider"]} == {"A": 1, "B": 2}


def test_scan_folder_gives_the_same_numbers_and_leaves_out_failed_episodes(
    scan_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.json"
    result = _report("--scan", str(scan_dir), "--format", "json", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "1 scan episodes without an analysis left out" in " ".join(result.output.split())
    data = json.loads(out.read_text(encoding="utf-8"))
    assert _overall(data) == (5, 0.4, 0.6)
    assert {r["key"]: r["n"] for r in data["breakdowns"]["month"]} == {
        "2026-01": 2,
        "2026-02": 2,
        "2026-03": 1,
    }


def test_db_url_of_scan_results_is_detected(scan_dir: Path, tmp_path: Path) -> None:
    data = _json_report(
        tmp_path, "--db", f"sqlite:///{scan_dir / 'results.sqlite'}", "--to", "2026-01-31"
    )
    assert _overall(data) == (2, 0.5, 1.0)


def test_csv_from_db(api_db: str, tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    assert _report("--db", api_db, "--format", "csv", "--out", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8").splitlines()[1] == "overall,all,all,5,0.4,0.6,"


def test_html_from_api_store_writes_linked_note_pages(api_db: str, tmp_path: Path) -> None:
    out = tmp_path / "site" / "report.html"
    out.parent.mkdir()
    result = _report("--db", api_db, "--out", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert 'href="notes/r3.html"' in page and "<svg" in page
    note = (out.parent / "notes" / "r3.html").read_text(encoding="utf-8")
    assert "PROCEDURE: epidural steroid injection." in note


def test_no_note_pages_links_to_the_service(api_db: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert _report("--db", api_db, "--no-note-pages", "--out", str(out)).exit_code == 0
    assert 'href="/v1/analyses/r3/report"' in out.read_text(encoding="utf-8")
    assert not (tmp_path / "notes").exists()


def test_scan_note_pages_highlight_evidence_with_notes_source(nlp, tmp_path: Path) -> None:
    source = tmp_path / "charts"
    (source / "clinic a").mkdir(parents=True)
    (source / "clinic a" / "n1.txt").write_text(NOTE, encoding="utf-8")
    run_scan(ScanOptions(source=source, out_dir=tmp_path / "scan"))
    with_text, without_text = tmp_path / "a" / "report.html", tmp_path / "b" / "report.html"
    for out, extra in ((with_text, ["--notes", str(source)]), (without_text, [])):
        out.parent.mkdir()
        result = _report("--scan", str(tmp_path / "scan"), *extra, "--out", str(out))
        assert result.exit_code == 0, result.output
    name = page_name("clinic a/n1.txt")
    assert re.fullmatch(r"clinic_a_n1\.txt-[0-9a-f]{8}\.html", name)
    assert f'href="notes/{name}"' in with_text.read_text(encoding="utf-8")
    assert re.search(r'<mark [^>]*id="ev-', (with_text.parent / "notes" / name).read_text())
    bare = (without_text.parent / "notes" / name).read_text(encoding="utf-8")
    assert '<div class="note"' not in bare and "note text was not stored" in bare


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "exactly one of --analyses, --db or --scan"),
        (["--db", "sqlite:///x.sqlite", "--scan", "y"], "exactly one of"),
        (["--db", "sqlite:////nonexistent/x.sqlite"], "[E009]"),
        (["--scan", "/nonexistent-folder"], "[E009]"),
        (["--db", "DB", "--from", "2026-03-01", "--to", "2026-02-01"], "--from is after --to"),
        (["--db", "DB", "--table", "nope"], "no table named 'nope'"),
    ],
)
def test_bad_sources_are_coded_errors(
    api_db: str, tmp_path: Path, args: list[str], message: str
) -> None:
    args = [api_db if a == "DB" else a for a in args]
    result = _report(*args, "--out", str(tmp_path / "r.html"))
    assert result.exit_code == 2
    assert message in result.output

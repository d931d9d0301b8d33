"""Reports: the per-note evidence page, the aggregate numbers, and `esicheck report`."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from markupsafe import escape
from typer.testing import CliRunner

from api.reports.aggregate import Record, build_report, filter_by_date, to_csv, to_html
from api.reports.note_page import render_note_page
from nlp import Document, analyze, analyze_episode
from nlp.models import Billing, Citation, Evidence, Finding, NoteAnalysis, Procedure
from nlp.pipeline import get_pipeline

NOTE = (
    "PROCEDURE: Left L5-S1 interlaminar epidural steroid injection under fluoroscopy.\n"
    "INDICATION: Lumbar radiculopathy, pain 7/10 & worse <sitting>. Failed 6 weeks of "
    "physical therapy. MRI shows L5-S1 disc herniation.\n"
    "CONSENT: Written informed consent obtained after risks, benefits and alternatives were "
    "discussed.\n"
    "TECHNIQUE: Omnipaque 240 2 mL confirmed epidural spread. Depo-Medrol 80 mg in 2 mL "
    "preservative-free normal saline injected.\n"
    "POST-PROCEDURE: Tolerated well, no complications. Pain 2/10.\n"
)
HISTORY = "H&P: Six weeks of physical therapy failed. Pain 8/10 radiating to the left leg.\n"


def _note_blocks(page: str) -> list[str]:
    """The text content of each note block, tags stripped and entities decoded."""
    blocks = re.findall(r'<div class="note"[^>]*>(.*?)</div>', page, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", block)) for block in blocks]


def _assert_self_contained(page: str) -> None:
    lowered = page.lower()
    assert "<script" not in lowered
    assert "<link" not in lowered
    assert "@import" not in lowered
    assert not re.search(r'\b(src|href)\s*=\s*["\']?(https?:)?//', lowered)
    assert "url(http" not in lowered


@pytest.fixture(scope="module")
def note_analysis() -> NoteAnalysis:
    return analyze(NOTE, source="note-1.txt", nlp=get_pipeline())


# --- note page ---------------------------------------------------------------------------


def test_note_page_header_names_source_and_profile(note_analysis: NoteAnalysis) -> None:
    page = render_note_page(note_analysis, {"note-1.txt": NOTE})
    assert "note-1.txt" in page
    assert note_analysis.profile and note_analysis.profile in page
    assert note_analysis.profile_version and note_analysis.profile_version in page


def test_note_page_keeps_escaped_note_text_intact(note_analysis: NoteAnalysis) -> None:
    page = render_note_page(note_analysis, {"note-1.txt": NOTE})
    assert _note_blocks(page) == [NOTE]
    assert "&lt;sitting&gt;" in page and "<sitting>" not in page


@pytest.mark.parametrize("evidence_text", ["fluoroscopy", "Depo-Medrol", "interlaminar"])
def test_note_page_marks_known_evidence(note_analysis: NoteAnalysis, evidence_text: str) -> None:
    page = render_note_page(note_analysis, {"note-1.txt": NOTE})
    assert re.search(r"<mark [^>]*>" + re.escape(evidence_text) + r"</mark>", page)


def test_note_page_labels_marks_with_fact_and_requirement(note_analysis: NoteAnalysis) -> None:
    page = render_note_page(note_analysis, {"note-1.txt": NOTE})
    labels = " ".join(html.unescape(x) for x in re.findall(r'data-label="([^"]*)"', page))
    assert "guidance" in labels and "image_guidance" in labels
    assert "methylprednisolone acetate" in labels


def test_note_page_lists_requirements_codes_and_procedure(note_analysis: NoteAnalysis) -> None:
    page = render_note_page(note_analysis, {"note-1.txt": NOTE})
    for finding in note_analysis.requirements:
        assert f"status-{finding.status}" in page
        assert str(escape(finding.citation.source)) in page
    assert "<code>62323</code>" in page
    assert "Procedure facts" in page and "interlaminar" in page


def test_note_page_is_self_contained(note_analysis: NoteAnalysis) -> None:
    _assert_self_contained(render_note_page(note_analysis, {"note-1.txt": NOTE}))


def test_crossing_and_out_of_range_spans_never_break_the_text() -> None:
    text = "abc <def> & ghi"
    spans = [(0, 7, "a"), (4, 12, "b"), (4, 12, "c"), (5, 6, "d"), (10, 15, "e"), (3, 99, "bad")]
    analysis = NoteAnalysis(
        procedure=Procedure(
            evidence={
                label: [Evidence(start=s, end=e, text=text[s:e], rule="r")] for s, e, label in spans
            }
        )
    )
    page = render_note_page(analysis, {"n": text})
    assert _note_blocks(page) == [text]
    block = re.search(r'<div class="note"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert block.count("<mark") == block.count("</mark>")
    assert "b · c" in block  # identical ranges share one mark with both labels
    assert "1 evidence span(s) fall outside" in page


def test_episode_page_shows_each_document_with_its_evidence() -> None:
    docs = [Document(NOTE, "procedure.txt"), Document(HISTORY, "hp.txt", "history")]
    analysis = analyze_episode(docs, nlp=get_pipeline())
    page = render_note_page(analysis, {d.name: d.text for d in docs})
    assert _note_blocks(page) == [NOTE, HISTORY]


# --- aggregate ---------------------------------------------------------------------------

_CITE = Citation(source="Test policy", section="s1")


def _record(
    rid: str,
    provider: str,
    site: str | None,
    payer: str | None,
    day: str | None,
    billed: str | None,
    complete: bool,
    codes: list[str],
    statuses: dict[str, str],
) -> dict:
    findings = [
        Finding(
            id=req,
            title=req.title(),
            status=status,
            severity="error",
            message=f"{req} {status}",
            citation=_CITE,
            profile="cpt-62323",
        )
        for req, status in statuses.items()
    ]
    analysis = NoteAnalysis(
        profile="cpt-62323",
        profile_version="t",
        requirements=findings,
        complete=complete,
        billing=Billing(suggested_codes=codes, supports_62323="62323" in codes),
    )
    return {
        "id": rid,
        "analysis": analysis.model_dump(),
        "provider": provider,
        "site": site,
        "payer": payer,
        "date_of_service": day,
        "billed_cpt": billed,
        "report_url": f"notes/{rid}.html",
    }


FIXTURE = [
    _record(
        "r1",
        "A",
        "North",
        "medicare",
        "2026-01-10",
        "62323",
        True,
        ["62323"],
        {"consent": "met", "imaging": "met", "prior_response": "not_applicable"},
    ),
    _record(
        "r2",
        "A",
        "South",
        "medicare",
        "2026-01-20",
        "62323",
        False,
        ["62323"],
        {"consent": "missing", "imaging": "met", "prior_response": "not_applicable"},
    ),
    _record(
        "r3",
        "B",
        "North",
        "aetna",
        "2026-02-05",
        "62323",
        False,
        ["62321"],
        {"consent": "missing", "imaging": "not_applicable", "prior_response": "missing"},
    ),
    _record(
        "r4",
        "B",
        "North",
        "aetna",
        "2026-02-25",
        "62321",
        True,
        ["62323"],
        {"consent": "met", "imaging": "met", "prior_response": "met"},
    ),
    _record(
        "r5",
        "C",
        None,
        None,
        "2026-03-03",
        None,
        False,
        [],
        {"consent": "met", "imaging": "missing"},
    ),
]


@pytest.fixture()
def records() -> list[Record]:
    return [Record.from_dict(row) for row in FIXTURE]


def _rows(rows: list[dict]) -> dict[str, tuple]:
    return {r["key"]: (r["n"], r["share_complete"], r["share_supports_62323"]) for r in rows}


def test_overall_shares(records: list[Record]) -> None:
    report = build_report(records)
    assert (report.n_notes, report.share_complete, report.share_supports_62323) == (5, 0.4, 0.6)


def test_completeness_rate_per_requirement(records: list[Record]) -> None:
    rates = {r["id"]: (r["n"], r["completeness_rate"]) for r in build_report(records).requirements}
    assert rates == {"consent": (5, 0.6), "imaging": (5, 0.8), "prior_response": (4, 0.75)}


def test_top_deficiencies_ranked_with_examples(records: list[Record]) -> None:
    top = build_report(records).top_deficiencies
    assert [(d["id"], d["count"]) for d in top] == [
        ("consent", 2),
        ("imaging", 1),
        ("prior_response", 1),
    ]
    assert [e["id"] for e in top[0]["examples"]] == ["r2", "r3"]


def test_code_mismatches_are_billed_codes_not_suggested(records: list[Record]) -> None:
    mismatches = build_report(records).code_mismatches
    assert [(m["id"], m["billed_cpt"]) for m in mismatches] == [("r3", "62323"), ("r4", "62321")]


def test_breakdowns_by_provider_site_payer_month(records: list[Record]) -> None:
    b = build_report(records).breakdowns
    assert _rows(b["provider"]) == {"A": (2, 0.5, 1.0), "B": (2, 0.5, 0.5), "C": (1, 0.0, 0.0)}
    assert _rows(b["site"]) == {
        "North": (3, 0.6667, 0.6667),
        "South": (1, 0.0, 1.0),
        "(unknown)": (1, 0.0, 0.0),
    }
    assert _rows(b["payer"]) == {
        "aetna": (2, 0.5, 0.5),
        "medicare": (2, 0.5, 1.0),
        "(unknown)": (1, 0.0, 0.0),
    }
    assert _rows(b["month"]) == {
        "2026-01": (2, 0.5, 1.0),
        "2026-02": (2, 0.5, 0.5),
        "2026-03": (1, 0.0, 0.0),
    }


def test_date_filter_is_inclusive(records: list[Record]) -> None:
    kept = filter_by_date(records, "2026-01-20", "2026-02-25")
    assert [r.record_id for r in kept] == ["r2", "r3", "r4"]


def test_csv_has_overall_breakdown_and_requirement_rows(records: list[Record]) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(build_report(records, ["provider"])))))
    assert rows[0]["kind"] == "overall" and rows[0]["share_complete"] == "0.4"
    assert [r["key"] for r in rows if r["kind"] == "breakdown"] == ["A", "B", "C"]
    req = {r["key"]: r["completeness_rate"] for r in rows if r["kind"] == "requirement"}
    assert req == {"consent": "0.6", "imaging": "0.8", "prior_response": "0.75"}


def test_html_report_has_inline_charts_and_note_links(records: list[Record]) -> None:
    page = to_html(build_report(records), records)
    assert page.count("<svg") == 2  # completeness bars and the monthly trend
    assert 'href="notes/r3.html"' in page
    _assert_self_contained(page)


def test_html_report_drops_unsafe_note_links() -> None:
    row = dict(FIXTURE[1], report_url="javascript:alert(1)")
    page = to_html(build_report([Record.from_dict(row)]), [Record.from_dict(row)])
    assert "javascript:" not in page


# --- CLI ---------------------------------------------------------------------------------


@pytest.fixture()
def analyses_file(tmp_path: Path) -> Path:
    path = tmp_path / "analyses.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in FIXTURE) + "\n", encoding="utf-8")
    return path


def _run(*args: str):
    import api.cli_report  # noqa: F401  (registers the command on the shared app)
    from api.cli import app

    return CliRunner().invoke(app, ["report", *args])


@pytest.mark.parametrize("fmt", ["html", "json", "csv"])
def test_cli_writes_each_format(analyses_file: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    result = _run("--analyses", str(analyses_file), "--format", fmt, "--out", str(out))
    assert result.exit_code == 0, result.output
    body = out.read_text(encoding="utf-8")
    if fmt == "json":
        assert json.loads(body)["n_notes"] == 5
    elif fmt == "csv":
        assert body.startswith("kind,dimension,key,n,")
    else:
        assert body.startswith("<!DOCTYPE html>") and "<svg" in body


def test_cli_filters_dates_and_breakdown(analyses_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = _run(
        "--analyses",
        str(analyses_file),
        "--from",
        "2026-02-01",
        "--to",
        "2026-02-28",
        "--by",
        "payer",
        "--format",
        "json",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["n_notes"] == 2 and list(data["breakdowns"]) == ["payer"]


def test_cli_bad_line_is_a_coded_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(FIXTURE[0]) + "\nnot json\n", encoding="utf-8")
    result = _run("--analyses", str(path), "--out", str(tmp_path / "x.html"))
    assert result.exit_code == 2
    assert "[E014]" in result.output and "line 2" in result.output


# --- rendering in a real browser ---------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
def test_pages_render_in_headless_chromium(
    note_analysis: NoteAnalysis, records: list[Record], tmp_path: Path
) -> None:
    pages = {
        "note": render_note_page(note_analysis, {"note-1.txt": NOTE}),
        "report": to_html(build_report(records), records),
    }
    for name, page in pages.items():
        source, shot = tmp_path / f"{name}.html", tmp_path / f"{name}.png"
        source.write_text(page, encoding="utf-8")
        subprocess.run(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--screenshot={shot}",
                "--window-size=1200,1600",
                source.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        assert shot.stat().st_size > 1000

"""`esicheck corpus generate` and `esicheck bench`: files, gold shape, determinism, result keys.

No timing assertions: CI machines vary; the smoke run only checks the report is complete.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import api.cli_bench  # noqa: F401  (registers `bench`)
import api.cli_generate  # noqa: F401  (registers `corpus generate`)
from api.cli import app
from api.generate import generate_notes

runner = CliRunner()
GOLD_KEYS = {
    "note_id",
    "style",
    "covers",
    "procedure",
    "medications",
    "consent",
    "pain_scores",
    "diagnosis_categories",
    "conservative_care",
    "imaging_correlation",
    "post_procedure",
    "prior_injection",
    "billing",
}
PROCEDURE_KEYS = {
    "is_epidural_injection",
    "procedure_type",
    "region",
    "approach",
    "levels",
    "laterality",
    "guidance",
    "contrast",
    "catheter",
    "neurolytic",
    "stated_codes",
}


def _generate(out: Path, n: int = 5, seed: int = 7) -> None:
    result = runner.invoke(
        app, ["corpus", "generate", "--n", str(n), "--seed", str(seed), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output


def test_generate_writes_n_notes_and_gold(tmp_path: Path) -> None:
    _generate(tmp_path, n=5)
    notes = sorted((tmp_path / "notes" / "gen").glob("*.txt"))
    golds = sorted((tmp_path / "gold").glob("*.json"))
    assert [p.name for p in notes] == [f"gen-{i:05d}.txt" for i in range(1, 6)]
    assert [p.stem for p in golds] == [p.stem for p in notes]


def test_generated_gold_has_the_guide_shape(tmp_path: Path) -> None:
    _generate(tmp_path, n=5)
    for path in (tmp_path / "gold").glob("*.json"):
        gold = json.loads(path.read_text(encoding="utf-8"))
        assert GOLD_KEYS <= gold.keys()
        assert PROCEDURE_KEYS <= gold["procedure"].keys()
        assert gold["note_id"] == path.stem
        assert {"suggested_codes", "supports_62323"} <= gold["billing"].keys()
        assert {"documented", "risks_benefits_alternatives", "form"} <= gold["consent"].keys()
        steroids = [m for m in gold["medications"] if m["role"] == "steroid"]
        assert steroids
        assert all({"name", "route", "dose", "volume_ml"} <= m.keys() for m in steroids)


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    _generate(tmp_path / "a", seed=11)
    _generate(tmp_path / "b", seed=11)
    _generate(tmp_path / "c", seed=12)
    read = lambda d: [p.read_bytes() for p in sorted((d / "notes" / "gen").glob("*.txt"))]  # noqa: E731
    assert read(tmp_path / "a") == read(tmp_path / "b")
    assert read(tmp_path / "a") != read(tmp_path / "c")


def test_generated_notes_vary_and_have_realistic_length() -> None:
    notes = generate_notes(60, seed=1)
    words = [len(text.split()) for _, text, _ in notes]
    assert min(words) >= 150 and max(words) <= 650
    golds = [gold for _, _, gold in notes]
    assert len({g["style"] for g in golds}) >= 3
    assert len({g["procedure"]["approach"] for g in golds}) == 3
    assert {True, False} == {g["consent"]["documented"] for g in golds}


@pytest.mark.parametrize("fmt", ["json"])
def test_bench_smoke_reports_every_measure(tmp_path: Path, fmt: str) -> None:
    _generate(tmp_path, n=5)
    out = tmp_path / "results.json"
    result = runner.invoke(
        app,
        [
            "bench",
            "--notes",
            str(tmp_path / "notes"),
            "--repeat",
            "1",
            "--n-process",
            "1",
            "--latency-runs",
            "3",
            "--format",
            fmt,
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["notes"]["count"] == 5 and data["notes"]["tokens"] > 0
    for key in ("tokenizer", "medspacy_default", "esicheck_analyze"):
        assert data[key]["notes_per_s"] > 0 and data[key]["tokens_per_s"] > 0
    # The baseline is medspaCy's whole default rule pipeline, sectionizer included.
    assert data["medspacy_default"]["pipes"] == [
        "medspacy_pyrush", "medspacy_target_matcher", "medspacy_context", "medspacy_sectionizer"
    ]
    assert all(value > 0 for value in data["ratios"].values())
    assert all(
        data["build"][k] > 0 for k in ("import_s", "build_s", "import_plus_build_s", "peak_rss_mb")
    )
    assert data["latency"]["p50_ms"] > 0 and data["latency"]["p99_ms"] >= data["latency"]["p50_ms"]
    assert data["memory"]["peak_rss_mb"] > 0
    assert data["multiprocess"] is None


def test_bench_rejects_a_missing_notes_folder(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["bench", "--notes", str(tmp_path / "nope"), "--out", str(tmp_path / "r.json")]
    )
    assert result.exit_code == 2
    assert not (tmp_path / "r.json").exists()

"""The CLI reads like a linter, emits JSON Lines, and survives bad files."""

import json

from typer.testing import CliRunner

from api.cli import _register_modules, app
from tests.test_requirements import COMPLETE

runner = CliRunner()
_register_modules()


def test_json_lines_per_note(tmp_path):
    (tmp_path / "a.txt").write_text(COMPLETE)
    (tmp_path / "b.txt").write_text(COMPLETE.replace("under fluoroscopy.", "."))
    result = runner.invoke(app, ["analyze", str(tmp_path), "--format", "json", "--no-fail"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert [line["source"] for line in lines] == [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    assert lines[0]["complete"] is True


def test_linter_output_and_exit_code(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text(
        COMPLETE.replace(
            "CONSENT: Risks, benefits and alternatives discussed; written consent signed.\n", ""
        )
    )
    result = runner.invoke(app, ["analyze", str(path)])
    assert result.exit_code == 1
    assert "consent" in result.stdout and "missing" in result.stdout


def test_bad_files_get_coded_errors_and_others_still_run(tmp_path):
    (tmp_path / "empty.txt").write_text("   \n")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "latin.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "good.txt").write_text(COMPLETE)
    result = runner.invoke(app, ["analyze", str(tmp_path), "--format", "json"])
    assert result.exit_code == 2
    assert "E001" in result.stderr and "E004" in result.stderr and "E003" in result.stderr
    assert json.loads(result.stdout.strip())["source"].endswith("good.txt")
    assert "caf" not in result.stderr  # errors name the field, never the content


def test_episode_mode(tmp_path):
    proc = tmp_path / "proc.txt"
    hp = tmp_path / "hp.txt"
    proc.write_text(
        COMPLETE.replace(
            "HISTORY: Failed 8 weeks of physical therapy and NSAIDs. "
            "MRI shows L4-5 disc protrusion.\n",
            "",
        )
    )
    hp.write_text("HISTORY: Failed 10 weeks of physical therapy. MRI shows L4-5 disc protrusion.")
    result = runner.invoke(app, ["analyze", "--episode", str(proc), str(hp), "--format", "json"])
    data = json.loads(result.stdout)
    assert data["documents"] == [str(proc), str(hp)]
    assert data["complete"] is True


def test_eval_reports_fields_and_confusion(tmp_path):
    result = runner.invoke(app, ["eval", "corpus", "--split", "dev", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["notes"] >= 80 and "procedure.guidance" in data["fields"]
    assert set(data["supports_62323"]) >= {"tp", "fp", "fn", "tn"}

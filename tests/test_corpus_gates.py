"""Accuracy gates on the held-out test split (no tuning to individual test notes).

The corpus issue's targets: F1 0.95 on every procedure field, 0.95 medication name+dose,
0.95 requirement agreement, 0.97 code suggestion and 1.0 supports_62323 (no wrong billing
decision). Every gate below is the target itself.
"""

from pathlib import Path

import pytest

from api.evaluate import evaluate

ROOT = Path(__file__).resolve().parent.parent / "corpus"
PROCEDURE_TARGET = 0.95


@pytest.fixture(scope="module")
def result():
    return evaluate(ROOT, "test").to_dict()


def test_corpus_size():
    notes = list((ROOT / "notes" / "dev").glob("*.txt"))
    notes += list((ROOT / "notes" / "test").glob("*.txt"))
    episodes = [p for p in (ROOT / "episodes").glob("*/*") if p.is_dir()]
    assert len(notes) >= 150 and len(episodes) >= 15


@pytest.mark.parametrize(
    "field",
    [
        "procedure.is_epidural_injection",
        "procedure.procedure_type",
        "procedure.region",
        "procedure.approach",
        "procedure.levels",
        "procedure.laterality",
        "procedure.guidance",
        "procedure.contrast.status",
        "procedure.contrast.reason",
        "procedure.catheter",
        "procedure.neurolytic",
        "procedure.stated_codes",
    ],
)
def test_procedure_field_f1(result, field):
    assert result["fields"][field]["f1"] >= PROCEDURE_TARGET


def test_medication_name_and_dose_f1(result):
    assert result["fields"]["medications.name_dose"]["f1"] >= 0.95


def test_requirement_agreement(result):
    assert result["requirement_agreement"] >= 0.95


def test_code_suggestion_accuracy(result):
    assert result["code_accuracy"] >= 0.97


def test_supports_62323_has_no_wrong_billing_decision(result):
    confusion = result["supports_62323"]
    assert (confusion["fp"], confusion["fn"]) == (0, 0)

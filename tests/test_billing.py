"""Code suggestion branches, modifiers and alerts."""

import pytest

from nlp.checks import apply_requirements
from nlp.models import Dose, Medication, NoteAnalysis, Procedure


def billed(**procedure):
    analysis = NoteAnalysis(
        procedure=Procedure(
            is_epidural_injection=True, procedure_type="epidural_steroid_injection", **procedure
        )
    )
    return apply_requirements(analysis).billing


@pytest.mark.parametrize(
    ("procedure", "codes", "supports"),
    [
        (
            {"region": "lumbar", "approach": "interlaminar", "guidance": "fluoroscopy"},
            ["62323"],
            True,
        ),
        ({"region": "sacral", "approach": "caudal", "guidance": "ct"}, ["62323"], True),
        ({"region": "lumbar", "approach": "interlaminar", "guidance": "none"}, ["62322"], False),
        ({"region": "lumbar", "approach": "caudal", "guidance": "ultrasound"}, ["62322"], False),
        (
            {"region": "cervical", "approach": "interlaminar", "guidance": "fluoroscopy"},
            ["62321"],
            False,
        ),
        ({"region": "thoracic", "approach": "interlaminar", "guidance": None}, ["62320"], False),
        (
            {
                "region": "lumbar",
                "approach": "transforaminal",
                "guidance": "fluoroscopy",
                "levels": ["L4", "L5"],
            },
            ["64483", "64484"],
            False,
        ),
        (
            {
                "region": "cervical",
                "approach": "transforaminal",
                "guidance": "fluoroscopy",
                "levels": ["C6"],
            },
            ["64479"],
            False,
        ),
        (
            {
                "region": "thoracic",
                "approach": "transforaminal",
                "guidance": "fluoroscopy",
                "levels": ["T12-L1"],
            },
            ["64479"],
            False,
        ),
        (
            {
                "region": "lumbar",
                "approach": "interlaminar",
                "guidance": "fluoroscopy",
                "catheter": True,
                "catheter_indwelling": True,
            },
            ["62327"],
            False,
        ),
        (
            {
                "region": "lumbar",
                "approach": "interlaminar",
                "guidance": "fluoroscopy",
                "neurolytic": True,
            },
            ["62282"],
            False,
        ),
    ],
)
def test_code_suggestion(procedure, codes, supports):
    result = billed(**procedure)
    assert result.suggested_codes == codes
    assert result.supports_62323 is supports


def test_kx_for_diagnostic_nerve_root_block_and_50_only_for_transforaminal():
    tf = billed(
        region="lumbar",
        approach="transforaminal",
        guidance="fluoroscopy",
        levels=["L5"],
        laterality="bilateral",
        diagnostic_nerve_block=True,
    )
    assert tf.modifiers == ["KX", "50"]
    il = billed(
        region="lumbar", approach="interlaminar", guidance="fluoroscopy", laterality="bilateral"
    )
    assert "50" not in il.modifiers
    assert any(a.id == "bilateral_interlaminar" for a in il.alerts)


def test_billed_code_mismatch_and_ultrasound_alerts():
    analysis = NoteAnalysis(
        procedure=Procedure(
            is_epidural_injection=True,
            procedure_type="epidural_steroid_injection",
            region="lumbar",
            approach="caudal",
            guidance="ultrasound",
        )
    )
    result = apply_requirements(analysis, billed_cpt="62323").billing
    ids = {a.id for a in result.alerts}
    assert {"billed_code_mismatch", "ultrasound_guidance"} <= ids


def test_steroid_ceiling_is_a_warning_and_sedation_needs_a_reason():
    analysis = NoteAnalysis(
        procedure=Procedure(
            is_epidural_injection=True,
            procedure_type="epidural_steroid_injection",
            region="lumbar",
            approach="interlaminar",
            guidance="fluoroscopy",
            sedation=True,
        ),
        medications=[
            Medication(
                name="triamcinolone acetonide",
                role="steroid",
                route="epidural",
                dose=Dose(value=120, unit="mg"),
                as_written="Kenalog",
            )
        ],
    )
    alerts = {a.id: a for a in apply_requirements(analysis).billing.alerts}
    assert alerts["steroid_dose_ceiling"].severity == "warning"
    assert "unconfirmed" in alerts["steroid_dose_ceiling"].message
    assert "sedation_without_reason" in alerts

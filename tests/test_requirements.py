"""Each requirement in both directions, exceptions, frequency window edges, episodes."""

from datetime import date

import pytest

from nlp import Document, analyze_episode
from nlp.checks import apply_requirements, sessions_in_window
from nlp.models import NoteAnalysis, PriorSession
from nlp.profiles import all_profiles, resolve

COMPLETE = """PROCEDURE: Left L4-5 interlaminar epidural steroid injection under fluoroscopy.
DIAGNOSIS: Left L5 lumbar radiculopathy.
HISTORY: Failed 8 weeks of physical therapy and NSAIDs. MRI shows L4-5 disc protrusion.
Pre-procedure pain 7/10.
CONSENT: Risks, benefits and alternatives discussed; written consent signed.
DESCRIPTION: Under fluoroscopic guidance a Tuohy needle entered the L4-5 epidural space by loss
of resistance via a left paramedian approach. Omnipaque 2 mL showed epidural spread.
Depo-Medrol 80 mg with 2 mL preservative-free saline was injected.
POST-PROCEDURE: Tolerated well, no complications. Post-procedure pain 2/10. Discharged home.
"""

STABLE_IDS = [
    "diagnosis",
    "conservative_care",
    "imaging_correlation",
    "pain_assessment",
    "procedure_site",
    "approach",
    "laterality",
    "image_guidance",
    "contrast",
    "medications",
    "consent",
    "post_procedure",
    "prior_response",
    "single_level",
    "unilateral",
    "no_neurolytic",
    "frequency_limit",
]


def statuses(analysis: NoteAnalysis) -> dict[str, str]:
    return {f.id: f.status for f in analysis.requirements}


def test_requirement_ids_snapshot():
    assert [r.id for r in resolve("cpt-62323").requirements] == STABLE_IDS
    noridian = [r.id for r in resolve(payer="noridian").requirements]
    assert noridian[: len(STABLE_IDS)] == STABLE_IDS
    assert {"pain_same_scale", "sedation_justified", "approved_injectate"} <= set(noridian)


def test_sister_medicare_policies_are_data():
    lcds = {p.payer.lcd for p in all_profiles().values() if p.payer}
    assert {"L39240", "L39015", "L36920", "L39054", "L33906"} <= lcds


def test_complete_note_meets_everything(run):
    analysis = run(COMPLETE)
    got = statuses(analysis)
    assert all(got[i] in ("met", "not_applicable") for i in STABLE_IDS), got
    assert analysis.complete and analysis.billing.suggested_codes == ["62323"]
    assert analysis.billing.supports_62323
    assert analysis.profile_version


@pytest.mark.parametrize(
    ("old", "new", "req", "status"),
    [
        ("Left L5 lumbar radiculopathy.", "Axial low back pain.", "diagnosis", "not_met"),
        ("DIAGNOSIS: Left L5 lumbar radiculopathy.\n", "", "diagnosis", "missing"),
        (
            "MRI shows L4-5 disc protrusion.",
            "MRI reviewed: findings correlate at L4-5.",
            "imaging_correlation",
            "met",
        ),
        (
            "Failed 8 weeks of physical therapy",
            "Failed 2 weeks of physical therapy",
            "conservative_care",
            "not_met",
        ),
        ("Failed 8 weeks of physical therapy and NSAIDs. ", "", "conservative_care", "missing"),
        ("MRI shows L4-5 disc protrusion.", "", "imaging_correlation", "missing"),
        ("Pre-procedure pain 7/10.\n", "", "pain_assessment", "not_met"),
        ("Under fluoroscopic guidance", "Under ultrasound guidance", "image_guidance", "not_met"),
        ("Omnipaque 2 mL showed epidural spread.", "No contrast was used.", "contrast", "not_met"),
        (
            "Omnipaque 2 mL showed epidural spread.",
            "No contrast was used due to iodine allergy.",
            "contrast",
            "met",
        ),
        ("Depo-Medrol 80 mg with", "Depo-Medrol with", "medications", "not_met"),
        (
            "CONSENT: Risks, benefits and alternatives discussed; written consent signed.\n",
            "",
            "consent",
            "missing",
        ),
        ("Left L4-5 interlaminar", "Bilateral L4-5 interlaminar", "unilateral", "not_met"),
        (
            "Depo-Medrol 80 mg with",
            "phenol 6% 3 mL and Depo-Medrol 80 mg with",
            "no_neurolytic",
            "not_met",
        ),
    ],
)
def test_requirement_directions(run, old, new, req, status):
    base = COMPLETE.replace(
        "MRI shows L4-5 disc protrusion.", "MRI reviewed: findings correlate at L4-5."
    )
    if req == "image_guidance":
        base = base.replace("under fluoroscopy.", ".")
    if old not in base:
        base = COMPLETE
    assert old in base
    assert statuses(run(base.replace(old, new)))[req] == status


def test_post_procedure_missing(run):
    text = COMPLETE.split("POST-PROCEDURE")[0]
    assert statuses(run(text))["post_procedure"] == "missing"


def test_two_levels_fail_single_level(run):
    text = COMPLETE.replace(
        "entered the L4-5 epidural space", "entered the L4-5 and L5-S1 epidural spaces"
    )
    analysis = run(text)
    assert statuses(analysis)["single_level"] == "not_met"
    assert any(a.id == "multi_level" for a in analysis.billing.alerts)


def test_zoster_waives_conservative_care(run):
    text = COMPLETE.replace("Left L5 lumbar radiculopathy.", "Acute herpes zoster, L5 dermatome.")
    text = text.replace("Failed 8 weeks of physical therapy and NSAIDs. ", "")
    assert statuses(run(text))["conservative_care"] == "not_applicable"


def test_prior_response_only_for_repeats(run):
    assert statuses(run(COMPLETE))["prior_response"] == "not_applicable"
    repeat = COMPLETE.replace("HISTORY:", "HISTORY: Prior L4-5 ESI gave 70% relief for 4 months.")
    assert statuses(run(repeat))["prior_response"] == "met"
    unknown = COMPLETE.replace("HISTORY:", "HISTORY: This is a repeat injection.")
    assert statuses(run(unknown))["prior_response"] == "missing"


def test_medicare_overlay_sharpens_prior_response(run):
    low = COMPLETE.replace("HISTORY:", "HISTORY: Prior L4-5 ESI gave 30% relief for 4 months.")
    assert statuses(run(low))["prior_response"] == "met"
    assert statuses(run(low, payer="L39240"))["prior_response"] == "not_met"


def test_not_an_epidural_gates_requirements(run):
    analysis = run(
        "PROCEDURE: Epidural blood patch at L3-4 under fluoroscopy.\n"
        "DESCRIPTION: 15 mL autologous blood injected."
    )
    got = statuses(analysis)
    assert got["approach"] == "not_met"
    assert all(v == "not_applicable" for k, v in got.items() if k != "approach")
    assert analysis.billing.related_code == "62273" and not analysis.billing.suggested_codes


def _history(*days, cpt="62323", region="lumbar_sacral"):
    return [PriorSession(date_of_service=d, cpt=cpt, region=region) for d in days]


@pytest.mark.parametrize(
    ("prior", "status"),
    [
        (["2025-03-01", "2025-06-01", "2025-09-01"], "met"),  # 4th session
        (["2025-01-10", "2025-03-01", "2025-06-01", "2025-09-01"], "not_met"),  # 5th session
        (["2024-12-01", "2025-03-01", "2025-06-01", "2025-09-01"], "met"),  # exactly 12 months
    ],
)
def test_frequency_limit_window(run, prior, status):
    analysis = run(COMPLETE, history=_history(*prior), date_of_service="2025-12-01")
    assert statuses(analysis)["frequency_limit"] == status


def test_frequency_counts_regions_separately():
    history = _history(
        "2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01", region="cervical_thoracic"
    )
    assert sessions_in_window(history, "lumbar_sacral", date(2025, 6, 1)) == []
    assert len(sessions_in_window(history, "cervical_thoracic", date(2025, 6, 1))) == 4


def test_frequency_not_applicable_without_history(run):
    assert statuses(run(COMPLETE))["frequency_limit"] == "not_applicable"


@pytest.mark.parametrize(
    ("line", "sessions", "status"),
    [
        ("We discussed that this is her fifth lumbar ESI in 12 months.", 5, "not_met"),
        ("Two injections in the past 12 months; today is the third.", 3, "met"),
        ("She has had two epidural injections in the past 12 months.", 3, "met"),
        ("No ESI in the prior 12 months.", 1, "met"),
        ("PLAN: f/u 6 weeks. Third session this year; no more than 4 in 12 months.", 3, "met"),
        ("Epidural injections in last 12 months: 4 (today = 5th)", 5, "not_met"),
        ("This will be her second epidural steroid injection in the past 12 months.", 2, "met"),
        ("Prior ESI: none in past 12 mo", 1, "met"),
        ("| ESIs in last 12 months                | 0 prior (today = #1)       |", 1, "met"),
        ("If she returns, that will be her fifth ESI in 12 months.", None, "not_applicable"),
        # A payer limit in a checklist or a plan is not a count of this patient's sessions.
        ("Criteria: [ ] <= 4 injections in 12 months", None, "not_applicable"),
        ("A fifth injection in 12 months would need peer review.", None, "not_applicable"),
    ],
)
def test_frequency_from_a_count_the_note_states(run, line, sessions, status):
    analysis = run(COMPLETE.replace("Pre-procedure", line + "\nPre-procedure"))
    assert analysis.prior_injection.sessions_in_12_months == sessions
    finding = next(f for f in analysis.requirements if f.id == "frequency_limit")
    assert finding.status == status
    if sessions is not None:
        assert finding.evidence and finding.evidence[0].rule == "prior.sessions_12_months"


def test_a_session_history_given_outranks_the_count_in_the_note(run):
    text = COMPLETE.replace("Pre-procedure", "This is her fifth ESI in 12 months.\nPre-procedure")
    analysis = run(text, history=_history("2025-09-01"), date_of_service="2025-12-01")
    assert statuses(analysis)["frequency_limit"] == "met"


def test_episode_evidence_names_its_document(nlp):
    procedure = COMPLETE.replace(
        "HISTORY: Failed 8 weeks of physical therapy and NSAIDs. MRI shows L4-5 disc protrusion.\n",
        "",
    )
    hp = "HISTORY: Failed 10 weeks of physical therapy. MRI shows L4-5 disc protrusion.\n"
    analysis = analyze_episode(
        [Document(procedure, "proc.txt"), Document(hp, "hp.txt", "h_and_p")], nlp=nlp
    )
    found = {f.id: f for f in analysis.requirements}
    assert found["conservative_care"].status == "met"
    assert found["conservative_care"].evidence[0].document == "hp.txt"
    assert found["imaging_correlation"].status == "met"


def test_findings_explain_absence_and_offer_a_query(run):
    finding = next(
        f
        for f in run(
            COMPLETE.replace("under fluoroscopy.", ".").replace(
                "Under fluoroscopic guidance a", "A"
            )
        ).requirements
        if f.id == "image_guidance"
    )
    assert finding.status == "missing"
    assert finding.looked_for and "fluoroscopy" in finding.looked_for
    assert finding.query and finding.citation.source


def test_apply_requirements_recomputes_on_facts(run):
    analysis = run(COMPLETE)
    analysis.procedure.guidance = "none"
    redone = apply_requirements(analysis)
    assert statuses(redone)["image_guidance"] == "not_met"
    assert redone.billing.suggested_codes == ["62322"]

"""Procedure facts come from what was done today, with negation, history and plans handled."""

import pytest

BASE = "PROCEDURE: {title}\nHISTORY: {history}\nDESCRIPTION: {body}\nPLAN: {plan}\n"


def note(
    title="Lumbar interlaminar epidural steroid injection at L4-5.",
    history="Chronic low back and leg pain.",
    body="Under fluoroscopic guidance a Tuohy needle entered the L4-5 epidural space by loss "
    "of resistance. Omnipaque 2 mL confirmed epidural spread. Depo-Medrol 80 mg was "
    "injected.",
    plan="Follow up in 4 weeks.",
):
    return BASE.format(title=title, history=history, body=body, plan=plan)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Under fluoroscopic guidance the needle was placed.", "fluoroscopy"),
        ("Using C-arm fluoro, AP and lateral views were obtained.", "fluoroscopy"),
        # British usage: the image intensifier ("II") and "screening".
        ("The sacral hiatus was identified under II.", "fluoroscopy"),
        ("Tuohy advanced under AP and lateral screening, LOR to saline.", "fluoroscopy"),
        ("CT-guided placement of the needle was performed.", "ct"),
        ("Ultrasound-guided caudal needle placement.", "ultrasound"),
        ("The injection was done without fluoroscopy using a landmark technique.", "none"),
        ("No fluoroscopy was used.", "none"),
        ("Prone on the CT gantry; under intermittent CT fluroscopy the needle was placed.", "ct"),
        ("Fluoroscopy was not used; the interspace was palpated.", "none"),
        ("The C-arm was unavailable today, so a landmark technique was used.", "none"),
        ("Fluoro unavailable, done by palpation.", "none"),
        ("L5-S1 found by landmarks, no X-ray available. 18g Tuohy midline, LOR.", "none"),
        ("The sacral hiatus was entered under live X-ray.", "fluoroscopy"),
        ("The needle was placed at L4-5 and the drug injected.", None),
        # Dictation errors for "fluoroscopy".
        ("Under floral scopy the interspace was identified.", "fluoroscopy"),
        ("Using floroscopic AP view the needle was advanced.", "fluoroscopy"),
        # Named without being used: a blank field, a declined or unavailable machine.
        ("Fluoro time: ____ sec. Landmark technique; needle placed by palpation.", "none"),
        ("Patient declines travel for a fluoro-guided procedure. Landmark technique used.",
         "none"),
        ("C-arm down for service today; pt wishes to proceed with ultrasound guidance.",
         "ultrasound"),
        ("Unable to be transported to the fluoroscopy suite, so done at the bedside without "
         "fluoroscopy.", "none"),
        ("Alternatives incl. fluoro-guided ESI elsewhere. Blind technique at the bedside.",
         "none"),
        ("Because of body habitus ultrasound guidance was used rather than fluoroscopy.",
         "ultrasound"),
    ],
)
def test_guidance(run, body, expected):
    assert run(note(body=body)).procedure.guidance == expected


def test_negation_after_the_term_does_not_negate_a_later_sedative(run):
    """A trailing "[ ] None" checkbox must not undo the sedatives listed before it."""
    analysis = run(note(body="Sedation:: [x] IV - midazolam 2 mg, fentanyl 50 mcg   [ ] None\n"
                        "Tuohy needle at L4-5, loss of resistance. Depo-Medrol 80 mg injected."))
    names = {m.name for m in analysis.medications}
    assert {"midazolam", "fentanyl"} <= names


@pytest.mark.parametrize("gap", ["\n\n", "\n"])
def test_unheaded_procedure_work_after_an_indication_field_is_todays(run, gap):
    """Terse notes often go straight from "Indication: ..." to the work with no header."""
    text = (
        "Procedure: Lumbar interlaminar ESI L5-S1\n"
        "Indication: 58 yo F with left leg pain despite 8 weeks of PT. MRI L5-S1 protrusion."
        f"{gap}Prepped and draped in the usual sterile fashion. Under fluoroscopy a 20 g Tuohy "
        "needle was advanced at L5-S1 with loss of resistance. Omnipaque 2 mL showed epidural "
        "spread. Injected Depo-Medrol 80 mg with 3 mL saline.\nTolerated well.\n"
    )
    analysis = run(text)
    assert analysis.procedure.guidance == "fluoroscopy"
    assert analysis.procedure.contrast.status == "used"
    assert "methylprednisolone acetate" in {m.name for m in analysis.medications}


def test_history_paragraph_mentioning_a_past_technique_stays_background(run):
    text = (
        "Procedure: Lumbar interlaminar ESI L4-5\n"
        "HISTORY: Chronic leg pain.\n\nPrevious ESI under fluoroscopy with a Tuohy needle and "
        "loss of resistance gave 70% relief.\n\n"
        "PROCEDURE: Needle placed at L4-5 by palpation; Depo-Medrol 80 mg injected.\n"
    )
    # The past fluoroscopy is not today's; today's needle went in by palpation.
    assert run(text).procedure.guidance == "none"


def test_guidance_in_history_or_plan_is_not_todays(run):
    analysis = run(
        note(
            history="Prior ESI under ultrasound guidance elsewhere.",
            body="The needle was placed at L4-5 and Depo-Medrol 80 mg injected.",
            plan="Will consider CT guidance next time.",
        )
    )
    assert analysis.procedure.guidance is None


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ("Omnipaque 240, 2 mL, showed epidural spread.", "used", None),
        ("No contrast was used.", "not_used", None),
        (
            "Contrast was not given because of a documented iodine allergy.",
            "contraindicated",
            "allergy",
        ),
        (
            "Contrast was withheld as the patient is 14 weeks pregnant.",
            "contraindicated",
            "pregnancy",
        ),
        (
            "No contrast was injected given her CKD stage 4 renal insufficiency.",
            "contraindicated",
            "renal",
        ),
        ("Contrast:: NOT USED - documented iodinated contrast allergy", "contraindicated",
         "allergy"),
        ("Contrast:: Not administered - patient is pregnant", "contraindicated", "pregnancy"),
        ("Epidurography omitted due to IV contrast allergy (anaphylaxis).", "contraindicated",
         "allergy"),
        ("Omnipaque was avoided (allergy).", "contraindicated", "allergy"),
        ("18g tuohy L3/4, LOR saline @ 5cm, no contrast (preg)", "contraindicated", "pregnancy"),
        ("omnipak 240 2 cc w/ good epidural spread.", "used", None),
        ("The needle was placed and Depo-Medrol 80 mg injected.", None, None),
    ],
)
def test_contrast(run, body, status, reason):
    contrast = run(note(body=body)).procedure.contrast
    assert (contrast.status, contrast.reason) == (status, reason)


def test_contrast_in_allergy_list_is_not_use(run):
    text = (
        "ALLERGIES: IV contrast (hives).\nPROCEDURE: L5-S1 interlaminar ESI under fluoroscopy."
        "\nDESCRIPTION: Loss of resistance at L5-S1. No contrast was used. Kenalog 80 mg injected."
    )
    contrast = run(text).procedure.contrast
    assert contrast.status == "contraindicated" and contrast.reason == "allergy"


@pytest.mark.parametrize(
    ("title", "body", "approach"),
    [
        ("Interlaminar ESI at L4-5", "Needle placed.", "interlaminar"),
        ("Caudal epidural steroid injection", "Needle through the sacral hiatus.", "caudal"),
        ("Left L5 transforaminal ESI", "Needle placed in the L5 foramen.", "transforaminal"),
        ("Lumbar ESI", "The L4-5 interspace was entered by loss of resistance.", "interlaminar"),
        (
            "Transforaminal ESI",
            "Interlaminar approach at L4-5 with loss of resistance; "
            "interlaminar epidural space entered.",
            "interlaminar",
        ),
    ],
)
def test_approach_and_body_wins_over_title(run, title, body, approach):
    assert run(note(title=title, body=body)).procedure.approach == approach


NO_LEVEL_BODY = (
    "Under fluoroscopy the epidural space was entered by loss of resistance. "
    "Omnipaque 2 mL. Depo-Medrol 80 mg injected."
)


def test_region_comes_from_today_not_history(run):
    analysis = run(
        note(
            history="s/p C5-6 anterior cervical fusion in 2019. Prior cervical ESI.",
            title="L5-S1 interlaminar epidural steroid injection",
            body=NO_LEVEL_BODY,
        )
    )
    assert analysis.procedure.region == "lumbar"
    assert analysis.procedure.levels == ["L5-S1"]


def test_imaging_levels_are_not_procedure_levels(run):
    analysis = run(
        note(
            history="MRI shows L3-4 and L4-5 disc herniation.",
            title="L5-S1 interlaminar ESI",
            body=NO_LEVEL_BODY,
        )
    )
    assert analysis.procedure.levels == ["L5-S1"]


@pytest.mark.parametrize(
    "sentence",
    [
        "The epidurogram showed a filling defect along the left L5 and S1 roots.",
        "A Racz catheter was steered to the left ventrolateral epidural space at S1.",
        "A catheter was threaded to the left S1 level under fluoroscopy.",
        "Indication: left S1 radiculopathy.",
    ],
)
def test_contrast_findings_catheter_positions_and_diagnoses_are_not_levels(run, sentence):
    text = (
        "PROCEDURE: Caudal epidural steroid injection\n"
        "DESCRIPTION: Under fluoroscopy the needle entered the sacral hiatus. "
        f"{sentence} Kenalog 80 mg injected.\n"
    )
    assert run(text).procedure.levels == []


def test_medial_branch_levels_are_the_nerves_not_the_joints(run):
    analysis = run(
        "PROCEDURE: Diagnostic medial branch block\n"
        "Axial back pain. Dx: facet syndrome, right L4-5 and L5-S1.\n"
        "DESCRIPTION: Under fluoroscopy 22g needles were placed to the right L3 and L4 medial "
        "branches and the right L5 dorsal ramus. Bupivacaine 0.5% 0.5 mL at each target.\n"
    )
    assert sorted(analysis.procedure.levels) == ["L3", "L4", "L5"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("- alcohol prep, no imaging\n- 27g needle, 1% lidocaine 1 mL at each of 4 points", "none"),
        ("No imaging available for review. Tuohy needle at L4-5 by loss of resistance.", None),
    ],
)
def test_no_imaging_means_no_guidance_unless_it_is_about_studies(run, body, expected):
    assert run(note(body=body)).procedure.guidance == expected


def test_contrast_spread_direction_is_not_the_caudal_approach(run):
    analysis = run(note(
        title="Neurolytic lumbar epidural block, L2-L3 midline interlaminar approach",
        body="Tuohy needle at L2-L3 by loss of resistance under fluoroscopy. Omnipaque 3 mL "
        "showed caudal epidural spread toward the sacral segments. Phenol 6% 5 mL injected.",
    ))
    assert (analysis.procedure.approach, analysis.procedure.region) == ("interlaminar", "lumbar")


def test_caudal_is_sacral(run):
    analysis = run(
        note(
            title="Caudal epidural steroid injection",
            body="Under fluoroscopy the needle entered the sacral hiatus. "
            "Omnipaque 3 mL. Kenalog 80 mg injected.",
        )
    )
    assert analysis.procedure.region == "sacral"


@pytest.mark.parametrize(
    ("title", "side"),
    [
        ("Left L5-S1 interlaminar ESI", "left"),
        ("Right paramedian interlaminar ESI at L4-5", "right"),
        ("Bilateral L5 transforaminal ESI", "bilateral"),
        ("L4-5 interlaminar ESI, midline approach", "midline"),
        ("CIESI C6/7 L paramed", "left"),
        ("L4-5 interlaminar ESI", None),
    ],
)
def test_laterality(run, title, side):
    text = note(title=title, history="Left leg pain for 3 months.")
    assert run(text).procedure.laterality == side


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Epidural blood patch at L3-4", "blood_patch"),
        ("Lumbar facet joint injection L4-5 bilateral", "facet"),
        ("Medial branch block L3, L4, L5", "medial_branch"),
        ("Left stellate ganglion block", "sympathetic"),
        ("Right sacroiliac joint injection", "si_joint"),
        ("Trigger point injections", "trigger_point"),
        ("Percutaneous adhesiolysis (Racz)", "adhesiolysis"),
        ("Bilat L4-5 + L5-S1 facet jt inj (IA)", "facet"),
        ("Spinal cord stimulator trial, two leads, through T12-L1 interlaminar epidural access",
         "other"),
    ],
)
def test_non_esi_procedures_are_never_epidural_injections(run, title, kind):
    analysis = run(
        f"PROCEDURE: {title}\nDESCRIPTION: Under fluoroscopy the needle was placed "
        "and Kenalog 40 mg with 0.25% bupivacaine 2 mL injected."
    )
    assert analysis.procedure.procedure_type == kind
    assert analysis.procedure.is_epidural_injection is False
    assert analysis.billing.supports_62323 is False


def test_typed_codes_are_reported_not_evidence(run):
    analysis = run(
        note(
            title="Lumbar transforaminal ESI (CPT 64483)",
            body="Interlaminar approach: loss of resistance at the L4-5 interspace "
            "under fluoroscopy, interlaminar epidural space. Omnipaque 2 mL. "
            "Depo-Medrol 80 mg.",
        )
    )
    assert "64483" in analysis.procedure.stated_codes
    assert analysis.procedure.approach == "interlaminar"


def test_every_evidence_span_matches_the_text(run):
    text = note()
    analysis = run(text)
    spans = [e for ev in analysis.procedure.evidence.values() for e in ev]
    spans += [e for m in analysis.medications for e in m.evidence]
    spans += [e for f in analysis.requirements for e in f.evidence]
    assert spans
    for evidence in spans:
        assert text[evidence.start : evidence.end] == evidence.text


def test_sections_are_recognized(nlp):
    from nlp.facts.view import NoteView

    text = (
        "PRE-PROCEDURE DIAGNOSIS:: lumbar radiculopathy\nALLERGIES: NKDA\n"
        "Consent: signed\nTECHNIQUE\nNeedle placed.\nDISPOSITION: home\n"
    )
    view = NoteView(nlp(text))
    categories = [
        view.section_at(text.index(word)) for word in ("lumbar", "NKDA", "signed", "Needle", "home")
    ]
    assert categories == ["diagnosis", "allergies", "consent", "technique", "post_procedure"]


def test_side_of_a_finding_is_not_the_side_injected(run):
    text = (
        "Office procedure - caudal epidural\n"
        "Sandra, 58, with leg pain (MRI: moderate central and bilateral foraminal stenosis at "
        "L5-S1). Under fluoroscopy the needle entered the sacral hiatus; Kenalog 80 mg injected.\n"
    )
    assert run(text).procedure.laterality is None


@pytest.mark.parametrize(
    ("title", "side"),
    [("R SIJ injection - fluoro-guided", "right"), ("TPI x4 - L upper trap", "left")],
)
def test_side_of_non_epidural_procedures(run, title, side):
    text = f"{title}\n- 25g needle placed under fluoro, bupivacaine 0.25% 2 mL injected.\n"
    assert run(text).procedure.laterality == side


def test_terse_note_that_never_names_the_procedure_is_still_an_epidural_steroid_injection(run):
    text = (
        "Indication: lumbar stenosis; MRI severe central stenosis L4-5; PT 12 wk; 1st ESI\n"
        "- consent: RBA, signed\n- prone, prepped/draped\n- C-arm AP/lat, L4-5\n"
        "- 20g Tuohy midline L4-5, LOR air 6 cm\n- Depo-Medrol 80 mg (2 mL) + 3 mL PF NS\n"
        "- tol well, no cx\n- VAS pre 8 -> 3 post\n"
    )
    analysis = run(text)
    assert analysis.procedure.procedure_type == "epidural_steroid_injection"
    assert analysis.procedure.guidance == "fluoroscopy"
    assert analysis.post_procedure.documented
    assert sorted((p.timing, p.value) for p in analysis.pain_scores) == [("post", 3.0),
                                                                         ("pre", 8.0)]


def test_bullets_after_a_reason_for_visit_field_are_todays_work(run):
    text = (
        "Reason for visit: L L5 radic x 4 mo; PT 6 wk failed. No prior ESI.\n"
        "- RBA reviewed, consent signed\n- prone, prep/drape\n- fluoro oblique/AP/lat\n"
        "- 22g spinal to L L5 subpedicular (TFESI)\n"
        "- Omnipaque 240 1 mL, epidural flow\n- dexamethasone 10 mg (1 mL)\n"
    )
    analysis = run(text)
    assert (analysis.procedure.approach, analysis.procedure.guidance) == ("transforaminal",
                                                                         "fluoroscopy")
    assert "dexamethasone" in {m.name for m in analysis.medications}


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("Seen today for a lumbar epidural steroid injection at L4-L5 on the left for left L5 "
         "radicular pain. Tuohy needle placed at L4-5 by loss of resistance.", "left"),
        ("Procedure: left L3 and L4 medial branch blocks under fluoroscopy. MRI 03/2025 shows "
         "bilateral L4-L5 facet arthropathy.", "left"),
        ("Caudal ESI. Needle through the sacral hiatus. Epidurogram showed a filling defect on "
         "the left at L5-S1.", None),
        # A side for a later procedure is not today's.
        ("Consult impression: L L5 radiculopathy. Recommend bilateral L4-5 TFESI vs L4-5 ILESI."
         "\nProcedure: Left L4-L5 interlaminar ESI. Tuohy needle at L4-5, LOR.", "left"),
        ("Procedure: Right L3 and L4 medial branch radiofrequency ablation under fluoroscopy.\n"
         "Written consent obtained. Left side to be done in 2 weeks.", "right"),
        # The other procedure's side in the same title is not the epidural's.
        ("EXAM: CT-GUIDED L4-5 INTERLAMINAR EPIDURAL STEROID INJECTION AND BILATERAL "
         "SACROILIAC JOINT INJECTIONS\nL4-5: 20G Tuohy via a left paramedian interlaminar "
         "approach, LOR. Dexamethasone 10 mg.", "left"),
    ],
)
def test_side_stated_after_the_procedure_but_not_from_imaging_or_contrast(run, text, side):
    assert run(text).procedure.laterality == side


def test_a_landmark_level_counted_from_is_not_injected(run):
    body = ("The L5-S1 interspace was identified by counting down from L4-L5. A Tuohy needle "
            "entered the L5-S1 epidural space by loss of resistance; Kenalog 80 mg injected.")
    assert run(note(title="Lumbar interlaminar ESI", body=body)).procedure.levels == ["L5-S1"]


def test_body_wins_over_a_title_that_names_another_approach(run):
    text = (
        "PROCEDURE: CAUDAL EPIDURAL STEROID INJECTION\n"
        "DESCRIPTION: The sacral hiatus was evaluated on lateral fluoroscopy but appeared "
        "closed, so the caudal approach was abandoned. Under fluoroscopy an 18 gauge Tuohy "
        "needle was advanced in the midline into the L5/S1 interspace with loss of resistance "
        "to saline. Injected 12 mg Celestone (2 mL).\n"
    )
    procedure = run(text).procedure
    assert (procedure.approach, procedure.region) == ("interlaminar", "lumbar")


def test_typed_codes_of_neighbouring_procedures_are_reported(run):
    text = "PROCEDURE: Spinal cord stimulator trial lead placement (CPT 63650 x2), ICD-10 G89.4.\n"
    assert run(text).procedure.stated_codes == ["63650"]


def test_an_unfilled_template_reports_missing_not_denied(run):
    text = (
        "Procedure: Lumbar ESI\nLevels: ___\n"
        "Approach: [ ] interlaminar [ ] transforaminal [ ] caudal\n"
        "Guidance: [ ] fluoro [ ] CT [ ] none\nContrast: ***\nMedication: ___\nConsent: ___\n"
    )
    analysis = run(text)
    procedure = analysis.procedure
    assert (procedure.guidance, procedure.approach, procedure.levels) == (None, None, [])
    assert procedure.contrast.status is None and analysis.medications == []
    statuses = {r.id: r.status for r in analysis.requirements}
    assert statuses["image_guidance"] == statuses["consent"] == "missing"


def test_unticked_template_options_do_not_name_the_procedure(run):
    text = (
        "Procedure category: [ ] Epidural (ILESI/TFESI/caudal)  [ ] Facet/MBB  "
        "[x] Sacroiliac joint  [ ] Trigger point\n"
        "Technique: 22 g spinal needle into the inferior right SI joint under fluoroscopy; "
        "Kenalog 40 mg with 2 mL 0.5% bupivacaine.\n"
    )
    procedure = run(text).procedure
    assert (procedure.procedure_type, procedure.is_epidural_injection) == ("si_joint", False)


def test_a_procedure_named_as_the_reason_for_visit_beats_a_bare_epidural_space(run):
    text = (
        "Reason for visit: Right lumbar facet denervation - radiofrequency ablation of the "
        "right L3 and L4 medial branches.\n"
        "Procedure: Prone. Oblique fluoroscopy. RF cannulas placed; lesions at 80 C for 90 s. "
        "Nothing was injected into the epidural space.\n"
    )
    assert run(text).procedure.procedure_type == "medial_branch"


def test_the_level_the_needle_entered_beats_the_title_level(run):
    text = (
        "Procedure .......... Lumbar interlaminar ESI, L4-L5, right\n"
        "Technique .......... Prone; prep; drape. On AP fluoroscopy the L4-L5 interlaminar "
        "window was very narrow, so the entry was moved down. 20G Tuohy, right paramedian, "
        "LOR to air at L5-S1. Kenalog 80 mg injected.\n"
    )
    assert run(text).procedure.levels == ["L5-S1"]


def test_levels_of_an_old_fusion_are_not_injected(run):
    body = ("AP fluoroscopy of the L3-L4 interspace (fusion hardware below at L4-S1). 20 g "
            "Tuohy, LOR at L3-L4. Depo-Medrol 80 mg injected.")
    assert run(note(title="Lumbar interlaminar ESI L3-L4", body=body)).procedure.levels == [
        "L3-L4"
    ]


def test_bilateral_contrast_spread_is_not_a_bilateral_injection(run):
    body = ("18g Tuohy midline at L4-5, LOR air 7 cm. Isovue-M 300 2 mL -> bilat epidural spread. "
            "Inj Depo-Medrol 80 mg.")
    assert run(note(title="L4-5 ILESI, midline", body=body)).procedure.laterality == "midline"


def test_pump_refill_with_past_esis_is_not_an_epidural_injection(run):
    text = (
        "ITDD refill/reprogram -- clinic\n58M. FBSS. Failed lumbar ESIs x3 (2019-2020). "
        "Intrathecal pump since 2021.\n- 22g Huber needle into the reservoir port\n"
        "- refilled with morphine 25 mg/mL, 20 mL\n"
    )
    procedure = run(text).procedure
    assert (procedure.procedure_type, procedure.is_epidural_injection) == ("other", False)


def test_dotted_leader_answers_and_a_procedure_being_decided_on(run):
    text = (
        "S: Post-laminectomy syndrome. We are deciding between adhesiolysis and an SCS trial.\n"
        "P: Caudal epidurogram under fluoroscopy.\n"
        "Prior ESI ...... N/A\n"
        "Contrast ....... N/A - iodinated contrast allergy (anaphylaxis 2019)\n"
        "Technique: 16 g needle into the sacral hiatus; no drug injected.\n"
    )
    analysis = run(text)
    assert analysis.procedure.procedure_type == "epidurogram"
    assert (analysis.procedure.contrast.status, analysis.procedure.contrast.reason) == (
        "contraindicated", "allergy")
    assert not analysis.prior_injection.is_repeat


def test_contrast_filling_defects_give_neither_side_nor_level(run):
    text = (
        "PROCEDURE: Caudal epidurogram and epidural injection\n"
        "DESCRIPTION: 16 g needle through the sacral hiatus under fluoroscopy. Omnipaque 10 mL: "
        "filling defects along the right L5 and S1 root sleeves. Kenalog 40 mg injected.\n"
    )
    procedure = run(text).procedure
    assert (procedure.laterality, procedure.levels) == (None, [])


def test_a_catheter_steered_to_one_side_gives_the_side(run):
    text = (
        "PROCEDURE: Caudal epidural injection via catheter\n"
        "DESCRIPTION: Needle through the sacral hiatus. A catheter was steered under fluoroscopy "
        "into the left ventral epidural space. Triamcinolone 40 mg injected; catheter removed.\n"
    )
    assert run(text).procedure.laterality == "left"


def test_an_abandoned_caudal_attempt_then_an_interlaminar_entry(run):
    text = (
        "PROCEDURE: Caudal epidural steroid injection with fluoroscopy.\n"
        "DESCRIPTION: The sacral hiatus was ossified; the caudal approach was abandoned. A 20 g "
        "Tuohy needle was advanced in the midline at L5-S1 with loss of resistance to air. "
        "Depo-Medrol 80 mg injected.\n"
    )
    assert run(text).procedure.approach == "interlaminar"


def test_a_failed_attempt_at_another_level_is_not_a_level(run):
    body = ("The initial attempt was at the L5-S1 interspace: no loss of resistance, so the needle "
            "was withdrawn and nothing was injected at L5-S1. The Tuohy needle was redirected to "
            "the L4/5 interspace with loss of resistance. Depo-Medrol 80 mg injected.")
    assert run(note(title="Left L4/5 interlaminar ESI", body=body)).procedure.levels == ["L4-L5"]


def test_code_and_fraction_patterns_match_their_leading_lookbehind_forms():
    import re
    from pathlib import Path

    from nlp.facts.medications import FRACTION
    from nlp.facts.procedure import _KNOWN_CODES

    codes = re.compile(
        r"(?<!\d)(?<!\d\.)(6232[0-7]|6447[9]|6448[0-4]|62273|6226[34]|6449[0-5]|6463[3-6]"
        r"|6228[0-2]|27096|2055[23]|64520|64510|64517|64530|72275|77003|77012|64999"
        r"|6365[0-5]|62350|62362|6236[7-9]|62370|62290|72295|64405|64450)(?!\d|\.\d)"
    )
    fraction = re.compile(
        r"(?<![\w.])(1/\d{1,2})(?:th|nd|rd|st)?(?:\s*(?:%|percent|strength))?", re.I
    )
    every_code = [f"{n}" for n in range(20000, 80000) if codes.fullmatch(str(n))]
    assert len(every_code) == 57
    corpus = Path(__file__).resolve().parent.parent / "corpus" / "notes"
    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*/*.txt"))]
    texts += [
        " ".join(every_code),
        "162323 1.62323 62323.5 x62323 62323x (62321) 64483,64484 2.27096 " + ",".join(every_code),
        "1/2 strength x1/4 .1/3 11/2 1/10th 1/2% a 1/2 percent",
    ]
    for fast, leading in ((_KNOWN_CODES, codes), (FRACTION, fraction)):
        for text in texts:
            assert [(m.span(), m.groups()) for m in fast.finditer(text)] == [
                (m.span(), m.groups()) for m in leading.finditer(text)
            ]


@pytest.mark.parametrize(
    ("line", "status"),
    [
        ("Contrast: [ ] Yes  [x] No     Reason: ***", "not_used"),
        ("Contrast: [x] None", "not_used"),
        ("Contrast: [x] Yes [ ] No  Omnipaque 240 2 mL", "used"),
        ("Contrast: [ ] Yes  [ ] No", None),
        ("Contrast: ___", None),
    ],
)
def test_contrast_answered_with_template_checkboxes(run, line, status):
    text = (
        "Procedure: Lumbar interlaminar ESI L4-5\nImaging guidance: [x] Fluoroscopy  [ ] CT\n"
        f"{line}\nNeedle: 20 G Tuohy, LOR\nInjectate: Dexamethasone 10 mg\n"
    )
    assert run(text).procedure.contrast.status == status


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("Proc: ILESI L4-5, L>R\n- 20G Tuohy, paramedian approach L>R, LOR to air", "left"),
        ("Procedure: L5-S1 interlaminar ESI, right > left paramedian approach.", "right"),
        # Where contrast spread, and the worse side of the symptoms, are not the approach.
        ("Proc: ILESI L4-5 midline, LOR\n- Omnipaque 2 mL: epidural spread, L>R", "midline"),
        ("Dx: radic L>R\nProc: ILESI L4-5 midline, fluoro, LOR", "midline"),
    ],
)
def test_a_predominant_side_names_the_approach(run, text, side):
    assert run(text).procedure.laterality == side


def test_side_before_a_posterolateral_approach(run):
    text = "Proc: L4-5 TFESI\n- left posterolateral approach, fluoro, 1% lido 3 mL skin"
    assert run(text).procedure.laterality == "left"


def test_no_fluoroscopy_or_contrast_means_contrast_not_used(run):
    text = "Caudal ESI by palpation. No fluoroscopy or contrast was used. Depo-Medrol 80 mg."
    assert run(text).procedure.contrast.status == "not_used"


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (
            "While the Tuohy was advanced the patient had a vasovagal episode. Needle removed. "
            "Nothing was injected into the epidural space. Procedure terminated.",
            "other",
        ),
        (
            "Omnipaque 0.5 mL showed venous uptake; after two repositionings the injection was "
            "aborted. No steroid or local anesthetic was injected.",
            "epidurogram",
        ),
    ],
)
def test_a_procedure_stopped_before_any_drug_is_not_an_esi(run, body, kind):
    found = run(note(body=body))
    assert found.procedure.procedure_type == kind and not found.procedure.is_epidural_injection
    assert not found.billing.supports_62323


def test_an_abandoned_approach_is_not_the_one_performed(run):
    body = (
        "An interlaminar approach at L4-5 was attempted with a Tuohy from a right paramedian "
        "trajectory; the epidural space could not be accessed and the attempt was abandoned. "
        "The sacral hiatus was then identified and a 22 G needle advanced into the caudal "
        "canal. Omnipaque 4 mL showed epidural filling up to L5. Depo-Medrol 80 mg injected."
    )
    found = run(note(title="Caudal epidural steroid injection.", body=body)).procedure
    assert (found.approach, found.levels, found.region) == ("caudal", [], "sacral")


def test_stimulator_lead_positions_are_not_levels(run):
    text = (
        "Procedure: SCS trial. Tuohy needles entered the epidural space at L1-L2.\n"
        "- leads steered to T10-T11 just left of midline; lead two to the top of T8\n"
    )
    assert run(text).procedure.levels == ["L1-L2"]


@pytest.mark.parametrize(
    "text",
    [
        "Procedure: Lumbar ILESI\nLevel(s): L4-L5 (scheduled)\nDetails: On AP fluoroscopy the "
        "L4-L5 interlaminar space was severely narrowed, so the L5-S1 interlaminar space was "
        "used instead. A Tuohy was advanced at L5-S1 with loss of resistance.",
        "L5-S1 ILESI. The Tuohy entered the L5-S1 space instead of L4-5 because of hardware.",
    ],
)
def test_a_level_given_up_for_another_is_not_today(run, text):
    assert run(text).procedure.levels == ["L5-S1"]


def test_needles_placed_in_the_foramina_are_a_transforaminal_technique(run):
    text = (
        "PROCEDURE: CT-guided right T8 and T9 epidural steroid injections\n\n"
        "TECHNIQUE: Under intermittent CT fluoroscopy, 22-gauge spinal needles were advanced to "
        "the right T8 and right T9 neural foramina. Dexamethasone 5 mg was injected at each."
    )
    found = run(text)
    assert found.procedure.approach == "transforaminal"
    assert found.billing.suggested_codes == ["64479", "64480"]


def test_a_radiology_report_exam_line_and_narrative_name_todays_procedure(run):
    text = (
        "EXAM: CT-GUIDED RIGHT L4 SELECTIVE NERVE ROOT BLOCK\nDATE: 08/12/2025\n\n"
        "CLINICAL HISTORY: Right L4 radiculopathy.\n\n"
        "PROCEDURE: The patient was placed prone on the CT table. Under intermittent CT "
        "fluoroscopic guidance, a 22-gauge spinal needle was advanced to the right L4 neural "
        "foramen. Then 40 mg of triamcinolone acetonide (1 mL) was injected.\n"
    )
    found = run(text)
    assert found.procedure.approach == "transforaminal"
    assert found.billing.suggested_codes == ["64483"]


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("Procedure: Lumbar ILESI L4-5\nSide: Midline\nNeedle: Tuohy LOR", "midline"),
        ("Bilat L5 radic + lumbar stenosis.\nProc: L4-5 ILESI midline, LOR", "midline"),
    ],
)
def test_template_side_fields_and_abbreviated_radiculopathy(run, text, side):
    assert run(text).procedure.laterality == side


def test_a_session_with_medial_branch_blocks_bills_only_the_epidural_levels(run):
    text = (
        "Procedures:\n(1) Bilateral L4-L5 and L5-S1 facet medial branch blocks (bilateral L3 and "
        "L4 medial branches and L5 dorsal rami), diagnostic, under fluoroscopy.\n"
        "(2) Left L5 transforaminal epidural steroid injection under fluoroscopy.\n"
        "Technique: Medial branch blocks: 22-gauge needles at L3, L4 and the sacral ala "
        "bilaterally, 0.5 mL 0.5% bupivacaine each.\nTransforaminal: Left L5 foramen, 22-gauge "
        "needle subpedicular. Dexamethasone 10 mg injected.\n"
    )
    found = run(text)
    assert (found.procedure.levels, found.procedure.laterality) == (["L5"], "left")
    assert found.billing.suggested_codes == ["64483"]


def test_an_approach_performed_instead_of_the_titled_one_wins(run):
    text = (
        "PROCEDURE: Lumbar interlaminar epidural steroid injection (CPT 62323)\n\n"
        "INDICATIONS: Left L5 radiculopathy from foraminal stenosis.\n\nThe order was for an "
        "interlaminar injection. After review of the MRI, a targeted left L5 transforaminal "
        "approach was performed instead.\n\nTECHNIQUE: 22-gauge needle to the left L5 "
        "subpedicular region under fluoroscopy. Dexamethasone 10 mg injected.\n"
    )
    found = run(text)
    assert found.procedure.approach == "transforaminal"
    assert found.billing.suggested_codes == ["64483"] and not found.billing.supports_62323


@pytest.mark.parametrize(
    "anatomy",
    [
        "MRI 08/17/2025: large left L4-5 disc extrusion with caudal migration.",
        "MRI: L4-5 extrusion migrating caudally behind the L5 body.",
        "CT: Schmorl node at the caudal endplate of L4.",
        "Fluoro: 10 degrees of caudal tilt for the endplates.",
    ],
)
def test_caudal_as_anatomy_or_a_c_arm_direction_is_not_the_caudal_approach(run, anatomy):
    text = (
        f"{anatomy}\nPROCEDURE: Lumbar epidural steroid injection at L4-5 under fluoroscopy.\n"
        "DESCRIPTION: An 18 G Tuohy needle reached the L4-5 epidural space by loss of "
        "resistance. Depo-Medrol 80 mg injected.\n"
    )
    procedure = run(text).procedure
    assert (procedure.approach, procedure.region) == ("interlaminar", "lumbar")


@pytest.mark.parametrize(
    ("text", "levels"),
    [
        # An exam or imaging remark without a procedure word is not a level when the title
        # and the technique name one.
        ("OBJECTIVE\nBP 146/84, HR 68. Mild tenderness L4-S1 paraspinals.\n\n"
         "PROCEDURE: L3-4 interlaminar ESI.\n"
         "DESCRIPTION: Under AP fluoroscopy the L3-4 interlaminar space was identified. "
         "Depo-Medrol 80 mg.\n",
         ["L3-L4"]),
        ("Spine clinic note\nMRI lumbar (09/2024): left L5-S1 extrusion. L4-5 normal.\n\n"
         "PROCEDURE: Left L5-S1 interlaminar ESI.\n"
         "DESCRIPTION: Using fluoroscopy, the L5-S1 interlaminar space was marked. "
         "Depo-Medrol 80 mg.\n",
         ["L5-S1"]),
        # A "Level(s):" field that disagrees with the needle entry in the body.
        ("Procedure Type: Lumbar interlaminar ESI\nLevel(s): L4-L5\nDESCRIPTION: Under AP "
         "fluoroscopy the L5-S1 interlaminar space was identified; Tuohy needle, loss of "
         "resistance at L5-S1. Depo-Medrol 80 mg.\n", ["L5-S1"]),
        # An addendum correcting the level.
        ("PROCEDURE: Lumbar interlaminar ESI\nLevel: L3-L4\nDESCRIPTION: Tuohy needle, loss of "
         "resistance at L3-L4. Depo-Medrol 80 mg.\nADDENDUM: The injection level is corrected "
         "to L4-L5.\n", ["L4-L5"]),
        # Fusion hardware seen on fluoroscopy, and a level for next time.
        ("PROCEDURE: Caudal epidural steroid injection.\nDESCRIPTION: Needle through the "
         "sacral hiatus. Depo-Medrol 80 mg injected.\nFINDINGS: The interbody spacers at "
         "L4-L5 and L5-S1 were seen on fluoroscopy.\n", []),
        ("PROCEDURE: Lumbar interlaminar ESI.\nDESCRIPTION: Tuohy needle, loss of resistance "
         "at L3-L4; wet tap, procedure aborted. It will be rescheduled, and an L4-L5 approach "
         "will be considered.\n", ["L3-L4"]),
        # A catheter tip's resting place is not an injected level.
        ("PROCEDURE: Caudal epidural steroid injection via catheter.\nDESCRIPTION: Needle "
         "through the sacral hiatus; a catheter was threaded with its tip positioned at the "
         "inferior endplate of L5. Depo-Medrol 80 mg injected.\n", []),
    ],
)
def test_levels_come_from_what_was_done(run, text, levels):
    assert sorted(run(text).procedure.levels) == levels


def test_a_bilateral_contrast_pattern_is_not_a_bilateral_injection(run):
    text = (
        "PROCEDURE: L3-4 interlaminar epidural steroid injection, midline.\n"
        "DESCRIPTION: Tuohy needle advanced in the midline; loss of resistance at L3-4. "
        "Omnipaque 1.5 mL showed a bilateral epidural contrast pattern. Depo-Medrol 80 mg.\n"
    )
    assert run(text).procedure.laterality == "midline"


def test_fields_under_a_procedure_type_header_describe_today(run):
    text = (
        "Chief Complaint: Left neck pain radiating to the left thumb.\n\n"
        "Procedure Type:   Cervical interlaminar epidural steroid injection\n"
        "Level(s):         C7-T1\nLaterality:       Left paramedian\n"
        "Guidance:         [x] Fluoro  [ ] CT\n\n"
        "Indication: C6 radiculopathy.\n\nProcedure: Prone. The C7-T1 interlaminar space was "
        "identified under AP fluoroscopy; Tuohy needle, LOR to saline. Dexamethasone 10 mg.\n"
    )
    procedure = run(text).procedure
    assert (procedure.laterality, procedure.levels) == ("left", ["C7-T1"])


def test_a_copied_forward_esi_title_over_a_facet_technique_is_a_facet_injection(run):
    text = (
        "PROCEDURE NOTE\nProcedure: Lumbar interlaminar epidural steroid injection L4-5 (62323)\n"
        "Indication: Axial low back pain, facet arthropathy.\n"
        "Technique: Prone. Under fluoroscopy, oblique views opened each facet joint. A 22G "
        "spinal needle entered the bilateral L4-5 and L5-S1 facet joints. Triamcinolone 10 mg "
        "per joint injected.\n"
    )
    analysis = run(text)
    assert (analysis.procedure.procedure_type, analysis.billing.supports_62323) == ("facet", False)


def test_an_esi_whose_technique_names_the_facet_as_a_landmark_stays_an_esi(run):
    text = (
        "Procedure: Lumbar interlaminar epidural steroid injection L4-5\n"
        "Technique: The Tuohy needle was walked medial to the L4-5 facet joint; loss of "
        "resistance. Depo-Medrol 80 mg injected.\n"
    )
    assert run(text).procedure.procedure_type == "epidural_steroid_injection"


def test_neither_contrast_agent_given_under_a_contrast_label(run):
    text = (
        "PROCEDURE: CT-guided interlaminar epidural steroid injection at L4-5.\n"
        "CONTRAST: Given the eGFR of 22, neither iodinated nor gadolinium-based contrast was "
        "administered. Needle position was confirmed on CT.\n"
        "DESCRIPTION: Tuohy needle, loss of resistance at L4-5. Dexamethasone 10 mg injected.\n"
    )
    analysis = run(text)
    assert (analysis.procedure.contrast.status, analysis.procedure.contrast.reason) == (
        "contraindicated", "renal")
    assert [m.name for m in analysis.medications if m.role == "contrast"] == []


def test_the_side_of_a_second_non_epidural_procedure_is_not_the_caudal_side(run):
    text = (
        "PROCEDURES:\n 1) Caudal epidural steroid injection with fluoroscopic guidance\n"
        " 2) Left sacroiliac joint injection with fluoroscopic guidance\n\n"
        "TECHNIQUE: Caudal: needle through the sacral hiatus, Kenalog 80 mg injected.\n\n"
        "Left SI joint: under AP fluoroscopy the inferior left SI joint was entered; "
        "triamcinolone 40 mg injected.\n"
    )
    procedure = run(text).procedure
    assert (procedure.approach, procedure.laterality) == ("caudal", None)


def test_a_planned_esi_aborted_before_any_drug_is_not_an_esi(run):
    text = (
        "PROCEDURE NOTE - ABORTED\nPlanned procedure: Left L5-S1 interlaminar epidural steroid "
        "injection under fluoroscopy.\nCourse: Skin wheal with 1% lidocaine 2 mL. While a 20g "
        "Tuohy was being advanced left paramedian the patient had a vasovagal episode. Needle "
        "withdrawn.\nNo medication was injected into the epidural space. Procedure aborted.\n"
    )
    analysis = run(text)
    assert analysis.procedure.is_epidural_injection is False
    assert analysis.billing.supports_62323 is False


def test_a_body_done_without_fluoroscopy_overrides_a_fluoroscopic_title(run):
    text = (
        "Procedure: Fluoroscopically guided lumbar interlaminar epidural steroid injection\n"
        "Description: The C-arm malfunctioned at the start of the case. The procedure was "
        "performed without fluoroscopy using a landmark technique; Tuohy needle, loss of "
        "resistance at L4-5. Depo-Medrol 80 mg injected.\n"
    )
    assert run(text).procedure.guidance == "none"


def test_a_negation_that_only_reaches_the_word_fluoro_does_not_undo_the_title(run):
    text = (
        "PROCEDURE: Right L5 TFESI under fluoroscopic guidance.\nDESCRIPTION: Omnipaque 1 mL "
        "outlined the L5 root, no vascular pattern on live fluoroscopy. Dexamethasone 10 mg.\n"
    )
    assert run(text).procedure.guidance == "fluoroscopy"


def test_an_approach_converted_to_mid_procedure_is_todays(run):
    text = (
        "TITLE OF PROCEDURE: L3-L4 interlaminar epidural steroid injection (62323)\n"
        "DESCRIPTION: A Tuohy needle was advanced at L3-4; after two passes we were unable to "
        "obtain a loss of resistance and nothing was injected at this level. We then converted "
        "to a right L4 transforaminal approach; a spinal needle reached the subpedicular "
        "position of the right L4 pedicle. Dexamethasone 10 mg was injected.\n"
    )
    analysis = run(text)
    assert analysis.procedure.approach == "transforaminal"
    assert analysis.billing.supports_62323 is False


@pytest.mark.parametrize(
    ("text", "status", "reason"),
    [
        ("PROCEDURE: L4-5 interlaminar ESI.\nDESCRIPTION: Tuohy, loss of resistance. Contrast "
         "was deliberately omitted; her most recent eGFR is 24. Betamethasone 12 mg injected.\n",
         "contraindicated", "renal"),
        ("Allergies: Lidocaine (palpitations). Iodine/contrast: none known.\nPROCEDURE: L5-S1 "
         "interlaminar ESI.\nTechnique: Tuohy, LOR to air. Contrast: not used. Triamcinolone "
         "40 mg injected.\n", "not_used", None),
    ],
)
def test_contrast_withheld_and_an_allergy_list_that_denies_contrast(run, text, status, reason):
    contrast = run(text).procedure.contrast
    assert (contrast.status, contrast.reason) == (status, reason)


@pytest.mark.parametrize(
    ("text", "levels", "side"),
    [
        # A level judged unsuitable is not the one injected.
        ("Procedure: Cervical ESI, C7-T1 interlaminar, right paramedian approach.\nTechnique: "
         "The C7-T1 interlaminar space was identified; the C6-7 space was too narrow for safe "
         "entry. Tuohy needle, loss of resistance. Dexamethasone 10 mg.\n", ["C7-T1"], "right"),
        # The post-procedure exam names a dermatome level and a side, not the injection's.
        ("PROCEDURE: Lumbar epidural catheter placement, L2-L3 interlaminar, midline.\n"
         "TECHNIQUE: L2-L3 interspace, Tuohy needle, loss of resistance. Dexamethasone 10 mg.\n"
         "POST: No motor block, sensory change L1-L2 on left. Neuro intact bilateral upper ext-\n"
         "remities.\n", ["L2-L3"], "midline"),
        # "R sided sciatica" is the symptom's side, not the injection's.
        ("Procedure: L5-S1 lumbar epidural steroid injection.\nS: 56 yo F w/ R sided sciatica.\n"
         "Procedure: L5-S1 interspace, 20 g Tuohy, midline approach, LOR. Kenalog 80 mg.\n",
         ["L5-S1"], "midline"),
    ],
)
def test_rejected_levels_exam_levels_and_symptom_sides(run, text, levels, side):
    procedure = run(text).procedure
    assert (sorted(procedure.levels), procedure.laterality) == (levels, side)


@pytest.mark.parametrize(
    "offer",
    [
        "blood patch discussed if needed",
        "call if positional HA, may need blood patch",
        "told her to call me if a headache develops, in which case we would talk about a blood "
        "patch",
    ],
)
def test_a_blood_patch_offered_if_needed_is_not_todays_procedure(run, offer):
    result = run(
        "Procedure: L5-S1 interlaminar epidural steroid injection under fluoroscopy.\n"
        "Technique: 20G Tuohy, loss of resistance at L5-S1. Omnipaque 1.5 mL. "
        "Methylprednisolone 80 mg injected.\n"
        "Post-Procedure: Complication: inadvertent dural puncture (wet tap). Counseled on "
        f"post-dural puncture headache; {offer}.\n"
    )
    assert result.procedure.procedure_type == "epidural_steroid_injection"
    assert result.procedure.is_epidural_injection


def test_a_scheduled_esi_title_gives_way_when_the_note_says_it_was_not_done(run):
    result = run(
        "PROCEDURE: Left L5-S1 interlaminar epidural steroid injection    CPT 62323 (scheduled)\n"
        "HISTORY: buttock pain, 12 weeks of PT.\n"
        "RE-EXAMINATION: SI provocation positive on the left. The planned L5-S1 epidural was "
        "not performed. Written consent for a left SI joint injection instead.\n"
        "PROCEDURE PERFORMED: Left sacroiliac joint injection under fluoroscopic guidance.\n"
        "Prone. 22G spinal needle into the inferior joint. Omnipaque 0.5 mL intra-articular. "
        "Triamcinolone 40 mg injected.\n"
    )
    assert result.procedure.procedure_type == "si_joint"
    assert not result.procedure.is_epidural_injection


def test_history_and_imaging_headers_with_dates_or_asides_are_background(run):
    result = run(
        "CAUDAL EPIDURAL STEROID INJECTION -- PROCEDURE NOTE\n\n"
        "H&P (updated today):\nFailed back surgery: L4-L5 laminectomy, L5-S1 TLIF. C6-C7 ACDF. "
        "Last caudal epidural 05/2025 with 50% relief for 4 months.\n\n"
        "MRI LUMBAR SPINE W/WO CONTRAST 02/11/2025 (full text): Epidural fibrosis at L4-L5. "
        "L3-L4 moderate foraminal stenosis.\n\n"
        "Procedure: Prone. Sacral hiatus identified under lateral fluoroscopy. 22G needle into "
        "the sacral canal. Methylprednisolone 80 mg with 8 mL saline injected.\n"
    )
    assert result.procedure.approach == "caudal"
    assert result.procedure.levels == []


@pytest.mark.parametrize(
    "given_up",
    [
        "On aspiration, free-flowing CSF: inadvertent dural puncture at L4-L5. No medication "
        "injected at this level; needle withdrawn.",
        "Clear CSF returned = dural puncture. Needle withdrawn, nothing injected at L4-5.",
    ],
)
def test_a_level_entered_but_given_nothing_is_not_todays_level(run, given_up):
    result = run(
        "Procedure: Lumbar interlaminar ESI L4-L5 under fluoroscopy.\n"
        "Technique: L4-L5 interspace on AP fluoroscopy; 20G Tuohy midline at L4-L5 with LOR. "
        f"{given_up} The procedure was continued one level lower. L5-S1 interspace localized, "
        "Tuohy at L5-S1 with LOR to saline. Methylprednisolone 80 mg injected.\n"
    )
    assert result.procedure.levels == ["L5-S1"]


BODY_THEN_ADDENDUM = (
    "Procedure: Left L4-L5 interlaminar epidural steroid injection, fluoroscopic guidance\n"
    "Technique: Prone. A 20G Tuohy was advanced via a left paramedian approach at L4-L5 with "
    "LOR to saline. Methylprednisolone acetate 80 mg (2 mL) with 2 mL saline injected.\n\n"
)


@pytest.mark.parametrize(
    ("addendum", "field", "expected"),
    [
        ("ADDENDUM (08/06/2025): Level correction. Saved images confirm the Tuohy needle "
         "entered the L3-L4 interlaminar space, not L4-L5 as dictated above.",
         "levels", ["L3-L4"]),
        ("ADDENDUM 10/21/2025: Side correction. The title and description erroneously state "
         "\"left.\" The injection was performed via a RIGHT paramedian approach at L4-L5.",
         "laterality", "right"),
    ],
)
def test_an_addendum_that_corrects_the_note_wins(run, addendum, field, expected):
    result = run(BODY_THEN_ADDENDUM + addendum + "\n")
    assert getattr(result.procedure, field) == expected


def test_an_addendum_correcting_the_dose_replaces_the_body_amount(run):
    result = run(
        BODY_THEN_ADDENDUM + "Addendum: Correction to injectate documented above. "
        "Methylprednisolone acetate 40 mg (1 mL) was injected, NOT 80 mg.\n"
    )
    steroid = next(m for m in result.medications if m.role == "steroid")
    assert (steroid.dose.value, steroid.volume_ml) == (40, 1.0)


def test_an_addendum_without_a_correction_does_not_replace_the_body(run):
    result = run(
        BODY_THEN_ADDENDUM + "ADDENDUM: Patient called at 5 pm, doing well, mild soreness at "
        "the injection site. Methylprednisolone acetate 80 mg was well tolerated.\n"
    )
    assert result.procedure.levels == ["L4-L5"] and result.procedure.laterality == "left"
    steroid = next(m for m in result.medications if m.role == "steroid")
    assert steroid.dose.value == 80


def test_findings_under_an_imaging_header_are_the_report_not_the_procedure(run):
    result = run(
        "Procedure: Caudal epidural steroid injection with fluoroscopic guidance\n\n"
        "Imaging: MRI lumbar spine w/ and w/o contrast 01/09/2025 --\n"
        "FINDINGS: L4-L5 laminectomy, L5-S1 fusion. Epidural fibrosis around the left L5 "
        "root. L3-L4 mild bulge.\n\n"
        "Procedure: Sacral hiatus identified on lateral fluoroscopy. Needle into the caudal "
        "canal. Methylprednisolone 40 mg with 9 mL saline injected.\n"
    )
    assert result.procedure.levels == [] and result.procedure.laterality is None


@pytest.mark.parametrize(
    "contrast_line",
    ["Contrast: ( ) Yes  (X) No", "Contrast ....... ( ) Yes  (X) No", "Contrast: [ ] Yes [x] No"],
)
def test_a_template_contrast_answer_of_no_means_not_used(run, contrast_line):
    result = run(
        "PROCEDURE: L5-S1 interlaminar epidural steroid injection\n"
        "Guidance: Fluoroscopy - Yes\n"
        f"{contrast_line}\n"
        "TECHNIQUE: LOR at L5-S1. Dexamethasone 10 mg injected.\n"
    )
    assert result.procedure.contrast.status == "not_used"


def test_a_no_answer_covers_every_term_of_its_label(run):
    result = run(
        "PROCEDURE: Caudal epidural steroid injection\n"
        "Guidance:   Fluoroscopy - Yes\n"
        "Adhesiolysis / hypertonic saline / hyaluronidase: No\n"
        "TECHNIQUE: Sacral hiatus on lateral fluoroscopy. Needle into the caudal canal. "
        "Omnipaque 4 mL. Triamcinolone 80 mg injected.\n"
    )
    assert result.procedure.procedure_type == "epidural_steroid_injection"


def test_a_side_offered_in_parentheses_and_left_unticked_is_not_the_side(run):
    result = run(
        "PROCEDURE: Lumbar interlaminar epidural steroid injection L5-S1\n"
        "Side:      (X) Right  ( ) Left  ( ) Bilateral\n"
        "Technique: LOR at L5-S1 under fluoroscopy. Dexamethasone 10 mg injected.\n"
    )
    assert result.procedure.laterality == "right"


def test_the_needles_side_wins_over_a_brief_op_note_that_disagrees(run):
    result = run(
        "Procedure: Right L5-S1 interlaminar epidural steroid injection (fluoroscopic guidance)\n"
        "Technique: A 20 g Tuohy needle was advanced with a right paramedian approach into the "
        "epidural space by loss of resistance. Triamcinolone 80 mg injected.\n\n"
        "Brief Op Note\nProcedure: LEFT L5-S1 ILESI\n"
    )
    assert result.procedure.laterality == "right"


def test_a_note_strung_together_with_semicolons(run):
    result = run(
        "04/15/25; pt 44f; dr. m. achebe do; rt l5-s1 interlaminar esi w/ fluoro; dx rt s1 "
        "radiculopathy, rt l5-s1 hnp on mri 3/25; failed 6 wks pt, nsaids, medrol dosepak; verbal "
        "consent after risks/benefits/alts discussed; prone, time-out, sterile prep; 1% lido 3 ml "
        "skin; 18g tuohy rt paramedian l5-s1, lor to air; omnipaque 2 ml confirmed epidural "
        "spread, no it/vascular; dexamethasone 10 mg (1 ml) + ns 2 ml; tolerated well, home\n"
    )
    assert (result.procedure.levels, result.procedure.region) == (["L5-S1"], "lumbar")
    assert "dexamethasone" in {m.name for m in result.medications}  # "no" ends at the ";"
    assert result.conservative_care.weeks == 6


def test_a_one_line_note_with_pipes_between_statements(run):
    result = run(
        "epidural cath placement + steroid bolus | 07/29/25 | pt: 72m | adm w/ intractable lt l5 "
        "radicular pain, lt l4-5 extrusion on mri 7/27 | ~6 wks outpt pt + nsaids failed | nrs "
        "9/10 | written consent, r/b/a | prone, time-out, fluoro | 17g tuohy lt paramedian l4-5, "
        "lor to air; 19g cath threaded 4 cm | omnipaque 180 2 ml via cath -> epidural | bolus "
        "dexamethasone 10 mg + 0.2% ropivacaine 5 ml via cath | cath secured, left in for "
        "infusion | vss, no complications, nrs 5/10\n"
    )
    assert (result.procedure.catheter, result.procedure.catheter_indwelling) == (True, True)
    assert result.conservative_care.weeks == 6
    assert {(p.timing, p.value) for p in result.pain_scores} == {("pre", 9), ("post", 5)}
    assert "62327" in result.billing.suggested_codes


def test_a_flowsheet_keeps_its_pipes(run):
    result = run(
        "Caudal ESI under fluoroscopy. Kenalog 80 mg injected.\n"
        "Time | BP      | HR | RR | Pain (0-10)\n1040 | 138/80  | 72 | 16 | 2\n"
    )
    assert [(p.timing, p.value) for p in result.pain_scores] == [("pre", 2)]


def test_the_entered_interspace_wins_over_a_levels_field_and_the_needle_tip(run):
    result = run(
        "Procedure: Lumbar epidural steroid injection, interlaminar.\nLevels: L4-L5\n"
        "History: stenosis worst at L4-5; essentially no interlaminar window at L4-5, so the plan "
        "was to enter at the interspace below.\n\n"
        "Under fluoroscopic guidance the L5-S1 interlaminar space was identified, and entry was "
        "made between the L5 and S1 laminae via a right paramedian approach. On the lateral view "
        "the needle tip was noted projecting at the level of the L4-5 disc space. Isovue 2 mL. "
        "Methylprednisolone 80 mg injected.\n"
    )
    assert result.procedure.levels == ["L5-S1"]


def test_a_procedure_cancelled_before_any_needle(run):
    result = run(
        "Pre-procedure assessment / CANCELLATION\n"
        "Scheduled: L4-L5 interlaminar ESI, left paramedian, fluoro  (CPT 62323)\n"
        "S: here for scheduled L4-5 ILESI. Took apixaban this morning.\n"
        "A/P:\n- Procedure CANCELED. No needle placed, no medications given.\n"
        "- Rescheduled 03/18/2025.\n"
    )
    procedure = result.procedure
    assert not procedure.is_epidural_injection and procedure.procedure_type == "other"
    assert (procedure.levels, procedure.laterality, procedure.guidance) == ([], None, None)
    assert result.billing.suggested_codes == []


def test_another_procedure_done_instead_of_the_ordered_esi(run):
    result = run(
        "Procedure (from order): Lumbar epidural steroid injection, interlaminar, with "
        "fluoroscopy [62323]\n"
        "INTERVAL CHANGE / DECISION DAY OF PROCEDURE:\nScheduled for a repeat lumbar ESI; she "
        "had a left L5-S1 TFESI on 07/08/2025 with 80% relief. Axial pain today. After "
        "discussion, we proceeded with bilateral L4-L5 and L5-S1 intra-articular facet joint "
        "injections instead of the epidural injection.\n\n"
        "PROCEDURE DESCRIPTION:\nProne. The facet joints were visualized with oblique "
        "fluoroscopic views. A 22-gauge spinal needle was placed into each of the four joints. "
        "Omnipaque 240, 0.3 mL per joint, confirmed an intra-articular arthrogram. Triamcinolone "
        "40 mg with bupivacaine, 1 mL per joint. No epidural injection was performed today.\n"
    )
    assert result.procedure.procedure_type == "facet"
    assert not result.billing.supports_62323


def test_nothing_injected_at_that_level_reaches_back_across_a_dictated_paragraph(run):
    result = run(
        "Right lumbar interlaminar epidural steroid injection, under fluoroscopy.\n\n"
        "Under fluoroscopy the L4-L5 interspace was identified and the skin was anesthetized. I "
        "advanced a twenty-gauge Tuohy needle by a right paramedian approach, but as I was "
        "seeking loss of resistance I obtained a free flow of clear fluid, which I took to be "
        "spinal fluid, so I stopped and reassessed the images with care. I withdrew the needle "
        "entirely. Nothing was injected at that level.\n\n"
        "I then moved up to the L3-L4 interspace and advanced a fresh Tuohy needle until I had a "
        "clear loss of resistance to air. I then injected eighty milligrams of Depo-Medrol.\n"
    )
    assert result.procedure.levels == ["L3-L4"]


def test_a_contrast_reason_in_the_next_sentence_after_a_space(run):
    result = run(
        "Left L4-L5 interlaminar epidural steroid injection under fluoroscopy.\n"
        "I advanced a Tuohy needle with loss of resistance at L4-L5. I did not use contrast "
        "today. He had a serious reaction to iodinated dye at a cardiac catheterization. I then "
        "injected eighty milligrams of Depo-Medrol.\n"
    )
    assert (result.procedure.contrast.status, result.procedure.contrast.reason) == (
        "contraindicated", "allergy"
    )


def test_a_dictated_title_line_under_the_letterhead(run):
    result = run(
        "Florence Hunt, M.D.\nDate: 10/28/2025\nPatient: Mrs. R. A., 58\n\n"
        "Right sacroiliac joint injection under fluoroscopy.\n\n"
        "About four months ago I did an L5-S1 interlaminar epidural on her, which took care of "
        "the leg pain. What brings her back now is buttock pain over the right SI joint.\n\n"
        "Under fluoroscopy I rotated the C-arm until the right sacroiliac joint lines "
        "overlapped, advanced a 22-gauge needle into the joint and injected 40 mg of Kenalog.\n"
    )
    assert result.procedure.procedure_type == "si_joint"
    assert not result.billing.supports_62323


def test_a_faxed_form_with_ballot_boxes_and_a_hyphenated_allergy(run):
    result = run(
        "PROCEDURE:   \u2612 Interlaminar    \u2610 Transforaminal    \u2610 Caudal\n"
        "LEVEL:       L5-S1              SIDE:   \u2610 R   \u2612 L   \u2610 Midline\n"
        "GUIDANCE:    \u2612 Fluoroscopy   \u2610 CT   \u2610 None\n"
        "CONTRAST:    \u2612 Omnipaque 240   1.5 mL      \u2610 Not used\n"
        "Prior ESI ............ N\n\n"
        "TECHNIQUE: LOR to saline at L5-S1. Injected dexamethasone 1O mg (1 mL).\n"
    )
    assert result.procedure.contrast.status == "used"
    assert "iohexol" in {m.name for m in result.medications}
    assert not result.prior_injection.is_repeat
    steroid = next(m for m in result.medications if m.role == "steroid")
    assert steroid.dose.value == 10


def test_fluoroscopy_deferred_in_pregnancy_leaves_the_ultrasound(run):
    result = run(
        "Procedure: Caudal epidural steroid injection, ultrasound-guided\n"
        "Pregnancy considerations: Fluoroscopy deferred - radiation avoidance. Iodinated contrast "
        "not administered (pregnancy).\n"
        "Technique: linear US probe over the sacral hiatus; needle through the sacrococcygeal "
        "ligament. Dexamethasone 10 mg injected.\n"
    )
    assert result.procedure.guidance == "ultrasound"
    assert not result.billing.supports_62323


def test_free_text_overrules_a_ticked_fluoroscopy_box(run):
    result = run(
        "PROCEDURE PERFORMED: L5-S1 ILESI\n"
        "GUIDANCE: [x] Fluoroscopy  [ ] CT  [ ] US  [ ] None\n\n"
        "  Free text: Guidance box above is the template default. C-arm at this satellite was "
        "out of service today, so the injection was done by landmark/loss-of-resistance "
        "technique WITHOUT fluoroscopy. Kenalog 80 mg injected.\n"
    )
    assert result.procedure.guidance == "none"
    assert result.billing.suggested_codes == ["62322"]


def test_a_narrative_on_the_procedure_line_is_not_all_title(run):
    result = run(
        "LCD checklist:\n [X] Fluoroscopic guidance\n [X] Radicular pain\n\n"
        "Procedure: The office C-arm was out of service today (vendor repair); the patient "
        "declined to reschedule because of travel. The injection was therefore performed WITHOUT "
        "fluoroscopy, using palpation landmarks and loss of resistance at L4-L5. Kenalog 80 mg "
        "was injected.\n"
    )
    assert result.procedure.guidance == "none"
    assert result.billing.suggested_codes == ["62322"]


@pytest.mark.parametrize(
    "unavailable",
    [
        "Requests repeat; fluoro suite booked out 6 wks, pt prefers office-based inj today.",
        "Note: Our C-arm is out for service this week; patient elected to proceed today.",
        "Options (wait 3 weeks, travel 2 h to regional center for fluoroscopic injection, or "
        "landmark injection today) were discussed.",
    ],
)
def test_a_fluoroscopy_unit_that_is_unavailable_is_not_used(run, unavailable):
    result = run(
        f"S: stenosis. {unavailable}\nProcedure: L4-5 interlaminar ESI, midline, landmark/LOR "
        "technique, no fluoroscopy. Triamcinolone 80 mg injected.\n"
    )
    assert result.procedure.guidance == "none"


def test_a_c_arm_rotated_to_the_right_is_not_the_injection_side(run):
    result = run(
        "Procedure: L L4-5 interlaminar ESI, left paramedian, under fluoroscopy.\n"
        "Technique: 20G Tuohy advanced toward the left side of the interlaminar space. "
        "Contralateral oblique view: C-arm rotated ~50 degrees to the RIGHT (contralateral to "
        "needle). LOR to air. Kenalog 80 mg injected. Blood patch discussed if positional "
        "headache develops.\n"
    )
    assert result.procedure.laterality == "left"
    assert result.procedure.procedure_type == "epidural_steroid_injection"


def test_a_header_alone_above_an_indented_list_starts_its_section(run):
    """'PRIOR INTERVENTIONS' over indented items is history: its medial branch blocks and
    RFA are not today's procedure."""
    analysis = run(
        "Procedure: Lumbar interlaminar epidural steroid injection\n"
        "Level: L2-L3          Side: Right paramedian\n"
        "Sedation: None\n\n"
        "PRIOR INTERVENTIONS\n"
        "  - L2-L3 ILESI 2024 - pt says it did not do much\n"
        "  - Bilateral L2/L3 MBB 02/2025 x2 (>80%) -> bilateral L2/L3 RFA 03/2025\n\n"
        "PROCEDURE\n"
        "Prone. 20G Tuohy, R paramedian L2-3, LOR to saline under fluoroscopy. "
        "Depo-Medrol 80 mg injected.\n"
    )
    assert analysis.procedure.procedure_type == "epidural_steroid_injection"
    assert analysis.procedure.laterality == "right"
    assert analysis.prior_injection.is_repeat


_COPIED_FORWARD_NOTE = (
    "Procedure Documentation\nDate of Service: 09/22/2025\n\n"
    "Interval Hx: Returns for repeat injection. Had L4-5 ILESI 05/12/2025 w/ ~60% relief "
    "x 3 months.\n"
    "MRI L-spine 03/2025: L4-5 severe central canal stenosis.\n\n"
    "PROCEDURE NOTE -- DOS 05/12/2025 (copied forward)\n"
    "Procedure: L4-5 interlaminar epidural steroid injection, midline, fluoroscopic guidance.\n"
    "Consent: risks, benefits and alternatives discussed; written consent signed.\n"
    "Description: Prone. 20G Tuohy midline L4-5, LOR to saline. Isovue 2 mL with epidural "
    "spread. Depo-Medrol 80 mg + 3 mL NS.\n"
    "Disposition: tolerated well, discharged home.\n\n"
    "TODAY 09/22/2025:\n"
    "Repeat L4-5 ILESI under fluoro. Depo-Medrol 80 mg + 3 mL PF NS. Tolerated, no "
    "complications.\n"
)


def test_a_pasted_note_under_a_dated_copied_forward_header_is_not_today(run):
    """The pasted note's own 'Procedure:' and 'Consent:' headers stay the earlier visit's:
    today's section says nothing of consent, contrast or the approach's side."""
    analysis = run(_COPIED_FORWARD_NOTE)
    assert not analysis.consent.documented
    assert analysis.procedure.contrast.status is None
    assert analysis.procedure.laterality is None
    assert analysis.procedure.levels == ["L4-L5"]


def test_a_dated_today_header_starts_the_procedure(run):
    analysis = run(
        "Office Procedure Note\n\n"
        "PRIOR PROCEDURE 05/20/2025 (copied):\n"
        "Caudal epidural steroid injection under fluoroscopic guidance. Omnipaque 240 3 mL "
        "epidurogram. Methylprednisolone acetate 80 mg + 8 mL NS injected.\n\n"
        "ROS/PE: Neg SLR bilaterally. 5/5 strength.\n\n"
        "TODAY 10/02/2025 -- Caudal ESI, ultrasound guided (office procedure room)\n"
        "Prone. Sacral hiatus identified with linear ultrasound probe. 22G spinal needle "
        "advanced under real-time ultrasound into the caudal canal. No contrast used. "
        "Methylprednisolone acetate 80 mg (2 mL) + NS 6 mL injected.\n"
    )
    assert (analysis.procedure.approach, analysis.procedure.guidance) == ("caudal", "ultrasound")
    assert analysis.procedure.contrast.status == "not_used"


def test_a_pasted_procedure_between_dashed_banners_is_not_today(run):
    analysis = run(
        "PAIN CLINIC PROCEDURE NOTE\nDOS: 11/11/2025\n\n"
        "PE (template): Neg SLR bilaterally. 5/5 strength.\n\n"
        "---- PROCEDURE 08/13/2024 (copied) ----\n"
        "L4-5 interlaminar ESI, midline, under fluoroscopic guidance. Signed consent on chart. "
        "18G Tuohy midline LOR. Omnipaque 240 2 mL epidural spread. 80 mg Kenalog + 4 mL NS.\n"
        "---- end ----\n\n"
        "PROCEDURE 11/11/2025:\nConsent: ____\nProcedure: L4-5 ILESI\n"
        "20G Tuohy, LOR. 80 mg Kenalog + 4 mL NS injected.\nPt tolerated well.\n"
    )
    assert analysis.procedure.guidance is None
    assert analysis.procedure.contrast.status is None
    assert not analysis.consent.documented


def test_an_approach_changed_from_is_not_the_approach(run):
    analysis = run(
        "Procedure (from order): RIGHT S1 TRANSFORAMINAL EPIDURAL STEROID INJECTION\n\n"
        "PROCEDURE 07/21/25:\n"
        "Right L5-S1 interlaminar epidural steroid injection (paramedian) -- changed from TFESI "
        "per pt preference.\nProne. L5-S1 interspace under AP fluoroscopy. 20G Tuohy, right "
        "paramedian, LOR saline. Dexamethasone 10 mg (1 mL) + 2 mL NS injected.\n"
    )
    assert analysis.procedure.approach == "interlaminar"
    assert analysis.billing.suggested_codes == ["62323"]


def test_guidance_being_avoided_is_not_used(run):
    analysis = run(
        "caudal epidural steroid injection ultrasound guided\n"
        "she is fourteen weeks pregnant so we are avoiding fluoroscopy\n"
        "prone, the sacral hiatus was identified with a linear ultrasound probe, 22 gauge needle "
        "advanced under ultrasound into the caudal canal, Celestone 12 mg with 8 mL saline\n"
    )
    assert analysis.procedure.guidance == "ultrasound"


def test_a_c_arm_on_standby_is_not_guidance(run):
    analysis = run(
        "L3-L4 interlaminar epidural steroid injection.\n"
        "Technique: Seated, flexed forward. The C-arm was in the room on standby but was not "
        "used; the L3-L4 interspace was identified by palpation of surface landmarks. 20G Tuohy "
        "midline, loss of resistance to saline. Kenalog 80 mg injected.\n"
    )
    assert analysis.procedure.guidance == "none"


def test_a_level_of_an_injection_had_on_a_full_date_is_history(run):
    analysis = run(
        "Procedure: Right L4-5 interlaminar epidural steroid injection, fluoroscopic guidance.\n"
        "Sedation: minimal, midazolam 1 mg IV\n\n"
        "53M known to us for neck pain: had a C6-7 interlaminar ESI on 03/12/2025 with about 70% "
        "relief lasting roughly 5 months.\n\n"
        "Description: L4-5 interspace squared off on AP fluoroscopy. 20G Tuohy right paramedian, "
        "loss of resistance. Depo-Medrol 80 mg injected.\n"
    )
    assert analysis.procedure.levels == ["L4-L5"]


@pytest.mark.parametrize(
    "body",
    [
        "AP fluoroscopy to identify the C7-T1 interlaminar space (selected as the widest window; "
        "the C6-7 space is narrow below the fused C5-6 segment). 20G Tuohy at C7-T1, LOR.",
        "On AP fluoroscopy the C6-C7 interspace was initially targeted; however, the needle was "
        "redirected and the epidural space was entered at C7-T1 by loss of resistance.",
        "C7-T1 interlaminar space identified on AP fluoro (C6-7 window too narrow). 20G Tuohy "
        "left paramedian, LOR to saline.",
    ],
)
def test_a_level_passed_over_for_another_is_not_injected(run, body):
    analysis = run(
        "Procedure: Cervical epidural steroid injection, interlaminar, fluoroscopy.\n"
        f"Technique: {body} Dexamethasone 10 mg injected.\n"
    )
    assert analysis.procedure.levels == ["C7-T1"]


def test_a_contrast_field_after_the_indication_is_today(run):
    contrast = run(
        "Procedure: Lumbar interlaminar epidural steroid injection at L4-L5, fluoroscopic "
        "guidance\n\nIndications: Right L4 radiculopathy with lumbar spinal stenosis.\n\n"
        "Contrast: NOT given - CKD stage 4 (eGFR 22); nephrology requests avoiding iodinated "
        "contrast.\n\nTechnique: Prone. 20G Tuohy right paramedian L4-5, LOR. Kenalog 80 mg.\n"
    ).procedure.contrast
    assert (contrast.status, contrast.reason) == ("contraindicated", "renal")


def test_contrast_named_in_an_allergy_list_is_an_allergen_not_a_field(run):
    analysis = run(
        "L4-5 interlaminar ESI under fluoroscopy.\nAllergies:\nContrast: hives\nPCN: rash\n\n"
        "Procedure: Tuohy LOR L4-5. Kenalog 80 mg injected.\n"
    )
    assert analysis.procedure.contrast.status is None


@pytest.mark.parametrize(
    "text",
    [
        # A follow-up visit under the template's ESI title.
        "Transforaminal Epidural Steroid Injection\n\nFollow-up Visit\n"
        "S: Here 4 weeks after R L5 TFESI (10/02/2025). No relief at all, pain 7/10.\n"
        "A: R L5 radiculopathy. No response to R L5 TFESI.\n"
        "P: No further injections recommended. Spine surgery referral placed today.\n",
        # A prior-authorization note.
        "Lumbar Epidural Steroid Injection\n\nEncounter type: Orders Only / Prior Authorization\n"
        "PROCEDURE REQUESTED: Left L5-S1 interlaminar epidural steroid injection with "
        "fluoroscopic guidance\nCPT: 62323 x1\nAUTH STATUS: PENDING\n",
        # A pre-procedure H&P: the exam names the sacral hiatus, no needle touches it.
        "CAUDAL EPIDURAL STEROID INJECTION - PRE-PROCEDURE HISTORY & PHYSICAL\n"
        "HPI: 78M with neurogenic claudication; PT x 12 weeks in 2024.\n"
        "PHYSICAL EXAM:\nBack: no tenderness over sacrum, skin intact over sacral hiatus.\n"
        "PLAN:\n- Proceed tomorrow with caudal epidural steroid injection under fluoroscopy.\n",
    ],
)
def test_a_note_without_a_procedure_today_is_not_an_epidural_injection(run, text):
    analysis = run(text)
    assert not analysis.procedure.is_epidural_injection
    assert analysis.billing.suggested_codes == []
    assert not analysis.billing.supports_62323


def test_a_needle_redirected_caudal_is_not_the_caudal_approach(run):
    analysis = run(
        "EXAMINATION: FLUOROSCOPIC-GUIDED LEFT L4 AND L5 TRANSFORAMINAL EPIDURAL STEROID "
        "INJECTIONS\n\nTECHNIQUE: Under oblique fluoroscopy 22-gauge needles were advanced to the "
        "left L4 and L5 foramina. Venous uptake at L5; the needle was withdrawn 3 mm and "
        "redirected slightly caudal and lateral. Dexamethasone 6 mg at each level.\n"
    )
    assert analysis.procedure.approach == "transforaminal"


def test_fluoroscopy_offered_as_the_alternative_is_not_used(run):
    analysis = run(
        "Office procedure - L5-S1 ESI (interlaminar), landmark technique, NO fluoroscopy\n"
        "Consent: risks incl needle misplacement w/o imaging, benefits, alts (wait for fluoro) "
        "reviewed\nSeated, flexed. L5-S1 by palpation. 20g Tuohy, LOR. Kenalog 80 mg injected.\n"
    )
    assert analysis.procedure.guidance == "none"


def test_a_scheduled_epidural_not_performed_beside_trigger_points(run):
    analysis = run(
        "PROCEDURE NOTE\n\nScheduled procedures:\n"
        "1. L5-S1 interlaminar epidural steroid injection, fluoroscopic guidance (62323)\n"
        "2. Trigger point injections, bilateral lumbar paraspinals (20553)\n\n"
        "PRE-PROCEDURE: Patient took apixaban this morning. ESI NOT PERFORMED today - will "
        "reschedule. Trigger point injections are low risk and we proceeded with those.\n\n"
        "TPI: 5 trigger points identified by palpation. 27g needle; each point injected with "
        "1 mL of 0.25% bupivacaine (5 mL total).\n"
    )
    assert analysis.procedure.procedure_type == "trigger_point"
    assert not analysis.billing.supports_62323


def test_guidance_in_a_json_payload(run):
    analysis = run(
        '{"procedure":{"name":"LUMBAR EPIDURAL STEROID INJECTION","level":"L4-L5",'
        '"approach":"interlaminar","imaging":"fluoroscopy"},\n'
        '"narrative":"Prone. 20G Tuohy L4-5, LOR to saline. Kenalog 80 mg injected."}\n'
    )
    assert analysis.procedure.guidance == "fluoroscopy"


def test_a_caudal_needle_advanced_to_s3_has_no_level(run):
    analysis = run(
        "Caudal epidural steroid injection under fluoroscopy.\nTechnique: 20G Tuohy through the "
        "sacrococcygeal ligament, advanced to S3 under lateral view. Epidurogram: spread to L5. "
        "Kenalog 80 mg + 8 mL NS injected.\n"
    )
    assert (analysis.procedure.approach, analysis.procedure.levels) == ("caudal", [])


@pytest.mark.parametrize(
    "plan",
    [
        "A/P: R L5 radiculopathy, L4-5 lateral recess stenosis. L4-5 ILESI done today R paramedian "
        "under fluoro (contrast confirmed epidural spread) w/ triamcinolone 80 mg; will add "
        "gabapentin; if no relief, R L5 TFESI next. f/u 4 wks.",
        "A/P: L S1 radiculopathy. Repeat L5-S1 ILESI done today. Verbal consent. Time-out. "
        "Fluoro-guided, R paramedian, 20G Tuohy, LOR saline. Omnipaque 240 3 mL, epidural spread. "
        "Depo-Medrol 80 mg + NS 2 mL. Tolerated. RTC 3 wks; if <50% consider TFESI.",
    ],
)
def test_todays_procedure_written_inside_the_assessment_and_plan(run, plan):
    analysis = run(
        "S: R leg pain x 3 mo. Pain 8/10.\nO: SLR + R.\n" + plan + "\n"
    )
    procedure = analysis.procedure
    assert (procedure.approach, procedure.laterality, procedure.guidance) == (
        "interlaminar", "right", "fluoroscopy"
    )
    assert analysis.billing.suggested_codes == ["62323"]


def test_words_run_together_on_a_phone(run):
    analysis = run(
        "L3-4 ILESI\nprone, chlorhex prep, fluoroAP/lat, R paramedian L3-4, 20G Touhy LORsaline\n"
        "kenalog 80mg\ntol well\n"
    )
    assert analysis.procedure.guidance == "fluoroscopy"
    assert {m.name for m in analysis.medications} == {"triamcinolone acetonide"}


@pytest.mark.parametrize(
    "closing",
    [
        "Next time I'd probably do a single caudal injection instead of two needles.",
        "If this doesn't help, maybe a caudal under fluoro next time.",
        "If the leg flares he can come back for another epidural, probably a caudal.",
    ],
)
def test_a_next_time_remark_in_headerless_prose_is_not_todays_approach(run, closing):
    text = (
        "Lumbar epidural, L3-4.\n\nHe has stenosis with claudication. Seated, prepped, the "
        "skin infiltrated with lidocaine. A Tuohy needle was placed in the midline at L3-4 by "
        "palpation without fluoroscopy, loss of resistance at 5 cm. Depo-Medrol 80 mg with "
        "4 mL saline was injected. He tolerated it fine. " + closing
    )
    procedure = run(text).procedure
    assert (procedure.approach, procedure.region, procedure.guidance) == (
        "interlaminar", "lumbar", "none")


def test_zygapophyseal_joints_under_a_generic_title_are_a_facet_procedure(run):
    text = (
        "Procedure: Spine injection\nLevel: L4-5, L5-S1   Side: Bilateral\n"
        "Guidance: Fluoroscopy\nTechnique: Needle advanced into the inferior recess of the "
        "bilateral L4-5 and L5-S1 zygapophyseal (facet) joints. Intra-articular position "
        "confirmed with contrast. Per joint 0.5 mL bupivacaine + triamcinolone 10 mg.\n"
    )
    procedure = run(text).procedure
    assert (procedure.procedure_type, procedure.is_epidural_injection) == ("facet", False)


@pytest.mark.parametrize(
    "background",
    [
        "ALLERGY: iodinated contrast (anaphylaxis 2019) -> NO contrast today.",
        "INDICATION: Radiculopathy. She had hives after CT contrast in 2019; therefore contrast "
        "was not used today.",
    ],
)
def test_a_background_section_that_says_no_contrast_today_gives_the_reason(run, background):
    text = (
        "PROCEDURE: Left L4-5 interlaminar ESI under fluoroscopy.\n" + background + "\n"
        "DESCRIPTION: AP/lateral fluoroscopy, LOR to saline. Dexamethasone 10 mg injected.\n"
    )
    contrast = run(text).procedure.contrast
    assert (contrast.status, contrast.reason) == ("contraindicated", "allergy")


def test_an_older_practitioners_sacral_block_is_a_caudal_epidural(run):
    text = (
        "SACRAL BLOCK\nHx: failed back. Prior sacral blocks: last one 06/2025 gave about 70% "
        "relief, lasted ~4 months.\nProcedure: prone, C-arm lateral view. 20g spinal needle "
        "through the sacrococcygeal ligament. Isovue-M 5 cc, then Kenalog 80 mg injected.\n"
    )
    result = run(text)
    assert (result.procedure.procedure_type, result.procedure.approach) == (
        "epidural_steroid_injection", "caudal")
    assert (result.prior_injection.is_repeat, result.prior_injection.relief_percent) == (True, 70)


def test_exam_lines_after_an_exam_field_stay_in_the_examination(run):
    text = (
        "PROCEDURE PERFORMED:\nLeft L5-S1 interlaminar epidural steroid injection\n\n"
        "PHYSICAL EXAMINATION\nVitals: BP 138/82 | HR 76 | RR 16 | SpO2 98% RA\n"
        "General: well-appearing, shifts position frequently while seated.\n"
        "Lumbar spine: Mild TTP over bilateral L4-L5 and L5-S1 paraspinals, left >\n"
        " right. Facet loading negative bilaterally at L3-L4, L4-L5 and L5-S1.\n"
        "SI joint: no tenderness over bilateral PSIS. Provocation maneuvers 0/5 on the left, "
        "0/5 on the right.\nHips: FABER and FADIR negative bilaterally.\nNeurologic:\n"
        "  Sensation: decreased over the lateral left foot (S1);\n   intact L2 through L5 "
        "dermatomes bilaterally and right S1.\n\n"
        "PROCEDURE DESCRIPTION\nUnder fluoroscopy a 20 G Tuohy needle entered the L5-S1 "
        "epidural space by a left paramedian approach. Depo-Medrol 80 mg injected.\n"
    )
    procedure = run(text).procedure
    assert (procedure.laterality, procedure.levels) == ("left", ["L5-S1"])


def test_a_dye_study_with_the_steroid_held_is_an_epidurogram(run):
    text = (
        "PROCEDURE NOTE - EPIDURAL DYE STUDY ONLY (steroid held)\n"
        "Scheduled for L5-S1 epidural steroid; sugar 412, so no cortisone today.\n"
        "Under the C-arm, skin 1% lidocaine 2 cc, 18g Tuohy right paramedian, LOR at L5-S1. "
        "Omnipaque 180, 4 cc injected: filling defect at L5-S1. No drug other than dye was "
        "injected.\n"
    )
    procedure = run(text).procedure
    assert (procedure.procedure_type, procedure.is_epidural_injection) == ("epidurogram", False)


def test_a_follow_up_letter_that_retells_the_last_esi_is_not_an_injection_today(run):
    text = (
        "Dear Dr. Patel,\n\nI saw Ms. A in clinic today, two weeks after her left L5-S1 "
        "interlaminar epidural steroid injection of May 20. That procedure was performed under "
        "fluoroscopic guidance with contrast (Omnipaque 2 mL), and she received 80 mg of "
        "triamcinolone.\n\nPlan: No further injection is needed, and no procedure was "
        "performed today.\n"
    )
    procedure = run(text).procedure
    assert (procedure.is_epidural_injection, procedure.procedure_type) == (False, "other")


@pytest.mark.parametrize(("title", "expected"), [
    ("Proc: LESI L5-S1 IL, R, fluoro w/ contrast (Omni 240 1mL)", "interlaminar"),
    ("Proc: LESI L5 TF, R, fluoro w/ contrast (Omni 240 1mL)", "transforaminal"),
])
def test_an_approach_abbreviated_after_the_level(run, title, expected):
    text = title + "\nMed: Celestone 12mg (2mL) + 1mL 1% lido PF\nPre VAS 7, post VAS 2\n"
    assert run(text).procedure.approach == expected


def test_a_correction_after_the_note_overrides_auto_populated_template_text(run):
    text = (
        "Procedure: Lumbar interlaminar ESI, left L4-L5, under fluoroscopic guidance\n\n"
        "Technique (template): Under fluoroscopic guidance the L4-L5 space was identified. "
        "Tuohy, LOR. Omnipaque 240 1 mL confirmed epidural spread. Triamcinolone 80 mg "
        "injected.\n\nT. E., MD\n\nADDENDUM / CORRECTION 04/29/2025\nThe C-arm was out of "
        "service. This procedure was performed using a landmark technique: no fluoroscopy was "
        "used and no contrast was injected. The template text above referencing fluoroscopic "
        "guidance and Omnipaque was auto-populated in error.\n"
    )
    procedure = run(text).procedure
    assert (procedure.guidance, procedure.contrast.status) == ("none", "not_used")

"""Consent, scores, diagnoses, conservative care, imaging, post-procedure, prior response."""

import re

import pytest


def wrap(body):
    return (
        "PROCEDURE: L4-5 interlaminar ESI under fluoroscopy.\n"
        f"{body}\nDESCRIPTION: Loss of resistance at L4-5. Depo-Medrol 80 mg injected.\n"
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Pain 7/10 before the procedure.", [("pre", 7.0)]),
        ("Pre-procedure NRS 8/10, post-procedure 3/10.", [("pre", 8.0), ("post", 3.0)]),
        ("VAS 6 today.", [("pre", 6.0)]),
        ("Pain is 6 out of 10.", [("pre", 6.0)]),  # written before the procedure work
        ("Pain score pre 8 post 3.", [("pre", 8.0), ("post", 3.0)]),
        ("Seen 5/10/2024 for follow up.", []),
        ("Post: no complications, NRS 3/10, d/c home.", [("post", 3.0)]),
        ("Left leg pain 6 mo, NRS 8/10 before.", [("pre", 8.0)]),
        ("Headache 1/10 sitting at 1 hour.", [("post", 1.0)]),
        ("VAS today 8.", [("pre", 8.0)]),
        ("Pain 3/10 before discharge.", [("post", 3.0)]),
        ("Pain 2/10. No complications. Discharged home.", [("post", 2.0)]),
        ("Post: pain went from 6/10 to 1/10 after.", [("pre", 6.0), ("post", 1.0)]),
        ("Pain: VAS 8 before -> 3 after.", [("pre", 8.0), ("post", 3.0)]),
        ("Post: VAS 7 -> 2. Home.", [("pre", 7.0), ("post", 2.0)]),
        ("Pre-procedure NRS 8/10 at the bedside; 4/10 at 30 minutes.", [("pre", 8.0),
                                                                       ("post", 4.0)]),
        ("pain pre 7/10, post 2/10", [("pre", 7.0), ("post", 2.0)]),
        # Two labels on one line; a timing word after the arrow.
        ("Pre NRS: 8     Post NRS: 4     ODI: 42%", [("pre", 8.0), ("post", 4.0)]),
        ("- pre 7/10 -> post 2/10", [("pre", 7.0), ("post", 2.0)]),
    ],
)
def test_pain_scores(run, body, expected):
    found = [(p.timing, p.value) for p in run(wrap(body)).pain_scores]
    assert found == expected


@pytest.mark.parametrize(
    ("body", "instrument", "value"),
    [
        ("ODI 44%.", "ODI", 44.0),
        ("Oswestry Disability Index 38.", "ODI", 38.0),
        ("Roland-Morris score 12.", "RMDQ", 12.0),
        ("Oswestry 19/50.", "ODI", 38.0),
        ("Oswestry Disability Index recorded at intake today was 46%.", "ODI", 46.0),
        ("ODI .............. 42%", "ODI", 42.0),
        # In words, past a date, and not past the end of its sentence.
        ("Her Oswestry is thirty-eight percent.", "ODI", 38.0),
        ("ODI at last visit (08/12/25) 52%.", "ODI", 52.0),
        ("ODI today: 48%. Follow up with ODI. If relief wanes within 2-3 months, call.", "ODI",
         48.0),
    ],
)
def test_function_scores(run, body, instrument, value):
    scores = run(wrap(body)).functional_scores
    assert [(s.instrument, s.value) for s in scores] == [(instrument, value)]


@pytest.mark.parametrize(
    ("body", "documented", "form", "rba"),
    [
        (
            "CONSENT: Risks, benefits and alternatives discussed; written consent signed.",
            True,
            "written",
            True,
        ),
        ("Verbal informed consent was obtained.", True, "verbal", False),
        ("Consent: ____", False, None, False),
        ("Consent: [ ]", False, None, False),
        ("Patient tolerated well.", False, None, False),
        (
            "We discussed risks including bleeding and infection, as well as benefits and "
            "alternatives. He gave written informed consent.",
            True,
            "written",
            True,
        ),
        ("Consent: riskes, benifits and alternitives reviewed, consent signed.", True, "written",
         True),
        ("Consent: Pt consented in writing after the discussion.", True, "written", False),
        ("Consent: Informed consent obtained. Patient signed.", True, "written", False),
        # Older wordings: a signed permit, agreement after an explanation.
        ("Permit signed after explaining risks, benefits and alternatives.", True, "written",
         True),
        ("Pt agreeable after explanation of procedure and risks.", True, None, False),
        # The answer on the line below its header; a blank field below it is not consent.
        ("CONSENT:\nSigned. Risks (bleeding, infection), benefits and alternatives reviewed.",
         True, "written", True),
        ("CONSENT\nInformed consent: ***", False, None, False),
        # Blanks, unticked options and an unsigned form are not consent.
        ("Consent: {blank}", False, None, False),
        ("Consent: [ ] verbal  [ ] written   Risks discussed: [ ]", False, None, False),
        ("Consent: [x] verbal  [ ] written", True, "verbal", False),
        ("Informed consent: [ ] verbal  [ ] written", False, None, False),
        ("PLAN: Procedure cancelled. Consent form reviewed but not signed.", False, None, False),
        # A "would" later in the sentence is about something else.
        ("CONSENT: Informed consent was obtained in writing after the risks, benefits and "
         "alternatives were discussed, including that contrast would not be used.", True,
         "written", True),
        ("CONSENT: INFORMED CONSENT OBTAINED. RISKS (INCL INFECTION, BLEEDING, DURAL PUNCTURE, "
         "SPINAL CORD INJURY, PARALYSIS), BENEFITS AND ALTERNATIVES DISCUSSED. PT SIGNED.", True,
         "written", True),
    ],
)
def test_consent(run, body, documented, form, rba):
    consent = run(wrap(body)).consent
    assert (consent.documented, consent.form, consent.risks_benefits_alternatives) == (
        documented,
        form,
        rba,
    )


@pytest.mark.parametrize(
    ("body", "categories"),
    [
        ("DIAGNOSIS: Lumbar radiculopathy (M54.16).", {"radiculopathy"}),
        ("DIAGNOSIS: Low back pain. Denies radicular symptoms.", {"axial_pain"}),
        ("DIAGNOSIS: Acute herpes zoster, T10 dermatome.", {"herpes_zoster"}),
        ("DIAGNOSIS: acute HZ R T10 dermatome, rash onset 3 wk ago", {"herpes_zoster"}),
        ("DIAGNOSIS: Lumbar spinal stenosis with neurogenic claudication.", {"stenosis"}),
        ("DIAGNOSIS: Low back pain with left L5 radic.", {"radiculopathy"}),
        ("DIAGNOSIS: L4-L5 and L5-S1 disc protrusions\nSide:: Bilateral", {"disc_herniation"}),
        # Past conditions and findings of an imaging section are not today's diagnoses.
        ("DIAGNOSIS: Lumbar spinal stenosis. History of T12 compression fracture.",
         {"stenosis"}),
        ("IMAGING: MRI with L3-4 stenosis and facet arthropathy.\nDIAGNOSIS: Lumbar spinal "
         "stenosis.", {"stenosis"}),
        # A bulge is not a herniation.
        ("DIAGNOSIS: Lumbar radiculopathy. L4-5 broad-based disc bulge with lateral recess "
         "stenosis.", {"radiculopathy", "stenosis"}),
    ],
)
def test_diagnoses(run, body, categories):
    assert {d.category for d in run(wrap(body)).diagnoses} == categories


@pytest.mark.parametrize(
    ("body", "documented", "weeks"),
    [
        ("HISTORY: Failed 8 weeks of physical therapy and NSAIDs.", True, 8.0),
        ("HISTORY: PT for 3 months without relief.", True, 12.0),
        ("HISTORY: Failed conservative care.", True, None),
        ("PLAN: Recommend physical therapy.", False, None),
        ("HISTORY: Pt was positioned prone.", False, None),
        ("HISTORY: Physical therapy x 6 weeks, NSAIDs x 3 months.", True, 12.0),
        ("HISTORY: Leg pain 6 months, failed chiropractic and PT x 12 weeks.", True, 12.0),
        ("HISTORY: She has done a 12-week course of physical therapy.", True, 12.0),
        ("HISTORY: She completed 8 weeks of PT in the spring.", True, 8.0),
        ("HISTORY: She has done two full months of physical therapy plus celecoxib.", True,
         8.0),
        ("HISTORY: Over the last 3 months she has been managed with gabapentin.", True, 12.0),
        ("INDICATION: Leg pain for over three months, refractory to physical therapy and oral "
         "medications over that period.", True, 12.0),
    ],
)
def test_conservative_care(run, body, documented, weeks):
    care = run(wrap(body)).conservative_care
    assert (care.documented, care.weeks) == (documented, weeks)


def test_imaging_correlation(run):
    found = run(wrap("IMAGING: MRI 3/2025 shows L4-5 disc protrusion contacting the L5 root."))
    assert found.imaging_correlation.documented and found.imaging_correlation.modality == "MRI"
    assert not run(wrap("PLAN: Obtain MRI.")).imaging_correlation.documented
    blank = wrap("INDICATIONS: Right L3 radiculopathy. MRI lumbar spine: ***. Disc disease "
                 "suspected.")
    assert not run(blank).imaging_correlation.documented
    allergy = wrap("ALLERGIES: Iodinated contrast, anaphylaxis in 2018 with a CT scan.\n"
                   "DIAGNOSIS: Right L3 radiculopathy from foraminal stenosis.")
    assert not run(allergy).imaging_correlation.documented


@pytest.mark.parametrize(
    ("body", "documented", "complications"),
    [
        ("POST-PROCEDURE: Tolerated well, no complications, discharged home.", True, "none"),
        ("Vital signs stable after the procedure.", True, None),
        ("", False, None),
        # Terse notes: a bare "Tolerated." or "d/c w/ son" says how the patient did.
        ("Tolerated. F/u 2 wks.", True, None),
        ("- tolerated, no compl, d/c w/ son", True, "none"),
        ("HISTORY: NSAIDs not tolerated.", False, None),
        # A consent's list of harms is not today's complication.
        ("PATIENT EDUCATION:\nProcedure risks reviewed with patient: bleeding, epidural "
         "hematoma, infection, nerve injury, paralysis, allergic reaction incl.\ncontrast "
         "reaction, vasovagal syncope, transient numbness.\nPOST: Tolerated well.", True, None),
    ],
)
def test_post_procedure(run, body, documented, complications):
    post = run(wrap(body)).post_procedure
    assert (post.documented, post.complications) == (documented, complications)


def test_prior_injection_response(run):
    prior = run(wrap("HISTORY: Prior L4-5 ESI gave 70% relief for 4 months.")).prior_injection
    assert prior.is_repeat and prior.documented
    assert prior.relief_percent == 70.0 and prior.duration_weeks == 16.0
    assert not run(wrap("HISTORY: No prior injections.")).prior_injection.is_repeat


@pytest.mark.parametrize(
    ("body", "repeat"),
    [
        ("PLAN: A repeat injection will be considered if relief is sustained.", False),
        ("DETAILS: A Tuohy needle went left paramedian and a second 20-gauge Tuohy needle "
         "right paramedian.", False),
        ("HPI: She returns for her scheduled repeat injection.", True),
        ("HPI: Repeat L4-5 interlaminar ESI today.", True),
        ("Prior injections:: None - first injection", False),
        ("Prior ESI: none in past 12 mo", False),
        ("A right L4 TFESI at another practice in 2024 gave 60% relief for 3 months.", True),
        # Past-sounding words that describe today's approach or today's plan.
        ("HISTORY: Because of the prior laminectomy a caudal approach was chosen.", False),
        ("INDICATION: A caudal route was selected because of the prior posterior surgery.",
         False),
        ("INDICATION: A left L5 transforaminal approach was performed instead.", False),
        ("PLAN: Right L4-5 interlaminar ESI scheduled for 08/13/2025.", False),
        ("HISTORY: A caudal ESI was chosen in 2023 and gave 50% relief.", True),
        # A bare "epidural" named with its side and level is an injection received.
        ("He had a left L5-S1 epidural with me last winter, which helped for a few months.",
         True),
    ],
)
def test_repeat_injection_is_a_past_injection_not_a_plan_or_a_second_needle(run, body, repeat):
    assert run(wrap(body)).prior_injection.is_repeat is repeat


def test_relief_written_with_an_arrow(run):
    prior = run(wrap("Hx: Prior R S1 TFESI 4/25 @ outside -> ~40% x 6 wk.")).prior_injection
    assert (prior.is_repeat, prior.relief_percent) == (True, 40.0)


def test_dictated_scores_and_doses_in_words_are_timed_by_where_the_work_is(run):
    text = (
        "The patient presents for a lumbar epidural steroid injection for right sciatica. "
        "She rates her pain at eight out of ten. She was placed prone and the back was prepped "
        "and draped. A twenty gauge Tuohy needle entered the L4-L5 epidural space by loss of "
        "resistance. Then eighty milligrams of Depo-Medrol with three cc of saline was "
        "injected.\nShe tolerated it well. Her pain was 2 out of 10.\n"
    )
    analysis = run(text)
    assert [(p.timing, p.value) for p in analysis.pain_scores] == [("pre", 8.0), ("post", 2.0)]
    steroid = next(m for m in analysis.medications if m.name == "methylprednisolone acetate")
    assert (steroid.dose.value, steroid.dose.unit) == (80.0, "mg")


def test_a_score_with_no_timing_cue_and_no_procedure_work_is_unspecified(run):
    scores = run("CLINIC NOTE\nLow back pain. Pain is 6 out of 10.\n").pain_scores
    assert [(p.timing, p.value) for p in scores] == [("unspecified", 6.0)]


@pytest.mark.parametrize("line", ["Complications: [x] None   [ ] Other ___",
                                  "Complications ...... None",
                                  "tol well, VSS, cx: none, d/c home"])
def test_template_answers_of_no_complications(run, line):
    assert run(wrap(line)).post_procedure.complications == "none"


@pytest.mark.parametrize(
    ("history", "documented", "relief"),
    [
        ("HISTORY: His first L3-L4 ESI on 11/12/2024 gave sixty percent relief for four months.",
         True, 60.0),
        ("Other history: L4-L5 lumbar epidurals in 2021, about 50% relief for 6 months.",
         True, 50.0),
        ("HISTORY: His last ESI here was 06/2025 and gave good relief.", True, None),
        ("HISTORY: Last R L5 TFESI 10/2024 - relief lasted ~10 wks, now back to baseline.",
         True, None),
        ("HISTORY: An L4-5 epidural injection in 2020 gave \"no real benefit\".", True, 0.0),
        # A past injection in a note without headers, and one dated through "Dr. X on <date>".
        ("Had cervical ESI 2019 for neck/arm pain, did well.", True, None),
        ("He underwent an L4-L5 interlaminar epidural steroid injection with Dr. Oyelaran on "
         "09/17/2024 and reported approximately 70% relief.", True, 70.0),
        ("She had the same injection on 04/08/2025 and reports about 50% relief for 6 weeks.",
         True, 50.0),
        # A response in words is not undone by another treatment's "no lasting benefit".
        ("HISTORY: Had a caudal ESI 11/2024 which helped a lot until March. Was given a Medrol "
         "Dosepak in February, no lasting benefit.", True, None),
    ],
)
def test_prior_response_in_words_plurals_and_qualitative(run, history, documented, relief):
    prior = run(wrap(history)).prior_injection
    assert (prior.is_repeat, prior.documented, prior.relief_percent) == (True, documented, relief)


# The digit-led scan patterns as first written, with a leading look-behind; nlp/facts/clinical.py
# moves the look-behind after the first character so `re` can skip to candidates.
_LEADING_LOOKBEHIND = {
    "pain.slash10": (r"(?<![\d/.])(\d{1,2}(?:\.\d)?)\s*/\s*10(?![\d/])", 0),
    "pain.out_of_10": (r"(?<![\d/.])(\d{1,2}(?:\.\d)?)\s*(?:out of|of)\s*(?:10|ten)\b", re.I),
    "pain.arrow_value": (
        r"(?<![\d.])\d{1,2}\s*(?:/\s*10)?\s*(?:[a-z]{1,12}\s+){0,2}?(?:->|\u2192|=>|-{1,3}>)\s*"
        r"(\d{1,2}(?:\.\d)?)"
        r"(?!\d|\.\d|\s*(?:/|mg|ml|%|cc|mcg|weeks?|wks?|months?|mos?|days?|years?|yrs?))",
        re.I,
    ),
    "pain.value_then_timing": (
        r"(?<![\d/.])(\d{1,2})\s*(?:/\s*10\s*)?(pre|post)(?:-?(?:procedure|procedural|op|"
        r"injection))?\b(?!\s*(?:-?op(?:erative)?\s+)?(?:days?|weeks?|months?))",
        re.I,
    ),
}


def test_moved_lookbehinds_match_like_the_leading_form():
    from pathlib import Path

    from nlp.facts import clinical

    corpus = Path(__file__).resolve().parent.parent / "corpus" / "notes"
    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*/*.txt"))]
    texts += ["1/10 12/10 123/10 .5/10 3.5/10 a7 out of ten 8/10 pre ->9 7 -> 3 x9 --> 2",
              "M54.16 xM54.16 .M54.16 G89.29 (M51.26) 7/10", "1", ""]
    patterns = dict(clinical._PAIN_PATTERNS)
    pairs = [(patterns[name], re.compile(*source)) for name, source in _LEADING_LOOKBEHIND.items()]
    pairs.append(
        (clinical._ICD10, re.compile(r"(?<![\w.])([A-TV-Z]\d{2}\.[0-9A-Z]{1,4})(?![\w.])"))
    )
    for fast, leading in pairs:
        for text in texts:
            assert [(m.span(), m.groups()) for m in fast.finditer(text)] == [
                (m.span(), m.groups()) for m in leading.finditer(text)
            ]


@pytest.mark.parametrize(
    "history",
    [
        "INDICATION: CT from August 2025 shows foraminal stenosis at L4-5.",
        "Hx: CT L-spine 3/2024: severe L4-5 stenosis.",
        "INDICATION: CT chest shows a destructive lesion of the left T8 pedicle.",
    ],
)
def test_a_ct_study_on_file_is_imaging_correlation(run, history):
    found = run(f"{history}\n\nPROCEDURE: L4-5 interlaminar ESI under fluoroscopy.")
    assert found.imaging_correlation.documented and found.imaging_correlation.modality == "CT"


def test_ct_guidance_today_is_not_a_study_on_file(run):
    text = "PROCEDURE: L4-5 transforaminal ESI under CT with the needle in the foraminal position."
    assert not run(text).imaging_correlation.documented


def test_a_duration_before_a_list_of_treatments_belongs_to_the_last_one(run):
    body = "INDICATION: Pain 9/10 despite three months of methadone, hydromorphone and gabapentin."
    care = run(wrap(body)).conservative_care
    assert care.documented and care.weeks == 12.0


def test_a_duration_before_a_list_of_symptoms_is_not_the_treatments(run):
    body = "INDICATION: Leg pain, 6 months of burning, numbness and PT failed."
    care = run(wrap(body)).conservative_care
    assert care.documented and care.weeks is None


@pytest.mark.parametrize(
    ("history", "repeat", "relief"),
    [
        (
            "INDICATION: A diagnostic left T7-T8 interlaminar epidural injection of bupivacaine "
            "on August 28 gave about eighty percent relief for several hours.",
            True,
            80.0,
        ),
        ("INDICATION: An L4-5 epidural steroid injection in March gave 80% relief.", True, 80.0),
        ("INDICATION: An L4-5 epidural steroid injection may help her.", False, None),
    ],
)
def test_an_earlier_injection_dated_by_month_name(run, history, repeat, relief):
    prior = run(wrap(history)).prior_injection
    assert (prior.is_repeat, prior.relief_percent) == (repeat, relief)


@pytest.mark.parametrize(
    "text",
    [
        "Lumbar ILESI\nDx: L L5 radiculopathy; HNP\nNo prior ESI\n- prone, chlorhex/drape\n"
        "- 20g Tuohy L paramedian, LOR air\n- no cx; home",
        "Dx: L5 radiculopathy, M54.16.  CPT 62323\nL4-5 ILESI, fluoro, LOR.",
        "Dx: L5 radiculopathy\nConsent: risks (dural puncture, spinal headache, radicular pain) "
        "reviewed.\nL4-5 ILESI, fluoro, LOR.",
    ],
)
def test_only_written_diagnoses_are_diagnoses(run, text):
    assert {d.category for d in run(text).diagnoses} - {"disc_herniation"} == {"radiculopathy"}


def test_unticked_complication_options_are_not_complications(run):
    text = wrap("Complications: [X] None  [ ] Vasovagal  [ ] Dural puncture  [ ] Other ___")
    assert run(text).post_procedure.complications == "none"


def test_an_unfilled_conservative_care_field_is_not_documentation(run):
    care = run("Conservative treatment: ***\nL4-5 ILESI under fluoroscopy.").conservative_care
    assert not care.documented


def test_epidural_fibrosis_on_mri_is_imaging_correlation(run):
    text = "Dx: post-laminectomy syndrome, epidural fibrosis L4 through S1 on MRI w/ gad 11/24.\n"
    assert run(text + "L5-S1 ILESI under fluoroscopy.").imaging_correlation.modality == "MRI"


def test_an_impression_after_the_work_that_sums_up_today_is_not_a_prior_injection(run):
    note = wrap("") + "IMPRESSION: Radiculopathy, status post L4-5 interlaminar ESI.\n"
    assert not run(note).prior_injection.is_repeat
    dated = wrap("") + "IMPRESSION: Radiculopathy, status post L4-5 ESI in 2023.\n"
    assert run(dated).prior_injection.is_repeat


def test_pain_scores_in_a_nursing_flowsheet_table(run):
    text = wrap("") + (
        "NURSING FLOWSHEET\nTime  | BP      | HR | SpO2 | Pain (0-10)\n"
        "09:45 | 142/88  | 80 | 97%  | 7\n10:25 | 136/82  | 74 | 98%  | 3\n"
        "10:40 | 130/80  | 72 | 98%  | 2\n"
    )
    found = sorted((p.timing, p.value) for p in run(text).pain_scores)
    assert found == [("post", 2.0), ("post", 3.0), ("pre", 7.0)]


def test_flowsheet_rows_labelled_pre_and_post(run):
    text = wrap("") + (
        "Time              | BP      | Pain (NRS 0-10) | Sedation\n"
        "------------------|---------|-----------------|---------\n"
        "09:52 (post)      | 132/78  | 3               | drowsy\n"
        "09:20 (pre-op)    | 138/82  | 7               | alert\n"
    )
    found = sorted((p.timing, p.value) for p in run(text).pain_scores)
    assert found == [("post", 3.0), ("pre", 7.0)]


def test_a_visual_analogue_scale_in_millimetres(run):
    text = wrap("HISTORY: His VAS pain score today is 65 mm.") + (
        "POST: No complications. VAS after the procedure\nwas 20 mm.\n"
    )
    found = sorted((p.timing, p.value) for p in run(text).pain_scores)
    assert found == [("post", 2.0), ("pre", 6.5)]


def test_a_pre_procedure_label_times_every_value_on_its_line(run):
    found = [(p.timing, p.value) for p in run(wrap(
        "Pre-procedure pain: 7/10 at worst, 4/10 at best (past week)")).pain_scores]
    assert found == [("pre", 7.0), ("pre", 4.0)]


def test_a_score_from_this_morning_in_a_clinic_history_is_pre_procedure(run):
    text = (
        "HPI: Admitted with zoster; pain still rated 9/10 this morning despite gabapentin.\n"
        "EXAM: Allodynia over the left thigh.\n" + wrap("")
    )
    assert [(p.timing, p.value) for p in run(text).pain_scores] == [("pre", 9.0)]


def test_scores_of_a_follow_up_visit_without_a_procedure_are_follow_up(run):
    text = (
        "Follow-up Visit - Spine & Pain Center\n\nCC: Follow-up after injection.\n\n"
        "Interval history: 3 weeks after a left L5-S1 interlaminar ESI with 50% improvement.\n\n"
        "Pain: 4/10 today.\n\nPlan: Continue home exercise.\n"
    )
    assert [(p.timing, p.value) for p in run(text).pain_scores] == [("follow_up", 4.0)]


@pytest.mark.parametrize(
    ("line", "documented", "form"),
    [
        ("Consent: ( ) signed  (X) verbal -- risks, benefits, alternatives reviewed", True,
         "verbal"),
        ("Informed Consent: ( ) signed  ( ) verbal\nConsent Comments: ***", False, None),
        ("Consent: (x) signed ( ) verbal", True, "written"),
    ],
)
def test_consent_radio_buttons_typed_as_parentheses(run, line, documented, form):
    result = run(
        "Procedure: L4-5 interlaminar ESI under fluoroscopy.\n"
        f"{line}\n"
        "Technique: LOR at L4-5. Kenalog 80 mg injected.\n"
    )
    assert (result.consent.documented, result.consent.form) == (documented, form)


@pytest.mark.parametrize(
    "post",
    [
        "Complications: (X) None  ( ) Other: ______",
        "Consent: R/B/A including dural puncture, spinal cord injury reviewed; signed.\n"
        "Post: tolerated well, no complications.",
        "Consent signed. Risks reviewed incl. infection, bleeding, dural puncture/headache.\n"
        "Post: no complications.",
    ],
)
def test_complications_none_and_risks_named_in_consent(run, post):
    result = run(
        "Procedure: L4-5 interlaminar ESI under fluoroscopy.\n"
        "Technique: LOR at L4-5. Kenalog 80 mg injected.\n"
        f"{post}\n"
    )
    assert result.post_procedure.complications == "none"


@pytest.mark.parametrize(
    ("history", "documented", "percent"),
    [
        ("HPI: Her first L4-L5 interlaminar epidural was performed here on 01/28/2025. She was "
         "60-70% better for about 2 months.", True, 60),  # a range: the lower figure
        ("Prior: Right L5 TFESI 12/10/2024 - 70% relief x 3 months.", True, 70),
        ("Hx: ILESI #1 on 7/15/25: half the pain gone until recently.", True, 50),
        ("He had an L4-5 interlaminar epidural 10/09/2024 and reports excellent relief, about "
         "90%, lasting 5 months.", True, 90),
        ("Interval: Seen after L4-5 ILESI 02/25/2025. Pt says it helped maybe 20%, for a week.",
         True, 20),
        ("Prior injections: L3-4 ILESI on 03/04/2025. Patient reports minimal benefit.", True,
         None),  # a response in words, not "no relief"
        ("Returns 12 weeks after her first interlaminar ESI on 02/11/2025. Pain improved from a "
         "baseline of 8/10 to 3/10 for about 6 weeks.", True, None),
    ],
)
def test_prior_injection_response_wordings(run, history, documented, percent):
    result = run(
        f"{history}\n\nPROCEDURE: Left L4-L5 interlaminar epidural steroid injection with "
        "fluoroscopy.\nTechnique: LOR at L4-L5. Triamcinolone 40 mg injected.\n"
    )
    prior = result.prior_injection
    assert prior.is_repeat
    assert (prior.documented, prior.relief_percent) == (documented, percent)


@pytest.mark.parametrize(
    "after_work",
    [
        "Post-Procedure:\nComplication: none.\nVitals stable. Pain 2/10. Discharged home.",
        "Monitored in recovery x 20 min, VSS. NRS 2/10 prior to discharge.",
    ],
)
def test_scores_after_the_work_are_post(run, after_work):
    result = run(
        "Procedure: L4-5 interlaminar ESI under fluoroscopy.\n"
        "Technique: LOR at L4-5. Kenalog 80 mg injected. Needle removed.\n\n"
        f"{after_work}\n"
    )
    assert [(p.timing, p.value) for p in result.pain_scores] == [("post", 2)]


def test_a_flowsheet_titled_post_times_all_its_rows(run):
    result = run(
        "NURSING FLOWSHEET -- PRE\n  Time | BP      | HR | Pain (0-10)\n  1005 | 146/84  | 78 | 6\n"
        "PROCEDURE NOTE\n  Caudal ESI under fluoroscopy. Kenalog 80 mg injected.\n"
        "NURSING FLOWSHEET -- POST\n  Time | BP      | HR | Pain (0-10)\n"
        "  1040 | 138/80  | 72 | 2\n  1100 | 134/78  | 70 | 1\n"
    )
    assert [(p.timing, p.value) for p in result.pain_scores] == [
        ("pre", 6), ("post", 2), ("post", 1)
    ]


def test_an_injection_only_discussed_elsewhere_is_not_a_prior_injection(run):
    result = run(
        "HPI: 47F with left L5 radicular pain. Previous procedures: right C6-C7 TFESI was "
        "discussed by an outside provider in 2023 but never done.\n"
        "PROCEDURE: Left L5-S1 interlaminar ESI under fluoroscopy. Kenalog 40 mg injected.\n"
    )
    assert not result.prior_injection.is_repeat


@pytest.mark.parametrize(
    ("history", "weeks"),
    [
        ("failed ~8 wks pt + naproxen + gabapentin.", 8),
        ("6 wks pt/nsaids failed.", 6),
        ("pt x 12 wks, hep, meloxicam.", 12),
    ],
)
def test_lower_case_pt_with_therapy_words_is_physical_therapy(run, history, weeks):
    result = run(
        f"pt: dolores q, 58f. dx: lt l5 radiculopathy. {history}\n"
        "proc: lt l4-5 interlaminar esi under fluoro, kenalog 80 mg.\n"
    )
    assert result.conservative_care.documented and result.conservative_care.weeks == weeks
    assert result.conservative_care.modalities[0] == "physical therapy"


def test_uk_weeks_notation(run):
    result = run(
        "Indication: R L5 radiculopathy. Physio x 10/52, NSAIDs - minimal improvement.\n"
        "Procedure: L4/5 interlaminar epidural, image intensifier. Depo-Medrone 80 mgs.\n"
    )
    assert result.conservative_care.weeks == 10


PASTED_EARLIER_NOTE = (
    "PROCEDURE: Left L3-L4 interlaminar epidural steroid injection with fluoroscopy\n"
    "INDICATION: left L4 radicular pain, stenosis on MRI.\n\n"
    "Previous procedure note (08/2024, copied forward):\n"
    "  Right L5-S1 transforaminal ESI. 20 g Tuohy, LOR to air. Kenalog 80 mg with 2 mL NS.\n"
    "  Follow-up: approximately 40% relief for 6 weeks.\n\n"
    "Medications:\n  acetaminophen 650 mg PO q8h\n\n"
    "PROCEDURE: Prone. L3-4 interspace on AP fluoroscopy. 20-gauge Tuohy left paramedian, "
    "LOR to saline. Dexamethasone 10 mg injected.\n"
)


def test_a_pasted_earlier_note_is_a_prior_injection_not_todays(run):
    result = run(PASTED_EARLIER_NOTE)
    prior = result.prior_injection
    assert (prior.is_repeat, prior.relief_percent) == (True, 40)
    assert (result.procedure.laterality, result.procedure.levels) == ("left", ["L3-L4"])
    assert "triamcinolone acetonide" not in {m.name for m in result.medications}


@pytest.mark.parametrize(
    "post",
    [
        "POST-PROCEDURE:\nPost-procedure pain 0-10: ___\nComplications: ***\nDisposition: ___",
        "Post-procedure: ***\n\nBrief Op Note\nSee above.",
        'Post-procedure: {Blank single:19197::"***"}',
    ],
)
def test_an_unfilled_post_procedure_template_is_not_documented(run, post):
    result = run(
        "PROCEDURE: L4-5 interlaminar ESI under fluoroscopy.\n"
        "Technique: LOR at L4-5. Kenalog 80 mg injected. Needle removed intact.\n\n"
        f"{post}\n"
    )
    assert not result.post_procedure.documented


def test_an_imaging_field_left_blank_is_not_imaging(run):
    result = run(
        "Imaging: MRI ***\n\nPROCEDURE: L4-5 interlaminar ESI under fluoroscopy.\n"
        "Technique: LOR at L4-5. Kenalog 80 mg injected.\n"
    )
    assert not result.imaging_correlation.documented


def test_a_header_inside_a_pasted_earlier_note_stays_in_that_note(run):
    result = run(
        "PROCEDURE: Left L5-S1 interlaminar epidural steroid injection\n"
        "Pre-procedure pain: 7/10.\n\n"
        "Previous procedure note: (copied forward from 10/16/2024 encounter)\n"
        "  PROCEDURE: Left L5-S1 transforaminal epidural steroid injection\n"
        "  Under fluoroscopy, 22 g spinal needle to the left L5-S1 foramen. Dexamethasone 10 mg "
        "(1 mL) with 1 mL 1% lidocaine PF injected.\n\n"
        "TECHNIQUE: Prone. 20 g Tuohy left paramedian at L5-S1, LOR. Kenalog 80 mg injected.\n"
    )
    assert {m.name for m in result.medications} == {"triamcinolone acetonide"}
    assert result.procedure.approach == "interlaminar"


def test_a_duration_field_on_the_treatments_line(run):
    result = run(
        "Conservative Therapy: Physical therapy - Yes; Duration: 6 weeks\n"
        "PROCEDURE: L4-5 interlaminar ESI under fluoroscopy. Kenalog 80 mg injected.\n"
    )
    assert result.conservative_care.weeks == 6


@pytest.mark.parametrize(
    ("history", "zoster"),
    [
        ("PMH: T2DM, history of shingles (2019). Past procedures: intercostal block for "
         "zoster-related pain (2019).", False),
        ("Acute herpes zoster rt T8 dermatome, rash onset 2 wks ago, on valacyclovir.", True),
    ],
)
def test_a_shingles_episode_dated_years_ago_is_not_acute_zoster(run, history, zoster):
    result = run(
        f"HPI: left L3 radiculopathy, 4 months of PT. {history}\n"
        "PROCEDURE: L2-3 interlaminar ESI under fluoroscopy. Kenalog 80 mg injected.\n"
    )
    assert ("herpes_zoster" in {d.category for d in result.diagnoses}) == zoster


def test_a_rating_today_without_the_word_pain_in_its_sentence(run):
    result = run(
        "HPI: right buttock and posterior leg pain radiating to the heel for 5 weeks. Severe, "
        "8/10 today, unable to sit > 15 min.\n"
        "PROCEDURE: L5-S1 interlaminar ESI under fluoroscopy. Kenalog 80 mg injected.\n"
    )
    assert ("pre", 8) in {(p.timing, p.value) for p in result.pain_scores}


@pytest.mark.parametrize(
    ("history", "repeat", "relief"),
    [
        ("She had a cervical epidural at C6-C7 by Dr. Harlan about two years ago, which she says "
         "gave her about eighty percent relief for about six months.", True, 80),
        ("He asked for an epidural after a coworker benefited from one.", False, None),
        ("She had an L3-4 epidural with us last winter which she says helped a lot.", True, None),
        ('Her only previous "epidural" was an epidural blood patch in 2022.', False, None),
    ],
)
def test_a_bare_epidural_as_a_past_injection(run, history, repeat, relief):
    result = run(
        f"{history}\n\nPROCEDURE: Left L4-L5 interlaminar epidural steroid injection under "
        "fluoroscopy. LOR at L4-L5. Triamcinolone 40 mg injected.\n"
    )
    assert (result.prior_injection.is_repeat, result.prior_injection.relief_percent) == (
        repeat, relief
    )


@pytest.mark.parametrize(
    ("history", "documented", "percent"),
    [
        ("About four months ago I did an L5-S1 interlaminar epidural on her, which took care of "
         "the pain going down her right leg, perhaps ninety percent.", True, 90),
        ("I did a caudal injection on her a little over a year ago, and she tells me that it "
         "helped a great deal.", True, None),
        ("She had a lumbar epidural at L4-L5 last year, which she says helped her leg pain at the "
         "time but did nothing for the back.", True, None),
    ],
)
def test_narrated_prior_responses(run, history, documented, percent):
    result = run(
        f"{history}\n\nPROCEDURE: Left L4-L5 interlaminar epidural steroid injection under "
        "fluoroscopy. LOR at L4-L5. Triamcinolone 40 mg injected.\n"
    )
    prior = result.prior_injection
    assert prior.is_repeat and (prior.documented, prior.relief_percent) == (documented, percent)


@pytest.mark.parametrize("answer", ["None", "N/A", "***"])
def test_a_prior_injection_field_answered_none_or_left_blank(run, answer):
    result = run(
        "PROCEDURE PERFORMED: L5-S1 ILESI\n"
        f"  Prior injections / % relief / duration: {answer}\n"
        "  Epidural confirmation: LOR. Kenalog 80 mg injected under fluoroscopy.\n"
    )
    assert not result.prior_injection.is_repeat


def test_a_dated_injection_log_gives_the_latest_response(run):
    result = run(
        "PROCEDURE: Right L3-L4 interlaminar epidural steroid injection with fluoroscopy\n\n"
        "12-MONTH ESI LOG (payer limit 4 per rolling 12 months)\n"
        "  #1  11/12/2024   right L3-L4 ILESI   70% x 12 wks\n"
        "  #2  02/18/2025   right L3-L4 ILESI   60% x 10 wks\n"
        "  #3  05/20/2025   right L3-L4 ILESI   55% x 8 wks\n\n"
        "TECHNIQUE: LOR at L3-L4. Kenalog 80 mg injected.\n"
    )
    prior = result.prior_injection
    assert (prior.is_repeat, prior.relief_percent) == (True, 55)


@pytest.mark.parametrize(
    "history",
    [
        "She had trigger point injections last year, but she has never had an epidural or any "
        "other spinal injection.",
        "Checklist\n[X] Radicular pain\n[N/A] Prior ESI response (none)\n[X] Fluoroscopy",
    ],
)
def test_no_earlier_epidural_in_long_negations_and_not_applicable_items(run, history):
    result = run(
        f"{history}\n\nPROCEDURE: Left L4-L5 interlaminar epidural steroid injection under "
        "fluoroscopy. LOR at L4-L5. Triamcinolone 40 mg injected. No complications (none).\n"
    )
    assert not result.prior_injection.is_repeat


def test_an_esi_history_list_gives_the_latest_dated_response(run):
    result = run(
        "ESI history (all R L5-S1 interlaminar, fluoro):\n"
        "  02/11/2025 - 70% x 10 wks\n  05/20/2025 - 60% x 8 wks\n  08/26/2025 - 50% x 8 wks\n"
        "Today = 4th ESI in 12 months.\n\n"
        "Procedure: Right L5-S1 interlaminar ESI, fluoroscopy. LOR. Kenalog 80 mg injected.\n"
    )
    prior = result.prior_injection
    assert (prior.is_repeat, prior.relief_percent) == (True, 50)


@pytest.mark.parametrize(
    ("history", "repeat"),
    [
        ('HPI: s/p L4-5 laminectomy (2019); has tried PT - "nothing helps for long." Here for '
         "caudal ESI; never had an epidural.", False),
        ("Returns today for her second lumbar ESI. The first was done on 01/30/2025.", True),
        ("NRS 7/10 today. No prior ESI.", False),
    ],
)
def test_the_visits_own_injection_is_not_an_earlier_one(run, history, repeat):
    result = run(
        f"{history}\n\nProcedure: Caudal epidural steroid injection under fluoroscopy. Tuohy "
        "through the sacral hiatus. CLO view: tip just past the ventral interlaminar line. "
        "Kenalog 80 mg injected.\n"
    )
    assert result.prior_injection.is_repeat == repeat


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ("Today his pain is VAS 58/100 and his Oswestry is 40%.", ("pre", 5.8)),
        ("On the Defense and Veterans Pain Rating Scale he rates his pain today as a 6.",
         ("pre", 6)),
    ],
)
def test_more_ways_to_write_a_pre_procedure_score(run, history, expected):
    result = run(
        f"HPI: L5 radiculopathy, six weeks of PT.\n{history}\n\n"
        "PROCEDURE: L4-5 interlaminar ESI under fluoroscopy. Kenalog 80 mg injected.\n"
    )
    assert expected in {(p.timing, p.value) for p in result.pain_scores}


def test_a_promis_t_score_named_at_length(run):
    result = run(
        "His PROMIS Physical Function short form T-score today is 36.4.\n"
        "PROCEDURE: Caudal ESI under fluoroscopy. Kenalog 80 mg injected.\n"
    )
    assert ("PROMIS", 36.4) in {(f.instrument, f.value) for f in result.functional_scores}


def test_worst_pain_over_the_last_day_is_todays_pre_procedure_score(run):
    result = run(
        "PRE-PROCEDURE PAIN / FUNCTION\n| Measure | Score |\n|---|---|\n"
        "| NPRS, current | 7/10 |\n| NPRS, worst last 24 h | 9/10 |\n\n"
        "PROCEDURE: L4-5 interlaminar ESI under fluoroscopy.\nTechnique: prone, 20G Tuohy, loss "
        "of resistance at L4-5. Kenalog 80 mg injected.\n"
    )
    assert {("pre", 7), ("pre", 9)} <= {(p.timing, p.value) for p in result.pain_scores}


@pytest.mark.parametrize(
    "line", ["1st LESI 6/2025 - 60% relief x 10wk, now back.", "TFESI (03/14/24): 70% x 3 mo."]
)
def test_an_injection_named_with_its_date_and_result_is_a_prior_injection(run, line):
    prior = run(
        "LESI L4/5\n67F R L5 radiculopathy. MRI L4/5 HNP.\n" + line + "\n"
        "fluoro, 18g tuohy L4/5, LOR NS\nkenalog 40 + NS 4cc\ntol well\n"
    ).prior_injection
    assert prior.is_repeat and prior.relief_percent in (60.0, 70.0)


@pytest.mark.parametrize(
    "history", ["83F LSS L3-S1 (MRI 2024), neurogenic claudication", "MRI facet arthropathy L4-S1"]
)
def test_shorthand_imaging_findings(run, history):
    imaging = run(
        "LESI L4/5\n" + history + "\nfluoro, tuohy L4/5, LOR NS\ndex 10 + NS 4cc\ntol well\n"
    ).imaging_correlation
    assert (imaging.documented, imaging.modality) == (True, "MRI")


def test_a_score_before_gauge_needles_counted_out_is_pre_procedure(run):
    scores = run(
        "B/L L5 TFESI\n57M bilat L5 radic. PT 10wk, gaba, NSAIDs. VAS 8, ODI 44%\n"
        "fluoro, obl each side, 22g x2 to L5 foramina bilat, omni 1cc each - no vasc\n"
        "dex 5mg each side\ntol well\n"
    ).pain_scores
    assert [(p.timing, p.value) for p in scores] == [("pre", 8.0)]


@pytest.mark.parametrize(
    ("line", "weeks"),
    [
        ("- Conservative care: PT 1/8/25-2/26/25 (2x/wk), tylenol, walker", 7.0),
        ("Conservative care: Physical therapy 1/7/2025 to 3/25/2025, 12 visits, then HEP.", 11.0),
        ("Physical therapy 13/45/25-2/26/25 per the referral.", None),  # not a date
    ],
)
def test_conservative_care_weeks_from_a_date_range(run, line, weeks):
    care = run(wrap("INDICATION: Left L5 radiculopathy.\n" + line)).conservative_care
    assert care.documented and care.weeks == weeks


def test_unticked_necessity_criteria_are_not_documentation(run):
    result = run(
        "LUMBAR EPIDURAL STEROID INJECTION - TEMPLATE\n"
        "MEDICAL NECESSITY (LCD L39240) - check all that apply:\n"
        "[X] Radicular pain / radiculopathy\n"
        "[ ] Failed >= 4 weeks conservative care (PT/HEP, meds): ______\n"
        "[ ] Imaging (MRI/CT) reviewed & concordant - date: ____ findings: ____\n"
        "[ ] Prior ESI response >= 50%: N/A\n\n"
        "PROCEDURE: L5-S1 interlaminar ESI, right paramedian approach. 20G Tuohy, LOR to "
        "air/saline. Injected Depo-Medrol 80 mg (1 mL).\n"
    )
    assert not result.conservative_care.documented
    assert not result.imaging_correlation.documented
    assert not result.prior_injection.is_repeat
    assert "sodium chloride" not in {m.name for m in result.medications}


def test_consent_still_to_be_obtained_is_not_documented(run):
    result = run(wrap("Consent: Consent for procedure will be obtained by performing physician "
                      "prior to start."))
    assert not result.consent.documented


def test_pain_column_of_a_tab_separated_vitals_table(run):
    scores = run(
        "LUMBAR INTERLAMINAR ESI\n"
        "PRE-PROCEDURE VITALS\nTime\tBP\tHR\tSpO2\tPain\n0812\t138/86\t78\t98%\t6/10\n\n"
        "TECHNIQUE: Prone. Under fluoroscopy a 20G Tuohy entered the L4-5 epidural space by "
        "loss of resistance. Dexamethasone 10 mg injected.\n\n"
        "POST-PROCEDURE VITALS\nTime\tBP\tHR\tSpO2\tPain\n0841\t132/80\t74\t99%\t2/10\n"
    ).pain_scores
    assert [(p.timing, p.value) for p in scores] == [("pre", 6.0), ("post", 2.0)]


def test_an_aside_closed_right_before_a_colon_keeps_its_negation(run):
    """spaCy reads "):" as an emoticon; the aside "(MRI not possible - pacemaker)" must still
    end there, so the CT myelogram before it is not negated."""
    imaging = run(
        "CAUDAL ESI\nDx: bilateral L5/S1 radicular leg pain. CT myelogram 08/25 (MRI not "
        "possible - pacemaker): L5-S1 bilateral foraminal stenosis.\n"
        "Prone. Sacral hiatus on lateral fluoro. 20g Tuohy into the caudal canal. Kenalog 80 mg.\n"
    ).imaging_correlation
    assert (imaging.documented, imaging.modality) == (True, "CT")


def test_discharge_instructions_for_any_patient_are_not_a_prior_injection(run):
    prior = run(
        "PROCEDURE: Left L5-S1 interlaminar ESI under fluoroscopy. Tuohy needle, loss of "
        "resistance. Depo-Medrol 80 mg injected.\n\n"
        "DISCHARGE INSTRUCTIONS:\n"
        "- If you had an epidural steroid injection, you may have increased pain for 1-2 days.\n"
        "- If you had a lumbar or caudal injection, you may notice leg numbness for a few hours.\n"
    ).prior_injection
    assert not prior.is_repeat


def test_a_drug_strength_after_with_is_not_a_relief_percentage(run):
    prior = run(
        "PROCEDURE: Left SI joint injection under fluoroscopy.\n"
        "HISTORY: She had a lumbar epidural injection two years ago at L4-5 without benefit.\n"
        "TECHNIQUE: Skin anesthetized with 1% lidocaine 2 mL. 22-gauge needle into the joint.\n"
    ).prior_injection
    assert prior.is_repeat and prior.relief_percent == 0.0


def test_no_relief_with_zero_percent_is_read_before_another_procedures_relief(run):
    prior = run(
        "HPI (carried forward): Chronic axial LBP. Caudal ESI 2023 -- no relief (0%). Then "
        "diagnostic medial branch blocks 06/10/2025 (90% relief x 6 h).\n"
        "PROCEDURE: Right L4-5 and L5-S1 medial branch radiofrequency ablation.\n"
    ).prior_injection
    assert prior.relief_percent == 0.0


def test_a_planned_injection_not_done_and_changed_to_todays_is_not_prior(run):
    prior = run(
        "Indication: Left S1 radiculopathy. TFESI as planned 08/19 not done; patient preferred "
        "a single needle, changed to interlaminar.\n"
        "Procedure: L5-S1 left paramedian interlaminar ESI under fluoroscopy, LOR. Depo-Medrol "
        "80 mg injected.\n"
    ).prior_injection
    assert not prior.is_repeat


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("PAIN_SCORE_PRE=7", [("pre", 7.0)]),
        ('"scores":{"nrs_pre":9,"nrs_post":5,"odi_pct":52}', [("pre", 9.0), ("post", 5.0)]),
        ("VAS_PRE=7", [("pre", 7.0)]),
    ],
)
def test_pain_scores_in_the_keys_of_a_structured_export(run, line, expected):
    scores = run(
        "PROC_NAME=Lumbar ESI\n" + line + "\nNARRATIVE=Tuohy at L4-5, LOR. Kenalog 80 mg.\n"
    ).pain_scores
    assert [(p.timing, p.value) for p in scores] == expected


@pytest.mark.parametrize(
    ("line", "weeks"),
    [
        ("Home exercise program, acetaminophen and gabapentin for over a year; PT in 2024.", 52.0),
        ("Right C6 radiculopathy x 10/52, not settling with physio 6/52, Lyrica.", 6.0),
        ("She attended physical therapy 3 times a week for 8 weeks.", 8.0),
    ],
)
def test_conservative_care_durations_in_words(run, line, weeks):
    care = run(wrap("INDICATION: " + line)).conservative_care
    assert care.documented and care.weeks == weeks


@pytest.mark.parametrize("header", ["Interval hx:", "Hx:"])
def test_a_history_header_ends_an_ordered_procedure_line(run, header):
    text = (
        "Ordered procedure: LEFT L4-5 INTERLAMINAR EPIDURAL STEROID INJECTION\n\n"
        f"{header} L L5 radiculopathy from an L4-5 protrusion (MRI 02/11/25). Failed 8 wks PT "
        "+ naproxen. Pain 8/10.\n\nProcedure: AP fluoro, LOR to saline at L4-5, left "
        "paramedian. Methylprednisolone 80 mg injected.\n"
    )
    result = run(text)
    assert "radiculopathy" in {d.category for d in result.diagnoses}
    assert result.conservative_care.weeks == 8
    assert result.imaging_correlation.documented


def test_unresolved_smartlists_are_not_consent(run):
    text = (
        "PROCEDURE: L4-5 ILESI under fluoro.\n"
        "Informed consent obtained: {Yes/No:20130}\n"
        'Consent type: {Blank single:19197::"written","verbal"}\n'
        "Risks discussed: {Risks:30551}\nDepo-Medrol 80 mg injected.\n"
    )
    consent = run(text).consent
    assert (consent.documented, consent.form) == (False, None)


@pytest.mark.parametrize(
    ("history", "documented"),
    [
        ("Three months of PT and naproxen without relief, MRI with a broad L4-5 disc "
         "herniation, pain 8/10.", True),
        ("Lumbar x-rays: mild narrowing. MRI ordered, pending insurance authorization.", False),
        ("PT without relief, her lumbar MRI has been ordered but is not done yet.", False),
    ],
)
def test_imaging_not_done_yet_and_a_relief_negation_that_stops_short(run, history, documented):
    assert run(wrap("HISTORY: " + history)).imaging_correlation.documented is documented


@pytest.mark.parametrize(
    ("text", "repeat"),
    [
        ("12/02/25 - Caudal ESI, fluoro. Isovue-M 3 mL; Kenalog 80 mg + 8 mL NS.\nPre 8/10.",
         False),
        ("Caudal ESI today, fluoro. Kenalog 80 mg.\n12/02/24 - Caudal ESI: 60% relief x 3 mo.",
         True),
    ],
)
def test_a_notes_first_dated_line_is_its_own_day_not_a_log_entry(run, text, repeat):
    assert run(text).prior_injection.is_repeat is repeat


def test_pain_in_a_bordered_ascii_flowsheet_with_an_nrs_column(run):
    text = wrap(
        "PRE-PROCEDURE VITALS / PAIN\n"
        "+--------+--------+------+------------+\n"
        "| Time   | BP     | HR   | NRS (0-10) |\n"
        "+--------+--------+------+------------+\n"
        "| 09:02  | 142/86 | 78   | 7          |\n"
        "+--------+--------+------+------------+\n\n"
        "INTRA / POST-PROCEDURE FLOWSHEET\n"
        "+-------+---------+-------+-----------------+\n"
        "| Time  | BP      | NRS   | Note            |\n"
        "+-------+---------+-------+-----------------+\n"
        "| 08:30 | 148/88  | 6     | pre, room air   |\n"
        "| 09:35 | 136/82  | 3     | PACU            |\n"
        "+-------+---------+-------+-----------------+\n"
    )
    scores = {(p.timing, p.value) for p in run(text).pain_scores}
    assert scores == {("pre", 7.0), ("pre", 6.0), ("post", 3.0)}


def test_markdown_tables_transposed_pain_and_a_blank_consent_cell(run):
    text = wrap(
        "| Procedure | Lumbar ESI, interlaminar, L5-S1 |\n| Informed consent | ___ |\n\n"
        "## Pain / Function\n\n| Measure | Pre | Post |\n|---|---|---|\n"
        "| NRS (0-10) | 6 | 1 |\n| ODI | 38% | n/a |\n"
    )
    result = run(text)
    assert {(p.timing, p.value) for p in result.pain_scores} == {("pre", 6.0), ("post", 1.0)}
    assert not result.consent.documented


def test_a_country_practitioners_wording_of_consent_diagnosis_and_status(run):
    text = (
        "Spinal steroid shot - low back\nSciatic pain R leg x 6 wks. Pain 6/10.\n"
        "Talked over risks/benefits, pt gave verbal OK.\n"
        "L5-S1 found by landmarks. 18g Tuohy midline, LOR. Kenalog 40 mg with 4 cc NS injected.\n"
        "Tolerated OK. Home.\nAuth: pending - verbal OK per payer rep.\n"
    )
    result = run(text)
    assert (result.consent.documented, result.consent.form) == (True, "verbal")
    assert "radiculopathy" in {d.category for d in result.diagnoses}
    assert result.post_procedure.documented

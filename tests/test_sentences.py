"""Sentence boundaries decide the scope of negation and history cues."""

import pytest

from nlp.sentences import boundary_offsets


def sentences(text):
    starts = sorted(set(boundary_offsets(text)))
    ends = starts[1:] + [len(text)]
    return [text[a:b].strip() for a, b in zip(starts, ends, strict=True) if text[a:b].strip()]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no intravascular flow. injected dexamethasone 10 mg.",
         ["no intravascular flow.", "injected dexamethasone 10 mg."]),
        ("Leg pain x 2 mo. ago she tried PT.", ["Leg pain x 2 mo. ago she tried PT."]),
        ("Seen by Dr. Smith today.", ["Seen by Dr. Smith today."]),
        ("Tolerated well. Pain 2/10.", ["Tolerated well.", "Pain 2/10."]),
        # A dictated paragraph hard-wrapped by an editor: the line breaks are not sentences.
        ("demonstrated appropriate epidural spread toward the left without uptake. Then 80 mg of\n"
         "Depo-Medrol in 2 mL was injected.",
         ["demonstrated appropriate epidural spread toward the left without uptake.",
          "Then 80 mg of\nDepo-Medrol in 2 mL was injected."]),
        ("CT images confirmed the needle tip in the right posterior epidural space. Dexamethasone\n"
         "10 mg (1 mL) and 1 mL of saline were injected.",
         ["CT images confirmed the needle tip in the right posterior epidural space.",
          "Dexamethasone\n10 mg (1 mL) and 1 mL of saline were injected."]),
        # Template lines stay apart, however long.
        ("Contrast ........... Isovue-M 200, 1.5 mL - left epidural spread, no vascular\n"
         "Injectate .......... Methylprednisolone acetate 80 mg (2 mL)",
         ["Contrast ........... Isovue-M 200, 1.5 mL - left epidural spread, no vascular",
          "Injectate .......... Methylprednisolone acetate 80 mg (2 mL)"]),
        ("Level(s): L4-L5\nLaterality: Right", ["Level(s): L4-L5", "Laterality: Right"]),
        ("Procedure: Lumbar interlaminar epidural steroid injection at the level of\n"
         "- L4-L5", ["Procedure: Lumbar interlaminar epidural steroid injection at the level of",
                      "- L4-L5"]),
        # A lower-case line much longer than the one before it: the earlier line ended by
        # choice (its first word would have fitted there), not by wrapping.
        ("ALLERGIES: IODINE CONTRAST - anaphylaxis 2011, PCN\n"
         "she was explained the risks benefits alternatives and signed consent today",
         ["ALLERGIES: IODINE CONTRAST - anaphylaxis 2011, PCN",
          "she was explained the risks benefits alternatives and signed consent today"]),
        ("She has done six weeks of physical therapy and a\n"
         "home exercise program without relief of the leg pain",
         ["She has done six weeks of physical therapy and a\n"
          "home exercise program without relief of the leg pain"]),
    ],
)
def test_sentence_boundaries(text, expected):
    assert sentences(text) == expected


def test_lower_case_transcription_does_not_carry_a_negation_into_the_next_sentence(run):
    text = (
        "procedure: caudal epidural under ultrasound. 22g needle into the sacral hiatus. "
        "color doppler showed no intravascular flow. injected dexamethasone 10 mg (1 mL).\n"
    )
    assert "dexamethasone" in {m.name for m in run(text).medications}


def test_punctuation_starts_match_the_leading_lookbehind_form():
    import re
    from pathlib import Path

    from nlp.sentences import _CAPITAL_START, _PUNCT_START

    leading = re.compile(
        r"(?<![.])(?:[.?!;][ \t]+(?=[A-Z0-9(\[])|[.?!][ \t]+(?=[a-z]{2,}\b))"
    )
    corpus = Path(__file__).resolve().parent.parent / "corpus" / "notes"
    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*/*.txt"))]
    texts += ["a; b; Cc. dd ..  Ee ?\tff !  (x) ;  yy .; Zz", "; ab", ".. Ab", ""]
    for text in texts:
        fast = [
            m.span()
            for m in _PUNCT_START.finditer(text)
            if text[m.start()] != ";" or _CAPITAL_START.match(text, m.end())
        ]
        assert fast == [m.span() for m in leading.finditer(text)]


def test_unpunctuated_work_after_a_one_line_field_is_not_that_field(run):
    """A hurried note without punctuation: the allergy line is a field, the lower-case lines
    after it are the procedure, so the fluoroscopy and drugs in them count."""
    result = run(
        "Lumbar interlaminar epidural steroid injection L4-5 left\n"
        "ALLERGIES: IODINE CONTRAST - anaphylaxis 2011, PCN\n"
        "she was explained the risks benefits alternatives and signed consent\n"
        "patient prone time out done prepped with chloraprep draped sterile fashion, fluoroscopy "
        "used to identify the L4-5 interspace AP and lateral, lidocaine 1% 3 mls for skin, 20g "
        "tuohy left paramedian loss of resistance to air, NO CONTRAST given due to iodine "
        "contrast allergy, injected celestone soluspan 12 mg (2 mls), needle removed\n"
    )
    assert result.procedure.guidance == "fluoroscopy"
    assert result.procedure.contrast.status == "contraindicated"
    assert {m.name for m in result.medications} >= {"betamethasone", "lidocaine"}


def test_an_all_capitals_note_hard_wrapped_at_sixty_characters(run):
    result = run(
        "PROCEDURE: RIGHT L5-S1 INTERLAMINAR EPIDURAL STEROID INJECTION\n"
        "INDICATIONS: 38 YO F WITH RIGHT S1 RADICULOPATHY, POSTERIOR THIGH\n"
        "AND CALF PAIN. MRI - RIGHT PARACENTRAL L5-S1 DISC PROTRUSION. CONSERVATIVE CARE X 3\n"
        "MONTHS INCLUDING PT, CYCLOBENZAPRINE AND IBUPROFEN. PAIN 7/10.\n"
        "1. PATIENT POSITIONED PRONE. TIME OUT PERFORMED.\n"
        "2. A 20 GAUGE TUOHY NEEDLE WAS ADVANCED RIGHT PARAMEDIAN WITH\n"
        "   LATERAL FLUOROSCOPIC VIEWS. LOSS OF RESISTANCE TO AIR.\n"
        "3. TRIAMCINOLONE ACETONIDE 40 MG (1 ML) WITH BUPIVACAINE 0.25%\n"
        "   2 ML INJECTED.\n"
    )
    assert result.conservative_care.weeks == 12
    assert {m.name for m in result.medications} >= {"triamcinolone acetonide", "bupivacaine"}


def test_a_terse_note_line_after_a_negation_is_its_own_statement(run):
    """Shorthand notes start every statement in lower case; the short drug line after a
    negated finding is not the end of a wrapped sentence, so the steroid is not negated."""
    result = run(
        "LESI L3/4\n"
        "31F severe R L4 radic x 3wk after lifting. MRI R L3/4 lat recess HNP\n"
        "sitting, landmark, lido 1% 2cc skin, 18g tuohy L3/4, LOR saline @ 5cm, "
        "no contrast (preg)\n"
        "kenalog 40 + NS 4cc\n"
        "tol well, VSS\n"
    )
    assert "triamcinolone acetonide" in {m.name for m in result.medications}


def test_a_short_line_does_not_wrap_into_the_next(run):
    result = run(
        "Caudal ESI\n"
        "prone, fluoro lat, sacral hiatus, 20g spinal, omnipaque 180 3cc, no vasc uptake\n"
        "dex 10 + NS 8cc\n"
        "tol well. VSS. d/c\n"
    )
    assert "dexamethasone" in {m.name for m in result.medications}


def test_a_line_that_ends_well_short_of_its_neighbours_ends_by_choice(run):
    """Under a 100-character line, a 28-character drug line cannot be wrapped: the next
    lower-case line is a new statement, and the steroid is not negated by 'no vasc'."""
    result = run(
        "LESI L4/5\n"
        "fluoro, 1% lido skin, 18g tuohy R paramed L4/5, LOR NS, good epidural spread, no vasc\n"
        "kenalog 40/1 + bupi .25% 2cc\n"
        "pt tol well, no cx, home w/ driver\n"
        "f/u 3wk\n"
    )
    assert {"triamcinolone acetonide", "bupivacaine"} <= {m.name for m in result.medications}


def test_a_line_starting_with_an_ordinal_is_not_a_wrapped_number():
    text = (
        "MRI: L4/5 R paracentral HNP, R lateral recess stenosis and foraminal narrowing\n"
        "1st LESI 6/2025 - 60% relief x 10wk, now back."
    )
    assert len(sentences(text)) == 2


def test_a_drug_line_between_a_long_line_and_a_lower_case_one_is_a_statement(run):
    result = run(
        "TFESI R L4/5 + L5/S1\n"
        "fluoro, R obl, 22g spinal x2 subpedicular, omni 1cc each level - neurogram, no vasc\n"
        "dex 5 each level + lido 1% PF 1cc each\n"
        "tol well, VSS, VAS 9->3, cx: none, d/c home\n"
    )
    assert "dexamethasone" in {m.name for m in result.medications}

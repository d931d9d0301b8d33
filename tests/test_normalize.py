"""The reading text repairs wraps and OCR misreadings without moving any offset, and evidence
still quotes the note as written."""

import pytest

from nlp.normalize import reading_text


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("0mnipaque 180, 1 mL", "Omnipaque 180, 1 mL"),
        ("A mixture of Depo-Medro1 80 rng (2 mL)", "A mixture of Depo-Medrol 80 mg  (2 mL)"),
        ("8 weeks of forma1 physical therapy", "8 weeks of formal physical therapy"),
        # Levels, codes and ordinary numbers are left alone.
        ("L5-S1 and C7-T1, CPT 62321, 10 mg, S1 root, x1", "L5-S1 and C7-T1, CPT 62321, 10 mg, "
         "S1 root, x1"),
        ("return to the pattern", "return to the pattern"),
        ("lidocaine1% 2 mL", "lidocaine1% 2 mL"),  # a strength glued on, not an OCR "l"
        ("dexamethasone 1O mg, O.25% bupivacaine, Omnipaque 24O", "dexamethasone 10 mg, "
         "0.25% bupivacaine, Omnipaque 240"),
        ("iodine aller-\ngy; needle", "iodine allergy  ; needle"),  # hyphenated across a line
        ("preservative-\nfree saline", "preservative-free  saline"),
        ("lidocaína 1% 2 mL, Décadron", "lidocaina 1% 2 mL, Decadron"),  # accents, same length
        ("Depo-\nMedrol, L4-\n5, SpO2 98%", "Depo-\nMedrol, L4-\n5, SpO2 98%"),
    ],
)
def test_reading_text_repairs_ocr_misreadings_in_place(text, reading):
    assert reading_text(text) == reading
    assert len(reading_text(text)) == len(text)


def test_evidence_quotes_the_note_as_written(run):
    text = (
        "PROCEDURE: Left L5-S1 interlaminar ESI under fluoroscopy.\n"
        "DESCRIPTION: Tuohy needle, loss of resistance at L5-S1. 0mnipaque 180 1 mL showed "
        "epidural spread. A mixture of Depo-Medro1 80 rng (2 mL) and 2 mL saline was "
        "injected.\n"
    )
    analysis = run(text)
    found = {m.name: m for m in analysis.medications}
    assert found["methylprednisolone acetate"].dose.value == 80.0
    assert found["iohexol"].volume_ml == 1.0
    for medication in analysis.medications:
        for evidence in medication.evidence:
            assert text[evidence.start : evidence.end] == evidence.text
    assert "Depo-Medro1" in {e.text for e in found["methylprednisolone acetate"].evidence}


def test_spoken_punctuation_of_a_raw_dictation_is_read_as_punctuation():
    text = (
        "PROCEDURE colon caudal epidural steroid injection period new paragraph INDICATION "
        "colon leg pain comma numbness period he had a trial period of PT period"
    )
    reading = reading_text(text)
    assert len(reading) == len(text)
    assert reading.startswith("PROCEDURE:      caudal epidural steroid injection.")
    assert "\n\nINDICATION:" in reading and "leg pain,      numbness." in reading
    assert "a trial period of PT." in reading  # the word, not the mark


def test_a_note_that_merely_says_period_or_colon_is_left_alone():
    text = "Sigmoid colon cancer in 2010. Observation period 20 minutes, then discharged."
    assert reading_text(text) == text


def test_a_dictated_note_reads_its_sections_and_sentences(run):
    result = run(
        "PROCEDURE colon caudal epidural steroid injection under fluoroscopy period new "
        "paragraph INDICATION colon post laminectomy syndrome period he did physical therapy for "
        "ten weeks with not significant benefit period because of the prior surgery we choose "
        "the caudal approach period he never had epidural injection before period new paragraph "
        "TECHNIQUE colon needle into the sacral hiatus comma dexamethasone 10 mg injected period"
    )
    assert not result.prior_injection.is_repeat
    assert result.conservative_care.weeks == 10


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("L3&ndash;L4 &amp; risks&nbsp;ok<br>next", "L3-------L4 &     risks      ok\n   next"),
        ("{\\rtf1\\ansi\n\\b CAUDAL ESI\\b0\\par\nDOS", " " * 11 + "\n   CAUDAL ESI   \n   \nDOS"),
        ("L4\u00e2\u20ac\u201cL5 pain\r\nnext", "L4---L5 pain \nnext"),
        ("pain <50% relief & more", "pain <50% relief & more"),  # not markup
        # A JSON payload's escaped line breaks.
        ('"text":"HPI: L5 radic.\\nPROCEDURE: Tuohy.\\r\\nInjected"',
         '"text":"HPI: L5 radic.\n PROCEDURE: Tuohy.\n   Injected"'),
    ],
)
def test_export_markup_is_read_as_what_it_stands_for(text, reading):
    assert reading_text(text) == reading


def test_levels_and_scores_inside_html_and_rtf_exports(run):
    analysis = run(
        "{\\rtf1\\ansi{\\fonttbl{\\f0\\fswiss Arial;}}\\viewkind4\\uc1\\pard\\f0\\fs20\n"
        "\\b INTERLAMINAR EPIDURAL STEROID INJECTION\\b0\\par\n"
        "\\b INDICATION:\\b0  Left L5 radiculopathy; 8 weeks of PT. MRI L4&ndash;L5 left "
        "protrusion. NRS 7/10 today.\\par\n"
        "\\b PROCEDURE:\\b0  Under fluoroscopy a 20G Tuohy entered the L4&ndash;L5 epidural space "
        "by loss of resistance, left paramedian. Omnipaque 2 mL. Kenalog 80 mg injected.\\par\n"
    )
    assert analysis.procedure.levels == ["L4-L5"]
    assert [(p.timing, p.value) for p in analysis.pain_scores] == [("pre", 7.0)]

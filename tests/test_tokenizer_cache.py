"""The tokenizer's cache warming never changes tokens, whatever the cache already holds."""

import spacy

from nlp.tokenizer import clinical_tokenizer

_NOTE = (
    "Dr. Smith's note: 80mg Depo-Medrol + 2cc 1%lidocaine at L4-5 (L5/S1).\n\n"
    "Pt. tolerated well;  pain 2/10 -> 0/10. Dx:radiculopathy, e.g. sciatica."
)


def _tokens(doc) -> list[tuple[str, str, int]]:
    return [(t.text, t.whitespace_, t.idx) for t in doc]


def test_warmed_tokenizer_matches_a_cold_spacy_tokenizer():
    warmed = clinical_tokenizer(spacy.blank("en"))
    cold = clinical_tokenizer(spacy.blank("en")).tokenizer  # spaCy's own, never warmed
    expected = _tokens(cold(_NOTE))
    assert _tokens(warmed(_NOTE)) == expected
    assert _tokens(warmed(_NOTE)) == expected  # second call is served from the cache
    assert _tokens(warmed(_NOTE[40:] + " " + _NOTE)) == _tokens(cold(_NOTE[40:] + " " + _NOTE))


def test_a_wrapped_phrase_matches_and_evidence_keeps_the_original_text(run):
    text = (
        "PROCEDURE: Lumbar interlaminar ESI at L4-5 under fluoroscopy.\n"
        "HISTORY: She has completed 10 weeks of formal physical\n"
        "therapy, meloxicam and gabapentin without adequate relief.\n"
        "DESCRIPTION: Tuohy needle, loss of resistance at L4-5. Depo-Medrol 80 mg injected.\n"
    )
    analysis = run(text)
    assert analysis.conservative_care.weeks == 10
    for evidence in analysis.conservative_care.evidence:
        assert text[evidence.start : evidence.end] == evidence.text


def test_unwrapping_keeps_length_and_rejoins_hyphenated_breaks():
    from nlp.normalize import reading_text

    text = "She completed formal physical\ntherapy\nPlan: home\nRTC 4 weeks. Dx radiculop-\nathy"
    unwrapped = reading_text(text)
    assert len(unwrapped) == len(text)
    assert unwrapped == (
        "She completed formal physical therapy\nPlan: home\nRTC 4 weeks. Dx radiculopathy  "
    )

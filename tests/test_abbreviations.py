"""Note-defined short forms carry their long form's targets; the detector is skipped only when
no definition candidate could carry one."""

from nlp.components import TARGET_GROUP


def _targets(doc) -> list[tuple[str, str]]:
    return sorted((span.text, span.label_) for span in doc.spans[TARGET_GROUP])


def test_short_form_of_a_target_becomes_a_target(nlp):
    doc = nlp(
        "Procedure: lumbar interlaminar epidural steroid injection (LIESI) at L4-5.\n"
        "The LIESI was performed with Depo-Medrol 80 mg (DM)."
    )
    shorts = [text for text, _ in _targets(doc) if text == "LIESI"]
    assert len(shorts) == 2
    assert nlp.get_pipe("esicheck_abbreviations")._may_define_a_target(doc)


def test_definitions_without_targets_skip_the_detector(nlp):
    doc = nlp(
        "Patient (John) came with his wife (Mary Ann Smith).\n"
        "An epidural steroid injection was performed at L4-5."
    )
    assert not nlp.get_pipe("esicheck_abbreviations")._may_define_a_target(doc)
    assert "MAS" not in [text for text, _ in _targets(doc)]


def test_bracket_pairs_are_those_of_scispacys_matcher_in_its_order(nlp):
    """The component replaces scispacy's "(" + ")" token matcher by a numpy search; the pairs
    (with at most eight tokens inside, the rest are dropped by `filter_matches`) and their
    order must be the matcher's, or the detector's first-seen short forms could change."""
    component = nlp.get_pipe("esicheck_abbreviations")
    doc = nlp.make_doc(
        "Pain (7/10) (VAS (visual analog scale)) at L4-5 (left) ((nested)) and (a b c d e f g h "
        "i j) then (LIESI) (x)."
    )
    matched = [
        (start, end - 1)
        for _, start, end in component._detector.matcher(doc)
        if end - start - 2 <= 8
    ]
    assert component._brackets(doc) == matched

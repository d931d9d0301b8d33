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

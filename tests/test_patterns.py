"""Rule files are validated on load: a bad file fails naming the file and the key."""

import pytest

from nlp import resources
from nlp.errors import PatternError
from nlp.pipeline import PIPE_NAMES, build_pipeline


def test_factory_snapshot(nlp):
    assert (
        tuple(nlp.pipe_names)
        == PIPE_NAMES
        == (
            "esicheck_sentences",
            "esicheck_sectionizer",
            "esicheck_targets",
            "esicheck_abbreviations",
            "esicheck_context",
            "esicheck_levels",
        )
    )


def test_no_pyrush_in_the_hot_path(nlp):
    assert not any("pyrush" in name for name in nlp.pipe_names)


def test_all_shipped_files_validate():
    assert resources.section_rules().section_rules
    assert resources.target_rules()
    assert resources.context_rules().context_rules
    assert resources.drug_lexicon().drugs
    assert "contrast_mention" in resources.cues()


def test_bad_target_file_names_file_and_key(monkeypatch):
    monkeypatch.setattr(resources, "read_json", lambda path: {"target_rules": [{"literal": "x"}]})
    with pytest.raises(PatternError) as info:
        resources.validate(resources.TargetFile, "targets/bad.json")
    assert "targets/bad.json" in str(info.value) and "category" in str(info.value)


def test_bad_regex_fails_at_load(monkeypatch):
    bad = {"section_rules": [{"category": "plan", "literal": "p", "pattern": "(unclosed"}]}
    monkeypatch.setattr(resources, "read_json", lambda path: bad)
    with pytest.raises(PatternError) as info:
        resources.validate(resources.SectionFile, "sections.json")
    assert "sections.json" in str(info.value)


def test_pipelines_do_not_share_matchers(nlp):
    other = build_pipeline()
    assert other.get_pipe("esicheck_targets") is not nlp.get_pipe("esicheck_targets")

"""`nlp.trusted.construct` builds the same model instance `model_construct` does."""

from nlp.models import Citation, Evidence, Finding
from nlp.trusted import construct


def _same(cls, values):
    fast = construct(cls, dict(values))
    slow = cls.model_construct(**values)
    assert fast == slow
    assert fast.model_dump(mode="json") == slow.model_dump(mode="json")
    assert fast.model_fields_set == slow.model_fields_set
    assert list(values) == list(cls.model_fields)  # every field, in declaration order
    return fast


def test_evidence_matches_model_construct():
    values = {"start": 3, "end": 7, "text": "L4-5", "section": None, "rule": "level",
              "document": None, "flags": ["negated"]}
    evidence = _same(Evidence, values)
    evidence.section = "procedure"  # assignment still works and is recorded
    assert evidence.section == "procedure"


def test_finding_matches_model_construct():
    values = {"id": "r1", "title": "T", "status": "met", "severity": "error", "message": "m",
              "evidence": [], "looked_for": None, "citation": Citation(source="s"),
              "query": None, "profile": "p"}
    _same(Finding, values)

"""The literal gate and the anchored scan (nlp/regex_prefilter.py) never change what a
pattern finds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nlp.regex_prefilter import (
    AnchoredPattern,
    GatedPattern,
    fold,
    gated,
    leading_literals,
    required_literals,
)
from nlp.resources import cues

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "notes"
_PAD = " filler text without any cue words at all." * 8  # long enough to be gated


def _texts() -> list[str]:
    notes = sorted(CORPUS.glob("*/*.txt"))
    return [p.read_text(encoding="utf-8") for p in notes] + [
        _PAD + " SEDAT\u0130ON, \u017fedation, moderate \u017fEDATION, wet tap, WET TAP" + _PAD,
        _PAD + " Oswestry 40%, PROMIS 55, RMDQ 12, pain 7 -> 2, 7 \u2192 2, 7 --> 1" + _PAD,
    ]


@pytest.mark.parametrize("name", sorted(cues()))
def test_gated_cues_find_what_the_pattern_finds(name: str) -> None:
    pattern = cues()[name]
    plain = getattr(pattern, "pattern_object", pattern)
    for text in _texts():
        expected = [(m.span(), m.groups()) for m in plain.finditer(text)]
        assert [(m.span(), m.groups()) for m in pattern.finditer(text)] == expected
        assert bool(pattern.search(text)) == bool(expected)
        middle = len(text) // 3
        found = pattern.search(text, middle, len(text) - 5)
        reference = plain.search(text, middle, len(text) - 5)
        assert (found and found.span()) == (reference and reference.span())


@pytest.mark.parametrize(
    ("source", "flags", "literals"),
    [
        (r"\b(?:odi|oswestry)\b", re.I, {"odi", "oswestry"}),
        (r"\d+\s*(?:->|\u2192|=>|-{1,3}>)\s*\d", 0, {"->", "\u2192", "=>"}),
        (r"\bno (?:immediate )?complications?", re.I, {"complication"}),
        (r"\bprep(?:ped)?\s+and\s+draped", re.I, {"draped"}),
    ],
)
def test_required_literals(source: str, flags: int, literals: set[str]) -> None:
    assert required_literals(re.compile(source, flags)) == literals


@pytest.mark.parametrize("source", [r"a*", r"\d+/\d", r"(?:x|)", r"[lr]\w+", r"(?i:left)"])
def test_no_gate_without_useful_literals(source: str) -> None:
    pattern = re.compile(source)
    assert gated(pattern) is pattern


def test_locally_flagged_groups_give_no_literal() -> None:
    assert required_literals(re.compile(r"(?i:left) side")) == {" side"}


def test_fold_keeps_offsets_and_ignorecase_equivalents() -> None:
    text = "\u0130V SEDATION \u017fedation \u212aNEE \u0131v"
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded == "iv sedation sedation knee iv"


def test_short_strings_and_ranges_scan_directly() -> None:
    pattern = gated(re.compile(r"\b(?:[a-z]+ )?wet tap\b", re.I))
    assert isinstance(pattern, GatedPattern)
    assert pattern.search("a WET TAP").span() == (0, 9)
    long_text = _PAD + " wet tap " + _PAD
    start = long_text.index("wet")
    assert pattern.search(long_text).start() == start
    assert pattern.search(long_text, start + 1) is None
    assert pattern.search(long_text, 0, start + 3) is None
    assert [m.start() for m in pattern.finditer(long_text)] == [start]
    assert pattern.findall(long_text) == ["wet tap"]
    assert pattern.sub("", "wet tap x") == " x"


@pytest.mark.parametrize(
    ("source", "leads"),
    [
        (r"\b(?:odi|oswestry)\b", {"odi", "oswestry"}),
        (r"(?<!\w)(?:no |without )(?:any )?complications?", {"no ", "without "}),
        (r"\bwet tap|\b(?:csf|dural) leak", {"wet tap", "csf", "dural"}),
    ],
)
def test_leading_literals(source: str, leads: set[str]) -> None:
    assert leading_literals(re.compile(source, re.I)) == leads


@pytest.mark.parametrize("source", [r"\b(?:no|x)\b", r"(?:abc)?def", r"\d+ mg", r"[lr]eft"])
def test_no_anchor_without_long_leads(source: str) -> None:
    assert leading_literals(re.compile(source, re.I)) is None


def test_anchored_scan_finds_what_the_pattern_finds() -> None:
    plain = re.compile(r"\b(?:no |no comp\w*|compl\w+ none)(?:\s*\w+)?", re.I)
    pattern = gated(plain)
    assert isinstance(pattern, AnchoredPattern)
    text = _PAD + " NO COMPLICATIONS. no no no comps; Complications none, xno comp" + _PAD
    assert [(m.span(), m.group()) for m in pattern.finditer(text)] == [
        (m.span(), m.group()) for m in plain.finditer(text)
    ]
    start = text.index("no no")
    assert pattern.search(text, start + 1).span() == plain.search(text, start + 1).span()
    assert pattern.search(text, 0, 300) is None and plain.search(text, 0, 300) is None
    assert pattern.sub("-", "no x") == "-"


def test_whole_note_word_cues_are_anchored() -> None:
    for name in ("post_documented", "complication_present", "contrast_mention", "sedation",
                 "technique_work"):
        assert isinstance(cues()[name], AnchoredPattern), name

"""The first-character guard (nlp/regex_guard.py) never changes what a pattern matches."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nlp.regex_guard import first_char_class, guarded
from nlp.resources import cues, read_json

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "notes"
TRICKY = [
    "Left L4-5 ILESI; no complications. Pain 7/10 -> 2/10. KELVIN \u212a k \u017f S",
    "",
    "  \n\n[ ] Bilateral [x] Right\nODI: 40%  RMDQ 12  PROMIS 55.2",
]


def _texts() -> list[str]:
    notes = sorted(CORPUS.glob("*/*.txt"))[:60]
    return TRICKY + [p.read_text(encoding="utf-8") for p in notes]


def _plain_cues() -> dict[str, re.Pattern[str]]:
    """The cues compiled as they are written, without a guard."""
    data = read_json("cues.json")
    return {
        key: re.compile(
            value if isinstance(value, str) else "|".join(f"(?:{v})" for v in value), re.IGNORECASE
        )
        for key, value in data.items()
        if key != "comment"
    }


@pytest.mark.parametrize("name", sorted(cues()))
def test_guarded_cues_match_like_the_unguarded_pattern(name: str) -> None:
    pattern, plain = cues()[name], _plain_cues()[name]
    for text in _texts():
        assert [(m.span(), m.groups()) for m in plain.finditer(text)] == [
            (m.span(), m.groups()) for m in pattern.finditer(text)
        ]


@pytest.mark.parametrize(
    "source",
    [r"a*", r"(?i)left", r"^\s*none", r"\nfoo", r"[^a]bc", r"(?:x|)", r".abc"],
)
def test_no_guard_when_not_derivable_or_not_useful(source: str) -> None:
    pattern = re.compile(source)
    assert guarded(pattern) is pattern


def test_guard_keeps_groups_and_case_folding() -> None:
    pattern = re.compile(r"\b(?:(left)|right|bilat\.?)\b|(?<!\w)([LR])(?=\s+L\d)", re.I)
    guard = guarded(pattern)
    assert guard is not pattern
    assert guard.groups == pattern.groups
    assert first_char_class(pattern.pattern, pattern.flags) is not None
    text = "LEFT, Right, bilat. R L5 and Kelvin \u212a"
    assert [m.groups() for m in guard.finditer(text)] == [
        m.groups() for m in pattern.finditer(text)
    ]

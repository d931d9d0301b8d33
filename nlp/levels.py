"""Spinal level recognition and normalization.

Notes spell levels many ways (`L4-5`, `L4-L5`, `L4/5`, `L5/S1`, `L5S1`, `L45`, `L4 5`, `C7-T1`,
`L3 to L5`); billing needs one spelling: interspaces `L4-L5`, `L5-S1`, `C7-T1`, single roots
`L5`, `S1`. Ranges that span several interspaces expand to each interspace named
("L3 to L5" -> `L3-L4`, `L4-L5`).
"""

import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from nlp.extensions import doc_text
from nlp.regex_prefilter import compile_gated

_ORDER = (
    [f"C{i}" for i in range(1, 8)]
    + [f"T{i}" for i in range(1, 13)]
    + [f"L{i}" for i in range(1, 6)]
    + [f"S{i}" for i in range(1, 6)]
)
_INDEX = {name: i for i, name in enumerate(_ORDER)}
_MAX = {"C": 7, "T": 12, "L": 5, "S": 5}

# The look-behind sits after the region letter, "([CTLS])(?<![A-Za-z0-9][CTLS])": the same
# matches as a leading "(?<![A-Za-z0-9])", but `re` can skip straight to C, T, L and S
# (tests/test_levels.py compares the two forms).
# All-lower-case notes write "l4-5", "l5-s1", "t8-9": a lower-case region letter counts when
# a digit follows it directly.
LEVEL_PATTERN = re.compile(
    r"([CTLS]|[ctls](?=\d))(?<![A-Za-z0-9][CTLSctls])[ ]?(\d{1,2})"
    r"(?:[ ]?(?:-{1,8}|\u2013|\u2014|/|to|through|thru)[ ]?([CTLSctls])?[ ]?(\d{1,2})"
    r"|[ ](\d)(?![0-9./%])|([Ss])(\d))?"
    r"(?![0-9A-Za-z%])(?!\s*-?\s*weighted)(?!\s*(?:signal|image|sequence))",
)
# The same pattern for capital region letters only: `re` jumps straight to C, T, L and S, a
# third of the time of LEVEL_PATTERN, whose lower-case letters are everywhere in prose. It
# serves every note without a lower-case level (`_LOWER_CASE_LEVEL`).
_CAPITAL_LEVEL_PATTERN = re.compile(
    r"([CTLS])(?<![A-Za-z0-9][CTLS])[ ]?(\d{1,2})"
    r"(?:[ ]?(?:-{1,8}|\u2013|\u2014|/|to|through|thru)[ ]?([CTLSctls])?[ ]?(\d{1,2})"
    r"|[ ](\d)(?![0-9./%])|([Ss])(\d))?"
    r"(?![0-9A-Za-z%])(?!\s*-?\s*weighted)(?!\s*(?:signal|image|sequence))",
)
_LOWER_CASE_LEVEL = re.compile(r"[0-9](?<=[ctls][0-9])")


@dataclass(frozen=True, slots=True)
class LevelMention:
    """A level written in the text and what it normalizes to."""

    start: int
    end: int
    levels: tuple[str, ...]
    rule: str


def _vertebra(region: str, number: int) -> "str | None":
    name = f"{region}{number}"
    return name if name in _INDEX else None


def _expand(first: str, last: str) -> tuple[str, ...]:
    """Interspaces between two vertebrae inclusive of the ends (L3..L5 -> L3-L4, L4-L5)."""
    a, b = _INDEX[first], _INDEX[last]
    if a > b:
        a, b = b, a
    if a == b:
        return (first,)
    return tuple(f"{_ORDER[i]}-{_ORDER[i + 1]}" for i in range(a, b))


def normalize(match: re.Match[str]) -> "tuple[tuple[str, ...], str] | None":
    """Normalized levels for a LEVEL_PATTERN match, with the rule id that produced them."""
    region, num = match.group(1).upper(), int(match.group(2))
    second_region, second_num = match.group(3), match.group(4)
    spaced, sacral_region, sacral_num = match.group(5), match.group(6), match.group(7)
    if second_num is None and spaced is None and sacral_region is None:
        if num > _MAX[region] and region in "CL" and len(match.group(2)) == 2:
            a, b = int(match.group(2)[0]), int(match.group(2)[1])  # L45 -> L4-L5
            if b == a + 1 and a >= 2 and _vertebra(region, a) and _vertebra(region, b):
                return _expand(f"{region}{a}", f"{region}{b}"), "level.compact"
            return None
        first = _vertebra(region, num)
        return ((first,), "level.single") if first else None
    if sacral_region:
        first, last = _vertebra(region, num), _vertebra("S", int(sacral_num))
        if first and last and _INDEX[last] == _INDEX[first] + 1:
            return _expand(first, last), "level.joined"
        return None
    if spaced is not None:
        first, last = _vertebra(region, num), _vertebra(region, int(spaced))
        if first and last and _INDEX[last] == _INDEX[first] + 1:
            return _expand(first, last), "level.spaced"
        return None
    end_region = (second_region or region).upper()
    first, last = _vertebra(region, num), _vertebra(end_region, int(second_num))
    if not first or not last:
        return None
    if _INDEX[last] <= _INDEX[first]:
        return None
    rule = "level.interspace" if _INDEX[last] == _INDEX[first] + 1 else "level.range"
    return _expand(first, last), rule


_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
# Dictated levels: "the fourth/fifth lumbar interspace", "L5-S1" as "the lumbosacral junction".
WORDED_LEVEL = compile_gated(
    r"\b(first|second|third|fourth|fifth)\s*(?:/|-|and|to)\s*(second|third|fourth|fifth)\s+"
    r"lumbar\s+(?:interspace|interlaminar space|space|level|vertebrae)"
    r"|\blumbosacral\s+(?:junction|interspace|interlaminar space)",
    re.IGNORECASE,
)


_SPOKEN_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
_SPOKEN = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
# Dictated levels: "L five S one", "L four five", "C six seven", "L four to L five". The region
# letter is upper case and alone, so "patient's one" is not a level.
SPOKEN_LEVEL = compile_gated(
    rf"([CTLS])(?<![A-Za-z0-9'][CTLS])\s+({_SPOKEN})\b"
    rf"(?:\s*(?:-|to|through|/)?\s*(?:([CTLS])\s+)?({_SPOKEN})\b)?(?!\s*-?\s*weighted)"
)


def _spoken_levels(match: re.Match[str]) -> "tuple[tuple[str, ...], str] | None":
    """The levels of a dictated level, read as the digits it stands for ("L five S one" as
    "L5-S1")."""
    first = f"{match.group(1)}{_SPOKEN_NUMBERS[match.group(2).lower()]}"
    written = first
    if match.group(4):
        written += f"-{match.group(3) or ''}{_SPOKEN_NUMBERS[match.group(4).lower()]}"
    digits = LEVEL_PATTERN.fullmatch(written)
    result = normalize(digits) if digits else None
    return None if result is None else (result[0], "level.spoken")


def find_levels(text: str) -> list[LevelMention]:
    """Every spinal level mention in the text, normalized; unrecognizable ones are skipped."""
    found: list[LevelMention] = []
    pattern = LEVEL_PATTERN if _LOWER_CASE_LEVEL.search(text) else _CAPITAL_LEVEL_PATTERN
    for match in pattern.finditer(text):
        result = normalize(match)
        if result:
            levels, rule = result
            found.append(LevelMention(match.start(), match.end(), levels, rule))
    for match in WORDED_LEVEL.finditer(text):
        if match.group(1):
            first, last = _ORDINALS[match.group(1).lower()], _ORDINALS[match.group(2).lower()]
            if last != first + 1:
                continue
            levels = (f"L{first}-L{last}",)
        else:
            levels = ("L5-S1",)
        found.append(LevelMention(match.start(), match.end(), levels, "level.worded"))
    for match in SPOKEN_LEVEL.finditer(text):
        result = _spoken_levels(match)
        if result:
            found.append(LevelMention(match.start(), match.end(), result[0], result[1]))
    if "between" in text:
        found = _between_vertebrae(text, found)
    found.sort(key=lambda mention: mention.start)
    return _joined_junctions(text, found)


# "between the L4 and L5 laminae", "between the L5 and S1 spinous processes": the interspace.
_BETWEEN_VERTEBRAE = re.compile(
    r"\bbetween\s+(?:the\s+)?([CTLS]\d{1,2})\s+and\s+(?:the\s+)?([CTLS]\d{1,2})\s+"
    r"(?:laminae|lamina|spinous\s+process(?:es)?|vertebrae|vertebral\s+bodies|pedicles)\b"
)


def _between_vertebrae(text: str, found: list[LevelMention]) -> list[LevelMention]:
    """The interspace between two adjacent vertebrae named as its bounds, in place of the
    two single levels inside the phrase."""
    for match in _BETWEEN_VERTEBRAE.finditer(text):
        first, last = match.group(1), match.group(2)
        if first not in _INDEX or last not in _INDEX or _INDEX[last] != _INDEX[first] + 1:
            continue
        found = [m for m in found if not match.start() <= m.start < match.end()]
        found.append(
            LevelMention(match.start(1), match.end(2), _expand(first, last), "level.between")
        )
    return found


def _joined_junctions(text: str, found: list[LevelMention]) -> list[LevelMention]:
    """Two vertebrae either side of a region junction written with a space ("C7 T1", "T12
    L1", "L5 S1"), as dictation software types them, are that interspace, not two levels."""
    merged: list[LevelMention] = []
    for mention in found:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.rule == mention.rule == "level.single"
            and mention.start == previous.end + 1
            and text[previous.end] == " "
            and previous.levels[0][0] != mention.levels[0][0]
            and _INDEX[mention.levels[0]] == _INDEX[previous.levels[0]] + 1
        ):
            merged[-1] = LevelMention(
                previous.start,
                mention.end,
                _expand(previous.levels[0], mention.levels[0]),
                "level.junction",
            )
            continue
        merged.append(mention)
    return merged


@Language.factory("esicheck_levels", assigns=["doc._.esi_levels"])
def make_level_finder(nlp: Language, name: str) -> "LevelFinder":
    return LevelFinder()


class LevelFinder:
    """Store every normalized level mention on `doc._.esi_levels` (one regex pass in C)."""

    def __call__(self, doc: Doc) -> Doc:
        doc._.esi_levels = find_levels(doc_text(doc))
        return doc

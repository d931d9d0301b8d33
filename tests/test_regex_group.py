"""nlp.regex_group: grouping a word alternation by first letter keeps every match."""

import re

from nlp.regex_group import group_by_first_letter
from nlp.resources import read_json

_TEXT = (
    "Tolerated the procedure well. No complications. Patient ambulated, discharged home. "
    "Contrast (Omnipaque) confirmed spread; no IV sedation. Prior ESI 2019 gave relief. "
    "Left L5 TFESI under fluoroscopy; consent signed after risks and benefits were reviewed."
)


def test_grouped_cues_find_the_same_matches() -> None:
    for key, source in read_json("cues.json").items():
        if not isinstance(source, str):
            continue
        grouped = group_by_first_letter(source)
        original, rewritten = re.compile(source, re.I), re.compile(grouped, re.I)
        assert original.groups == rewritten.groups, key
        for text in (_TEXT, _TEXT.upper(), _TEXT.lower()):
            expected = [(m.span(), m.groups()) for m in original.finditer(text)]
            assert [(m.span(), m.groups()) for m in rewritten.finditer(text)] == expected, key


def test_preference_order_kept_within_a_letter() -> None:
    source = r"\b(?:ab|abc|ba|bad|ca|cd|da|ea|fa)"
    grouped = group_by_first_letter(source)
    assert grouped == r"\b(?:a(?:b|bc)|b(?:a|ad)|c(?:a|d)|d(?:a)|e(?:a)|f(?:a))"
    for text, first in (("abc", "ab"), ("bad", "ba")):
        assert re.match(grouped, text).group(0) == re.match(source, text).group(0) == first


def test_other_shapes_are_left_alone() -> None:
    for source in (
        r"(left|right)",  # no leading \b(?:
        r"\b(?:(a)|b|c|d|e|f|g|h)",  # capturing group
        r"\b(?:a?b|b|c|d|e|f|g|h)",  # quantified first letter
        r"\b(?:\d|b|c|d|e|f|g|h)",  # not a letter
        r"\b(?:ab|cd)",  # too few alternatives to pay
    ):
        assert group_by_first_letter(source) == source

"""Number words that notes use for counts, doses, durations and scores ("two weeks",
"Two mL", "eighty milligrams", "eight out of ten")."""

import re

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}

WORD_NUMBERS: dict[str, float] = {**_UNITS, **_TENS, "hundred": 100, "one hundred": 100,
                                  "a hundred": 100}
for _ten, _ten_value in _TENS.items():
    for _unit, _unit_value in list(_UNITS.items())[1:10]:
        WORD_NUMBERS[f"{_ten}-{_unit}"] = _ten_value + _unit_value
        WORD_NUMBERS[f"{_ten} {_unit}"] = _ten_value + _unit_value
for _extra, _extra_value in (("twenty", 20), ("forty", 40), ("fifty", 50), ("twenty-five", 25)):
    WORD_NUMBERS[f"one hundred {_extra}"] = 100 + _extra_value
    WORD_NUMBERS[f"one hundred and {_extra}"] = 100 + _extra_value

# Longest words first so "forty-five" wins over "forty".
NUMBER_WORD_PATTERN = "|".join(
    re.escape(word).replace(r"\ ", r"\s+") for word in sorted(WORD_NUMBERS, key=len, reverse=True)
)


def _by_first_letter(words: list[str]) -> str:
    """The alternation `word1|word2|...` with the words grouped under their first letter,
    `o(?:ne hundred|ne)|t(?:wo|en)`: the same matches in the same order of preference (a
    position can only match words starting with its own letter, tried in the original order),
    but `re` tests one letter per group instead of trying every word at every position."""
    groups: dict[str, list[str]] = {}
    for word in words:
        groups.setdefault(word[0], []).append(re.escape(word[1:]).replace(r"\ ", r"\s+"))
    return "|".join(f"{re.escape(first)}(?:{'|'.join(rests)})" for first, rests in groups.items())


# NUMBER_WORD_PATTERN grouped by first letter (see `_by_first_letter`), for whole-text scans.
NUMBER_WORD_PATTERN_GROUPED = _by_first_letter(sorted(WORD_NUMBERS, key=len, reverse=True))

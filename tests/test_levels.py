"""Spinal level spellings normalize to one form; ranges expand to the interspaces named."""

import pytest

from nlp.levels import find_levels
from nlp.tokenizer import SPINAL_LEVEL_TOKEN


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("L4-5", ["L4-L5"]),
        ("L4-L5", ["L4-L5"]),
        ("L4/5", ["L4-L5"]),
        ("L5/S1", ["L5-S1"]),
        ("L5S1", ["L5-S1"]),
        ("L45", ["L4-L5"]),
        ("L4 5 interspace", ["L4-L5"]),
        ("C7-T1", ["C7-T1"]),
        ("T12-L1", ["T12-L1"]),
        ("C5-6,", ["C5-C6"]),
        ("L3 to L5", ["L3-L4", "L4-L5"]),
        ("L3-5", ["L3-L4", "L4-L5"]),
        ("S1 nerve root", ["S1"]),
        ("left L5 and S1", ["L5", "S1"]),
        # Dictation software types a junction with a space; adjacent levels of one region
        # stay two levels ("L4 L5" roots of a transforaminal injection).
        ("the C7 T1 interspace", ["C7-T1"]),
        ("T12 L1 interlaminar", ["T12-L1"]),
        ("right L4 L5 TFESI", ["L4", "L5"]),
        ("the interlaminar space between the L4 and L5 laminae", ["L4-L5"]),
        ("between the L5 and S1 spinous processes", ["L5-S1"]),
    ],
)
def test_level_spellings_normalize(text, expected):
    found = [level for mention in find_levels(text) for level in mention.levels]
    assert found == expected


@pytest.mark.parametrize("text", ["T2-weighted images", "L9", "C12", "L56 foo", "ICD M54.16"])
def test_non_levels_are_ignored(text):
    assert find_levels(text) == []


def test_level_evidence_offsets_point_at_the_text():
    text = "Injection at the L4-5 interspace."
    mention = find_levels(text)[0]
    assert text[mention.start : mention.end] == "L4-5"


@pytest.mark.parametrize("token", ["L4-5", "L4-L5", "L5/S1", "L5S1", "L45", "C7-T1", "T12-L1"])
def test_tokenizer_keeps_levels_whole(nlp, token):
    assert SPINAL_LEVEL_TOKEN.match(token)
    assert [t.text for t in nlp.make_doc(f"at {token} today")] == ["at", token, "today"]


@pytest.mark.parametrize(
    ("text", "tokens"),
    [("80mg", ["80", "mg"]), ("2cc", ["2", "cc"]), ("1%lidocaine", ["1", "%", "lidocaine"])],
)
def test_tokenizer_splits_numbers_from_units_and_drugs(nlp, text, tokens):
    assert [t.text for t in nlp.make_doc(text)] == tokens


@pytest.mark.parametrize(
    "text",
    ["(" * 5000 + " L4-5", "ab (cd)  ef\n" + ")" * 300 + " x  y\n\n z", "a" * 130 + " b"],
)
def test_long_runs_keep_the_text_exact(nlp, text):
    assert nlp.make_doc(text).text == text


def test_dictated_ordinal_levels():
    found = [
        m.levels for m in find_levels("the fourth/fifth lumbar interspace; lumbosacral junction")
    ]
    assert found == [("L4-L5",), ("L5-S1",)]


def test_level_pattern_matches_like_its_leading_lookbehind_form():
    import re
    from pathlib import Path

    from nlp.levels import LEVEL_PATTERN

    leading = re.compile(
        r"(?<![A-Za-z0-9])([CTLS]|[ctls](?=\d))[ ]?(\d{1,2})"
        r"(?:[ ]?(?:-{1,8}|\u2013|\u2014|/|to|through|thru)[ ]?([CTLSctls])?[ ]?(\d{1,2})"
        r"|[ ](\d)(?![0-9./%])|([Ss])(\d))?"
        r"(?![0-9A-Za-z%])(?!\s*-?\s*weighted)(?!\s*(?:signal|image|sequence))",
    )
    corpus = Path(__file__).resolve().parent.parent / "corpus" / "notes"
    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*/*.txt"))]
    texts += ["L4-5 xL4 4L5 L5S1 C7-T1 T2-weighted L 4 to L5 S1 l4-5 l5-s1 t 2 at 2", "L", ""]
    for text in texts:
        assert [(m.span(), m.groups()) for m in LEVEL_PATTERN.finditer(text)] == [
            (m.span(), m.groups()) for m in leading.finditer(text)
        ]


@pytest.mark.parametrize(
    ("text", "levels"),
    [
        ("left L five S one interlaminar", ("L5-S1",)),
        ("the L four five interspace", ("L4-L5",)),
        ("C six seven", ("C6-C7",)),
        ("T twelve L one", ("T12-L1",)),
        ("the right S one nerve root", ("S1",)),
    ],
)
def test_dictated_levels_in_words(text, levels):
    assert [m.levels for m in find_levels(text)] == [levels]


@pytest.mark.parametrize("text", ["a T one weighted image", "the patient's one visit"])
def test_words_that_are_not_dictated_levels(text):
    assert find_levels(text) == []


def test_an_all_lower_case_note_names_its_levels(run):
    result = run(
        "brief op note. proc: lt l4-5 interlaminar esi under fluoro. prone, chg prep. 20g "
        "tuohy lt paramedian l4-5, lor to air. methylprednisolone 80 mg injected.\n"
    )
    assert (result.procedure.levels, result.procedure.region) == (["L4-L5"], "lumbar")
    assert "62323" in result.billing.suggested_codes


def test_the_capital_only_pattern_matches_like_the_full_one_on_capital_text():
    from pathlib import Path

    from nlp.levels import _CAPITAL_LEVEL_PATTERN, _LOWER_CASE_LEVEL, LEVEL_PATTERN

    corpus = Path(__file__).resolve().parent.parent / "corpus" / "notes"
    compared = 0
    for path in sorted(corpus.glob("*/*.txt")):
        text = path.read_text(encoding="utf-8")
        if _LOWER_CASE_LEVEL.search(text):
            continue  # such notes are read with the full pattern
        assert [(m.span(), m.groups()) for m in _CAPITAL_LEVEL_PATTERN.finditer(text)] == [
            (m.span(), m.groups()) for m in LEVEL_PATTERN.finditer(text)
        ]
        compared += 1
    assert compared > 500

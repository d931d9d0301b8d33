"""Properties of `nlp.analyze` over arbitrary text, and regex safety on pathological input.

For any Unicode text: analysis either succeeds or raises the documented InputError (E001 empty,
E002 too large); the result validates against the published JSON schema; every evidence span is
exactly `text[start:end]`; and a note's analysis does not depend on the notes analyzed before it.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp import NoteAnalysis, analyze
from nlp.errors import ErrorCode, InputError

CORPUS_NOTE = Path(__file__).resolve().parents[1] / "corpus" / "notes" / "dev" / "dev-001.txt"
VALIDATOR = jsonschema.Draft202012Validator(NoteAnalysis.model_json_schema())
# Fragments that make the extractors fire, so generated notes carry evidence to check.
FRAGMENTS = [
    "PROCEDURE:",
    "DESCRIPTION OF PROCEDURE:",
    "INDICATIONS:",
    "CONSENT:",
    "POST-PROCEDURE:",
    "Left",
    "right",
    "bilateral",
    "L4-5",
    "L5-S1",
    "L3 to L5",
    "C7-T1",
    "interlaminar",
    "caudal",
    "transforaminal",
    "epidural steroid injection",
    "under fluoroscopic guidance",
    "ultrasound",
    "Omnipaque 240, 2 mL",
    "no contrast was used due to allergy",
    "Depo-Medrol 80 mg",
    "Kenalog 40mg",
    "dexamethasone 10 mg",
    "lidocaine 1% 3 mL",
    "saline 2 mL",
    "phenol",
    "radiculopathy",
    "spinal stenosis",
    "axial low back pain",
    "physical therapy for 8 weeks",
    "MRI shows disc herniation",
    "pain 7/10",
    "VAS 3/10",
    "ODI 40%",
    "informed consent was obtained",
    "no complications",
    "not",
    "denies",
    "history of",
    "___",
    "***",
    "[ ]",
    "CPT 62323",
    "62321",
    "80mg",
    "\n",
    "\n\n",
    ". ",
    ", ",
    "1.",
    "-",
    "é",
    "中文",
    "🙂",
    "\t",
    "\u200b",
    "\u00a0",
    "ﬁ",
]
clinical_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)),
    min_size=1,
    max_size=60,
).map(" ".join)
any_text = st.one_of(st.text(max_size=2000), clinical_text)


def _evidence(node: object):
    """Every evidence object (a dict with start/end/text) anywhere in the dumped analysis."""
    if isinstance(node, dict):
        if {"start", "end", "text"} <= node.keys() and isinstance(node["start"], int):
            yield node
        for value in node.values():
            yield from _evidence(value)
    elif isinstance(node, list):
        for value in node:
            yield from _evidence(value)


def _check(text: str, nlp) -> dict | None:
    """Analyze `text` and assert the contract; None when it is the documented empty error."""
    try:
        result = analyze(text, nlp=nlp)
    except InputError as exc:
        assert exc.code is ErrorCode.E001_EMPTY_TEXT and not text.strip()
        return None
    dumped = json.loads(result.model_dump_json())
    VALIDATOR.validate(dumped)
    for span in _evidence(dumped):
        assert 0 <= span["start"] <= span["end"] <= len(text)
        assert text[span["start"] : span["end"]] == span["text"], span
    return dumped


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=any_text)
def test_any_text_analyzes_to_the_contract(nlp, text):
    _check(text, nlp)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=clinical_text, second=clinical_text)
def test_analysis_does_not_depend_on_earlier_notes(nlp, first, second):
    if not second.strip():
        return
    alone = analyze(second, nlp=nlp).model_dump()
    analyze(first, nlp=nlp) if first.strip() else None
    assert analyze(second, nlp=nlp).model_dump() == alone


def _long_random_unicode(size: int) -> str:
    rng = random.Random(20261126)
    pools = [(32, 126), (0xA0, 0x2FFF), (0x4E00, 0x9FFF), (0x1F300, 0x1F6FF)]
    chars = []
    for _ in range(size):
        low, high = rng.choice(pools)
        chars.append("\n" if rng.random() < 0.01 else chr(rng.randint(low, high)))
    return "".join(chars)


@pytest.mark.parametrize("kind", ["corpus-note-repeated", "random-unicode"])
def test_texts_of_200000_characters(nlp, kind):
    if kind == "random-unicode":
        text = _long_random_unicode(200_000)
    else:
        note = CORPUS_NOTE.read_text(encoding="utf-8")
        text = (note * (200_000 // len(note) + 1))[:200_000]
    assert len(text) == 200_000
    dumped = _check(text, nlp)
    assert dumped is not None
    if kind == "corpus-note-repeated":
        assert any(True for _ in _evidence(dumped))


@pytest.mark.parametrize("text", ["", " ", "\n\t \r\n", "\u00a0\u2003"])
def test_empty_text_is_the_documented_error(nlp, text):
    with pytest.raises(InputError) as caught:
        analyze(text, nlp=nlp)
    assert caught.value.code is ErrorCode.E001_EMPTY_TEXT


# regex safety ------------------------------------------------------------------------
# Each pathological input runs in a child process that is killed at the bound, so a
# catastrophic regex fails the test instead of hanging the suite. Typical times are < 1.5 s
# for 100k characters; the bound is there to catch super-linear behaviour, not to benchmark.
BOUND_SECONDS = 10.0
_CHILD = textwrap.dedent("""
    import json, sys, time
    from nlp import analyze
    from nlp.pipeline import get_pipeline
    nlp = get_pipeline()
    analyze("warm up", nlp=nlp)
    print("ready", flush=True)
    for unit, size in json.loads(sys.argv[1]):
        text = (unit * (size // len(unit) + 1))[:size]
        started = time.perf_counter()
        analyze(text, nlp=nlp)
        print(json.dumps([unit, time.perf_counter() - started]), flush=True)
""")
PATHOLOGICAL = [
    ("1", 100_000),
    ("/", 100_000),
    ("L4-", 100_000),
    (" " * 99 + "x", 100_000),
    ("-", 100_000),
    (".", 100_000),
    ("a:b_", 100_000),
    ("_ " * 3, 100_000),
    # A dot-leader field with no number after an instrument name ("Oswestry ..... n/a").
    ("Oswestry " + "." * 40 + " not collected\n", 100_000),
]
# Inputs that were super-linear before the bounded tokenizer, sentence-scoped ConText and
# windowed look-ups: long punctuation runs and thousands of mentions in one sentence.
QUADRATIC = [(":", 100_000), ("(", 100_000), ("L4-5, ", 100_000), ("7/10 ", 100_000)]


def _run_bounded(cases: list[tuple[str, int]]) -> dict[str, float]:
    """{unit: seconds} for each case; raises AssertionError when one exceeds the bound."""
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, json.dumps(cases)], stdout=subprocess.PIPE, text=True
    )
    times: dict[str, float] = {}
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        for unit, _ in cases:
            started = time.monotonic()
            line = _readline_within(child, BOUND_SECONDS)
            assert line, f"{unit[:12]!r} x{len(cases)}: no result within {BOUND_SECONDS} s"
            times[unit] = json.loads(line)[1]
            assert time.monotonic() - started < BOUND_SECONDS + 1
    finally:
        child.kill()
        child.wait()
        if child.stdout:
            child.stdout.close()
    return times


def _readline_within(child: subprocess.Popen, seconds: float) -> str:
    import selectors

    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=seconds):
            return ""
    return child.stdout.readline()


def test_pathological_inputs_finish_within_the_bound():
    times = _run_bounded(PATHOLOGICAL)
    assert set(times) == {unit for unit, _ in PATHOLOGICAL}
    assert all(seconds < BOUND_SECONDS for seconds in times.values()), times


def test_formerly_quadratic_inputs_finish_within_the_bound():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(QUADRATIC)) as pool:  # both causes at once: one bound's wait
        outcomes = list(pool.map(_bounded_or_none, [[case] for case in QUADRATIC]))
    assert all(outcomes), outcomes


def _bounded_or_none(cases: list[tuple[str, int]]) -> dict[str, float] | None:
    try:
        return _run_bounded(cases)
    except AssertionError:
        return None

"""Load and validate the rule files under `patterns/` (shipped in the wheel).

Each file is read through `importlib.resources` (never by walking `__file__` parents) and
validated by a closed pydantic model, and every regex is compiled here, so a malformed file
fails at startup with an error naming the file and the key instead of misbehaving later.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from nlp.errors import PatternError
from nlp.regex_group import group_by_first_letter
from nlp.regex_guard import guarded
from nlp.regex_prefilter import gated

PATTERNS_PACKAGE = "patterns"


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SectionRuleData(_Closed):
    category: str
    literal: str
    pattern: str | list[dict[str, Any]] | None = None
    max_scope: int | None = None
    parents: list[str] | None = None
    parent_required: bool = False
    metadata: dict[str, Any] | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: Any) -> Any:
        if isinstance(value, str):
            re.compile(value)
        return value


class TargetRuleData(_Closed):
    literal: str
    category: str
    pattern: str | list[dict[str, Any]] | None = None
    metadata: dict[str, Any] | None = None
    attributes: dict[str, Any] | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: Any) -> Any:
        if isinstance(value, str):
            re.compile(value)
        return value


class ContextRuleData(_Closed):
    literal: str
    category: str
    direction: Literal["FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO"]
    pattern: str | list[dict[str, Any]] | None = None
    max_scope: int | None = None
    max_targets: int | None = None
    allowed_types: list[str] | None = None
    excluded_types: list[str] | None = None
    terminated_by: list[str] | None = None
    metadata: dict[str, Any] | None = None


class DrugEntry(_Closed):
    name: str
    role: Literal[
        "steroid",
        "local_anesthetic",
        "contrast",
        "diluent",
        "opioid",
        "neurolytic",
        "sedation",
        "other",
    ]
    terms: list[str]


class SectionFile(_Closed):
    comment: str | None = None
    section_rules: list[SectionRuleData]


class TargetFile(_Closed):
    comment: str | None = None
    target_rules: list[TargetRuleData]


class ContextFile(_Closed):
    comment: str | None = None
    context_rules: list[ContextRuleData]


class DrugFile(_Closed):
    comment: str | None = None
    drugs: list[DrugEntry]
    # Terms that are also ordinary words ("contrast" ~ "contract"): matched exactly, never
    # as a one-letter slip (see `nlp.typos`).
    exact_only: list[str] = []


def read_json(relative_path: str) -> Any:
    """Read a JSON file from the patterns package; errors name the file, not its content."""
    try:
        ref = resources.files(PATTERNS_PACKAGE).joinpath(relative_path)
        with ref.open("r", encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError as exc:
        raise PatternError(relative_path, "<file>", "not found in patterns/") from exc
    except json.JSONDecodeError as exc:
        raise PatternError(relative_path, f"line {exc.lineno}", "invalid JSON") from exc
    if isinstance(data, dict) and "_comment" in data:
        data = {("comment" if k == "_comment" else k): v for k, v in data.items()}
    return data


def list_files(directory: str) -> list[str]:
    """Names of the JSON files in a patterns sub-directory, sorted for determinism."""
    folder = resources.files(PATTERNS_PACKAGE).joinpath(directory)
    return sorted(
        f"{directory}/{entry.name}" for entry in folder.iterdir() if entry.name.endswith(".json")
    )


def validate(model: type[BaseModel], relative_path: str) -> Any:
    """Parse a patterns file with a closed model; turn the first error into a PatternError."""
    data = read_json(relative_path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "<root>"
        raise PatternError(relative_path, key, first["msg"]) from exc
    except re.error as exc:
        raise PatternError(relative_path, "pattern", f"regex does not compile: {exc}") from exc


@cache
def section_rules() -> SectionFile:
    return validate(SectionFile, "sections.json")


@cache
def target_rules() -> tuple[TargetRuleData, ...]:
    rules: list[TargetRuleData] = []
    for path in list_files("targets"):
        rules.extend(validate(TargetFile, path).target_rules)
    return tuple(rules)


@cache
def context_rules() -> ContextFile:
    return validate(ContextFile, "context_rules.json")


@cache
def drug_lexicon() -> DrugFile:
    return validate(DrugFile, "drugs.json")


@cache
def cues() -> dict[str, re.Pattern[str]]:
    """Named cue regexes (`patterns/cues.json`), compiled once, case-insensitive, with word
    alternations grouped by first letter (`nlp.regex_group`), a first-character guard
    (`nlp.regex_guard`) and a literal gate (`nlp.regex_prefilter`) because most are scanned
    over the whole note."""
    data = read_json("cues.json")
    compiled: dict[str, re.Pattern[str]] = {}
    for key, value in data.items():
        if key == "comment":
            continue
        if not isinstance(value, (str, list)):
            raise PatternError("cues.json", key, "must be a regex string or a list of them")
        source = value if isinstance(value, str) else "|".join(f"(?:{v})" for v in value)
        try:
            source = group_by_first_letter(source)
            compiled[key] = gated(guarded(re.compile(source, re.IGNORECASE)))
        except re.error as exc:
            raise PatternError("cues.json", key, f"regex does not compile: {exc}") from exc
    return compiled


@cache
def target_lexicon() -> dict[tuple[str, str], dict[str, Any]]:
    """(category, lower-cased literal) -> metadata for every phrase target and drug term."""
    lexicon: dict[tuple[str, str], dict[str, Any]] = {}
    for rule in target_rules():
        if rule.pattern is None:
            lexicon[(rule.category, lexicon_key(rule.literal))] = dict(rule.metadata or {})
    for drug in drug_lexicon().drugs:
        for term in drug.terms:
            lexicon[("DRUG", lexicon_key(term))] = {"value": drug.name, "role": drug.role}
    return lexicon


_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=8192)
def lexicon_key(text: str) -> str:
    """Lower-cased text without whitespace: a matched span and its literal agree even when
    the note wraps or double-spaces the phrase."""
    return _SPACES.sub("", text.lower())

"""Requirement profiles (`patterns/requirements/*.json`): closed models, loading, overlays.

A profile is data: requirements with citations, severities, messages, physician queries and a
check that is either declarative (a fact and the values that meet / fail it, or a boolean
flag) or the name of a registered Python function. A payer overlay `extends` a base profile
and replaces or adds requirements by id, so a sister Medicare policy is a new file, not code.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from nlp import resources
from nlp.errors import ErrorCode, EsicheckError, PatternError
from nlp.models import Citation

DEFAULT_PROFILE = "cpt-62323"


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Check(_Closed):
    fact: str | None = None
    met: list[str] | None = None
    not_met: list[str] | None = None
    flag: str | None = None
    function: str | None = None
    min_weeks: float | None = None
    min_relief_percent: float | None = None
    max_sessions: int | None = None
    window_months: int | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Check:
        kinds = [self.fact is not None, self.flag is not None, self.function is not None]
        if sum(kinds) != 1:
            raise ValueError("a check names exactly one of 'fact', 'flag' or 'function'")
        if self.fact is not None and self.met is None:
            raise ValueError("a 'fact' check needs a 'met' list")
        return self


class Messages(_Closed):
    met: str
    missing: str | None = None
    not_met: str | None = None
    not_applicable: str | None = None


class Requirement(_Closed):
    id: str
    title: str
    severity: Literal["error", "warning"]
    citation: Citation
    check: Check
    messages: Messages
    looked_for: str
    query: str
    applies_to: list[str] | None = None


class GateWhenFalse(_Closed):
    status: Literal["not_applicable"]
    message: str
    # Requirement ids whose status differs when the gate is closed.
    except_: dict[str, Literal["met", "missing", "not_met", "not_applicable"]] = {}

    @model_validator(mode="before")
    @classmethod
    def _rename(cls, data: Any) -> Any:
        if isinstance(data, dict) and "except" in data:
            data = dict(data)
            data["except_"] = data.pop("except")
        return data


class Gate(_Closed):
    fact: str
    when_false: GateWhenFalse


class Payer(_Closed):
    contractor: str
    lcd: str
    article: str
    keys: list[str]


class Profile(_Closed):
    comment: str | None = None
    id: str
    title: str
    version: str
    applies_to: list[str]
    extends: str | None = None
    payer: Payer | None = None
    gate: Gate | None = None
    requirements: list[Requirement]


def _load(path: str) -> Profile:
    data = resources.read_json(path)
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "<root>"
        raise PatternError(path, key, first["msg"]) from exc
    from nlp.checks import REGISTRY

    for requirement in profile.requirements:
        name = requirement.check.function
        if name is not None and name not in REGISTRY:
            raise PatternError(
                path,
                f"requirements.{requirement.id}.check.function",
                f"unknown check function {name!r}",
            )
    return profile


@cache
def all_profiles() -> dict[str, Profile]:
    profiles = {}
    for path in resources.list_files("requirements"):
        profile = _load(path)
        profiles[profile.id] = profile
    return profiles


@cache
def resolve(profile_id: str | None = None, payer: str | None = None) -> Profile:
    """The effective profile: the named (or default) profile, with a payer overlay applied."""
    profiles = all_profiles()
    chosen_id = profile_id or DEFAULT_PROFILE
    if payer:
        key = payer.strip().lower()
        overlay = next(
            (p for p in profiles.values() if p.payer and (key in p.payer.keys or key == p.id)),
            None,
        )
        if overlay is None:
            raise EsicheckError(ErrorCode.E011_UNKNOWN_PROFILE, f"payer: no policy for {payer!r}")
        chosen_id = overlay.id
    if chosen_id not in profiles:
        raise EsicheckError(ErrorCode.E011_UNKNOWN_PROFILE, f"profile: unknown id {chosen_id!r}")
    profile = profiles[chosen_id]
    if profile.extends is None:
        return profile
    base = resolve(profile.extends)
    by_id = {r.id: r for r in base.requirements}
    order = [r.id for r in base.requirements]
    for requirement in profile.requirements:
        if requirement.id not in by_id:
            order.append(requirement.id)
        by_id[requirement.id] = requirement
    return Profile(
        id=profile.id,
        title=profile.title,
        version=f"{profile.version} (+{base.id} {base.version})",
        applies_to=profile.applies_to,
        payer=profile.payer,
        gate=profile.gate or base.gate,
        requirements=[by_id[i] for i in order],
    )

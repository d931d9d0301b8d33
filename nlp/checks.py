"""Apply a requirement profile to the facts of a note: one `Finding` per requirement.

Declarative checks are evaluated here from the profile data; the rest are small named
functions in `REGISTRY` (a profile names them, so adding one is a code change reviewed once,
while using it in a new profile is data).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from nlp.models import Evidence, Finding, NoteAnalysis, PriorSession
from nlp.profiles import Check, Profile, Requirement, resolve
from nlp.trusted import construct

Outcome = tuple[str, list[Evidence], str | None]  # status, evidence, extra detail
CheckFunction = Callable[[NoteAnalysis, Check, "CheckContext"], Outcome]
REGISTRY: dict[str, CheckFunction] = {}

SUPPORTING_DIAGNOSES = {
    "radiculopathy",
    "stenosis",
    "disc_herniation",
    "post_laminectomy",
    "herpes_zoster",
}
ESI_SESSION_CODES = {"62321", "62323", "64479", "64480", "64483", "64484"}


class CheckContext:
    """What a check may know beyond the note: prior sessions and the date of service."""

    def __init__(self, history: list[PriorSession] | None, date_of_service: str | None) -> None:
        self.history = history
        self.date_of_service = date_of_service


def register(name: str) -> Callable[[CheckFunction], CheckFunction]:
    def decorator(function: CheckFunction) -> CheckFunction:
        REGISTRY[name] = function
        return function

    return decorator


def fact_value(analysis: NoteAnalysis, path: str) -> Any:
    value: Any = analysis
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def _evidence_for(analysis: NoteAnalysis, path: str) -> list[Evidence]:
    parts = path.split(".")
    if parts[0] == "procedure" and len(parts) >= 2:
        return analysis.procedure.evidence.get(parts[1], [])
    owner = getattr(analysis, parts[0], None)
    return list(getattr(owner, "evidence", []) or [])


@register("diagnosis_supports_esi")
def _diagnosis(analysis: NoteAnalysis, check: Check, ctx: CheckContext) -> Outcome:
    if not analysis.diagnoses:
        return "missing", [], None
    supporting = [d for d in analysis.diagnoses if d.category in SUPPORTING_DIAGNOSES]
    if supporting:
        return "met", [e for d in supporting[:3] for e in d.evidence], None
    return "not_met", [e for d in analysis.diagnoses[:3] for e in d.evidence], None


def _has_zoster(analysis: NoteAnalysis) -> bool:
    return any(d.category == "herpes_zoster" for d in analysis.diagnoses)


@register("conservative_care_duration")
def _conservative(analysis: NoteAnalysis, check: Check, ctx: CheckContext) -> Outcome:
    care = analysis.conservative_care
    if _has_zoster(analysis):
        return "not_applicable", [], None
    if not care.documented:
        return "missing", [], None
    minimum = check.min_weeks or 4
    if care.weeks is not None and care.weeks >= minimum:
        return "met", care.evidence[:3], f"{care.weeks:g} weeks"
    detail = "no duration stated" if care.weeks is None else f"{care.weeks:g} weeks"
    return "not_met", care.evidence[:3], detail


@register("pain_assessment")
def _pain(analysis: NoteAnalysis, check: Check, ctx: CheckContext) -> Outcome:
    scores = [(s.timing, s.evidence) for s in analysis.pain_scores] + [
        (s.timing, s.evidence) for s in analysis.functional_scores
    ]
    if not scores:
        return "missing", [], None
    baseline = [ev for timing, ev in scores if timing in ("pre", "baseline", "unspecified")]
    if baseline:
        return "met", [e for ev in baseline[:3] for e in ev], None
    return "not_met", [e for _, ev in scores[:3] for e in ev], None


@register("pain_pre_and_post")
def _pain_pre_post(analysis: NoteAnalysis, check: Check, ctx: CheckContext) -> Outcome:
    if not analysis.pain_scores:
        return "missing", [], None
    pre = [s for s in analysis.pain_scores if s.timing in ("pre", "baseline", "unspecified")]
    post = [s for s in analysis.pain_scores if s.timing == "post"]
    same = any(a.instrument == b.instrument for a in pre for b in post)
    evidence = [e for s in (pre[:1] + post[:1]) for e in s.evidence]
    return ("met" if pre and post and same else "not_met"), evidence, None


@register("laterality")
def _laterality(analysis: NoteAnalysis, check: Check, ctx: CheckContext) -> Outcome:
    if analysis.procedure.approach == "caudal":
        return "not_applicable", [], None
    if analysis.procedure.laterality:
        return "met", analysis.procedure.evidence.get("laterality", []), None
    return "missing", [], None


@register("medications_complete")
def _medications(analysis: NoteAnalysis, check: Check, ctx: CheckContext) -> Outcome:
    injectate = [
        m for m in analysis.medications if m.route == "epidural" and m.role not in ("contrast",)
    ]
    if not injectate:
        return "missing", [], None
    incomplete = [
        m
        for m in injectate
        if (m.role == "steroid" and m.dose is None)
        or (m.role != "steroid" and m.dose is None and m.volume_ml is None)
    ]
    evidence = [e for m in injectate for e in m.evidence[:1]]
    if incomplete:
        names = ", ".join(sorted({m.name for m in incomplete}))
        return "not_met", evidence, f"no dose/volume for: {names}"
    return "met", evidence, None


@register("prior_response")
def _prior(analysis: NoteAnalysis, check: Check, ctx: CheckContext) -> Outcome:
    prior = analysis.prior_injection
    if not prior.is_repeat:
        return "not_applicable", [], None
    if not prior.documented or prior.relief_percent is None:
        return "missing", prior.evidence, None
    if check.min_relief_percent is not None and prior.relief_percent < check.min_relief_percent:
        return "not_met", prior.evidence, f"{prior.relief_percent:g}% relief"
    if (
        check.min_weeks is not None
        and prior.duration_weeks is not None
        and prior.duration_weeks < check.min_weeks
    ):
        return "not_met", prior.evidence, f"relief lasted {prior.duration_weeks:g} weeks"
    return "met", prior.evidence, None


@register("single_level")
def _single_level(analysis: NoteAnalysis, check: Check, ctx: CheckContext) -> Outcome:
    levels = analysis.procedure.levels
    evidence = analysis.procedure.evidence.get("levels", [])
    if len(levels) > 1:
        return "not_met", evidence, ", ".join(levels)
    return "met", evidence, None


@register("unilateral")
def _unilateral(analysis: NoteAnalysis, check: Check, ctx: CheckContext) -> Outcome:
    evidence = analysis.procedure.evidence.get("laterality", [])
    if analysis.procedure.laterality == "bilateral":
        return "not_met", evidence, None
    return "met", evidence, None


@register("no_neurolytic")
def _neurolytic(analysis: NoteAnalysis, check: Check, ctx: CheckContext) -> Outcome:
    evidence = analysis.procedure.evidence.get("neurolytic", [])
    return ("not_met" if analysis.procedure.neurolytic else "met"), evidence, None


@register("sedation_justified")
def _sedation(analysis: NoteAnalysis, check: Check, ctx: CheckContext) -> Outcome:
    if not analysis.procedure.sedation:
        return "not_applicable", [], None
    return ("met" if analysis.procedure.sedation_reason else "not_met"), [], None


@register("approved_injectate")
def _approved(analysis: NoteAnalysis, check: Check, ctx: CheckContext) -> Outcome:
    biologic = [m for m in analysis.medications if m.name in ("platelet-rich plasma", "stem cells")]
    if biologic:
        return "not_met", [e for m in biologic for e in m.evidence[:1]], None
    return "met", [], None


def region_group(region: str | None, code: str | None = None) -> str | None:
    """Frequency limits count cervical/thoracic and lumbar/sacral separately."""
    if region in ("lumbar", "sacral"):
        return "lumbar_sacral"
    if region in ("cervical", "thoracic"):
        return "cervical_thoracic"
    if code in ("62322", "62323", "64483", "64484", "62326", "62327"):
        return "lumbar_sacral"
    if code in ("62320", "62321", "64479", "64480", "62324", "62325"):
        return "cervical_thoracic"
    return None


def one_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def sessions_in_window(
    history: Iterable[PriorSession], group: str, day: date
) -> list[PriorSession]:
    """Prior ESI sessions of this region group in the rolling 12 months before `day`:
    dates strictly after the same calendar day one year earlier, up to and including `day`."""
    start = one_year_before(day)
    counted: dict[str, PriorSession] = {}
    for session in history:
        if session.cpt not in ESI_SESSION_CODES:
            continue
        if (session.region or region_group(None, session.cpt)) != group:
            continue
        when = date.fromisoformat(session.date_of_service[:10])
        if start < when <= day:
            counted.setdefault(session.date_of_service[:10], session)
    return list(counted.values())


@register("frequency_limit")
def _frequency(analysis: NoteAnalysis, check: Check, ctx: CheckContext) -> Outcome:
    if ctx.history is None or not ctx.date_of_service:
        stated = analysis.prior_injection.sessions_in_12_months
        if stated is None:
            return "not_applicable", [], None
        limit = check.max_sessions or 4
        detail = f"{stated} sessions in 12 months, as the note states"
        evidence = list(analysis.prior_injection.sessions_evidence)
        return ("not_met" if stated > limit else "met"), evidence, detail
    group = region_group(analysis.procedure.region)
    if group is None:
        return "not_applicable", [], "region unknown"
    day = date.fromisoformat(ctx.date_of_service[:10])
    prior = [
        s
        for s in sessions_in_window(ctx.history, group, day)
        if s.date_of_service[:10] != day.isoformat()
    ]
    total = len(prior) + 1
    limit = check.max_sessions or 4
    detail = f"{total} sessions in 12 months"
    return ("not_met" if total > limit else "met"), [], detail


def _declarative(analysis: NoteAnalysis, check: Check) -> Outcome:
    if check.flag is not None:
        value = bool(fact_value(analysis, check.flag))
        return ("met" if value else "missing"), _evidence_for(analysis, check.flag), None
    value = fact_value(analysis, check.fact or "")
    evidence = _evidence_for(analysis, check.fact or "")
    if value is None:
        return "missing", [], None
    if value in (check.met or []):
        return "met", evidence, None
    if value in (check.not_met or []):
        return "not_met", evidence, str(value)
    return "missing", evidence, str(value)


def evaluate(requirement: Requirement, analysis: NoteAnalysis, ctx: CheckContext) -> Outcome:
    check = requirement.check
    if check.function is not None:
        return REGISTRY[check.function](analysis, check, ctx)
    return _declarative(analysis, check)


def _finding(
    requirement: Requirement,
    profile: Profile,
    status: str,
    evidence: list[Evidence],
    detail: str | None,
    message: str | None = None,
) -> Finding:
    text = message or getattr(requirement.messages, status, None) or requirement.messages.met
    if detail and not message:
        text = f"{text} ({detail})"
    # Every value comes from validated profile data and engine statuses: skip re-validation.
    return construct(
        Finding,
        {
            "id": requirement.id,
            "title": requirement.title,
            "status": status,
            "severity": requirement.severity,
            "message": text,
            "evidence": evidence[:5],
            "looked_for": None if status == "met" else f"Looked for {requirement.looked_for}.",
            "citation": requirement.citation,
            "query": None if status in ("met", "not_applicable") else requirement.query,
            "profile": profile.id,
        },
    )


def apply_requirements(
    analysis: NoteAnalysis,
    *,
    profile: str | None = None,
    payer: str | None = None,
    billed_cpt: str | None = None,
    history: Iterable[PriorSession] | None = None,
    date_of_service: str | None = None,
) -> NoteAnalysis:
    """Fill `requirements`, `billing` and `complete` on an analysis whose facts are set."""
    from nlp.billing import bill

    chosen = resolve(profile, payer)
    ctx = CheckContext(list(history) if history is not None else None, date_of_service)
    findings = []
    gate_open = True
    if chosen.gate is not None:
        gate_open = bool(fact_value(analysis, chosen.gate.fact))
    for requirement in chosen.requirements:
        if not gate_open and chosen.gate is not None:
            closed = chosen.gate.when_false
            status = closed.except_.get(requirement.id, closed.status)
            kind = analysis.procedure.procedure_type or "not an epidural injection"
            findings.append(
                _finding(
                    requirement, chosen, status, [], None, f"{closed.message} (procedure: {kind})"
                )
            )
            continue
        status, evidence, detail = evaluate(requirement, analysis, ctx)
        findings.append(_finding(requirement, chosen, status, evidence, detail))
    analysis.requirements = findings
    analysis.profile = chosen.id
    analysis.profile_version = chosen.version
    analysis.complete = not any(
        f.severity == "error" and f.status in ("missing", "not_met") for f in findings
    )
    analysis.billing = bill(analysis, billed_cpt=billed_cpt)
    return analysis

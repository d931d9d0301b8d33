"""Code suggestion within the epidural family, modifiers and billing alerts.

CPT family (POLICY.md): interlaminar/caudal 62320-62323 by region and imaging, catheter
infusion/bolus 62324-62327, transforaminal 64479/+64480 and 64483/+64484, neurolytic
62281/62282. Blood patch, adhesiolysis, facet, medial branch and sympathetic blocks are never
suggested as ESI codes; their own family is named in `related_code`.
"""

from __future__ import annotations

from functools import lru_cache

from nlp import resources
from nlp.models import Alert, Billing, NoteAnalysis

IMAGING = {"fluoroscopy", "ct"}
LUMBAR_SACRAL = {"lumbar", "sacral"}


@lru_cache(maxsize=1)
def _data() -> dict:
    return resources.read_json("billing.json")


def suggest_codes(analysis: NoteAnalysis) -> tuple[list[str], str]:
    """Suggested codes and a one-line rationale."""
    proc = analysis.procedure
    if not proc.is_epidural_injection:
        return (
            [],
            f"not an epidural injection ({proc.procedure_type or 'procedure not identified'})",
        )
    if proc.region is None:
        return [], "region not documented"
    lumbar = proc.region in LUMBAR_SACRAL
    imaged = proc.guidance in IMAGING
    if proc.neurolytic:
        return (["62282"] if lumbar else ["62281"]), "neurolytic epidural injection"
    if proc.approach == "transforaminal":
        cervical_thoracic = (not lumbar) or proc.levels == ["T12-L1"]
        first, extra = ("64479", "64480") if cervical_thoracic else ("64483", "64484")
        codes = [first] + ([extra] if len(proc.levels) >= 2 else [])
        return (
            codes,
            f"transforaminal, {'cervical/thoracic' if cervical_thoracic else 'lumbar/sacral'}, {max(len(proc.levels), 1)} level(s)",  # noqa: E501
        )
    if proc.catheter and proc.catheter_indwelling:
        code = ("62327" if imaged else "62326") if lumbar else ("62325" if imaged else "62324")
        return [code], "indwelling epidural catheter for infusion/bolus"
    code = ("62323" if imaged else "62322") if lumbar else ("62321" if imaged else "62320")
    approach = proc.approach or "approach not stated (interlaminar assumed)"
    guidance = proc.guidance or "guidance not documented"
    return [code], f"{approach}, {proc.region}, {guidance}"


def supports_62323(analysis: NoteAnalysis) -> bool:
    proc = analysis.procedure
    return bool(
        proc.is_epidural_injection
        and proc.region in LUMBAR_SACRAL
        and proc.approach in ("interlaminar", "caudal")
        and proc.guidance in IMAGING
        and not proc.neurolytic
        and not (proc.catheter and proc.catheter_indwelling)
    )


def _alerts(analysis: NoteAnalysis, codes: list[str], billed: str | None) -> list[Alert]:
    proc = analysis.procedure
    alerts: list[Alert] = []
    ev = proc.evidence
    if billed and billed not in codes:
        alerts.append(
            Alert(
                id="billed_code_mismatch",
                severity="error",
                message=f"Billed {billed} but the note supports {', '.join(codes) or 'no ESI code'}.",  # noqa: E501
            )
        )
    interlaminar = proc.approach in ("interlaminar", "caudal", None) and proc.is_epidural_injection
    if interlaminar and len(proc.levels) > 1:
        alerts.append(
            Alert(
                id="multi_level",
                severity="error",
                message=f"{len(proc.levels)} levels documented ({', '.join(proc.levels)}); 62323 covers one level per session.",  # noqa: E501
                evidence=ev.get("levels", []),
            )
        )
    if proc.approach == "transforaminal" and len(proc.levels) > 2:
        alerts.append(
            Alert(
                id="transforaminal_levels",
                severity="error",
                message="More than two transforaminal levels in one session.",
                evidence=ev.get("levels", []),
            )
        )
    if interlaminar and proc.laterality == "bilateral":
        alerts.append(
            Alert(
                id="bilateral_interlaminar",
                severity="error",
                message="Bilateral interlaminar/caudal injection: not reported bilaterally and not covered (no modifier 50).",  # noqa: E501
                evidence=ev.get("laterality", []),
            )
        )
    if proc.neurolytic:
        alerts.append(
            Alert(
                id="neurolytic",
                severity="error",
                message="Neurolytic substance injected: 62280-62282, not 62320-62327.",
                evidence=ev.get("neurolytic", []),
            )
        )
    if proc.guidance == "ultrasound":
        alerts.append(
            Alert(
                id="ultrasound_guidance",
                severity="error",
                message="Ultrasound is not imaging guidance for 62321/62323 (fluoroscopy or CT).",
                evidence=ev.get("guidance", []),
            )
        )
    if proc.sedation and not proc.sedation_reason:
        alerts.append(
            Alert(
                id="sedation_without_reason",
                severity="warning",
                message="Sedation or anesthesia documented without a stated reason.",
            )
        )
    ceilings = _data()["steroid_ceilings_mg"]
    for med in analysis.medications:
        limit = ceilings.get(med.name)
        if limit and med.dose and med.dose.unit == "mg" and med.dose.value > limit:
            alerts.append(
                Alert(
                    id="steroid_dose_ceiling",
                    severity="warning",
                    message=f"{med.name} {med.dose.value:g} mg exceeds the quoted {limit} mg ceiling (unconfirmed source).",  # noqa: E501
                    evidence=med.evidence[:1],
                )
            )
    diagnosis = next((f for f in analysis.requirements if f.id == "diagnosis"), None)
    if proc.is_epidural_injection and diagnosis is not None and diagnosis.status == "not_met":
        alerts.append(
            Alert(
                id="diagnosis_not_supporting",
                severity="error",
                message="The documented diagnoses (axial/non-specific pain) do not support an ESI.",
                evidence=diagnosis.evidence,
            )
        )
    if (
        proc.stated_codes
        and codes
        and not set(proc.stated_codes) & set(codes)
        and any(c.startswith(("623", "644")) for c in proc.stated_codes)
    ):
        alerts.append(
            Alert(
                id="stated_code_mismatch",
                severity="warning",
                message=f"Codes typed in the note ({', '.join(proc.stated_codes)}) differ from the suggestion ({', '.join(codes)}).",  # noqa: E501
            )
        )
    frequency = next((f for f in analysis.requirements if f.id == "frequency_limit"), None)
    if frequency is not None and frequency.status == "not_met":
        alerts.append(Alert(id="frequency_limit", severity="error", message=frequency.message))
    return alerts


def bill(analysis: NoteAnalysis, billed_cpt: str | None = None) -> Billing:
    codes, rationale = suggest_codes(analysis)
    proc = analysis.procedure
    modifiers: list[str] = []
    if proc.approach == "transforaminal" and proc.is_epidural_injection:
        if proc.diagnostic_nerve_block:
            modifiers.append("KX")
        if proc.laterality == "bilateral":
            modifiers.append("50")
    related = None
    if not proc.is_epidural_injection and proc.procedure_type:
        data = _data()
        table = data["related_codes"]
        if proc.region in ("cervical", "thoracic"):
            table = {**table, **data["related_codes_cervical_thoracic"]}
        related = table.get(proc.procedure_type)
    return Billing(
        suggested_codes=codes,
        supports_62323=supports_62323(analysis),
        modifiers=modifiers,
        alerts=_alerts(analysis, codes, billed_cpt),
        billed_code=billed_cpt,
        related_code=related,
        rationale=rationale,
    )

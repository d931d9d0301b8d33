"""The JSON contract: typed facts, findings and the `NoteAnalysis` every interface emits.

Every fact that came from the text carries `Evidence` (character offsets into the original
note, the section it sat in and the rule that fired) so a coder can see why the analyzer
believes it. Names and vocabularies here are a public contract: add fields, never rename.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1"

Region = Literal["lumbar", "sacral", "cervical", "thoracic"]
Approach = Literal["interlaminar", "caudal", "transforaminal"]
Laterality = Literal["left", "right", "bilateral", "midline"]
Guidance = Literal["fluoroscopy", "ct", "ultrasound", "none"]
ContrastStatus = Literal["used", "not_used", "contraindicated"]
ContrastReason = Literal["allergy", "pregnancy", "renal", "other"]
ProcedureType = Literal[
    "epidural_steroid_injection",
    "blood_patch",
    "adhesiolysis",
    "facet",
    "medial_branch",
    "sympathetic",
    "si_joint",
    "trigger_point",
    "epidurogram",
    "other",
]
DrugRole = Literal[
    "steroid",
    "local_anesthetic",
    "contrast",
    "diluent",
    "opioid",
    "neurolytic",
    "sedation",
    "other",
]
Route = Literal["epidural", "skin", "iv"]
ScoreTiming = Literal["pre", "post", "baseline", "follow_up", "unspecified"]
DiagnosisCategory = Literal[
    "radiculopathy",
    "stenosis",
    "disc_herniation",
    "post_laminectomy",
    "herpes_zoster",
    "axial_pain",
    "other",
]
Status = Literal["met", "missing", "not_met", "not_applicable"]
Severity = Literal["error", "warning"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Evidence(_Model):
    """A piece of the note that supports a fact: `text == note[start:end]` exactly."""

    start: int
    end: int
    text: str
    section: str | None = None
    rule: str
    document: str | None = Field(
        default=None, description="Which document of an episode the span belongs to."
    )
    flags: list[str] = Field(default_factory=list, description="ConText flags on the span.")


class Contrast(_Model):
    status: ContrastStatus | None = None
    agent: str | None = None
    reason: ContrastReason | None = None


class Procedure(_Model):
    is_epidural_injection: bool = False
    procedure_type: ProcedureType | None = None
    region: Region | None = None
    approach: Approach | None = None
    levels: list[str] = Field(default_factory=list)
    laterality: Laterality | None = None
    guidance: Guidance | None = None
    contrast: Contrast = Field(default_factory=Contrast)
    catheter: bool = False
    catheter_indwelling: bool = False
    neurolytic: bool = False
    diagnostic_nerve_block: bool = False
    sedation: bool = False
    sedation_reason: bool = False
    stated_codes: list[str] = Field(default_factory=list)
    evidence: dict[str, list[Evidence]] = Field(default_factory=dict)


class Dose(_Model):
    value: float
    unit: Literal["mg", "mcg", "g", "units"]


class Medication(_Model):
    name: str
    role: DrugRole
    route: Route | None = None
    dose: Dose | None = None
    volume_ml: float | None = None
    concentration: str | None = None
    as_written: str
    evidence: list[Evidence] = Field(default_factory=list)


class Consent(_Model):
    documented: bool = False
    risks_benefits_alternatives: bool = False
    form: Literal["written", "verbal"] | None = None
    evidence: list[Evidence] = Field(default_factory=list)


class PainScore(_Model):
    timing: ScoreTiming
    value: float
    scale_max: int = 10
    instrument: Literal["NRS", "VAS", "unspecified"] = "unspecified"
    evidence: list[Evidence] = Field(default_factory=list)


class FunctionalScore(_Model):
    instrument: Literal["ODI", "RMDQ", "PROMIS"]
    value: float
    timing: ScoreTiming = "unspecified"
    evidence: list[Evidence] = Field(default_factory=list)


class Diagnosis(_Model):
    text: str
    icd10: str | None = None
    category: DiagnosisCategory
    evidence: list[Evidence] = Field(default_factory=list)


class ConservativeCare(_Model):
    documented: bool = False
    weeks: float | None = None
    modalities: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)


class ImagingCorrelation(_Model):
    documented: bool = False
    modality: Literal["MRI", "CT", "myelogram"] | None = None
    level: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)


class PostProcedure(_Model):
    documented: bool = False
    complications: Literal["none", "present"] | None = None
    evidence: list[Evidence] = Field(default_factory=list)


class PriorInjection(_Model):
    is_repeat: bool = False
    documented: bool = False
    relief_percent: float | None = None
    duration_weeks: float | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    # Sessions in the region in the last 12 months, today's included, when the note states it
    # ("this is her 3rd ESI in 12 months", "no ESI in the prior 12 months").
    sessions_in_12_months: int | None = None
    sessions_evidence: list[Evidence] = Field(default_factory=list)


class Citation(_Model):
    source: str
    section: str | None = None
    version: str | None = None
    url: str | None = None


class Finding(_Model):
    """The verdict on one requirement, with its reason, evidence and a query to close a gap."""

    id: str
    title: str
    status: Status
    severity: Severity
    message: str
    evidence: list[Evidence] = Field(default_factory=list)
    looked_for: str | None = Field(
        default=None, description="What was searched for and where, so absence is explained."
    )
    citation: Citation
    query: str | None = None
    profile: str


class Alert(_Model):
    id: str
    severity: Severity
    message: str
    evidence: list[Evidence] = Field(default_factory=list)


class Billing(_Model):
    suggested_codes: list[str] = Field(default_factory=list)
    supports_62323: bool = False
    modifiers: list[str] = Field(default_factory=list)
    alerts: list[Alert] = Field(default_factory=list)
    billed_code: str | None = None
    related_code: str | None = Field(
        default=None, description="Code family of a non-ESI procedure (e.g. 62273 blood patch)."
    )
    rationale: str = ""


class PriorSession(_Model):
    """One earlier ESI session from history (notes or claims), for the frequency limit."""

    date_of_service: str
    cpt: str
    region: Literal["lumbar_sacral", "cervical_thoracic"] | None = None
    source: str | None = None


class NoteAnalysis(_Model):
    schema_version: str = SCHEMA_VERSION
    source: str | None = None
    note_id: str | None = None
    documents: list[str] = Field(default_factory=list)
    profile: str | None = None
    profile_version: str | None = None
    procedure: Procedure = Field(default_factory=Procedure)
    medications: list[Medication] = Field(default_factory=list)
    consent: Consent = Field(default_factory=Consent)
    pain_scores: list[PainScore] = Field(default_factory=list)
    functional_scores: list[FunctionalScore] = Field(default_factory=list)
    diagnoses: list[Diagnosis] = Field(default_factory=list)
    conservative_care: ConservativeCare = Field(default_factory=ConservativeCare)
    imaging_correlation: ImagingCorrelation = Field(default_factory=ImagingCorrelation)
    post_procedure: PostProcedure = Field(default_factory=PostProcedure)
    prior_injection: PriorInjection = Field(default_factory=PriorInjection)
    requirements: list[Finding] = Field(default_factory=list)
    billing: Billing = Field(default_factory=Billing)
    complete: bool = False

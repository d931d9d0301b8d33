"""The one engine every shell calls: text (or an episode of texts) to `NoteAnalysis`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from spacy.language import Language

from nlp.errors import ErrorCode, InputError
from nlp.facts import clinical
from nlp.facts.medications import extract_medications, sites_needing_counts
from nlp.facts.procedure import extract_procedure
from nlp.facts.view import NoteView
from nlp.models import NoteAnalysis, PriorSession, Procedure
from nlp.pipeline import get_pipeline

MAX_TEXT_CHARS = 1_000_000


@dataclass(frozen=True)
class Document:
    """One document of an episode: its text, a name for evidence, and its type."""

    text: str
    name: str
    doc_type: str = "procedure"


def _check_text(text: str, field: str = "text") -> str:
    if not isinstance(text, str):
        raise InputError(ErrorCode.E003_UNDECODABLE, f"{field} must be a string")
    if not text.strip():
        raise InputError(ErrorCode.E001_EMPTY_TEXT, f"{field} is empty or whitespace only")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(
            ErrorCode.E002_TEXT_TOO_LARGE, f"{field} exceeds {MAX_TEXT_CHARS} characters"
        )
    return text


def _facts(view: NoteView, doc_type: str, analysis: NoteAnalysis) -> None:
    """Fill `analysis` with the facts of one procedure-note view."""
    medications = extract_medications(view)
    analysis.procedure = extract_procedure(view, medications)
    sites = _site_counts(analysis.procedure)
    if sites["site"] > 1 and sites_needing_counts(view):
        # "1 mL at each level": the session amounts depend on the procedure's levels and sides.
        medications = extract_medications(view, sites)
    analysis.medications = medications
    # Unnamed contrast ("dye", "contrast") is recorded in procedure.contrast, not as a drug;
    # contrast named only to say it was not given (or an allergy) is not a medication either.
    used = analysis.procedure.contrast.status == "used"
    analysis.medications = [
        m for m in medications if m.role != "contrast" or (used and m.name != "iodinated contrast")
    ]
    analysis.consent = clinical.consent(view)
    analysis.pain_scores = clinical.pain_scores(view, doc_type)
    analysis.functional_scores = clinical.functional_scores(view, doc_type)
    analysis.diagnoses = clinical.diagnoses(view)
    analysis.conservative_care = clinical.conservative_care(view)
    analysis.imaging_correlation = clinical.imaging(view)
    has_post = any(p.timing == "post" for p in analysis.pain_scores)
    analysis.post_procedure = clinical.post_procedure(view, has_post)
    analysis.prior_injection = clinical.prior_injection(view, doc_type)
    sessions = clinical.stated_sessions(view)
    if sessions is not None:
        count, evidence = sessions
        analysis.prior_injection.sessions_in_12_months = count
        analysis.prior_injection.sessions_evidence = [evidence]


def _site_counts(procedure: Procedure) -> dict[str, int]:
    """Levels and needle sites of the procedure: a bilateral transforaminal injection has two
    sites per level; one level is assumed when none was found."""
    levels = max(len(procedure.levels), 1)
    bilateral = procedure.laterality == "bilateral" and procedure.approach == "transforaminal"
    sides = 2 if bilateral else 1
    return {"level": levels, "site": levels * sides}


def _merge_support(analysis: NoteAnalysis, view: NoteView, doc_type: str) -> None:
    """Add what a supporting document (H&P, consult) says about necessity to the episode."""
    analysis.pain_scores += clinical.pain_scores(view, doc_type)
    analysis.functional_scores += clinical.functional_scores(view, doc_type)
    analysis.diagnoses += clinical.diagnoses(view)
    care = clinical.conservative_care(view)
    if care.documented:
        current = analysis.conservative_care
        current.documented = True
        current.modalities += [m for m in care.modalities if m not in current.modalities]
        if care.weeks is not None:
            current.weeks = max(care.weeks, current.weeks or 0)
        current.evidence += care.evidence
    if not analysis.imaging_correlation.documented:
        found = clinical.imaging(view)
        if found.documented:
            analysis.imaging_correlation = found
    prior = clinical.prior_injection(view, doc_type)
    current_prior = analysis.prior_injection
    if prior.is_repeat and not current_prior.documented:
        if prior.documented or not current_prior.is_repeat:
            analysis.prior_injection = prior
    if not analysis.consent.documented:
        found_consent = clinical.consent(view)
        if found_consent.documented:
            analysis.consent = found_consent


def analyze_episode(
    documents: Sequence[Document],
    *,
    note_id: str | None = None,
    source: str | None = None,
    profile: str | None = None,
    payer: str | None = None,
    billed_cpt: str | None = None,
    history: Iterable[PriorSession] | None = None,
    date_of_service: str | None = None,
    nlp: Language | None = None,
) -> NoteAnalysis:
    """Analyze one procedure note plus its supporting notes; evidence names its document.

    The first document whose `doc_type` is "procedure" supplies what was done; the others can
    only add medical-necessity facts (diagnosis, conservative care, imaging, scores, prior
    response, consent).
    """
    if not documents:
        raise InputError(ErrorCode.E015_BAD_EPISODE, "documents: an episode needs a document")
    nlp = nlp or get_pipeline()
    procedure_docs = [d for d in documents if d.doc_type == "procedure"] or [documents[0]]
    main = procedure_docs[0]
    analysis = NoteAnalysis(
        source=source or main.name, note_id=note_id, documents=[d.name for d in documents]
    )
    view = NoteView(
        nlp(_check_text(main.text, f"documents[{main.name}]")),
        document=main.name if len(documents) > 1 else None,
    )
    _facts(view, "procedure", analysis)
    for document in documents:
        if document is main:
            continue
        support = NoteView(
            nlp(_check_text(document.text, f"documents[{document.name}]")), document=document.name
        )
        _merge_support(analysis, support, document.doc_type)
    from nlp.checks import apply_requirements

    return apply_requirements(
        analysis,
        profile=profile,
        payer=payer,
        billed_cpt=billed_cpt,
        history=history,
        date_of_service=date_of_service,
    )


def analyze(
    text: str,
    *,
    note_id: str | None = None,
    source: str | None = None,
    profile: str | None = None,
    payer: str | None = None,
    billed_cpt: str | None = None,
    history: Iterable[PriorSession] | None = None,
    date_of_service: str | None = None,
    nlp: Language | None = None,
) -> NoteAnalysis:
    """Analyze one procedure note: facts with evidence, requirement findings and billing."""
    return analyze_episode(
        [Document(text=text, name=source or note_id or "note")],
        note_id=note_id,
        source=source,
        profile=profile,
        payer=payer,
        billed_cpt=billed_cpt,
        history=history,
        date_of_service=date_of_service,
        nlp=nlp,
    )

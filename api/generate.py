"""Seeded synthetic epidural procedure notes with gold labels, for benchmarks and scale tests.

FOR BENCHMARKS AND SCALE TESTS ONLY. These notes are assembled from phrase templates by a
`random.Random(seed)`; they are not clinical text, are not annotated by a person, and must
never be used as evaluation gold or to tune a rule (the real corpus and its GUIDE.md are for
that). The gold JSON follows the shape of corpus/GUIDE.md (procedure fields, medications with
doses, consent, pain scores, clinical facts, billing) and is derived from the choices made
while writing the note, so it is only as right as the templates.

The same seed always yields the same notes, byte for byte, so benchmark runs are comparable.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STYLES = ("dictated", "ehr_template", "terse", "clinic")

# (brand or generic phrase, normalized name, role, candidate doses in mg)
_STEROIDS = (
    ("Depo-Medrol", "methylprednisolone acetate", (40, 80, 120)),
    ("methylprednisolone acetate", "methylprednisolone acetate", (40, 80)),
    ("Kenalog", "triamcinolone acetonide", (40, 80)),
    ("triamcinolone", "triamcinolone acetonide", (40, 60, 80)),
    ("dexamethasone sodium phosphate", "dexamethasone", (4, 10, 15)),
    ("Decadron", "dexamethasone", (10,)),
    ("Celestone Soluspan", "betamethasone", (6, 12)),
)
_CONTRASTS = (("Omnipaque 240", "iohexol"), ("Omnipaque 180", "iohexol"),
              ("Isovue-M 200", "iopamidol"), ("iohexol", "iohexol"))
_DILUENTS = (("preservative-free normal saline", "sodium chloride", "diluent"),
             ("preservative-free 0.9% saline", "sodium chloride", "diluent"),
             ("0.25% bupivacaine", "bupivacaine", "local_anesthetic"),
             ("preservative-free 1% lidocaine", "lidocaine", "local_anesthetic"),
             ("0.2% ropivacaine", "ropivacaine", "local_anesthetic"))
_NAMES = ("Avery", "Brooks", "Castillo", "Dunn", "Ellison", "Foster", "Garza", "Hale", "Ibarra",
          "Jensen", "Kowalski", "Lindqvist", "Moreno", "Nakamura", "Okafor", "Patel", "Quinn",
          "Rivera", "Schultz", "Tran", "Underwood", "Vasquez", "Whitaker", "Young", "Zimmer")
_FIRST = ("Alex", "Jordan", "Morgan", "Casey", "Riley", "Taylor", "Jamie", "Dana", "Robin", "Lee")
_PHYSICIANS = ("R. Okafor, MD", "A. Brandt, MD", "S. Mehta, DO", "K. Lindgren, MD",
               "J. Alvarez, MD", "P. Chen, MD")
_HISTORY_FILLER = (
    "The patient reports that sitting and prolonged standing make the symptoms worse.",
    "Symptoms are improved somewhat with lying supine and with short walks.",
    "There is no history of bowel or bladder dysfunction and no saddle anesthesia.",
    "The patient denies fever, chills or unexplained weight loss.",
    "Sleep has been disrupted by the pain on most nights.",
    "The patient works in an office and has missed several days of work.",
    "Past medical history includes hypertension and hyperlipidemia, both well controlled.",
    "The patient does not take anticoagulants or antiplatelet agents.",
    "Bleeding history is negative and no bleeding disorder is known.",
    "The patient lives at home with family and is independent in daily activities.",
    "Social history is negative for tobacco use; alcohol use is occasional.",
    "Family history is noncontributory for bleeding or anesthetic complications.",
    "The pain is described as burning and electric, worse in the morning and after driving.",
    "Coughing and sneezing aggravate the pain somewhat.",
    "The patient has tried ice, heat and over-the-counter topical creams with little benefit.",
    "Review of systems is otherwise negative in detail except as noted above.",
    "The patient would like to avoid surgery if possible and is motivated to return to walking.",
    "Goals discussed include improved sitting tolerance and return to regular exercise.",
)
_EXAM_FILLER = (
    "Vital signs before the procedure were within normal limits.",
    "Gait is antalgic but the patient walks without an assistive device.",
    "Strength is full in the major muscle groups and reflexes are symmetric.",
    "Sensation is grossly intact to light touch in all dermatomes tested.",
    "There is tenderness to palpation over the paraspinal muscles without spasm.",
    "Range of motion of the spine is reduced in flexion and extension because of pain.",
    "Skin over the planned entry site is intact without rash or infection.",
    "Heart has a regular rate and rhythm and lungs are clear to auscultation.",
    "The patient is alert, oriented and in mild distress from the pain.",
    "A time-out was performed confirming the patient, the procedure and the site.",
    "Allergies were reviewed and the medication list was reconciled.",
    "The patient was given written discharge instructions and a number to call with concerns.",
    "A responsible adult was present to drive the patient home.",
    "Blood glucose monitoring was reviewed with the patient given the steroid.",
)


@dataclass
class _Case:
    """The choices behind one note; the gold is computed from these, the text written from them."""

    style: str
    region: str
    approach: str
    levels: list[str]
    side: str | None
    guidance: str | None
    contrast: str | None
    contrast_reason: str | None
    contrast_drug: tuple[str, str]
    contrast_ml: float
    steroid: tuple[str, str, int | None]
    diluent: tuple[str, str, str, float]
    skin_ml: float | None
    sedation: list[tuple[str, str, float, str]]
    consent: str | None
    pre_pain: int | None
    post_pain: int | None
    diagnosis: tuple[str, list[str]]
    pt_weeks: int | None
    imaging: str | None
    post_documented: bool
    patient: str
    physician: str
    date: str
    covers: list[str] = field(default_factory=list)


def _pick_case(rng: random.Random) -> _Case:
    kind = rng.choices(("lumbar_il", "caudal", "lumbar_tf", "cervical_il", "thoracic_il"),
                       weights=(45, 15, 20, 15, 5))[0]
    side = rng.choice(("left", "right", "left", "right", "bilateral", "midline", None))
    if kind == "lumbar_il":
        region, approach = "lumbar", "interlaminar"
        levels = [rng.choice(("L3-L4", "L4-L5", "L5-S1", "L2-L3"))]
    elif kind == "caudal":
        region, approach, levels = "sacral", "caudal", []
        side = None  # a caudal entry at the sacral hiatus has no side
    elif kind == "lumbar_tf":
        region, approach = "lumbar", "transforaminal"
        levels = rng.sample(["L3", "L4", "L5", "S1"], k=rng.choice((1, 1, 2)))
        levels.sort()
        side = rng.choice(("left", "right"))
    elif kind == "cervical_il":
        region, approach = "cervical", "interlaminar"
        levels = [rng.choice(("C6-C7", "C7-T1", "C5-C6"))]
    else:
        region, approach = "thoracic", "interlaminar"
        levels = [rng.choice(("T9-T10", "T10-T11", "T11-T12"))]
    guidance = rng.choices(("fluoroscopy", "ct", "ultrasound", "none", None),
                           weights=(78, 6, 3, 5, 8))[0]
    if guidance in ("fluoroscopy", "ct"):
        contrast = rng.choices(("used", "contraindicated", "not_used", None),
                               weights=(80, 8, 5, 7))[0]
    else:
        contrast = None
    reason = (rng.choice(("allergy", "allergy", "pregnancy", "renal"))
              if contrast == "contraindicated" else None)
    brand, name, doses = rng.choice(_STEROIDS)
    dose = rng.choice(doses) if rng.random() > 0.08 else None
    diluent = (*rng.choice(_DILUENTS), float(rng.choice((1, 2, 3, 4))))
    sedation = []
    if rng.random() < 0.25:
        sedation.append(("midazolam", "midazolam", float(rng.choice((1, 2))), "mg"))
        if rng.random() < 0.5:
            sedation.append(("fentanyl", "fentanyl", float(rng.choice((25, 50, 100))), "mcg"))
    dx = rng.choice((
        ("{side_word}{root} lumbar radiculopathy", ["radiculopathy"]),
        ("lumbar spinal stenosis with neurogenic claudication", ["stenosis"]),
        ("{level} disc herniation with radiculopathy", ["disc_herniation", "radiculopathy"]),
        ("post-laminectomy syndrome with radicular pain", ["post_laminectomy", "radiculopathy"]),
        ("chronic low back pain", ["axial_pain"]),
    ))
    if region == "cervical":
        dx = rng.choice((("cervical radiculopathy", ["radiculopathy"]),
                         ("cervical foraminal stenosis", ["stenosis"]),
                         ("neck pain", ["axial_pain"])))
    elif region == "thoracic":
        dx = rng.choice((("thoracic radiculopathy", ["radiculopathy"]),
                         ("acute herpes zoster of the thoracic dermatome", ["herpes_zoster"])))
    return _Case(
        style=rng.choice(STYLES), region=region, approach=approach, levels=levels, side=side,
        guidance=guidance, contrast=contrast, contrast_reason=reason,
        contrast_drug=rng.choice(_CONTRASTS), contrast_ml=float(rng.choice((1, 1.5, 2, 3))),
        steroid=(brand, name, dose), diluent=diluent,
        skin_ml=float(rng.choice((2, 3, 4, 5))) if rng.random() < 0.85 else None,
        sedation=sedation,
        consent=rng.choices(("written", "verbal", None), weights=(70, 15, 15))[0],
        pre_pain=rng.randint(4, 10) if rng.random() < 0.85 else None,
        post_pain=rng.randint(0, 5) if rng.random() < 0.75 else None,
        diagnosis=dx, pt_weeks=rng.choice((None, 2, 4, 6, 8, 12)),
        imaging=rng.choices(("MRI", "CT", None), weights=(70, 10, 20))[0],
        post_documented=rng.random() < 0.9,
        patient=f"{rng.choice(_NAMES)}, {rng.choice(_FIRST)}",
        physician=rng.choice(_PHYSICIANS),
        date=f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.choice((2024, 2025))}",
    )


def _billing(case: _Case) -> dict[str, Any]:
    """Codes per GUIDE.md's billing rules (no catheter or neurolytic is ever generated)."""
    imaged = case.guidance in ("fluoroscopy", "ct")
    low = case.region in ("lumbar", "sacral")
    if case.approach == "transforaminal":
        codes = ["64483", "64484"] if low else ["64479", "64480"]
        codes = codes[: len(case.levels)]
    elif low:
        codes = ["62323" if imaged else "62322"]
    else:
        codes = ["62321" if imaged else "62320"]
    supports = low and case.approach in ("interlaminar", "caudal") and imaged
    return {"suggested_codes": codes, "supports_62323": supports}


def _gold(case: _Case, note_id: str) -> dict[str, Any]:
    meds: list[dict[str, Any]] = []
    if case.skin_ml is not None:
        meds.append({"name": "lidocaine", "role": "local_anesthetic", "route": "skin",
                     "dose": None, "volume_ml": case.skin_ml})
    if case.contrast == "used":
        meds.append({"name": case.contrast_drug[1], "role": "contrast", "route": "epidural",
                     "dose": None, "volume_ml": case.contrast_ml})
    _, steroid, dose = case.steroid
    meds.append({"name": steroid, "role": "steroid", "route": "epidural",
                 "dose": None if dose is None else {"value": dose, "unit": "mg"},
                 "volume_ml": None})
    _, dname, drole, dml = case.diluent
    meds.append({"name": dname, "role": drole, "route": "epidural", "dose": None, "volume_ml": dml})
    for _, name, amount, unit in case.sedation:
        meds.append({"name": name, "role": "sedation" if name == "midazolam" else "opioid",
                     "route": "iv", "dose": {"value": amount, "unit": unit}, "volume_ml": None})
    pain = []
    if case.pre_pain is not None:
        pain.append({"timing": "pre", "value": case.pre_pain})
    if case.post_pain is not None:
        pain.append({"timing": "post", "value": case.post_pain})
    return {
        "note_id": note_id,
        "style": case.style,
        "covers": ["synthetic", *case.covers],
        "procedure": {
            "is_epidural_injection": True, "procedure_type": "epidural_steroid_injection",
            "region": case.region, "approach": case.approach, "levels": case.levels,
            "laterality": case.side, "guidance": case.guidance,
            "contrast": {"status": case.contrast, "reason": case.contrast_reason},
            "catheter": False, "neurolytic": False, "stated_codes": [],
        },
        "medications": meds,
        "consent": {"documented": case.consent is not None,
                    "risks_benefits_alternatives": case.consent is not None,
                    "form": case.consent},
        "pain_scores": pain,
        "functional_scores": [],
        "diagnosis_categories": case.diagnosis[1],
        "conservative_care": {"documented": case.pt_weeks is not None, "weeks": case.pt_weeks},
        "imaging_correlation": {"documented": case.imaging is not None, "modality": case.imaging},
        "post_procedure": {"documented": case.post_documented or case.post_pain is not None,
                           "complications": "none" if case.post_documented else None},
        "prior_injection": {"is_repeat": False, "documented": False, "relief_percent": None,
                            "duration_weeks": None},
        "billing": _billing(case),
    }


_APPROACH_WORDS = {"interlaminar": ("interlaminar", "translaminar", "interlaminar"),
                   "transforaminal": ("transforaminal",), "caudal": ("caudal",)}
_TERSE_APPROACH = {"interlaminar": "IL", "transforaminal": "TF", "caudal": "caudal"}
_GUIDANCE_PHRASES = {
    "fluoroscopy": ("under fluoroscopic guidance", "using intermittent fluoroscopy",
                    "with C-arm fluoroscopic guidance"),
    "ct": ("under CT guidance", "using CT fluoroscopy"),
    "ultrasound": ("under ultrasound guidance",),
    "none": ("by landmark technique without imaging guidance",),
    None: ("",),
}


def _level_text(case: _Case) -> str:
    if not case.levels:
        return ""
    return " and ".join(case.levels) + " "


def _title(case: _Case, rng: random.Random) -> str:
    side = f"{case.side.capitalize()} " if case.side and case.side != "midline" else ""
    if case.side == "midline":
        side = "Midline "
    approach = rng.choice(_APPROACH_WORDS[case.approach])
    guidance = _GUIDANCE_PHRASES[case.guidance][0]
    return f"{side}{_level_text(case)}{approach} epidural steroid injection {guidance}".strip()


def _history(case: _Case, rng: random.Random) -> list[str]:
    dx_text, _ = case.diagnosis
    dx_text = dx_text.format(side_word=f"{case.side} " if case.side in ("left", "right") else "",
                             root=rng.choice(("L5", "S1")) + " " if case.region == "lumbar" else "",
                             level=case.levels[0] if case.levels else "L5-S1")
    age = rng.randint(28, 86)
    sentences = [f"The patient is a {age}-year-old with {dx_text} and {rng.randint(2, 14)} "
                 f"months of symptoms."]
    if case.pt_weeks is not None:
        sentences.append(rng.choice((
            f"The patient completed {case.pt_weeks} weeks of physical therapy and NSAIDs "
            "without lasting relief.",
            f"Conservative care has included {case.pt_weeks} weeks of home exercise and "
            "gabapentin.",
        )))
    if case.imaging is not None:
        finding = "foraminal narrowing" if "stenosis" in dx_text else "a disc protrusion"
        sentences.append(f"{case.imaging} of the spine shows {finding} correlating with the "
                         "symptoms.")
    if case.pre_pain is not None:
        sentences.append(rng.choice((f"Pain before the procedure is {case.pre_pain}/10.",
                                     f"Pre-procedure pain {case.pre_pain} out of 10 (NRS).")))
    return sentences


def _consent(case: _Case, rng: random.Random) -> str | None:
    if case.consent == "written":
        return rng.choice((
            "The risks, benefits and alternatives, including bleeding, infection, headache and "
            "nerve injury, were discussed, and written informed consent was signed.",
            "Risks, benefits and alternatives were reviewed in detail and the patient signed the "
            "consent form.",
        ))
    if case.consent == "verbal":
        return ("Risks, benefits and alternatives were discussed and verbal informed consent was "
                "obtained.")
    return None


def _technique(case: _Case, rng: random.Random) -> list[str]:
    out = ["The patient was positioned prone and the skin was prepped with chlorhexidine and "
           "draped in sterile fashion."]
    for brand, _, amount, unit in case.sedation:
        out.append(f"{brand.capitalize()} {amount:g} {unit} IV was given for anxiolysis.")
    guidance = _GUIDANCE_PHRASES[case.guidance]
    guided = rng.choice(guidance)
    target = {"caudal": "the sacral hiatus",
              "transforaminal": "the " + " and ".join(case.levels) + " neural foramen",
              "interlaminar": f"the {_level_text(case).strip()} interlaminar space"}[case.approach]
    lead = guided[:1].upper() + guided[1:] + ", " if guided else ""
    out.append(f"{lead}{target} was identified.")
    if case.skin_ml is not None:
        out.append(f"The skin was anesthetized with {case.skin_ml:g} mL of 1% lidocaine.")
    needle = "spinal needle" if case.approach == "transforaminal" else "Tuohy needle"
    gauge = rng.choice((20, 22))
    if case.approach == "transforaminal":
        out.append(f"A {gauge}-gauge {needle} was advanced to the safe triangle.")
    else:
        out.append(f"A {gauge}-gauge {needle} was advanced using loss of resistance to saline "
                   "until the epidural space was entered.")
    out.append("There was no CSF, no blood and no paresthesia on aspiration.")
    brand, mixture = case.contrast_drug
    if case.contrast == "used":
        out.append(f"{brand}, {case.contrast_ml:g} mL, was injected and showed epidural spread "
                   "without vascular uptake.")
    elif case.contrast == "contraindicated":
        why = {"allergy": "a documented contrast allergy", "pregnancy": "pregnancy",
               "renal": "renal failure"}[case.contrast_reason or "allergy"]
        out.append(f"Contrast was not used because of {why}.")
    elif case.contrast == "not_used":
        out.append("No contrast was injected.")
    del mixture
    sname, _, dose = case.steroid
    dose_text = f" {dose} mg" if dose is not None else ""
    dphrase, _, _, dml = case.diluent
    out.append(f"{sname[0].upper()}{sname[1:]}{dose_text} with {dml:g} mL of {dphrase} "
               "was injected slowly.")
    out.append("The needle was removed intact and a bandage applied.")
    return out


def _post(case: _Case, rng: random.Random) -> list[str]:
    out = []
    if case.post_documented:
        out.append(rng.choice(("The patient tolerated the procedure well with no complications.",
                               "No complications. Vitals stable and the patient was discharged "
                               "home in good condition.")))
    if case.post_pain is not None:
        out.append(f"Post-procedure pain {case.post_pain}/10.")
    return out


def _pad(rng: random.Random, pool_source: tuple[str, ...], words: int, target: int) -> list[str]:
    """Neutral sentences (no level, side, drug or score) until `target` words are reached."""
    extra: list[str] = []
    pool = list(pool_source)
    rng.shuffle(pool)
    for sentence in pool:
        if words >= target:
            break
        extra.append(sentence)
        words += len(sentence.split())
    return extra


def _render(case: _Case, rng: random.Random) -> str:
    title = _title(case, rng)
    history = _history(case, rng)
    consent = _consent(case, rng)
    technique = _technique(case, rng)
    post = _post(case, rng)
    target = rng.randint(150, 600)
    used = sum(len(s.split()) for s in (*history, *technique, *post, consent or ""))
    history_extra = _pad(rng, _HISTORY_FILLER, used + 40, (used + 40 + target) // 2)
    used += sum(len(s.split()) for s in history_extra)
    exam = _pad(rng, _EXAM_FILLER, used + 40, target)
    plan = "PLAN: Follow up in clinic in 2-3 weeks to assess response."
    if case.style == "terse":
        short = title.replace("epidural steroid injection", _TERSE_APPROACH[case.approach] + " ESI")
        lines = [f"Proc: {short}",
                 f"DOS {case.date}  Pt: {case.patient}",
                 f"Dx: {case.diagnosis[0].format(side_word='', root='', level='')}",
                 "Hx: " + " ".join(history + history_extra)]
        if exam:
            lines.append("Exam: " + " ".join(exam))
        if consent:
            lines.append("Consent: " + consent)
        lines.append("Procedure: " + " ".join(technique))
        if post:
            lines.append("Post: " + " ".join(post))
        lines.append(plan)
        return "\n".join(lines) + "\n"
    if case.style == "ehr_template":
        parts = [f"Procedure Name: {title}", f"Date of Service: {case.date}",
                 f"Patient Name: {case.patient}", f"Performing Provider: {case.physician}", "",
                 "Indications:", " ".join(history + history_extra), ""]
        if exam:
            parts += ["Physical Exam:", " ".join(exam), ""]
        parts += ["Consent:", consent or "____", ""]
        parts += ["Procedure Details:", " ".join(technique), ""]
        parts += ["Post-Procedure:", " ".join(post) if post else "***", "", plan]
        return "\n".join(parts) + "\n"
    header = ("PAIN MANAGEMENT CENTER\nPROCEDURE NOTE" if case.style == "dictated"
              else "SPINE CLINIC - INTERVENTIONAL PROCEDURE")
    parts = [header, "", f"PATIENT: {case.patient}", f"DATE OF SERVICE: {case.date}",
             f"ATTENDING: {case.physician}", "", f"PROCEDURE: {title}.", "",
             "HISTORY OF PRESENT ILLNESS: " + " ".join(history + history_extra), ""]
    if exam:
        parts += ["PHYSICAL EXAMINATION: " + " ".join(exam), ""]
    if consent:
        parts += ["CONSENT: " + consent, ""]
    parts += ["DESCRIPTION OF PROCEDURE: " + " ".join(technique), ""]
    if post:
        parts += ["POST-PROCEDURE: " + " ".join(post), ""]
    parts += [plan, "", case.physician]
    return "\n".join(parts) + "\n"


def generate_note(rng: random.Random, note_id: str) -> tuple[str, dict[str, Any]]:
    """One synthetic note and its gold dict, drawn from `rng` (advances it)."""
    case = _pick_case(rng)
    for label, flag in (("missing:consent", case.consent is None),
                        ("missing:pre_pain", case.pre_pain is None),
                        ("missing:guidance", case.guidance is None),
                        ("missing:contrast", case.contrast is None),
                        ("missing:steroid_dose", case.steroid[2] is None)):
        if flag:
            case.covers.append(label)
    return _render(case, rng), _gold(case, note_id)


def generate_notes(n: int, seed: int) -> list[tuple[str, str, dict[str, Any]]]:
    """`n` (note_id, text, gold) triples from `random.Random(seed)`; deterministic per seed."""
    rng = random.Random(seed)
    notes = []
    for index in range(1, n + 1):
        note_id = f"gen-{index:05d}"
        text, gold = generate_note(rng, note_id)
        notes.append((note_id, text, gold))
    return notes


def write_corpus(n: int, seed: int, out: Path) -> list[Path]:
    """Write `out/notes/gen/<id>.txt` and `out/gold/<id>.json`; returns the note paths."""
    notes_dir, gold_dir = out / "notes" / "gen", out / "gold"
    notes_dir.mkdir(parents=True, exist_ok=True)
    gold_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for note_id, text, gold in generate_notes(n, seed):
        path = notes_dir / f"{note_id}.txt"
        path.write_text(text, encoding="utf-8")
        (gold_dir / f"{note_id}.json").write_text(json.dumps(gold, indent=1) + "\n",
                                                  encoding="utf-8")
        written.append(path)
    return written

"""Evaluation harness: compare `analyze()` with hand-written gold over the corpus.

Per field precision/recall/F1 (levels, codes, medications, scores and diagnoses as sets; a dose
must match value and unit), per-requirement status agreement, code-suggestion accuracy, the
`supports_62323` confusion matrix, and every disagreement (note, field, expected, got).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlp import Document, NoteAnalysis, analyze_episode

PROCEDURE_FIELDS = (
    "is_epidural_injection",
    "procedure_type",
    "region",
    "approach",
    "laterality",
    "guidance",
    "contrast.status",
    "contrast.reason",
    "catheter",
    "neurolytic",
)


@dataclass
class CorpusItem:
    note_id: str
    split: str
    documents: list[Document]
    gold: dict[str, Any]


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, expected: set, got: set) -> None:
        self.tp += len(expected & got)
        self.fp += len(got - expected)
        self.fn += len(expected - got)

    def scores(self) -> dict[str, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


@dataclass
class Report:
    notes: int = 0
    fields: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    requirement_total: int = 0
    requirement_agree: int = 0
    per_requirement: dict[str, list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0])
    )
    codes_total: int = 0
    codes_agree: int = 0
    complete_total: int = 0
    complete_agree: int = 0
    confusion: dict[str, int] = field(default_factory=lambda: {"tp": 0, "fp": 0, "fn": 0, "tn": 0})
    disagreements: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        supports = self.confusion
        total = sum(supports.values())
        return {
            "notes": self.notes,
            "fields": {name: counts.scores() for name, counts in sorted(self.fields.items())},
            "requirement_agreement": round(self.requirement_agree / self.requirement_total, 4)
            if self.requirement_total
            else 1.0,
            "per_requirement": {
                k: round(v[0] / v[1], 4) for k, v in sorted(self.per_requirement.items()) if v[1]
            },
            "code_accuracy": round(self.codes_agree / self.codes_total, 4)
            if self.codes_total
            else 1.0,
            "complete_accuracy": round(self.complete_agree / self.complete_total, 4)
            if self.complete_total
            else 1.0,
            "supports_62323": {
                **supports,
                "accuracy": round((supports["tp"] + supports["tn"]) / total, 4) if total else 1.0,
            },
            "disagreements": self.disagreements,
        }


def load_corpus(root: Path, split: str | None = None) -> Iterator[CorpusItem]:
    """Notes under corpus/notes/<split>/ and episodes under corpus/episodes/<split>/."""
    gold_dir = root / "gold"
    splits = [split] if split else sorted(p.name for p in (root / "notes").iterdir() if p.is_dir())
    for name in splits:
        for path in sorted((root / "notes" / name).glob("*.txt")):
            gold_path = gold_dir / f"{path.stem}.json"
            if gold_path.exists():
                yield CorpusItem(
                    path.stem,
                    name,
                    [Document(path.read_text(encoding="utf-8"), path.name)],
                    json.loads(gold_path.read_text(encoding="utf-8")),
                )
        episode_root = root / "episodes" / name
        if not episode_root.is_dir():
            continue
        for folder in sorted(p for p in episode_root.iterdir() if p.is_dir()):
            gold_path = gold_dir / f"{folder.name}.json"
            if not gold_path.exists():
                continue
            docs = []
            for path in sorted(folder.glob("*.txt"), key=lambda p: (p.stem != "procedure", p.name)):
                docs.append(Document(path.read_text(encoding="utf-8"), path.name, path.stem))
            yield CorpusItem(
                folder.name, name, docs, json.loads(gold_path.read_text(encoding="utf-8"))
            )


def _get(data: Any, path: str) -> Any:
    for part in path.split("."):
        if data is None:
            return None
        data = data.get(part) if isinstance(data, dict) else getattr(data, part, None)
    return data


def _as_set(value: Any) -> set:
    if value is None or value is False:
        return set()
    if value is True:
        return {True}
    return {value}


def _dose_key(dose: Any) -> tuple | None:
    if not dose:
        return None
    value, unit = (
        (dose["value"], dose["unit"]) if isinstance(dose, dict) else (dose.value, dose.unit)
    )
    return (round(float(value), 2), unit)


def _compare(report: Report, item: CorpusItem, got: NoteAnalysis) -> None:
    gold = item.gold
    note = item.note_id

    def record(name: str, expected: set, found: set) -> None:
        report.fields[name].add(expected, found)
        if expected != found:
            report.disagreements.append(
                {
                    "note": note,
                    "field": name,
                    "expected": sorted(map(str, expected)),
                    "got": sorted(map(str, found)),
                }
            )

    proc_gold = gold.get("procedure")
    if proc_gold:
        for name in PROCEDURE_FIELDS:
            if (
                _get(proc_gold, name.split(".")[0]) is None
                and "." not in name
                and name not in proc_gold
            ):
                continue
            record(
                f"procedure.{name}",
                _as_set(_get(proc_gold, name)),
                _as_set(_get(got.procedure, name)),
            )
        if "levels" in proc_gold:
            record("procedure.levels", set(proc_gold["levels"]), set(got.procedure.levels))
        if "stated_codes" in proc_gold:
            record(
                "procedure.stated_codes",
                set(proc_gold["stated_codes"]),
                set(got.procedure.stated_codes),
            )
    if "medications" in gold:
        record(
            "medications.name",
            {m["name"] for m in gold["medications"]},
            {m.name for m in got.medications},
        )
        record(
            "medications.name_dose",
            {(m["name"], _dose_key(m.get("dose"))) for m in gold["medications"]},
            {(m.name, _dose_key(m.dose)) for m in got.medications},
        )
        record(
            "medications.name_volume",
            {(m["name"], m.get("volume_ml")) for m in gold["medications"]},
            {(m.name, m.volume_ml) for m in got.medications},
        )
    simple: dict[str, Callable[[NoteAnalysis], Any]] = {
        "consent.documented": lambda a: a.consent.documented,
        "consent.risks_benefits_alternatives": lambda a: a.consent.risks_benefits_alternatives,
        "consent.form": lambda a: a.consent.form,
        "conservative_care.documented": lambda a: a.conservative_care.documented,
        "conservative_care.weeks": lambda a: a.conservative_care.weeks,
        "imaging_correlation.documented": lambda a: a.imaging_correlation.documented,
        "imaging_correlation.modality": lambda a: a.imaging_correlation.modality,
        "post_procedure.documented": lambda a: a.post_procedure.documented,
        "post_procedure.complications": lambda a: a.post_procedure.complications,
        "prior_injection.is_repeat": lambda a: a.prior_injection.is_repeat,
        "prior_injection.documented": lambda a: a.prior_injection.documented,
        "prior_injection.relief_percent": lambda a: a.prior_injection.relief_percent,
    }
    for name, getter in simple.items():
        expected = _get(gold, name)
        if expected is None and name.split(".")[0] not in gold:
            continue
        found = getter(got)
        if isinstance(expected, (int, float)) and not isinstance(expected, bool):
            expected = float(expected)
        if isinstance(found, (int, float)) and not isinstance(found, bool):
            found = float(found)
        record(name, _as_set(expected), _as_set(found))
    if "pain_scores" in gold:
        record(
            "pain_scores",
            {(p["timing"], float(p["value"])) for p in gold["pain_scores"]},
            {(p.timing, p.value) for p in got.pain_scores},
        )
    if "functional_scores" in gold:
        record(
            "functional_scores",
            {(p["instrument"], float(p["value"])) for p in gold["functional_scores"]},
            {(p.instrument, p.value) for p in got.functional_scores},
        )
    if "diagnosis_categories" in gold:
        record(
            "diagnosis_categories",
            set(gold["diagnosis_categories"]),
            {d.category for d in got.diagnoses},
        )
    statuses = {f.id: f.status for f in got.requirements}
    for req_id, expected in (gold.get("requirements") or {}).items():
        report.requirement_total += 1
        report.per_requirement[req_id][1] += 1
        if statuses.get(req_id) == expected:
            report.requirement_agree += 1
            report.per_requirement[req_id][0] += 1
        else:
            report.disagreements.append(
                {
                    "note": note,
                    "field": f"requirement.{req_id}",
                    "expected": expected,
                    "got": statuses.get(req_id),
                }
            )
    billing = gold.get("billing") or {}
    if "suggested_codes" in billing:
        report.codes_total += 1
        if sorted(billing["suggested_codes"]) == sorted(got.billing.suggested_codes):
            report.codes_agree += 1
        else:
            report.disagreements.append(
                {
                    "note": note,
                    "field": "billing.suggested_codes",
                    "expected": billing["suggested_codes"],
                    "got": got.billing.suggested_codes,
                }
            )
    if "supports_62323" in billing:
        expected, found = bool(billing["supports_62323"]), got.billing.supports_62323
        key = {(True, True): "tp", (False, True): "fp", (True, False): "fn", (False, False): "tn"}
        report.confusion[key[(expected, found)]] += 1
        if expected != found:
            report.disagreements.append(
                {
                    "note": note,
                    "field": "billing.supports_62323",
                    "expected": expected,
                    "got": found,
                }
            )
    if "complete" in gold:
        report.complete_total += 1
        if bool(gold["complete"]) == got.complete:
            report.complete_agree += 1
        else:
            report.disagreements.append(
                {
                    "note": note,
                    "field": "complete",
                    "expected": gold["complete"],
                    "got": got.complete,
                }
            )


def evaluate(root: Path, split: str | None = None) -> Report:
    report = Report()
    for item in load_corpus(root, split):
        got = analyze_episode(item.documents, note_id=item.note_id, source=item.note_id)
        report.notes += 1
        _compare(report, item, got)
    return report


def format_text(result: dict[str, Any]) -> str:
    lines = [f"notes: {result['notes']}", "", f"{'field':44} {'P':>6} {'R':>6} {'F1':>6}"]
    for name, s in result["fields"].items():
        lines.append(f"{name:44} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f}")
    lines += ["", f"requirement status agreement: {result['requirement_agreement']:.3f}"]
    for req, value in result["per_requirement"].items():
        lines.append(f"  {req:28} {value:.3f}")
    c = result["supports_62323"]
    lines += [
        f"code suggestion accuracy: {result['code_accuracy']:.3f}",
        f"complete accuracy: {result['complete_accuracy']:.3f}",
        "supports_62323 confusion (gold x predicted):",
        "              pred yes  pred no",
        f"  gold yes    {c['tp']:8d} {c['fn']:8d}",
        f"  gold no     {c['fp']:8d} {c['tn']:8d}",
        "",
        f"disagreements: {len(result['disagreements'])}",
    ]
    for d in result["disagreements"]:
        lines.append(f"  {d['note']:12} {d['field']:40} expected={d['expected']} got={d['got']}")
    return "\n".join(lines)

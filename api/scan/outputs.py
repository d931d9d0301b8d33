"""Scan outputs from the stored rows: `summary.json` (counts and throughput) and `worklist.csv`
(episodes sorted by priority, with gaps and the physician queries that would close them)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

from api.scan.triage import DEFICIENT, triage
from nlp.models import NoteAnalysis

WORKLIST_COLUMNS = (
    "episode_id",
    "patient_ref",
    "date_of_service",
    "priority",
    "reason",
    "suggested_codes",
    "billed_cpt",
    "gaps",
    "queries",
)


def _analysis(row: dict[str, Any]) -> NoteAnalysis | None:
    raw = row.get("analysis_json")
    return NoteAnalysis.model_validate_json(raw) if raw else None


def summarize(rows: list[dict[str, Any]], notes: int) -> dict[str, Any]:
    """Counts over the episodes of this input (rows from this and earlier, resumed runs)."""
    deficiencies: Counter[str] = Counter()
    priorities: Counter[str] = Counter()
    mismatches = errors = 0
    for row in rows:
        priorities[str(row["priority"])] += 1
        analysis = _analysis(row)
        if analysis is None:
            errors += 1
            continue
        deficiencies.update(f.id for f in analysis.requirements if f.status in DEFICIENT)
        billed = row.get("billed_cpt")
        if billed and billed not in analysis.billing.suggested_codes:
            mismatches += 1
    return {
        "notes": notes,
        "episodes": len(rows),
        "complete": sum(1 for r in rows if r.get("complete")),
        "supports_62323": sum(1 for r in rows if r.get("supports_62323")),
        "billed_mismatches": mismatches,
        "errors": errors,
        "priorities": dict(sorted(priorities.items())),
        "deficiencies": dict(sorted(deficiencies.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def write_worklist(rows: list[dict[str, Any]], path: Path) -> int:
    """Write the coder worklist sorted by priority, then date and episode id; returns rows."""
    ordered = sorted(
        rows, key=lambda r: (r["priority"], r.get("date_of_service") or "", r["episode_id"])
    )
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(WORKLIST_COLUMNS)
        for row in ordered:
            verdict = triage(_analysis(row), row.get("billed_cpt"), row.get("error"))
            writer.writerow(
                [
                    row["episode_id"],
                    row.get("patient_ref") or "",
                    row.get("date_of_service") or "",
                    verdict.priority,
                    verdict.reason,
                    row.get("suggested_codes") or "",
                    row.get("billed_cpt") or "",
                    " ".join(verdict.gaps),
                    " | ".join(verdict.queries),
                ]
            )
    return len(ordered)


def write_summary(summary: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")


def write_outputs(
    out_dir: Path, summary: dict[str, Any], rows: list[dict[str, Any]]
) -> tuple[Path, Path]:
    """Write `summary.json` and `worklist.csv` under the scan's output folder."""
    summary_path = out_dir / "summary.json"
    worklist_path = out_dir / "worklist.csv"
    write_summary(summary, summary_path)
    write_worklist(rows, worklist_path)
    return summary_path, worklist_path

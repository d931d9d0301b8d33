"""Aggregate documentation quality over many analysed notes, exported as JSON, CSV or HTML.

A practice manager asks "which requirements do our notes miss, for whom, and is it getting
better?"; this module answers from stored `NoteAnalysis` dicts plus claim metadata, without
re-running the analysis. Shares are fractions in [0, 1] rounded to 4 places; a requirement's
completeness rate counts `met` and `not_applicable` as complete over the notes that carry it.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from api.reports import template_env

DIMENSIONS = ("provider", "site", "payer", "month")
COMPLETE_STATUSES = frozenset({"met", "not_applicable"})
DEFICIENT_STATUSES = frozenset({"missing", "not_met"})
UNKNOWN = "(unknown)"
EXAMPLES_PER_DEFICIENCY = 5


@dataclass(frozen=True)
class Record:
    """One analysed note with the claim metadata the breakdowns group by."""

    record_id: str
    analysis: dict[str, Any]
    provider: str | None = None
    site: str | None = None
    payer: str | None = None
    date_of_service: str | None = None
    billed_cpt: str | None = None
    report_url: str | None = None

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> Record:
        """Build from a dict with keys id (or record_id), analysis and the metadata keys."""
        record_id = row.get("id", row.get("record_id"))
        if record_id is None:
            raise ValueError("record needs an 'id'")
        analysis = row.get("analysis")
        if not isinstance(analysis, dict):
            raise ValueError("record needs an 'analysis' object")

        def opt(key: str) -> str | None:
            value = row.get(key)
            return None if value in (None, "") else str(value)

        return cls(str(record_id), analysis, opt("provider"), opt("site"), opt("payer"),
                   opt("date_of_service"), opt("billed_cpt"), opt("report_url"))

    @property
    def complete(self) -> bool:
        return bool(self.analysis.get("complete"))

    @property
    def supports(self) -> bool:
        return bool(self.analysis.get("billing", {}).get("supports_62323"))

    @property
    def suggested_codes(self) -> list[str]:
        return list(self.analysis.get("billing", {}).get("suggested_codes", []))

    @property
    def month(self) -> str | None:
        """`YYYY-MM` of the date of service (ISO date), or None when absent."""
        return self.date_of_service[:7] if self.date_of_service else None

    def key(self, dimension: str) -> str:
        value = self.month if dimension == "month" else getattr(self, dimension)
        return value or UNKNOWN


@dataclass
class Report:
    """Every number of the aggregate report; `to_dict` is the JSON export."""

    n_notes: int
    share_complete: float
    share_supports_62323: float
    requirements: list[dict[str, Any]]
    top_deficiencies: list[dict[str, Any]]
    code_mismatches: list[dict[str, Any]]
    breakdowns: dict[str, list[dict[str, Any]]]
    filters: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_notes": self.n_notes,
            "share_complete": self.share_complete,
            "share_supports_62323": self.share_supports_62323,
            "requirements": self.requirements,
            "top_deficiencies": self.top_deficiencies,
            "code_mismatches": self.code_mismatches,
            "breakdowns": self.breakdowns,
            "filters": self.filters,
        }


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def filter_by_date(records: Iterable[Record], start: str | None = None,
                   end: str | None = None) -> list[Record]:
    """Keep records whose ISO date of service lies in [start, end]; undated ones drop out
    when either bound is given (they cannot be shown to lie inside the period)."""
    if start is None and end is None:
        return list(records)
    kept = []
    for record in records:
        day = record.date_of_service
        if day is None:
            continue
        if start is not None and day[:10] < start:
            continue
        if end is not None and day[:10] > end:
            continue
        kept.append(record)
    return kept


def _requirement_rates(records: Sequence[Record]) -> list[dict[str, Any]]:
    seen: dict[str, Counter[str]] = {}
    titles: dict[str, str] = {}
    for record in records:
        for finding in record.analysis.get("requirements", []):
            seen.setdefault(finding["id"], Counter())[finding["status"]] += 1
            titles.setdefault(finding["id"], finding.get("title", ""))
    rows = []
    for req_id, counts in seen.items():
        n = sum(counts.values())
        done = sum(counts[s] for s in COMPLETE_STATUSES)
        rows.append({"id": req_id, "title": titles[req_id], "n": n, "complete": done,
                     "completeness_rate": _share(done, n),
                     "statuses": dict(sorted(counts.items()))})
    return rows


def _top_deficiencies(records: Sequence[Record]) -> list[dict[str, Any]]:
    found: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        for finding in record.analysis.get("requirements", []):
            if finding["status"] in DEFICIENT_STATUSES:
                found[finding["id"]].append(record)
    rows = [{"id": req_id, "count": len(hits),
             "examples": [{"id": r.record_id, "report_url": r.report_url}
                          for r in hits[:EXAMPLES_PER_DEFICIENCY]]}
            for req_id, hits in found.items()]
    return sorted(rows, key=lambda row: (-row["count"], row["id"]))


def _code_mismatches(records: Sequence[Record]) -> list[dict[str, Any]]:
    """Notes whose billed code is not among the codes the documentation supports."""
    return [{"id": r.record_id, "billed_cpt": r.billed_cpt, "suggested_codes": r.suggested_codes,
             "provider": r.provider, "report_url": r.report_url}
            for r in records if r.billed_cpt and r.billed_cpt not in r.suggested_codes]


def _breakdown(records: Sequence[Record], dimension: str) -> list[dict[str, Any]]:
    groups: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        groups[record.key(dimension)].append(record)
    return [{"dimension": dimension, "key": key, "n": len(group),
             "share_complete": _share(sum(r.complete for r in group), len(group)),
             "share_supports_62323": _share(sum(r.supports for r in group), len(group))}
            for key, group in sorted(groups.items())]


def build_report(records: Sequence[Record], dimensions: Sequence[str] = DIMENSIONS,
                 filters: dict[str, Any] | None = None) -> Report:
    """Compute every aggregate number over `records` (already filtered)."""
    unknown = [d for d in dimensions if d not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown breakdown dimension(s): {', '.join(unknown)}")
    n = len(records)
    return Report(
        n_notes=n,
        share_complete=_share(sum(r.complete for r in records), n),
        share_supports_62323=_share(sum(r.supports for r in records), n),
        requirements=_requirement_rates(records),
        top_deficiencies=_top_deficiencies(records),
        code_mismatches=_code_mismatches(records),
        breakdowns={d: _breakdown(records, d) for d in dimensions},
        filters=filters or {},
    )


CSV_COLUMNS = ("kind", "dimension", "key", "n", "share_complete", "share_supports_62323",
               "completeness_rate")


def to_csv(report: Report) -> str:
    """One table: an overall row, then breakdown rows, then one row per requirement."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerow({"kind": "overall", "dimension": "all", "key": "all", "n": report.n_notes,
                     "share_complete": report.share_complete,
                     "share_supports_62323": report.share_supports_62323})
    for rows in report.breakdowns.values():
        for row in rows:
            writer.writerow({"kind": "breakdown", **row})
    for req in report.requirements:
        writer.writerow({"kind": "requirement", "dimension": "requirement", "key": req["id"],
                         "n": req["n"], "completeness_rate": req["completeness_rate"]})
    return buffer.getvalue()


_SVG_PROLOG = re.compile(r"^.*?(?=<svg)", re.S)
_SVG_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_SVG_NAMESPACES = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')
_SVG_GROUP_IDS = re.compile(r'(<g) id="[^"]*"')  # never referenced; would repeat across charts


def _svg(fig: Any, salt: str) -> str:
    """Serialize a matplotlib figure as inline SVG: no prolog, metadata or namespace URLs
    (inline SVG in HTML needs none, and the page must not reference anything external)."""
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    with plt.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = _SVG_PROLOG.sub("", buffer.getvalue(), count=1)
    text = _SVG_METADATA.sub("", text)
    return _SVG_GROUP_IDS.sub(r"\1", _SVG_NAMESPACES.sub("", text))


def completeness_chart(report: Report) -> str:
    """Horizontal bar chart of completeness rate per requirement, as inline SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # barh draws the first row at the bottom: sort best first so the worst reads at the top
    rows = sorted(report.requirements, key=lambda r: (-r["completeness_rate"], r["id"]))
    fig, ax = plt.subplots(figsize=(7, 0.32 * max(len(rows), 3) + 0.8))
    ids = [r["id"] for r in rows]
    rates = [100 * r["completeness_rate"] for r in rows]
    colours = ["#16a34a" if v >= 90 else "#ca8a04" if v >= 70 else "#dc2626" for v in rates]
    ax.barh(ids, rates, color=colours)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of notes complete (met or not applicable)")
    for y, value in enumerate(rates):
        inside = value > 15
        ax.text(value - 1 if inside else value + 1, y, f"{value:.0f}%", va="center", fontsize=8,
                ha="right" if inside else "left", color="white" if inside else "black")
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, "completeness")


def trend_chart(records: Sequence[Record]) -> str | None:
    """Line chart of the monthly share of complete notes, as inline SVG (None if undated)."""
    monthly = [row for row in _breakdown(records, "month") if row["key"] != UNKNOWN]
    if not monthly:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 2.8))
    months = [row["key"] for row in monthly]
    ax.plot(months, [100 * row["share_complete"] for row in monthly], marker="o",
            color="#2563eb", label="complete")
    ax.plot(months, [100 * row["share_supports_62323"] for row in monthly], marker="s",
            color="#9ca3af", linestyle="--", label="supports 62323")
    ax.set_ylim(0, 105)
    ax.set_ylabel("% of notes")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.autofmt_xdate()
    return _svg(fig, "trend")


_SAFE_URL = re.compile(r"^(https?://|/|\.{0,2}/|[\w.-]+(/|$|#|\?))", re.I)


def safe_url(url: str | None) -> str | None:
    """Keep http(s) and relative links to note pages; drop `javascript:`/`data:` and the like."""
    if url and _SAFE_URL.match(url) and not url.lower().startswith(("javascript:", "data:")):
        return url
    return None


# The per-note table of the HTML report lists at most this many notes (the CSV and JSON
# exports carry the aggregate numbers; a page with tens of thousands of rows helps nobody).
MAX_NOTE_ROWS = 2000


def note_rows(records: Sequence[Record], limit: int = MAX_NOTE_ROWS) -> list[dict[str, Any]]:
    """One row per note for the HTML report's note table: metadata, verdicts and gaps."""
    rows = []
    for record in records[:limit]:
        gaps = [f["id"] for f in record.analysis.get("requirements", [])
                if f["status"] in DEFICIENT_STATUSES]
        rows.append({"id": record.record_id, "date_of_service": record.date_of_service,
                     "provider": record.provider, "site": record.site, "payer": record.payer,
                     "complete": record.complete, "supports_62323": record.supports,
                     "gaps": gaps})
    return rows


def to_html(report: Report, records: Sequence[Record]) -> str:
    """A self-contained HTML report: summary, charts (inline SVG), tables with note links."""
    template = template_env().get_template("quality_report.html")
    return template.render(
        report=report,
        completeness_svg=completeness_chart(report) if report.requirements else None,
        trend_svg=trend_chart(records),
        urls={r.record_id: safe_url(r.report_url) for r in records if safe_url(r.report_url)},
        notes=note_rows(records),
    )

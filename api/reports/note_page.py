"""One self-contained HTML page per analysed note: the note with its evidence highlighted.

A coder reviewing a 62323 claim needs to see *why* each verdict was reached, so every evidence
span of every fact, medication, finding and alert is marked in place in the note text (like
displaCy's entity view) and labelled with the fact name or requirement id. Spans overlap
often (a level is evidence for `levels`, `region` and `single_level`), so identical ranges
share one mark and crossing ranges are split into well-nested pieces; the note text itself is
never altered, only wrapped. Labels are drawn by CSS from a `data-label` attribute so that the
text content of the note block stays exactly the note (copy-paste and search keep working).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from api.reports import template_env
from nlp.models import Evidence, NoteAnalysis

KIND_ORDER = ("finding", "alert", "medication", "fact")


@dataclass
class _Mark:
    """One distinct highlighted range of one document, with every label that points at it."""

    start: int
    end: int
    mark_id: str
    labels: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)

    def add(self, label: str, kind: str, rule: str) -> None:
        if label not in self.labels:
            self.labels.append(label)
        if kind not in self.kinds:
            self.kinds.append(kind)
        if rule not in self.rules:
            self.rules.append(rule)

    @property
    def kind(self) -> str:
        """The most salient kind wins the colour: a requirement beats a plain fact."""
        return min(self.kinds, key=KIND_ORDER.index)


def _labelled_evidence(analysis: NoteAnalysis) -> Iterator[tuple[str, str, Evidence]]:
    """Every evidence span of the analysis with its display label and kind."""
    for key, spans in analysis.procedure.evidence.items():
        for ev in spans:
            yield key, "fact", ev
    for med in analysis.medications:
        for ev in med.evidence:
            yield med.name, "medication", ev
    singles = (
        ("consent", analysis.consent.evidence),
        ("conservative care", analysis.conservative_care.evidence),
        ("imaging", analysis.imaging_correlation.evidence),
        ("post-procedure", analysis.post_procedure.evidence),
        ("prior injection", analysis.prior_injection.evidence),
    )
    for label, spans in singles:
        for ev in spans:
            yield label, "fact", ev
    for score in analysis.pain_scores:
        for ev in score.evidence:
            yield f"pain {score.timing}", "fact", ev
    for fscore in analysis.functional_scores:
        for ev in fscore.evidence:
            yield fscore.instrument, "fact", ev
    for dx in analysis.diagnoses:
        for ev in dx.evidence:
            yield f"dx {dx.category}", "fact", ev
    for finding in analysis.requirements:
        for ev in finding.evidence:
            yield finding.id, "finding", ev
    for alert in analysis.billing.alerts:
        for ev in alert.evidence:
            yield alert.id, "alert", ev


def _default_document(analysis: NoteAnalysis, texts: dict[str, str]) -> str | None:
    """Where evidence without a `document` belongs: the only text, else the procedure note."""
    if len(texts) == 1:
        return next(iter(texts))
    for name in analysis.documents:
        if name in texts:
            return name
    return next(iter(texts), None)


@dataclass
class _Placed:
    """Marks per document, the first mark of each requirement, and unplaceable spans."""

    marks: dict[str, list[_Mark]]
    anchors: dict[str, str]
    skipped: int


def collect_marks(analysis: NoteAnalysis, texts: dict[str, str]) -> _Placed:
    """Group evidence into marks per document; spans outside every text are counted, not shown."""
    default = _default_document(analysis, texts)
    by_doc: dict[str, dict[tuple[int, int], _Mark]] = {name: {} for name in texts}
    first: dict[str, _Mark] = {}
    skipped = 0
    for label, kind, ev in _labelled_evidence(analysis):
        name = ev.document if ev.document is not None else default
        text = texts.get(name) if name is not None else None
        if text is None or not 0 <= ev.start < ev.end <= len(text):
            skipped += 1
            continue
        marks = by_doc[name]
        key = (ev.start, ev.end)
        if key not in marks:
            marks[key] = _Mark(ev.start, ev.end, mark_id="")
        marks[key].add(label, kind, ev.rule)
        if kind == "finding":
            first.setdefault(label, marks[key])
    result: dict[str, list[_Mark]] = {}
    for doc_index, (name, marks) in enumerate(by_doc.items()):
        ordered = sorted(marks.values(), key=lambda m: (m.start, -m.end))
        for i, mark in enumerate(ordered):
            mark.mark_id = f"ev-{doc_index}-{i}"
        result[name] = ordered
    return _Placed(result, {label: m.mark_id for label, m in first.items()}, skipped)


@dataclass
class _Open:
    """An opening tag in the output stream; `final` is set when its mark closes for good."""

    mark: _Mark
    continued: bool
    final: bool = False

    def render(self) -> str:
        classes = [f"k-{self.mark.kind}"]
        if self.continued:
            classes.append("cont")
        attrs = [f'class="{" ".join(classes)}"',
                 f'title="{escape(" | ".join(self.mark.labels + self.mark.rules))}"']
        if not self.continued:
            attrs.append(f'id="{self.mark.mark_id}"')
        if self.final:
            attrs.append(f'data-label="{escape(" · ".join(self.mark.labels))}"')
        return f"<mark {' '.join(attrs)}>"


def highlight(text: str, marks: list[_Mark]) -> Markup:
    """HTML-escape `text` and wrap each mark's range in `<mark>`, keeping tags well nested.

    Crossing ranges are closed and reopened at the boundary (a split), so the output is valid
    HTML and the concatenated text content equals `text` exactly.
    """
    starts: dict[int, list[_Mark]] = {}
    for mark in marks:
        starts.setdefault(mark.start, []).append(mark)
    for group in starts.values():
        group.sort(key=lambda m: -m.end)  # longer range opens first, so it is the outer one
    bounds = sorted({0, len(text)} | {m.start for m in marks} | {m.end for m in marks})
    out: list[str | _Open] = []
    stack: list[tuple[_Mark, _Open]] = []
    pos = 0
    for point in bounds:
        out.append(str(escape(text[pos:point])))
        pos = point
        if any(m.end == point for m, _ in stack):
            reopen: list[_Mark] = []
            while any(m.end == point for m, _ in stack):
                mark, token = stack.pop()
                out.append("</mark>")
                if mark.end == point:
                    token.final = True
                else:
                    reopen.append(mark)
            for mark in reversed(reopen):
                token = _Open(mark, continued=True)
                out.append(token)
                stack.append((mark, token))
        for mark in starts.get(point, []):
            token = _Open(mark, continued=False)
            out.append(token)
            stack.append((mark, token))
    out.append(str(escape(text[pos:])))
    return Markup("".join(t.render() if isinstance(t, _Open) else t for t in out))


def _procedure_rows(analysis: NoteAnalysis) -> list[tuple[str, str]]:
    """The procedure facts a coder checks first, as (name, value) rows."""
    proc = analysis.procedure

    def show(value: object) -> str:
        if value is None or value == []:
            return "—"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value)

    contrast = proc.contrast
    contrast_text = show(contrast.status)
    if contrast.agent:
        contrast_text += f" ({contrast.agent})"
    if contrast.reason:
        contrast_text += f", reason: {contrast.reason}"
    return [
        ("Epidural injection", show(proc.is_epidural_injection)),
        ("Procedure type", show(proc.procedure_type)),
        ("Region", show(proc.region)),
        ("Approach", show(proc.approach)),
        ("Levels", show(proc.levels)),
        ("Laterality", show(proc.laterality)),
        ("Guidance", show(proc.guidance)),
        ("Contrast", contrast_text),
        ("Catheter", show(proc.catheter)),
        ("Sedation", show(proc.sedation)),
        ("Neurolytic", show(proc.neurolytic)),
        ("Codes stated in note", show(proc.stated_codes)),
    ]


def render_note_page(analysis: NoteAnalysis, texts: dict[str, str]) -> str:
    """Render one self-contained HTML page (inline CSS, no scripts) for one analysed note.

    `texts` maps document name to its text; for a single note the evidence has no document
    name, so the only text is used.
    """
    placed = collect_marks(analysis, texts)
    documents = [
        {"name": name, "html": highlight(text, placed.marks[name]),
         "n_marks": len(placed.marks[name])}
        for name, text in texts.items()
    ]
    template = template_env().get_template("note_page.html")
    return template.render(
        analysis=analysis,
        documents=documents,
        skipped=placed.skipped,
        anchors=placed.anchors,
        procedure_rows=_procedure_rows(analysis),
    )

"""A read-only view of a processed Doc that the fact extractors share.

It answers the questions every extractor asks - which section is this character in, which
sentence, which concept targets were found and with what ConText flags - without each
extractor walking tokens again.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from spacy.tokens import Doc

from nlp.components import TARGET_GROUP
from nlp.extensions import doc_text, sentence_spans
from nlp.levels import LevelMention
from nlp.models import Evidence
from nlp.resources import cues, lexicon_key, target_lexicon
from nlp.trusted import construct

# Sections whose content describes what was done today.
TODAY_SECTIONS = frozenset(
    {
        None,
        "procedure",
        "technique",
        "medications",
        "findings",
        "anesthesia",
        "complications",
        "post_procedure",
        "consent",
    }
)
# Sections whose content is background, never today's procedure.
BACKGROUND_SECTIONS = frozenset(
    {
        "history",
        "indication",
        "diagnosis",
        "imaging",
        "plan",
        "allergies",
        "home_medications",
        "exam",
    }
)


_FIELD_SECTIONS = frozenset(
    {"diagnosis", "allergies", "home_medications", "consent", "imaging", "exam"}
)
# An addendum paragraph, and the words that make it a correction of the note above it.
_ADDENDUM_START = re.compile(
    r"^[ \t>*#-]*(?:addend(?:um|a)|late entry|amendment)\b", re.I | re.M
)
_CORRECTION_CUE = re.compile(
    r"\b(?:correct(?:ion|ed|s)?|erroneous(?:ly)?|in error|incorrect(?:ly)?|mis-?dictated|"
    r"mis-?documented|should (?:read|have read)|not\s+(?:[\w-]+\s+){0,2}as\s+"
    r"(?:dictated|documented|stated|written|recorded))\b",
    re.I,
)
# A field line this short is not a wrapped line of a paragraph.
_SHORT_FIELD = 60
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_PROCEDURE_WORK = re.compile(
    r"\b(?:inject\w*|needle|tuohy|prep\w*|drape\w*|fluoro\w*|consent\w*|\d+\s*(?:mg|ml|cc)\b|"
    r"lido\w*|prone|position\w*|contrast|omnipaque|isovue|loss of resistance|lor\b|"
    r"tolerat\w*|complication\w*|nrs|vas|pain)",
    re.I,
)
_LINE_WINDOW = 300
# An injection named as the value of a radiology "EXAM:" field.
_PROCEDURE_NAMED = re.compile(
    r"\b(?:inject\w*|block|epidural|esi|tfesi|ilesi|transforaminal|interlaminar|caudal|"
    r"nerve root)\b",
    re.I,
)
_LABEL_LINE = re.compile(r"[ \t]*[A-Za-z][A-Za-z0-9 /()&.'-]{0,40}?[ \t]*:{1,2}(?:[ \t]|$)")


def _next_line_is_label(text: str, line_end: int, end: int) -> bool:
    """The line after a field is another "Label: value" field of a template."""
    if line_end >= end:
        return False
    return bool(_LABEL_LINE.match(text, line_end + 1, min(end, line_end + 60)))


_UNCHECKED_BEFORE = re.compile(r"(?:\[\s?(?:[nN]/?[aA])?\s?\]|\(\s?\)|\u2610)\s*$")
_CHECKED_ANSWER = re.compile(
    r"[ \t]*(?:[\w/()-]+[ \t]+){0,2}[\w/()-]*[ \t]*(?::{1,2}|\.{2,})?\s*"
    r"(?:(?:\[\s?\]|\(\s?\)|\u2610)\s*\w+\s*)*"
    r"(?:\[\s*[xX\u2713]\s*\]|\(\s?[xX\u2713]\s?\)|\u2612)\s*(yes|no|none|y|n)\b",
    re.I,
)
# How far a field's answer may follow a term of its label: "Adhesiolysis / hypertonic
# saline / hyaluronidase: No" answers for all three.
_ANSWER_REACH = 48
# "Prior ESI: None", "Prior injections:: no", "Prior ESI: none in past 12 mo" answer a
# template label in the negative. The label's words are separated by spaces, so the pattern
# cannot backtrack over ways to split one word.
_NEGATIVE_ANSWER = re.compile(
    r"[ \t]*(?:[\w/()%#,-]+[ \t]+){0,5}[\w/()%#,-]*[ \t]*(?::{1,2}|\.{2,})[ \t]*"
    r"(?:none|no|n/?a|never|denies|n)[ \t]*(?:[.;,|(\u2013\u2014-]|$|"
    r"(?:in|within|during|over)[ \t]+(?:the[ \t]+)?(?:past|last|prior|previous)\b)",
    re.I | re.M,
)
_ANY_BOX = re.compile(
    r"\[\s*(?:[xX\u2713]|[nN]/?[aA])?\s*\]|\(\s?[xX\u2713]?\s?\)|[\u2610\u2612]"
)
# "( ) signed  (X) verbal": radio buttons typed as parentheses.
_PAREN_BOX = re.compile(r"\(\s?[xX\u2713]?\s?\)")
# "[N/A] Prior ESI response": an item marked not applicable is not chosen either.
_EMPTY_BOX = re.compile(r"\[\s*(?:[nN]/?[aA])?\s*\]|\(\s?\)|\u2610")
_LIST_ITEM = re.compile(r"^(?:[-*\u2022>]|\d{1,2}[.)])\s")
# A "sentence" this long that joins clauses with semicolons or pipes is a terse note strung
# together ("dx ...; failed 6 wks pt; ...; dexamethasone 10 mg"), not one statement.
_RUN_ON = 250
# A header over an earlier note pasted in ("Previous procedure note: (01/22/2025, copied
# forward)"): its account of needle work is that visit's, not today's.
_EARLIER_NOTE = re.compile(
    r"\b(?:previous|prior|last|earlier)\s+(?:procedure\s+)?(?:note|visit|procedure)|"
    r"\bcopied\b|\bpasted\b",
    re.I,
)
# A line of an allergy list that names contrast as the allergen: "Contrast: hives".
_ALLERGEN_LINE = re.compile(r"[ \t]*(?:iodinated\s+|iv\s+)?contrast\b[^\n:]{0,20}:", re.I)
# A procedure reported as done today inside an assessment or plan: "L4-5 ILESI done today",
# "Proceeded w/ L5-S1 ILESI today", "caudal ESI was performed today".
_DONE_TODAY = re.compile(
    r"\b(?:done|performed|completed|proceeded\s+(?:with|w/))\b[^.;\n]{0,40}?\btoday\b"
    r"|\btoday\b[^.;\n]{0,12}?\b(?:done|performed|completed)\b"
    r"|\bproceeded\s+(?:with|w/)",
    re.I,
)
_FUTURE_BEFORE_DONE = re.compile(r"\b(?:will|to be|plan(?:ned)?\s+to|if|would|may)\b", re.I)
# A statement that goes back to plans: "RTC 3 wks", "f/u 4 wks", "if <50% consider repeat".
_PLAN_RESUMES = re.compile(
    r"\b(?:rtc|f/u|follow[- ]?up|return|will|if|consider|plan|schedule\w*|continue|cont)\b", re.I
)


def _clause_start(text: str, floor: int, position: int) -> int:
    """Where the statement holding `position` starts: after the last ". ", ";" or line break."""
    return max(
        text.rfind(". ", floor, position) + 2 if text.rfind(". ", floor, position) >= 0 else floor,
        text.rfind(";", floor, position) + 1,
        text.rfind("\n", floor, position) + 1,
        floor,
    )


def _statement_end(text: str, position: int, ceiling: int) -> int:
    """Where the statement holding `position` ends: at its ". ", ";" or line break."""
    ends = [
        i
        for i in (text.find(". ", position, ceiling), text.find(";", position, ceiling),
                  text.find("\n", position, ceiling))
        if i >= 0
    ]
    return min(ends) + 1 if ends else ceiling
# A header line with nothing after its label: ends in a colon, a bracket or a date.
_HEADER_ALONE = re.compile(r"(?:[:)]|\d)[ \t]*$|^[^:]*$", re.M)
# How far into a header line its label may run ("ESI history (all R L5-S1, fluoro):").
_LABEL_REACH = 60
# A header over a list of earlier injections: "ESI history (all R L5-S1 ...):", "Prior ESIs:".
_INJECTION_LOG = re.compile(
    r"\b(?:esis?|injections?|epidurals?)\s+(?:history|log|to date)\b|"
    r"\b(?:prior|previous)\s+(?:esis|injections|epidural injections)\b",
    re.I,
)
# Words that put a technique mention in the past ("last ESI ... with loss of resistance").
_EARLIER_WORK = re.compile(r"\b(?:previous(?:ly)?|prior(?!\s+to\b)|last|ago|history)\b", re.I)


class Target(NamedTuple):
    """A concept mention (medspaCy target) with its ConText flags and section.

    Immutable; a named tuple because a note has dozens and a frozen dataclass costs three
    times as much to build."""

    label: str
    value: str
    role: str | None
    start: int
    end: int
    text: str
    literal: str
    section: str | None
    negated: bool
    historical: bool
    hypothetical: bool
    family: bool

    @property
    def asserted(self) -> bool:
        """Present, current and about the patient (not negated, past, planned or family)."""
        return not (self.negated or self.historical or self.hypothetical or self.family)

    def flags(self) -> list[str]:
        names = ("negated", "historical", "hypothetical", "family")
        return [name for name in names if getattr(self, name)]


# (label, span text) -> (value, role, literal) from the target lexicon: the same phrases
# recur in every note, so each is looked up (and its literal normalized) once per process.
_LEXICON_FACTS: dict[tuple[str, str], tuple[str, str | None, str]] = {}
_LEXICON_FACTS_LIMIT = 50_000


def _lexicon_facts(
    lexicon: dict[tuple[str, str], dict], label: str, text: str
) -> tuple[str, str | None, str] | None:
    """Value, role and literal of a target span whose (label, literal) is in the lexicon
    (remembered), or None when only the span's own rule can tell."""
    meta = lexicon.get((label, lexicon_key(text)))
    if meta is None:
        return None
    literal = " ".join(text.lower().split())
    facts = (str(meta.get("value", literal)), meta.get("role"), literal)
    if len(_LEXICON_FACTS) < _LEXICON_FACTS_LIMIT:
        _LEXICON_FACTS[(label, text)] = facts
    return facts


@dataclass
class NoteView:
    doc: Doc
    document: str | None = None
    _section_starts: list[int] = field(default_factory=list)
    _section_spans: list[tuple[int, int, str | None]] = field(default_factory=list)
    _history_cache: dict[int, bool] = field(default_factory=dict)
    # Starts of the sections nested in a pasted earlier note (its "Consent:", "Procedure:").
    _pasted_starts: set[int] = field(default_factory=set)
    _work_span: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        # Doc.text joins every token on each access: read it once.
        self._text = doc_text(self.doc)
        self._original = self.doc._.esi_original or self._text
        self._has_boxes = (
            "[" in self._text
            or "\u2610" in self._text
            or "\u2612" in self._text
            or bool(_PAREN_BOX.search(self._text))
        )
        spans: list[tuple[int, int, str | None]] = []
        for section in self.doc._.sections:
            start_tok, end_tok = section.section_span
            if end_tok <= start_tok:
                continue
            start = self.doc[start_tok].idx
            end = self.doc[end_tok - 1].idx + len(self.doc[end_tok - 1].text)
            spans.append((start, end, section.category))
        spans.sort()
        self._section_spans = self._todays_work_in_assessment(
            self._report_findings(self._bound_inline_sections(spans))
        )
        self._section_starts = [s[0] for s in self._section_spans]

    def _bound_inline_sections(
        self, spans: list[tuple[int, int, str | None]]
    ) -> list[tuple[int, int, str | None]]:
        """End a labelled one-line field ("Dx: ...", "Allergy: ...") at the next blank line:
        the paragraphs after it are not part of that field when no other header follows."""
        bounded: list[tuple[int, int, str | None]] = []
        text = self._text
        # The category of the last heading alone on its line: an examination's fields
        # ("PHYSICAL EXAMINATION\nVitals: ...\nGeneral: ...") stay in the examination.
        heading: str | None = None
        for start, end, category in spans:
            line_end = text.find("\n", start)
            line_end = end if line_end < 0 or line_end > end else line_end
            header = text[start:line_end]
            colon = header.find(":")
            inline = colon >= 0 and header[colon + 1 :].strip(" :\t") != ""
            short_label = colon >= 0 and len(header[:colon].strip(" -*>#\t")) <= 4
            if not inline:
                heading = category
            if inline and heading == "exam" and category == "exam":
                bounded.extend(self._exam_fields(start, end))
                continue
            if inline and category == "exam" and _PROCEDURE_NAMED.search(header, colon + 1):
                # A radiology report's "EXAM: CT-guided right L4 selective nerve root block"
                # names today's procedure; it is not a physical examination.
                bounded.append((start, end, None))
                continue
            if inline and _next_line_is_label(text, line_end, end):
                # Template fields ("Indication:: ...\nGuidance:: ...") end with their line.
                bounded.append((start, line_end, category))
                bounded.append((line_end, end, None))
                continue
            if inline and (category in _FIELD_SECTIONS or short_label):
                field_end = self._field_end(line_end, end, len(header))
                if field_end is not None:
                    bounded.append((start, field_end, category))
                    bounded.append((field_end, end, None))
                    continue
                gap = _BLANK_LINE.search(text, line_end, end)
                if gap:
                    bounded.append((start, gap.start(), category))
                    bounded.append((gap.end(), end, None))
                    continue
            if category in BACKGROUND_SECTIONS and not _EARLIER_NOTE.search(header):
                work = self._work_start(line_end, end, inline)
                if work is not None:
                    bounded.append((start, work, category))
                    bounded.append((work, end, None))
                    continue
            bounded.append((start, end, category))
        return bounded

    def _exam_fields(self, start: int, end: int) -> list[tuple[int, int, str | None]]:
        """An examination field and the unlabelled exam lines after it, up to any account of
        today's work written without a header."""
        line_end = self._text.find("\n", start)
        line_end = end if line_end < 0 or line_end > end else line_end
        work = self._work_start(line_end, end, True)
        if work is None:
            return [(start, end, "exam")]
        return [(start, work, "exam"), (work, end, None)]

    def _todays_work_in_assessment(
        self, spans: list[tuple[int, int, str | None]]
    ) -> list[tuple[int, int, str | None]]:
        """The part of an assessment or plan that reports today's procedure ("A/P: R L5
        radiculopathy. L4-5 ILESI done today R paramedian under fluoro w/ triamcinolone 80 mg;
        will add gabapentin", "A/P: L S1 radiculopathy. Time-out. 20G Tuohy, LOR saline.
        Depo-Medrol 80 mg injected. RTC 3 wks") is today's, not background: it becomes its
        own span without a category, from the first sentence of the work to the last before
        the plan resumes. The plans around it stay plans."""
        text = self._text
        result: list[tuple[int, int, str | None]] = []
        for start, end, category in spans:
            if category not in ("diagnosis", "plan"):
                result.append((start, end, category))
                continue
            marks = [m for m in _DONE_TODAY.finditer(text, start, end)] + [
                m for m in technique_matches(text, start, end)
                if not _EARLIER_WORK.search(text, max(start, m.start() - 40), m.start())
                and m.group(0).lower().replace("-", "") != "carm"  # "Biomed notified re C-arm"
            ]
            marks = [
                m for m in marks
                if not _FUTURE_BEFORE_DONE.search(text, _clause_start(text, start, m.start()),
                                                   m.start())
            ]
            if not marks:
                result.append((start, end, category))
                continue
            work_start = _clause_start(text, start, min(m.start() for m in marks))
            work_end = _statement_end(text, max(m.end() for m in marks), end)
            while work_end < end and text[work_end] != "\n":
                following = _statement_end(text, work_end + 1, end)
                if _PLAN_RESUMES.search(text, work_end, following):
                    break
                work_end = following
            if work_start > start:
                result.append((start, work_start, category))
            result.append((work_start, work_end, None))
            if work_end < end:
                result.append((work_end, end, category))
        return result

    def _report_findings(
        self, spans: list[tuple[int, int, str | None]]
    ) -> list[tuple[int, int, str | None]]:
        """Headers nested in a report keep the report's category: a "FINDINGS:" line right
        after "Imaging: MRI lumbar spine ..." is the imaging report's, and an indented
        "PROCEDURE:" inside a pasted "Previous procedure note:" is that earlier visit's."""
        result = []
        report_start: int | None = None
        pasted_start: int | None = None
        pasted_block = False
        text = self._text
        for start, end, category in spans:
            if category == "imaging":
                report_start = start
            elif (
                category == "findings"
                and report_start is not None
                and not _BLANK_LINE.search(text, report_start, start)
            ):
                category = "imaging"
            elif category is not None:
                report_start = None
            line_end = text.find("\n", start)
            line_end = len(text) if line_end < 0 else line_end
            if (
                result
                and result[-1][2] == "allergies"
                and _ALLERGEN_LINE.match(text, start, line_end)
                and not _BLANK_LINE.search(text, result[-1][0], start)
            ):
                category = "allergies"  # "Allergies:\nContrast: hives": an allergen, no field
            if category == "history" and _EARLIER_NOTE.search(text, start, line_end):
                pasted_start = start
                # "PROCEDURE NOTE -- DOS 05/12/2025 (copied forward)" alone on its line heads
                # a whole pasted note; "Prior procedure: caudal ESI 3/2025" is one field.
                pasted_block = _HEADER_ALONE.search(text, start, line_end) is not None
            elif (
                pasted_start is not None
                and category is not None
                and (pasted_block or text[start - 1 : start] in (" ", "\t"))
                and not _BLANK_LINE.search(text, pasted_start, start)
            ):
                category = "history"  # a header inside the pasted note
                self._pasted_starts.add(start)
            elif category is not None:
                pasted_start = None
            result.append((start, end, category))
        return result

    def _work_start(self, line_end: int, end: int, inline: bool) -> int | None:
        """Where a background section (indication, history, plan...) gives way to an unheaded
        account of today's hands-on work ("prepped and draped", "20 g Tuohy", "loss of
        resistance"). Notes often skip the PROCEDURE header after "Indication: ...", and the
        work must not be read as background. A one-line field ends at its first blank line;
        a headed block at the paragraph (or new line) where the work begins."""
        text = self._text
        paragraph_start: int | None = None
        previous = text[:line_end].rstrip()
        position = line_end
        while position < end:
            next_end = text.find("\n", position + 1)
            next_end = end if next_end < 0 or next_end > end else next_end
            line = text[position + 1 : next_end]
            stripped = line.strip()
            if not stripped:
                paragraph_start = None
                previous = ""
                position = next_end
                continue
            line_start = position + 1
            starts_statement = (
                not previous
                or previous[-1:] in (".", ";", ":", ")")
                or bool(_LIST_ITEM.match(stripped))
            )
            if paragraph_start is None:
                paragraph_start = line_start
            if (
                starts_statement
                and technique_matches(line)
                and not _EARLIER_WORK.search(line)
            ):
                gap = _BLANK_LINE.search(text, line_end, line_start)
                if gap is None:
                    return line_start
                return gap.end() if inline else paragraph_start
            previous = stripped
            position = next_end
        return None

    def _field_end(self, line_end: int, end: int, header_length: int) -> int | None:
        """Where a short labelled field ends: at its line end when the next line starts a new
        statement (a terse or template note), not when it is a list item or a wrapped line."""
        if line_end >= end:
            return None
        header_line = self._text[:line_end].rstrip()
        if header_length > 70 and header_line[-1:] not in (".", ";", ")", ":"):
            return None  # a hard-wrapped dictated paragraph continues on the next line
        nxt = self._text[line_end + 1 : line_end + 40]
        if _LIST_ITEM.match(nxt):
            return self._list_end(line_end, end)
        if not nxt.strip() or nxt[:1] in (" ", "\t"):
            return None
        if nxt[:1].islower():
            # A wrapped continuation, unless a short field line is followed by an unpunctuated
            # account of the work ("ALLERGIES: IODINE - anaphylaxis\nshe signed consent").
            next_end = self._text.find("\n", line_end + 1, end)
            next_line = self._text[line_end + 1 : end if next_end < 0 else next_end]
            if header_length <= _SHORT_FIELD and _PROCEDURE_WORK.search(next_line):
                return line_end
            return None
        return line_end

    def _list_end(self, line_end: int, end: int) -> int | None:
        """A field's bullet list ends at the first bullet that reports procedure work
        ("- 20G Tuohy ...", "- consent: ...") rather than another item of the field."""
        position = line_end
        while position < end:
            next_end = self._text.find("\n", position + 1)
            next_end = end if next_end < 0 or next_end > end else next_end
            line = self._text[position + 1 : next_end]
            if _LIST_ITEM.match(line) and _PROCEDURE_WORK.search(line):
                return position
            position = next_end
        return None

    @property
    def text(self) -> str:
        return self._text

    def section_at(self, char: int) -> str | None:
        i = bisect_right(self._section_starts, char) - 1
        if i < 0:
            return None
        return self._section_spans[i][2]

    def section_start(self, char: int) -> int:
        """Character offset where the section holding `char` starts."""
        i = bisect_right(self._section_starts, char) - 1
        return self._section_spans[i][0] if i >= 0 else 0

    def in_earlier_note(self, char: int) -> bool:
        """Whether `char` sits in an earlier note pasted under its own header ("Previous
        procedure note (08/2024, copied forward):") or in a log of earlier injections
        ("ESI history (all R L5-S1 interlaminar, fluoro):")."""
        if self.in_pasted_note(char):
            return True
        if self.section_at(char) != "history":
            return False
        header = self._header_line(self.section_start(char))
        label = header[: header.find(":") + 1 if ":" in header[:_LABEL_REACH] else _LABEL_REACH]
        return bool(_INJECTION_LOG.search(label))

    def in_pasted_note(self, char: int) -> bool:
        """Whether `char` sits in an earlier visit's note pasted under its own header, or in
        a section nested in one (its "Consent:", its "Procedure:")."""
        if self.section_at(char) != "history":
            return False
        start = self.section_start(char)
        return start in self._pasted_starts or bool(_EARLIER_NOTE.search(self._header_line(start)))

    def _header_line(self, start: int) -> str:
        line_end = self._text.find("\n", start)
        return self._text[start : len(self._text) if line_end < 0 else line_end]

    def section_end(self, char: int) -> int:
        """Character offset where the section holding `char` ends, after one-line fields and
        background blocks were bounded (`_bound_inline_sections`)."""
        i = bisect_right(self._section_starts, char) - 1
        return self._section_spans[i][1] if i >= 0 else len(self._text)

    def section_body(self, category: str) -> list[tuple[int, int]]:
        """Character ranges of every section with this category (header excluded)."""
        out = []
        for section in self.doc._.sections:
            if section.category != category:
                continue
            start_tok, end_tok = section.body_span
            if end_tok > start_tok:
                out.append(
                    (
                        self.doc[start_tok].idx,
                        self.doc[end_tok - 1].idx + len(self.doc[end_tok - 1].text),
                    )
                )
            else:
                idx = self.doc[start_tok - 1].idx + len(self.doc[start_tok - 1].text)
                out.append((idx, idx))
        return out

    def section_bodies(self, category: str) -> list[tuple[str, int, int]]:
        """(header text, body start, body end) of every section with this category."""
        out = []
        for section in self.doc._.sections:
            if section.category != category:
                continue
            t_start, t_end = section.title_span
            header = self.doc[t_start:t_end].text
            b_start, b_end = section.body_span
            if b_end > b_start:
                out.append(
                    (
                        header,
                        self.doc[b_start].idx,
                        self.doc[b_end - 1].idx + len(self.doc[b_end - 1].text),
                    )
                )
        return out

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        return [(start, end) for _, start, end in sentence_spans(self.doc)]

    @cached_property
    def _sentence_starts(self) -> list[int]:
        return [s for s, _ in self.sentences]

    def sentence_at(self, char: int) -> tuple[int, int]:
        i = bisect_right(self._sentence_starts, char) - 1
        return self.sentences[max(i, 0)] if self.sentences else (0, len(self.text))

    def sentence_text(self, char: int) -> str:
        start, end = self.sentence_at(char)
        return self.text[start:end]

    def clause_at(self, char: int) -> tuple[int, int]:
        """The sentence around `char`, cut at semicolons and pipes: terse notes string a whole
        visit together that way ("rt l5-s1 hnp on mri; ...; 18g tuohy l5-s1, lor")."""
        start, end = self.sentence_at(char)
        text = self.text
        before = max(text.rfind(";", start, char), text.rfind("|", start, char))
        after = [i for i in (text.find(";", char, end), text.find("|", char, end)) if i >= 0]
        return (before + 1 if before >= 0 else start), (min(after) if after else end)

    def clause_text(self, char: int) -> str:
        start, end = self.clause_at(char)
        return self.text[start:end]

    def line_at(self, char: int) -> tuple[int, int]:
        """The line around a character, clipped to 300 characters each side so that text
        without line breaks cannot make per-mention look-ups quadratic."""
        start = max(
            self.text.rfind("\n", max(0, char - _LINE_WINDOW), char) + 1, char - _LINE_WINDOW, 0
        )
        end = self.text.find("\n", char, char + _LINE_WINDOW)
        return start, (min(len(self.text), char + _LINE_WINDOW) if end < 0 else end)

    @cached_property
    def targets(self) -> list[Target]:
        if TARGET_GROUP not in self.doc.spans:
            return []
        found = []
        lexicon = target_lexicon()
        flags = self._context_flags()
        note = self._text
        for span in self.doc.spans[TARGET_GROUP]:
            start, end = span.start_char, span.end_char
            # The note's own characters: what `span.text` re-joins token by token.
            text = note[start:end]
            label = span.label_
            known = _LEXICON_FACTS.get((label, text))
            if known is None:
                known = _lexicon_facts(lexicon, label, text)
            if known is not None:
                value, role, literal = known
            else:
                # Only spans the abbreviation component added carry their long form's rule.
                literal = " ".join(text.lower().split())
                rule = span._.target_rule
                meta = (rule.metadata if rule is not None else None) or {}
                literal = rule.literal if rule is not None else literal
                value, role = str(meta.get("value", literal)), meta.get("role")
            categories = flags.get((span.start, span.end), ())
            if self.unchecked(start, end):
                categories = set(categories) | {"NEGATED_EXISTENCE"}
            found.append(
                Target(
                    label=label,
                    value=value,
                    role=role,
                    start=start,
                    end=end,
                    text=text,
                    literal=literal,
                    section=self.section_at(start),
                    negated="NEGATED_EXISTENCE" in categories,
                    historical="HISTORICAL" in categories,
                    hypothetical="HYPOTHETICAL" in categories,
                    family="FAMILY" in categories,
                )
            )
        found.sort(key=lambda t: (t.start, -t.end))
        return found

    @cached_property
    def folded(self) -> str:
        """The note's text in lower case, for cheap literal gates before regex scans."""
        return self._text.lower()

    @cached_property
    def corrections(self) -> list[tuple[int, int]]:
        """Paragraphs of an addendum that corrects the note ("ADDENDUM: Level correction ...
        the needle entered L3-L4, not L4-L5 as dictated"): what they say replaces the body."""
        text = self._text
        spans = []
        for match in _ADDENDUM_START.finditer(text):
            gap = _BLANK_LINE.search(text, match.end())
            end = gap.start() if gap else len(text)
            if _CORRECTION_CUE.search(text, match.start(), end):
                spans.append((match.start(), end))
        return spans

    def in_correction(self, char: int) -> bool:
        return any(start <= char < end for start, end in self.corrections)

    def has_box(self, text: str) -> bool:
        """Whether `text` (a line of the note) holds a template checkbox or radio button."""
        return self._has_boxes and _ANY_BOX.search(text) is not None

    def in_unchecked_option(self, char: int) -> bool:
        """The text sits in a template option whose box is empty: "[ ] Epidural (ILESI/TFESI/
        caudal)  [x] Sacroiliac joint" offers ILESI, it does not say one was done."""
        if not self._has_boxes:
            return False
        line_start = self._text.rfind("\n", 0, char) + 1
        boxes = list(_ANY_BOX.finditer(self._text, line_start, char))
        return bool(boxes) and _EMPTY_BOX.fullmatch(boxes[-1].group(0)) is not None

    def unchecked(self, start: int, end: int) -> bool:
        """Template checkboxes: "[ ] Ultrasound" is an option not chosen, and
        "Prior ESI: [ ] Yes [x] No" answers no."""
        boxes = self._has_boxes
        if boxes and _UNCHECKED_BEFORE.search(self._text, max(0, start - 8), start):
            return True
        following = self._text[end : end + _ANSWER_REACH]
        if ":" not in following and ".." not in following:
            return False  # neither "Label: [x] No", "Label: none" nor "Label ..... N/A" follows
        line_end = self._text.find("\n", end, end + 80)
        answer = boxes and _CHECKED_ANSWER.match(
            self._text, end, line_end if line_end >= 0 else min(len(self._text), end + 80)
        )
        if answer:
            return answer.group(1).lower().startswith("n")
        return bool(
            _NEGATIVE_ANSWER.match(self._text, end, min(len(self._text), end + _ANSWER_REACH + 16))
        )

    def _context_flags(self) -> dict[tuple[int, int], set[str]]:
        """ConText modifier categories per target token span, read from the context graph
        once instead of through five extension look-ups per span."""
        graph = getattr(self.doc._, "context_graph", None)
        flags: dict[tuple[int, int], set[str]] = {}
        for target, modifier in getattr(graph, "edges", None) or []:
            flags.setdefault((target.start, target.end), set()).add(modifier.category)
        return flags

    @cached_property
    def _targets_by_label(self) -> dict[str, list[Target]]:
        grouped: dict[str, list[Target]] = {}
        for target in self.targets:
            grouped.setdefault(target.label, []).append(target)
        return grouped

    def targets_of(self, label: str) -> list[Target]:
        """Targets with this label, in text order (a new list the caller may change)."""
        return list(self._targets_by_label.get(label, ()))

    @cached_property
    def levels(self) -> list[LevelMention]:
        return self.doc._.esi_levels or []

    def work_span(self) -> tuple[int, int] | None:
        """Offsets of the first and last mentions of hands-on procedure work today ("prepped
        and draped", "Tuohy", "loss of resistance"), found once per note: scores written
        before the work are pre-procedure, after it post-procedure."""
        if self._work_span is None:
            starts = [
                m.start() for m in technique_matches(self._text) if self.is_today(m.start())
            ]
            self._work_span = (starts[0], starts[-1]) if starts else (-1, -1)
        return None if self._work_span[0] < 0 else self._work_span

    def is_today(self, char: int) -> bool:
        return self.section_at(char) in TODAY_SECTIONS

    def in_history_sentence(self, char: int) -> bool:
        """The sentence holding `char` speaks of the past (memoized per sentence). In a run of
        clauses joined by semicolons or pipes, only the clause holding `char` is read."""
        start, end = self.sentence_at(char)
        if end - start > _RUN_ON and (";" in self.text[start:end] or "|" in self.text[start:end]):
            start, end = self.clause_at(char)
        known = self._history_cache.get(start)
        if known is None:
            known = bool(cues()["history_sentence"].search(self.text, start, end))
            self._history_cache[start] = known
        return known

    def evidence(self, start: int, end: int, rule: str, flags: list[str] | None = None) -> Evidence:
        # Offsets and text come from the note itself: construct without re-validation.
        return construct(
            Evidence,
            {
                "start": start,
                "end": end,
                "text": self._original[start:end],
                "section": self.section_at(start),
                "rule": rule,
                "document": self.document,
                "flags": flags or [],
            },
        )

    def target_evidence(self, target: Target, rule_prefix: str) -> Evidence:
        return self.evidence(
            target.start, target.end, f"{rule_prefix}:{target.literal}", target.flags()
        )


def technique_matches(text: str, start: int = 0, end: int | None = None) -> list[re.Match]:
    """Mentions of hands-on procedure work ("prepped and draped", "Tuohy", "loss of
    resistance", "22g spinal needle") in text[start:end], in order. The cue is two patterns:
    the words, anchored on their leading literals, and the few that start with a number or a
    line start, which no literal can anchor."""
    end = len(text) if end is None else end
    found = list(cues()["technique_work"].finditer(text, start, end))
    found += cues()["technique_work_numbers"].finditer(text, start, end)
    return sorted(found, key=lambda m: m.start())


def nth_line_end(text: str, n: int) -> int:
    """Offset just past the first `n` lines of `text` (blank lines not counted)."""
    pos = 0
    for _ in range(n):
        nxt = text.find("\n", pos)
        if nxt < 0:
            return len(text)
        pos = nxt + 1
        while pos < len(text) and text[pos] == "\n":
            pos += 1
    return pos


def cue(name: str) -> re.Pattern[str]:
    """A named cue regex from patterns/cues.json."""
    return cues()[name]

"""Clinical documentation facts: consent, pain and function scores, diagnoses, conservative
care, imaging correlation, post-procedure status and the response to prior injections."""

from __future__ import annotations

import re
from datetime import date

from nlp.facts.view import NoteView, Target, cue, nth_line_end
from nlp.models import (
    Consent,
    ConservativeCare,
    Diagnosis,
    Evidence,
    FunctionalScore,
    ImagingCorrelation,
    PainScore,
    PostProcedure,
    PriorInjection,
)
from nlp.numbers import NUMBER_WORD_PATTERN, WORD_NUMBERS
from nlp.regex_prefilter import compile_gated, gated

_WORD_NUMBERS = {**WORD_NUMBERS, "several": 3, "a few": 2, "few": 2, "past": 1, "a": 1, "an": 1}
# Patterns led by a digit (or code letter) check the character before it with a look-behind
# placed after that first character, "(\d(?<![\d/.]\d)...": the same matches as a leading
# "(?<![\d/.])\d", but `re` can then skip straight to candidate characters
# (tests/test_facts_clinical.py compares them with the leading form).
_ICD10 = re.compile(r"([A-TV-Z](?<![\w.][A-TV-Z])\d{2}\.[0-9A-Z]{1,4})(?![\w.])")
_PAIN_PATTERNS = [
    ("pain.slash10", re.compile(r"(\d(?<![\d/.]\d)\d?(?:\.\d)?)\s*/\s*10(?![\d/])")),
    (
        # "eight out of ten" in dictation
        # (tried only where a number word starts: re would try the alternation everywhere)
        "pain.words_out_of_10",
        compile_gated(
            r"\b(zero|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:out of|of)\s+"
            r"(?:10|ten)\b",
            re.I,
        ),
    ),
    (
        "pain.out_of_10",
        re.compile(r"(\d(?<![\d/.]\d)\d?(?:\.\d)?)\s*(?:out of|of)\s*(?:10|ten)\b", re.I),
    ),
    (
        "pain.scale_value",
        compile_gated(
            r"\b(?:vas|nrs|nprs|pain(?:\s+(?:score|level|scale|rating|intensity))?|numeric (?:pain )?rating(?: scale)?)"  # noqa: E501
            r"\s*(?:score|scale|was|is|of|at|=|:|-|rated|reported|today|now|currently|at rest|"
            r"\(?0\s*(?:-|to)\s*10\)?|[()]|\s)*"
            r"(\d{1,2}(?:\.\d)?)(?!\s*(?:/|out of|mg|ml|%|cc|weeks?|wks?|days?|d\b|months?|mos?\b|"
            r"years?|yrs?\b|hours?|hrs?\b|min|x\b|times|\.\d|:\d|\d|-(?!-*>)|to\s+10))",
            re.I,
        ),
    ),
    (
        # "he rates his pain today as a 6", "rated his pain a 2 on the DVPRS"
        "pain.rates_as",
        compile_gated(
            r"\brat(?:es|ed|ing)\s+(?:his|her|their|the)\s+(?:\w+\s+)?pain\s+"
            r"(?:today\s+|now\s+|currently\s+)?(?:as\s+|at\s+)?(?:an?\s+)?(\d{1,2}(?:\.\d)?)\b"
            r"(?!\s*(?:/|out of|of\s+10|%|mm))",
            re.I,
        ),
    ),
    (
        # Structured exports: "PAIN_SCORE_PRE=7", "VAS_PRE=7", "\"nrs_post\":5".
        "pain.field_key",
        compile_gated(
            r"\b(?:pain|vas|nrs|nprs)(?:_(?:score|nrs|vas|nprs))?_(pre|post)(?:_?(?:proc|op))?"
            r"\b\"?\s*[:=]\s*\"?(\d{1,2})(?![\d/.])",
            re.I,
        ),
    ),
    (
        "pain.pre_post",
        compile_gated(
            r"\b(pre|post)(?:-?(?:procedure|procedural|op|injection))?\s*[:=]?\s*(\d{1,2})(?!\s*(?:/|mg|ml|%|\d))",
            re.I,
        ),
    ),
    (
        # "VAS 8 before -> 3 after", "NRS 7 -> 2": the value after an arrow is a score too.
        "pain.arrow_value",
        gated(
            re.compile(
                r"\d(?<![\d.]\d)\d?\s*(?:/\s*10)?\s*(?:[a-z]{1,12}\s+){0,2}?"
                r"(?:->|\u2192|=>|-{1,3}>)\s*(\d{1,2}(?:\.\d)?)"
                r"(?!\d|\.\d|\s*(?:/|mg|ml|%|cc|mcg|weeks?|wks?|months?|mos?|days?|years?|yrs?))",
                re.I,
            )
        ),
    ),
    (
        # "VAS pre 8 -> 3 post", "6/10 pre, 2/10 post": the timing word follows the value.
        "pain.value_then_timing",
        re.compile(
            r"(\d(?<![\d/.]\d)\d?)\s*(?:/\s*10\s*)?(pre|post)(?:-?(?:procedure|procedural|op|"
            r"injection))?\b(?!\s*(?:-?op(?:erative)?\s+)?(?:days?|weeks?|months?))",
            re.I,
        ),
    ),
]
# "ODI 44%", "Oswestry at last visit (08/12/25) 52%", "her Oswestry is thirty-eight percent";
# not a number past a date or past the end of the sentence ("f/u with ODI. If ... 2-3 months").
# A run of dots is taken whole (possessive), so a dot leader cannot be split many ways.
_ODI = compile_gated(
    r"\b(?:odi|oswestry(?: disability)?(?: index)?(?: score)?)\b"
    r"(?:[^\d\n.]|\.++(?:(?<=\.\.)|(?!\s))|\d{1,2}/\d{1,2}(?:/\d{2,4})?){0,40}?"
    r"(?:(\d{1,3}(?:\.\d)?)(?!\d|/(?!50\b))\s*%?|(" + NUMBER_WORD_PATTERN + r")\s+percent\b)",
    re.I,
)
# The raw Oswestry sum out of 50 ("19/50", "22 out of 50"), reported as a percentage.
_RAW_OSWESTRY = re.compile(r"\s*(?:/|out of|of)\s*50\b", re.I)
_RMDQ = compile_gated(
    r"\b(?:roland[- ]morris(?: disability)?(?: questionnaire)?(?: score)?|rmdq|rmq)\b[^\d\n]{0,20}?(\d{1,2})",  # noqa: E501
    re.I,
)
_PROMIS = compile_gated(r"\bpromis\b[^\d\n]{0,60}?(\d{1,3}(?:\.\d)?)", re.I)


# The rest of a template label after a term: " treatment:" in "Conservative treatment: ***".
_LABEL_REST = re.compile(r"[A-Za-z /-]{0,25}?:{1,2}")


# The rest of a field label after a cue: "Post-procedure pain 0-10:".
_FIELD_LABEL_REST = re.compile(r"[\w /()%-]{0,30}?:{1,2}")
_BLANK_FIELD_LINE = re.compile(
    r"[^:\n]{1,40}:{1,2}[ \t]*(?:_{2,}|\*{2,}|\[\s*\]|\{[^{}\n]*\})?[ \t]*"
)


def _only_blank_fields(body: str) -> bool:
    """Every line is a template label left empty ("pain 0-10: ___ / Complications: ***")."""
    return all(
        _BLANK_FIELD_LINE.fullmatch(line.strip()) for line in body.splitlines() if line.strip()
    )


def _blank_marker_after(view: NoteView, end: int) -> bool:
    """The rest of the line after a label is a blank marker ("***", "___"), not nothing (a
    list may follow on the next lines)."""
    line_end = view.text.find("\n", end)
    rest = view.text[end : line_end if line_end >= 0 else len(view.text)].strip(" :\t-")
    return bool(rest) and _blank_after(view, end)


def _blank_after(view: NoteView, end: int) -> bool:
    """True when the rest of the line after a label is a template blank ("Consent: ____")."""
    line_end = view.text.find("\n", end)
    rest = view.text[end : line_end if line_end >= 0 else len(view.text)]
    rest = rest.lstrip(" :\t-")
    return (
        bool(cue("blank_inline").match(rest))
        or bool(cue("blank").fullmatch(rest))
        and not rest.strip(" .")
    )


def _chosen(view: NoteView, name: str, start: int, end: int) -> bool:
    """Cue `name` matches in text[start:end] outside a template option left unticked:
    "Consent: [x] verbal  [ ] written" says verbal, "[ ] verbal [ ] written" says nothing."""
    return any(
        not view.in_unchecked_option(found.start())
        for found in cue(name).finditer(view.text, start, end)
    )


# Consent still to be taken: "consent for procedure will be obtained prior to start".
_CONSENT_LATER = re.compile(
    r"\bconsent\w*\b[^.;\n]{0,40}?\b(?:will|is to|are to)\s+be\s+(?:obtained|signed|taken)\b",
    re.I,
)


def consent(view: NoteView) -> Consent:
    evidence = []
    documented = rba = False
    form = None
    for match in cue("consent_cue").finditer(view.text):
        s, e = view.sentence_at(match.start())
        sentence = view.text[s:e]
        line_s, line_e = view.line_at(match.start())
        line = view.text[line_s:line_e]
        if cue("blank_inline").search(line):
            if ":" in line:
                value = line.split(":", 1)[1]
            elif "|" in line:  # "| Informed consent | ___ |": the cells after the label
                value = view.text[match.end() : line_e]
            else:
                value = line
            if not cue("consent_positive").search(cue("blank_inline").sub("", value)):
                continue
        if cue("consent_negative").search(sentence) or view.in_pasted_note(match.start()):
            continue  # refused, or the consent of an earlier visit's pasted note
        if view.has_box(line) and not _chosen(view, "consent_positive", match.end(), line_e):
            continue  # "Consent: [ ] verbal  [ ] written", "( ) signed ( ) verbal": none chosen
        near = view.text[s : min(e, match.end() + 25)]
        if re.search(r"\b(?:will|to be obtained|plan to|would)\b", near, re.I):
            continue  # "consent will be obtained", not "... obtained; contrast would not be used"
        if _CONSENT_LATER.search(sentence):
            continue  # "Consent: Consent for procedure will be obtained by the physician"
        header_only = view.section_at(match.start()) == "consent" and not cue(
            "consent_positive"
        ).search(sentence)
        if not cue("consent_positive").search(sentence) and not header_only:
            continue
        if header_only:
            body = view.text[match.end() : line_e].strip(" :\t-")
            if not body and view.section_at(line_e + 1) == "consent":
                # "Consent:" alone on its line, its answer below ("Signed. Risks ... reviewed")
                s, e = view.sentence_at(min(len(view.text) - 1, line_e + 1))
                body = view.text[s:e].strip()
                if (
                    not cue("consent_positive").search(body)
                    or cue("consent_negative").search(body)
                    or cue("blank_inline").search(body)
                ):
                    continue  # "CONSENT\nInformed consent: ***": the next line is its own field
            if (
                not body
                or cue("blank").fullmatch(body)
                or re.fullmatch(r"(?i)(?:no|none|not obtained)\.?", body)
            ):
                continue
        documented = True
        evidence.append(view.evidence(s, e, "consent.documented"))
        # The discussion is often written just before the consent ("Risks, benefits and
        # alternatives were explained. He signed written consent.") or just after it.
        paragraph_start = view.text.rfind("\n\n", max(0, s - 400), s)
        window_start = max(0, s - 400) if paragraph_start < 0 else paragraph_start
        window = view.text[window_start : min(len(view.text), e + 200)]
        if cue("risks").search(window) and cue("benefits_alternatives").search(window):
            rba = True
        if form is None:
            following_end = min(len(view.text), line_e + 1, e + 300)
            for start, end in ((s, e), (e, following_end)):
                if _chosen(view, "consent_written", start, end):
                    form = "written"
                elif _chosen(view, "consent_verbal", start, end):
                    form = "verbal"
                if form:
                    break
    if documented and not rba:
        for match in cue("risks").finditer(view.text):
            s, e = view.sentence_at(match.start())
            if cue("benefits_alternatives").search(view.text[s:e]) and view.section_at(s) not in (
                "plan",
            ):
                rba = True
                break
    return Consent(
        documented=documented, risks_benefits_alternatives=rba, form=form, evidence=evidence[:3]
    )


def _timing(view: NoteView, start: int, end: int, document_type: str | None) -> str:
    timing = _local_timing(view, start, end, document_type)
    # A supporting document's "today" is its own visit: baseline (H&P) or follow-up (progress).
    if document_type == "progress" and timing in ("pre", "unspecified"):
        return "follow_up"
    if document_type in ("h_and_p", "consult") and timing in ("pre", "unspecified"):
        return "baseline"
    if timing in ("pre", "unspecified") and _follow_up_visit(view):
        return "follow_up"  # "Follow-up Visit ... Pain: 4/10 today" with no procedure done
    return timing


_FOLLOW_UP_TITLE = re.compile(
    r"\bfollow[- ]?up\b|\bf/u\b|\bpost[- ]?(?:injection|procedure) (?:visit|check)", re.I
)


def _follow_up_visit(view: NoteView) -> bool:
    """The note is a follow-up visit (its title or chief complaint says so) and describes no
    procedure work today: its scores are follow-up scores, not pre-procedure ones."""
    known = view.__dict__.get("_follow_up_visit")
    if known is None:
        head = view.text[: nth_line_end(view.text, 4)]
        known = bool(_FOLLOW_UP_TITLE.search(head)) and view.work_span() is None
        view.__dict__["_follow_up_visit"] = known
    return known



_STATEMENT_END = re.compile(r"[.;]\s")
# "Pre-procedure pain:", "Post-op NRS -" at the start of a line.
_TIMING_LABEL = re.compile(r"[ \t*\u2022-]*([A-Za-z][\w ()/-]{0,30}?)\s*[:=]", re.I)
# A timing label later on a line: "...     Post NRS: 4", "| Post-procedure pain = 2".
_INLINE_TIMING_LABEL = re.compile(
    r"(?:^|[ \t|]{2,}|\|[ \t]*)(\b(?:pre|post)[\w ()/-]{0,25}?)[ \t]*[:=]", re.I | re.M
)
_FROM_BEFORE = re.compile(r"\b(?:from|was)\s*$", re.I)
# ("... -> post 2/10": a timing word may follow the arrow.)
_CHANGE_AFTER = re.compile(
    r"\s*(?:/\s*10\s*)?(?:\w+\s+){0,2}?(?:to|->|\u2192|=>|-+>)\s*(?:post\w*\s+)?\d", re.I
)
_ARROW_AFTER = re.compile(
    r"\s*(?:/\s*10\s*)?(?:\w+\s+){0,2}?(?:->|\u2192|=>|-+>)\s*(?:post\w*\s+)?\d", re.I
)
_CHANGE_BEFORE = re.compile(
    r"\d\s*(?:/\s*10)?\s*(?:\w+\s+){0,2}?(?:->|\u2192|=>|-+>|\bto)\s*$", re.I
)


def _local_timing(view: NoteView, start: int, end: int, document_type: str | None) -> str:
    """Timing of a score from the words around it (before, then just after), the section,
    and the document type (an H&P or consult gives baseline, a progress note follow-up)."""
    s, e = view.sentence_at(start)
    line_s, line_e = view.line_at(start)
    before = view.text[max(s, line_s, start - 70) : start]
    after = view.text[end : min(e, line_e, end + 30)]
    stop = _STATEMENT_END.search(after)
    after = after[: stop.start()] if stop else after  # "2 out of 10. d/c home. f/u ___"
    section = view.section_at(start)
    # "went from 6/10 to 1/10", "VAS 8 -> 3": a change from the first value to the second.
    if _ARROW_AFTER.match(after) or (_FROM_BEFORE.search(before) and _CHANGE_AFTER.match(after)):
        return "pre"
    if _CHANGE_BEFORE.search(before):
        return "post"
    # A field label says it for every value on its line: "Pre-procedure pain: 7/10 at worst,
    # 4/10 at best" is two pre-procedure scores.
    # Of several labels on one line ("Pre NRS: 8     Post NRS: 4") the nearest one counts.
    inline = list(_INLINE_TIMING_LABEL.finditer(view.text, line_s, start))
    label = inline[-1] if inline else _TIMING_LABEL.match(view.text, line_s, start)
    if label:
        for name, value in (("timing_post", "post"), ("timing_pre", "pre")):
            if re.search(r"\b(?:pre|post)", label.group(1), re.I) and cue(name).search(
                label.group(1)
            ):
                return value
    # A cue right after the value ("4/10 at 30 minutes") outranks one earlier in the sentence.
    near_after = re.split(r"[,;]", after[:20], maxsplit=1)[0]
    if cue("timing_post").search(near_after) and not cue("timing_pre").search(near_after):
        return "post"
    for text in (before, after):
        for name, value in (("timing_follow_up", "follow_up"), ("timing_baseline", "baseline")):
            if cue(name).search(text):
                return value
        post = list(cue("timing_post").finditer(text))
        pre = list(cue("timing_pre").finditer(text))
        if post or pre:
            last_post = post[-1].start() if post else -1
            last_pre = pre[-1].start() if pre else -1
            if text is after:
                last_post = post[0].start() if post else 10**6
                last_pre = pre[0].start() if pre else 10**6
                return "post" if last_post < last_pre else "pre"
            return "post" if last_post > last_pre else "pre"
    previous = view.sentence_at(s - 1) if s > 0 else (s, s)
    same_line = "\n" not in view.text[previous[0] : s].rstrip("\n")
    if section in ("post_procedure", "complications") or cue("post_context").search(view.text[s:e]):
        return "post"
    if e - s < 40 and same_line and cue("post_context").search(view.text[previous[0] : s]):
        return "post"  # "Tolerated well, no complications. Pain 5/10."
    gap_end = e
    while gap_end < len(view.text) and view.text[gap_end] in " \t":
        gap_end += 1
    following = view.sentence_at(gap_end) if gap_end < len(view.text) else (e, e)
    if (
        e - s < 40
        and following[0] >= e
        and "\n" not in view.text[e : following[0]]
        and cue("post_context").match(view.text, following[0])
    ):
        return "post"  # "Pain 2/10. No complications. Discharged home."
    if document_type == "progress":
        return "follow_up"
    if document_type and document_type not in ("procedure", "supporting"):
        return "baseline"
    if section in ("history", "indication"):
        return "baseline" if _has_history_and_physical(view) else "pre"
    work = view.work_span()
    if work is not None and section in (None, "procedure"):
        if start < work[0]:
            return "pre"  # rated before the note describes the procedure being done
        if start > work[1] and view.line_at(start)[0] > view.line_at(work[1])[0]:
            return "post"  # rated on a later line than the last of the procedure work
    return "unspecified"


def _has_history_and_physical(view: NoteView) -> bool:
    """A note that carries its own H&P (HPI and exam): history-section scores are baseline."""
    categories = {section.category for section in view.doc._.sections}
    return "exam" in categories or bool(
        re.search(r"(?im)^\s*(?:hpi|history of present illness)\b", view.text)
    )


def pain_scores(view: NoteView, document_type: str | None = None) -> list[PainScore]:
    scores: list[PainScore] = []
    covered: set[int] = set()
    for rule, pattern in _PAIN_PATTERNS:
        for match in pattern.finditer(view.text):
            value_group = 2 if rule in ("pain.pre_post", "pain.field_key") else 1
            needs_pain_word = rule in ("pain.value_then_timing", "pain.arrow_value")
            if needs_pain_word and not cue("pain_word").search(view.sentence_text(match.start())):
                continue  # "3 post" means a score only where pain is being rated
            if match.start(value_group) in covered:
                continue  # "NRS 3/10" is one score, found by two patterns
            raw = match.group(value_group)
            value = float(WORD_NUMBERS.get(raw.lower(), raw))
            if value > 10:
                continue
            sentence = view.sentence_text(match.start())
            if rule != "pain.scale_value" and not cue("pain_word").search(sentence):
                if (
                    rule == "pain.slash10"
                    and not re.search(
                        r"\b(?:pain|vas|nrs|score|rated|rates|pre|post|baseline|after\w*|before|"
                        r"today|currently|now|severe|worst|average|intensity)",
                        sentence,
                        re.I,
                    )
                    and not cue("post_context").search(sentence)
                    and not cue("timing_post").search(sentence)
                ):
                    continue
            if rule == "pain.slash10" and re.search(
                r"\d\s*/\s*$", view.text[max(0, match.start() - 4) : match.start()]
            ):
                continue
            if view.section_at(match.start()) == "allergies":
                continue
            if rule in ("pain.pre_post", "pain.field_key"):
                timing = "pre" if match.group(1).lower() == "pre" else "post"
            elif rule == "pain.value_then_timing":
                timing = "pre" if match.group(2).lower() == "pre" else "post"
            else:
                # Words inside the match ("VAS today 8") count as words before the value.
                timing = _timing(view, match.start(value_group), match.end(), document_type)
            window = view.text[max(0, match.start() - 30) : match.end()].lower()
            instrument = (
                "VAS"
                if "vas" in window
                else ("NRS" if re.search(r"nrs|nprs|numeric", window) else "unspecified")
            )
            covered.update(range(match.start(), match.end()))
            scores.append(
                PainScore(
                    timing=timing,
                    value=value,
                    instrument=instrument,
                    evidence=[view.evidence(match.start(), match.end(), rule)],
                )
            )
    if "|" in view.text or "\t" in view.text:
        scores += _flowsheet_pain_scores(view, covered)
    if "mm" in view.text or "/100" in view.text or "/ 100" in view.text:
        scores += _millimetre_vas(view, covered, document_type)  # "VAS 62 mm", "VAS 58/100"
    scores.sort(key=lambda p: p.evidence[0].start)
    return scores


# A visual analogue scale written in millimetres: "VAS pain score today is 65 mm" = 6.5/10.
_VAS_MM = re.compile(
    r"\bvas\b[^\d]{0,40}?(\d{1,3}(?:\.\d)?)\s*(?:mm\b|/\s*100\b(?!\s*/))", re.I
)
_ROW_PRE = re.compile(r"\bpre\b|pre-?(?:op|procedure|proc)|admit|arriv|baseline", re.I)
_ROW_POST = re.compile(r"\bpost|recovery|pacu|discharg|d/c\b|after", re.I)
_SEPARATOR_ROW = re.compile(r"^[\s|:+=-]+$")
# A flowsheet column of pain ratings: "Pain (0-10)", "NRS (0-10)", "VAS".
_PAIN_COLUMN = re.compile(r"\b(?:pain|nrs|nprs|vas)\b", re.I)


def _millimetre_vas(
    view: NoteView, covered: set[int], document_type: str | None
) -> list[PainScore]:
    found = []
    for match in _VAS_MM.finditer(view.text):
        value = float(match.group(1)) / 10
        if match.start(1) in covered or value > 10:
            continue
        covered.update(range(match.start(), match.end()))
        found.append(
            PainScore(
                timing=_timing(view, match.start(1), match.end(), document_type),
                value=value,
                instrument="VAS",
                evidence=[view.evidence(match.start(), match.end(), "pain.vas_mm")],
            )
        )
    return found


def _flowsheet_pain_scores(view: NoteView, covered: set[int]) -> list[PainScore]:
    """Scores in a "Time | BP | HR | Pain (0-10)" flowsheet, its cells split by pipes or tabs:
    one per row of the pain column.
    A row labelled pre/post (or admit, recovery, discharge) has that timing; otherwise the
    first row of a flowsheet is taken before the procedure and the later rows after it."""
    found: list[PainScore] = []
    text = view.text
    position = 0
    lines = text.split("\n")
    column = None
    width = 0
    row_number = 0
    title = ""  # the line above a table: "NURSING FLOWSHEET -- POST" times all its rows
    table_timing = None
    timed_columns: dict[int, str] = {}  # a "| Measure | Pre | Post |" header's timed columns
    timed_width = 0
    for line in lines:
        start = position
        position += len(line) + 1
        if line.strip() and _SEPARATOR_ROW.match(line):
            continue  # a "+------+------+" border or a "|---|---|" rule between rows
        separator = "|" if line.count("|") >= 2 else "\t" if line.count("\t") >= 2 else None
        if separator is None:
            column = None
            timed_columns = {}
            title = line
            continue
        cells = line.split(separator)
        if column is None and timed_columns and len(cells) == timed_width:
            # "| Measure | Pre | Post |" over "| NRS (0-10) | 6 | 1 |": a score per column
            label = next((cell for cell in cells if cell.strip()), "")
            if _PAIN_COLUMN.search(label):
                found += _timed_row_scores(view, cells, start, timed_columns, covered)
                continue
        if column is None:
            timed = {
                i: "pre" if _ROW_PRE.search(cell) else "post"
                for i, cell in enumerate(cells)
                if _TIMING_HEAD.fullmatch(cell)
            }
            if timed:
                timed_columns, timed_width = timed, len(cells)
                continue
            heads = [i for i, cell in enumerate(cells) if _PAIN_COLUMN.search(cell)]
            if heads and not any(re.search(r"\d", cells[i].replace("0-10", "")) for i in heads):
                column, width, row_number = heads[0], len(cells), 0
                table_timing = (
                    "post" if _ROW_POST.search(title) else "pre" if _ROW_PRE.search(title) else None
                )
            continue
        if _SEPARATOR_ROW.match(line):
            continue
        if len(cells) != width:
            column = None
            continue
        cell = cells[column]
        value_match = re.fullmatch(r"\s*(\d{1,2}(?:\.\d)?)(?:\s*/\s*10)?\s*", cell)
        if value_match is None:
            continue
        value_start = start + sum(len(c) + 1 for c in cells[:column]) + value_match.start(1)
        value = float(value_match.group(1))
        if value > 10 or value_start in covered:
            continue
        label = " ".join(cells[:column] + cells[column + 1 :])  # "| 08:30 | ... | 7 | pre |"
        if _ROW_POST.search(label):
            timing = "post"
        elif _ROW_PRE.search(label):
            timing = "pre"
        elif table_timing is not None:
            timing = table_timing
        else:
            timing = "pre" if row_number == 0 else "post"
        row_number += 1
        covered.add(value_start)
        end = value_start + len(value_match.group(1))
        found.append(
            PainScore(
                timing=timing,
                value=value,
                instrument="unspecified",
                evidence=[view.evidence(value_start, end, "pain.flowsheet")],
            )
        )
    return found


# A column header that is only a timing: "Pre", "Post", "Pre-procedure", "Post (20 min)".
_TIMING_HEAD = re.compile(r"\s*(?:pre|post)(?:[- ]?(?:procedure|proc|op|injection))?\b[^|\t]{0,12}",
                          re.I)


def _timed_row_scores(
    view: NoteView, cells: list[str], start: int, timed: dict[int, str], covered: set[int]
) -> list[PainScore]:
    """The pain values of one transposed flowsheet row, each timed by its column's header."""
    found = []
    for i, timing in timed.items():
        value_match = re.fullmatch(r"\s*(\d{1,2}(?:\.\d)?)(?:\s*/\s*10)?\s*", cells[i])
        if value_match is None or float(value_match.group(1)) > 10:
            continue
        value_start = start + sum(len(c) + 1 for c in cells[:i]) + value_match.start(1)
        if value_start in covered:
            continue
        covered.add(value_start)
        end = value_start + len(value_match.group(1))
        found.append(
            PainScore(
                timing=timing,
                value=float(value_match.group(1)),
                instrument="unspecified",
                evidence=[view.evidence(value_start, end, "pain.flowsheet")],
            )
        )
    return found


def functional_scores(view: NoteView, document_type: str | None = None) -> list[FunctionalScore]:
    out: list[FunctionalScore] = []
    for instrument, pattern, limit in (
        ("ODI", _ODI, 100),
        ("RMDQ", _RMDQ, 24),
        ("PROMIS", _PROMIS, 100),
    ):
        for match in pattern.finditer(view.text):
            value = float(match.group(1) or WORD_NUMBERS[" ".join(match.group(2).lower().split())])
            if instrument == "ODI" and _RAW_OSWESTRY.match(view.text, match.end()):
                value *= 2  # "Oswestry 19/50": the raw sum of ten items, 38 as a percentage
            if value > limit:
                continue
            out.append(
                FunctionalScore(
                    instrument=instrument,
                    value=value,
                    timing=_timing(view, match.start(), match.end(), document_type),
                    evidence=[
                        view.evidence(match.start(), match.end(), f"function.{instrument.lower()}")
                    ],
                )
            )
    return out


# "zoster-related pain (2019)", "shingles in 2019": an episode dated in the past.
_DATED_AFTER = re.compile(r"[\w\s-]{0,20}?[(,]?\s*(?:in\s+)?(?:19|20)\d\d\b")


def diagnoses(view: NoteView) -> list[Diagnosis]:
    out: list[Diagnosis] = []
    seen: set[str] = set()
    for target in view.targets_of("DIAGNOSIS"):
        if target.negated or target.family or target.hypothetical:
            continue
        if target.section in ("plan", "allergies", "consent"):
            continue  # a consent's "risks including spinal headache" are not diagnoses
        if target.value == "other" and cue("risks").search(view.sentence_text(target.start)):
            continue
        if target.value == "other" and (target.historical or target.section == "imaging"):
            continue  # "history of a T12 compression fracture", an IMAGING section's findings
        if target.value == "herpes_zoster" and (
            re.search(r"post-?herpetic|\bphn\b|vaccin", view.sentence_text(target.start), re.I)
            or _DATED_AFTER.match(view.text, target.end)
        ):
            continue  # postherpetic pain, a vaccine, or shingles "(2019)": not acute zoster
        line_s, line_e = view.line_at(target.start)
        code = _ICD10.search(view.text[line_s:line_e])
        key = f"{target.value}:{target.start}"
        if key in seen:
            continue
        seen.add(key)
        out.append(
            Diagnosis(
                text=target.text,
                icd10=code.group(1) if code else None,
                category=target.value,
                evidence=[view.target_evidence(target, "diagnosis")],
            )
        )
    out += _unlisted_diagnoses(view)
    if any(d.category in _SPECIFIC_SPINE_DIAGNOSES for d in out):
        # Back or neck pain is "axial" only without radicular or structural findings.
        out = [d for d in out if d.category != "axial_pain"]
    return out


_SPECIFIC_SPINE_DIAGNOSES = frozenset(
    {"radiculopathy", "stenosis", "disc_herniation", "post_laminectomy", "herpes_zoster"}
)
_ITEM_SPLIT = re.compile(r"[\n;]+")
_ITEM_NOISE = re.compile(
    r"^[\s\-*\u2022\d.)(:]*(?:pre|post)?[-\s]*(?:op(?:erative)?|procedure)?\s*(?:diagnos[ie]s|dx)?[\s:]*",
    re.I,
)


_NOT_A_DIAGNOSIS = re.compile(
    r"\w:{1,2}\s|^\W*(?:lumbar|cervical|thoracic|sacral|left|right|bilateral|none|n/?a)\W*$|"
    r"\btol\b|complication|\bd/c\b|discharg|\bvas\b|\bnrs\b|inject|epidural|consent|therap|\bpt\b|nsaid|tolerat|\d\s*/\s*10|weeks|wks|months|"
    r"mri|\bct\b|fluoro|needle|level|procedure|\binj\b|lido|caudal|laminar|foraminal|\besi\b|"
    r"\bblock|\d\s*(?:mg|ml|cc|%)|relief|helped|\bcpt\b|\b\d{5}\b",
    re.I,
)


def _unlisted_diagnoses(view: NoteView) -> list[Diagnosis]:
    """Items of a DIAGNOSIS section that name no known category are category `other`
    (e.g. CRPS, cancer pain): they are documented diagnoses that do not support an ESI."""
    found: list[Diagnosis] = []
    targets = view.targets_of("DIAGNOSIS")
    for header, start, end in view.section_bodies("diagnosis"):
        if not re.search(r"(?i)diagnos|\bdx\b|icd", header):
            continue  # IMPRESSION/ASSESSMENT often summarize the procedure instead
        end = min(end, view.section_end(start))  # "Dx: ..." on one line ends with its line
        position = start
        for item in _ITEM_SPLIT.split(view.text[start:end]):
            item_start = view.text.find(item, position) if item else position
            position = item_start + len(item)
            cleaned = _ITEM_NOISE.sub("", item).strip()
            cleaned = _ICD10.sub("", cleaned).strip(" ,.-()")
            if len(re.findall(r"[A-Za-z]", cleaned)) < 4 or cue("blank_inline").search(item):
                continue
            if re.match(r"(?i)(?:same|as above|none|n/?a)\b", cleaned) or _NOT_A_DIAGNOSIS.search(
                item
            ):
                continue
            if any(item_start <= t.start < item_start + len(item) for t in targets):
                continue
            offset = item_start + item.find(cleaned[:10]) if cleaned[:10] in item else item_start
            found.append(
                Diagnosis(
                    text=cleaned[:120],
                    icd10=None,
                    category="other",
                    evidence=[
                        view.evidence(item_start, item_start + len(item), "diagnosis.unlisted")
                    ],
                )
            )
            del offset
    return found


def _weeks(text: str) -> float | None:
    best = None
    for match in cue("duration").finditer(text):
        raw, unit = match.group(1).lower(), match.group(2).lower()
        number = _WORD_NUMBERS.get(raw)
        if number is None:
            try:
                number = float(raw)
            except ValueError:
                continue
        if unit.startswith(("w", "/52")):  # "physio x 10/52": ten weeks (UK)
            weeks = number
        elif unit.startswith("mo"):
            weeks = number * 4
        elif unit.startswith(("y",)):
            weeks = number * 52
        elif unit.startswith("d"):
            weeks = number / 7
        else:
            continue
        best = weeks if best is None else max(best, weeks)
    return best


# "Physical therapy - Yes; Duration: 6 weeks": a duration field on the treatment's line.
_DURATION_FIELD = re.compile(r"\bduration\s*[:=-]\s*", re.I)
# "PT x 6 wks", "gabapentin 300 mg tid for 3 months": the duration belongs to the treatment.
_DURATION_FOLLOWS = re.compile(
    r"[\s,:(-]*(?:\d+\s*(?:mg|mcg)\s*)?(?:(?:qd|bid|tid|qid|qhs|daily|prn|po)\s*)*"
    r"(?:x|\u00d7|for|times|over|about|approx\.?|~)?\s*(?:the\s+(?:last|past)\s+)?",
    re.I,
)
# "6 weeks of PT", "a 12-week course of physical therapy", "3 months of meloxicam", and the
# last of a list of treatments: "3 months of methadone, hydromorphone and gabapentin".
_DURATION_LEADS = re.compile(
    r"[\s-]*(?:(?:course|trial)\s+)?(?:(?:of|in|with)\s+(?:[a-z-]+[\s/]+){0,4}?)?"
    r"|[\s-]*(?:of\s+)?(?:formal|supervised|outpatient|outpt|out-pt|home|aquatic)\s+"
    r"|[\s-]*(?:(?:course|trial)\s+)?(?:of|with)\s+(?:[a-z-]+,\s+){1,4}[a-z-]+,?\s+(?:and|or|&)\s+",
    re.I,
)
_SYMPTOM_WORD = re.compile(
    r"\b(?:pain|ache|aching|numb\w*|tingl\w*|burn\w*|weak\w*|symptoms?|radiat\w*|sciatica|"
    r"paresthesia\w*|cramp\w*|spasms?)\b",
    re.I,
)
_THERAPY_BEFORE_PT = re.compile(
    r"\b(?:weeks?|wks?|months?|mos?|sessions|course|trial|completed|did|failed|attended|"
    r"aquatic|formal|outpatient|outpt|out-pt|supervised|of)\s+(?:of\s+)?$",
    re.I,
)
# "Over the last 3 months he has been managed with ...": a treatment period for the sentence.
_PERIOD_BEFORE = re.compile(r"\b(?:over|for|during|in)\s+the\s+(?:(?:last|past|prior)\s+)?$", re.I)


_SAME_PERIOD = re.compile(
    r"\b(?:over|during|throughout|for)\s+(?:that|this|the same)\s+(?:period|time|interval)\b",
    re.I,
)


def _nearest_weeks(view: NoteView, start: int, end: int) -> float | None:
    """The duration written for a treatment mention in its sentence: after it ("PT x 6 wks",
    "meloxicam for 3 months") or attached before it ("a 12-week course of PT", "6 weeks of
    PT"), so the length of the pain ("leg pain 6 months, failed PT") is not the therapy's."""
    s, e = view.sentence_at(start)
    best: tuple[int, float] | None = None
    for match in cue("duration").finditer(view.text, s, e):
        weeks = _weeks(match.group(0))
        if weeks is None:
            continue
        if _PERIOD_BEFORE.search(view.text, max(s, match.start() - 25), match.start()):
            distance = 59  # "over the past 6 weeks (she) has been managed with ...": the period
        elif match.start() >= end:
            between = view.text[end : match.start()]
            distance = 0 if _DURATION_FOLLOWS.fullmatch(between) else len(between)
        else:
            between = view.text[match.end() : start]
            if not _DURATION_LEADS.fullmatch(between) or _SYMPTOM_WORD.search(between):
                continue  # "6 months of burning, numbness and PT": the symptoms' duration
            distance = len(between)
        if distance > 60:
            continue
        if best is None or distance < best[0]:
            best = (distance, weeks)
    return None if best is None else best[1]


def conservative_care(view: NoteView) -> ConservativeCare:
    modalities: list[str] = []
    evidence = []
    weeks = None
    for target in view.targets_of("CONSERVATIVE"):
        if target.negated or target.hypothetical or target.family:
            continue
        if target.section in ("plan", "allergies") or view.in_unchecked_option(target.start):
            continue  # a plan, or "[ ] Failed >= 4 weeks conservative care (PT/HEP, meds)"
        if target.literal == "pt" and not _pt_is_therapy(view, target):
            continue  # "PT tolerated well", "pt: dolores" are the patient
        if target.value == "medications" and target.section in ("medications",):
            continue
        label = _LABEL_REST.match(view.text, target.end)
        if label and _blank_after(view, label.end()):
            continue  # "Conservative treatment: ***": an unfilled template field
        if target.value not in modalities:
            modalities.append(target.value)
        evidence.append(view.target_evidence(target, "conservative"))
        found = _nearest_weeks(view, target.start, target.end)
        if found is None:
            # "Conservative Therapy: Physical therapy - Yes; Duration: 6 weeks"
            line_end = view.line_at(target.start)[1]
            field = _DURATION_FIELD.search(view.text, target.end, line_end)
            if field:
                found = _weeks(view.text[field.end() : line_end])
        if found is None:
            # "PT 1/8/25-2/26/25 (2x/wk)", "Physical therapy 2/3/25 to 3/31/25, 10 visits"
            found = _date_range_weeks(view.text, target.end, view.line_at(target.start)[1])
        if found is None and _SAME_PERIOD.search(view.text, target.end, target.end + 80):
            # "pain for over three months, refractory to PT and medications over that
            # period": the treatment lasted the period the sentence names.
            s, e = view.sentence_at(target.start)
            found = _weeks(view.text[s:e])
        if found is not None:
            weeks = found if weeks is None else max(weeks, found)
    return ConservativeCare(
        documented=bool(modalities), weeks=weeks, modalities=modalities, evidence=evidence[:5]
    )


# Two dates a course ran between: "1/8/25-2/26/25", "2/3/2025 to 3/31/2025".
_DATE_RANGE = re.compile(
    r"\b(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})\s*(?:-|\u2013|to|through|thru|until)\s*"
    r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})\b",
    re.I,
)
# How far after a therapy mention its date range may start ("PT (12 visits) 1/8/25-...").
_DATE_RANGE_REACH = 40


def _date_range_weeks(text: str, start: int, line_end: int) -> float | None:
    """Weeks between the two dates of a range just after a therapy mention, on its line."""
    match = _DATE_RANGE.search(text, start, min(line_end, start + _DATE_RANGE_REACH + 30))
    if match is None or match.start() - start > _DATE_RANGE_REACH:
        return None
    try:
        first, last = (
            date(int(y) + (2000 if len(y) == 2 else 0), int(m), int(d))
            for m, d, y in (match.group(1, 2, 3), match.group(4, 5, 6))
        )
    except ValueError:
        return None  # not a calendar date ("13/45/25")
    days = (last - first).days
    return float(round(days / 7)) if 0 < days <= 3 * 365 else None


_PATIENT_VERB_AFTER = re.compile(
    r"\s*(?:was|is|tolerated|states|reports|has|had|denies|placed|positioned|prepped|agrees|"
    r"consented|understood|verbalized|will|in|to|returns|presents|c/o|complains|here|noted|"
    r"lies|laid|remained|ambulated|discharged|left|rates|reported|describes)\b",
    re.I,
)
# "pt x 6 wks", "pt/nsaids", "pt + naproxen", "pt 8 wks": a lower-case "pt" that is therapy.
_THERAPY_AFTER_PT = re.compile(
    r"\s*(?:x\s*\d|for\s+\d|\d+\s*(?:wks?|weeks?|mos?|months?)\b|[+/&]|,\s*(?:hep|home|"
    r"nsaids?|meds|medications?|gabapentin|chiro\w*|injections?)\b|and\s+(?:hep|home|nsaids?)\b)",
    re.I,
)


def _pt_is_therapy(view: NoteView, target: Target) -> bool:
    """Whether "PT" names physical therapy rather than the patient: capital "PT" unless a
    patient's verb follows it ("PT tolerated well"); lower-case "pt" only where therapy words
    surround it ("failed ~8 wks pt + naproxen", "pt x 6 wks")."""
    before = _THERAPY_BEFORE_PT.search(view.text, max(0, target.start - 40), target.start)
    after = view.text[target.end : target.end + 24]
    if target.text == "PT":
        return bool(before) or not _PATIENT_VERB_AFTER.match(after)
    return bool(before or _THERAPY_AFTER_PT.match(after))


# Sections where "CT" is today's guidance or a plan, not a study on file.
_NOT_A_CT_STUDY = frozenset(
    {"plan", "procedure", "technique", "findings", "medications", "anesthesia", "post_procedure"}
)


def imaging(view: NoteView) -> ImagingCorrelation:
    for target in view.targets_of("IMAGING"):
        if target.negated or target.hypothetical or target.family:
            continue
        if target.section in ("plan", "allergies", "home_medications", "consent"):
            continue  # "ALLERGIES: contrast (anaphylaxis during a CT scan)" is not a study
        if view.in_unchecked_option(target.start):
            continue  # "[ ] Imaging (MRI/CT) reviewed & concordant": a criterion not ticked
        label = _LABEL_REST.match(view.text, target.end)
        if label and _blank_after(view, label.end()):
            continue  # "MRI lumbar spine: ***": an unfilled template field
        rest = view.text[target.end : view.line_at(target.start)[1]]
        if rest.strip() and cue("blank").fullmatch(rest):
            continue  # "Imaging: MRI ***"
        s, e = view.sentence_at(target.start)
        window = view.text[s : min(len(view.text), e + 200)]
        if view.section_at(target.start) != "imaging" and not cue("imaging_finding").search(window):
            continue
        level = next((m.levels[0] for m in view.levels if s <= m.start < e + 200), None)
        return ImagingCorrelation(
            documented=True,
            modality=target.value,
            level=level,
            evidence=[
                view.target_evidence(target, "imaging"),
                view.evidence(s, e, "imaging.sentence"),
            ],
        )
    for match in cue("ct_report").finditer(view.text):
        # "CT from August shows a lesion encroaching on the T7-T8 foramen": bare "CT" is also
        # today's guidance, so it is a study only when a report of pathology follows it.
        s, e = view.sentence_at(match.start())
        if view.section_at(match.start()) in _NOT_A_CT_STUDY or not cue("imaging_pathology").search(
            view.text, match.end(), e
        ):
            continue
        level = next((m.levels[0] for m in view.levels if s <= m.start < e), None)
        return ImagingCorrelation(
            documented=True,
            modality="CT",
            level=level,
            evidence=[view.evidence(s, e, "imaging.ct_report")],
        )
    for start, end in view.section_body("imaging"):
        if end - start > 10 and cue("imaging_finding").search(view.text[start:end]):
            return ImagingCorrelation(
                documented=True,
                modality=None,
                evidence=[view.evidence(start, end, "imaging.section")],
            )
    return ImagingCorrelation()


def post_procedure(view: NoteView, has_post_score: bool) -> PostProcedure:
    evidence = []
    for match in cue("post_documented").finditer(view.text):
        if view.section_at(match.start()) in ("plan", "history", "indication", "consent"):
            continue
        label = _FIELD_LABEL_REST.match(view.text, match.end())
        if label and _blank_after(view, label.end()):
            continue  # "Post-procedure pain 0-10: ___": a template field left empty
        evidence.append(view.evidence(match.start(), match.end(), "post.status"))
        if len(evidence) >= 4:
            break  # four pieces of evidence explain the finding; no need to read further
    for start, end in view.section_body("post_procedure") + view.section_body("complications"):
        # The section's own first paragraph: "Post-procedure: ***" stays blank even when an
        # unrecognized heading ("Brief Op Note") and its text follow.
        body = view.text[start:end].strip().split("\n\n", 1)[0]
        if body and not cue("blank").fullmatch(body) and not _only_blank_fields(body):
            evidence.append(view.evidence(start, end, "post.section"))
    complications = None
    if cue("complication_none").search(view.text):
        complications = "none"
    for match in cue("complication_present").finditer(view.text):
        before = view.text[max(0, match.start() - 50) : match.start()]
        if cue("complication_negated").search(before):
            continue
        if view.section_at(match.start()) in (
            "consent",
            "plan",
            "history",
            "indication",
            "diagnosis",
            "anesthesia",
            "allergies",
            "exam",
            "imaging",
            "home_medications",
        ) or view.in_history_sentence(match.start()):
            continue  # a past vasovagal episode or a PDPH diagnosis is not today's complication
        if _RISKS_NAMED.search(view.sentence_text(match.start())):
            continue  # "R/B/A including dural puncture ...": a risk discussed, not an event
        window = _RISK_WORDS.findall(view.text, max(0, match.start() - 120), match.end() + 120)
        if len({word.lower() for word in window}) >= 3:
            continue  # "bleeding, infection, epidural hematoma, dural puncture ...": a risk list
        if view.in_unchecked_option(match.start()):
            continue  # "Complications: [X] None [ ] Vasovagal": an option not chosen
        complications = "present"
        evidence.append(view.evidence(match.start(), match.end(), "post.complication"))
        break
    documented = bool(evidence) or has_post_score
    return PostProcedure(documented=documented, complications=complications, evidence=evidence[:4])


# Harms a consent lists together; three of them near a complication word make it a risk list.
_RISK_WORDS = re.compile(
    r"\b(?:bleeding|infection|nerve (?:injury|damage)|paralysis|headache|allergic reaction|"
    r"hematoma|dural puncture|abscess|meningitis|steroid (?:side )?effects?)\b",
    re.I,
)
_RISKS_NAMED = re.compile(r"\brisks?\b|\br/b(?:/a)?\b|\brba\b", re.I)


def _prior_anchors(view: NoteView, document_type: str | None) -> list:
    """Mentions that show an earlier epidural injection: explicit prior/repeat phrases, ESI
    mentions flagged historical, ESI mentions in background sections written in the past
    ("had two L4-5 ESIs in 2023"), "repeat"/"second" before today's ESI, and any ESI a
    supporting document (H&P, progress note) describes as done."""
    anchors = []
    for target in view.targets_of("PRIOR_INJ"):
        if target.hypothetical or target.negated or view.in_unchecked_option(target.start):
            continue
        label = _FIELD_LABEL_REST.match(view.text, target.end)
        if label and _blank_marker_after(view, label.end()):
            continue  # "Prior injections / % relief / duration: ***": a field left empty
        sentence = view.sentence_text(target.start)
        if target.section == "plan" or cue("future_cue").search(sentence):
            continue  # "a repeat injection will be considered": a plan, not a past injection
        if cue("other_procedure").search(sentence) and not cue("epidural_word").search(sentence):
            continue  # "prior injections" of facets or an RFA are not prior epidurals
        anchors.append(target)
    esi_words = [
        t for t in view.targets_of("PROC_TYPE") if t.value == "epidural_steroid_injection"
    ] + view.targets_of("APPROACH")
    supporting = document_type not in (None, "procedure", "supporting")
    for target in esi_words:
        if target.negated or target.hypothetical or target.family:
            continue
        if view.in_unchecked_option(target.start):
            continue  # "[ ] Prior ESI response >= 50%: N/A"
        if target.literal in ("epidural", "epidural space", "epidural steroid") and not (
            target.literal == "epidural" and _epidural_as_injection(view, target)
        ):
            continue  # "epidural fibrosis", "epidural space": not an injection by themselves
        if _ANATOMY_AFTER.match(view.text, target.end):
            continue  # "just past the ventral interlaminar line": anatomy, not an injection
        sentence = view.sentence_text(target.start)
        if _GENERIC_INSTRUCTION.search(sentence):
            continue  # "If you had a lumbar or caudal injection, you may notice numbness"
        if _names_todays_procedure(view, target, sentence):
            continue
        line_start = view.line_at(target.start)[0]
        first_line = line_start <= len(view.text) - len(view.text.lstrip())
        if (
            target.historical
            or view.in_earlier_note(target.start)
            or (not first_line and _DATED_LOG_LINE.match(view.text, line_start, target.start))
        ):
            # (A note's first line is its own date of service: "12/02/25 - Caudal ESI, fluoro")
            # Flagged past, in a pasted "Previous procedure note", or an entry of a dated
            # injection log ("  #2  02/18/2025   right L3-L4 ILESI   60% x 10 wks").
            anchors.append(target)
        elif (
            supporting
            or target.section in ("history", "indication")
            or view.in_history_sentence(target.start)
        ) and cue("past_procedure_cue").search(sentence):
            anchors.append(target)  # "A right L4 TFESI in 2024 gave 60% relief"
        elif _DATED_RESULT_AFTER.match(view.text, target.end):
            anchors.append(target)  # "1st LESI 6/2025 - 60% relief x 10wk, now back"
        elif _sentence_cue(
            view, "prior_esi_sentence", view.sentence_at(target.start)[0], sentence
        ) and not re.search(r"\btoday\b", sentence, re.I):
            anchors.append(target)  # "Had cervical ESI 2019 ..., did well" in a headerless note
        else:
            line_s, _ = view.line_at(target.start)
            before = view.text[max(line_s, target.start - 45) : target.start]
            repeat = cue("repeat_cue").search(before)
            if (
                repeat
                and not cue("future_cue").search(before)
                and not cue("repeat_of_something_else").search(before, repeat.start())
            ):
                anchors.append(target)  # "repeat L5 TFESI", not "a second Tuohy needle right"
    anchors.sort(key=lambda t: t.start)
    return anchors


# "had a cervical epidural at C6-C7", "two lumbar epidurals": the word as a noun, an injection.
_EPIDURAL_AS_INJECTION = re.compile(
    r"\b(?:an?|her|his|prior|previous|last|first|second|one|two|three)\s+"
    r"(?:(?:cervical|thoracic|lumbar|caudal|interlaminar|left|right|bilateral|"
    r"[lct]\d{1,2}-\d{1,2}|[lct]\d{1,2}-[lcts]\d)\s+){0,3}epidurals?\b"
    r"(?!\s+(?:fibrosis|space|steroid|spread|fat|abscess|hematoma|lipomatosis|catheter|needle|"
    r"scar|veins?|flow|pattern|contrast|blood|patch|anesthesia|analgesia|labor))",
    re.I,
)


# Discharge instructions addressed to any patient: "If you had an epidural steroid injection,
# ...", "Patients who received a nerve block may ...".
_GENERIC_INSTRUCTION = re.compile(
    r"\b(?:if|when|after)\s+you\b|\bif\s+(?:the\s+)?patients?\b|\bpatients\s+who\b", re.I
)
# An injection named with its date and its result: "LESI 6/2025 - 60% relief", "TFESI
# (03/14/24): 70% x 3 mo".
_DATED_RESULT_AFTER = re.compile(
    r"[^\n.;]{0,25}?\b\d{1,2}/(?:\d{1,2}/)?\d{2,4}\b\)?[ \t]*[-:,=>\u2013]*[ \t]*"
    r"(?:~|approx\.?\s*|about\s+)?\d{1,3}\s*%"
)


# A log line that starts with a past date: "- 04/17/2025 caudal ESI: 60% relief".
_DATED_LOG_LINE = re.compile(
    r"[ \t]*(?:[-*\u2022]|#?\d{1,2}[.)]?)?[ \t]*\d{1,2}/(?:\d{1,2}/)?\d{2,4}\b[^\n]{0,40}$"
)
_REQUESTED_BEFORE = re.compile(
    r"\b(?:asked for|ask(?:s|ing)? about|requests?(?:ed)?|wants?|wanted|interested in|"
    r"considering|discussed|recommend(?:ed)?|offered|schedule[d]?)\s*$",
    re.I,
)


def _epidural_as_injection(view: NoteView, target: Target) -> bool:
    """A bare "epidural" that names an injection received ("had a cervical epidural at C6-C7"),
    not one asked for ("He asked for an epidural")."""
    found = _EPIDURAL_AS_INJECTION.search(
        view.text, max(0, target.start - 30), min(len(view.text), target.end + 25)
    )
    return found is not None and not _REQUESTED_BEFORE.search(
        view.text, max(0, found.start() - 30), found.start()
    )


# "05/01/2025", "09/2024" (month and year; the day is then the first).
_LOG_DATE = re.compile(r"\b(\d{1,2})/(?:(\d{1,2})/)?(\d{2,4})\b")


def _date_key(found: re.Match) -> tuple[int, int, int]:
    month, day, year = found.group(1), found.group(2) or "1", found.group(3)
    year_number = int(year)
    return (year_number + 2000 if year_number < 100 else year_number, int(month), int(day))


def _latest_dated_relief(window: str) -> re.Match | None:
    """In a log of earlier injections with one response per dated line ("03/18/2025 - 40%
    relief x 6 weeks" / "06/24/2025 - 20% relief x ~2 weeks"), the latest line's response."""
    dated = []
    for found in cue("relief_percent").finditer(window):
        line_start = window.rfind("\n", 0, found.start()) + 1
        date = _LOG_DATE.search(window, line_start, found.start())
        if date:
            dated.append((_date_key(date), found))
    if len(dated) < 2:
        return None
    return max(dated, key=lambda item: item[0])[1]


def _most_recent_first(view: NoteView, anchors: list) -> list:
    """Anchors dated in their log line or sentence, the latest date first (the response the
    payer asks for is the last injection's); undated anchors keep their order after them."""
    dated = []
    for anchor in anchors:
        # The date of the anchor's own log line or sentence ("The second was on 05/01/2025").
        start = max(view.line_at(anchor.start)[0], view.sentence_at(anchor.start)[0])
        found = _LOG_DATE.search(view.text, start, view.sentence_at(anchor.start)[1])
        if found:
            dated.append((_date_key(found), anchor))
    if len(dated) < 2:
        return anchors
    ordered = [a for _, a in sorted(dated, key=lambda item: item[0], reverse=True)]
    return ordered + [a for a in anchors if a not in ordered]


def _sentence_cue(view: NoteView, name: str, sentence_start: int, sentence: str) -> bool:
    """Whether cue `name` matches the sentence starting at `sentence_start` (memoized per
    note: the ESI words of one sentence ask the same questions)."""
    memo = view.__dict__.setdefault("_sentence_cues", {})
    key = (name, sentence_start)
    found = memo.get(key)
    if found is None:
        found = memo[key] = bool(cue(name).search(sentence))
    return found


_ANATOMY_AFTER = re.compile(r"\s+(?:line|lines|window|space|spaces|foramen|foramina)\b", re.I)
# "Here for caudal ESI", "presents today for a repeat L5-S1 ILESI": the visit's procedure.
_HERE_FOR = re.compile(
    r"\b(?:here|presents?|returns?|comes? in|scheduled)\s+(?:today\s+)?for\s+(?:an?\s+|the\s+|"
    r"(?:repeat|planned|scheduled)\s+)?[^.;\n]{0,25}$",
    re.I,
)


def _names_todays_procedure(view: NoteView, target: Target, sentence: str) -> bool:
    """A past-sounding ESI mention that is about today's procedure, not an earlier one.

    Three forms: a plan's "scheduled for <date>"; an approach chosen for today ("because of
    the prior laminectomy a caudal approach was chosen", "a transforaminal approach was
    performed instead"); and an impression written after the hands-on work that sums it up
    ("IMPRESSION: ... status post right L4-5 interlaminar ESI"). A sentence that dates the
    injection or states its response still speaks of an earlier one."""
    if target.section == "plan":
        return not re.search(r"\b(?:relief|benefit|improvement|helped)\b", sentence, re.I)
    start, _ = view.sentence_at(target.start)
    here_for = _HERE_FOR.search(view.text, max(start, target.start - 60), target.start)
    if here_for and not cue("repeat_cue").search(here_for.group(0)):
        return True  # "Here for caudal ESI" ("returns for her second ESI" still says repeat)
    if _sentence_cue(view, "past_event_marker", start, sentence):
        return False
    if _sentence_cue(view, "approach_choice", start, sentence):
        return True
    if target.section == "diagnosis" and cue("today_summary").search(sentence):
        work = view.work_span()
        return work is not None and target.start > work[1]
    return False


def prior_injection(view: NoteView, document_type: str | None = None) -> PriorInjection:
    anchors = _prior_anchors(view, document_type)
    if not anchors:
        return PriorInjection()
    evidence = [view.target_evidence(anchors[0], "prior_injection")]
    relief = duration = None
    documented = False
    for anchor in _most_recent_first(view, anchors):
        s, e = view.sentence_at(anchor.start)
        # The response is usually in the same or a following sentence of the paragraph.
        paragraph_end = view.text.find("\n\n", e)
        paragraph_end = len(view.text) if paragraph_end < 0 else paragraph_end
        window = view.text[s : min(paragraph_end, e + 600)]
        match = _latest_dated_relief(window) or cue("relief_percent").search(window)
        if match and relief is None:
            raw = next(g for g in match.groups() if g is not None)
            relief = 50.0 if raw.lower() == "half" else float(
                WORD_NUMBERS.get(
                    " ".join(raw.lower().replace("-", " ").split()),
                    WORD_NUMBERS.get(raw.lower(), raw),
                )
            )
            documented = True
            evidence.append(
                view.evidence(s + match.start(), s + match.end(), "prior.relief_percent")
            )
        elif relief is None and not documented:
            # The response nearest the injection: "helped a lot until March. ... Medrol
            # Dosepak, no lasting benefit" is a good response to the injection.
            nr = cue("no_relief").search(window)
            qualitative = cue("relief_qualitative").search(window)
            if nr and (qualitative is None or nr.start() < qualitative.start()):
                relief = 0.0
                documented = True
                evidence.append(view.evidence(s + nr.start(), s + nr.end(), "prior.no_relief"))
            elif qualitative:
                documented = True  # "gave good relief": a response, though not a number
                evidence.append(
                    view.evidence(s + qualitative.start(), s + qualitative.end(), "prior.relief")
                )
        if documented and duration is None:
            dur_text = window[match.start() :] if match else window
            found = _weeks(dur_text[:160])
            if found is not None and found < 200:
                duration = found
    return PriorInjection(
        is_repeat=True,
        documented=documented,
        relief_percent=relief,
        duration_weeks=duration,
        evidence=evidence,
    )


# The rolling window a session count is given for: "in the past 12 months", "this year".
_YEAR_WINDOW = (
    r"(?:(?:in|within|during|over|for)[ \t]+(?:the[ \t]+)?(?:(?:past|last|prior|previous|"
    r"preceding|rolling)[ \t]+)?(?:12|twelve)[ \t-]*(?:months?|mos?\b\.?)|(?:this|the[ \t]+current)"
    r"[ \t]+(?:calendar[ \t]+)?year|(?:in|within)[ \t]+(?:the[ \t]+)?(?:past|last)[ \t]+year)"
)
_SESSION_NOUN = (
    r"(?:(?:lumbar|cervical|thoracic|caudal|interlaminar|transforaminal|epidural|steroid|spinal|"
    r"spine|esi)[ \t]+){0,2}(?:esis?|ilesis?|tfesis?|epidurals?|injections?|sessions?)"
)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
             "seventh": 7}
_ORDINAL = r"(?:(\d{1,2})(?:st|nd|rd|th)|(first|second|third|fourth|fifth|sixth|seventh))"
# "this is the 3rd ESI in 12 months", "her fourth lumbar epidural this year": today's count.
_SESSION_ORDINAL = compile_gated(
    r"\b" + _ORDINAL + r"[ \t]+" + _SESSION_NOUN + r"\b[^.;\n]{0,30}?" + _YEAR_WINDOW, re.I
)
# "2 prior ESIs in the past 12 months", "no ESI in the prior 12 months": today's not counted.
_PRIOR_SESSIONS = compile_gated(
    r"(?<![<>=\u2264\u2265])\b(no|\d|one|two|three|four|five|six)[ \t]+"
    r"(?:(?:prior|previous|other|earlier)[ \t]+)?" + _SESSION_NOUN
    + r"[ \t]+(?:(?:have[ \t]+been|were)[ \t]+)?(?:(?:done|given|performed)[ \t]+)?"
    + _YEAR_WINDOW,
    re.I,
)
# "...; today is the third", "(today = 3rd)", "today = #2" just after such a count.
_TODAY_ORDINAL = re.compile(
    r"\b(?:today|this[ \t]+(?:session|injection|one))[ \t]*(?:is|=)[ \t]*(?:the[ \t]+|#)?"
    r"(?:" + _ORDINAL + r"|(\d{1,2})\b)",
    re.I,
)
# A count spoken of in a plan, a condition or a limit is not the count today.
_COUNT_FOR_LATER = re.compile(
    r"\b(?:would|will(?![ \t]+be[ \t]+(?:her|his|their|the|your)\b)|if|could|plan\w*|"
    r"consider\w*|next|allow\w*|limit\w*|max\w*|up to|"
    r"no more than|at most|exceed\w*)\b",
    re.I,
)
# "a fifth injection in 12 months would need review": the count of a session not yet done.
_CONDITIONAL_AFTER = re.compile(r"\b(?:would|will|could|might)\b", re.I)
# A count compared in a criterion: "[ ] <= 4 injections in 12 months".
_COMPARED = re.compile(r"[<>\u2264\u2265]=?[ \t]*$")
# "Epidural injections in last 12 months: 2 (today = 3rd)": a field with today's ordinal.
_SESSIONS_FIELD = compile_gated(
    r"\b" + _SESSION_NOUN + r"[ \t]+" + _YEAR_WINDOW + r"[ \t]*[:=|-][ \t]*\d{1,2}\b", re.I
)


_WINDOW_ANYWHERE = compile_gated(_YEAR_WINDOW, re.I)
# "Prior ESI: none in past 12 mo", "Previous injections - 0 in the last 12 months": a field
# answering that today's is the first session of the window.
_NONE_IN_WINDOW_FIELD = compile_gated(
    r"\b(?:prior|previous|past|earlier)[ \t]+" + _SESSION_NOUN + r"[ \t]*(?::{1,2}|-|=)[ \t]*"
    r"(?:none|no|0|zero)[ \t]+" + _YEAR_WINDOW,
    re.I,
)


def stated_sessions(view: NoteView) -> tuple[int, Evidence] | None:
    """The number of ESI sessions in the last 12 months, today's included, when the note
    states it: an ordinal for today's ("3rd ESI in 12 months", "... in the past 12 months;
    today is the third") or a count of earlier ones ("2 prior ESIs in the past 12 months",
    "no ESI in the prior 12 months")."""
    text = view.text
    if _WINDOW_ANYWHERE.search(text) is None:
        return None  # every count names its window ("in the past 12 months"); most notes none
    for match in _SESSION_ORDINAL.finditer(text):
        if _counts_today(view, match.start(), match.end()):
            raw = (match.group(1) or match.group(2)).lower()
            return _session_total(view, match, int(raw) if raw.isdigit() else _ORDINALS[raw])
    for match in _PRIOR_SESSIONS.finditer(text):
        if not _counts_today(view, match.start(), match.end()):
            continue
        line_end = text.find("\n", match.end())
        after = text[match.end() : len(text) if line_end < 0 else line_end]
        today = _TODAY_ORDINAL.search(after, 0, 60)
        if today:  # "Two injections in the past 12 months; today is the third"
            raw = (today.group(1) or today.group(2) or today.group(3)).lower()
            return _session_total(view, match, int(raw) if raw.isdigit() else _ORDINALS[raw])
        raw = match.group(1).lower()
        earlier = 0 if raw == "no" else int(raw) if raw.isdigit() else int(WORD_NUMBERS[raw])
        return _session_total(view, match, earlier + 1)
    for match in _NONE_IN_WINDOW_FIELD.finditer(text):
        if _counts_today(view, match.start(), match.end()):
            return _session_total(view, match, 1)
    for match in _SESSIONS_FIELD.finditer(text):
        today = _TODAY_ORDINAL.search(text, match.end(), match.end() + 30)
        if today and _counts_today(view, match.start(), match.end()):
            raw = (today.group(1) or today.group(2) or today.group(3)).lower()
            return _session_total(view, match, int(raw) if raw.isdigit() else _ORDINALS[raw])
    return None


def _counts_today(view: NoteView, start: int, end: int) -> bool:
    """Whether a count at [start, end) speaks of today's session, not a plan, a condition
    or a payer limit ("a fifth injection in 12 months would need review", "[ ] <= 4"). A plan
    section may state it ("Plan: f/u 6 weeks. Third session this year")."""
    if _COMPARED.search(view.text, max(0, start - 4), start):
        return False
    clause_start, clause_end = view.clause_at(start)
    return (
        _COUNT_FOR_LATER.search(view.text, clause_start, end) is None
        and _CONDITIONAL_AFTER.search(view.text, end, max(end, clause_end)) is None
    )


def _session_total(view: NoteView, match: re.Match, total: int) -> tuple[int, Evidence] | None:
    if not 1 <= total <= 24:
        return None
    return total, view.evidence(match.start(), match.end(), "prior.sessions_12_months")

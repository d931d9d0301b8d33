"""Procedure facts: what was done today (type, region, approach, levels, side, guidance,
contrast, catheter, neurolytic), read from the title and description, never from history,
imaging reports, plans or allergy lists. Where title and body disagree, the body wins."""

from __future__ import annotations

import re
from collections import Counter

from nlp.facts.view import NoteView, Target, cue, nth_line_end
from nlp.levels import LevelMention
from nlp.models import Contrast, Evidence, Medication, Procedure
from nlp.regex_guard import compile_guarded
from nlp.regex_prefilter import compile_gated

NON_ESI_TYPES = (
    "other",
    "blood_patch",
    "adhesiolysis",
    "facet",
    "medial_branch",
    "sympathetic",
    "si_joint",
    "trigger_point",
)
_BODY_SECTIONS = frozenset({"technique", "findings", "medications", "anesthesia"})
_TITLE_SECTIONS = frozenset({"procedure"})
# CPT codes of the family and its neighbours, not inside a longer number or a decimal:
# 6232[0-7], 6447[9], 6448[0-4], 62273, 6226[34], 6449[0-5], 6463[3-6], 6228[0-2], 27096,
# 2055[23], 64520, 64510, 64517, 64530, 72275, 77003, 77012, 64999, 6365[0-5], 62350, 62362,
# 6236[7-9], 62370, 62290, 72295, 64405, 64450. Written with the first digit first and the
# look-behinds after it so `re` skips straight to digits (tests/test_facts_procedure.py
# compares it with the leading "(?<!\d)(?<!\d\.)(6232[0-7]|...)" form).
_KNOWN_CODES = re.compile(
    r"(\d(?<!\d\d)(?<!\d\.\d)"
    r"(?:(?<=6)(?:232[0-7]|4479|448[0-4]|2273|226[34]|449[0-5]|463[3-6]|228[0-2]|4520|4510"
    r"|4517|4530|4999|365[0-5]|2350|2362|236[7-9]|2370|2290|4405|4450)"
    r"|(?<=2)(?:7096|055[23])|(?<=7)(?:2275|7003|7012|2295)))(?!\d|\.\d)"
)
_CATHETER_OUT = compile_guarded(
    r"\bcatheter\b[^.\n]{0,40}\b(?:removed|withdrawn|pulled)\b|\bno catheter (?:was )?left\b|"
    r"\b(?:removed|withdrew|withdrawn)\b[^.\n]{0,30}\bcatheter\b",
    re.I,
)
_PLANNING_IMAGE = re.compile(
    r"\b(?:planning|scout|localizer|localizing)\s+(?:ct\s+)?(?:scan|images?|views?)\b|\bscan of\b",
    re.I,
)
_BLANK_VALUE = re.compile(r"[ \t]*:{1,2}[ \t]*(?:_{2,}|\*{2,}|\[\s*\])")
_CONTRAST_SPREAD = re.compile(
    r"\b(?:spread\w*|flow\w*|outlin\w*|extend\w*|extension|cephalad|caudad|epidurogram|"
    r"filling defects?|fill(?:ed|ing) (?:of|along|around|up to|to)|opacif\w*)\b",
    re.I,
)
# What contrast showed at a level: "left L5 and S1 root outlines", "S1 filling defect".
_SPREAD_AFTER_LEVEL = re.compile(
    r"[^.;\n]{0,25}?\b(?:outlin\w*|filling defects?|root sleeves?|opacif\w*)\b", re.I
)
# "no imaging available/on file": about diagnostic studies, not how the needle was guided.
_IMAGING_ON_FILE = re.compile(
    r"[\s:-]*(?:is\s+|was\s+|were\s+)?(?:available|on file|for review|to review|studies|"
    r"reports?|reviewed|of the|since|prior|done|obtained|to date|yet|has been|have been)\b",
    re.I,
)
_NEEDLE_WORK = re.compile(r"\b(?:inject\w*|needle|tuohy|advanced|entered|placed)\b", re.I)
_COUNTING_FROM = re.compile(
    r"\b(?:count(?:ed|ing)?\b[^.;\n]{0,25}|(?:above|below|adjacent to|cephalad to|caudal to)"
    r"\s+(?:the\s+)?)$",
    re.I,
)
_SIDE_OF_PROCEDURE = re.compile(r"\b(?:on|from|to) the\s+$", re.I)
_INTERSPACE = re.compile(
    r"\b(?:interspace|interlaminar|spinous process|ligamentum flavum|midline|paramedian)\b|"
    r"\b[CTL]\d{1,2}\s*[-/]\s*[CTLS]?\d{1,2}\b",
    re.I,
)
_OTHER_ROUTE = re.compile(r"\b(?:caudal|hiatus|sacrococcygeal|foram\w*|transforaminal)\b", re.I)
_SPACE_WORDS = frozenset({"epidural", "epidural space"})
_SURGERY_BEFORE = re.compile(
    r"\b(?:fusion|fused|hardware|instrumentation|laminectomy|laminotomy|discectomy|"
    r"decompression|arthrodesis|tlif|plif|alif|acdf|s/p)\b[^.;\n]{0,20}$",
    re.I,
)
_NOTHING_INJECTED = (
    r"(?:nothing|no (?:medication|medicine|drug|injectate|steroid)s?)\s+(?:(?:was|were)\s+)?"
    r"(?:injected|given|delivered|placed)"
)
_NOT_INJECTED_BEFORE = re.compile(
    rf"\b(?:{_NOTHING_INJECTED}|(?:initial|first|failed|unsuccessful|aborted)\s+"
    r"(?:attempt|pass)(?:\s+was)?(?:\s+made)?)\s+(?:at|into|in)\s+(?:the\s+)?$",
    re.I,
)
# "dural puncture at L4-L5. No medication injected at this level": the level named before.
_NOT_INJECTED_HERE = re.compile(
    rf"\b{_NOTHING_INJECTED}\s+(?:at|into|in)\s+(?:this|that)\s+(?:level|space|interspace)",
    re.I,
)
# Words one of which every "nothing was injected at L4-5" or "initial attempt at" holds.
_NOTHING_INJECTED_WORDS = ("nothing", "no medic", "no drug", "no inject", "no steroid", "attempt",
                           " pass")
# How far before "... at this level" the level it points back to may be named.
_THIS_LEVEL_REACH = 400
_NOT_BEFORE = re.compile(r"\bnot\s+(?:at\s+)?(?:the\s+)?$", re.I)
_TITLE_LABEL = re.compile(r"[ \t]*(?:procedure(?:\s+performed)?|operation|title)\s*[.:]", re.I)
_REGION_BY_LETTER = {"C": "cervical", "T": "thoracic", "L": "lumbar", "S": "lumbar"}


def _today(view: NoteView, targets: list[Target]) -> list[Target]:
    """Asserted targets in sections that describe today's procedure, outside template options
    left unticked."""
    return [
        t
        for t in targets
        if t.asserted
        and t.section not in _background(view)
        and not view.in_unchecked_option(t.start)
    ]


def _background(view: NoteView) -> frozenset[str]:
    from nlp.facts.view import BACKGROUND_SECTIONS

    return BACKGROUND_SECTIONS


def _title_zone(view: NoteView, target: Target) -> bool:
    """The procedure title: a PROCEDURE section or the first two lines of the note."""
    if target.section in _TITLE_SECTIONS:
        # Only the first line of a PROCEDURE section is its title; a long section after an
        # inline "Procedure Note -" header can hold the history too.
        start = view.section_start(target.start)
        before = view.text[start : target.start].strip("\n")
        if "\n" in before:
            return False
        # A narrative written on the header's line ("Procedure: The office C-arm was out of
        # service today ... performed WITHOUT fluoroscopy") has a title only in its first
        # sentence.
        return view.line_at(start)[1] - start <= _TITLE_LINE_LENGTH or not _SENTENCE_BREAK.search(
            before
        )
    first_lines_end = nth_line_end(view.text, 2)
    if target.start < first_lines_end and target.section is None:
        return True
    return target.section is None and _standalone_title_line(view, target.start)


# A dictated note's title stands alone on one of its first lines, under the letterhead:
# "Right sacroiliac joint injection under fluoroscopy."
_TITLE_LINES = 8
_TITLE_LENGTH = 100
# A PROCEDURE line longer than this is a narrative, not a title.
_TITLE_LINE_LENGTH = 160
_SENTENCE_BREAK = re.compile(r"[.;]\s")


def _standalone_title_line(view: NoteView, char: int) -> bool:
    """The character is on a short line of its own, among the note's first lines, with blank
    lines (or the note's edges) around it."""
    if char >= nth_line_end(view.text, _TITLE_LINES):
        return False
    start, end = view.line_at(char)
    text = view.text
    if end - start > _TITLE_LENGTH or ":" in text[start:char]:
        return False  # a long line is prose; "Dx: ..." is a field
    before_blank = start == 0 or text[max(0, start - 2) : start] == "\n\n"
    after_blank = end >= len(text) or text[end : end + 2] == "\n\n"
    return before_blank and after_blank


def _inferred_epidural_steroid(
    view: NoteView, medications: list[Medication]
) -> tuple[str | None, list[Evidence]]:
    """A terse note may never name the procedure: an epidural space entered today (Tuohy,
    loss of resistance) and a steroid given into it make it an epidural steroid injection."""
    if not any(m.role == "steroid" and m.route == "epidural" for m in medications):
        return None, []
    for match in cue("epidural_entry").finditer(view.text):
        if view.is_today(match.start()) and not view.in_history_sentence(match.start()):
            return "epidural_steroid_injection", [
                view.evidence(match.start(), match.end(), "proc_type.inferred_epidural_entry")
            ]
    return None, []


# A note that says outright nothing was done today ("no procedure was performed today",
# "No injection today.", "nothing was injected at this visit").
_NOTHING_DONE_TODAY = compile_gated(
    r"\b(?:no|nothing)[ \t]+(?:(?:procedure|injection|intervention)s?[ \t]+)?"
    r"(?:(?:was|were)[ \t]+)?(?:performed|done|given|injected|carried[ \t]+out)?[ \t]*"
    r"(?:today|at[ \t]+(?:this|today's)[ \t]+visit)\b",
    re.I,
)


def procedure_type(
    view: NoteView, medications: list[Medication]
) -> tuple[str | None, list[Evidence]]:
    """Decide the kind of procedure; non-ESI procedures (blood patch, facet, ...) never count
    as an epidural steroid injection even though their notes say 'epidural'."""
    nothing_today = _NOTHING_DONE_TODAY.search(view.text)
    if nothing_today and not view.in_pasted_note(nothing_today.start()):
        # "no procedure was performed today": a follow-up letter that retells the last ESI
        return "other", [
            view.evidence(nothing_today.start(), nothing_today.end(), "proc_type.not_performed")
        ]
    mentions = [
        t
        for t in _today(view, view.targets_of("PROC_TYPE"))
        if not view.in_history_sentence(t.start)
    ]
    if not mentions:
        # An approach term alone ("ILESI", "TFESI", "caudal") names an epidural injection.
        approach_only = [
            t
            for t in _today(view, view.targets_of("APPROACH"))
            if not view.in_history_sentence(t.start)
        ]
        if approach_only:
            evidence = [view.target_evidence(approach_only[0], "proc_type")]
            return _unless_stopped(view, medications, evidence)
        return _inferred_epidural_steroid(view, medications)
    for decisive in ("blood_patch", "adhesiolysis"):
        hits = [t for t in mentions if t.value == decisive]
        if hits:
            return decisive, [view.target_evidence(hits[0], "proc_type")]
    title = [t for t in mentions if _title_zone(view, t)]
    if any(t.value in NON_ESI_TYPES for t in mentions) and _esi_called_off(view):
        # "The planned L5-S1 epidural was not performed ... SI joint injection instead": the
        # scheduled ESI title stays on the note, the other procedure is what was done.
        title = [t for t in title if t.value in NON_ESI_TYPES]
        mentions = [t for t in mentions if t.value != "epidural_steroid_injection"]
        if not title:
            others = [t for t in mentions if t.value in NON_ESI_TYPES]
            return others[0].value, [view.target_evidence(others[0], "proc_type.instead")]
    pool = title or mentions
    # "epidural space" alone names where a needle went (an SCS lead, a blood patch), not an
    # epidural steroid injection: it decides only when nothing more specific is named.
    esi = [
        t
        for t in pool
        if t.value == "epidural_steroid_injection" and t.literal not in _SPACE_WORDS
    ]
    others = [t for t in pool if t.value in NON_ESI_TYPES]
    approach_today = _today(view, view.targets_of("APPROACH"))
    if not others and not esi and not approach_today:
        others = _stated_other_procedure(view)
        pool = pool + others
    if not esi and not others:
        esi = [t for t in pool if t.value == "epidural_steroid_injection"]
    if others and not esi and not (title == [] and approach_today):
        counts = Counter(t.value for t in others)
        kind = counts.most_common(1)[0][0]
        first = next(t for t in others if t.value == kind)
        return kind, [view.target_evidence(first, "proc_type")]
    if not esi and not approach_today:
        epidurogram = [t for t in mentions if t.value == "epidurogram"]
        if epidurogram:
            return "epidurogram", [view.target_evidence(epidurogram[0], "proc_type")]
        return None, []
    body_others = [t for t in mentions if t.value in NON_ESI_TYPES and t.section in _BODY_SECTIONS]
    if body_others and not _body_speaks_of_epidural(view):
        # A copied-forward ESI title over a technique that injected facet joints: the body
        # says what was done.
        return body_others[0].value, [view.target_evidence(body_others[0], "proc_type.body")]
    evidence = [view.target_evidence((esi or approach_today)[0], "proc_type")]
    drugs = [m for m in medications if m.route == "epidural" and m.role not in ("contrast",)]
    if not drugs and any(t.value == "epidurogram" for t in mentions):
        return "epidurogram", evidence
    return _unless_stopped(view, medications, evidence)


def _unless_stopped(
    view: NoteView, medications: list[Medication], evidence: list[Evidence]
) -> tuple[str, list[Evidence]]:
    """An epidural steroid injection, unless the note says it was stopped before any drug
    reached the epidural space ("the injection was aborted. No steroid was injected"): then
    an epidurogram when contrast was given, otherwise another procedure."""
    drugs = [m for m in medications if m.route == "epidural" and m.role not in ("contrast",)]
    if not drugs:
        stopped = _stopped_before_injecting(view)
        if stopped is not None:
            contrast_given = any(
                m.role == "contrast" and m.route == "epidural" for m in medications
            )
            return ("epidurogram" if contrast_given else "other"), [stopped]
        given = [
            m
            for m in medications
            if m.route in ("epidural", "skin") and m.name != "iodinated contrast"
        ]  # unnamed "contrast" is a word in a field, not a drug given
        if not given and not _performed_today(view):
            # A consult, H&P, follow-up or scheduling note under an ESI title: no drug, no
            # needle, no guidance today.
            return "other", [evidence[0].model_copy(update={"rule": "proc_type.not_performed"})]
    return "epidural_steroid_injection", evidence


def _performed_today(view: NoteView) -> bool:
    """Whether the note shows a procedure done today: hands-on work ("Tuohy", "loss of
    resistance", "prepped and draped"), imaging guidance used in today's sections, a
    technique section, or the procedure named under a "Procedure:" header. A consult, an H&P
    or a follow-up opened under the template's ESI title has none of these."""
    if view.work_span() is not None or _technique_written(view):
        return True
    if any(
        not t.negated and not t.hypothetical and view.is_today(t.start)
        for t in view.targets_of("GUIDANCE")
        if t.value in ("fluoroscopy", "ct", "ultrasound")
    ):
        return True
    return any(
        not t.negated
        and not t.hypothetical
        and t.section == "procedure"
        and (not _title_zone(view, t) or _ENTRY_WORDS.search(t.literal))
        for label in ("PROC_TYPE", "APPROACH")
        for t in view.targets_of(label)
    )


# Template fields left empty ("Level: ____   Side: ____", "Contrast: ***") and bare headers
# ("PROCEDURE DETAILS (...):").
_FIELD_LINE = re.compile(
    r"[^:\n]{0,40}:[ \t]*(?:_{2,}|\*{2,}|\[\s*\])|^[^:\n]{0,80}:[ \t]*$|_{2,}|\*{3}", re.M
)


def _technique_written(view: NoteView) -> bool:
    """A technique section with something written in it, not only its empty fields."""
    for start, end in view.section_body("technique"):
        words = re.findall(r"[A-Za-z]{2,}", _FIELD_LINE.sub("", view.text[start:end]))
        if len(words) >= 3:
            return True
    return False


# An approach named by how the needle went in ("right paramedian approach"): a technique.
_ENTRY_WORDS = re.compile(r"\b(?:paramedian|approach|midline)\b")


_EPIDURAL_WORK = re.compile(
    r"\b(?:epidural|foram\w*|tuohy|loss of resist[ae]nce|lor|interlaminar|caudal|hiatus|"
    r"esi|snrb|nerve root)\b",
    re.I,
)


def _body_speaks_of_epidural(view: NoteView) -> bool:
    """The technique sections name the epidural space or a route into it."""
    for category in _BODY_SECTIONS:
        for start, end in view.section_body(category):
            if _EPIDURAL_WORK.search(view.text, start, end):
                return True
    return False


def _stopped_before_injecting(view: NoteView) -> Evidence | None:
    """Evidence that today's procedure was stopped before any drug was injected ("aborted",
    "procedure terminated", "nothing was injected into the epidural space")."""
    for match in cue("procedure_stopped").finditer(view.text):
        if view.is_today(match.start()) and not view.in_history_sentence(match.start()):
            return view.evidence(match.start(), match.end(), "proc_type.stopped")
    return None


_CALLED_OFF = re.compile(
    r"\b(?:(?:was|were)\s+not\s+(?:performed|done|undertaken|carried out)|(?:was|were)\s+"
    r"(?:cancel+ed|abandoned|not pursued)|instead of|(?:was|were)\s+(?:performed|done))\b",
    re.I,
)
_INSTEAD_OF_BEFORE = re.compile(r"\b(?:instead of|rather than|in place of)\s+(?:the\s+)?$", re.I)


def _esi_called_off(view: NoteView) -> bool:
    """Whether the note says the epidural injection was not done today ("the planned L5-S1
    epidural was not performed", "No epidural injection was performed today", "facet
    injections instead of the epidural injection")."""
    for target in view.targets_of("PROC_TYPE"):
        if target.value != "epidural_steroid_injection" or view.in_history_sentence(
            target.start
        ):
            continue
        if _INSTEAD_OF_BEFORE.search(view.text, max(0, target.start - 30), target.start):
            return True
        if (target.negated or target.hypothetical) and _CALLED_OFF.search(
            view.sentence_text(target.start)
        ):
            return True
    return False


def _stated_other_procedure(view: NoteView) -> list[Target]:
    """A non-epidural procedure named as the reason for the visit ("Reason for visit: right
    lumbar facet denervation - radiofrequency ablation ..."), not as history."""
    return [
        t
        for t in view.targets_of("PROC_TYPE")
        if t.value in NON_ESI_TYPES
        and t.section == "indication"
        and t.asserted
        and not view.in_history_sentence(t.start)
        and not view.in_unchecked_option(t.start)
    ]


def _imaging_direction(view: NoteView, target: Target) -> bool:
    """'caudal tilt', 'cephalocaudal angulation': a C-arm direction, not the caudal approach;
    'showed caudal epidural spread': the direction contrast flowed; 'extrusion with caudal
    migration', 'caudal endplate', 'caudal to the pedicle': anatomy, not a route; 'redirected
    slightly caudal and lateral': where the needle was moved."""
    if target.value != "caudal":
        return False
    after = view.text[target.end : target.end + 30]
    before = view.text[max(0, target.start - 24) : target.start]
    return bool(
        re.match(r"[\s-]*(?:tilt|angul|angle|direction|view|projection)", after, re.I)
        or re.match(r"[\s-]*(?:migrat|displac|sequest|extru|extend|aspect|end\s?plate|portion|"
                    r"margin|edge|half|pole|to\b)", after, re.I)
        or re.search(
            r"\b(?:migrat\w*|extend\w*|extension|displac\w*|angled|tilted|(?:re)?directed|"
            r"slightly|more|further|walked|moved|advanced)\s+$",
            before,
            re.I,
        )
        or re.match(
            r"[\s-]*(?:and|or)\s+(?:lateral|medial|cephalad|anterior|posterior)", after, re.I
        )
        or re.match(r"[\s-]*(?:and\s+cephalad\s+)?(?:epidural\s+)?(?:spread|flow|extension)\b",
                    after, re.I)
        or re.search(r"(?:cranio|cephalo|cephalad[\s-]?(?:and\s+)?)$", before, re.I)
    )


# An approach abbreviated just after the level: "L5-S1 IL", "L4-5 TF" (upper case only).
_LEVEL_THEN_APPROACH = compile_gated(
    r"\b[LCTS]\d{1,2}(?:[ \t]*-[ \t]*[LCTS]?\d{1,2})?,?[ \t]+(IL|TF)\b"
)


def approach(view: NoteView) -> tuple[str | None, list[Evidence]]:
    mentions = [
        t
        for t in _today(view, view.targets_of("APPROACH"))
        if not view.in_history_sentence(t.start) and not _imaging_direction(view, t)
    ]
    completed = [t for t in mentions if not _in_abandoned_clause(view, t.start, t.end)]
    if any(t.section in _BODY_SECTIONS for t in completed):
        mentions = completed  # an approach tried and given up before another is not the one
    chosen_instead = [
        t
        for t in view.targets_of("APPROACH")
        if t.asserted
        and t.section not in ("plan", "history")
        and not view.in_history_sentence(t.start)
        and (
            _INSTEAD_AFTER.match(view.text, t.end)
            or _CONVERTED_BEFORE.search(view.text, max(0, t.start - 60), t.start)
        )
    ]
    if chosen_instead:
        # "a targeted left L5 transforaminal approach was performed instead": the body says
        # the planned approach was changed, whatever the title names.
        return chosen_instead[0].value, [view.target_evidence(chosen_instead[0], "approach")]
    body = [t for t in mentions if t.section in _BODY_SECTIONS]
    pool = body or mentions
    entry = _interspace_entry(view) if body else None
    if pool:
        counts = Counter(t.value for t in pool if not t.negated)
        if entry is not None:
            # The needle entering an interspace is what was done, whatever the title said.
            counts["interlaminar"] += 2
        if counts:
            best = max(counts.values())
            leaders = [v for v, c in counts.items() if c == best]
            chosen = next((t for t in pool if t.value in leaders and not t.negated), None)
            if chosen is not None:
                return chosen.value, [view.target_evidence(chosen, "approach")]
            return "interlaminar", [view.evidence(entry[0], entry[1], "approach.interspace_entry")]
    for match in _LEVEL_THEN_APPROACH.finditer(view.text):
        # "LESI L5-S1 IL, R": the approach abbreviated after the level
        if view.is_today(match.start()) or view.section_at(match.start()) is None:
            value = "interlaminar" if match.group(1) == "IL" else "transforaminal"
            return value, [view.evidence(match.start(1), match.end(1), "approach.abbreviated")]
    # Needles placed in the neural foramina ("advanced to the right T8 and T9 neural
    # foramina", "subpedicular position") are a transforaminal technique.
    for match in _FORAMINAL_PLACEMENT.finditer(view.text):
        section = view.section_at(match.start())
        if section in _FORAMINAL_SECTIONS and not view.in_history_sentence(match.start()):
            return "transforaminal", [
                view.evidence(match.start(), match.end(), "approach.inferred_foraminal")
            ]
    # An epidural entered at an interspace by loss of resistance is an interlaminar technique.
    for match in cue("interspace_word").finditer(view.text):
        if view.is_today(match.start()) and not view.in_history_sentence(match.start()):
            return "interlaminar", [
                view.evidence(match.start(), match.end(), "approach.inferred_interspace")
            ]
    return None, []


def _interspace_entry(view: NoteView) -> tuple[int, int] | None:
    """Where the body says a needle entered the epidural space at an interspace by loss of
    resistance ("Tuohy advanced into the L5/S1 interspace with loss of resistance"), in a
    sentence that names no caudal or transforaminal route."""
    for match in cue("epidural_entry").finditer(view.text):
        if view.section_at(match.start()) not in _BODY_SECTIONS:
            continue
        sentence = view.sentence_text(match.start())
        if _INTERSPACE.search(sentence) and not _OTHER_ROUTE.search(sentence):
            return match.start(), match.end()
    return None


def _at_needle_entry(view: NoteView, mention: LevelMention) -> bool:
    """The level sits in a sentence that enters the epidural space (Tuohy, loss of
    resistance) or injects there."""
    sentence = view.sentence_text(mention.start)
    return bool(cue("epidural_entry").search(sentence))


def _title_zone_char(view: NoteView, char: int) -> bool:
    """The character is in the procedure title (first line of a PROCEDURE section or of the
    note)."""
    line_start, _ = view.line_at(char)
    first_line = view.text.find("\n") if "\n" in view.text else len(view.text)
    return char <= first_line or (
        view.section_at(char) == "procedure" and line_start == view.section_start(char)
    ) or bool(_TITLE_LABEL.match(view.text, line_start))


def _imaging_report(view: NoteView, char: int) -> bool:
    """The sentence reports a diagnostic study ("MRI 3/25 shows ...") and no needle work."""
    sentence = view.sentence_text(char)
    return bool(cue("imaging_sentence").search(sentence)) and not _NEEDLE_WORK.search(sentence)


# Where a needle placed in a foramen is today's technique: the body, or a narrative written
# under the procedure header ("PROCEDURE: The patient was placed prone ...").
_FORAMINAL_SECTIONS = _BODY_SECTIONS | {"procedure", None}
_FORAMINAL_PLACEMENT = compile_gated(
    r"\b(?:needles?|tips?)\b[^.;\n]{0,80}?\b(?:neural\s+)?foram(?:en|ina)\b"
    r"|\bsub-?pedicular\b|\bsafe triangle\b|\bkambin'?s? triangle\b",
    re.I,
)
_DEVICE_POSITION = re.compile(
    r"\b(?:leads?|electrodes?|paddle|array)\b[^.;\n]{0,40}\b(?:to|at|over|of)\s+(?:the\s+)?"
    r"(?:(?:top|mid|middle|bottom|superior|inferior)\s+(?:end\s+)?(?:of\s+)?(?:the\s+)?)?$",
    re.I,
)
_INSTEAD_AFTER = re.compile(
    r"(?:\s+(?:approach|injection|technique|route|esi))?[^.;\n]{0,40}?\b(?:was|were)\s+"
    r"(?:performed|done|used|chosen|selected|carried out)\s+instead\b",
    re.I,
)
# "We then converted to a right L4 transforaminal approach": the approach changed to today.
_CONVERTED_BEFORE = re.compile(
    r"\b(?:convert(?:ed|ing)|switch(?:ed|ing)|chang(?:ed|ing))\s+(?:over\s+)?to\b[^.;\n]{0,40}$",
    re.I,
)
_VIEW_DIRECTION_BEFORE = re.compile(
    r"\b(?:rotat\w*|tilt\w*|angl\w*|obliqu\w*|swung|turned|c-arm|image intensifier)\b"
    r"[^.;\n]{0,30}\b(?:to(?:ward)?s?|from)\s+(?:the\s+|patient'?s\s+)?$",
    re.I,
)
_SIDE_LABEL = re.compile(r"\b(?:side|laterality)\s*:{1,2}\s*$", re.I)
# A side field's ticked option: "Side: ( ) Left  (X) Right", "Laterality: [x] Bilateral".
_TICKED_SIDE_FIELD = re.compile(
    r"^[ \t]*(?:side|laterality)\s*:{0,2}[^\n]*(?:\[\s*[xX\u2713]\s*\]|\(\s?[xX\u2713]\s?\)"
    r"|\u2612)\s*$",
    re.I | re.M,
)
_SIDE_FIELD_VALUES = {"bilaterally": "bilateral", "bilat": "bilateral", "b/l": "bilateral"}
_ABANDONED = compile_gated(
    r"\b(?:attempted|abandoned|aborted|unsuccessful|failed attempt|initially (?:targeted|"
    r"planned|chosen|selected)|could not (?:be )?"
    r"(?:access|enter|advanc|reach|complet|pass|obtain)\w*|unable to (?:access|enter|advance|"
    r"reach|complete|pass|obtain)\w*)\b",
    re.I,
)
_ABANDONED_REACH = 150


def _mentions_abandonment(view: NoteView) -> bool:
    """Whether the note speaks of an attempt given up anywhere (read once per note)."""
    known = view.__dict__.get("_abandonment")
    if known is None:
        known = view.__dict__["_abandonment"] = bool(_ABANDONED.search(view.text))
    return known


def _in_abandoned_clause(view: NoteView, start: int, end: int) -> bool:
    """The mention names an attempt given up ("an interlaminar approach at L4-5 was attempted
    ... and abandoned", "(interlaminar L4-5 attempted, abandoned)"): the cue is in its sentence
    within reach, and no bracket or ";" separates the two."""
    if not _mentions_abandonment(view):
        return False
    s, e = view.sentence_at(start)
    for match in _ABANDONED.finditer(view.text, max(s, start - _ABANDONED_REACH),
                                     min(e, end + _ABANDONED_REACH)):
        lo, hi = (end, match.start()) if match.start() >= end else (match.end(), start)
        if not re.search(r"[();]", view.text[lo:hi]):
            return True
    return False


def _replaced_level(view: NoteView, mention: LevelMention, sentence: str) -> bool:
    """A level given up for another in the same sentence: "the L4-L5 space was severely
    narrowed, so the L5-S1 space was used instead", or "L5-S1 instead of L4-L5"."""
    if "instead" not in sentence.lower():
        return False
    if re.search(r"\binstead\s+of\s+(?:the\s+)?$", view.text[max(0, mention.start - 20) :
                                                          mention.start], re.I):
        return True
    s, e = view.sentence_at(mention.start)
    instead = re.search(r"\binstead\b(?!\s+of)", view.text[mention.end : e], re.I)
    if instead is None:
        return False
    cut = mention.end + instead.start()
    return any(mention.end <= m.start < cut for m in view.levels)


# A clause that names today's procedure: "rt l5-s1 interlaminar esi w/ fluoro".
_PROCEDURE_NAMED_IN_CLAUSE = re.compile(
    r"\b(?:\w*esi|injections?|interlaminar|transforaminal|epidurals?\s+steroid)\b", re.I
)


def _levels_left_without_drug(view: NoteView) -> set[str]:
    """Levels entered but given nothing ("dural puncture at L4-L5; nothing was injected at
    L4-5", "No medication injected at this level"): the injection went elsewhere."""
    folded = view.folded
    if not any(word in folded for word in _NOTHING_INJECTED_WORDS):
        return set()  # no "nothing/no medication ... injected" anywhere: the usual note
    found = {
        level
        for m in view.levels
        if view.is_today(m.start)
        and _NOT_INJECTED_BEFORE.search(view.text, max(0, m.start - 50), m.start)
        for level in m.levels
    }
    for match in _NOT_INJECTED_HERE.finditer(view.text):
        earlier = [
            m for m in view.levels if match.start() - _THIS_LEVEL_REACH <= m.start < match.start()
        ]
        if earlier and view.is_today(match.start()):
            found.update(earlier[-1].levels)
    return found


def _level_is_procedural(view: NoteView, mention: LevelMention) -> bool:
    if not view.is_today(mention.start) or view.unchecked(mention.start, mention.end):
        return False  # background, or "[ ] L3" in a template: a level not chosen
    sentence = view.sentence_text(mention.start)
    if view.in_history_sentence(mention.start):
        return False
    # A terse note strings the visit together with semicolons: the level's own clause names
    # the work ("...; rt l5-s1 hnp on mri 3/25; 18g tuohy rt paramedian l5-s1, lor to air").
    clause = view.clause_text(mention.start) if ";" in sentence or "|" in sentence else sentence
    own_clause = len(clause) < len(sentence)
    needle_clause = own_clause and bool(_NEEDLE_WORK.search(clause))
    if _imaging_report(view, mention.start) and not (
        needle_clause or own_clause and _PROCEDURE_NAMED_IN_CLAUSE.search(clause)
    ):
        return False
    if _COUNTING_FROM.search(view.text, max(0, mention.start - 40), mention.start):
        return False  # "identified by counting down from L4-L5": a landmark, not a target
    if _SURGERY_BEFORE.search(view.text, max(0, mention.start - 30), mention.start):
        return False  # "(fusion hardware below at L4-S1)": an old operation, not a target
    if _NOT_INJECTED_BEFORE.search(view.text, max(0, mention.start - 50), mention.start):
        return False  # "the initial attempt was at L5-S1 ... nothing was injected at L5-S1"
    if _in_abandoned_clause(view, mention.start, mention.end):
        return False  # "an interlaminar approach at L4-5 was attempted ... abandoned"
    if _HARDWARE.search(sentence) and not _NEEDLE_WORK.search(sentence):
        return False  # "pedicle screws and interbody spacers at L4-L5 were seen": old surgery
    if _FUTURE_LEVEL.search(sentence):
        return False  # "rescheduled ..., at which time an L4-L5 approach will be considered"
    if _PLANNING_IMAGE.search(sentence):
        return False  # "a planning scan of L3 through L5" images levels, it does not inject them
    clause_start = view.clause_at(mention.start)[0] if own_clause else view.sentence_at(
        mention.start
    )[0]
    sentence_start = view.sentence_at(mention.start)[0]
    if _CONTRAST_SPREAD.search(view.text, clause_start, mention.start) or (
        _CONTRAST_SPREAD.search(view.text, sentence_start, mention.start) and not needle_clause
    ) or _SPREAD_AFTER_LEVEL.match(view.text, mention.end):
        return False  # "contrast spread from T11 to L2", "left L5 and S1 root outlines"
    after = view.text[mention.end : mention.end + 60]
    if cue("pathology_after_level").search(after):
        return False
    if _REJECTED_AFTER.match(after):
        return False  # "the C6-7 space was too narrow for safe entry"
    s_start, _ = view.sentence_at(mention.start)
    before = view.text[s_start : mention.start]
    if "catheter" in sentence.lower() and cue("catheter_tip").search(before):
        return False
    tip = _CATHETER_TIP_BEFORE if "catheter" in sentence.lower() else _TIP_BEFORE
    if tip.search(before):
        return False  # "needle tip at S3" is a position, not the injected level
    if _replaced_level(view, mention, sentence):
        return False  # "L4-L5 was narrowed, so L5-S1 was used instead", "instead of L4-L5"
    if _DEVICE_POSITION.search(before):
        return False  # "leads steered to T10-T11": a stimulator lead position, not an injection
    return True


# "needle tip at S3", "(catheter) with its tip positioned at the inferior endplate of L5".
_TIP_BEFORE = re.compile(r"\btip\b[^.;]{0,25}$", re.I)
_CATHETER_TIP_BEFORE = re.compile(r"\btip\b[^.;]{0,50}$", re.I)
_REJECTED_AFTER = re.compile(
    r"\s*(?:(?:inter)?space|level|interlaminar space|window)?\s*"
    r"(?:(?:was|is)\s+(?:felt\s+to\s+be\s+)?)?"
    r"(?:(?:too\s+)?(?:narrow(?:ed)?|tight)\b|not\s+accessible|inaccessible|unsuitable|not\s+suitable|"
    r"avoided|bypassed|"
    r"not\s+(?:used|entered|accessed|attempted))",
    re.I,
)
_HARDWARE = compile_gated(
    r"\b(?:pedicle screws?|screws?\s+and\s+rods?|rods?|interbody|cages?|spacers?|hardware|"
    r"instrumentation|bone graft|arthrodesis)\b",
    re.I,
)
_FUTURE_LEVEL = compile_gated(
    r"\b(?:will|would)\s+(?:then\s+)?be\s+(?:considered|planned|scheduled|attempted|targeted|"
    r"performed|tried)\b|\breschedul\w*|\bnext (?:time|session|visit|injection)\b",
    re.I,
)
_CORRECTED_TO = re.compile(
    r"\b(?:corrected|amended|changed|revised)\s+to\s+(?:read\s+)?(?:the\s+)?$"
    r"|\bshould\s+(?:read|be|have\s+read)\s+(?:as\s+)?(?:the\s+)?$",
    re.I,
)
# A template field naming the levels: "Level(s): L4-L5", "Levels injected - L5-S1".
_LEVEL_FIELD = re.compile(r"[ \t]*(?:levels?(?:\s*\(s\))?|site|target)[\w ]{0,12}[:\-]", re.I)


def _names_the_plan(view: NoteView, mention: LevelMention) -> bool:
    """The level is in the title or a levels field: what was scheduled, which the body's
    account of the needle entry overrides when the two disagree."""
    line_start, _ = view.line_at(mention.start)
    return _title_zone_char(view, mention.start) or bool(
        _LEVEL_FIELD.match(view.text, line_start)
    )


def _says_what_was_done(view: NoteView, mention: LevelMention) -> bool:
    """The level sits in the title, a levels field, or a sentence about the procedure (not
    in the post-procedure exam: "sensory change L1-L2 on left")."""
    if _names_the_plan(view, mention):
        return True
    if view.section_at(mention.start) in ("post_procedure", "complications"):
        return False
    return bool(cue("procedure_cue").search(view.sentence_text(mention.start)))


_SACRAL_CANAL = frozenset({"S2", "S3", "S4", "S5"})


def levels(
    view: NoteView, approach_value: str | None, kind: str | None = None
) -> tuple[list[str], list[Evidence]]:
    """Today's levels. Transforaminal injections and medial branch blocks target nerves named
    by one vertebra ("L5", "L3 and L4 medial branches"), so single levels win there; other
    approaches enter an interspace ("L4-L5")."""
    chosen = [m for m in view.levels if _level_is_procedural(view, m)]
    if approach_value == "caudal":
        # "Tuohy through the sacrococcygeal ligament, advanced to S3": inside the sacral
        # canal, where the needle sits, not a level injected.
        chosen = [m for m in chosen if not set(m.levels) <= _SACRAL_CANAL]
    corrected = [m for m in chosen if _CORRECTED_TO.search(view.text, max(0, m.start - 40),
                                                           m.start)]
    if corrected:
        # An addendum: "The injection level is corrected to L4-L5" replaces what was written.
        chosen = corrected
    elif view.corrections:
        amended = [
            m
            for m in chosen
            if view.in_correction(m.start)
            and not _NOT_BEFORE.search(view.text, max(0, m.start - 12), m.start)
        ]
        # "the Tuohy entered the L3-L4 interlaminar space, not L4-L5 as dictated"
        chosen = amended or chosen
    done = [m for m in chosen if _says_what_was_done(view, m)]
    if done:
        # Where the title or the technique names levels, a level in a sentence about neither
        # ("Mild tenderness L4-S1 paraspinals", "L4-5 normal.") is an exam or imaging note.
        chosen = done
    if kind == "epidural_steroid_injection":
        # A session that also had facet or medial branch blocks: their levels are not the
        # epidural's ("(1) L4-L5 and L5-S1 medial branch blocks (2) Left L5 TFESI").
        chosen = [m for m in chosen if not _other_procedure_sentence(view, m.start)] or chosen
    replaced = {
        level
        for m in view.levels
        if view.is_today(m.start) and _replaced_level(view, m, view.sentence_text(m.start))
        for level in m.levels
    } | _levels_left_without_drug(view)
    if replaced:
        # A level given up in the body ("L4-L5 narrowed, L5-S1 used instead") is not today's
        # wherever else it is named ("Level(s): L4-L5 (scheduled)").
        chosen = [m for m in chosen if not set(m.levels) <= replaced] or chosen
    entered = [
        m for m in chosen if _at_needle_entry(view, m) and any("-" in lv for lv in m.levels)
    ]
    if entered and any(m not in entered and _names_the_plan(view, m) for m in chosen):
        # The body says where the needle went ("Tuohy ... LOR at L5-S1") and the title or a
        # "Level(s):" field named another level: what was done wins.
        chosen = entered + [m for m in chosen if not _names_the_plan(view, m)
                            and any(lv in e.levels for e in entered for lv in m.levels)]
    interspaces = [m for m in chosen if any("-" in lv for lv in m.levels)]
    singles = [m for m in chosen if not any("-" in lv for lv in m.levels)]
    if approach_value == "transforaminal" or kind == "medial_branch":
        picked = singles or interspaces
    else:
        picked = interspaces or singles
    names: list[str] = []
    evidence = []
    for mention in picked:
        for level in mention.levels:
            if level not in names:
                names.append(level)
        evidence.append(view.evidence(mention.start, mention.end, mention.rule))
    return names, evidence


def region(
    view: NoteView, level_names: list[str], approach_value: str | None, kind: str | None = None
) -> tuple[str | None, list[Evidence]]:
    if approach_value == "caudal":
        return "sacral", []
    if kind in ("si_joint",):
        return "sacral", []  # the sacroiliac joint is in the sacral region whatever levels say
    if level_names:
        letters = Counter()
        for level in level_names:
            first = level.split("-")[0]
            letters[first[0]] += 1
        if level_names == ["T12-L1"]:
            return ("thoracic" if approach_value == "transforaminal" else "lumbar"), []
        letter = letters.most_common(1)[0][0]
        return _REGION_BY_LETTER[letter], []
    words = [
        t
        for t in _today(view, view.targets_of("REGION_WORD"))
        if not view.in_history_sentence(t.start) and t.value != "sacral"
    ]
    if words:
        counts = Counter(t.value for t in words)
        value = counts.most_common(1)[0][0]
        first = next(t for t in words if t.value == value)
        return value, [view.target_evidence(first, "region")]
    return None, []


_SIDE_WORDS = {"left": "left", "right": "right"}


def _procedure_side(view: NoteView, start: int) -> bool:
    """"... injection at L4-L5 on the left": a side stated after the procedure, unless it
    places a contrast finding ("a filling defect on the left")."""
    if not _SIDE_OF_PROCEDURE.search(view.text, max(0, start - 8), start):
        return False
    if _CONTRAST_SPREAD.search(view.text, max(0, start - 40), start):
        return False
    return bool(cue("procedure_cue").search(view.sentence_text(start)))


# "L>R", "left > right": a left-predominant (or right-predominant) approach.
_PREDOMINANT_SIDE = re.compile(
    r"(?<![\w>])(L|R|left|right)\s*>\s*(?!\1)(?:R|L|right|left)\b(?!\s*(?:leg|arm|pain|symptom))",
    re.I,
)


def _other_procedure_sentence(view: NoteView, char: int) -> bool:
    """The sentence (or list item) describes a non-epidural procedure: it names a facet,
    medial branch, SI joint ... and no epidural word."""
    sentence = view.sentence_text(char)
    return bool(cue("other_procedure").search(sentence)) and not cue("epidural_word").search(
        sentence
    )


def _names_another_procedure(view: NoteView) -> bool:
    """Today's procedures include a non-epidural one (a mixed session)."""
    return any(t.value in NON_ESI_TYPES for t in _today(view, view.targets_of("PROC_TYPE")))


# A clause that speaks of a later procedure: its side is not today's.
_SIDE_FOR_LATER = re.compile(
    r"\b(?:recommend\w*|suggest(?:s|ed)?|plan(?:s|ned)?\s+(?:for|to)|candidate for|"
    r"to be (?:done|performed|scheduled|treated)|(?:will|would)\s+(?:do|repeat|treat|schedule|"
    r"proceed|consider|plan)|next (?:time|visit|session)|at a later date)\b",
    re.I,
)


# A side given up: "Left side not performed", "left aborted".
_SIDE_NOT_DONE_AFTER = re.compile(
    r"[\s-]*(?:side|sided)?\s*(?:was\s+)?(?:not\s+(?:performed|done|injected|completed|"
    r"attempted)|aborted|abandoned|deferred|cancel+ed)\b",
    re.I,
)
# The target of another procedure of the session after a side word: its side, not the ESI's.
_OTHER_TARGET = re.compile(
    r"\b(?:si|sij|sacroiliac|facets?|medial|trigger|traps?|trapezius|gluteus|gluteal|piriformis|"
    r"occipital|stellate|sympathetic|hip|bursa|rhomboids?|paraspinals?|quadratus|levator|"
    r"intercostal|joint)\b",
    re.I,
)


def laterality(view: NoteView, kind: str | None = None) -> tuple[str | None, list[Evidence]]:
    found: list[tuple[str, int, int]] = []
    for match in _PREDOMINANT_SIDE.finditer(view.text) if ">" in view.text else ():
        # "ILESI L4-5, L>R", "paramedian approach L>R": the needle went in on the worse side.
        start = match.start()
        if not view.is_today(start) or view.in_history_sentence(start):
            continue
        if not cue("procedure_cue").search(view.sentence_text(start)):
            continue
        line_start, _ = view.line_at(start)
        if _CONTRAST_SPREAD.search(view.text, max(line_start, start - 60), start):
            continue  # "epidural spread L4-S1, L>R": where the contrast went
        first = match.group(1).lower()
        found.append(("left" if first.startswith("l") else "right", start, match.end()))
    predominant = [(s, e) for _, s, e in found]
    for match in cue("laterality_word").finditer(view.text):
        start = match.start()
        if any(s <= start < e for s, e in predominant):
            continue  # the words of "right > left" are one side, not both
        if not view.is_today(start) or view.in_history_sentence(start):
            continue
        if view.in_unchecked_option(start):
            continue  # "[ ] Bilateral", "( ) Left": an option not chosen
        if _SIDE_FOR_LATER.search(view.clause_text(start)):
            continue  # "Recommend bilateral L4-5 TFESI", "Left side to be done in 2 weeks"
        if _SIDE_NOT_DONE_AFTER.match(view.text, match.end()):
            continue  # "Left side not performed - see below"
        if _VIEW_DIRECTION_BEFORE.search(view.text, max(0, start - 50), start):
            continue  # "C-arm rotated ~50 degrees to the RIGHT": where the image looks from
        if _TICKED_SIDE_FIELD.search(view.text, view.line_at(start)[0], start):
            word = match.group(0).lower().rstrip(".")
            found.append((_SIDE_FIELD_VALUES.get(word, word), start, match.end()))
            continue  # "Side: ( ) Left  (X) Right": the ticked option
        if _procedure_side(view, start):
            value = _SIDE_WORDS.get(match.group(0).lower().rstrip("."), match.group(0).lower())
            found.append((value, start, match.end()))  # "ESI at L4-L5 on the left for ..."
            continue
        after = view.text[match.end() : match.end() + 40]
        if cue("laterality_noise_after").search(after) or cue("laterality_anatomy_after").search(
            view.text[match.end() : match.end() + 60]
        ):
            continue  # "left S1 radiculopathy", "bilat L5 roots": anatomy, not the side injected
        if cue("pathology_after_level").search(after):
            continue  # "bilateral foraminal stenosis": a finding, not the side injected
        if _imaging_report(view, start):
            continue  # "MRI shows bilateral L4-5 facet arthropathy"
        if _CONTRAST_SPREAD.search(view.text, max(0, start - 40), start):
            continue  # "filling defects along the right L5 root": where contrast went
        word = (match.group(1) or match.group(2)).lower().rstrip(".")
        if word == "midline":
            line_start, _ = view.line_at(start)
            labelled = _SIDE_LABEL.search(view.text, line_start, start)  # "Side: Midline"
            if not labelled and not cue("procedure_cue").search(view.sentence_text(start)):
                continue
        elif not cue("laterality_anchor").match(after) or not after.strip():
            continue
        elif not re.match(r"^[\s-]{0,2}(?:-?sided\s+|side\s+)?\S", after):
            continue
        anchor = cue("laterality_anchor").match(after)
        if word != "midline" and (anchor is None or not anchor.group(0).strip(" ,&()-")):
            continue
        if (
            kind == "epidural_steroid_injection"
            and anchor is not None
            and _OTHER_TARGET.search(anchor.group(0))
        ):
            continue  # "BILATERAL SACROILIAC JOINT INJECTIONS", "bilateral lumbar paraspinals"
        value = {
            "lt": "left",
            "rt": "right",
            "l": "left",
            "r": "right",
            "b/l": "bilateral",
            "bilaterally": "bilateral",
            "bilat": "bilateral",
        }.get(word, word)
        found.append((value, start, match.end()))
    found.sort(key=lambda item: item[1])
    if kind == "epidural_steroid_injection":
        epidural_sides = [i for i in found if not _other_procedure_sentence(view, i[1])]
        if not epidural_sides and _names_another_procedure(view):
            return None, []  # "1) Caudal ESI 2) Left SI joint injection": the side is the SI's
        found = epidural_sides or found
    completed = [item for item in found if not _in_abandoned_clause(view, item[1], item[2])]
    found = completed or found  # the side of an attempt given up for another approach
    amended = [
        item
        for item in found
        if view.in_correction(item[1])
        and not _NOT_BEFORE.search(view.text, max(0, item[1] - 12), item[1])
    ]
    found = amended or found  # "ADDENDUM: Side correction ... performed via a RIGHT approach"
    if not found:
        return None, []
    values = {v for v, _, _ in found}
    if {"left", "right"} <= values and "bilateral" not in values:
        # "Procedure: LEFT L5-S1 ILESI" in a brief op note against a body whose needle went in
        # "with a right paramedian approach": the needle's side is what was done.
        worked = {
            v for v, s, _ in found if _NEEDLE_WORK.search(view.sentence_text(s)) and v != "midline"
        }
        if len(worked) == 1:
            found = [item for item in found if item[0] in worked]
            values = worked
    evidence = [view.evidence(s, e, "laterality.word") for _, s, e in found[:3]]
    if "bilateral" in values or {"left", "right"} <= values:
        return "bilateral", evidence
    for side in ("left", "right"):
        if side in values:
            return side, evidence
    return "midline", evidence


def _template_field(view: NoteView, target: Target) -> bool:
    """The mention is a ticked option or a "Guidance: Fluoroscopy" field of a template: what
    the form says, which the free text can overrule ("Guidance box above is the template
    default ... done WITHOUT fluoroscopy")."""
    line_start, line_end = view.line_at(target.start)
    line = view.text[line_start:line_end]
    return view.has_box(line) or bool(_GUIDANCE_LABEL.match(line))


_GUIDANCE_LABEL = re.compile(r"[ \t]*(?:guidance|imaging guidance|image guidance)\s*:", re.I)


def _guidance_field(view: NoteView, target: Target) -> bool:
    """An "Imaging: Fluoroscopy, pulsed" field of a procedure template names the guidance,
    unlike an IMAGING section that reports an MRI."""
    if target.section != "imaging":
        return False
    return not cue("imaging_sentence").search(view.sentence_text(target.start))


def _guidance_not_used_today(view: NoteView, target: Target) -> bool:
    """A modality named without being used: an unfilled field ("Fluoro time: ____ sec"), an
    alternative or declined option ("declines travel for a fluoro-guided procedure"), a
    machine that was unavailable ("C-arm down for service today"), or the modality passed
    over ("... with ultrasound rather than fluoroscopy"). The cue must sit next to the
    mention on its line: another modality in the same sentence may well have been used."""
    line_start, line_end = view.line_at(target.start)
    after = view.text[target.end : min(line_end, target.end + 30)]
    if re.match(r"[^:\n]{0,15}:\s*(?:_{2,}|\*{3}|\[\s*\]|\{blank\})", after):
        return True
    unavailable = cue("guidance_unavailable")
    before = view.text[max(line_start, target.start - 45) : target.start]
    if unavailable.search(before):
        return True
    return bool(
        _MACHINE_DOWN.match(view.text, target.end, line_end)
        or _ON_STANDBY.match(view.text, target.end, line_end)
    )


# "The C-arm was in the room on standby but was not used": available, not used.
_ON_STANDBY = re.compile(r"[^.;\n]{0,30}?\b(?:on|in)\s+standby\b", re.I)


# After the modality's name: "C-arm down for service", "fluoro unavailable", "is not available".
_MACHINE_DOWN = re.compile(
    r"[\s-]*(?:(?:machine|unit|suite)\s+)?(?:(?:at|in|on)\s+(?:the\s+|this\s+|our\s+)?"
    r"[\w-]+\s+)?(?:(?:is|was|were)\s+)?(?:currently\s+)?"
    r"(?:not available|unavailable|down\b|out (?:of|for) (?:service|order|repair|maintenance)|"
    r"broken|malfunction\w*|(?:being|under|in(?: for)?) repair|"
    r"(?:fully\s+)?booked(?:\s+(?:out|up))?)",
    re.I,
)


_DENIED_BEFORE = re.compile(
    r"\b(?:without|no|not\s+(?:using|under|with))\s+(?:the\s+)?(?:use\s+of\s+)?(?:any\s+)?$",
    re.I,
)


def _explicit_denial(view: NoteView, target: Target) -> bool:
    """"landmark technique", "without fluoroscopy": a statement that no imaging guided the
    needle, not a negation that only reaches the word ("no vascular pattern on fluoro")."""
    return target.value == "none" or bool(
        _DENIED_BEFORE.search(view.text, max(0, target.start - 30), target.start)
    )


def guidance(view: NoteView) -> tuple[str | None, list[Evidence]]:
    mentions = [
        t
        for t in view.targets_of("GUIDANCE")
        if (t.section not in _background(view) or _guidance_field(view, t))
        and not t.hypothetical
        and not t.historical
    ]
    positive = [
        t
        for t in mentions
        if not t.negated
        and t.value != "none"
        and not view.in_history_sentence(t.start)
        and not _guidance_not_used_today(view, t)
    ]
    denied = [
        t
        for t in mentions
        if not view.in_unchecked_option(t.start)
        and (
            (t.negated and t.value in ("fluoroscopy", "ct"))
            or (t.value == "none" and not _IMAGING_ON_FILE.match(view.text, t.end))
        )
    ]
    body_denials = [t for t in denied if not _title_zone(view, t) and _explicit_denial(view, t)]
    corrected = [t for t in body_denials if view.in_correction(t.start)]
    if corrected:
        # "CORRECTION: ... no fluoroscopy was used; the template text above referencing
        # fluoroscopic guidance was auto-populated in error": the correction wins
        return "none", [view.target_evidence(corrected[0], "guidance.corrected")]
    denied_values = {t.value for t in body_denials}
    if (
        body_denials
        and positive
        and all(_title_zone(view, t) or _template_field(view, t) for t in positive)
        and ("none" in denied_values or {t.value for t in positive} <= denied_values)
    ):
        # "Procedure: Fluoroscopically guided ILESI" over a body that says "performed without
        # fluoroscopy using a landmark technique": what was done wins.
        return "none", [view.target_evidence(body_denials[0], "guidance.not_used")]
    for value in ("ct", "fluoroscopy", "ultrasound"):
        hits = [t for t in positive if t.value == value]
        if value == "fluoroscopy" and hits and any(t.value == "ct" for t in positive):
            continue
        if hits:
            return value, [view.target_evidence(hits[0], "guidance")]
    if denied:
        return "none", [view.target_evidence(denied[0], "guidance.not_used")]
    return None, []


_CONTRAST_USE_VERBS = (
    r"\b(?:inject|spread|flow|used|administered|given|confirm|outlin|demonstrat|epidurogram)"
)


def contrast(view: NoteView, medications: list[Medication]) -> tuple[Contrast, list[Evidence]]:
    used_sentences: list[tuple[int, int]] = []
    not_used: list[tuple[int, int]] = []
    for match in cue("contrast_mention").finditer(view.text):
        start = match.start()
        section = view.section_at(start)
        if section in ("allergies", "history", "imaging", "plan", "indication", "home_medications"):
            if section != "plan" and _not_used_today(view, match):
                # "reaction to iodinated contrast; therefore contrast was not used today"
                not_used.append(view.sentence_at(start))
            continue
        if view.in_unchecked_option(start):
            continue  # "[ ] Contrast": an option not chosen says nothing
        s, e = view.sentence_at(start)
        if section != "consent" and view.unchecked(start, match.end()):
            not_used.append((s, e))  # "Contrast: [ ] Yes [x] No", "Contrast: [x] None"
            continue
        if _BLANK_VALUE.match(view.text, match.end()):
            continue  # "Contrast: ___": an unfilled template field says nothing
        negations = list(cue("contrast_negation_phrase").finditer(view.text, s, e))
        if any(n.start() <= start < n.end() for n in negations) or (
            negations and _field_label(view, match)
        ):  # "CONTRAST: Given the eGFR of 22, neither ... nor ... contrast was administered"
            if section != "consent":
                not_used.append((s, e))
            continue
        sentence = view.text[s:e]
        if section == "consent" or (
            re.search(r"\brisks?\b|\ballerg", sentence, re.I)
            and not re.search(_CONTRAST_USE_VERBS, sentence, re.I)
        ):
            continue  # a risk discussion or an allergy mention, not contrast use
        used_sentences.append((match.start(), match.end()))
    agents = [m for m in medications if m.role == "contrast" and m.route == "epidural"]
    named = [m for m in agents if m.name != "iodinated contrast"]
    agent = named[0].name if named else (agents[0].name if agents else None)
    corrected = [span for span in not_used if view.in_correction(span[0])]
    if corrected:
        used_sentences = []  # "CORRECTION: ... no contrast was injected": the correction wins
        not_used = corrected
    if used_sentences and (not not_used or named):
        s, e = used_sentences[0]
        return Contrast(status="used", agent=agent), [view.evidence(s, e, "contrast.used")]
    if not_used:
        s, e = not_used[0]
        reason = _contrast_reason(view, not_used)
        evidence = [view.evidence(s, e, "contrast.not_used")]
        if reason:
            return Contrast(status="contraindicated", reason=reason), evidence
        return Contrast(status="not_used"), evidence
    return Contrast(), []


def _not_used_today(view: NoteView, match: re.Match) -> bool:
    """A background section's sentence that says contrast was not used today ("ALLERGY:
    iodinated contrast -> NO contrast today")."""
    s, e = view.sentence_at(match.start())
    return bool(_TODAY.search(view.text, s, e)) and any(
        n.start() <= match.start() < n.end()
        for n in cue("contrast_negation_phrase").finditer(view.text, s, e)
    )


_TODAY = re.compile(r"\b(?:today|this (?:procedure|injection|session))\b", re.I)


def _field_label(view: NoteView, match: re.Match) -> bool:
    """The mention is a label starting its line ("Contrast: ..."): its value says the rest."""
    line_start, _ = view.line_at(match.start())
    return not view.text[line_start : match.start()].strip() and bool(
        re.match(r"\s*:", view.text[match.end() : match.end() + 3])
    )


_NO_KNOWN_ALLERGY = re.compile(
    r"[\s:/-]*(?:(?:contrast|dye|iodine|iodinated)\s*)?(?:allerg\w*\s*)?[:=-]?\s*"
    r"(?:none|no known|nka|nkda|denie[sd]|negative|n/a)\b",
    re.I,
)


def _contrast_reason(view: NoteView, sentences: list[tuple[int, int]]) -> str | None:
    parts = []
    for s, e in sentences:
        parts.append(view.text[s:e])
        # The reason may follow in the next sentence ("No contrast. Patient is pregnant.").
        following = e
        while following < len(view.text) and view.text[following].isspace():
            following += 1  # the next sentence starts after the gap
        n_start, n_end = view.sentence_at(following) if following < len(view.text) else (e, e)
        if n_start >= e and cue("reason_connector").search(view.text[n_start:n_end]):
            parts.append(view.text[n_start:n_end])
    text = cue("reason_denied").sub(" ", " ".join(parts))
    for name, reason in (
        ("reason_allergy", "allergy"),
        ("reason_pregnancy", "pregnancy"),
        ("reason_renal", "renal"),
    ):
        if cue(name).search(text):
            return reason
    if cue("reason_other").search(" ".join(view.text[s:e] for s, e in sentences)):
        return "other"
    for start, end in view.section_body("allergies"):
        for found in cue("allergy_to_contrast").finditer(view.text, start, end):
            if not _NO_KNOWN_ALLERGY.match(view.text, found.end()):
                return "allergy"  # not "Iodine/contrast: none known"
    return None


def catheter(view: NoteView) -> tuple[bool, bool, list[Evidence]]:
    hits = []
    for t in _today(view, view.targets_of("CATHETER")):
        before = view.text[max(0, t.start - 20) : t.start]
        if cue("catheter_excluded_before").search(before):
            continue
        if t.literal == "cath" and re.match(r"\s*lab\b", view.text[t.end : t.end + 6], re.I):
            continue  # "the cath lab": a room, not a catheter
        hits.append(t)
    if not hits:
        return False, False, []
    text = " ".join(view.sentence_text(t.start) for t in hits)
    indwelling = bool(cue("catheter_indwelling").search(text))
    if (
        indwelling
        and _CATHETER_OUT.search(view.text)
        and not re.search(r"\b(?:infusion|intermittent bolus|pump)\b", text, re.I)
    ):
        indwelling = False  # "the catheter was withdrawn ... no catheter was left in place"
    return True, indwelling, [view.target_evidence(hits[0], "catheter")]


def stated_codes(view: NoteView) -> list[str]:
    """CPT codes typed into the note: reported, never evidence of what was done."""
    codes: list[str] = []
    for match in _KNOWN_CODES.finditer(view.text):
        if match.group(1) not in codes:
            codes.append(match.group(1))
    return codes


def sedation(view: NoteView, medications: list[Medication]) -> tuple[bool, bool]:
    text = view.text
    if cue("sedation_none").search(text):
        iv = [m for m in medications if m.route == "iv"]
        if not iv:
            return False, False
    sedated = bool(cue("sedation").search(text)) or any(
        m.route == "iv" and m.role in ("sedation", "opioid") for m in medications
    )
    if not sedated:
        return False, False
    spots = [m.start() for m in cue("sedation").finditer(text)] + [
        m.evidence[0].start for m in medications if m.route == "iv" and m.evidence
    ]
    reason = any(cue("sedation_reason").search(view.sentence_text(s)) for s in spots)
    return True, reason


def extract_procedure(view: NoteView, medications: list[Medication]) -> Procedure:
    evidence: dict[str, list[Evidence]] = {}
    kind, ev = procedure_type(view, medications)
    evidence["procedure_type"] = ev
    approach_value, ev = approach(view)
    evidence["approach"] = ev
    level_names, ev = levels(view, approach_value, kind)
    evidence["levels"] = ev
    if kind in ("si_joint", "trigger_point"):
        level_names, evidence["levels"] = [], []  # joint or muscle injections have no level
    region_value, ev = region(view, level_names, approach_value, kind)
    evidence["region"] = ev or evidence["levels"][:1]
    side, ev = laterality(view, kind)
    evidence["laterality"] = ev
    guide, ev = guidance(view)
    evidence["guidance"] = ev
    contrast_fact, ev = contrast(view, medications)
    evidence["contrast"] = ev
    has_catheter, indwelling, ev = catheter(view)
    evidence["catheter"] = ev
    neuro = [m for m in medications if m.role == "neurolytic" and m.route != "skin"]
    evidence["neurolytic"] = [e for m in neuro for e in m.evidence[:1]]
    sedated, sedation_reason = sedation(view, medications)
    diagnostic = bool(
        approach_value == "transforaminal"
        and re.search(
            r"\bdiagnostic\b[^.\n]{0,60}\b(?:selective nerve root|snrb|nerve root block)|"
            r"\b(?:selective nerve root|snrb|nerve root block)[^.\n]{0,40}\bdiagnostic\b",
            view.text,
            re.I,
        )
    )
    is_esi = kind == "epidural_steroid_injection"
    not_performed = any(e.rule == "proc_type.not_performed" for e in evidence["procedure_type"])
    if kind == "other" and (
        not_performed or any(e.rule == "proc_type.stopped" for e in evidence["procedure_type"])
    ):
        stop = evidence["procedure_type"][0].text.lower()
        if not_performed or re.search(r"cancel|needle|not\s+(?:performed|done)", stop):
            # Cancelled before any needle, or no procedure today: nothing done at a site.
            region_value = approach_value = side = guide = None
            level_names = []
            contrast_fact = Contrast()
    return Procedure(
        is_epidural_injection=is_esi,
        procedure_type=kind,
        region=region_value,
        approach=approach_value,
        levels=level_names,
        laterality=side,
        guidance=guide,
        contrast=contrast_fact,
        catheter=has_catheter,
        catheter_indwelling=indwelling,
        neurolytic=bool(neuro),
        diagnostic_nerve_block=diagnostic,
        sedation=sedated,
        sedation_reason=sedation_reason,
        stated_codes=stated_codes(view),
        evidence={k: v for k, v in evidence.items() if v},
    )

"""Medications given today, each with dose, volume, concentration and route.

Drug names come from the lexicon (medspaCy targets, label DRUG); amounts are parsed from the
words around each name: a quantity directly before a name ("80 mg of Depo-Medrol",
"2 mL of 0.25% bupivacaine") belongs to it, otherwise a quantity belongs to the closest name
before it in the sentence ("Depo-Medrol 40 mg/mL x 2 mL" = 80 mg in 2 mL).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nlp.facts.view import NoteView, Target, cue
from nlp.models import Dose, Medication
from nlp.numbers import NUMBER_WORD_PATTERN_GROUPED, WORD_NUMBERS
from nlp.regex_guard import compile_guarded
from nlp.regex_prefilter import compile_gated

_EXCLUDED_SECTIONS = frozenset(
    {
        "allergies",
        "home_medications",
        "history",
        "plan",
        "indication",
        "imaging",
        "diagnosis",
        "exam",
    }
)
QUANTITY = re.compile(
    rf"(?<![\w.])(\d+(?:\.\d+)?|\.\d+|\b(?:{NUMBER_WORD_PATTERN_GROUPED}))\s*"
    r"(mg\s*/\s*(?:ml|cc)|mcg\s*/\s*(?:ml|cc)|mgs|mg|mcg|ug|µg|micrograms?|milligrams?|grams?|"
    r"ml|mls|cc's|cc|ccs|cubic centimeters?|milliliters?|%|percent|units?)(?![a-z])",
    re.IGNORECASE,
)
# "1/2 strength": the "1" first, then the look-behind (not after a word or "."), so `re`
# jumps to each "1" (same matches as a leading "(?<![\w.])").
FRACTION = re.compile(
    r"(1(?<![\w.]1)/\d{1,2})(?:th|nd|rd|st)?(?:\s*(?:%|percent|strength))?", re.I
)
_GLUE = re.compile(
    r"^(?:[\s,]*(?:of|\(|\)|preservative[- ]free|pf|mpf|plain|sterile|with|w/|"
    r"\d+(?:\.\d+)?\s*(?:%|percent)|\(\s*\d+(?:\.\d+)?\s*(?:mg|mcg|ml|cc)\s*\)))*[\s,]*$",
    re.I,
)


_TECHNIQUE_SALINE = re.compile(
    r"(?:resistance|\blor(?:\b|(?=saline|ns\b))|hanging drop)\s*(?:technique\s*)?[:=-]?\s*"
    r"(?:(?:to|with|using)\s+)?"
    r"(?:[\w-]+(?:\s+|\s*/\s*)){0,3}(?:saline|ns)\b"
    r"|(?:saline|ns)[\s-]+(?:flush|syringe|lor\b|loss of resistance|lock(?:ed)?\b)",
    re.I,
)
# "followed by 1 mL PF NS flush": a measured flush through the needle is injectate too.
_AMOUNT_FLUSHED = re.compile(
    r"\d\s*(?:ml|cc)\s+(?:of\s+)?(?:pf\s+|preservative[- ]free\s+)?(?:normal\s+)?"
    r"(?:saline|ns)\s+flush",
    re.I,
)
_MIXTURE_TOTAL = re.compile(r"\s*(?:in\s+)?total\s*[:=]", re.I)
# "1 mL per site (4 mL total)", "2 mL each side (4 mL)": the later volume is the session total.
_PER_SITE = re.compile(
    r"\b(?:per|each|bilateral(?:ly)?|both|repeat(?:ed)?|twice|again)\b"
    r"|(?:\bx|\u00d7)\s*\d\b(?!\s*(?:ml|cc|mg|mcg|%))",
    re.I,
)
# Conservative-care history: an oral course or a drug the patient tried or takes.
_ORAL_COURSE_AFTER = re.compile(
    r"[\s-]*(?:\d+\s*(?:mg|mcg)\s*|\d+(?:\.\d+)?\s*%\s*)?"
    r"(?:(?:ophthalmic|eye|ear|otic|oral|nasal|inhaled|vaginal|rectal)\s+)?"
    r"(?:taper|dose ?pa?c?k|dosepak|"
    r"tablets?|tabs?|capsules?|p\.?o\.?\b|orally|by mouth|daily|bid|tid|qid|qhs|prn|burst|"
    r"creams?|ointments?|patch(?:es)?|gel|lotion|(?:nasal\s+)?spray|inhaler|drops|"
    r"transdermal|topical(?:ly)?)\b",
    re.I,
)
_TRIED_BEFORE = re.compile(
    r"\b(?:tried|trials? of|failed|takes|taking|took|prescribed|course of)\b[^.;\n]{0,30}$",
    re.I,
)
# "on each side", "per side", "each foramen" in a bilateral injection: the amount was given twice.
_EACH_SIDE = re.compile(
    r"\b(?:(?:on|to|at|into|per|for)\s+each\s+side|per side|each side|"
    r"(?:in|into|at)\s+each\s+(?:foramen|neural foramen))\b",
    re.I,
)
_VOLUME_BETWEEN = re.compile(r"\d\s*(?:ml|mls|cc)\b", re.I)
_DOSE_BETWEEN = re.compile(r"\d\s*(?:mg|mcg)\b(?!\s*/)", re.I)
_TOTAL_BEFORE = re.compile(r"\btotal(?: of)?\s*[:=]?\s*$", re.I)
_TOTAL_AFTER = re.compile(r"\s*(?:total|in total|altogether|combined)\b|\s*\)", re.I)
_TOTAL_WORD_AFTER = re.compile(r"\s*(?:total|in total|altogether|combined)\b", re.I)
# "80 mg in 2 mL total": the word "total" follows the amount's own companion amount.
_TOTAL_SOON_AFTER = re.compile(r"[^,;.\n()]{0,30}?\btotal\b", re.I)
# A per-site cue just before a per-site amount: "each dose followed by 1 mL of saline".
_PER_SITE_REACH = 30
# How far a parenthesized "(5 mL total)" may follow the first amount of a per-level list.
_LIST_TOTAL_REACH = 120
# Amounts joined as one description of the same dose: "80 mg (2 mL)", "10 mg/1 mL",
# "40 mg in 1 mL", "40 mg/mL x 2 mL". The second belongs to the owner of the first.
_BARE_GAP = re.compile(r"[ \t]*\)?[ \t]*,?[ \t]*")
_CHAINED = re.compile(r"\s*(?:/|\(|\bin\b|\bx\b|\u00d7)\s*", re.I)
# Between a name and its own amount: a separator, or a short qualifier in parentheses.
_RIGHT_AFTER_NAME = re.compile(r"[\s,:(-]{0,3}|\s?\([A-Za-z][A-Za-z .-]{0,15}\)[\s,:-]{0,2}")
# "80 mg in 2 mL of saline": an amount written as "<amount> of <name>" is that name's.
_OF_NAME = re.compile(r"\s*of\b", re.I)
# "1 mL at each level", "2 mL per site", "At each level: dexamethasone 5 mg (0.5 mL)".
_EACH_SITE = compile_gated(
    r"\b(?:(?:at|to|into|in|through|thru|for|per)\s+each\s+(?:of\s+the\s+)?"
    r"(?:level|site|entry site|skin site|needle|joint|foramen|neural foramen|root|segment|point)s?"
    r"|each\s+(?:level|site|needle|entry site)\s*:|^\W*each\s+(?:level|site|needle)\b"
    r"|per\s+(?:level|site|needle|joint|foramen|root|segment|point)"
    r"|(?<=[\dlc])\s*/\s*(?:level|site|needle|joint|foramen|root)\b"
    r"|(?:level|site|needle|joint)s?\s+each\b|each\s+(?:site|level)\b)",
    re.I | re.M,
)
# "1.5 mL of this mixture at each level": a share of a prepared mixture, not of each drug.
_MIXTURE_SHARE = re.compile(
    r"\b(?:mixture|solution|of this|of the (?:injectate|combination))\b", re.I
)
_CONTRAST_AS_CONDITION = re.compile(
    r"[\s-]*(?:dye\s+)?(?:allerg\w*|reactions?|protocol|premedicat\w*|sensitivity|intoleran\w*)",
    re.I,
)
# Amounts drawn or prepared, not given: "drew 20 mL of autologous blood", "20 mL ... drawn".
_DRAWN_BEFORE = re.compile(
    r"\b(?:drew|draws?|withdrew|collected|obtained|aspirated)\b[^.;\d]{0,20}$", re.I
)
_DRAWN_AFTER = re.compile(
    r"\s*(?:of\s+)?(?:autologous\s+)?(?:venous\s+)?(?:blood\s+)?(?:was\s+|were\s+)?"
    r"(?:drawn|withdrawn|collected|obtained)\b",
    re.I,
)
# "18 mL injected", "17 mL was injected slowly": the amount given of the substance named before.
_INJECTED_AFTER = re.compile(
    r"\s*(?:was\s+|were\s+)?(?:then\s+)?(?:slowly\s+)?(?:injected|instilled|administered)\b",
    re.I,
)
_TOTAL_CUE = compile_guarded(r"\btotals?\b|=", re.I)
# "total" later in the name's own clause: "dexamethasone 10 mg, 1 mL total".
_TOTAL_LATER_IN_CLAUSE = re.compile(r"[^;()\n.]{0,30}?\btotals?\b", re.I)


def _after_total(view: NoteView, sentence_start: int, drug: Target) -> bool:
    """A name that carries the session totals: written after "total(s)" or "=" in its
    sentence or in the clauses before it ("Totals: triamcinolone 80 mg / 2 mL; PF lidocaine
    2 mL"), or followed by "total" in its own clause ("(dexamethasone 10 mg, 1 mL total;
    lidocaine 1 mL total)", "contrast total 2 mL")."""
    start = _clause_start(view.text, sentence_start)
    if _TOTAL_CUE.search(view.text, start, drug.start):
        return True
    return bool(_TOTAL_LATER_IN_CLAUSE.match(view.text, drug.end))


def _clause_start(text: str, sentence_start: int) -> int:
    """Start of the first of the ";"-joined clauses ending with the one at `sentence_start`
    (the splitter starts a sentence at "; " before a capital letter)."""
    start = sentence_start
    while True:
        before = text.rfind(";", max(0, start - 2), start)
        if before < 0 or text[before + 1 : start].strip():
            return start
        previous = max(text.rfind("\n", 0, before), text.rfind(". ", 0, before))
        if previous < 0:
            return 0
        start = previous + 1


@dataclass
class _Amounts:
    dose: Dose | None = None
    volume_ml: float | None = None
    concentration: str | None = None
    conc_mg_per_ml: float | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)
    volume_span: tuple[int, int] | None = None
    dose_span: tuple[int, int] | None = None
    totals: bool = False
    doubled: bool = False
    per: str | None = None  # "level" or "site": the amounts were given at each one

    def double_for_both_sides(self, drug_start: int) -> None:
        """"Dexamethasone 5 mg in 1 mL on each side" with no total stated: the session had
        twice that. Only amounts written in this sentence (after the name) are doubled."""
        if self.doubled:
            return
        self.doubled = True
        near = drug_start - 40
        if self.dose is not None and self.dose_span and self.dose_span[0] > near:
            self.dose = Dose(value=self.dose.value * 2, unit=self.dose.unit)
        if self.volume_ml is not None and self.volume_span and self.volume_span[0] > near:
            self.volume_ml = self.volume_ml * 2

    def forget(self, unit: str) -> None:
        """Drop a per-site volume or dose so the session total that follows is kept."""
        if unit == "ml":
            self.volume_ml = None
        else:
            self.dose = None

    def reset_for_total(self) -> None:
        """Forget per-site amounts once the totals for the drug start being read."""
        if not self.totals:
            self.totals = True
            self.dose = None
            self.volume_ml = None
            self.conc_mg_per_ml = None


# An allergy field written inside a line: "Allergies: morphine, sulfa", "ALLERGY - codeine".
_ALLERGY_LABEL_BEFORE = re.compile(
    r"\ballerg(?:y|ies|ic)\s*(?:to\s*)?[:=-]\s*(?:[a-z][\w-]*\s*(?:\([^()\n]{0,30}\))?,\s*){0,4}$",
    re.I,
)


def _drug_mentions(view: NoteView) -> list[Target]:
    """DRUG targets, longest match per position, in today's sections, asserted."""
    drugs = sorted(view.targets_of("DRUG"), key=lambda t: (t.start, -(t.end - t.start)))
    kept: list[Target] = []
    for target in drugs:
        if kept and target.start < kept[-1].end:
            continue
        kept.append(target)
    today = []
    for t in kept:
        if t.section in _EXCLUDED_SECTIONS or t.hypothetical or t.historical or t.family:
            continue
        if t.negated and t.role != "contrast":
            continue
        if view.in_unchecked_option(t.start):
            continue  # "Steroid: [ ] Depo-Medrol [X] Dexamethasone": an option not chosen
        if _NOT_GIVEN_LABEL.search(view.text, view.line_at(t.start)[0], t.start):
            continue  # "Drawn up but NOT administered: Depo-Medrol 80 mg and lidocaine 2 mL"
        if t.role in ("sedation", "opioid") and _BLANK_AMOUNT_AFTER.match(view.text, t.end):
            continue  # "Sedation: Versed ___ mg / Fentanyl ___ mcg": optional fields left empty
        if t.role == "contrast" and _CONTRAST_AS_CONDITION.match(view.text, t.end):
            continue  # "per our contrast allergy protocol": the allergy, not a contrast given
        if _ALLERGY_LABEL_BEFORE.search(view.text, max(0, t.start - 60), t.start):
            continue  # "Consent: yes. Allergies: morphine.": an allergen named in a checklist
        if t.literal in (
            "ns",
            "dex",
            "dexa",
            "depo",
            "gad",
            "lido",
            "bupi",
            "ropi",
            "medrol",
            "omni",
        ) and not _near_amount(view, t) and not (
            t.role == "contrast" and _CONTRAST_SEEN_AFTER.match(view.text, t.end)
        ):
            continue
        if t.role == "diluent" and _TECHNIQUE_SALINE.search(
            view.text[max(0, t.start - 40) : t.end + 12]
        ) and not _AMOUNT_FLUSHED.search(view.text, max(0, t.start - 16), t.end + 8):
            continue  # "loss of resistance to saline", "saline flush": technique, not injectate
        if _ORAL_COURSE_AFTER.match(view.text, t.end) or _TRIED_BEFORE.search(
            view.text, max(0, t.start - 40), t.start
        ):
            continue  # "a methylprednisolone taper", "tried gabapentin": treatment history
        if view.in_history_sentence(t.start) and not re.search(
            r"\b(?:today|was injected|were injected)\b", view.sentence_text(t.start), re.I
        ):
            continue
        today.append(t)
    return today


# A label for drugs prepared but never given: "Drawn up but NOT administered:", "Wasted:".
_NOT_GIVEN_LABEL = re.compile(
    r"\b(?:not\s+(?:administered|given|injected|used)|wasted|discarded)\s*:", re.I
)
# "Versed ___ mg", "Fentanyl *** mcg", "midazolam {dose} mg": an amount field left blank.
_BLANK_AMOUNT_AFTER = re.compile(
    r"[ \t:]*(?:_{2,}|\*{2,}|\{[^{}\n]{0,40}\}|\[\s*\])[ \t]*(?:mg|mcg|ug|ml|cc)\b", re.I
)
# "Omni -> epidural spread", "Omni confirmed epidural flow": a short contrast name shown used.
_CONTRAST_SEEN_AFTER = re.compile(
    r"[ \t]*(?:->|\u2192|showed|shows|confirmed|demonstrated|with|=|:)?[ \t]*"
    r"(?:good[ \t]+|nice[ \t]+|appropriate[ \t]+)?(?:epidural[ \t]+)?"
    r"(?:spread|flow|epidurogram|outline|pattern)",
    re.I,
)


def _near_amount(view: NoteView, target: Target) -> bool:
    window = view.text[max(0, target.start - 25) : target.end + 25]
    return bool(QUANTITY.search(window))


def _number(raw: str) -> float:
    return float(WORD_NUMBERS.get(" ".join(raw.lower().split()), raw))


def _unit(raw: str) -> str:
    unit = raw.lower().replace(" ", "")
    if unit.startswith(("mg/", "mcg/")):
        return unit.replace("cc", "ml")
    if unit in ("ml", "mls", "cc", "ccs", "cc's") or unit.startswith(("cubic", "millil")):
        return "ml"
    if unit in ("ug", "µg") or unit.startswith("microgram"):
        return "mcg"
    if unit.startswith("milligram") or unit == "mgs":
        return "mg"
    if unit in ("g", "gram", "grams"):
        return "g"
    if unit in ("%", "percent"):
        return "%"
    if unit.startswith("unit"):
        return "units"
    return unit


def _assign_quantities(view: NoteView, drugs: list[Target]) -> dict[int, _Amounts]:
    """Attach every quantity in a drug's sentence (or list line) to one drug."""
    amounts: dict[int, _Amounts] = {i: _Amounts() for i in range(len(drugs))}
    by_sentence: dict[tuple[int, int], list[int]] = {}
    for i, drug in enumerate(drugs):
        by_sentence.setdefault(view.sentence_at(drug.start), []).append(i)
    for (s_start, s_end), members in by_sentence.items():
        text = view.text[s_start:s_end]
        previous: tuple[int, int] | None = None  # (end, owner) of the last amount read
        after_concentration = False  # the last amount read was a concentration ("6 mg/mL")
        drawn_owners: set[int] = set()  # drugs whose amount so far is what was drawn up
        for match in QUANTITY.finditer(text):
            q_start, q_end = s_start + match.start(), s_start + match.end()
            if _MIXTURE_TOTAL.match(view.text, q_end):
                continue  # "10 mL total: 80 mg X (2 mL) + 8 mL NS" totals the mixture
            drawn = bool(
                _DRAWN_BEFORE.search(view.text, max(s_start, q_start - 30), q_start)
                or _DRAWN_AFTER.match(view.text, q_end)
            )
            unit = _unit(match.group(2))
            if (
                previous is not None
                and (
                    _CHAINED.fullmatch(view.text, previous[0], q_start)
                    or after_concentration
                    and unit == "ml"
                    and _BARE_GAP.fullmatch(view.text, previous[0], q_start)
                )
                and not _OF_NAME.match(view.text, q_end)
            ):
                owner: int | None = previous[1]  # "6 mg/mL 1 mL": the volume of that drug
            else:
                owner = _owner(view, drugs, members, q_start, q_end)
            if owner is None and _INJECTED_AFTER.match(view.text, q_end):
                # "...blood drawn by a second operator; 18 mL injected slowly": the amount
                # injected of the substance just named.
                before = [i for i in members if drugs[i].end <= q_start]
                owner = before[-1] if before else None
            if owner is not None and owner in drawn_owners and _INJECTED_AFTER.match(
                view.text, q_end
            ):
                # "drew 20 mL of autologous blood ...; 18 mL injected": what was injected
                amounts[owner].forget(_unit(match.group(2)))
                drawn_owners.discard(owner)
            if owner is not None and drawn:
                drawn_owners.add(owner)  # kept unless a later amount says what was injected
            if owner is None:
                previous = None
                after_concentration = False
                continue
            previous = (q_end, owner)
            after_concentration = "/" in unit
            if _after_total(view, s_start, drugs[owner]):
                amounts[owner].reset_for_total()
            if _is_session_total(view, amounts[owner], q_start, q_end, match.group(2)):
                amounts[owner].forget(_unit(match.group(2)))
                amounts[owner].doubled = True  # a stated total is never doubled
            _record(
                amounts[owner],
                _number(match.group(1)),
                _unit(match.group(2)),
                view.text[q_start:q_end],
                (q_start, q_end),
            )
        for match in FRACTION.finditer(text):
            q_start = s_start + match.start()
            owner = _owner(view, drugs, members, q_start, s_start + match.end())
            if owner is not None and amounts[owner].concentration is None:
                amounts[owner].concentration = match.group(1)
        if _EACH_SIDE.search(text) and not _TOTAL_CUE.search(text):
            for i in members:
                amounts[i].double_for_both_sides(drugs[i].start)
        each = _EACH_SITE.search(text)
        if each and not _TOTAL_CUE.search(text) and not _MIXTURE_SHARE.search(text):
            per = "level" if "level" in each.group(0).lower() else "site"
            for i in members:
                if not amounts[i].doubled:
                    amounts[i].per = per
        if drawn_owners:
            _injected_in_next_sentence(view, amounts, drawn_owners, s_end)
    return amounts


# The next sentence or bullet says what was injected, without naming the drug again:
# "drew 20 mL of autologous blood ...; 18 mL was injected slowly", "- 18ml injected slowly".
_INJECTED_NEXT = re.compile(
    r"[\s;:*\u2022-]*(\d+(?:\.\d+)?)\s*(ml|cc|mls)\b(?:\s+(?:of\s+)?(?:this|the\s+blood|blood))?"
    + _INJECTED_AFTER.pattern,
    re.I,
)


def _injected_in_next_sentence(
    view: NoteView, amounts: dict[int, _Amounts], drawn_owners: set[int], sentence_end: int
) -> None:
    """An amount drawn up in one sentence and the amount injected in the next: the injected
    amount is the session's ("drew 20 mL of blood" + "18 mL injected")."""
    found = _INJECTED_NEXT.match(view.text, sentence_end)
    if found is None or len(drawn_owners) != 1:
        return
    owner = next(iter(drawn_owners))
    amounts[owner].volume_ml = _number(found.group(1))
    amounts[owner].volume_span = (found.start(1), found.end(2))
    amounts[owner].spans.append(amounts[owner].volume_span)


def sites_needing_counts(view: NoteView) -> bool:
    """Whether some amount was written per level or per site ("1 mL at each level"), so the
    session total depends on how many levels and sites the procedure had."""
    folded = view.folded
    if "each" not in folded and "per " not in folded and "/" not in folded:
        return False  # every form of the cue says "each", "per" or "/" ("1 mL/site")
    return bool(_EACH_SITE.search(view.text))


def _scaled(amount: _Amounts, dose: Dose | None, sites: dict[str, int] | None) -> tuple[
    Dose | None, float | None
]:
    """Dose and volume for the session: amounts given at each of several levels or sites
    ("Omnipaque 1 mL at each level" at two levels) are multiplied by their number."""
    count = (sites or {}).get(amount.per or "", 1)
    if count <= 1:
        return dose, amount.volume_ml
    if dose is not None:
        dose = Dose(value=round(dose.value * count, 3), unit=dose.unit)
    volume = None if amount.volume_ml is None else round(amount.volume_ml * count, 3)
    return dose, volume


def _is_session_total(
    view: NoteView, amount: _Amounts, q_start: int, q_end: int, unit: str
) -> bool:
    """A volume or dose marked as the total right after a per-site amount of the same drug
    ("1% lidocaine 1 mL per site (4 mL total)", "5 mg at each level (total 10 mg, 2 mL)")
    replaces the per-site amount."""
    unit = _unit(unit)
    if unit == "ml":
        previous = amount.volume_span if amount.volume_ml is not None else None
        same_kind = _VOLUME_BETWEEN
    elif unit in ("mg", "mcg"):
        previous = amount.dose_span if amount.dose is not None else None
        same_kind = _DOSE_BETWEEN
    else:
        return False
    if previous is None:
        return False
    if (
        view.text[max(0, q_start - 2) : q_start].strip() == "("
        and _TOTAL_WORD_AFTER.match(view.text, q_end)
        and q_start - previous[1] <= _LIST_TOTAL_REACH
        and any(previous[1] <= m.start < q_start for m in view.levels)
    ):
        return True  # "L3-4 1.0 mL, L4-5 2.5 mL, L5-S1 1.5 mL (5 mL total)"
    between = view.text[previous[1] : q_start]
    if len(between) > 60 or same_kind.search(between):
        return False  # another amount of that kind came between: "(1 mL), 3 mL per level"
    if not _PER_SITE.search(view.text, max(0, previous[0] - _PER_SITE_REACH), q_start):
        return False
    in_parentheses = "(" in between and bool(_TOTAL_AFTER.match(view.text, q_end))
    return (
        in_parentheses
        or bool(_TOTAL_BEFORE.search(between))
        or bool(_TOTAL_WORD_AFTER.match(view.text, q_end))
        or bool(_TOTAL_SOON_AFTER.match(view.text, q_end))
    )


def _owner(
    view: NoteView, drugs: list[Target], members: list[int], q_start: int, q_end: int
) -> int | None:
    # A quantity written right after a name belongs to it ("Depo-Medrol 80mg with ...",
    # "lidocaine (PF) 2 mL").
    for i in members:
        if drugs[i].end <= q_start and _RIGHT_AFTER_NAME.fullmatch(
            view.text, drugs[i].end, q_start
        ):
            if "," in view.text[drugs[i].end : q_start]:
                glued = _glued_to_next(view, drugs, members, q_end)
                if glued is not None:
                    return glued  # a list "3 mL 0.25% bupivacaine, 2 mL PF saline and ..."
            return i
    # A quantity directly before a drug name belongs to it ("2 mL of 1% lidocaine").
    glued = _glued_to_next(view, drugs, members, q_end)
    if glued is not None:
        return glued
    before = [i for i in members if drugs[i].end <= q_start]
    if before:
        owner = before[-1]
        between = view.text[drugs[owner].end : q_start]
        if len(between) <= 90 and not re.search(r"[;]|\bthen\b", between):
            return owner
        return None
    after = [i for i in members if drugs[i].start >= q_end]
    if after and len(view.text[q_end : drugs[after[0]].start]) <= 25:
        return after[0]
    return None


# A steroid name followed by a bare number: terse notes write "Kenalog 80", "dex 10 (1cc)",
# "kenalog 80/ns 3" for milligrams.
_BARE_NUMBER = re.compile(
    r"[ \t]*(\d{1,3})(?![\d.,%]|\s*(?:%|mg|mcg|ml|cc|units?|g\b|/\s*10\b|-\d|x\b))", re.I
)
_BARE_DOSE_RANGE = (2, 200)


def _bare_steroid_dose(view: NoteView, drug: Target, amount: _Amounts) -> Dose | None:
    found = _BARE_NUMBER.match(view.text, drug.end)
    if found is None:
        return None
    value = float(found.group(1))
    if not _BARE_DOSE_RANGE[0] <= value <= _BARE_DOSE_RANGE[1]:
        return None
    amount.spans.append((found.start(1), found.end(1)))
    return Dose(value=value, unit="mg")


def _glued_to_next(
    view: NoteView, drugs: list[Target], members: list[int], q_end: int
) -> int | None:
    """The drug a quantity is written right before ("2 mL of 1% lidocaine")."""
    for i in members:
        gap = view.text[q_end : drugs[i].start]
        if drugs[i].start >= q_end and len(gap) <= 40 and _GLUE.match(gap):
            return i
    return None


def _record(amount: _Amounts, value: float, unit: str, raw: str, span: tuple[int, int]) -> None:
    amount.spans.append(span)
    if unit in ("mg/ml", "mcg/ml"):
        amount.concentration = amount.concentration or raw.replace(" ", "")
        if unit == "mg/ml":
            amount.conc_mg_per_ml = value
    elif unit == "%":
        amount.concentration = amount.concentration or f"{value:g}%"
    elif unit == "ml":
        if amount.volume_ml is None:
            amount.volume_ml = value
            amount.volume_span = span
    elif unit in ("mg", "mcg", "g", "units"):
        if amount.dose is None:
            amount.dose = Dose(value=value, unit=unit)
            amount.dose_span = span


def _route(view: NoteView, drug: Target, all_drugs: list[Target]) -> tuple[str | None, bool]:
    """(route, explicit): skin infiltration, IV sedation or the epidural injectate."""
    if drug.role in ("sedation",):
        return "iv", True
    s_start, s_end = view.sentence_at(drug.start)
    neighbours = [d for d in all_drugs if s_start <= d.start < s_end and d is not drug]
    left = max([d.end for d in neighbours if d.end <= drug.start] + [s_start, drug.start - 70])
    right = min([d.start for d in neighbours if d.start >= drug.end] + [s_end, drug.end + 70])
    window = view.text[left:right]
    if drug.role == "opioid" and cue("iv_route").search(view.text[s_start:s_end]):
        return "iv", True
    if drug.role == "local_anesthetic" and cue("skin_route").search(window):
        if not re.search(
            r"\bepidural(?:ly)?\b|\binject(?:ed|ate)\b.{0,20}\b(?:epidural|space)", window, re.I
        ):
            return "skin", True
    if cue("iv_route").search(window) and drug.role in ("opioid", "other"):
        return "iv", True
    return "epidural", bool(re.search(r"\bepidural", window, re.I))


def extract_medications(view: NoteView, sites: dict[str, int] | None = None) -> list[Medication]:
    """Today's medications. `sites` gives the number of levels ("level") and of needle sites
    ("site") of the procedure when known, for amounts written per level or per site."""
    drugs = _drug_mentions(view)
    amounts = _assign_quantities(view, drugs)
    merged: dict[tuple[str, str | None], Medication] = {}
    explicit: dict[tuple[str, str | None], bool] = {}
    from_totals: set[tuple[str, str | None]] = set()  # amounts read from a stated total
    bare_doses: set[tuple[str, str | None]] = set()  # doses read from "Kenalog 80" alone
    # The levels whose own account gave each medication its amounts ("L3-L4: Depo-Medrol
    # 40 mg; L4-L5: Depo-Medrol 40 mg" is 80 mg for the session).
    contexts: dict[tuple[str, str | None], set[tuple[str, ...]]] = {}
    # Or the sides: "Right side first: ... dexamethasone 5 mg. The same was repeated on the
    # left: ... dexamethasone 5 mg" is 10 mg.
    folded = view.folded
    side_accounts = (
        "left" in folded
        and ("repeat" in folded or "side" in folded or "left:" in folded or "right:" in folded)
        and bool(_SIDE_ACCOUNT.search(view.text))
    )
    # "ADDENDUM: Correction ... methylprednisolone 40 mg was injected, NOT 80 mg": the
    # addendum's amounts replace the body's for the drugs it names.
    amended = {
        drug.value
        for i, drug in enumerate(drugs)
        if view.corrections and amounts[i].spans and view.in_correction(drug.start)
    }
    for i, drug in enumerate(drugs):
        if drug.role == "contrast" and drug.negated:
            continue
        if drug.value in amended and not view.in_correction(drug.start):
            continue
        route, is_explicit = _route(view, drug, drugs)
        amount = amounts[i]
        dose = amount.dose
        if (
            dose is None
            and drug.role != "contrast"  # "Omnipaque 240 mg/mL" is iodine, not a dose
            and amount.conc_mg_per_ml is not None
            and amount.volume_ml is not None
        ):
            dose = Dose(value=round(amount.conc_mg_per_ml * amount.volume_ml, 3), unit="mg")
        bare = False
        if dose is None and drug.role == "steroid" and amount.dose_span is None:
            # "Kenalog 80 + 6 cc NS"; but "Kenacort-A 40 (40 mg/ml) 2 mls" is 80 mg (above)
            dose = _bare_steroid_dose(view, drug, amount)
            bare = dose is not None
        if drug.role in ("contrast", "diluent") and dose is not None and dose.unit != "mg":
            dose = None
        dose, volume = _scaled(amount, dose, sites)
        amount.volume_ml = volume
        evidence = [view.evidence(drug.start, drug.end, f"drug:{drug.literal}", drug.flags())]
        evidence += [view.evidence(s, e, "dose.quantity") for s, e in amount.spans]
        key = (drug.value, route)
        if amount.totals:
            from_totals.add(key)
        if key in merged and amount.totals:
            med = merged[key]
            med.dose = dose or med.dose
            med.volume_ml = amount.volume_ml if amount.volume_ml is not None else med.volume_ml
            med.evidence.extend(evidence)
            continue
        context = None
        if amount.spans:
            context = _side_context(view, drug) if side_accounts else _level_context(view, drug)
        if key in merged and context is not None and _another_level(contexts[key], context):
            med = merged[key]
            med.dose = _sum_doses(med.dose, dose)
            if med.volume_ml is not None and amount.volume_ml is not None:
                med.volume_ml = round(med.volume_ml + amount.volume_ml, 3)
            med.evidence.extend(evidence)
            contexts[key].add(context)
            continue
        if key in merged:
            med = merged[key]
            if key in bare_doses and dose is not None and not bare:
                # "Kenacort-A 40 (triamcinolone 40 mg/ml) 2 mls": the product's strength
                # gave way to the amount the next mention states.
                med.dose = None
                bare_doses.discard(key)
            med.dose = med.dose or dose
            med.volume_ml = med.volume_ml if med.volume_ml is not None else amount.volume_ml
            med.concentration = med.concentration or amount.concentration
            med.evidence.extend(evidence)
            explicit[key] = explicit[key] or is_explicit
            continue
        merged[key] = Medication(
            name=drug.value,
            role=drug.role or "other",
            route=route,
            dose=dose,
            volume_ml=amount.volume_ml,
            concentration=amount.concentration,
            as_written=drug.text,
            evidence=evidence,
        )
        explicit[key] = is_explicit
        contexts[key] = {context} if context is not None else set()
        if bare:
            bare_doses.add(key)
    _fold_generic_contrast(merged, from_totals)
    _fold_implicit_routes(merged, explicit)
    return list(merged.values())


_SIDE_ACCOUNT = re.compile(
    r"\b(?:the same|this|it|the procedure)\s+(?:was|is)\s+(?:then\s+)?(?:repeated|performed|"
    r"done)\s+on\s+the\s+(?:left|right)\b|^[ \t*-]*(?:left|right)(?:\s+side)?(?:\s+first)?\s*:"
    r"|\b(?:left|right)\s+side\s+first\b",
    re.I | re.M,
)
_SIDE_WORD = re.compile(r"\b(?:left|right)\b", re.I)


def _side_context(view: NoteView, drug: Target) -> tuple[str, ...] | None:
    """The side whose account holds the drug: the nearest "left" or "right" before it in
    its paragraph (within a few sentences)."""
    start = max(0, drug.start - 300)
    paragraph = view.text.rfind("\n\n", start, drug.start)
    if paragraph >= 0:
        start = paragraph
    sides = _SIDE_WORD.findall(view.text, start, drug.start)
    return (f"side:{sides[-1].lower()}",) if sides else None


def _level_context(view: NoteView, drug: Target) -> tuple[str, ...] | None:
    """The level named before a drug in its sentence: "L3-L4: Depo-Medrol 40 mg", "For the
    L5 level, ... the skin was anesthetized with 1 mL of 1% lidocaine"."""
    start, _ = view.sentence_at(drug.start)
    found = None
    for mention in view.levels:
        if mention.start >= drug.start:
            break
        if mention.start >= start:
            found = mention.levels
    return found


def _another_level(previous: set[tuple[str, ...]], context: tuple[str, ...]) -> bool:
    """Amounts written for a level not yet accounted for, after amounts written for another
    level: a per-level account whose amounts add up."""
    return bool(previous) and all(not set(context) & set(level) for level in previous)


def _sum_doses(first: Dose | None, second: Dose | None) -> Dose | None:
    if first is None or second is None or first.unit != second.unit:
        return first or second
    return Dose(value=round(first.value + second.value, 3), unit=first.unit)


def _fold_generic_contrast(
    merged: dict[tuple[str, str | None], Medication], from_totals: set[tuple[str, str | None]]
) -> None:
    """'contrast' next to a named agent (Omnipaque) is the same substance; amounts stated as
    the session total ("for totals of ... contrast 2 mL") replace the per-needle ones."""
    generic = [k for k in merged if k[0] == "iodinated contrast"]
    named = [k for k, m in merged.items() if m.role == "contrast" and k[0] != "iodinated contrast"]
    if not named:
        return
    for key in generic:
        med = merged.pop(key)
        target = merged[named[0]]
        if key in from_totals:
            target.dose = med.dose or target.dose
            target.volume_ml = med.volume_ml if med.volume_ml is not None else target.volume_ml
        else:
            target.dose = target.dose or med.dose
            target.volume_ml = target.volume_ml if target.volume_ml is not None else med.volume_ml
        target.evidence.extend(med.evidence)


def _fold_implicit_routes(
    merged: dict[tuple[str, str | None], Medication], explicit: dict[tuple[str, str | None], bool]
) -> None:
    """A drug listed without a route cue and also described with one is one medication."""
    names = {k[0] for k in merged}
    for name in names:
        keys = [k for k in merged if k[0] == name]
        if len(keys) < 2:
            continue
        implicit = [k for k in keys if not explicit.get(k)]
        stated = [k for k in keys if explicit.get(k)]
        if len(stated) != 1:
            continue
        target = merged[stated[0]]
        for key in implicit:
            med = merged[key]
            if target.dose and med.dose and target.dose != med.dose:
                continue
            if (
                target.volume_ml is not None
                and med.volume_ml is not None
                and target.volume_ml != med.volume_ml
            ):
                continue  # skin wheal 2 mL and 1 mL with the injectate are two uses
            merged.pop(key)
            target.dose = target.dose or med.dose
            target.volume_ml = target.volume_ml if target.volume_ml is not None else med.volume_ml
            target.concentration = target.concentration or med.concentration
            target.evidence.extend(med.evidence)

"""spaCy factories (prefix `esicheck_`) wrapping medspaCy and scispacy with esicheck's rules.

Rules are read from `patterns/` when the component is built, into fresh objects, so two
pipelines never share mutable matcher state.
"""

import re
from bisect import bisect_left, bisect_right

import numpy
from medspacy.common.util import prune_overlapping_matches
from medspacy.context import ConText, ConTextRule
from medspacy.context.context_graph import ConTextGraph
from medspacy.context.context_modifier import ConTextModifier
from medspacy.section_detection import Sectionizer, SectionRule
from medspacy.section_detection.section import Section
from medspacy.target_matcher import TargetMatcher, TargetRule
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp import resources
from nlp.extensions import doc_text, sentence_spans
from nlp.typos import TypoLexicon

TARGET_GROUP = "esicheck_targets"
# Tokens before "(" that scispacy's long-form candidate can reach (it takes at most 32).
_LONG_FORM_REACH = 40
# Real notes define a handful of abbreviations; past this many "(" the detector is skipped.
MAX_PARENTHESES = 200
# A header's words, then a date, "DOS <date>" or an aside in parentheses (one or more), then
# a colon, a dash or the end of the line: "PROCEDURE (12/02/2025):", "EXAM (copied
# 07/22/2025):", "PROCEDURE NOTE -- DOS 05/12/2025 (copied forward)", "TODAY 10/02/2025 --
# Caudal ESI". A known header's words are required.
_DATE = r"(?:dos[ \t]*)?\d{1,2}/(?:\d{1,2}/)?\d{2,4}\b"
_DATED_HEADER = re.compile(
    r"(?im)^[ \t]*(?:[-=*#]{2,}[ \t]*)?([a-z][a-z &/'.-]{1,40}?)[ \t]*"
    r"(?:[-\u2013\u2014]{1,2}[ \t]*)?((?:(?:\([^()\n]{1,60}\)|" + _DATE + r")[ \t]*)+)"
    r"(?::|[ \t]*$|[ \t]*[-=*]{3,}[ \t]*$|[ \t]*(?:--?|\u2013|\u2014)[ \t])"
)
# An aside saying the section is an earlier visit's text: "(copied forward)", "(carried
# forward from 09/09/2025)", "(pasted from 05/2025 note)".
_COPIED_FORWARD = re.compile(r"\b(?:copied|carried forward|pasted|copy-?forward)\b", re.I)
# A line naming a person (patient, physician, nurse) before the word: its words are names.
_PERSON_FIELD = re.compile(
    r"[ \t]*(?:patient(?:'s)?(?: name)?|pt|name|referring(?: physician| provider)?|physician|"
    r"provider|attending|surgeon|proceduralist|resident|fellow|nurse|rn|crna|md|dr\.?|"
    r"performing physician|ordering provider|signed|electronically signed)\b[^:\n]{0,25}[:-]",
    re.I,
)
_TITLE_BEFORE = re.compile(r"\b(?:dr|mr|mrs|ms)\.?\s+$", re.I)
# A line break and the indent of the next line's text.
_INDENTED_LINE = re.compile(r"\r?\n[ \t]+(?=\S)")
# A short form in parentheses ("(ILESI)", "(TF ESI)", "(LOR)"): cheap pre-check before scispacy.
_DEFINITION_CANDIDATE = re.compile(r"\(\s*[A-Za-z][A-Za-z0-9./& -]{0,10}[A-Za-z0-9]\s*\)")


class SectionSpansSectionizer(Sectionizer):
    """medspaCy's Sectionizer that records `doc._.sections` only.

    The stock component also writes `token._.section` on every token, which costs more than
    finding the headers; esicheck reads sections by character offset from `doc._.sections`.
    """

    header_patterns: tuple[tuple[re.Pattern[str], int], ...] = ()
    # Headers alone on their line with an indented body ("PRIOR INTERVENTIONS" + "  - L2-L3
    # ILESI 2024"): the phrase rules' "header\n" needs a bare line break, and spaCy makes the
    # break and the indent one token. Maps each such header's words to its rule's match id.
    indented_headers: dict[str, int] | None = None
    # Headers with a date or an aside before their colon ("PROCEDURE (12/02/2025):", "TODAY
    # 09/22/2025:", "PROCEDURE NOTE -- DOS 05/12/2025 (copied forward)"): the header's words
    # to its rule's match id; `earlier_note_id` is the history rule used instead when the aside
    # says the section was copied forward from an earlier visit.
    dated_headers: dict[str, int] | None = None
    earlier_note_id: int = 0

    def __call__(self, doc: Doc) -> Doc:
        matches = self._Sectionizer__matcher(doc)
        if self.header_patterns or self.indented_headers:
            matches = self._with_header_patterns(doc, matches)
        if self.require_start_line:
            matches = self.filter_start_lines(doc, matches)
        if self._parent_sections:
            matches = self.set_parent_sections(matches)
        sections: list[Section] = []
        if not matches:
            doc._.sections = [Section(None, 0, 0, 0, len(doc))]
            return doc
        if matches[0][1] != 0:
            sections.append(Section(None, 0, 0, 0, matches[0][1]))
        rule_map = self._Sectionizer__matcher.rule_map
        for i, match in enumerate(matches):
            match_id, start, end = match[0], match[1], match[2]
            rule = rule_map[self.nlp.vocab.strings[match_id]]
            body_end = matches[i + 1][1] if i + 1 < len(matches) else len(doc)
            sections.append(Section(rule.category, start, end, end, body_end, None, rule))
        doc._.sections = sections
        return doc


    def _with_header_patterns(
        self, doc: Doc, matches: list[tuple[int, int, int]]
    ) -> list[tuple[int, int, int]]:
        """Add the regex header rules' matches ("H&P (updated today):"), read from the note's
        text once; medspaCy's regex matcher re-joins the doc's tokens for every pattern."""
        text = doc_text(doc)
        found = list(matches)
        for pattern, match_id in self.header_patterns:
            for match in pattern.finditer(text):
                span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
                if span is not None and len(span):
                    found.append((match_id, span.start, span.end))
        if self.dated_headers:
            for match in _DATED_HEADER.finditer(text):
                match_id = self.dated_headers.get(" ".join(match.group(1).lower().split()))
                if match_id is None:
                    continue
                if _COPIED_FORWARD.search(match.group(2)):
                    match_id = self.earlier_note_id
                start = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
                span = doc.char_span(start, match.end(), alignment_mode="expand")
                if span is not None and len(span):
                    found.append((match_id, span.start, span.end))
        if self.indented_headers:
            for match in _INDENTED_LINE.finditer(text):
                line_start = text.rfind("\n", 0, match.start()) + 1
                line = text[line_start : match.start()]
                match_id = self.indented_headers.get(" ".join(line.lower().split()))
                if match_id is None:
                    continue
                start = line_start + len(line) - len(line.lstrip())
                span = doc.char_span(start, match.start(), alignment_mode="expand")
                if span is not None and len(span):
                    found.append((match_id, span.start, span.end))
        if len(found) == len(matches):
            return matches
        return prune_overlapping_matches(sorted(found, key=lambda m: (m[1], -m[2])))


@Language.factory(
    "esicheck_sectionizer", assigns=["doc._.sections"], requires=["token.is_sent_start"]
)
def make_sectionizer(nlp: Language, name: str) -> Sectionizer:
    """medspaCy Sectionizer loaded with the procedure-note section rules; rules with a regex
    `pattern` are matched by the component itself (see `_with_header_patterns`)."""
    sectionizer = SectionSpansSectionizer(
        nlp, name=name, rules=None, input_span_type=None, span_attrs=None, require_start_line=True
    )
    rules = [
        SectionRule.from_dict(rule.model_dump(exclude_none=True))
        for rule in resources.section_rules().section_rules
    ]
    sectionizer.add([rule for rule in rules if not isinstance(rule.pattern, str)])
    rule_map = sectionizer._Sectionizer__matcher.rule_map
    header_patterns = []
    for number, rule in enumerate(r for r in rules if isinstance(r.pattern, str)):
        rule_id = f"{rule.category}_header_pattern_{number}"
        rule_map[rule_id] = rule
        header_patterns.append((re.compile(rule.pattern), nlp.vocab.strings.add(rule_id)))
    sectionizer.header_patterns = tuple(header_patterns)
    sectionizer.indented_headers = _header_words(nlp, rules, rule_map, "\n")
    sectionizer.dated_headers = _header_words(nlp, rules, rule_map, ":")
    earlier = SectionRule(category="history", literal="header of a section copied forward")
    rule_map["history_copied_forward"] = earlier
    sectionizer.earlier_note_id = nlp.vocab.strings.add("history_copied_forward")
    return sectionizer


def _header_words(
    nlp: Language, rules: list[SectionRule], rule_map: dict[str, SectionRule], ending: str
) -> dict[str, int]:
    """The header words of every phrase rule written "<header><ending>" ("plan:" for ":",
    "plan\\n" for "\\n"), each with a match id, for `SectionSpansSectionizer` to find where
    the phrase rules cannot: with a date or an aside before the colon, or above an indented
    line."""
    match_ids: dict[str, int] = {}
    for rule in rules:
        literal = rule.literal if isinstance(rule.literal, str) else ""
        if isinstance(rule.pattern, str) or not literal.endswith(ending):
            continue
        if literal.endswith(ending * 2):
            continue  # "plan\\n\\n": the blank-line form of the same header
        header = " ".join(literal[: -len(ending)].lower().split())
        if header and header not in match_ids:
            rule_id = f"{rule.category}_header_words_{ending!r}_{len(match_ids)}"
            rule_map[rule_id] = rule
            match_ids[header] = nlp.vocab.strings.add(rule_id)
    return match_ids


class LabelOnlyTargetMatcher(TargetMatcher):
    """medspaCy's TargetMatcher writing labelled spans only.

    The stock component also stores the rule on every span through an extension attribute;
    esicheck looks rule metadata up by (label, literal) in `resources.target_lexicon()`, so
    that per-span write is skipped.
    """

    # Drug names one slip off a lexicon term, and the rule of each term they stand for.
    typos: TypoLexicon | None = None
    typo_rules: dict[str, TargetRule] = {}

    def __call__(self, doc: Doc) -> Doc:
        matcher = self._TargetMatcher__matcher
        labels = self.__dict__.setdefault("_labels", {})
        spans = []
        for rule_id, start, end in matcher(doc):
            label = labels.get(rule_id)
            if label is None:
                label = self._label_of(rule_id)
            spans.append(Span(doc, start, end, label=label))
        if self.typos is not None:
            spans += self._misspelt_drugs(doc)
        doc.spans[self.span_group_name] = spans
        return doc

    def _misspelt_drugs(self, doc: Doc) -> list[Span]:
        """DRUG spans for long words one slip from a drug name ("dexametasone"); each carries
        the rule of the term it stands for, so it reads as that drug."""
        found = []
        text = doc_text(doc)
        for index, term in self.typos.misspelt_tokens(doc):
            start = doc[index].idx
            line_start = text.rfind("\n", 0, start) + 1
            if _PERSON_FIELD.match(text, line_start, start) or _TITLE_BEFORE.search(
                text, max(line_start, start - 6), start
            ):
                continue  # "PATIENT: HAVERFORD, CELESTINE", "Dr. Lidocaino": a person's name
            span = Span(doc, index, index + 1, label="DRUG")
            span._.target_rule = self.typo_rules[term]
            found.append(span)
        return found

    def _label_of(self, rule_id: int) -> int:
        """The label hash of a rule's category, remembered per rule id (the rules do not
        change once the pipeline is built; a string look-up per match cost more)."""
        strings = self.nlp.vocab.strings
        category = self._TargetMatcher__matcher.rule_map[strings[rule_id]].category
        label = strings.add(category)
        self.__dict__["_labels"][rule_id] = label
        return label


@Language.factory("esicheck_targets", assigns=["doc.spans"])
def make_target_matcher(nlp: Language, name: str) -> TargetMatcher:
    """medspaCy TargetMatcher with the concept rules and the drug lexicon, unpruned so a
    phrase can be both an approach ("caudal epidural") and a procedure type ("epidural")."""
    matcher = LabelOnlyTargetMatcher(
        nlp, name=name, result_type="group", span_group_name=TARGET_GROUP, prune=False
    )
    rules = [
        TargetRule.from_dict(rule.model_dump(exclude_none=True))
        for rule in resources.target_rules()
    ]
    lexicon = resources.drug_lexicon()
    typo_rules: dict[str, TargetRule] = {}
    for drug in lexicon.drugs:
        for term in drug.terms:
            rule = TargetRule(
                literal=term, category="DRUG", metadata={"value": drug.name, "role": drug.role}
            )
            rules.append(rule)
            if term not in lexicon.exact_only:
                typo_rules[term] = rule
    matcher.add(rules)
    matcher.typos = TypoLexicon(
        (term, str(rule.metadata["value"])) for term, rule in typo_rules.items()
    )
    matcher.typo_rules = typo_rules
    return matcher


class SentenceScopedConText(ConText):
    """medspaCy ConText applied one sentence at a time.

    medspaCy compares every modifier with every target of the document; a modifier's scope
    never leaves its sentence, so grouping both by sentence gives the same edges in linear
    time, and sentences without a target are skipped entirely.
    """

    def __call__(self, doc: Doc, targets: str | None = None) -> Doc:
        spans = list(doc.spans[self.span_group_name]) if self.span_group_name in doc.spans else []
        graph = ConTextGraph(prune_on_modifier_overlap=self.prune_on_target_overlap)
        graph.targets, graph.modifiers, graph.edges = spans, [], []
        if spans:
            starts = [first for first, _, _ in sentence_spans(doc)]
            by_sentence: dict[int, tuple[list, list]] = {}
            for span in spans:
                key = bisect_right(starts, span.start) - 1
                by_sentence.setdefault(key, ([], []))[0].append(span)
            matcher = self._ConText__matcher
            brackets = _bracket_tokens(doc)
            for match_id, start, end in matcher(doc):
                key = bisect_right(starts, start) - 1
                if key not in by_sentence:
                    continue  # no target in this sentence: nothing to modify
                rule = matcher.rule_map[self.nlp.vocab[match_id].text]
                if self.max_scope:
                    modifier = ConTextModifier(rule, start, end, doc, max_scope=self.max_scope)
                else:
                    sentence_end = starts[key + 1] if key + 1 < len(starts) else len(doc)
                    bounds = _aside_bounds(brackets, start, end, starts[key], sentence_end)
                    scope = _sentence_scope(rule, start, end, *bounds)
                    if rule.direction.upper() == "TERMINATE":
                        # medspaCy ends another modifier's scope at a terminator only when
                        # their scopes "overlap" by its `tuple_overlaps`, which misses a
                        # sentence-wide scope around a short one ("no it/vascular; dexa..."):
                        # the terminator's own tokens always test true.
                        scope = (start, end)
                    modifier = ConTextModifier(rule, start, end, doc, *scope)
                by_sentence[key][1].append(modifier)
            for sentence_targets, modifiers in by_sentence.values():
                if not modifiers:
                    continue
                local = ConTextGraph(prune_on_modifier_overlap=self.prune_on_target_overlap)
                local.targets, local.modifiers = sentence_targets, modifiers
                local.update_scopes()
                local.apply_modifiers()
                graph.modifiers.extend(local.modifiers)
                graph.edges.extend(local.edges)
        for target, modifier in graph.edges:
            target._.modifiers += (modifier,)
        if self.context_attributes_mapping:
            self.set_context_attributes(graph.edges)
        doc._.context_graph = graph
        return doc


# How far (in tokens) a modifier may sit from the brackets of the aside that holds it.
_ASIDE_REACH = 25


def _bracket_tokens(doc: Doc) -> tuple[list[int], list[bool]]:
    """Indices of the "(" and ")" tokens of the doc, in order, and whether each opens."""
    if "(" not in doc_text(doc):
        return [], []
    orth = doc.to_array(ORTH)
    strings = doc.vocab.strings
    opening, closing = strings.add("("), strings.add(")")
    found = numpy.flatnonzero((orth == opening) | (orth == closing))
    return found.tolist(), [bool(orth[i] == opening) for i in found]


def _aside_bounds(
    brackets: tuple[list[int], list[bool]],
    start: int,
    end: int,
    sentence_start: int,
    sentence_end: int,
) -> tuple[int, int]:
    """The bounds a modifier's scope may reach: its sentence, or the parenthetical aside that
    holds it. "bupivacaine 3 mL (lidocaine avoided d/t allergy)": "avoided" speaks of the
    lidocaine in its parentheses, not of the bupivacaine outside them. A modifier that opens
    its aside ("Omnipaque (not given)") still looks back at what the aside annotates.
    `brackets` are the doc's bracket tokens (`_bracket_tokens`)."""
    positions, opens = brackets
    i = bisect_left(positions, start) - 1
    if i < 0 or not opens[i] or positions[i] < max(sentence_start, start - _ASIDE_REACH):
        return sentence_start, sentence_end  # no "(" just before, or a ")" came first
    opening = positions[i]
    j = bisect_left(positions, end)
    if j >= len(positions) or opens[j] or positions[j] >= min(sentence_end, end + _ASIDE_REACH):
        return sentence_start, sentence_end  # the aside does not close near the modifier
    aside_start = opening + 1 if opening + 1 < start else sentence_start
    return aside_start, positions[j]


def _sentence_scope(
    rule: ConTextRule, start: int, end: int, sentence_start: int, sentence_end: int
) -> tuple[int, int]:
    """The scope medspaCy's `ConTextModifier` gives a modifier from its sentence
    (`doc[start].sent`), computed from the splitter's sentence bounds instead of walking the
    tokens: forward to the sentence end, backward to its start, otherwise both, each limited
    by the rule's `max_scope`."""
    limit = rule.max_scope
    direction = rule.direction.lower()
    if direction == "forward":
        scope_end = sentence_end
        if limit is not None and scope_end - end > limit:
            scope_end = end + limit
        return end, scope_end
    if direction == "backward":
        scope_start = sentence_start
        if limit is not None and start - scope_start > limit:
            scope_start = start - limit
        return scope_start, start
    scope_start, scope_end = sentence_start, sentence_end
    if limit is not None and start - scope_start > limit:
        scope_start = start - limit
    if limit is not None and scope_end - end > limit:
        scope_end = end + limit
    return scope_start, scope_end


@Language.factory("esicheck_context", requires=["doc.spans"])
def make_context(nlp: Language, name: str) -> ConText:
    """medspaCy ConText over the target group with rules tuned to procedure language."""
    context = SentenceScopedConText(
        nlp, name=name, rules=None, input_span_type="group", span_group_name=TARGET_GROUP
    )
    rules = []
    for rule in resources.context_rules().context_rules:
        data = rule.model_dump(exclude_none=True)
        for key in ("allowed_types", "excluded_types", "terminated_by"):
            if key in data:
                data[key] = set(data[key])
        rules.append(ConTextRule.from_dict(data))
    context.add(rules)
    return context


@Language.factory("esicheck_abbreviations", requires=["doc.spans"])
def make_abbreviations(nlp: Language, name: str) -> "AbbreviationTargets":
    return AbbreviationTargets(nlp)


class _LongFormRule:
    """The rule facts of a long form, carried by its note-defined short form."""

    def __init__(self, target: Span) -> None:
        meta = resources.target_lexicon().get((target.label_, resources.lexicon_key(target.text)))
        self.metadata = dict(meta or {})
        self.literal = target.text.lower()


class AbbreviationTargets:
    """scispacy's abbreviation detector, then give each use of a note-defined short form the
    targets of its long form: "... epidural steroid injection (LIESI) ... the LIESI was...".

    The detector only runs when some definition it would consider has a target inside its
    long-form candidate (`_may_define_a_target`); otherwise nothing could be added, and its
    token matcher costs more than the rest of this component."""

    def __init__(self, nlp: Language) -> None:
        from scispacy.abbreviation import AbbreviationDetector

        self._detector = AbbreviationDetector(nlp)
        self._open = nlp.vocab.strings.add("(")
        self._close = nlp.vocab.strings.add(")")

    def _brackets(self, doc: Doc) -> list[tuple[int, int]]:
        """Token indexes (open, close) of the bracket pairs scispacy's matcher would return
        ("(", one or more tokens, ")") with at most eight tokens inside (`filter_matches`
        drops the rest), in the matcher's order: by the close, then the shorter pair first."""
        orth = doc.to_array("ORTH")
        opens = numpy.flatnonzero(orth == self._open).tolist()
        closes = numpy.flatnonzero(orth == self._close).tolist()
        # Inside tokens i+1 .. j-1: at least one (the matcher's "+"), at most eight.
        pairs = [
            (i, j)
            for i in opens
            for j in closes[bisect_left(closes, i + 2) : bisect_right(closes, i + 9)]
        ]
        pairs.sort(key=lambda pair: (pair[1], -pair[0]))
        return pairs

    def _may_define_a_target(
        self, doc: Doc, brackets: list[tuple[int, int]] | None = None
    ) -> bool:
        """Whether a long-form candidate of scispacy's `filter_matches` holds a target.

        The candidates are built from the same bracket pairs as scispacy's matcher finds,
        by `filter_matches` itself. A long form the detector finds lies inside its
        candidate, so when no candidate holds a target the detector could not add one."""
        from scispacy.abbreviation import filter_matches

        if brackets is None:
            brackets = self._brackets(doc)
        if not brackets:
            return False
        targets = sorted((s.start, s.end) for s in doc.spans[TARGET_GROUP])
        starts = [start for start, _ in targets]
        pairs = []
        for i, j in brackets:
            # A candidate long form is inside the brackets or among the 32 tokens before them
            # (short forms of at most three tokens under ten characters each): a pair with no
            # target there cannot matter, so scispacy need not build its candidate.
            first = bisect_left(starts, i - _LONG_FORM_REACH)
            if any(end <= i or (start > i and end <= j) for start, end in targets[first:]):
                pairs.append((0, i + 1, j))
        if not pairs:
            return False
        for long_form, _short in filter_matches(pairs, doc):
            if any(long_form.start <= a and b <= long_form.end for a, b in targets):
                return True
        return False

    def _detect(self, doc: Doc, brackets: list[tuple[int, int]]) -> None:
        """scispacy's `AbbreviationDetector.__call__` on bracket pairs found with numpy instead
        of its token matcher (the same pairs in the same order, so the same abbreviations;
        the matcher was most of the detector's time)."""
        from scispacy.abbreviation import filter_matches

        filtered = filter_matches([(0, i + 1, j) for i, j in brackets], doc)
        for long_form, short_forms in self._detector.find_matches_for(filtered, doc):
            for short in short_forms:
                short._.long_form = long_form
                doc._.abbreviations.append(short)

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        parentheses = text.count("(")
        if not parentheses or parentheses > MAX_PARENTHESES:
            return doc  # scispacy's detector is super-linear in the number of candidates
        if not _DEFINITION_CANDIDATE.search(text):
            return doc  # no "(ABBR)" anywhere: nothing for the detector to define
        if TARGET_GROUP not in doc.spans:
            return doc
        brackets = self._brackets(doc)
        if not self._may_define_a_target(doc, brackets):
            return doc
        self._detect(doc, brackets)
        if not doc._.abbreviations:
            return doc
        targets = list(doc.spans[TARGET_GROUP]) if TARGET_GROUP in doc.spans else []
        covered = {(t.start, t.end) for t in targets}
        added: list[Span] = []
        for short in doc._.abbreviations:
            long_form = short._.long_form
            if (short.start, short.end) in covered or short.text.islower():
                continue  # "(none)", "(left)": a word in parentheses, not a short form
            for target in targets:
                if target.start >= long_form.start and target.end <= long_form.end:
                    span = Span(doc, short.start, short.end, label=target.label_)
                    span._.target_rule = _LongFormRule(target)
                    added.append(span)
                    covered.add((short.start, short.end))
                    break
        if added:
            doc.spans[TARGET_GROUP] = targets + added
        return doc

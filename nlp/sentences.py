"""Fast sentence boundaries for clinical notes (replaces PyRuSH in the hot path).

Procedure notes are line-oriented: headers, labelled fields and bullets each start a new
sentence; dictated paragraphs break at sentence punctuation. Boundaries are found with two
regular expressions over the text and written to the Doc in one array operation, so the cost
is a fraction of tokenizing, where PyRuSH costs ~25x tokenizing.
"""

import re

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from nlp.extensions import doc_text

# A line start after a line break; a lower-case continuation of an unfinished line is a wrap.
_LINE_START = re.compile(r"\n([ \t]*\n)?[ \t\r\f\v]*(?=\S)")
# Terminal punctuation then a capital or digit: a new sentence inside a paragraph; or, in
# all-lower-case transcription, ".", "?" or "!" then a word ("... flow. injected 10 mg").
# Not after a period (dot leaders "..... 2 mL"). The pattern starts with the punctuation (its
# look-behind follows it) so `re` skips straight to candidates; a ";" before a lower-case word
# is dropped by `boundary_offsets` (tests/test_sentences.py compares this with the
# "(?<![.])(?:[.?!;][ \t]+(?=[A-Z0-9(\[])|[.?!][ \t]+(?=[a-z]{2,}\b))" it stands for).
_PUNCT_START = re.compile(r"[.?!;](?<!\.[.?!;])[ \t]+(?=[A-Z0-9(\[]|[a-z]{2,}\b)")
_CAPITAL_START = re.compile(r"[A-Z0-9(\[]")
MAX_SENTENCE_TOKENS = 200
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:dr|mr|mrs|ms|approx|vs|e\.g|i\.e|pt|st|no|fig|lt|rt|etc|cf|al|ac)|\b[A-Z])\.$",
    re.IGNORECASE,
)
# Before a lower-case word a period may close a unit or short form ("2 mo. ago", "approx. 5").
_LOWER_CASE_ABBREVIATIONS = re.compile(
    r"\b(?:min|max|hr|hrs|sec|wk|wks|mo|mos|yr|yrs|mg|ml|cc|mcg|gm|oz|lb|lbs|cm|mm|inc|sr|jr|"
    r"ca|neg|pos|resp|temp|med|meds|dx|hx|sx|tx|rx|pmh|psh|bilat|abd|ext|flex|lat|ant|post|"
    r"sup|inf|incl|esp|appt)\.$",
    re.IGNORECASE,
)


# A line ending in a word that cannot end a sentence: "... then 80 mg of" + "Depo-Medrol ...".
_OPEN_ENDING = re.compile(
    r"\b(?:of|the|a|an|and|or|with|to|at|in|into|for|by|from|under|over|via|was|were|is|"
    r"are|then|using|through|on|after|before|as|than|that|which|its|his|her|their)[ \t]*$"
)
# A next line that starts a field, a list item or a heading, never a continuation.
_NEW_ITEM = re.compile(
    r"[ \t]*(?:[-*\u2022#>]|\d{1,2}[.)]\s|\[|[A-Za-z][\w /()&'-]{0,40}(?::|\.{3,}|[ \t]{2,}))"
)
# After a strength ("lidocaine 1%"), a line going on with the drug: "PF 2 mL", "MPF", "3 mL".
_STRENGTH_GOES_ON = re.compile(r"(?:m?pf\b|preservative|\d+(?:\.\d+)?\s*(?:ml|cc)\b)", re.I)
# "1st LESI 6/2025 ...": a line that starts with an ordinal starts a statement.
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)\b", re.IGNORECASE)
# Dictated paragraphs hard-wrapped by an editor run about this long per line.
_WRAP_WIDTH = 60


def _hard_wrapped(text: str, line_end: int, next_start: int) -> bool:
    """Whether a line break at `line_end` wraps a paragraph rather than ending a line:
    the line stops on an open word ("... 80 mg of"), or a long prose line stops mid-phrase
    and the next line goes on with a number ("... Kenalog-40" + "40 mg/mL x 2 mL") and does
    not start a field or list item."""
    if _NEW_ITEM.match(text, next_start):
        return False
    line_start = text.rfind("\n", 0, line_end) + 1
    if _OPEN_ENDING.search(text, max(line_start, line_end - 12), line_end):
        return True
    if last_visible_char(text, line_end) == "%" and _STRENGTH_GOES_ON.match(text, next_start):
        return True  # "... + bupivacaine 0.25%" + "PF 2 mL.": the drug's amount follows
    if line_end - line_start < _WRAP_WIDTH or "|" in text[line_start:line_end]:
        return False  # a short line, or a table row ("09:20 | 138/82 | 7 | alert")
    last = last_visible_char(text, line_end)
    return last in ",-" or (
        last.isalnum() and text[next_start].isdigit() and not _ORDINAL.match(text, next_start)
    )


@Language.factory("esicheck_sentences", assigns=["token.is_sent_start"])
def make_sentence_splitter(nlp: Language, name: str) -> "ClinicalSentenceSplitter":
    return ClinicalSentenceSplitter()


def last_visible_char(text: str, end: int) -> str:
    """The last non-whitespace character before `end` ("" if none): what
    `text[:end].rstrip()[-1:]` gives, without copying the whole prefix for every line."""
    i = end - 1
    while i >= 0 and text[i].isspace():
        i -= 1
    return text[i] if i >= 0 else ""


def _wraps(text: str, match: re.Match) -> bool:
    """Whether the line break matched by `_LINE_START` continues the sentence."""
    start = match.end()
    return (
        match.group(1) is None  # not a blank line
        and last_visible_char(text, match.start()) not in (".", "?", "!", ";", ":", "")
        and (
            (
                text[start].islower()
                and _line_length(text, match.start()) >= _SHORTEST_WRAPPED_LINE
                and not _next_line_fits(text, match.start(), start)
                and not _short_statement_follows(text, match.start(), start)
            )
            or _hard_wrapped(text, match.start(), start)
            or _capitals_wrapped(text, match.start(), start)
        )
    )


# An all-capitals line this long, not ended by a full stop, is a wrapped line.
_CAPITALS_WRAP_WIDTH = 45


def _capitals_wrapped(text: str, line_end: int, next_start: int) -> bool:
    """Whether an ALL-CAPITALS line wraps into the next all-capitals line: old hospital systems
    print notes in capitals hard-wrapped at 60-70 characters ("CONSERVATIVE CARE X 3" +
    "MONTHS INCLUDING PT"), where no lower-case letter marks the continuation."""
    line_start = text.rfind("\n", 0, line_end) + 1
    if line_end - line_start < _CAPITALS_WRAP_WIDTH or _NEW_ITEM.match(text, next_start):
        return False
    next_end = text.find("\n", next_start)
    next_line = text[next_start : len(text) if next_end < 0 else next_end]
    return text[line_start:line_end].isupper() and next_line.isupper()


# Lines of one wrapped paragraph differ this much in length at most (ragged OCR, editors).
_WRAP_SLACK = 10


# Lines this close to a wrapped line are read for the paragraph's width.
_WIDTH_NEIGHBOURS = 3


def _neighbour_width(text: str, line_start: int, line_end: int) -> int:
    """The longest line of this line's paragraph, up to three lines each side: the width a
    paragraph wrapped here would have. The paragraph stops at a blank line and at a line that
    starts a field or list item ("DESCRIPTION: ..."), which is no measure of this one."""
    widest = line_end - line_start
    start = line_start
    for _ in range(_WIDTH_NEIGHBOURS):
        if start == 0 or _NEW_ITEM.match(text, start):
            break  # this line opens its paragraph
        before = text.rfind("\n", 0, start - 1) + 1
        if not text[before : start - 1].strip():
            break
        widest = max(widest, start - 1 - before)
        start = before
    end = line_end
    for _ in range(_WIDTH_NEIGHBOURS):
        if end >= len(text) or _NEW_ITEM.match(text, end + 1):
            break
        after = text.find("\n", end + 1)
        after = len(text) if after < 0 else after
        if not text[end + 1 : after].strip():
            break
        widest = max(widest, after - end - 1)
        end = after
    return widest


def _next_line_fits(text: str, line_end: int, next_start: int) -> bool:
    """Whether the next line's first word would have fitted on this line, given the width of
    the lines around it: then this line ended by choice, not by wrapping, even though the next
    starts in lower case ("ALLERGIES: IODINE - anaphylaxis, PCN" + "she signed consent ...";
    "kenalog 40/1 + bupi .25% 2cc" + "pt tol well" under a 100-character line).
    A line that stops on an open word ("... with") still wraps."""
    line_start = text.rfind("\n", 0, line_end) + 1
    next_end = text.find("\n", next_start)
    next_end = len(text) if next_end < 0 else next_end
    first_word = text.find(" ", next_start, next_end)
    first_word_length = (next_end if first_word < 0 else first_word) - next_start
    width = _neighbour_width(text, line_start, line_end)
    shortfall = width - (line_end - line_start + 1 + first_word_length)
    if shortfall <= _WRAP_SLACK:
        return False
    return not _OPEN_ENDING.search(text, max(line_start, line_end - 12), line_end)


# A line shorter than this is not a wrapped paragraph line ("dex 10 + NS 8cc" + "tol well"):
# editors and OCR wrap at 60-80 characters, narrow EHR columns at about 35.
_SHORTEST_WRAPPED_LINE = 25


def _line_length(text: str, line_end: int) -> int:
    return line_end - (text.rfind("\n", 0, line_end) + 1)


def _short_statement_follows(text: str, line_end: int, next_start: int) -> bool:
    """Whether the next line is a statement of its own: it ends unpunctuated, another lower-case
    line follows it, and it stops so far short of this line's width that the first word of the
    line after it would have fitted. A
    wrapped paragraph's short last line ends the paragraph; in a terse note it is just the next
    statement ("..., LOR saline, no contrast (preg)" + "kenalog 40 + NS 4cc" + "tol well")."""
    next_end = text.find("\n", next_start)
    if next_end < 0 or next_end + 1 >= len(text) or text[next_end + 1] in "\r\n":
        return False  # the last line of the note or of its paragraph
    if last_visible_char(text, next_end) in ".?!:;,-":
        return False
    if _OPEN_ENDING.search(text, max(next_start, next_end - 12), next_end):
        return False
    if not text[next_end + 1].islower():
        return False  # the paragraph ends there and a field or sentence follows
    after_end = text.find("\n", next_end + 1)
    after_end = len(text) if after_end < 0 else after_end
    first_word = text.find(" ", next_end + 1, after_end)
    first_word_length = (after_end if first_word < 0 else first_word) - next_end - 1
    width = line_end - (text.rfind("\n", 0, line_end) + 1)
    return (next_end - next_start) + 1 + first_word_length + _WRAP_SLACK <= width


def wrapped_line_breaks(text: str) -> list[int]:
    """Offsets of single line breaks between two words that wrap a sentence ("physical\n
    therapy"): the tokenizer reads them as spaces so phrases split by a wrap still match."""
    found = []
    for match in _LINE_START.finditer(text):
        i = match.start()
        if match.end() != i + 1 or i == 0 or text[i - 1].isspace() or text[i - 1] == "-":
            continue  # only a bare "\n" between two words ("radiculop-\nathy" stays split)
        if match.end() < len(text) and _wraps(text, match):
            found.append(i)
    return found


def boundary_offsets(text: str) -> list[int]:
    """Character offsets where sentences start."""
    starts = [0]
    for match in _LINE_START.finditer(text):
        start = match.end()
        if start >= len(text):
            continue
        if not _wraps(text, match):
            starts.append(start)
    for match in _PUNCT_START.finditer(text):
        if text[match.start()] == ";" and not _CAPITAL_START.match(text, match.end()):
            continue  # ";" starts a sentence only before a capital, digit or bracket
        before = text[max(0, match.start() - 6) : match.start() + 1]
        if match.group(0)[0] == "." and _ABBREVIATIONS.search(before):
            continue
        if text[match.end() : match.end() + 1].islower() and _LOWER_CASE_ABBREVIATIONS.search(
            before
        ):
            continue
        starts.append(match.end())
    return starts


class ClinicalSentenceSplitter:
    """Set `is_sent_start` from line structure and terminal punctuation."""

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        token_starts = doc.to_array("IDX")
        values = numpy.full(len(doc), -1, dtype="int32")
        offsets = numpy.asarray(
            sorted(set(boundary_offsets(doc_text(doc)))), dtype=token_starts.dtype
        )
        positions = numpy.searchsorted(token_starts, offsets)
        positions = positions[positions < len(doc)]
        values[positions] = 1
        values[0] = 1
        # No sentence runs past MAX_SENTENCE_TOKENS: keeps ConText and the per-sentence
        # extractors linear on text without punctuation or line breaks.
        starts = numpy.flatnonzero(values == 1)
        gaps = numpy.diff(numpy.append(starts, len(doc)))
        long_ones = gaps > MAX_SENTENCE_TOKENS
        for start, gap in zip(starts[long_ones], gaps[long_ones], strict=True):
            values[start + MAX_SENTENCE_TOKENS : start + gap : MAX_SENTENCE_TOKENS] = 1
        values[0] = 1
        doc.from_array([SENT_START], values.reshape(-1, 1).astype("uint64"))
        doc._.esi_sentences = _sentence_spans(values, token_starts, doc.to_array("LENGTH"))
        return doc


def _sentence_spans(
    values: numpy.ndarray, token_starts: numpy.ndarray, lengths: numpy.ndarray
) -> list[tuple[int, int, int]]:
    """(first token, start char, end char) of each sentence marked in `values` (1 = start):
    a sentence ends where its last token's text ends, as `Span.end_char` does."""
    starts = numpy.flatnonzero(values == 1)
    last = numpy.append(starts[1:], len(values)) - 1
    ends = token_starts[last] + lengths[last]
    return list(
        zip(starts.tolist(), token_starts[starts].tolist(), ends.tolist(), strict=True)
    )

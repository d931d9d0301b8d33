"""The text the rules read: the note with wrapped line breaks and common OCR misreadings
repaired, always the same length as the note so every offset still points into the original.

Faxed, scanned and PDF-extracted notes wrap sentences at a fixed width ("formal physical" /
"therapy") and misread characters ("0mnipaque", "Depo-Medro1", "80 rng"). Phrase rules and
regexes read the repaired text; evidence quotes the original (`NoteView.evidence`).
"""

from __future__ import annotations

import re

from nlp.sentences import wrapped_line_breaks

# Each pattern starts with its literal character so `re` jumps straight to candidates; the
# look-behind after it checks the character before.
# "0mnipaque": a zero read for a capital O at the start of a word of letters.
_LEADING_ZERO = re.compile(r"0(?<![\w.]0)(?=[A-Za-z]{3,}\b)")
# "Depo-Medro1", "forma1", "lidocai1ne": a one read for a lower-case l after three letters
# (not a strength glued to its name: "lidocaine1%").
_ONE_FOR_L = re.compile(r"1(?<=[a-z]{3}1)(?=[a-z]*\b)(?![a-z]*\d)(?!\s?%)")
# "80 rng", "2 rnL": "rn" read for "m" in a unit right after a number.
_RN_UNIT = re.compile(r"rn(?:(?<=\drn)|(?<=\d rn))(g|l|L|cg)\b")


# Speech recognition without an editor writes the spoken punctuation as words: "injection
# period new paragraph INDICATION colon ...". Only notes that do it several times are read so.
_DICTATED_PUNCTUATION = re.compile(r"\b(?:new paragraph|period|comma)\b", re.I)
_DICTATED_MINIMUM = 3
_SPOKEN_MARK = re.compile(
    r" (?:(period|full stop)(?! of\b)|(comma)|(semicolon))\b"
    r"|^([ \t]*[A-Za-z][\w /&-]{0,30}?) (colon)\b",
    re.I | re.M,
)
_SPOKEN_BREAK = re.compile(r"[ \t]*\b(?:new paragraph|next paragraph|new line)\b[ \t]*", re.I)
_SPOKEN_PUNCTUATION = {"period": ".", "full stop": ".", "comma": ",", "semicolon": ";"}
# "a period", "the observation period": the word, not the mark.
_PERIOD_AS_WORD = re.compile(
    r"\b(?:a|the|this|that|same|time|trial|waiting|recovery|observation|refractory)$", re.I
)


def _written_punctuation(match: re.Match) -> str:
    """A spoken mark as its character, padded to the same length."""
    width = match.end() - match.start()
    spoken = match.group(1) or match.group(2) or match.group(3)
    if match.group(1) and _PERIOD_AS_WORD.search(match.string, 0, match.start()):
        return match.group(0)
    if spoken:
        return _SPOKEN_PUNCTUATION[spoken.lower()].ljust(width)
    return (match.group(4) + ":").ljust(width)


def _dictation_repaired(text: str) -> str:
    """Spoken punctuation written out as punctuation, when the note dictates it."""
    marks = _DICTATED_PUNCTUATION.findall(text)
    if len(marks) < _DICTATED_MINIMUM:
        return text
    # The line break last, so the next line starts at its first word.
    text = _SPOKEN_BREAK.sub(lambda match: "\n\n".rjust(match.end() - match.start()), text)
    return _SPOKEN_MARK.sub(_written_punctuation, text)


# A note written on one line with " | " between its statements ("lt c6-7 esi, fluoro | c/o lt
# arm pain x 4 mo | ... | tolerated, pain 2/10 | home"): each statement is read as a line.
# Table rows (short cells: "1005 | 146/84 | 78 | 6") keep their pipes.
_PIPE = " | "
_PIPE_STATEMENTS = 3
_LONG_STATEMENT = 40


def _piped_statements(text: str) -> str:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.count(_PIPE) < _PIPE_STATEMENTS:
            continue
        cells = line.split(_PIPE)
        if max(len(cell) for cell in cells) > _LONG_STATEMENT and len(line) / len(cells) > 20:
            lines[i] = line.replace(_PIPE, ";\n ")
    return "\n".join(lines)


# OCR reads a zero as a capital O inside numbers: "1O mg", "Omnipaque 24O", "O.25%".
_O_FOR_ZERO = re.compile(r"O(?:(?<=\dO)(?=\d|\s?(?:mg|ml|mL|cc|%)\b|\b)|(?<![\w.]O)(?=\.\d))")
# A word hyphenated across a line break: "aller-\ngy" reads "allergy", "preservative-\nfree"
# reads "preservative-free" (a second part that stands alone keeps its hyphen).
_HYPHEN_BREAK = re.compile(r"(?<=[a-z])-\n([a-z]+)")
_STANDALONE_PARTS = frozenset(
    {"free", "based", "guided", "related", "induced", "term", "level", "side", "sided", "up",
     "like", "time", "year", "old", "day", "week", "month", "dose", "site", "line", "wise"}
)


def _joined_hyphen_break(match: re.Match) -> str:
    """The broken word rejoined, padded after it to the same length."""
    part = match.group(1)
    if part in _STANDALONE_PARTS:
        return ("-" + part).ljust(len(match.group(0)))
    return part.ljust(len(match.group(0)))


# Accented letters read as their plain letter, one character for one ("lidocaína",
# "Décadron", "fluoroscopía"): the lexicon and the typo look-up are written without accents.
_PLAIN_LETTERS = str.maketrans(
    "áéíóúàèìòùâêîôûäëïöüñçÁÉÍÓÚÀÈÌÒÙÂÊÎÔÛÄËÏÖÜÑÇ",
    "aeiouaeiouaeiouaeiouncAEIOUAEIOUAEIOUAEIOUNC",
)


# Markup left in an export: HTML entities and tags, RTF control words, UTF-8 read as
# Windows-1252 ("â€“" for an en dash, "Â" before a no-break space), carriage returns. Each is
# read as the character it stands for, or as spaces, padded to its own length; a dash fills
# its width with dashes so "L3&ndash;L4" still reads as one level ("L3-------L4").
_MARKUP = re.compile(
    r"&(#\d{2,5}|#x[0-9a-fA-F]{2,4}|[a-zA-Z]{2,6});"
    r"|<(/?)(br|p|div|span|b|i|u|strong|em|font|td|th|tr|table|tbody|thead|li|ul|ol|html|body|"
    r"head|h[1-6])\b[^<>\n]{0,80}>"
    r"|\\(par|line|row|cell|tab|pard|plain|b0?|i0?|ul0?|ulnone|f\d+|fs\d+|cf\d+|rtf1|ansi|"
    r"ansicpg\d+|deff\d+|fonttbl|fswiss|froman|viewkind\d+|uc\d+|lang\d+)\b ?"
    r"|\u00e2\u20ac[\u201c\u201d\u2122\u0153\u02dc\u00a6\u00a2]|\u00c2(?=[\s\u00a0\u00b0\u00b7])"
    r"|\r(?=\n)",
)
_ENTITY_CHARACTERS = {
    "nbsp": " ", "amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'", "ndash": "-",
    "mdash": "-", "bull": "-", "middot": "-", "deg": " ", "#39": "'", "#34": '"', "#38": "&",
    "#160": " ", "#8211": "-", "#8212": "-", "#8216": "'", "#8217": "'", "#8220": '"',
    "#8221": '"', "#8226": "-", "#x2013": "-", "#x2014": "-", "#xa0": " ",
}
_LINE_BREAK_TAGS = frozenset({"br", "p", "div", "tr", "li", "table", "h1", "h2", "h3", "h4"})
_LINE_BREAK_RTF = frozenset({"par", "line", "row"})
_MOJIBAKE = {"\u201c": "-", "\u201d": "-", "\u2122": "'", "\u0153": '"', "\u02dc": "'"}


def _markup_read(match: re.Match) -> str:
    width = match.end() - match.start()
    entity, tag, rtf = match.group(1), match.group(3), match.group(4)
    if entity is not None:
        character = _ENTITY_CHARACTERS.get(entity.lower())
        if character is None:
            return match.group(0)
        return character * width if character == "-" else character.ljust(width)
    if tag is not None:
        return "\n".ljust(width) if tag.lower() in _LINE_BREAK_TAGS else " " * width
    if rtf is not None:
        return "\n".ljust(width) if rtf in _LINE_BREAK_RTF else " " * width
    found = match.group(0)
    if found.startswith("\u00e2"):
        character = _MOJIBAKE.get(found[-1], " ")
        return character * width if character == "-" else character.ljust(width)
    return " " * width  # "Â" before a no-break space or a degree sign, a carriage return


# A JSON or log export keeps its line breaks escaped: "...intrathecal.\\nInjected ...".
_ESCAPED_BREAK = re.compile(r"(?:\\r)?\\n")
_ESCAPED_BREAKS_MINIMUM = 2


def _escaped_breaks(match: re.Match) -> str:
    return "\n".ljust(match.end() - match.start())


def _markup_repaired(text: str) -> str:
    """HTML, RTF and mis-decoded characters of an export read as what they stand for, and
    escaped line breaks of a JSON payload as line breaks."""
    if "\\n" in text and len(_ESCAPED_BREAK.findall(text)) >= _ESCAPED_BREAKS_MINIMUM:
        text = _ESCAPED_BREAK.sub(_escaped_breaks, text)
    if "&" not in text and "<" not in text and "\\" not in text and "\r" not in text and (
        "\u00e2" not in text and "\u00c2" not in text
    ):
        return text
    rtf = "{\\rtf" in text
    text = _MARKUP.sub(_markup_read, text)
    if rtf:  # the group braces of an RTF document
        text = text.replace("{", " ").replace("}", " ")
    return text


def reading_text(text: str) -> str:
    """`text` with wrapped line breaks as spaces, spoken punctuation of a raw dictation as
    punctuation, a one-line note's " | " statements as lines, and OCR misreadings repaired
    (same length)."""
    text = _markup_repaired(text)
    if "\n" in text:
        breaks = wrapped_line_breaks(text)
        if breaks:
            pieces = []
            previous = 0
            for i in breaks:
                pieces.append(text[previous:i])
                pieces.append(" ")
                previous = i + 1
            pieces.append(text[previous:])
            text = "".join(pieces)
    if not text.isascii():
        text = text.translate(_PLAIN_LETTERS)
    if _PIPE in text:
        text = _piped_statements(text)
    if "period" in text or "comma" in text or "paragraph" in text:
        text = _dictation_repaired(text)
    if "-\n" in text:
        text = _HYPHEN_BREAK.sub(_joined_hyphen_break, text)
    if "O" in text:
        text = _O_FOR_ZERO.sub("0", text)
    if "0" in text:
        text = _LEADING_ZERO.sub("O", text)
    if "1" in text:
        text = _ONE_FOR_L.sub("l", text)
    if "rn" in text:
        text = _RN_UNIT.sub(_unit_for_rn, text)
    if "[" in text:
        text = _BRACKETED_HEADING.sub(_heading_unbracketed, text)
    return text


# A heading set in brackets on its own line: "[ ALLERGIES ]", "[PLAN]".
_BRACKETED_HEADING = re.compile(r"^\[([ \t]*)([A-Z][A-Z /&-]{1,40}?)([ \t]*)\]([ \t]*)$", re.M)


def _heading_unbracketed(match: re.Match) -> str:
    """"[ ALLERGIES ]" -> "  ALLERGIES: " (same length), a heading the sectionizer knows."""
    return " " + match.group(1) + match.group(2) + ":" + match.group(3) + match.group(4)


def _unit_for_rn(match: re.Match) -> str:
    """"80 rng" -> "80 mg " (the unit, then a space for the lost character)."""
    return f"m{match.group(1)} "

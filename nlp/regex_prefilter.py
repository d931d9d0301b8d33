"""Skip whole-note regex scans that cannot match: gate a pattern on the literals it needs.

Most cue patterns are scanned over the whole note and find nothing in most notes (no sedation,
no complication, no ODI score). Python's `re` still tries the pattern at every position. Every
match of `\\b(?:wet tap|hematoma|...)` contains one of "wet tap", "hematoma", ...; when the
note (lower-cased) contains none of them, the scan is skipped - `str.find` over a note costs
a fraction of a regex scan. The literals are derived from the parsed pattern and only from
characters a match consumes, so a gated pattern returns exactly what the pattern returns;
any construct the derivation does not understand leaves the pattern ungated.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import Any

try:  # Python >= 3.11
    from re import _constants as _sre_constants
    from re import _parser as _sre_parser
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sre_constants  # type: ignore[no-redef]
    import sre_parse as _sre_parser  # type: ignore[no-redef]

_C = _sre_constants
_REPEATS = {_C.MAX_REPEAT, _C.MIN_REPEAT} | (
    {_C.POSSESSIVE_REPEAT} if hasattr(_C, "POSSESSIVE_REPEAT") else set()
)
# Ranges shorter than this are scanned directly: checking them costs more than it saves.
MIN_GATED_LENGTH = 256
# A gate checking more literals than this costs about what the scan it might skip costs.
MAX_LITERALS = 24
# Long texts a gate checks before it may give up checking (see `GatedPattern`).
TRIAL = 100
# Characters whose case-insensitive match with an ASCII letter is not what `str.lower` gives
# position for position: re's IGNORECASE equates them with i, s and k, and "İ".lower() is two
# characters. Mapping them first keeps the folded text aligned with the note.
_FOLD_FIRST = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})

Literals = frozenset[str]


def fold(text: str) -> str:
    """Lower-cased `text` of the same length, where every IGNORECASE match of an ASCII
    literal appears as the lower-cased literal at the same offsets."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD_FIRST).lower()


_last_folded: tuple[str, str] = ("", "")


def _folded(text: str) -> str:
    """`fold(text)`, remembered for the last text: one note is scanned by many gates in a row."""
    global _last_folded
    cached = _last_folded
    if cached[0] is text:
        return cached[1]
    folded = fold(text)
    _last_folded = (text, folded)
    return folded


class _NoLiterals(Exception):
    """Some match of this part need not contain any particular literal."""


def _usable(literals: set[str]) -> bool:
    """Literals worth a `str.find`: none a single common character."""
    return bool(literals) and all(len(lit) >= 2 or not lit.isascii() for lit in literals)


def _choose(candidates: list[set[str]]) -> set[str]:
    """The most selective of several literal sets every match must satisfy."""
    usable = [c for c in candidates if _usable(c) and len(c) <= MAX_LITERALS]
    if not usable:
        raise _NoLiterals
    return min(usable, key=lambda c: (len(c), -min(len(lit) for lit in c)))


def _char(code: int) -> str:
    char = chr(code)
    if not char.isascii() and (char.lower() != char or char.upper() != char):
        raise _NoLiterals  # a non-ASCII cased letter: its case equivalents are not derived
    return char.lower()


def _leading(sequence: Any) -> str:
    """The literal characters every match of `sequence` starts with ("" if none)."""
    lead = ""
    for op, av in sequence:
        if op is _C.LITERAL:
            lead += _char(av)
            continue
        if op is _C.SUBPATTERN and not lead and not av[1] and not av[2]:
            return _leading(av[3])
        break
    return lead


def _branch_continuations(run: str, alternatives: Any) -> set[str] | None:
    """`run` joined to the literal start of each alternative right after it: "o" then
    "di|swestry" (how `re` stores "odi|oswestry") gives {"odi", "oswestry"}."""
    leads = {_leading(alternative) for alternative in alternatives}
    if "" in leads:
        return None
    return {run + lead for lead in leads}


def _required(sequence: Any) -> set[str]:
    """A set of literals (lower-cased) of which every match of `sequence` contains one."""
    candidates: list[set[str]] = []
    run = ""
    for op, av in sequence:
        if op is _C.LITERAL:
            run += _char(av)
            continue
        try:
            inner_branch = None
            if op is _C.BRANCH:
                inner_branch = av[1]
            elif op is _C.SUBPATTERN and not av[1] and not av[2] and len(av[3]) == 1:
                if av[3][0][0] is _C.BRANCH:
                    inner_branch = av[3][0][1][1]
            if run and inner_branch is not None:
                joined = _branch_continuations(run, inner_branch)
                if joined:
                    candidates.append(joined)
            if (
                run
                and op in _REPEATS
                and av[0] >= 1
                and len(av[2]) == 1
                and av[2][0][0] is _C.LITERAL
            ):
                # "x-{1,3}>": the run is followed by at least one "-", and the last "-" by
                # what comes next, so "x-" is required and "-" starts the next run.
                repeated = _char(av[2][0][1])
                candidates.append({run + repeated})
                run = repeated
                continue
        except _NoLiterals:
            pass
        if (
            not run
            and op in _REPEATS
            and av[0] >= 1
            and len(av[2]) == 1
            and av[2][0][0] is _C.LITERAL
        ):
            run = _char(av[2][0][1])  # the last repetition starts the next run
            continue
        if run:
            candidates.append({run})
        run = ""
        if op in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
            continue  # zero-width: consumes nothing, requires nothing
        try:
            if op is _C.SUBPATTERN:
                _group, add_flags, del_flags, inner = av
                if add_flags or del_flags:
                    raise _NoLiterals
                candidates.append(_required(inner))
            elif op is _C.BRANCH:
                union: set[str] = set()
                for alternative in av[1]:
                    union |= _required(alternative)
                candidates.append(union)
            elif op in _REPEATS:
                low, _high, inner = av
                if low >= 1:
                    candidates.append(_required(inner))
        except _NoLiterals:
            continue  # this item gives no literal; another item of the sequence may
    if run:
        candidates.append({run})
    return _choose(candidates)


def _parsed(pattern: re.Pattern[str]) -> Any:
    """The parse tree of a text pattern this module can reason about, or None (bytes,
    LOCALE or VERBOSE patterns, or anything the parser rejects)."""
    if not isinstance(pattern.pattern, str):
        return None
    try:
        parsed = _sre_parser.parse(pattern.pattern, pattern.flags)
    except (re.error, TypeError, ValueError, RecursionError):
        return None
    return None if parsed.state.flags & (re.LOCALE | re.VERBOSE) else parsed


def required_literals(pattern: re.Pattern[str]) -> Literals | None:
    """Lower-cased literals of which every match of `pattern` contains one, or None."""
    parsed = _parsed(pattern)
    if parsed is None:
        return None
    try:
        return frozenset(_required(parsed))
    except (_NoLiterals, TypeError, ValueError, RecursionError):
        return None


# Leads shorter than this, or more of them, would give more candidate positions than a scan.
MIN_LEAD_LENGTH = 3
MAX_LEADS = 32
# Past this many candidate positions in one text a plain scan is cheaper.
MAX_CANDIDATES = 64


def _leads(sequence: Any) -> set[str]:
    """Lower-cased literals of which every match of `sequence` starts with one."""
    items = list(sequence)
    index = 0
    while index < len(items) and items[index][0] in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
        index += 1  # zero-width: the match still starts where the next item starts
    if index == len(items):
        raise _NoLiterals
    op, av = items[index]
    if op is _C.LITERAL:
        run = ""
        while index < len(items) and items[index][0] is _C.LITERAL:
            run += _char(items[index][1])
            index += 1
        if len(run) < MIN_LEAD_LENGTH and index < len(items):
            # "o" then "di|swestry" (how `re` stores "odi|oswestry"): "odi" or "oswestry".
            try:
                return {run + lead for lead in _leads(items[index:index + 1])}
            except _NoLiterals:
                pass
        return {run}
    if op is _C.SUBPATTERN and not av[1] and not av[2]:
        return _leads(av[3])
    if op is _C.BRANCH:
        leads: set[str] = set()
        for alternative in av[1]:
            leads |= _leads(alternative)
        return leads
    raise _NoLiterals


def leading_literals(pattern: re.Pattern[str]) -> Literals | None:
    """Lower-cased literals every match of `pattern` starts with, when there are few enough
    and each is long enough to make a useful anchor; else None."""
    parsed = _parsed(pattern)
    if parsed is None:
        return None
    try:
        leads = _leads(parsed)
    except (_NoLiterals, TypeError, ValueError, RecursionError):
        return None
    if not leads or len(leads) > MAX_LEADS or min(map(len, leads)) < MIN_LEAD_LENGTH:
        return None
    return frozenset(leads)


class GatedPattern:
    """A compiled pattern whose `search`, `finditer` and `findall` over a long string first
    check that one of the pattern's required literals occurs in the searched range.

    Checking costs about a microsecond per literal. A gate whose literals are in most notes
    ("risk", "complication") would only add that cost, so once it has checked `TRIAL` texts
    and skipped fewer than one scan in four it stays open for good. The counts only decide
    whether to check; the results are always the pattern's own. Calls on short ranges (a
    sentence, a window) go straight to the pattern, as do `match`, `fullmatch` and `sub`.
    """

    __slots__ = (
        "pattern_object",
        "literals",
        "checks",
        "skips",
        "enabled",
        "match",
        "fullmatch",
        "sub",
        "_search",
        "_finditer",
    )

    def __init__(self, pattern: re.Pattern[str], literals: Literals) -> None:
        self.pattern_object = pattern
        self.literals = tuple(sorted(literals, key=len, reverse=True))
        self.checks = 0
        self.skips = 0
        self.enabled = True
        self.match = pattern.match
        self.fullmatch = pattern.fullmatch
        self.sub = pattern.sub
        self._search = pattern.search
        self._finditer = pattern.finditer

    def _impossible(self, string: str, pos: int, endpos: int) -> bool:
        """No required literal occurs in string[pos:endpos] (checked on long ranges only)."""
        if not self.enabled:
            return False
        end = endpos if endpos < len(string) else len(string)
        start = pos if pos > 0 else 0
        if end - start < MIN_GATED_LENGTH:
            return False  # a sentence or window: scanning it costs less than checking
        folded = _folded(string)
        if len(folded) != len(string):
            return False
        for literal in self.literals:
            if folded.find(literal, start, end) >= 0:
                break
        else:
            self.checks += 1
            self.skips += 1
            return True
        self.checks += 1
        if self.checks >= TRIAL and self.skips * 4 < self.checks:
            self.enabled = False
        return False

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        if self.enabled and self._impossible(string, pos, endpos):
            return None
        return self._search(string, pos, endpos)

    def finditer(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        if self.enabled and self._impossible(string, pos, endpos):
            return iter(())
        return self._finditer(string, pos, endpos)

    def findall(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        if self.enabled and self._impossible(string, pos, endpos):
            return []
        return self.pattern_object.findall(string, pos, endpos)

    def __getattr__(self, name: str) -> Any:
        # split, pattern, flags, groups...: the pattern's own.
        return getattr(self.pattern_object, name)

    def __repr__(self) -> str:
        return f"GatedPattern({self.pattern_object!r})"


class AnchoredPattern:
    """A compiled pattern whose every match starts with one of a few literals, scanned over a
    long range by trying the pattern only where such a literal starts.

    `re` tries a pattern like `\\b(?:contrast|dye|omnipaque|...)\\b` at every position;
    `str.find` locates the few places where a match can start, and `pattern.match` there
    gives exactly the match a scan would find at that position (look-behinds and `\\b` still
    see the text before it). Positions are tried in order and a match's end is where the next
    may start, as in `finditer`. Short ranges and texts with many candidates are scanned.
    """

    __slots__ = ("pattern_object", "leads", "match", "fullmatch", "sub", "_search", "_finditer")

    def __init__(self, pattern: re.Pattern[str], leads: Literals) -> None:
        self.pattern_object = pattern
        self.leads = tuple(sorted(leads))
        self.match = pattern.match
        self.fullmatch = pattern.fullmatch
        self.sub = pattern.sub
        self._search = pattern.search
        self._finditer = pattern.finditer

    def _candidates(self, string: str, start: int, end: int) -> list[int] | None:
        """Sorted positions in [start, end) where a lead occurs, or None to scan instead."""
        folded = _folded(string)
        if len(folded) != len(string):
            return None
        found: set[int] = set()
        for lead in self.leads:
            at = folded.find(lead, start, end)
            while at >= 0:
                found.add(at)
                if len(found) > MAX_CANDIDATES:
                    return None
                at = folded.find(lead, at + 1, end)
        return sorted(found)

    def _matches(self, string: str, pos: int, endpos: int) -> Iterator[re.Match[str]] | None:
        end = endpos if endpos < len(string) else len(string)
        start = pos if pos > 0 else 0
        if end - start < MIN_GATED_LENGTH:
            return None
        candidates = self._candidates(string, start, end)
        if candidates is None:
            return None
        return self._at(string, candidates, start, endpos)

    def _at(
        self, string: str, candidates: list[int], start: int, endpos: int
    ) -> Iterator[re.Match[str]]:
        match = self.match
        cursor = start
        for position in candidates:
            if position < cursor:
                continue  # inside the previous match
            found = match(string, position, endpos)
            if found is not None:
                yield found
                cursor = found.end()

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        matches = self._matches(string, pos, endpos)
        if matches is None:
            return self._search(string, pos, endpos)
        return next(matches, None)

    def finditer(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        matches = self._matches(string, pos, endpos)
        if matches is None:
            return self._finditer(string, pos, endpos)
        return matches

    def findall(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        return self.pattern_object.findall(string, pos, endpos)

    def __getattr__(self, name: str) -> Any:
        # split, pattern, flags, groups...: the pattern's own.
        return getattr(self.pattern_object, name)

    def __repr__(self) -> str:
        return f"AnchoredPattern({self.pattern_object!r})"


def gated(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """`pattern` behind a literal gate when its required literals can be derived, else the
    pattern itself. Results are identical; only scans that cannot match are skipped."""
    leads = leading_literals(pattern)
    if leads is not None:
        return AnchoredPattern(pattern, leads)  # type: ignore[return-value]
    literals = required_literals(pattern)
    if literals is None:
        return pattern
    return GatedPattern(pattern, literals)  # type: ignore[return-value]


def compile_gated(source: str, flags: int = 0) -> re.Pattern[str]:
    """A pattern for whole-note scans: first-character guard (`nlp.regex_guard`) and literal
    gate. Matches are exactly those of `re.compile(source, flags)`."""
    from nlp.regex_guard import compile_guarded

    return gated(compile_guarded(source, flags))

"""Faster full-text regex scans: guard a pattern with the characters its matches can start with.

Python's `re` engine tries every alternative of a pattern like `\\b(?:left|right|bilateral)`
at every position of the text, because a leading `\\b`, a look-behind or IGNORECASE stops it
from skipping ahead to candidate characters. Prefixing the pattern with a look-ahead for the
set of characters a match can start with, `(?=[lrb])(?:...)`, rejects almost every position
with one character test. The guard is derived from the parsed pattern and only ever excludes
positions where no match can start, so matches, groups and spans are exactly the original's;
any construct the derivation does not understand leaves the pattern unguarded.
"""

from __future__ import annotations

import re
from typing import Any

try:  # Python >= 3.11
    from re import _constants as _sre_constants
    from re import _parser as _sre_parser
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sre_constants  # type: ignore[no-redef]
    import sre_parse as _sre_parser  # type: ignore[no-redef]

_C = _sre_constants
_CATEGORY_CLASS = {
    _C.CATEGORY_DIGIT: r"\d",
    _C.CATEGORY_NOT_DIGIT: r"\D",
    _C.CATEGORY_SPACE: r"\s",
    _C.CATEGORY_NOT_SPACE: r"\S",
    _C.CATEGORY_WORD: r"\w",
    _C.CATEGORY_NOT_WORD: r"\W",
}
_ZERO_WIDTH = {_C.AT, _C.ASSERT, _C.ASSERT_NOT}
_REPEATS = {_C.MAX_REPEAT, _C.MIN_REPEAT} | (
    {_C.POSSESSIVE_REPEAT} if hasattr(_C, "POSSESSIVE_REPEAT") else set()
)
# A guard admitting more starting characters than this passes most positions of English
# text and costs more than it saves (measured on the corpus: 15 letters still pay, 16 do not).
MAX_GUARD_CHARS = 15
_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


class _Unguardable(Exception):
    """The pattern uses a construct whose first characters are not derived here."""


def _char(code: int) -> str:
    return f"\\U{code:08x}"


def _first_of_set(items: Any) -> list[str]:
    parts = []
    for op, av in items:
        if op is _C.LITERAL:
            parts.append(_char(av))
        elif op is _C.RANGE:
            parts.append(f"{_char(av[0])}-{_char(av[1])}")
        elif op is _C.CATEGORY and av in _CATEGORY_CLASS:
            parts.append(_CATEGORY_CLASS[av])
        else:
            raise _Unguardable  # negated sets and other exotic members: no guard
    return parts


def _first(sequence: Any) -> tuple[list[str], bool]:
    """(class fragments a match of `sequence` can start with, whether it can match empty)."""
    parts: list[str] = []
    for op, av in sequence:
        if op in _ZERO_WIDTH:
            continue  # \b, ^, look-arounds consume nothing: the next item starts the match
        if op is _C.LITERAL:
            return parts + [_char(av)], False
        if op is _C.IN:
            return parts + _first_of_set(av), False
        if op is _C.SUBPATTERN:
            _group, add_flags, del_flags, inner = av
            if add_flags or del_flags:
                raise _Unguardable  # local flags would change how the guard must match
            found, nullable = _first(inner)
        elif op is _C.BRANCH:
            found, nullable = [], False
            for alternative in av[1]:
                alt_found, alt_nullable = _first(alternative)
                found += alt_found
                nullable = nullable or alt_nullable
        elif op in _REPEATS:
            low, high, inner = av
            if high == 0:
                continue
            found, nullable = _first(inner)
            nullable = nullable or low == 0
        elif getattr(_C, "ATOMIC_GROUP", None) is not None and op is _C.ATOMIC_GROUP:
            found, nullable = _first(av)
        else:
            raise _Unguardable
        parts += found
        if not nullable:
            return parts, False
    return parts, True


def _already_fast(parsed: Any) -> bool:
    """Anchored patterns fail at once off their anchor, and a leading case-sensitive literal
    lets `re` jump straight to candidates: a guard would only add a test per position."""
    if not len(parsed):
        return False
    op, av = parsed[0]
    if op is _C.AT and av in (_C.AT_BEGINNING, _C.AT_BEGINNING_STRING):
        return True
    return op is _C.LITERAL and not parsed.state.flags & re.IGNORECASE


def first_char_class(source: str, flags: int = 0) -> str | None:
    """A character class matching every character a match of `source` can start with, or
    None when no guard is derived (unknown construct, the pattern can match empty, or it is
    anchored or starts with a literal and so is fast already)."""
    try:
        parsed = _sre_parser.parse(source, flags)
        if _already_fast(parsed):
            return None
        parts, nullable = _first(parsed)
    except (_Unguardable, re.error, TypeError, ValueError):
        return None
    parts = list(dict.fromkeys(parts))
    if nullable or not parts or len(parts) > MAX_GUARD_CHARS:
        return None
    return "[" + "".join(parts) + "]"


def guarded(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """`pattern` with a first-character look-ahead in front; the pattern itself when no guard
    can be derived. Matches are identical; only positions that cannot start one are skipped."""
    source, flags = pattern.pattern, pattern.flags
    if not isinstance(source, str) or _GLOBAL_FLAGS.match(source):
        return pattern  # inline global flags must stay first; leave such patterns alone
    first = first_char_class(source, flags)
    if first is None:
        return pattern
    try:
        compiled = re.compile(f"(?={first})(?:{source})", flags)
    except re.error:
        return pattern
    if compiled.groups != pattern.groups or compiled.groupindex != pattern.groupindex:
        return pattern
    return compiled


def compile_guarded(source: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(source, flags)` with a first-character guard (see `guarded`)."""
    return guarded(re.compile(source, flags))

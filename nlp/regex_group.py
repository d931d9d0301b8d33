"""Group a word alternation by first letter, so `re` stops trying every word at every position.

`\\b(?:tolerated well|tol well|no complications|...)` makes Python's `re` try each of the
dozens of alternatives, one after the other, at every position of the note. Written as
`\\b(?:t(?:olerated well|ol well)|n(?:o complications)|...)` it tests one letter per group.
The matches are the same, in the same order of preference: alternatives starting with
different letters can never match at the same position (case-insensitively either), and
within a letter the original order is kept. Only the simple case is rewritten - every
alternative starts with a plain lower-case letter that no quantifier follows and holds no
capturing group; anything else leaves the source as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_PREFIX = "\\b(?:"
_QUANTIFIERS = frozenset("?*+{")


def _structure(source: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """(index, character, depth after it) for each structural character of `source` from
    `start`: escapes are skipped, and parentheses or bars inside a character class are not
    structure."""
    depth, i, in_class = 0, start, False
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()|":
            depth += {"(": 1, ")": -1, "|": 0}[char]
            yield i, char, depth
        i += 1
    if in_class:
        yield len(source), "[", depth  # an unclosed class: the caller sees it as unbalanced


def _split_top(inner: str) -> list[str] | None:
    """The top-level alternatives of `inner`, or None when it is not balanced."""
    cuts, depth = [-1], 0
    for index, char, depth in _structure(inner):
        if depth < 0 or char == "[":
            return None
        if char == "|" and depth == 0:
            cuts.append(index)
    if depth:
        return None
    cuts.append(len(inner))
    return [inner[a + 1 : b] for a, b in zip(cuts, cuts[1:], strict=False)]


def _closing(source: str, open_at: int) -> int:
    """Index of the parenthesis closing the group opened at `open_at`, or -1."""
    for index, char, depth in _structure(source, open_at):
        if char == ")" and depth == 0:
            return index
    return -1


def group_by_first_letter(source: str) -> str:
    """`source` with a leading `\\b(?:word|word|...)` grouped by first letter (see the module
    docstring); `source` itself when it has another shape."""
    if not source.startswith(_PREFIX):
        return source
    close = _closing(source, len(_PREFIX) - 3)
    if close < 0:
        return source
    alternatives = _split_top(source[len(_PREFIX) : close])
    if not alternatives or len(alternatives) < 8:
        return source
    groups: dict[str, list[str]] = {}
    for alternative in alternatives:
        if (
            len(alternative) < 2
            or not ("a" <= alternative[0] <= "z")
            or alternative[1] in _QUANTIFIERS
            or re.search(r"(?<!\\)\((?!\?[:=!<])", alternative)
            or "(?<" in alternative.replace("(?<=", "").replace("(?<!", "")
        ):
            return source
        groups.setdefault(alternative[0], []).append(alternative[1:])
    inner = "|".join(f"{first}(?:{'|'.join(rests)})" for first, rests in groups.items())
    return f"{_PREFIX}{inner}{source[close:]}"

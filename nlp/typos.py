"""Drug names typed with one slip ("dexametasone", "triamcinalone", "ropivacane").

Hurried notes misspell long drug names in endless ways; listing each misspelling in the lexicon
only catches the ones somebody has seen. A long word one edit (a letter missing, extra, changed,
or two letters swapped) from exactly one drug's long name is read as that drug. Short names are
left out: at five or six letters one edit turns many English words into a drug name.

The look-up is a deletion index (SymSpell): every long term and each of its one-letter deletions
point to the term, so a word is checked with a handful of dictionary look-ups, and each distinct
word is judged once per process.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy
from spacy.attrs import LENGTH, LOWER
from spacy.tokens import Doc

# Shorter words are too close to everyday English for a one-edit match.
MIN_LENGTH = 8
_MEMO_LIMIT = 20_000
_UNSEEN = object()


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def within_one_edit(first: str, second: str) -> bool:
    """One insertion, deletion, substitution or swap of neighbouring letters apart (or equal)."""
    if first == second:
        return True
    length_gap = len(first) - len(second)
    if abs(length_gap) > 1:
        return False
    if length_gap == 0:
        differing = [i for i, (a, b) in enumerate(zip(first, second, strict=True)) if a != b]
        if len(differing) == 1:
            return True
        return (
            len(differing) == 2
            and differing[1] == differing[0] + 1
            and first[differing[0]] == second[differing[1]]
            and first[differing[1]] == second[differing[0]]
        )
    longer, shorter = (first, second) if length_gap > 0 else (second, first)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


class TypoLexicon:
    """Long single-word terms (lower case) and the entry each belongs to."""

    def __init__(self, terms: Iterable[tuple[str, str]]) -> None:
        """`terms`: (term, entry) pairs; terms shorter than MIN_LENGTH letters are ignored."""
        self._entry: dict[str, str] = {}
        self._index: dict[str, set[str]] = {}
        for term, entry in terms:
            if len(term) < MIN_LENGTH or not term.isalpha():
                continue
            self._entry[term] = entry
            for key in _deletions(term) | {term}:
                self._index.setdefault(key, set()).add(term)
        self._memo: dict[str, str | None] = {}
        self._by_hash: dict[int, str | None] = {}

    def correct(self, word: str) -> str | None:
        """The term a misspelt word stands for, or None (exact terms, ordinary words, and
        words as close to two different entries are not corrected)."""
        lowered = word.lower()
        if lowered in self._memo:
            return self._memo[lowered]
        found = self._correct(lowered)
        if len(self._memo) < _MEMO_LIMIT:
            self._memo[lowered] = found
        return found

    def _correct(self, word: str) -> str | None:
        if word in self._entry or len(word) < MIN_LENGTH - 1:
            return None
        candidates: set[str] = set()
        for key in _deletions(word) | {word}:
            candidates |= self._index.get(key, set())
        close = sorted(t for t in candidates if within_one_edit(word, t))
        if not close or len({self._entry[t] for t in close}) > 1:
            return None
        return min(close, key=lambda t: (abs(len(t) - len(word)), t))

    def misspelt_tokens(self, doc: Doc) -> list[tuple[int, str]]:
        """(token index, term) for every token of `doc` that is a misspelt term. Each distinct
        long word of the note is looked up once, by its lexeme hash."""
        columns = doc.to_array([LOWER, LENGTH])
        lowers = columns[:, 0]
        long_words = numpy.unique(lowers[columns[:, 1] >= MIN_LENGTH - 1])
        found = []
        strings = doc.vocab.strings
        for key in long_words.tolist():
            term = self._by_hash.get(key, _UNSEEN)
            if term is _UNSEEN:
                word = strings[key]
                term = self.correct(word) if word.isalpha() else None
                if len(self._by_hash) < _MEMO_LIMIT:
                    self._by_hash[key] = term
            if term is not None:
                found += [(int(i), term) for i in numpy.flatnonzero(lowers == key)]
        return found

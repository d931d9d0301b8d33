"""Every custom spaCy extension attribute esicheck uses, registered in one place."""

from __future__ import annotations

from spacy.tokens import Doc

# esi_sentences: (first token, start char, end char) of every sentence, as the sentence
# splitter wrote them, so ConText and NoteView need not walk `Doc.sents` again.
# esi_text: the text the rules read (nlp.normalize.reading_text, same length as the note);
# esi_original: the note as written, set only where the two differ (evidence quotes it).
_DOC_EXTENSIONS = {
    "esi_levels": None,
    "esi_text": None,
    "esi_original": None,
    "esi_sentences": None,
}


def doc_text(doc: Doc) -> str:
    """The note text, joined once per Doc (spaCy's `Doc.text` re-joins tokens on every call)."""
    text = doc._.esi_text
    if text is None:
        text = doc.text
        doc._.esi_text = text
    return text


def sentence_spans(doc: Doc) -> list[tuple[int, int, int]]:
    """(first token, start char, end char) per sentence, in order: what `Doc.sents` gives as
    (span.start, span.start_char, span.end_char), read from the splitter's record when the
    sentence splitter ran (recomputed otherwise)."""
    spans = doc._.esi_sentences
    if spans is None:
        spans = [(s.start, s.start_char, s.end_char) for s in doc.sents] if len(doc) else []
    return spans


def register_extensions() -> None:
    """Idempotently register the Doc extensions the esicheck components assign."""
    for name, default in _DOC_EXTENSIONS.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)

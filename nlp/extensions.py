"""Every custom spaCy extension attribute esicheck uses, registered in one place."""

from __future__ import annotations

from spacy.tokens import Doc

_DOC_EXTENSIONS = {"esi_levels": None, "esi_text": None}


def doc_text(doc: Doc) -> str:
    """The note text, joined once per Doc (spaCy's `Doc.text` re-joins tokens on every call)."""
    text = doc._.esi_text
    if text is None:
        text = doc.text
        doc._.esi_text = text
    return text


def register_extensions() -> None:
    """Idempotently register the Doc extensions the esicheck components assign."""
    for name, default in _DOC_EXTENSIONS.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)

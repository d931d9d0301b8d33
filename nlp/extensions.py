"""Every custom spaCy extension attribute esicheck uses, registered in one place."""

from __future__ import annotations

from spacy.tokens import Doc

_DOC_EXTENSIONS = {"esi_levels": None}


def register_extensions() -> None:
    """Idempotently register the Doc extensions the esicheck components assign."""
    for name, default in _DOC_EXTENSIONS.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)

"""Defer NLTK, which `import medspacy` pulls in only for QuickUMLS, until something uses it.

Every `medspacy` import runs `medspacy.util`, which imports QuickUMLS, whose module top does
`import nltk`; NLTK in turn imports scipy.stats and scikit-learn. That is about 1 s of the
pipeline's ~2 s import, for code esicheck never calls (QuickUMLS only touches `nltk` inside
its matcher's methods). A placeholder module in `sys.modules` lets that `import nltk`
statement succeed at no cost; the first attribute anyone reads from it imports the real
NLTK, so code that does use NLTK behaves exactly as before, only later.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

DEFERRED = ("nltk",)


class DeferredModule(types.ModuleType):
    """Stands in for a module until one of its attributes is read, then loads it."""

    def __getattr__(self, attr: str) -> Any:
        return getattr(load(self.__name__), attr)


def load(name: str) -> types.ModuleType:
    """Import the real module behind a placeholder (once) and return it."""
    current = sys.modules.get(name)
    if not isinstance(current, DeferredModule):
        return current if current is not None else importlib.import_module(name)
    del sys.modules[name]
    try:
        real = importlib.import_module(name)
    except BaseException:
        sys.modules[name] = current
        raise
    # Modules that imported the placeholder keep a reference to it: give it the real names.
    for key, value in vars(real).items():
        if key not in ("__getattr__",):
            current.__dict__[key] = value
    return real


def defer_imports(names: tuple[str, ...] = DEFERRED) -> None:
    """Put placeholders for `names` in `sys.modules` unless they are imported already or
    not installed (then there is nothing to defer and the import fails as it always did)."""
    for name in names:
        if name in sys.modules or importlib.util.find_spec(name) is None:
            continue
        sys.modules[name] = DeferredModule(name)

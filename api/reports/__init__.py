"""Documentation-quality reports: one HTML page per note, and aggregate reports over many.

`note_page.render_note_page` shows a coder the note with every evidence span highlighted next
to the requirement verdicts; `aggregate` summarises many analyses (completeness per
requirement, top deficiencies, code mismatches, breakdowns) as JSON, CSV or HTML. Both only
read `NoteAnalysis` output; they never re-run or re-implement the analysis.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

# `api/templates`, next to this package. Located from this module rather than with
# `PackageLoader("api")`, which reads the `api` package spec and fails whenever another
# directory named `api` (e.g. `tests/api/` under pytest) shadows it as a namespace package.
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def template_env() -> Environment:
    """A Jinja2 environment over `api/templates` with HTML autoescaping on."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )

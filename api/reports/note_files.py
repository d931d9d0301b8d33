"""Per-note pages written next to an aggregate report, so its tables link to files that open
without the service: `notes/<episode or analysis id>.html`, relative to the report.

The API store keeps each note's text, so its pages highlight evidence in place. Scan results
keep only the analysis; given the scan's input (`--notes`, the folder or table that was
scanned) the texts are read again by document name, otherwise the page carries the verdicts
and says that the text is not available.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from api.reports.aggregate import Record
from api.reports.note_page import render_note_page
from api.reports.sources import Loaded, api_note, open_engine, scan_analyses
from nlp.errors import EsicheckError
from nlp.models import NoteAnalysis

NOTES_DIR = "notes"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

NotePage = tuple[str, NoteAnalysis, dict[str, str]]


def page_name(record_id: str) -> str:
    """A file name for a record id; ids that are not already safe get a short hash suffix so
    `a/b.txt` and `a_b.txt` never share a page."""
    safe = _UNSAFE.sub("_", record_id).strip("._") or "note"
    if safe != record_id:
        safe = f"{safe[:80]}-{hashlib.sha256(record_id.encode('utf-8')).hexdigest()[:8]}"
    return f"{safe}.html"


def _scan_texts(source: Path | None) -> dict[str, str]:
    """Note text by document name from the scan input; unreadable notes are left out."""
    if source is None:
        return {}
    from api.inputs import read_note
    from api.scan.sources import load_documents

    texts: dict[str, str] = {}
    for doc in load_documents(source):
        try:
            texts[doc.note_id] = doc.text if doc.text is not None else read_note(doc.path)
        except EsicheckError:
            continue  # the scan recorded the same coded error; its page shows no text
    return texts


def note_pages(loaded: Loaded, notes_source: Path | None = None) -> Iterator[NotePage]:
    """(record id, analysis, texts by document name) for every record of `loaded`."""
    if loaded.url is None or loaded.table is None:
        return
    ids = {r.record_id for r in loaded.records}
    engine = open_engine(loaded.url)
    try:
        if loaded.kind == "analyses":
            with Session(engine) as session:
                for record_id in sorted(ids):
                    found = api_note(session, record_id)
                    if found is not None:
                        yield record_id, *found
            return
        texts = _scan_texts(notes_source)
        for record_id, analysis in scan_analyses(engine, loaded.table, ids):
            yield record_id, analysis, {n: texts[n] for n in analysis.documents if n in texts}
    finally:
        engine.dispose()


def write_note_pages(pages: Iterator[NotePage], report_path: Path) -> dict[str, str]:
    """Write each page under `notes/` beside `report_path`; returns id -> relative URL."""
    folder = report_path.parent / NOTES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    urls: dict[str, str] = {}
    for record_id, analysis, texts in pages:
        name = page_name(record_id)
        (folder / name).write_text(render_note_page(analysis, texts), encoding="utf-8")
        urls[record_id] = f"{NOTES_DIR}/{name}"
    return urls


def link_records(records: list[Record], urls: dict[str, str]) -> list[Record]:
    """The records with `report_url` pointing at their written page (others unchanged)."""
    return [dataclasses.replace(r, report_url=urls[r.record_id]) if r.record_id in urls else r
            for r in records]

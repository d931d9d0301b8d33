"""Read scan input: a folder of notes (with an optional manifest.csv), a CSV or JSON Lines file,
a FHIR Bundle or NDJSON of DocumentReference (`api.scan.fhir_source`), and an optional
claims-history CSV. Errors name the file, row and column, never note content."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from api.scan.fhir_source import is_fhir, load_fhir
from api.scan.records import DOC_TYPES, ScanDocument
from nlp.checks import region_group
from nlp.errors import ErrorCode, EsicheckError
from nlp.models import PriorSession

NOTE_SUFFIXES = {".txt", ".docx", ".pdf"}
MANIFEST = "manifest.csv"


def _bad(where: str, problem: str) -> EsicheckError:
    return EsicheckError(ErrorCode.E014_BAD_MANIFEST, f"{where}: {problem}")


def _date(value: str | None, where: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise _bad(where, "date_of_service must be YYYY-MM-DD") from exc


def _row_document(
    row: dict[str, str | None],
    where: str,
    note_id: str,
    *,
    text: str | None = None,
    path: Path | None = None,
) -> ScanDocument:
    doc_type = (row.get("doc_type") or "procedure").strip().lower() or "procedure"
    if doc_type not in DOC_TYPES:
        raise _bad(where, f"doc_type must be one of {', '.join(DOC_TYPES)}")

    def opt(key: str) -> str | None:
        value = row.get(key)
        return value.strip() or None if isinstance(value, str) else None

    return ScanDocument(
        note_id=note_id,
        text=text,
        path=path,
        patient_ref=opt("patient_ref"),
        date_of_service=_date(row.get("date_of_service"), where),
        doc_type=doc_type,
        provider=opt("provider"),
        site=opt("site"),
        payer=opt("payer"),
        billed_cpt=opt("billed_cpt"),
    )


def _read_csv(path: Path) -> list[dict[str, str | None]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise _bad(path.name, "not a readable UTF-8 CSV") from exc


def _from_folder(folder: Path) -> list[ScanDocument]:
    files = sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in NOTE_SUFFIXES
    )
    by_name = {p.relative_to(folder).as_posix(): p for p in files}
    documents: list[ScanDocument] = []
    listed: set[str] = set()
    manifest = folder / MANIFEST
    if manifest.is_file():
        for number, row in enumerate(_read_csv(manifest), start=2):
            where = f"{MANIFEST} line {number}"
            name = (row.get("file") or "").strip()
            if not name:
                raise _bad(where, "column 'file' is empty or missing")
            if name not in by_name:
                raise _bad(where, f"file {name!r} is not in the input folder")
            if name in listed:
                raise _bad(where, f"file {name!r} is listed twice")
            listed.add(name)
            documents.append(_row_document(row, where, name, path=by_name[name]))
    # Files the manifest does not list are each their own procedure episode.
    documents += [
        ScanDocument(note_id=name, path=path)
        for name, path in by_name.items()
        if name not in listed
    ]
    return documents


def _table_rows(path: Path) -> Iterator[tuple[str, dict[str, str | None]]]:
    if path.suffix.lower() == ".csv":
        for number, row in enumerate(_read_csv(path), start=2):
            yield f"{path.name} line {number}", row
        return
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise _bad(f"{path.name} line {number}", "not a JSON object") from exc
                if not isinstance(row, dict):
                    raise _bad(f"{path.name} line {number}", "not a JSON object")
                yield (
                    f"{path.name} line {number}",
                    {k: None if v is None else str(v) for k, v in row.items()},
                )
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(path.name, "not a readable UTF-8 JSON Lines file") from exc


def _from_table(path: Path) -> list[ScanDocument]:
    documents: list[ScanDocument] = []
    seen: set[str] = set()
    for index, (where, row) in enumerate(_table_rows(path), start=1):
        if "text" not in row or row["text"] is None:
            raise _bad(where, "column 'text' is missing")
        note_id = (row.get("note_id") or row.get("file") or "").strip() or f"row-{index}"
        if note_id in seen:
            raise _bad(where, f"note_id {note_id!r} appears twice")
        seen.add(note_id)
        documents.append(_row_document(row, where, note_id, text=row["text"]))
    return documents


def load_documents(source: Path) -> list[ScanDocument]:
    """All documents of the scan input, in a stable order."""
    if source.is_dir():
        return _from_folder(source)
    if not source.is_file():
        raise EsicheckError(ErrorCode.E009_FILE_NOT_FOUND, f"{source.name}: no such file or folder")
    if is_fhir(source):
        return load_fhir(source)
    if source.suffix.lower() in (".csv", ".jsonl", ".ndjson", ".json"):
        return _from_table(source)
    raise EsicheckError(
        ErrorCode.E005_UNSUPPORTED_TYPE,
        f"{source.name}: scan input must be a folder, .csv, .jsonl, "
        "a FHIR Bundle (.json) or FHIR NDJSON",
    )


def load_claims(path: Path) -> dict[str, list[PriorSession]]:
    """Prior sessions from a claims CSV (patient_ref, date_of_service, cpt, region), by patient."""
    sessions: dict[str, list[PriorSession]] = {}
    for number, row in enumerate(_read_csv(path), start=2):
        where = f"{path.name} line {number}"
        try:
            patient = (row["patient_ref"] or "").strip()
            day = date.fromisoformat((row["date_of_service"] or "").strip()[:10])
            cpt = (row["cpt"] or "").strip()
        except (KeyError, ValueError) as exc:
            raise EsicheckError(
                ErrorCode.E012_BAD_HISTORY,
                f"{where}: needs patient_ref, date_of_service (YYYY-MM-DD), cpt[, region]",
            ) from exc
        if not patient or not cpt:
            raise EsicheckError(
                ErrorCode.E012_BAD_HISTORY, f"{where}: patient_ref and cpt are required"
            )
        sessions.setdefault(patient, []).append(
            PriorSession(
                date_of_service=day.isoformat(),
                cpt=cpt,
                region=_claim_region(row.get("region"), cpt),
                source=path.name,
            )
        )
    return sessions


def _claim_region(value: str | None, cpt: str) -> str | None:
    value = (value or "").strip().lower()
    aliases = {"lumbosacral": "lumbar", "lumbar_sacral": "lumbar", "cervical_thoracic": "cervical"}
    return region_group(aliases.get(value, value) or None, cpt)

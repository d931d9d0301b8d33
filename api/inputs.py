"""Read notes from files and uploads into text, with coded errors that never echo content.

Supported: UTF-8 text (UTF-8/UTF-16 with BOM, Latin-1 fallback refused as undecodable),
`.docx` (python-docx) and `.pdf` with a text layer (pypdf).
"""

from __future__ import annotations

import io
from pathlib import Path

from nlp.errors import ErrorCode, InputError

MAX_FILE_BYTES = 5 * 1024 * 1024
TEXT_SUFFIXES = {".txt", ".text", ".note", ""}


def decode_text(data: bytes, field: str = "file") -> str:
    """Decode note bytes; binary content and undecodable bytes are input errors."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _clean(data.decode("utf-16"), field)
        except UnicodeDecodeError as exc:
            raise InputError(ErrorCode.E003_UNDECODABLE, f"{field}: invalid UTF-16") from exc
    if b"\x00" in data[:4096] and data.count(b"\x00") > len(data) // 20:
        raise InputError(ErrorCode.E004_BINARY_CONTENT, f"{field}: binary content, not a text note")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            ErrorCode.E003_UNDECODABLE, f"{field}: bytes are not valid UTF-8 at offset {exc.start}"
        ) from exc
    return _clean(text, field)


def _clean(text: str, field: str) -> str:
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(ErrorCode.E001_EMPTY_TEXT, f"{field}: empty or whitespace only")
    return text


def docx_text(data: bytes, field: str = "file") -> str:
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise InputError(ErrorCode.E008_DOCX_CORRUPT, f"{field}: not a readable .docx") from exc
    except Exception as exc:  # zipfile.BadZipFile and lxml errors surface as various types
        raise InputError(ErrorCode.E008_DOCX_CORRUPT, f"{field}: not a readable .docx") from exc
    return _clean("\n".join(p.text for p in document.paragraphs), field)


def pdf_text(data: bytes, field: str = "file") -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InputError(ErrorCode.E007_PDF_ENCRYPTED, f"{field}: the PDF is encrypted")
        text = "\n".join((page.extract_text() or "") for page in reader.pages)
    except InputError:
        raise
    except (PdfReadError, ValueError, OSError, KeyError) as exc:
        raise InputError(ErrorCode.E006_PDF_NO_TEXT, f"{field}: not a readable PDF") from exc
    if not text.strip():
        raise InputError(ErrorCode.E006_PDF_NO_TEXT, f"{field}: the PDF has no text layer")
    return _clean(text, field)


def bytes_to_text(data: bytes, filename: str, field: str = "file") -> str:
    """Text of an uploaded or on-disk note, chosen by file suffix."""
    if len(data) > MAX_FILE_BYTES:
        raise InputError(
            ErrorCode.E002_TEXT_TOO_LARGE, f"{field}: larger than {MAX_FILE_BYTES} bytes"
        )
    suffix = Path(filename).suffix.lower()
    if suffix == ".docx":
        return docx_text(data, field)
    if suffix == ".pdf":
        return pdf_text(data, field)
    if suffix in TEXT_SUFFIXES or suffix in {".md", ".rtf"}:
        return decode_text(data, field)
    raise InputError(ErrorCode.E005_UNSUPPORTED_TYPE, f"{field}: unsupported file type {suffix!r}")


def read_note(path: Path) -> str:
    if not path.exists():
        raise InputError(ErrorCode.E009_FILE_NOT_FOUND, f"{path.name}: no such file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(
            ErrorCode.E002_TEXT_TOO_LARGE, f"{path.name}: larger than {MAX_FILE_BYTES} bytes"
        )
    return bytes_to_text(path.read_bytes(), path.name, path.name)

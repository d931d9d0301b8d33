"""Coded, stable error messages shared by the library, the CLI and the HTTP API.

Codes never change meaning; messages name the offending field or file, never note content.
"""

from __future__ import annotations

from enum import Enum


class ErrorCode(str, Enum):
    """Stable error codes (`E###`) surfaced in CLI stderr and API problem details."""

    E001_EMPTY_TEXT = "E001"
    E002_TEXT_TOO_LARGE = "E002"
    E003_UNDECODABLE = "E003"
    E004_BINARY_CONTENT = "E004"
    E005_UNSUPPORTED_TYPE = "E005"
    E006_PDF_NO_TEXT = "E006"
    E007_PDF_ENCRYPTED = "E007"
    E008_DOCX_CORRUPT = "E008"
    E009_FILE_NOT_FOUND = "E009"
    E010_BAD_PATTERN_FILE = "E010"
    E011_UNKNOWN_PROFILE = "E011"
    E012_BAD_HISTORY = "E012"
    E013_BAD_FHIR = "E013"
    E014_BAD_MANIFEST = "E014"
    E015_BAD_EPISODE = "E015"


class EsicheckError(Exception):
    """Base error: carries a stable code and a message that contains no patient text."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(f"[{code.value}] {message}")
        self.code = code
        self.message = message


class InputError(EsicheckError):
    """The caller supplied a note or file the analyzer cannot read."""


class PatternError(EsicheckError):
    """A rule or profile file under patterns/ is malformed (names the file and the key)."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        super().__init__(ErrorCode.E010_BAD_PATTERN_FILE, f"{file}: {key}: {problem}")
        self.file = file
        self.key = key

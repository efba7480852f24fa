"""Reading the files customers upload: lines, CSV fields, JSON objects, email addresses.

The import services read a file record by record and report each record they reject (:class:`RecordError`)
with its line number; these helpers split and decode the same way for each of them. One record per physical line
(a quoted CSV field cannot span lines), which is what the services' documented layouts allow.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from typing import Any

from localcloud.emulators.kit.errors import JobFailure

# An address as the import services accept it: RFC 5322's dot-atom local part and a domain of DNS labels.
EMAIL_RE = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


class RecordError(Exception):
    """One record cannot be imported; the message says why (it never quotes the record)."""


@dataclass(frozen=True)
class SourceLine:
    number: int  # 1-based
    text: str


def decode_utf8(data: bytes, what: str = "The file") -> str:
    """UTF-8 text (a byte-order mark is dropped); JobFailure when the bytes are not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise JobFailure(f"{what} is not valid UTF-8") from exc


def source_lines(text: str) -> list[SourceLine]:
    """Non-blank physical lines with their line numbers (blank lines are skipped, not records)."""
    lines = (raw.rstrip("\r") for raw in text.split("\n"))
    return [SourceLine(number, line) for number, line in enumerate(lines, start=1) if line.strip()]


def csv_fields(text: str) -> list[str]:
    """The fields of one CSV line, stripped; RecordError when the line is not valid CSV."""
    try:
        rows = list(csv.reader([text], strict=True))
    except csv.Error as exc:
        raise RecordError(f"malformed CSV ({exc})") from exc
    return [value.strip() for value in rows[0]] if rows else []


def json_object(text: str, what: str = "the line") -> dict[str, Any]:
    """``text`` (``what`` holds it: a line, a field) as a JSON object; RecordError otherwise."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise RecordError(f"{what} is not valid JSON") from exc
    if not isinstance(value, dict):
        raise RecordError(f"{what} is not a JSON object")
    return value


def is_email(address: str) -> bool:
    """An address of at most 320 characters with a local part of at most 64 (RFC 5321's limits)."""
    local = address.rpartition("@")[0]
    return len(address) <= 320 and len(local) <= 64 and EMAIL_RE.fullmatch(address) is not None

"""Checks a file's size and its first bytes against what the destination's import API accepts.

This is the quick look the starter takes before any job starts, so the commonest mistakes (an empty file,
a contact-list CSV without its header, a suppression file with one, a JSON array instead of JSON lines,
a binary or non-UTF-8 file) are reported at once with a specific reason instead of minutes later by the
job. Only the head of the file is read (HEAD_BYTES), never the whole object.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field

from listdrop.errors import RejectedFile
from listdrop.models import Action, DataFormat, DestinationType, Route
from listdrop.privacy import contains_email, redact_emails

HEAD_BYTES = 64 * 1024
_LINES_CHECKED = 5

CONTACT_COLUMNS = ("emailAddress", "unsubscribeAll", "attributesData")
TOPIC_COLUMN_PREFIX = "topicPreferences."
SUPPRESSION_REASONS = ("BOUNCE", "COMPLAINT")


@dataclass(frozen=True)
class FileShape:
    """What the head of the file told us that later checks need."""

    topics: tuple[str, ...] = field(default_factory=tuple)


def check_file(route: Route, head: bytes, size: int, *, max_bytes: int) -> FileShape:
    """Reject the file with a specific reason, or return its shape."""
    if size == 0:
        raise RejectedFile("EMPTY_FILE", "The file is empty (0 bytes).")
    if size > max_bytes:
        raise RejectedFile(
            "FILE_TOO_LARGE",
            f"The file is {size:,} bytes; the limit for one import is {max_bytes:,} bytes.",
        )
    text = _decode_head(head, truncated=size > len(head))
    lines = _first_lines(text, truncated=size > len(head))
    if not lines:
        raise RejectedFile("EMPTY_FILE", "The file contains only blank lines.")
    if route.data_format is DataFormat.CSV:
        return _check_csv(route, lines)
    return _check_json(route, lines)


def _decode_head(head: bytes, *, truncated: bool) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        raise RejectedFile(
            "BYTE_ORDER_MARK",
            "The file starts with a UTF-8 byte order mark, which the import API reads as part of the "
            "first column name. Save it as UTF-8 without BOM.",
        )
    if b"\x00" in head:
        raise RejectedFile(
            "BINARY_CONTENT",
            "The file contains NUL bytes: it is binary or UTF-16, not UTF-8 text.",
        )
    # A head cut at HEAD_BYTES may end inside a multi-byte character: drop at most 3 trailing bytes.
    for cut in range(4 if truncated else 1):
        try:
            return head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError as error:
            failure = error
    raise RejectedFile(
        "NOT_UTF8",
        f"The file is not valid UTF-8 (byte {failure.start} cannot be decoded). "
        "Export it as UTF-8 (Excel: 'CSV UTF-8').",
    )


def _first_lines(text: str, *, truncated: bool) -> list[str]:
    lines = text.splitlines()
    if truncated and lines:
        lines = lines[:-1]  # the last line of a truncated head may be incomplete
    return [line for line in lines if line.strip()][:_LINES_CHECKED]


def _check_csv(route: Route, lines: list[str]) -> FileShape:
    rows = list(csv.reader(lines))
    if route.destination.type is DestinationType.SES_CONTACT_LIST:
        return _check_contact_header(rows[0])
    expected = 2 if route.action is Action.PUT else 1
    layout = "address,BOUNCE|COMPLAINT" if route.action is Action.PUT else "one address per line"
    first = [cell.strip() for cell in rows[0]]
    if not contains_email(first[0]):
        raise RejectedFile(
            "HEADER_NOT_ALLOWED",
            f"Suppression-list {route.action.value} files have no header row; "
            f"every line must be {layout}, and the first line is not.",
        )
    for number, row in enumerate(rows, start=1):
        if len(row) != expected:
            raise RejectedFile(
                "WRONG_COLUMN_COUNT",
                f"Line {number} has {len(row)} columns; suppression-list {route.action.value} files need {layout}.",
            )
        if route.action is Action.PUT and row[1].strip().upper() not in SUPPRESSION_REASONS:
            raise RejectedFile(
                "INVALID_REASON",
                f"Line {number}: the reason must be BOUNCE or COMPLAINT.",
            )
    return FileShape()


def _check_contact_header(header: list[str]) -> FileShape:
    columns = [column.strip() for column in header]
    if any(contains_email(column) for column in columns):
        raise RejectedFile(
            "MISSING_HEADER",
            "The first line is data, not a header: contact-list CSV files need a header row "
            "such as 'emailAddress,unsubscribeAll,attributesData,topicPreferences.<Topic>'.",
        )
    if "emailAddress" not in columns:
        raise RejectedFile(
            "MISSING_EMAIL_COLUMN",
            "The header has no 'emailAddress' column (names are case-sensitive).",
        )
    topics: list[str] = []
    for column in columns:
        if column.startswith(TOPIC_COLUMN_PREFIX) and len(column) > len(TOPIC_COLUMN_PREFIX):
            topics.append(column[len(TOPIC_COLUMN_PREFIX) :])
        elif column not in CONTACT_COLUMNS:
            raise RejectedFile(
                "UNKNOWN_COLUMN",
                f"Unknown column '{redact_emails(column)[:80]}'. Allowed: emailAddress, unsubscribeAll, "
                "attributesData and topicPreferences.<TopicName>.",
            )
    if len(set(columns)) != len(columns):
        raise RejectedFile("DUPLICATE_COLUMN", "The header names a column twice.")
    return FileShape(topics=tuple(topics))


def _check_json(route: Route, lines: list[str]) -> FileShape:
    if lines[0].lstrip().startswith("["):
        raise RejectedFile(
            "JSON_ARRAY",
            "The file is a JSON array; the import API reads JSON lines: one object per line, no brackets.",
        )
    required = ["emailAddress"]
    if route.destination.type is DestinationType.SES_SUPPRESSION_LIST and route.action is Action.PUT:
        required.append("reason")
    topics: set[str] = set()
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
        except ValueError:
            raise RejectedFile(
                "NOT_JSON_LINES",
                f"Line {number} is not a JSON object; the file must hold one JSON object per line.",
            ) from None
        if not isinstance(record, dict):
            raise RejectedFile("NOT_JSON_LINES", f"Line {number} is JSON but not an object.")
        missing = [name for name in required if name not in record]
        if missing:
            raise RejectedFile(
                "MISSING_FIELD", f"Line {number} has no {', '.join(repr(name) for name in missing)} field."
            )
        for preference in record.get("topicPreferences") or []:
            if isinstance(preference, dict) and isinstance(preference.get("topicName"), str):
                topics.add(preference["topicName"])
    return FileShape(topics=tuple(sorted(topics)))

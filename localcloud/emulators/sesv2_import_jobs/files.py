"""How SES reads an import file: the layouts of the SES Developer Guide, record by record.

Contact lists (https://docs.aws.amazon.com/ses/latest/dg/sending-email-list-management.html, "Importing
contacts"): CSV with a header row naming ``emailAddress`` and optionally ``unsubscribeAll``, ``attributesData``
and ``topicPreferences.<TopicName>`` columns, or JSON lines with those fields. The suppression list
(https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list.html, "Bulk import"): CSV without a
header, ``address,BOUNCE|COMPLAINT`` for PUT and one address per line for DELETE, or JSON lines with
``emailAddress`` and ``reason``. A record SES would reject is one failed record; a file it cannot read at all
fails the job.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from localcloud.emulators.kit.errors import JobFailure
from localcloud.emulators.kit.records import (
    RecordError,
    SourceLine,
    csv_fields,
    decode_utf8,
    is_email,
    json_object,
    source_lines,
)

# Per-object record limits from the SES developer guide; read at run time so tests can patch them.
CONTACT_LIST_RECORD_LIMIT = 1_000_000
SUPPRESSION_PUT_RECORD_LIMIT = 100_000
SUPPRESSION_DELETE_RECORD_LIMIT = 10_000

_CONTACT_COLUMNS = ("emailAddress", "unsubscribeAll", "attributesData")
_TOPIC_COLUMN_PREFIX = "topicPreferences."
_CONTACT_JSON_FIELDS = frozenset({"emailAddress", "unsubscribeAll", "attributesData", "topicPreferences"})
_SUPPRESSION_JSON_FIELDS = frozenset({"emailAddress", "reason"})
_SUBSCRIPTION_STATUSES = ("OPT_IN", "OPT_OUT")
SUPPRESSION_REASONS = ("BOUNCE", "COMPLAINT")


@dataclass(frozen=True)
class FailedRecord:
    line: SourceLine
    error: str


@dataclass(frozen=True)
class ContactRecord:
    email: str
    unsubscribe_all: bool = False
    attributes_data: str | None = None
    topic_preferences: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SuppressionRecord:
    email: str
    reason: str | None = None


Record = ContactRecord | SuppressionRecord


@dataclass(frozen=True)
class JobSpec:
    """What a job asks for, flattened from its destination and source."""

    destination_type: str
    action: str
    data_format: str
    contact_list_name: str | None = None

    @classmethod
    def of(cls, destination: dict[str, Any], source: dict[str, Any]) -> JobSpec:
        data_format = source["DataFormat"]
        contacts = destination.get("ContactListDestination")
        if contacts:
            action, name = contacts["ContactListImportAction"], contacts["ContactListName"]
            return cls("CONTACT_LIST", action, data_format, name)
        action = destination["SuppressionListDestination"]["SuppressionListImportAction"]
        return cls("SUPPRESSION_LIST", action, data_format)

    @property
    def has_header(self) -> bool:
        return self.destination_type == "CONTACT_LIST" and self.data_format == "CSV"

    @property
    def record_limit(self) -> tuple[int, str]:
        if self.destination_type == "CONTACT_LIST":
            return CONTACT_LIST_RECORD_LIMIT, "a contact list import"
        if self.action == "PUT":
            return SUPPRESSION_PUT_RECORD_LIMIT, "a suppression list PUT import"
        return SUPPRESSION_DELETE_RECORD_LIMIT, "a suppression list DELETE import"


def enforce_limit(spec: JobSpec, record_count: int) -> None:
    limit, what = spec.record_limit
    if record_count > limit:
        raise JobFailure(f"The file has {record_count:,} records; {what} accepts at most {limit:,} per file")


def _email(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RecordError("emailAddress is missing")
    address = value.strip()
    if not is_email(address):
        raise RecordError("emailAddress is not a valid email address")
    return address


def _attributes_data(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError("attributesData must be a string holding a JSON object")
    json_object(value, "attributesData")
    return value


def _topic_preference(topic: Any, status: Any, topics: frozenset[str]) -> tuple[str, str]:
    if not isinstance(topic, str) or topic not in topics:
        raise RecordError(f"topic {topic!r} is not a topic of the contact list")
    if status not in _SUBSCRIPTION_STATUSES:
        raise RecordError(f"subscription status for topic {topic!r} must be OPT_IN or OPT_OUT")
    return topic, status


def _csv_bool(value: str) -> bool:
    if value.lower() in ("", "false"):
        return False
    if value.lower() == "true":
        return True
    raise RecordError("unsubscribeAll must be true or false")


def _contact_csv_columns(header: SourceLine) -> list[str]:
    """Column names from the header row; a header SES would reject fails the whole job."""
    try:
        columns = csv_fields(header.text)
    except RecordError as exc:
        raise JobFailure(f"The CSV header (line {header.number}) is malformed") from exc
    if "emailAddress" not in columns:
        raise JobFailure(f"The CSV header (line {header.number}) has no emailAddress column")
    for column in columns:
        is_topic = column.startswith(_TOPIC_COLUMN_PREFIX) and len(column) > len(_TOPIC_COLUMN_PREFIX)
        if column not in _CONTACT_COLUMNS and not is_topic:
            raise JobFailure(
                f"Unknown column {column!r} in the CSV header; allowed: emailAddress, unsubscribeAll, "
                f"attributesData, topicPreferences.<TopicName>"
            )
    if len(set(columns)) != len(columns):
        raise JobFailure(f"The CSV header (line {header.number}) repeats a column")
    return columns


def _contact_from_csv(line: SourceLine, columns: list[str], spec: JobSpec, topics: frozenset[str]) -> Record:
    fields = csv_fields(line.text)
    if len(fields) != len(columns):
        raise RecordError(f"expected {len(columns)} fields, found {len(fields)}")
    row = dict(zip(columns, fields, strict=True))
    email = _email(row["emailAddress"])
    if spec.action == "DELETE":
        return ContactRecord(email)
    preferences = tuple(
        _topic_preference(column.removeprefix(_TOPIC_COLUMN_PREFIX), value, topics)
        for column, value in row.items()
        if column.startswith(_TOPIC_COLUMN_PREFIX) and value
    )
    return ContactRecord(
        email,
        unsubscribe_all=_csv_bool(row.get("unsubscribeAll", "")),
        attributes_data=_attributes_data(row.get("attributesData")),
        topic_preferences=preferences,
    )


def _contact_from_json(line: SourceLine, spec: JobSpec, topics: frozenset[str]) -> Record:
    item = json_object(line.text)
    unknown = sorted(set(item) - _CONTACT_JSON_FIELDS)
    if unknown:
        raise RecordError(f"unknown field(s): {', '.join(unknown)}")
    email = _email(item.get("emailAddress"))
    if spec.action == "DELETE":
        return ContactRecord(email)
    unsubscribe_all = item.get("unsubscribeAll", False)
    if not isinstance(unsubscribe_all, bool):
        raise RecordError("unsubscribeAll must be true or false")
    preferences = item.get("topicPreferences", [])
    if not isinstance(preferences, list) or not all(isinstance(p, dict) for p in preferences):
        raise RecordError("topicPreferences must be a list of {topicName, subscriptionStatus} objects")
    parsed = tuple(_topic_preference(p.get("topicName"), p.get("subscriptionStatus"), topics) for p in preferences)
    if len({topic for topic, _ in parsed}) != len(parsed):
        raise RecordError("topicPreferences names a topic twice")
    return ContactRecord(email, unsubscribe_all, _attributes_data(item.get("attributesData")), parsed)


def _suppression_from_csv(line: SourceLine, spec: JobSpec) -> Record:
    fields = csv_fields(line.text)
    expected = 2 if spec.action == "PUT" else 1
    if len(fields) != expected:
        layout = "address,BOUNCE|COMPLAINT" if spec.action == "PUT" else "one address per line"
        raise RecordError(f"expected {layout}")
    return _suppression(fields[0], fields[1] if spec.action == "PUT" else None, spec)


def _suppression_from_json(line: SourceLine, spec: JobSpec) -> Record:
    item = json_object(line.text)
    unknown = sorted(set(item) - _SUPPRESSION_JSON_FIELDS)
    if unknown:
        raise RecordError(f"unknown field(s): {', '.join(unknown)}")
    return _suppression(item.get("emailAddress"), item.get("reason"), spec)


def _suppression(address: Any, reason: Any, spec: JobSpec) -> SuppressionRecord:
    email = _email(address)
    if spec.action == "DELETE":
        return SuppressionRecord(email)
    if reason not in SUPPRESSION_REASONS:
        raise RecordError("reason must be BOUNCE or COMPLAINT")
    return SuppressionRecord(email, reason)


def read_records(
    spec: JobSpec, data: bytes, topics: frozenset[str]
) -> tuple[list[tuple[SourceLine, Record]], list[FailedRecord]]:
    """Split the file into valid records and failed ones, in file order; JobFailure when SES would read none
    (not UTF-8, over the record limit, a contact list CSV without a usable header)."""
    lines = source_lines(decode_utf8(data))
    enforce_limit(spec, len(lines) - (1 if spec.has_header and lines else 0))
    parse: Callable[[SourceLine], Record]
    if spec.destination_type == "CONTACT_LIST" and spec.data_format == "CSV":
        if not lines:
            raise JobFailure("The file is empty: a contact list CSV needs a header row with an emailAddress column")
        columns = _contact_csv_columns(lines[0])
        lines = lines[1:]
        parse = partial(_contact_from_csv, columns=columns, spec=spec, topics=topics)
    elif spec.destination_type == "CONTACT_LIST":
        parse = partial(_contact_from_json, spec=spec, topics=topics)
    elif spec.data_format == "CSV":
        parse = partial(_suppression_from_csv, spec=spec)
    else:
        parse = partial(_suppression_from_json, spec=spec)
    records: list[tuple[SourceLine, Record]] = []
    failed: list[FailedRecord] = []
    for line in lines:
        try:
            records.append((line, parse(line)))
        except RecordError as exc:
            failed.append(FailedRecord(line, str(exc)))
    return records, failed


def failed_records_csv(failed: list[FailedRecord]) -> bytes:
    """The report behind FailureInfo.FailedRecordsS3Url: line number, reason and the record as it was sent."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["lineNumber", "error", "record"])
    for item in failed:
        writer.writerow([item.line.number, item.error, item.line.text])
    return buffer.getvalue().encode("utf-8")

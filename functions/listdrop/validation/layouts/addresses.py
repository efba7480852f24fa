"""The address-file layouts: SES contact lists and the suppression list, and Mail Manager address lists, each
described by a FileSpec (formats.py), with the value checks of rows.py.

Every record is one e-mail address (or, for Mail Manager, a wildcard entry) with the columns the spec allows;
an address may appear once per file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from itertools import repeat
from operator import itemgetter
from typing import Any

from listdrop.errors import RejectedFile
from listdrop.models import Action, DataFormat, DestinationType
from listdrop.privacy import contains_email, redact_emails
from listdrop.validation import rows
from listdrop.validation.csv_text import QUOTED, QUOTED_INSIDE, csv_line
from listdrop.validation.formats import (
    ATTRIBUTES_DATA,
    EMAIL_ADDRESS,
    FAST_EMAIL_PATTERN,
    MAX_JOBS_PER_UPLOAD,
    REASON,
    TOPIC_PREFERENCES,
    TOPIC_PREFIX,
    UNSUBSCRIBE_ALL,
    WILDCARD,
    FileSpec,
    Kind,
    canonical_name,
)
from listdrop.validation.json_array import scan_json
from listdrop.validation.layout import CellProblem, CsvHeader, JsonDocuments, Limit, Record, Row
from listdrop.validation.layouts.esp_exports import EspColumns, recognize, refuse_unsubscribes
from listdrop.validation.report import safe_value
from listdrop.wording import count

# The canonical values of each kind the fast row matches ("" where the cell may be empty).
_FAST_VALUES: dict[Kind, frozenset[str]] = {
    Kind.BOOLEAN: frozenset({"true", "false", ""}),
    Kind.SUBSCRIPTION: frozenset({"OPT_IN", "OPT_OUT", ""}),
    Kind.REASON: frozenset({"BOUNCE", "COMPLAINT"}),
}


@dataclass(frozen=True)
class AddressLayout:
    """The address file a FileSpec describes."""

    spec: FileSpec

    byte_limit = None  # the record limit is what these jobs document
    unique_column = EMAIL_ADDRESS
    changed_note = "trimmed surrounding spaces in {rows}"

    @property
    def data_format(self) -> DataFormat:
        return self.spec.data_format

    @property
    def staged_format(self) -> DataFormat:
        return self.spec.staged_format

    @cached_property  # asked for every row the exact path admits
    def record_limit(self) -> Limit:
        spec, limit = self.spec, self.spec.record_limit
        if not spec.splits:
            return Limit(limit, "TOO_MANY_RECORDS", spec.record_limit_reason.format(limit=limit))
        jobs = MAX_JOBS_PER_UPLOAD
        reason = (
            f"The file has more than {limit * jobs:,} valid records; one {spec.label} import job takes at most "
            f"{limit:,} and listdrop splits one upload into at most {jobs} jobs. Split it into several files."
        )
        return Limit(limit, "TOO_MANY_RECORDS", reason, jobs=jobs)

    @property
    def json_documents(self) -> JsonDocuments:
        return JsonDocuments.ARRAY_OR_ITEMS if self.spec.items_document else JsonDocuments.ARRAY

    def report_cell(self, column: str, value: str) -> tuple[str, str]:
        return self.spec.wire(column), safe_value(value, is_address=column == EMAIL_ADDRESS)

    # -- CSV -------------------------------------------------------------------------------------------

    def csv_header(self, cells: list[str], notes: list[str]) -> CsvHeader:
        spec = self.spec
        if spec.has_header:
            return _named_header(spec, cells, notes)
        return _headerless(spec, cells, notes)

    # -- JSON ------------------------------------------------------------------------------------------

    def json_preamble(self) -> tuple[str, str]:
        if self.spec.staged_format is not DataFormat.CSV:
            return "", ""
        # Only Mail Manager converts JSON to CSV: its one column is required, so every record has it.
        wired = [self.spec.wire(column) for column in self.spec.columns]
        return csv_line(wired), f"converted JSON to CSV with the header '{','.join(wired)}' (the documented layout)"

    def json_record(self, value: Any) -> Record:
        if not isinstance(value, dict):
            raise CellProblem("", "", "NOT_AN_OBJECT", "The record is not a JSON object.")
        spec = self.spec
        normalized: dict[str, Any] = {}
        fields = _fields(spec, value)
        for name, field in fields.items():
            try:
                _json_field(spec, name, field, normalized)
            except rows.RowProblem as problem:
                shown = field if isinstance(field, str) else json.dumps(field)[:100]
                raise CellProblem(name, shown, problem.code, problem.reason) from None
        preferences = normalized.get(TOPIC_PREFERENCES)
        topics = tuple(preference["topicName"] for preference in preferences) if preferences else ()
        if spec.staged_format is DataFormat.CSV:
            text = csv_line([normalized[name] for name in spec.columns])
        else:
            wire = {spec.wire(name): field for name, field in normalized.items()}
            text = json.dumps(wire, separators=(",", ":"), ensure_ascii=False) + "\n"
        return Record(text, normalized[EMAIL_ADDRESS], topics, rows.punycode_note(fields[EMAIL_ADDRESS]))


class AddressColumns:
    """The columns of one address CSV file, in the order its header (or the spec, headerless) gives them."""

    def __init__(self, spec: FileSpec, columns: list[str]) -> None:
        self._spec = spec
        self._columns = columns
        self._kinds = [spec.kind_of(column) for column in columns]
        self._email_index = columns.index(EMAIL_ADDRESS)
        self.width = len(columns)
        self.fast_row: re.Pattern[str] | None = _fast_row(self._kinds)
        self._attributes_cell: re.Pattern[str] | None = None
        if ATTRIBUTES_DATA in columns:
            skip = columns.index(ATTRIBUTES_DATA)
            self._attributes_cell = re.compile(
                rf"^(?:(?:{QUOTED}|[^,\n\"]*+),){{{skip}}}(?:\"({QUOTED_INSIDE})\")?+", re.MULTILINE
            )

    def fast_block_ok(self, text: str, addresses: str) -> bool:
        if self._spec.allows_wildcards and WILDCARD in addresses:
            return False  # a '*' is a wildcard here, with rules of its own (rows.member)
        return self._attributes_cell is None or self._fast_attributes(text)

    def _fast_attributes(self, text: str) -> bool:
        assert self._attributes_cell is not None
        quoted = self._attributes_cell.findall(text)
        present = "\n".join(quoted).replace('""', '"').split("\n")
        return _all_json_objects(tuple(present))

    def row(self, cells: list[str]) -> Row:
        normalized = []
        for column, kind, cell in zip(self._columns, self._kinds, cells, strict=True):
            try:
                normalized.append(rows.csv_cell(kind, cell))
            except rows.RowProblem as problem:
                raise CellProblem(column, cell, problem.code, problem.reason) from None
        return Row(normalized, normalized[self._email_index], rows.punycode_note(cells[self._email_index]))

    def changed(self, cells: list[str], normalized: list[str]) -> bool:
        return normalized != cells and any(cell != cell.strip() for cell in cells)

    def wrong_width(self, count: int) -> str:
        return f"The row has {count} values; {self._spec.label} rows have {self.width} ({','.join(self._columns)})."


class AttributeColumns(AddressColumns):
    """An address CSV with columns the layout does not name, written into attributesData: a JSON object of the
    row's non-empty values by header name, as strings (FileSpec.extra_as_attributes). Every row is rewritten, so
    every row takes the exact path."""

    def __init__(self, spec: FileSpec, names: list[str], columns: list[str | None]) -> None:
        super().__init__(spec, [column for column in columns if column is not None])
        self._kept = [index for index, column in enumerate(columns) if column is not None]
        self._extras = [(index, names[index]) for index, column in enumerate(columns) if column is None]
        self._names = names
        self.width = len(columns)
        self.fast_row = None

    def row(self, cells: list[str]) -> Row:
        normalized, address, note = super().row([cells[index] for index in self._kept])
        values = {name: cells[index].strip() for index, name in self._extras if cells[index].strip()}
        # json.dumps escapes quotes, backslashes and control characters; the CSV writer then quotes the cell.
        normalized.append(json.dumps(values, separators=(",", ":"), ensure_ascii=False) if values else "")
        return Row(normalized, address, note)

    def changed(self, cells: list[str], normalized: list[str]) -> bool:
        return any(cell != cell.strip() for cell in cells)

    def wrong_width(self, count: int) -> str:
        return f"The row has {count} values; the header names {self.width} ({_shown(self._names)})."


def _headerless(spec: FileSpec, cells: list[str], notes: list[str]) -> CsvHeader:
    """The first line of a suppression-list CSV, which has no header: a record, or a header people left in (an
    e-mail service's suppression export for put/, esp_exports.py, or a stray header of this layout's columns)."""
    columns = AddressColumns(spec, list(spec.columns))
    if any(contains_email(cell) for cell in cells):
        return CsvHeader(columns, consumed=False)
    export = recognize(cells) if spec.action is Action.PUT else None
    if export is not None:
        if not export.reason:
            raise refuse_unsubscribes(export)
        esp = EspColumns(export, cells)
        notes.append(esp.note)
        return CsvHeader(esp)
    if not cells or canonical_name(cells[0]) != EMAIL_ADDRESS:
        return CsvHeader(columns, consumed=False)
    extras = [cell.strip() for cell in cells if canonical_name(cell) not in spec.columns]
    if extras:
        raise _extra_columns(spec, extras)
    notes.append("removed a header row (suppression-list CSV files have none)")
    return CsvHeader(columns)


def _named_header(spec: FileSpec, cells: list[str], notes: list[str]) -> CsvHeader:
    names = [cell.strip() for cell in cells]
    if any(contains_email(name) for name in names):
        raise RejectedFile(
            "MISSING_HEADER",
            f"The first line is data, not a header: {spec.label} files need a header row such as "
            f"'{spec.header_example}'.",
        )
    columns = [_header_column(spec, name, notes) for name in names]
    extras = [name for name, column in zip(names, columns, strict=True) if column is None]
    kept = [column for column in columns if column is not None]
    _refuse_unusable_header(spec, kept, extras)
    topics = tuple(column[len(TOPIC_PREFIX) :] for column in kept if column.startswith(TOPIC_PREFIX))
    if not extras:
        return CsvHeader(AddressColumns(spec, kept), line=csv_line([spec.wire(c) for c in kept]), topics=topics)
    notes.append(f"wrote {count(len(extras), 'extra column')} ({_shown(extras)}) into attributesData")
    line = csv_line([spec.wire(c) for c in kept] + [ATTRIBUTES_DATA])
    return CsvHeader(AttributeColumns(spec, names, columns), line=line, topics=topics)


def _refuse_unusable_header(spec: FileSpec, kept: list[str], extras: list[str]) -> None:
    """Raises RejectedFile for a header the file cannot be read with: `kept`, the columns the layout takes;
    `extras`, the names of the others."""
    if extras and (not spec.extra_as_attributes or "" in extras):
        raise _extra_columns(spec, extras)
    if EMAIL_ADDRESS not in kept:
        raise RejectedFile("MISSING_EMAIL_COLUMN", f"The header has no {spec.wire(EMAIL_ADDRESS)} (or 'email') column.")
    if len(set(kept)) != len(kept) or len(set(extras)) != len(extras):
        raise RejectedFile("DUPLICATE_COLUMN", "The header names the same column twice.")
    if extras and ATTRIBUTES_DATA in kept:
        raise RejectedFile(
            "EXTRA_COLUMNS_AND_ATTRIBUTES",
            f"The header has an attributesData column and extra columns ({_shown(extras)}); under "
            "extra-as-attributes/ the extra columns become attributesData. Keep one or the other.",
        )


def _header_column(spec: FileSpec, name: str, notes: list[str]) -> str | None:
    """The column a header cell names, in listdrop's spelling (a note when the file spelled it another way);
    None for a column the layout does not take."""
    column = canonical_name(name)
    is_topic = column is not None and column.startswith(TOPIC_PREFIX) and spec.allows_topics
    if column is None or column in (TOPIC_PREFERENCES, REASON) or not (is_topic or column in spec.columns):
        return None
    if spec.wire(column) != name:
        notes.append(f"read column '{redact_emails(name)[:80]}' as '{spec.wire(column)}'")
    return column


def _extra_columns(spec: FileSpec, extras: list[str]) -> RejectedFile:
    """The refusal of a header with columns the layout does not take, naming them and what it takes."""
    allowed = (
        "emailAddress, unsubscribeAll, attributesData and topicPreferences.<TopicName>"
        if spec.allows_topics
        else " and ".join(spec.wire(c) for c in spec.columns)
    )
    named = "a column with no name" if "" in extras else count(len(extras), "column") + f" ({_shown(extras)})"
    advice = "Remove them."
    if spec.destination_type is DestinationType.SES_CONTACT_LIST and spec.action is Action.PUT:
        advice = (
            "Remove them, or upload the file under put/extra-as-attributes/ to write them into each contact's "
            "attributesData (if the deployment allows it: listdrop:extraColumnsAsAttributes)."
        )
    return RejectedFile(
        "UNKNOWN_COLUMN",
        f"The header has {named} that {spec.label} files do not take. Allowed: {allowed} (other spellings such "
        f"as 'Email' or 'Email Address' are understood). {advice}",
    )


def _shown(names: list[str], most: int = 10) -> str:
    """Header names as a notification may show them: quoted, redacted, shortened, at most `most` of them."""
    shown = ", ".join(f"'{redact_emails(name)[:80]}'" for name in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _fast_row(kinds: list[Kind]) -> re.Pattern[str]:
    """One regular expression for a whole valid, canonical row; it captures the address."""
    cells = []
    for kind in kinds:
        if kind in (Kind.EMAIL, Kind.MEMBER):
            cells.append(f"({FAST_EMAIL_PATTERN})")
        elif kind is Kind.JSON_OBJECT:
            cells.append(f"(?:{QUOTED})?+")
        else:
            values = _FAST_VALUES[kind]
            cells.append(
                "(?:" + "|".join(sorted(value for value in values if value)) + ")" + ("?+" if "" in values else "")
            )
    return re.compile("^" + ",".join(cells) + "\n", re.MULTILINE)


def _all_json_objects(values: tuple[str, ...]) -> bool:
    present = [value for value in values if value]
    if not present:
        return True
    try:
        scanned = list(map(scan_json, present, repeat(0)))
    except (StopIteration, ValueError, RecursionError):
        return False
    return list(map(itemgetter(1), scanned)) == list(map(len, present)) and set(
        map(type, map(itemgetter(0), scanned))
    ) == {dict}


def _fields(spec: FileSpec, record: dict[str, Any]) -> dict[str, Any]:
    """A JSON record's fields by listdrop's names; raises CellProblem for an unknown, repeated or missing one."""
    fields: dict[str, Any] = {}
    for key, value in record.items():
        name = canonical_name(key)
        if name is None or name not in spec.columns:
            raise CellProblem(str(key), "", "UNKNOWN_FIELD", f"{spec.label} records have no such field.")
        if name in fields:
            raise CellProblem(name, "", "DUPLICATE_FIELD", "The record gives this field twice.")
        fields[name] = value
    for name in spec.required:
        if name not in fields:
            raise CellProblem(name, "", "MISSING_FIELD", f"The record has no {name} field.")
    return fields


def _json_field(spec: FileSpec, name: str, value: Any, normalized: dict[str, Any]) -> None:
    """Check one field and put its normalized value in `normalized` (left out when empty); raises RowProblem."""
    if name == EMAIL_ADDRESS:
        normalized[name] = rows.member(value) if spec.allows_wildcards else rows.email(value)
    elif name == REASON:
        normalized[name] = rows.reason(value)
    elif name == UNSUBSCRIBE_ALL:
        flag = rows.boolean(value)
        if flag is not None:
            normalized[name] = flag
    elif name == ATTRIBUTES_DATA:
        attributes = rows.attributes(value)
        if attributes is not None:
            normalized[name] = attributes
    elif name == TOPIC_PREFERENCES:
        preferences = rows.topic_preferences(value)
        if preferences:
            normalized[name] = preferences

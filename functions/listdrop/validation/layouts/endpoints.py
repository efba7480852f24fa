"""The Amazon Pinpoint endpoint layout: CSV with a header of attribute names, or newline-delimited JSON; what each
attribute takes is in endpoint_attributes.py.

A canonical CSV block is matched whole by one regular expression with one alternative per kind of address
(e-mail, phone number, other channels' tokens); a block with any doubt goes through the exact row path. JSON
lines are checked one by one. Duplicate endpoint Ids are not tracked: a later row for the same Id is an update
that Pinpoint applies itself, and no structure grows with the file, so memory stays bounded by the block size.
"""

from __future__ import annotations

import json
import re
from functools import cached_property
from typing import Any

from listdrop.errors import RejectedFile
from listdrop.models import DataFormat
from listdrop.privacy import contains_email
from listdrop.validation import rows
from listdrop.validation.csv_text import csv_line
from listdrop.validation.endpoint_attributes import (
    ADDRESS,
    CHANNEL_TYPE,
    EMAIL_CHANNEL,
    ID,
    MAX_ATTRIBUTE_NAME,
    MAX_IMPORT_BYTES,
    NO_RECORD_LIMIT,
    NOT_IMPORTABLE_REASON,
    PHONE,
    PHONE_CHANNELS,
    EndpointSchema,
    Field,
    Form,
    Kind,
    endpoint_rules,
    endpoint_schema,
    json_value,
    not_importable,
    redact,
    text_value,
)
from listdrop.validation.formats import FAST_EMAIL_PATTERN
from listdrop.validation.layout import CellProblem, CsvHeader, JsonDocuments, Limit, Record, Row
from listdrop.validation.report import safe_value

# The block fast path: each pattern matches only cells the exact path keeps unchanged (a subset is enough).
_FAST_TEXT = r'[^\s,"](?:[^,"\n]*+(?<!\s))?+'
_FAST_CELLS = {
    Kind.TEXT: f"(?:{_FAST_TEXT})?+",
    Kind.ATTRIBUTE: r'(?:[^\s,"](?:[^,"\n]{0,99}+(?<!\s))?+)?+',
    Kind.NUMBER: r"(?:-?[0-9]{1,15}(?:\.[0-9]{1,15})?)?+",
    Kind.LATITUDE: r"(?:-?(?:[1-8]?[0-9](?:\.[0-9]{1,15})?|90(?:\.0{1,15})?))?+",
    Kind.LONGITUDE: r"(?:-?(?:(?:1[0-7][0-9]|[1-9]?[0-9])(?:\.[0-9]{1,15})?|180(?:\.0{1,15})?))?+",
    Kind.OPT_OUT: r"(?:ALL|NONE)?+",
    Kind.DATE: "",  # dates go through the exact path
}


class EndpointLayout:
    """A Pinpoint endpoint file; the limits are one import job's unless a caller sets its own."""

    unique_column = None  # a later row for the same Id is an update, not a duplicate
    json_documents = JsonDocuments.NONE  # the import job reads newline-delimited JSON only
    changed_note = "trimmed spaces or upper-cased values in {rows}"

    def __init__(
        self, data_format: DataFormat, *, record_limit: int = NO_RECORD_LIMIT, byte_limit: int = MAX_IMPORT_BYTES
    ) -> None:
        self.data_format = data_format
        self.staged_format = data_format
        self.record_limit = Limit(
            record_limit,
            "TOO_MANY_RECORDS",
            f"The file has more than {record_limit:,} valid endpoints, more than one import job is allowed to take "
            "here. Split it into several files.",
        )
        self.byte_limit = Limit(
            byte_limit,
            "FILE_TOO_LARGE",
            f"The endpoints come to more than {byte_limit:,} bytes; one Pinpoint import job takes at most 1 GB. "
            "Split the file into several files.",
        )

    @cached_property
    def _schema(self) -> EndpointSchema:
        return endpoint_schema()  # loaded when a file is read, not when a route is only asked its format

    def report_cell(self, column: str, value: str) -> tuple[str, str]:
        if column == ADDRESS:
            return column, safe_value(value, is_address=True)
        return column, redact(safe_value(value, is_address=False))

    # -- CSV -------------------------------------------------------------------------------------------

    def csv_header(self, cells: list[str], notes: list[str]) -> CsvHeader:
        schema = self._schema
        names = [cell.strip() for cell in cells]
        if any(contains_email(name) or PHONE.fullmatch(name) or name in schema.channel_types for name in names):
            raise RejectedFile(
                "MISSING_HEADER",
                "The first line is data, not a header: endpoint CSV files need a header row such as "
                "'ChannelType,Address,User.UserId'.",
            )
        columns = [_header_column(schema, position, name, notes) for position, name in enumerate(names, start=1)]
        spelled = [column for column, _ in columns]
        if len(set(spelled)) != len(spelled):
            raise RejectedFile("DUPLICATE_COLUMN", "The header names the same column twice.")
        if ID not in spelled and not {CHANNEL_TYPE, ADDRESS} <= set(spelled):
            raise RejectedFile(
                "MISSING_REQUIRED_COLUMN",
                "The header needs ChannelType and Address columns (to add endpoints) or an Id column "
                "(to update endpoints).",
            )
        return CsvHeader(EndpointColumns(schema, columns), line=csv_line(spelled))

    # -- JSON lines --------------------------------------------------------------------------------------

    def json_preamble(self) -> tuple[str, str]:
        return "", ""

    def json_record(self, value: Any) -> Record:
        if not isinstance(value, dict):
            raise CellProblem("", "", "NOT_AN_OBJECT", "The line is not a JSON object ({...}).")
        try:
            normalized = _json_object(self._schema, "", value)
            address = endpoint_rules(normalized.get(CHANNEL_TYPE), normalized.get(ADDRESS), normalized.get(ID))
        except CellProblem as problem:
            raise problem.showing(_shown(_lookup(value, problem.column))) from None
        if address is not None:
            normalized[ADDRESS] = address
        return Record(json.dumps(normalized, separators=(",", ":"), ensure_ascii=False) + "\n", "")


class EndpointColumns:
    """The columns of one endpoint CSV file: (the API's spelling, kind) in header order."""

    def __init__(self, schema: EndpointSchema, columns: list[tuple[str, Kind]]) -> None:
        self._columns = columns
        self._channels = schema.channel_types
        self._spelled = [column for column, _ in columns]
        self._channel_at = self._index(CHANNEL_TYPE)
        self._address_at = self._index(ADDRESS)
        self._id_at = self._index(ID)
        self.width = len(columns)
        self.fast_row = _fast_row(schema, [kind for _, kind in columns])

    def _index(self, column: str) -> int:
        return self._spelled.index(column) if column in self._spelled else -1

    def fast_block_ok(self, text: str, addresses: str) -> bool:
        return True  # the fast row's own checks are all there is

    def row(self, cells: list[str]) -> Row:
        try:
            normalized = [
                self._cell(column, kind, cell) for (column, kind), cell in zip(self._columns, cells, strict=True)
            ]
            address = endpoint_rules(
                _present(normalized, self._channel_at),
                _present(normalized, self._address_at),
                _present(normalized, self._id_at),
            )
        except CellProblem as problem:
            at = self._index(problem.column)
            raise problem.showing(cells[at] if at >= 0 else "") from None
        if address is not None:
            normalized[self._address_at] = address
        return Row(normalized, "")

    def _cell(self, column: str, kind: Kind, cell: str) -> str:
        if not cell:
            return ""
        try:
            return text_value(kind, cell, self._channels) or ""
        except rows.RowProblem as problem:
            raise CellProblem(column, "", problem.code, problem.reason) from None

    def changed(self, cells: list[str], normalized: list[str]) -> bool:
        return normalized != cells

    def wrong_width(self, count: int) -> str:
        return f"The row has {count} values; the header has {self.width}."


def _present(cells: list[str], at: int) -> str | None:
    return cells[at] or None if at >= 0 else None


def _header_column(schema: EndpointSchema, position: int, name: str, notes: list[str]) -> tuple[str, Kind]:
    """The attribute a header cell names, as (the API's spelling, kind); a note when the file spelled it
    another way."""
    refused = not_importable(name)
    if refused:
        raise RejectedFile(
            "UNKNOWN_COLUMN",
            f"Column {position} ('{refused}'): {NOT_IMPORTABLE_REASON.format(name=refused)} Remove the column.",
        )
    found = schema.column(name)
    if found is None:
        raise RejectedFile(
            "UNKNOWN_COLUMN",
            f"Column {position} ('{redact(name)[:80]}') is not an endpoint attribute. Allowed: ChannelType, Address, "
            "Id, EffectiveDate, OptOut, RequestId, Location.<field>, Demographic.<field>, User.UserId, "
            "Attributes.<name>, User.UserAttributes.<name> and Metrics.<name>.",
        )
    column, kind, custom = found
    if kind is Kind.ATTRIBUTE and len(custom) > MAX_ATTRIBUTE_NAME:
        raise RejectedFile(
            "INVALID_COLUMN_NAME",
            f"Column {position}: a custom attribute name has at most {MAX_ATTRIBUTE_NAME} characters.",
        )
    if column != name:
        notes.append(f"read column '{redact(name)[:80]}' as '{redact(column)[:80]}'")
    return column, kind


def _fast_row(schema: EndpointSchema, kinds: list[Kind]) -> re.Pattern[str] | None:
    """Whole valid canonical rows, one alternative per kind of address; the e-mail address is captured."""
    if Kind.CHANNEL not in kinds or Kind.ADDRESS not in kinds:
        return None
    others = sorted(schema.channel_types - PHONE_CHANNELS - {EMAIL_CHANNEL}, key=lambda c: (-len(c), c))
    groups = (
        (EMAIL_CHANNEL, f"({FAST_EMAIL_PATTERN})"),
        ("|".join(sorted(PHONE_CHANNELS)), PHONE.pattern),
        ("|".join(others), _FAST_TEXT),
    )
    alternatives = []
    for channel, address in groups:
        cells = []
        for kind in kinds:
            if kind is Kind.CHANNEL:
                cells.append(f"(?:{channel})")
            elif kind is Kind.ADDRESS:
                cells.append(f"(?:{address})")
            else:
                cells.append(_FAST_CELLS[kind])
        alternatives.append(",".join(cells))
    return re.compile("^(?:" + "|".join(alternatives) + ")\n", re.MULTILINE)


# -- JSON objects --------------------------------------------------------------------------------------


def _json_object(schema: EndpointSchema, parent: str, record: dict[str, Any]) -> dict[str, Any]:
    normalized: dict[str, Any] = {}
    for key, value in record.items():
        field = schema.member(parent, key)
        path = field.path if field is not None else (f"{parent}.{key}" if parent else key)
        if field is None:
            refused = "" if parent else not_importable(key)
            if refused:
                raise CellProblem(refused, "", "UNKNOWN_FIELD", NOT_IMPORTABLE_REASON.format(name=refused))
            raise CellProblem(path, "", "UNKNOWN_FIELD", "Endpoint definitions have no such attribute.")
        name = field.path.rpartition(".")[2]
        if name in normalized:
            raise CellProblem(path, "", "DUPLICATE_FIELD", "The record gives this attribute twice.")
        if value is not None:
            _json_member(schema, field, path, value, normalized)
    return normalized


def _json_member(schema: EndpointSchema, field: Field, path: str, value: Any, normalized: dict[str, Any]) -> None:
    """One attribute's value, put in `normalized` under its own name unless it comes to nothing."""
    name = field.path.rpartition(".")[2]
    if field.form is Form.LEAF:
        _put_leaf(schema, field.kind, path, value, normalized, name)
        return
    if not isinstance(value, dict):
        raise CellProblem(path, "", "WRONG_TYPE", f"{field.path} must be a JSON object ({{...}}).")
    nested = (
        _json_object(schema, field.path, value) if field.form is Form.STRUCTURE else _json_map(schema, field, value)
    )
    if nested:
        normalized[name] = nested


def _json_map(schema: EndpointSchema, field: Field, values: dict[str, Any]) -> dict[str, Any]:
    normalized: dict[str, Any] = {}
    for key, value in values.items():
        path = f"{field.path}.{key}"
        if not key.strip() or (field.kind is Kind.ATTRIBUTE and len(key) > MAX_ATTRIBUTE_NAME):
            raise CellProblem(
                path, "", "INVALID_ATTRIBUTE_NAME", f"A custom attribute name has 1 to {MAX_ATTRIBUTE_NAME} characters."
            )
        _put_leaf(schema, field.kind, path, value, normalized, key)
    return normalized


def _put_leaf(schema: EndpointSchema, kind: Kind, path: str, value: Any, normalized: dict[str, Any], key: str) -> None:
    """One leaf value as the API reads it, put in `normalized` under `key` unless it is empty."""
    try:
        leaf = json_value(kind, value, schema.channel_types)
    except rows.RowProblem as problem:
        raise CellProblem(path, "", problem.code, problem.reason) from None
    if leaf is not None:
        normalized[key] = leaf


def _lookup(record: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of a record, matched as loosely as the checker matched it; "" if absent."""
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return ""
        matches = [item for key, item in value.items() if key == part or key.lower() == part.lower()]
        value = matches[0] if matches else ""
    return value


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)[:200]
    except (ValueError, RecursionError):
        return ""

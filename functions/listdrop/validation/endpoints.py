"""The one-pass checker for Amazon Pinpoint endpoint import files (CSV with a header, or newline-delimited JSON).

What the import job reads, and so what is enforced here:
- CSV or newline-delimited JSON, UTF-8, uncompressed, at most 1 GB per job; each row or line is one endpoint
  definition with the EndpointRequest attributes (developer guide, "Importing endpoints into Amazon Pinpoint").
- A new endpoint needs ChannelType and Address; an update needs the endpoint's Id (user guide, "Importing
  segments"). ChannelType values, the attribute names and their types come from botocore's pinpoint model
  (EndpointBatchItem, which is EndpointRequest plus Id); CSV columns are those names dotted, as in the guides'
  examples (Location.Country, User.UserId, Attributes.<name>, User.UserAttributes.<name>, Metrics.<name>).
- Only the attributes the user guide lists as importable are taken: its "Supported attributes" table
  (https://docs.aws.amazon.com/pinpoint/latest/userguide/segments-importing.html#segments-importing-available-attributes)
  names every member of EndpointBatchItem except EndpointStatus, and the text above it says EndpointStatus is
  not supported when importing. That text names EffectiveDate too, but the table lists it: EffectiveDate is
  accepted, as the table says (an assumption, see the README).
- Documented in the API reference: SMS addresses in E.164 form, EMAIL addresses as e-mail addresses,
  OptOut ALL or NONE, EffectiveDate in ISO 8601, custom attribute names of at most 50 characters and values of
  at most 100.

As in checker.py, a CSV block is first matched whole by one regular expression that accepts only valid
rows already in canonical form (then it is written as read); a block with any doubt goes through the exact
row-by-row path. JSON lines are always checked one by one. Duplicate endpoint Ids are not tracked: a later
row for the same Id is an update that Pinpoint applies itself, and no structure grows with the file, so
memory stays bounded by the block size whatever the file size.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from listdrop.errors import RejectedFile
from listdrop.models import DataFormat
from listdrop.privacy import contains_email, redact_contacts
from listdrop.service_models import service_model
from listdrop.validation import rows
from listdrop.validation.checker import ValidationResult
from listdrop.validation.checker import _split_complete_records as split_complete_records
from listdrop.validation.checker import _unterminated as unterminated
from listdrop.validation.formats import FAST_EMAIL_MAX_LENGTH, FAST_EMAIL_PATTERN, HYPHEN_AT_LABEL_EDGE
from listdrop.validation.policy import RowPolicy
from listdrop.validation.report import ReportWriter, RowError, safe_value
from listdrop.validation.sinks import TextSink
from listdrop.validation.source import MAX_LINE_CHARS, Block, LongLine, TextBlocks

Progress = Callable[[int, int], None]

NO_RECORD_LIMIT = sys.maxsize  # Pinpoint documents no record count per job, only the 1 GB below
MAX_IMPORT_BYTES = 1_000_000_000  # "Each import job can transfer up to 1 GB of data."
MAX_ATTRIBUTE_NAME = 50
MAX_ATTRIBUTE_VALUE = 100

CHANNEL_TYPE = "ChannelType"
ADDRESS = "Address"
ID = "Id"
PHONE_CHANNELS = frozenset({"SMS", "VOICE"})
EMAIL_CHANNEL = "EMAIL"
# Members of the API's EndpointBatchItem that an import job does not take (user guide, "Supported attributes").
NOT_IMPORTABLE = frozenset({"EndpointStatus"})
_NOT_IMPORTABLE_REASON = (
    "Pinpoint import jobs do not take {name} (the user guide's list of supported import attributes leaves it out)."
)

# E.164: at most 15 digits, no leading 0. The guide's own CSV example writes the number without '+'.
_PHONE = re.compile(r"\+?[1-9][0-9]{6,14}")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_WHOLE_LINE = ""
_TOO_LONG = f"A custom attribute value has at most {MAX_ATTRIBUTE_VALUE} characters."


class Kind(StrEnum):
    TEXT = "TEXT"
    CHANNEL = "CHANNEL"
    ADDRESS = "ADDRESS"
    DATE = "DATE"
    OPT_OUT = "OPT_OUT"
    NUMBER = "NUMBER"
    LATITUDE = "LATITUDE"
    LONGITUDE = "LONGITUDE"
    ATTRIBUTE = "ATTRIBUTE"  # one value of a custom attribute (a list of strings in the API)


class Form(StrEnum):
    LEAF = "LEAF"
    STRUCTURE = "STRUCTURE"
    MAP = "MAP"


_SPECIAL_KINDS = {
    CHANNEL_TYPE: Kind.CHANNEL,
    ADDRESS: Kind.ADDRESS,
    "EffectiveDate": Kind.DATE,
    "OptOut": Kind.OPT_OUT,
    "Location.Latitude": Kind.LATITUDE,
    "Location.Longitude": Kind.LONGITUDE,
}
_ENUMS = {Kind.OPT_OUT: ("ALL", "NONE")}
_RANGES = {Kind.LATITUDE: 90.0, Kind.LONGITUDE: 180.0}

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


@dataclass(frozen=True)
class Field:
    path: str  # the API's spelling, dotted: "Location.Country", "User.UserAttributes"
    form: Form
    kind: Kind  # for a map, the kind of each value


@dataclass(frozen=True)
class EndpointSchema:
    channel_types: frozenset[str]
    fields: dict[str, Field]  # lower-cased path -> field

    def column(self, name: str) -> tuple[str, Kind, str] | None:
        """A CSV header cell as (the API's spelling, its kind, the custom name in it or ""), or None if unknown."""
        found = self.fields.get(name.lower())
        if found is not None:
            return (found.path, found.kind, "") if found.form is Form.LEAF else None
        head, dot, custom = name.rpartition(".")
        while dot:
            found = self.fields.get(head.lower())
            if found is not None:
                return (f"{found.path}.{custom}", found.kind, custom) if found.form is Form.MAP and custom else None
            # custom names may hold dots: try the next shorter prefix ("User.UserAttributes" before "User")
            head, dot, rest = head.rpartition(".")
            custom = f"{rest}.{custom}"
        return None

    def member(self, parent: str, key: str) -> Field | None:
        """A JSON key inside `parent` ("" at the top level); keys are matched without regard to case."""
        if "." in key:
            return None
        return self.fields.get(f"{parent}.{key}".lower() if parent else key.lower())


@functools.cache
def endpoint_schema() -> EndpointSchema:
    """Attribute names and types from the pinpoint model (the one that ships with the code, see
    listdrop.service_models), so they follow the API, not a copy of it."""
    model = service_model("pinpoint")
    fields: dict[str, Field] = {}

    def visit(prefix: str, shape: Any) -> None:
        for name, member in shape.members.items():
            path = prefix + name
            if path in NOT_IMPORTABLE:
                continue
            if member.type_name == "structure":
                fields[path.lower()] = Field(path, Form.STRUCTURE, Kind.TEXT)
                visit(path + ".", member)
            elif member.type_name == "map":
                kind = Kind.NUMBER if member.value.type_name == "double" else Kind.ATTRIBUTE
                fields[path.lower()] = Field(path, Form.MAP, kind)
            else:
                kind = _SPECIAL_KINDS.get(path, Kind.NUMBER if member.type_name == "double" else Kind.TEXT)
                fields[path.lower()] = Field(path, Form.LEAF, kind)

    visit("", model.shape_for("EndpointBatchItem"))
    channel_types = frozenset(str(value) for value in model.shape_for("ChannelType").enum)
    return EndpointSchema(channel_types=channel_types, fields=fields)


def not_importable(name: str) -> str:
    """The API's spelling of a column or top-level field the import job does not take, or "" if it is not one."""
    wanted = name.strip().lower()
    return next((refused for refused in NOT_IMPORTABLE if refused.lower() == wanted), "")


# -- values --------------------------------------------------------------------------------------------------


def text_value(kind: Kind, raw: str, channels: frozenset[str]) -> str | None:
    """One value as the API reads it, or None when empty (left out); raises RowProblem."""
    value = raw.strip()
    if not value:
        return None
    if kind is Kind.CHANNEL:
        upper = value.upper()
        if upper not in channels:
            raise rows.RowProblem("INVALID_CHANNEL_TYPE", f"ChannelType must be one of {', '.join(sorted(channels))}.")
        return upper
    if kind in _ENUMS:
        upper = value.upper()
        if upper not in _ENUMS[kind]:
            raise rows.RowProblem(f"INVALID_{kind.value}", f"The value must be {' or '.join(_ENUMS[kind])}.")
        return upper
    if kind is Kind.DATE:
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise rows.RowProblem("INVALID_DATE", "EffectiveDate must be an ISO 8601 date and time.") from None
        return value
    if kind in (Kind.NUMBER, Kind.LATITUDE, Kind.LONGITUDE):
        if not _NUMBER.fullmatch(value):
            raise rows.RowProblem("INVALID_NUMBER", "The value must be a number.")
        number_value(kind, float(value))
        return value
    if kind is Kind.ATTRIBUTE and len(value) > MAX_ATTRIBUTE_VALUE:
        raise rows.RowProblem(
            "VALUE_TOO_LONG", f"A custom attribute value has at most {MAX_ATTRIBUTE_VALUE} characters."
        )
    return value


def number_value(kind: Kind, number: float) -> float:
    if not math.isfinite(number):
        raise rows.RowProblem("INVALID_NUMBER", "The value must be a finite number.")
    limit = _RANGES.get(kind)
    if limit is not None and abs(number) > limit:
        raise rows.RowProblem("INVALID_NUMBER", f"The value must be between -{limit:g} and {limit:g}.")
    return number


def json_value(kind: Kind, value: Any, channels: frozenset[str]) -> Any:
    """A JSON leaf as the API reads it, or None when empty (left out); raises RowProblem."""
    if value is None:
        return None
    if kind in (Kind.NUMBER, Kind.LATITUDE, Kind.LONGITUDE):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise rows.RowProblem("WRONG_TYPE", "The value must be a number.")
        if isinstance(value, str):
            text = text_value(kind, value, channels)
            return None if text is None else float(text)
        try:
            number_value(kind, float(value))
        except OverflowError:
            raise rows.RowProblem("INVALID_NUMBER", "The value must be a finite number.") from None
        return value
    if kind is Kind.ATTRIBUTE:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(item, str) for item in values):
            raise rows.RowProblem("WRONG_TYPE", "A custom attribute must be a list of strings.")
        if any(len(item) > MAX_ATTRIBUTE_VALUE for item in values):
            raise rows.RowProblem("VALUE_TOO_LONG", _TOO_LONG)
        return values
    if not isinstance(value, str):
        raise rows.RowProblem("WRONG_TYPE", "The value must be a string.")
    return text_value(kind, value, channels)


def endpoint_rules(channel: str | None, address: str | None, endpoint_id: str | None) -> str | None:
    """The whole-row rules: what a new endpoint needs, and an address that fits its channel.

    Returns the normalized address; raises RowProblem with the column it concerns as args[1:].
    """
    if endpoint_id is None:
        if channel is None:
            raise _problem(CHANNEL_TYPE, "MISSING_CHANNEL_TYPE", "A new endpoint needs a ChannelType (or give its Id).")
        if address is None:
            raise _problem(ADDRESS, "MISSING_ADDRESS", "A new endpoint needs an Address (or give its Id).")
    if address is None or channel is None:
        return address
    if channel == EMAIL_CHANNEL:
        try:
            return rows.email(address)
        except rows.RowProblem as problem:
            raise _problem(ADDRESS, problem.code, problem.reason) from None
    if channel in PHONE_CHANNELS and not _PHONE.fullmatch(address):
        raise _problem(
            ADDRESS,
            "INVALID_PHONE_NUMBER",
            f"A {channel} address must be a phone number in E.164 form: an optional '+', then up to 15 digits.",
        )
    return address


class _ColumnProblem(rows.RowProblem):
    def __init__(self, column: str, code: str, reason: str) -> None:
        super().__init__(code, reason)
        self.column = column


def _problem(column: str, code: str, reason: str) -> _ColumnProblem:
    return _ColumnProblem(column, code, reason)


def redact(text: str) -> str:
    """Neither e-mail addresses nor phone numbers leave the checker in a message or a report cell."""
    return redact_contacts(text)


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)[:200]
    except (ValueError, RecursionError):
        return ""


# -- the checker ---------------------------------------------------------------------------------------------


class _Counts:
    def __init__(self) -> None:
        self.total = 0
        self.accepted = 0
        self.rejected = 0
        self.blank = 0
        self.changed = 0
        self.bytes_written = 0


class EndpointChecker:
    def __init__(
        self,
        data_format: DataFormat,
        *,
        output: TextSink,
        report: ReportWriter,
        policy: RowPolicy,
        progress: Progress | None = None,
        record_limit: int = NO_RECORD_LIMIT,
        byte_limit: int = MAX_IMPORT_BYTES,
    ) -> None:
        self._format = data_format
        self._output = output
        self._report = report
        self._policy = policy
        self._progress = progress
        self._record_limit = record_limit
        self._byte_limit = byte_limit
        self._schema = endpoint_schema()
        self._counts = _Counts()
        self._notes: list[str] = []
        self._columns: list[tuple[str, Kind]] | None = None
        self._fast_row: re.Pattern[str] | None = None

    def run(self, source: TextBlocks) -> ValidationResult:
        rejection: RejectedFile | None = None
        try:
            if self._format is DataFormat.CSV:
                self._check_csv(source)
            else:
                self._check_json(source)
            rejection = self._verdict(source)
        except RejectedFile as error:
            rejection = error
        if rejection is None:
            self._output.close()
        else:
            self._output.abort()
        if self._report.count:
            self._report.close()
        else:
            self._report.abort()
        counts = self._counts
        notes = sorted(source.stats.normalizations) + self._notes
        if counts.blank:
            notes.append(f"skipped {counts.blank:,} blank lines")
        if counts.changed:
            notes.append(f"trimmed spaces or upper-cased values in {counts.changed:,} rows")
        return ValidationResult(
            total_rows=counts.total,
            accepted_rows=counts.accepted if rejection is None else 0,
            rejected_rows=counts.rejected,
            duplicate_rows=0,
            blank_lines=counts.blank,
            normalizations=tuple(notes),
            topics=(),
            bytes_read=source.stats.bytes_read,
            rejection=rejection,
        )

    def _verdict(self, source: TextBlocks) -> RejectedFile | None:
        counts = self._counts
        if source.stats.bytes_read == 0:
            return RejectedFile("EMPTY_FILE", "The file is empty (0 bytes).")
        if counts.total == 0:
            return RejectedFile("NO_RECORDS", "The file has no records (it is empty or has only a header).")
        if counts.accepted == 0:
            return RejectedFile("NO_VALID_ROWS", f"None of the {counts.total:,} rows is valid; see the report.")
        if self._policy.rejects(total=counts.total, invalid=counts.rejected):
            return RejectedFile(
                "TOO_MANY_INVALID_ROWS",
                f"{counts.rejected:,} of {counts.total:,} rows are invalid, more than the "
                f"{self._policy.max_invalid_percent:g}% allowed; nothing was imported. See the report.",
            )
        return None

    # -- shared bookkeeping ------------------------------------------------------------------------------

    def _write(self, text: str) -> None:
        if not text:
            return
        self._counts.bytes_written += len(text.encode("utf-8"))
        if self._counts.bytes_written > self._byte_limit:
            raise RejectedFile(
                "FILE_TOO_LARGE",
                f"The endpoints come to more than {self._byte_limit:,} bytes; one Pinpoint import job takes at "
                "most 1 GB. Split the file into several files.",
            )
        self._output.write(text)

    def _bad_row(self, row: int, column: str, value: str, code: str, reason: str) -> None:
        self._counts.rejected += 1
        shown = safe_value(value, is_address=True) if column == ADDRESS else redact(safe_value(value, is_address=False))
        self._report.add(RowError(row, column, shown, code, reason))

    def _long_line(self, item: LongLine) -> None:
        self._counts.total += 1
        self._bad_row(item.line, "", "", "ROW_TOO_LONG", f"The line is longer than {MAX_LINE_CHARS:,} characters.")

    def _admit(self) -> None:
        if self._counts.accepted >= self._record_limit:
            raise RejectedFile(
                "TOO_MANY_RECORDS",
                f"The file has more than {self._record_limit:,} valid endpoints, more than one import job is "
                "allowed to take here. Split it into several files.",
            )
        self._counts.accepted += 1

    def _tick(self, source: TextBlocks) -> None:
        if self._progress is not None:
            self._progress(self._counts.total, source.stats.bytes_read)

    # -- CSV ---------------------------------------------------------------------------------------------

    def _check_csv(self, source: TextBlocks) -> None:
        carry, carry_line = "", 0
        for item in source:
            if isinstance(item, LongLine):
                self._long_line(item)
                continue
            text, first = item.text, item.first_line
            if carry:
                text, first, carry = carry + text, carry_line, ""
            if text.count('"') % 2:
                text, carry = split_complete_records(text)
                carry_line = first + text.count("\n")
                if len(carry) > MAX_LINE_CHARS:
                    raise unterminated(carry_line)
            if self._columns is None:
                text, first = self._csv_header(text, first)
            if text and not self._fast_csv_block(text):
                self._csv_block(text, first)
            self._tick(source)
        if carry:
            raise unterminated(carry_line)

    def _csv_header(self, text: str, first: int) -> tuple[str, int]:
        while text:
            end = text.find("\n") + 1
            line, rest = text[:end], text[end:]
            if not line.strip():
                self._counts.blank += 1
                text, first = rest, first + 1
                continue
            try:
                cells = next(csv.reader([line.rstrip("\n")]), [])
            except csv.Error:
                raise RejectedFile("MISSING_HEADER", "The first line is not a readable CSV header.") from None
            self._set_header(cells)
            header = io.StringIO()
            csv.writer(header, lineterminator="\n").writerow(column for column, _ in self._columns or [])
            self._write(header.getvalue())
            return rest, first + 1
        return text, first

    def _set_header(self, cells: list[str]) -> None:
        schema = self._schema
        names = [cell.strip() for cell in cells]
        if any(contains_email(name) or _PHONE.fullmatch(name) or name in schema.channel_types for name in names):
            raise RejectedFile(
                "MISSING_HEADER",
                "The first line is data, not a header: endpoint CSV files need a header row such as "
                "'ChannelType,Address,User.UserId'.",
            )
        columns: list[tuple[str, Kind]] = []
        for position, name in enumerate(names, start=1):
            found = schema.column(name)
            refused = not_importable(name)
            if refused:
                raise RejectedFile(
                    "UNKNOWN_COLUMN",
                    f"Column {position} ('{refused}'): {_NOT_IMPORTABLE_REASON.format(name=refused)} "
                    "Remove the column.",
                )
            if found is None:
                shown = redact(name)[:80]
                raise RejectedFile(
                    "UNKNOWN_COLUMN",
                    f"Column {position} ('{shown}') is not an endpoint attribute. Allowed: ChannelType, Address, Id, "
                    "EffectiveDate, OptOut, RequestId, Location.<field>, Demographic.<field>, "
                    "User.UserId, Attributes.<name>, User.UserAttributes.<name> and Metrics.<name>.",
                )
            column, kind, custom = found
            if kind is Kind.ATTRIBUTE and len(custom) > MAX_ATTRIBUTE_NAME:
                raise RejectedFile(
                    "INVALID_COLUMN_NAME",
                    f"Column {position}: a custom attribute name has at most {MAX_ATTRIBUTE_NAME} characters.",
                )
            if column != name:
                self._notes.append(f"read column '{redact(name)[:80]}' as '{redact(column)[:80]}'")
            columns.append((column, kind))
        spelled = [column for column, _ in columns]
        if len(set(spelled)) != len(spelled):
            raise RejectedFile("DUPLICATE_COLUMN", "The header names the same column twice.")
        if ID not in spelled and not {CHANNEL_TYPE, ADDRESS} <= set(spelled):
            raise RejectedFile(
                "MISSING_REQUIRED_COLUMN",
                "The header needs ChannelType and Address columns (to add endpoints) or an Id column "
                "(to update endpoints).",
            )
        self._columns = columns
        self._fast_row = self._compile_fast_row(columns)

    def _compile_fast_row(self, columns: list[tuple[str, Kind]]) -> re.Pattern[str] | None:
        """Whole valid canonical rows, one alternative per kind of address; the e-mail address is captured."""
        kinds = [kind for _, kind in columns]
        if Kind.CHANNEL not in kinds or Kind.ADDRESS not in kinds:
            return None
        others = sorted(self._schema.channel_types - PHONE_CHANNELS - {EMAIL_CHANNEL}, key=lambda c: (-len(c), c))
        groups = (
            (EMAIL_CHANNEL, f"({FAST_EMAIL_PATTERN})"),
            ("|".join(sorted(PHONE_CHANNELS)), _PHONE.pattern),
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

    def _fast_csv_block(self, text: str) -> bool:
        """True when every row of the block is valid and already canonical: then it is written as read."""
        if self._fast_row is None:
            return False
        addresses = self._fast_row.findall(text)
        count = len(addresses)
        # ^...\n matches whole lines only, so as many matches as lines means every line matched.
        if count == 0 or count != text.count("\n") or max(map(len, addresses)) > FAST_EMAIL_MAX_LENGTH:
            return False
        joined = "\n".join(addresses) + "\n"
        if "-" in joined and any(marker in joined for marker in HYPHEN_AT_LABEL_EDGE):
            return False
        if self._counts.accepted + count > self._record_limit:
            return False
        self._write(text)
        self._counts.total += count
        self._counts.accepted += count
        return True

    def _csv_block(self, text: str, first: int) -> None:
        assert self._columns is not None
        columns = self._columns
        width = len(columns)
        channels = self._schema.channel_types
        spelled = [column for column, _ in columns]
        channel_at = spelled.index(CHANNEL_TYPE) if CHANNEL_TYPE in spelled else -1
        address_at = spelled.index(ADDRESS) if ADDRESS in spelled else -1
        id_at = spelled.index(ID) if ID in spelled else -1
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        reader = csv.reader(io.StringIO(text))
        while True:
            row = first + reader.line_num
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                self._counts.total += 1
                self._bad_row(row, "", "", "MALFORMED_ROW", f"The row is not valid CSV ({error}).")
                continue
            if not any(cell.strip() for cell in cells):
                self._counts.blank += 1
                continue
            self._counts.total += 1
            if len(cells) != width:
                self._bad_row(
                    row, "", "", "WRONG_COLUMN_COUNT", f"The row has {len(cells)} values; the header has {width}."
                )
                continue
            normalized: list[str] = []
            try:
                for (column, kind), cell in zip(columns, cells, strict=True):
                    if cell:
                        try:
                            normalized.append(text_value(kind, cell, channels) or "")
                        except rows.RowProblem as problem:
                            raise _problem(column, problem.code, problem.reason) from None
                    else:
                        normalized.append("")
                address = endpoint_rules(
                    normalized[channel_at] or None if channel_at >= 0 else None,
                    normalized[address_at] or None if address_at >= 0 else None,
                    normalized[id_at] or None if id_at >= 0 else None,
                )
            except _ColumnProblem as problem:
                at = spelled.index(problem.column) if problem.column in spelled else -1
                self._bad_row(row, problem.column, cells[at] if at >= 0 else "", problem.code, problem.reason)
                continue
            if address is not None:
                normalized[address_at] = address
            self._admit()
            self._counts.changed += normalized != cells
            writer.writerow(normalized)
        self._write(out.getvalue())

    # -- JSON lines --------------------------------------------------------------------------------------

    def _check_json(self, source: TextBlocks) -> None:
        for item in source:
            if isinstance(item, LongLine):
                self._long_line(item)
                continue
            self._json_block(item)
            self._tick(source)

    def _json_block(self, block: Block) -> None:
        out: list[str] = []
        for offset, line in enumerate(block.text.split("\n")[:-1]):
            row = block.first_line + offset
            if not line.strip():
                self._counts.blank += 1
                continue
            self._counts.total += 1
            try:
                record = json.loads(line)
            except RecursionError:
                self._bad_row(row, _WHOLE_LINE, "", "NESTED_TOO_DEEPLY", "The line nests JSON too deeply.")
                continue
            except ValueError:
                self._bad_row(row, _WHOLE_LINE, line, "NOT_JSON", "The line is not valid JSON (one object per line).")
                continue
            if not isinstance(record, dict):
                self._bad_row(row, _WHOLE_LINE, "", "NOT_AN_OBJECT", "The line is not a JSON object ({...}).")
                continue
            try:
                normalized = self._json_object("", record)
                address = endpoint_rules(normalized.get(CHANNEL_TYPE), normalized.get(ADDRESS), normalized.get(ID))
            except _ColumnProblem as problem:
                self._bad_row(
                    row, problem.column, _shown(_lookup(record, problem.column)), problem.code, problem.reason
                )
                continue
            if address is not None:
                normalized[ADDRESS] = address
            self._admit()
            out.append(json.dumps(normalized, separators=(",", ":"), ensure_ascii=False) + "\n")
        self._write("".join(out))

    def _json_object(self, parent: str, record: dict[str, Any]) -> dict[str, Any]:
        normalized: dict[str, Any] = {}
        for key, value in record.items():
            field = self._schema.member(parent, key)
            path = field.path if field is not None else (f"{parent}.{key}" if parent else key)
            if field is None:
                refused = "" if parent else not_importable(key)
                if refused:
                    raise _problem(refused, "UNKNOWN_FIELD", _NOT_IMPORTABLE_REASON.format(name=refused))
                raise _problem(path, "UNKNOWN_FIELD", "Endpoint definitions have no such attribute.")
            name = field.path.rpartition(".")[2]
            if name in normalized:
                raise _problem(path, "DUPLICATE_FIELD", "The record gives this attribute twice.")
            if value is None:
                continue
            if field.form is Form.LEAF:
                try:
                    leaf = json_value(field.kind, value, self._schema.channel_types)
                except rows.RowProblem as problem:
                    raise _problem(path, problem.code, problem.reason) from None
                if leaf is not None:
                    normalized[name] = leaf
                continue
            if not isinstance(value, dict):
                raise _problem(path, "WRONG_TYPE", f"{field.path} must be a JSON object ({{...}}).")
            nested = (
                self._json_object(field.path, value) if field.form is Form.STRUCTURE else self._json_map(field, value)
            )
            if nested:
                normalized[name] = nested
        return normalized

    def _json_map(self, field: Field, values: dict[str, Any]) -> dict[str, Any]:
        normalized: dict[str, Any] = {}
        for key, value in values.items():
            path = f"{field.path}.{key}"
            if not key.strip() or (field.kind is Kind.ATTRIBUTE and len(key) > MAX_ATTRIBUTE_NAME):
                raise _problem(
                    path, "INVALID_ATTRIBUTE_NAME", f"A custom attribute name has 1 to {MAX_ATTRIBUTE_NAME} characters."
                )
            try:
                leaf = json_value(field.kind, value, self._schema.channel_types)
            except rows.RowProblem as problem:
                raise _problem(path, problem.code, problem.reason) from None
            if leaf is not None:
                normalized[key] = leaf
        return normalized


def _lookup(record: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of a record, matched as loosely as the checker matched it; "" if absent."""
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return ""
        matches = [item for key, item in value.items() if key == part or key.lower() == part.lower()]
        value = matches[0] if matches else ""
    return value


def validate_endpoints(
    read: Callable[[int], bytes],
    data_format: DataFormat,
    *,
    output: TextSink,
    report: ReportWriter,
    policy: RowPolicy,
    progress: Progress | None = None,
    record_limit: int = NO_RECORD_LIMIT,
    byte_limit: int = MAX_IMPORT_BYTES,
) -> ValidationResult:
    """Check a Pinpoint endpoint file in one pass; the counterpart of checker.validate for Pinpoint routes."""
    checker = EndpointChecker(
        data_format,
        output=output,
        report=report,
        policy=policy,
        progress=progress,
        record_limit=record_limit,
        byte_limit=byte_limit,
    )
    return checker.run(TextBlocks(read))


__all__ = [
    "MAX_IMPORT_BYTES",
    "NO_RECORD_LIMIT",
    "EndpointChecker",
    "EndpointSchema",
    "endpoint_schema",
    "validate_endpoints",
]

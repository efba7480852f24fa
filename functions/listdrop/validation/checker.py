"""The one-pass checker: every row checked, valid rows written normalized, invalid rows reported.

Speed comes from checking a block of rows at once with C-level operations (one regular expression that
matches only whole valid rows, the JSON scanner mapped over attribute values, vectorized duplicate lookups
in seen.py). A block that passes is written as read. A block with any doubt goes through the exact
row-by-row path (rows.py), which finds and reports each problem. Both paths apply the same rules;
tests/unit/validation holds them to it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import repeat
from json.scanner import make_scanner
from operator import itemgetter
from typing import Any

from listdrop.errors import RejectedFile
from listdrop.models import DataFormat
from listdrop.privacy import contains_email, redact_emails
from listdrop.validation import rows
from listdrop.validation.formats import (
    ATTRIBUTES_DATA,
    EMAIL_ADDRESS,
    FAST_EMAIL_MAX_LENGTH,
    FAST_EMAIL_PATTERN,
    HYPHEN_AT_LABEL_EDGE,
    REASON,
    TOPIC_PREFERENCES,
    TOPIC_PREFIX,
    UNSUBSCRIBE_ALL,
    WILDCARD,
    FileSpec,
    Kind,
    canonical_name,
)
from listdrop.validation.policy import RowPolicy
from listdrop.validation.report import ReportWriter, RowError, safe_value
from listdrop.validation.seen import SeenAddresses, address_key, has_repeats, keys_of
from listdrop.validation.sinks import TextSink
from listdrop.validation.source import BLOCK_BYTES, MAX_LINE_CHARS, Block, LongLine, TextBlocks

csv.field_size_limit(MAX_LINE_CHARS)

# A CSV-quoted cell on one line ("" is an escaped quote), written as an unrolled loop: linear and fast.
_QUOTED_INSIDE = r'[^"\n]*+(?:""[^"\n]*+)*+'
_QUOTED = f'"{_QUOTED_INSIDE}"'
_WHITESPACE = re.compile(r"[ \t\n\r]*")
# How a JSON file that is one document starts: an array, or (Mail Manager) {"items": [ ... ]}.
_JSON_ARRAY_START = re.compile(r"\s*\[")
_ITEMS_DOCUMENT_START = re.compile(r'[ \t\n\r]*\{[ \t\n\r]*"items"[ \t\n\r]*:[ \t\n\r]*\[', re.IGNORECASE)
_JSON_DOCUMENT_START = re.compile(rf"{_JSON_ARRAY_START.pattern}|{_ITEMS_DOCUMENT_START.pattern}", re.IGNORECASE)
_SCAN_JSON = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]  # the C scanner
_FAST_VALUES: dict[Kind, frozenset[str]] = {
    Kind.BOOLEAN: frozenset({"true", "false", ""}),
    Kind.SUBSCRIPTION: frozenset({"OPT_IN", "OPT_OUT", ""}),
    Kind.REASON: frozenset({"BOUNCE", "COMPLAINT"}),
}
MAX_TOPICS = 1000
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ValidationResult:
    total_rows: int
    accepted_rows: int
    rejected_rows: int
    duplicate_rows: int
    blank_lines: int
    normalizations: tuple[str, ...]
    topics: tuple[str, ...]
    bytes_read: int
    rejection: RejectedFile | None

    @property
    def accepted(self) -> bool:
        return self.rejection is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rowsTotal": self.total_rows,
            "rowsAccepted": self.accepted_rows,
            "rowsRejected": self.rejected_rows,
            "duplicates": self.duplicate_rows,
            "normalized": list(self.normalizations),
        }


class _Counts:
    def __init__(self) -> None:
        self.total = 0
        self.accepted = 0
        self.rejected = 0
        self.duplicates = 0
        self.blank = 0
        self.trimmed = 0


class Checker:
    def __init__(
        self,
        spec: FileSpec,
        *,
        output: TextSink,
        report: ReportWriter,
        policy: RowPolicy,
        progress: Progress | None = None,
    ) -> None:
        self._spec = spec
        self._output = output
        self._report = report
        self._policy = policy
        self._progress = progress
        self._counts = _Counts()
        self._seen = SeenAddresses()
        self._notes: list[str] = []
        self._topics: set[str] = set()
        self._columns: list[str] | None = None
        self._kinds: list[Kind] = []
        self._email_index = 0
        self._fast_row: re.Pattern[str] | None = None
        self._attributes_cell: re.Pattern[str] | None = None

    # -- entry point ---------------------------------------------------------------------------------

    def run(self, source: TextBlocks) -> ValidationResult:
        rejection: RejectedFile | None = None
        try:
            if self._spec.data_format is DataFormat.CSV:
                self._check_csv(source)
            else:
                self._check_json(source)
            rejection = self._verdict(source)
        except RejectedFile as error:
            rejection = error
        except RecursionError:
            rejection = RejectedFile("NESTED_TOO_DEEPLY", "The file nests JSON too deeply to be read.")
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
        if counts.trimmed:
            notes.append(f"trimmed surrounding spaces in {counts.trimmed:,} rows")
        return ValidationResult(
            total_rows=counts.total,
            accepted_rows=counts.accepted if rejection is None else 0,
            rejected_rows=counts.rejected,
            duplicate_rows=counts.duplicates,
            blank_lines=counts.blank,
            normalizations=tuple(notes),
            topics=tuple(sorted(self._topics)),
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

    # -- shared row bookkeeping ------------------------------------------------------------------------

    def _write(self, text: str) -> None:
        self._output.write(text)

    def _bad_row(self, row: int, column: str, value: str, code: str, reason: str) -> None:
        self._counts.rejected += 1
        shown = safe_value(value, is_address=column == EMAIL_ADDRESS)
        self._report.add(RowError(row, self._spec.wire(column), shown, code, reason))

    def _long_line(self, item: LongLine) -> None:
        self._counts.total += 1
        self._bad_row(item.line, "", "", "ROW_TOO_LONG", f"The line is longer than {MAX_LINE_CHARS:,} characters.")

    def _admit(self, row: int, address: str) -> bool:
        """Duplicate and limit checks for one valid row; False when the row is left out."""
        key = address_key(address)
        if key in self._seen:
            self._counts.duplicates += 1
            self._bad_row(row, EMAIL_ADDRESS, address, "DUPLICATE_ADDRESS", "The address is on an earlier row.")
            return False
        self._over_limit(1)
        self._seen.add(key)
        self._counts.accepted += 1
        return True

    def _over_limit(self, adding: int) -> None:
        limit = self._spec.record_limit
        if self._counts.accepted + adding > limit:
            raise RejectedFile(
                "TOO_MANY_RECORDS",
                self._spec.record_limit_reason.format(limit=limit)
                or f"The file has more than {limit:,} valid records; one {self._spec.label} import job takes at "
                f"most {limit:,}. Split it into several files.",
            )

    def _tick(self, source: TextBlocks) -> None:
        if self._progress is not None:
            self._progress(self._counts.total, source.stats.bytes_read)

    # -- CSV -------------------------------------------------------------------------------------------

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
                text, carry = _split_complete_records(text)
                carry_line = first + text.count("\n")
                if len(carry) > MAX_LINE_CHARS:
                    raise _unterminated(carry_line)
            if self._columns is None:
                text, first = self._csv_header(text, first)
            if text and not self._fast_csv_block(text):
                self._slow_csv_block(text, first)
            self._tick(source)
        if carry:
            raise _unterminated(carry_line)

    def _csv_header(self, text: str, first: int) -> tuple[str, int]:
        """Consume leading blank lines and the header (or, for headerless layouts, a stray header)."""
        while text:
            end = text.find("\n") + 1
            line, rest = text[:end], text[end:]
            if not line.strip():
                self._counts.blank += 1
                text, first = rest, first + 1
                continue
            cells = next(csv.reader([line.rstrip("\n")]), [])
            if self._spec.has_header:
                self._set_contact_header(cells)
                self._write(_csv_line([self._spec.wire(column) for column in self._columns or []]))
                return rest, first + 1
            self._set_fixed_columns()
            if cells and canonical_name(cells[0]) == EMAIL_ADDRESS and not contains_email(cells[0]):
                self._notes.append("removed a header row (suppression-list CSV files have none)")
                return rest, first + 1
            return text, first
        return text, first

    def _set_fixed_columns(self) -> None:
        self._columns = list(self._spec.columns)
        self._kinds = [self._spec.kind_of(column) for column in self._columns]
        self._email_index = 0

    def _set_contact_header(self, cells: list[str]) -> None:
        names = [cell.strip() for cell in cells]
        if any(contains_email(name) for name in names):
            raise RejectedFile(
                "MISSING_HEADER",
                f"The first line is data, not a header: {self._spec.label} files need a header row such as "
                f"'{self._spec.header_example}'.",
            )
        columns: list[str] = []
        for name in names:
            column = canonical_name(name)
            is_topic = column is not None and column.startswith(TOPIC_PREFIX) and self._spec.allows_topics
            if (
                column is None
                or column in (TOPIC_PREFERENCES, REASON)
                or not (is_topic or column in self._spec.columns)
            ):
                allowed = (
                    "emailAddress, unsubscribeAll, attributesData and topicPreferences.<TopicName>"
                    if self._spec.allows_topics
                    else " and ".join(self._spec.wire(c) for c in self._spec.columns)
                )
                raise RejectedFile(
                    "UNKNOWN_COLUMN",
                    f"Unknown column '{redact_emails(name)[:80]}'. Allowed: {allowed} (other spellings such as "
                    "'Email' or 'Email Address' are understood).",
                )
            if self._spec.wire(column) != name:
                self._notes.append(f"read column '{redact_emails(name)[:80]}' as '{self._spec.wire(column)}'")
            columns.append(column)
        if EMAIL_ADDRESS not in columns:
            raise RejectedFile(
                "MISSING_EMAIL_COLUMN",
                f"The header has no {self._spec.wire(EMAIL_ADDRESS)} (or 'email') column.",
            )
        if len(set(columns)) != len(columns):
            raise RejectedFile("DUPLICATE_COLUMN", "The header names the same column twice.")
        self._columns = columns
        self._kinds = [self._spec.kind_of(column) for column in columns]
        self._email_index = columns.index(EMAIL_ADDRESS)
        self._topics.update(column[len(TOPIC_PREFIX) :] for column in columns if column.startswith(TOPIC_PREFIX))

    def _compile_fast_row(self) -> None:
        """One regular expression for a whole valid, canonical row; it captures the address."""
        cells = []
        for kind in self._kinds:
            if kind in (Kind.EMAIL, Kind.MEMBER):
                cells.append(f"({FAST_EMAIL_PATTERN})")
            elif kind is Kind.JSON_OBJECT:
                cells.append(f"(?:{_QUOTED})?+")
            else:
                cells.append(
                    "(?:"
                    + "|".join(sorted(value for value in _FAST_VALUES[kind] if value))
                    + ")"
                    + ("?+" if "" in _FAST_VALUES[kind] else "")
                )
        self._fast_row = re.compile("^" + ",".join(cells) + "\n", re.MULTILINE)
        if ATTRIBUTES_DATA in (self._columns or []):
            skip = self._columns.index(ATTRIBUTES_DATA) if self._columns else 0
            self._attributes_cell = re.compile(
                rf"^(?:(?:{_QUOTED}|[^,\n\"]*+),){{{skip}}}(?:\"({_QUOTED_INSIDE})\")?+", re.MULTILINE
            )

    def _fast_csv_block(self, text: str) -> bool:
        """Check a whole block at C speed; True when every row is valid, canonical and new."""
        if self._fast_row is None:
            self._compile_fast_row()
        assert self._fast_row is not None
        addresses = self._fast_row.findall(text)
        count = len(addresses)
        # ^...\n matches whole lines only, so as many matches as lines means every line matched.
        if count == 0 or count != text.count("\n") or max(map(len, addresses)) > FAST_EMAIL_MAX_LENGTH:
            return False
        joined = "\n".join(addresses) + "\n"
        if "-" in joined and any(marker in joined for marker in HYPHEN_AT_LABEL_EDGE):
            return False
        if self._spec.allows_wildcards and WILDCARD in joined:
            return False  # a '*' is a wildcard here, with rules of its own (rows.member)
        if self._attributes_cell is not None and not self._fast_attributes(text):
            return False
        if self._counts.accepted + count > self._spec.record_limit:
            return False
        lowered = joined.lower()
        keys = keys_of(addresses if lowered == joined else lowered[:-1].split("\n"))
        if has_repeats(keys) or self._seen.any_of(keys):  # the exact path says which rows repeat
            return False
        self._seen.add_sorted(keys)
        self._counts.total += count
        self._counts.accepted += count
        self._write(text)
        return True

    def _fast_attributes(self, text: str) -> bool:
        assert self._attributes_cell is not None
        quoted = self._attributes_cell.findall(text)
        present = "\n".join(quoted).replace('""', '"').split("\n")
        return _all_json_objects(tuple(present))

    def _slow_csv_block(self, text: str, first: int) -> None:
        assert self._columns is not None
        columns, kinds = self._columns, self._kinds
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        reader = csv.reader(io.StringIO(text))
        while True:
            row_number = first + reader.line_num
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                self._counts.total += 1
                self._bad_row(row_number, "", "", "MALFORMED_ROW", f"The row is not valid CSV ({error}).")
                continue
            if not any(cell.strip() for cell in cells):
                self._counts.blank += 1
                continue
            self._counts.total += 1
            if len(cells) != len(columns):
                self._bad_row(
                    row_number,
                    "",
                    "",
                    "WRONG_COLUMN_COUNT",
                    f"The row has {len(cells)} values; {self._spec.label} rows have {len(columns)} "
                    f"({','.join(columns)}).",
                )
                continue
            normalized = self._csv_cells(row_number, cells, columns, kinds)
            if normalized is None or not self._admit(row_number, normalized[self._email_index]):
                continue
            if normalized != cells:
                self._counts.trimmed += any(cell != cell.strip() for cell in cells)
            writer.writerow(normalized)
        self._write(out.getvalue())

    def _csv_cells(self, row: int, cells: list[str], columns: list[str], kinds: list[Kind]) -> list[str] | None:
        normalized = []
        for column, kind, cell in zip(columns, kinds, cells, strict=True):
            try:
                normalized.append(rows.csv_cell(kind, cell))
            except rows.RowProblem as problem:
                self._bad_row(row, column, cell, problem.code, problem.reason)
                return None
        return normalized

    # -- JSON ------------------------------------------------------------------------------------------

    def _check_json(self, source: TextBlocks) -> None:
        if self._spec.staged_format is DataFormat.CSV:
            # Only Mail Manager converts JSON to CSV: its one column is required, so every record has it.
            self._write(_csv_line([self._spec.wire(column) for column in self._spec.columns]))
            header = ",".join(self._spec.wire(column) for column in self._spec.columns)
            self._notes.append(f"converted JSON to CSV with the header '{header}' (the documented layout)")
        items = iter(source)
        for item in items:
            if isinstance(item, LongLine):
                self._long_line(item)
                continue
            if not source.split_lines:
                self._json_document(item, items)
                return
            self._json_lines_block(item)
            self._tick(source)

    def _json_document(self, first: Block, rest: Iterator[Block | LongLine]) -> None:
        """A JSON array, or Mail Manager's {"items": [...]}: its records are read one by one, as they stream."""
        document = _ITEMS_DOCUMENT_START.match(first.text) if self._spec.items_document else None
        if document is not None:
            self._notes.append("read the records of the JSON document's 'items' array")
            self._json_array(first.text[document.end() :], rest, closing="}")
            return
        if self._spec.staged_format is DataFormat.JSON:
            self._notes.append("converted a JSON array to JSON lines")
        self._json_array(first.text[first.text.index("[") + 1 :], rest)

    def _json_lines_block(self, block: Block) -> None:
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
                self._bad_row(row, "", "", "NESTED_TOO_DEEPLY", "The line nests JSON too deeply.")
                continue
            except ValueError:
                self._bad_row(row, "", line, "NOT_JSON", "The line is not valid JSON (one object per line).")
                continue
            self._json_record(row, record, out)
        self._write("".join(out))

    def _json_array(self, buffer: str, rest: Iterator[Block | LongLine], closing: str | None = None) -> None:
        """The records of a JSON array whose '[' is just before `buffer`; `closing`: what must follow its ']'
        (the '}' of an {"items": [...]} document), then nothing but whitespace."""
        position, record, finished, exhausted = 0, 0, False, False
        closed = closing is None
        out: list[str] = []

        def more() -> bool:
            nonlocal buffer, position, exhausted
            for item in rest:
                if isinstance(item, Block):
                    buffer, position = buffer[position:] + item.text, 0
                    return True
            exhausted = True
            return False

        expecting_value = True
        while True:
            position = _WHITESPACE.match(buffer, position).end()  # type: ignore[union-attr]
            if position >= len(buffer):
                if more():
                    continue
                if not finished:
                    raise RejectedFile("INVALID_JSON_ARRAY", "The JSON array is not closed with ']'.")
                if not closed:
                    raise _not_the_items_document("The document is not closed with '}' after its 'items' array.")
                break
            char = buffer[position]
            if finished and not closed and char == closing:
                closed, position = True, position + 1
                continue
            if finished and not closed:
                raise _not_the_items_document("The document has something other than '}' after its 'items' array.")
            if finished:
                if closing is not None:
                    raise _not_the_items_document("There is text after the document's closing '}'.")
                raise RejectedFile("INVALID_JSON_ARRAY", "There is text after the JSON array's closing ']'.")
            if char == "]" and (record == 0 or not expecting_value):
                finished, position = True, position + 1
                continue
            if char == "," and not expecting_value:
                expecting_value, position = True, position + 1
                continue
            if not expecting_value:
                raise RejectedFile("INVALID_JSON_ARRAY", f"Record {record} of the JSON array is not followed by ','.")
            try:
                value, end = _SCAN_JSON(buffer, position)
            except (StopIteration, ValueError):
                if len(buffer) - position <= MAX_LINE_CHARS and not exhausted and more():
                    continue
                raise RejectedFile(
                    "INVALID_JSON_ARRAY",
                    f"Record {record + 1} of the JSON array is not valid JSON (or is longer than "
                    f"{MAX_LINE_CHARS:,} characters); an array cannot be read past that point.",
                ) from None
            if end == len(buffer) and not exhausted and more():
                continue  # a number may continue in the next block
            record += 1
            position, expecting_value = end, False
            self._counts.total += 1
            self._json_record(record, value, out)
            if len(out) >= 1000:
                self._write("".join(out))
                out.clear()
        self._write("".join(out))

    def _json_record(self, row: int, record: Any, out: list[str]) -> None:
        if not isinstance(record, dict):
            self._bad_row(row, "", "", "NOT_AN_OBJECT", "The record is not a JSON object.")
            return
        fields: dict[str, Any] = {}
        for key, value in record.items():
            name = canonical_name(key)
            if name is None or name not in self._spec.columns:
                self._bad_row(row, str(key), "", "UNKNOWN_FIELD", f"{self._spec.label} records have no such field.")
                return
            if name in fields:
                self._bad_row(row, name, "", "DUPLICATE_FIELD", "The record gives this field twice.")
                return
            fields[name] = value
        for name in self._spec.required:
            if name not in fields:
                self._bad_row(row, name, "", "MISSING_FIELD", f"The record has no {name} field.")
                return
        normalized: dict[str, Any] = {}
        for name, value in fields.items():
            try:
                self._json_field(name, value, normalized)
            except rows.RowProblem as problem:
                shown = value if isinstance(value, str) else json.dumps(value)[:100]
                self._bad_row(row, name, shown, problem.code, problem.reason)
                return
        if not self._admit(row, normalized[EMAIL_ADDRESS]):
            return
        for preference in normalized.get(TOPIC_PREFERENCES, ()):
            self._topics.add(preference["topicName"])
        if len(self._topics) > MAX_TOPICS:
            raise RejectedFile("TOO_MANY_TOPICS", f"The file names more than {MAX_TOPICS} different topics.")
        if self._spec.staged_format is DataFormat.CSV:
            out.append(_csv_line([normalized[name] for name in self._spec.columns]))
            return
        wire = {self._spec.wire(name): value for name, value in normalized.items()}
        out.append(json.dumps(wire, separators=(",", ":"), ensure_ascii=False) + "\n")

    def _json_field(self, name: str, value: Any, normalized: dict[str, Any]) -> None:
        if name == EMAIL_ADDRESS:
            normalized[name] = rows.member(value) if self._spec.allows_wildcards else rows.email(value)
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


def _all_json_objects(values: tuple[str, ...]) -> bool:
    present = [value for value in values if value]
    if not present:
        return True
    try:
        scanned = list(map(_SCAN_JSON, present, repeat(0)))
    except (StopIteration, ValueError, RecursionError):
        return False
    return list(map(itemgetter(1), scanned)) == list(map(len, present)) and set(
        map(type, map(itemgetter(0), scanned))
    ) == {dict}


def _split_complete_records(text: str) -> tuple[str, str]:
    """Cut after the last line at which every quote is closed; the rest waits for the next block."""
    quotes_after = 0
    end = len(text)
    while end > 0:
        cut = text.rfind("\n", 0, end - 1) + 1
        quotes_after += text.count('"', cut, end)
        if quotes_after % 2 == 0 and cut:
            return text[:cut], text[cut:]
        if cut == 0:
            break
        end = cut
    return "", text


def _not_the_items_document(detail: str) -> RejectedFile:
    return RejectedFile(
        "INVALID_JSON_DOCUMENT",
        f'{detail} A JSON address file is one document, {{"items": [{{"address": "..."}}, ...]}}, with no other '
        "field, or JSON lines, or a JSON array.",
    )


def _unterminated(line: int) -> RejectedFile:
    return RejectedFile(
        "UNTERMINATED_QUOTE",
        f"A quoted value that starts near line {line:,} never closes; the rest of the file cannot be read.",
    )


def _csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def text_source(read: Callable[[int], bytes], spec: FileSpec, *, block_bytes: int = BLOCK_BYTES) -> TextBlocks:
    """The file as blocks of lines, or, for a JSON array (or an {"items": [...]} document where the spec takes
    one), as raw blocks to stream through one document."""
    document: re.Pattern[str] | None = None
    if spec.data_format is DataFormat.JSON:
        document = _JSON_DOCUMENT_START if spec.items_document else _JSON_ARRAY_START
    return TextBlocks(read, block_bytes=block_bytes, unsplit_if=document)


def validate(
    read: Callable[[int], bytes],
    spec: FileSpec,
    *,
    output: TextSink,
    report: ReportWriter,
    policy: RowPolicy,
    progress: Progress | None = None,
) -> ValidationResult:
    checker = Checker(spec, output=output, report=report, policy=policy, progress=progress)
    return checker.run(text_source(read, spec))


__all__ = ["Checker", "ValidationResult", "text_source", "validate"]

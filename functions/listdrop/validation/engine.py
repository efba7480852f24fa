"""The one-pass record checker every file layout shares: every row checked, valid rows written normalized, invalid
rows reported, then a verdict on the whole file.

Speed comes from checking a block of rows at once with C-level operations: the layout's one regular expression
that matches only whole valid rows (capturing their addresses), duplicate lookups a block at a time (seen.py),
and the layout's own block checks. A block that passes is written as read. A block with any doubt goes through
the exact row-by-row path, which finds and reports each problem. Both paths apply the same rules; property tests
in tests/unit hold them to it for every layout.

What differs between destinations (the header, the fast-row expression, per-cell and per-record checks,
normalization, limits and their messages) comes from the layout (layout.py).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from listdrop.errors import RejectedFile
from listdrop.models import DataFormat
from listdrop.validation.csv_text import COMMA, DELIMITER_NAMES, detect_delimiter, split_complete_records, unterminated
from listdrop.validation.formats import FAST_EMAIL_MAX_LENGTH, HYPHEN_AT_LABEL_EDGE
from listdrop.validation.json_array import ITEMS_DOCUMENT_START, array_records, document_start
from listdrop.validation.layout import CellProblem, CsvColumns, JsonDocuments, Layout
from listdrop.validation.policy import RowPolicy
from listdrop.validation.report import ReportWriter, RowError
from listdrop.validation.seen import SeenAddresses, address_key
from listdrop.validation.sinks import RecordSink
from listdrop.validation.source import BLOCK_BYTES, MAX_LINE_CHARS, Block, LongLine, TextBlocks
from listdrop.wording import count

MAX_TOPICS = 1000
Progress = Callable[[int, int], None]  # (rows so far, bytes read so far)
_WHOLE_ROW = ""  # the report's column for a problem with the whole row


@dataclass(frozen=True)
class ValidationResult:
    total_rows: int
    accepted_rows: int
    rejected_rows: int  # every row left out: the invalid ones and the duplicates
    duplicate_rows: int
    blank_lines: int
    normalizations: tuple[str, ...]
    topics: tuple[str, ...]
    bytes_read: int
    rejection: RejectedFile | None
    delimiter: str | None = None  # a CSV file's, by name (csv_text.DELIMITER_NAMES); None for JSON
    jobs: int = 1  # how many jobs the accepted rows are split into (Limit.jobs), each a part of the checked copy
    rows_per_job: int | None = None  # at most, when split

    @property
    def invalid_rows(self) -> int:
        """The rows left out for what they hold, which the invalid-row policy counts; duplicates are not invalid."""
        return self.rejected_rows - self.duplicate_rows

    @property
    def accepted(self) -> bool:
        return self.rejection is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rowsTotal": self.total_rows,
            "rowsAccepted": self.accepted_rows,
            "rowsRejected": self.rejected_rows,
            "rowsInvalid": self.invalid_rows,
            "duplicates": self.duplicate_rows,
            "normalized": list(self.normalizations),
            "delimiter": self.delimiter,
            "jobs": self.jobs,
            "rowsPerJob": self.rows_per_job,
        }


class _Counts:
    def __init__(self) -> None:
        self.total = 0
        self.accepted = 0
        self.rejected = 0  # left out: invalid or duplicate
        self.duplicates = 0
        self.blank = 0
        self.changed = 0
        self.noted: Counter[str] = Counter()  # a row's own note (Row.note, Record.note): rows it applies to
        self.bytes_written = 0


class RecordChecker:
    """Checks one file against one layout; run() once."""

    def __init__(
        self,
        layout: Layout,
        *,
        output: RecordSink,
        report: ReportWriter,
        policy: RowPolicy,
        progress: Progress | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        self._layout = layout
        self._output = output
        self._report = report
        self._policy = policy
        self._progress = progress
        self._counts = _Counts()
        # A set up to seen.SMALL_LIMIT addresses, then 8 MiB of filter and 8 bytes an address: kept only for a
        # layout whose addresses must be unique.
        self._seen = SeenAddresses() if layout.unique_column is not None else None
        self._notes: list[str] = list(notes)  # what was done before the checker read the file (archives.py)
        self._topics: set[str] = set()
        self._columns: CsvColumns | None = None
        self._delimiter: str | None = None  # a CSV file's, once its first line is read
        self._part_header = ""  # what opens each part of the checked copy: the CSV header line, if any

    # -- entry point ---------------------------------------------------------------------------------

    def run(self, source: TextBlocks) -> ValidationResult:
        rejection: RejectedFile | None = None
        try:
            if self._layout.data_format is DataFormat.CSV:
                self._check_csv(source)
            else:
                self._check_json(source)
            rejection = self._verdict(source)
        except RejectedFile as error:
            rejection = error
        except RecursionError:
            rejection = RejectedFile("NESTED_TOO_DEEPLY", "The file nests JSON too deeply to be read.")
        self._finish(rejection)
        return self._result(source, rejection)

    def _finish(self, rejection: RejectedFile | None) -> None:
        if rejection is None:
            self._output.close()
        else:
            self._output.abort()
        if self._report.count:
            self._report.close()
        else:
            self._report.abort()

    def _result(self, source: TextBlocks, rejection: RejectedFile | None) -> ValidationResult:
        counts, limit = self._counts, self._layout.record_limit
        jobs = max(1, -(-counts.accepted // limit.most)) if rejection is None else 1
        notes = sorted(source.stats.normalizations) + self._notes
        if counts.blank:
            notes.append(f"skipped {count(counts.blank, 'blank line')}")
        if counts.changed:
            notes.append(self._layout.changed_note.format(rows=count(counts.changed, "row")))
        notes.extend(note.format(rows=count(rows, "row")) for note, rows in sorted(counts.noted.items()))
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
            delimiter=DELIMITER_NAMES[self._delimiter] if self._delimiter else None,
            jobs=jobs,
            rows_per_job=limit.most if jobs > 1 else None,
        )

    def _verdict(self, source: TextBlocks) -> RejectedFile | None:
        counts = self._counts
        if source.stats.bytes_read == 0:
            return RejectedFile("EMPTY_FILE", "The file is empty (0 bytes).")
        if counts.total == 0:
            return RejectedFile("NO_RECORDS", "The file has no records (it is empty or has only a header).")
        if counts.accepted == 0:
            return RejectedFile("NO_VALID_ROWS", f"None of the {counts.total:,} rows is valid; see the report.")
        # A repeated address is not a sign of the wrong file: duplicates count neither as invalid rows nor among
        # the rows the share is taken of.
        invalid, considered = counts.rejected - counts.duplicates, counts.total - counts.duplicates
        if self._policy.rejects(total=considered, invalid=invalid):
            besides = f" (besides {count(counts.duplicates, 'duplicate')})" if counts.duplicates else ""
            return RejectedFile(
                "TOO_MANY_INVALID_ROWS",
                f"{invalid:,} of {considered:,} rows{besides} are invalid, more than the "
                f"{self._policy.max_invalid_percent:g}% allowed; nothing was imported. See the report.",
            )
        return None

    # -- shared row bookkeeping ------------------------------------------------------------------------

    def _write(self, text: str) -> None:
        limit = self._layout.byte_limit
        if limit is not None:
            self._counts.bytes_written += len(text.encode("utf-8"))
            if self._counts.bytes_written > limit.most:
                raise limit.rejection()
        self._output.write(text)

    def _bad_row(self, row: int, column: str, value: str, code: str, reason: str) -> None:
        self._counts.rejected += 1
        shown_column, shown_value = self._layout.report_cell(column, value)
        self._report.add(RowError(row, shown_column, shown_value, code, reason))

    def _long_line(self, item: LongLine) -> None:
        self._counts.total += 1
        self._bad_row(
            item.line, _WHOLE_ROW, "", "ROW_TOO_LONG", f"The line is longer than {MAX_LINE_CHARS:,} characters."
        )

    def _admit(self, row: int, address: str) -> bool:
        """Duplicate and limit checks for one valid row; False when the row is left out."""
        key = 0
        if self._seen is not None:
            key = address_key(address)
            if key in self._seen:
                self._counts.duplicates += 1
                self._bad_row(
                    row,
                    self._layout.unique_column or "",
                    address,
                    "DUPLICATE_ADDRESS",
                    "The address is on an earlier row: left out as a duplicate, not counted as invalid.",
                )
                return False
        if self._counts.accepted >= self._layout.record_limit.total:
            raise self._layout.record_limit.rejection()
        if self._seen is not None:
            self._seen.add(key)
        self._counts.accepted += 1
        return True

    def _part_starts(self) -> bool:
        """Whether the row just admitted is the first of another job's part (Limit.jobs): written after the rows
        before it are, and after the sink has started the next part."""
        accepted, most = self._counts.accepted, self._layout.record_limit.most
        return accepted > most and (accepted - 1) % most == 0

    def _next_part(self, pending: str) -> None:
        """End the current part with the rows still pending, and start the next one (with the header again)."""
        self._write(pending)
        self._output.next_part(self._part_header)

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
                text, carry = split_complete_records(text)
                carry_line = first + text.count("\n")
                if len(carry) > MAX_LINE_CHARS:
                    raise unterminated(carry_line)
            if self._columns is None:
                text, first = self._csv_header(text, first)
            delimiter = COMMA
            if self._delimiter not in (None, COMMA):
                text, delimiter = self._as_commas(text)
            if text and not (delimiter == COMMA and self._fast_csv_block(text)):
                self._exact_csv_block(text, first, delimiter)
            self._tick(source)
        if carry:
            raise unterminated(carry_line)

    def _csv_header(self, text: str, first: int) -> tuple[str, int]:
        """Consume leading blank lines and the first line, if the layout takes it as a header."""
        while text:
            end = text.find("\n") + 1
            line, rest = text[:end], text[end:]
            if not line.strip():
                self._counts.blank += 1
                text, first = rest, first + 1
                continue
            self._delimiter = delimiter = detect_delimiter(line)
            if delimiter != COMMA:
                self._notes.append(
                    f"read {DELIMITER_NAMES[delimiter]}-separated values (told by the first line) and wrote them "
                    "comma-separated, as the job reads them"
                )
            try:
                cells = next(csv.reader([line.rstrip("\n")], delimiter=delimiter), [])
            except csv.Error:
                raise RejectedFile("MISSING_HEADER", "The first line is not a readable CSV header.") from None
            header = self._layout.csv_header(cells, self._notes)
            self._columns = header.columns
            self._topics.update(header.topics)
            if header.line:
                self._part_header = header.line
                self._write(header.line)
            return (rest, first + 1) if header.consumed else (text, first)
        return text, first

    def _as_commas(self, text: str) -> tuple[str, str]:
        """A block of a semicolon- or tab-separated file, and the delimiter to read it with. With no quote and no
        comma in it, every semicolon (tab) separates two cells, so swapping them for commas is exact and the block
        takes the fast path; otherwise the exact path reads it with its own delimiter and writes it with commas,
        quoting the values that hold one."""
        assert self._delimiter is not None
        if '"' in text or COMMA in text:
            return text, self._delimiter
        return text.replace(self._delimiter, COMMA), COMMA

    def _fast_csv_block(self, text: str) -> bool:
        """Check a whole block at C speed; True when every row is valid, canonical and new."""
        columns = self._columns
        assert columns is not None
        fast_row = columns.fast_row
        if fast_row is None:
            return False
        addresses = fast_row.findall(text)
        count = len(addresses)
        # ^...\n matches whole lines only, so as many matches as lines means every line matched.
        if count == 0 or count != text.count("\n") or max(map(len, addresses)) > FAST_EMAIL_MAX_LENGTH:
            return False
        joined = "\n".join(addresses) + "\n"
        if "-" in joined and any(marker in joined for marker in HYPHEN_AT_LABEL_EDGE):
            return False
        if not columns.fast_block_ok(text, joined):
            return False
        if self._counts.accepted + count > self._layout.record_limit.total:
            return False  # the exact path says where the limit was crossed
        if self._seen is not None and not self._all_new(addresses, joined):
            return False
        self._write_lines(text, count)
        return True

    def _write_lines(self, text: str, rows: int) -> None:
        """Write valid rows of one line each, starting the next job's part wherever one fills up."""
        most = self._layout.record_limit.most
        while rows:
            if self._counts.accepted and self._counts.accepted % most == 0:
                self._output.next_part(self._part_header)
            take = min(rows, most - self._counts.accepted % most)
            cut = len(text)
            if take < rows:
                cut = 0
                for _ in range(take):
                    cut = text.index("\n", cut) + 1
            self._write(text[:cut])
            text, rows = text[cut:], rows - take
            self._counts.total += take
            self._counts.accepted += take

    def _all_new(self, addresses: list[str], joined: str) -> bool:
        """Whether none of a block's addresses repeats (then they are added); the exact path says which do."""
        assert self._seen is not None
        lowered = joined.lower()
        return self._seen.add_block(addresses if lowered == joined else lowered[:-1].split("\n"))

    def _exact_csv_block(self, text: str, first: int, delimiter: str = COMMA) -> None:
        columns = self._columns
        assert columns is not None
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        while True:
            row = first + reader.line_num
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                self._counts.total += 1
                self._bad_row(row, _WHOLE_ROW, "", "MALFORMED_ROW", f"The row is not valid CSV ({error}).")
                continue
            if not any(cell.strip() for cell in cells):
                self._counts.blank += 1
                continue
            self._counts.total += 1
            if len(cells) != columns.width:
                self._bad_row(row, _WHOLE_ROW, "", "WRONG_COLUMN_COUNT", columns.wrong_width(len(cells)))
                continue
            try:
                normalized, address, note = columns.row(cells)
            except CellProblem as problem:
                self._bad_row(row, problem.column, problem.value, problem.code, problem.reason)
                continue
            if not self._admit(row, address):
                continue
            if self._part_starts():
                self._next_part(out.getvalue())
                out.seek(0)
                out.truncate()
            self._counts.changed += columns.changed(cells, normalized)
            if note:
                self._counts.noted[note] += 1
            writer.writerow(normalized)
        self._write(out.getvalue())

    # -- JSON ------------------------------------------------------------------------------------------

    def _check_json(self, source: TextBlocks) -> None:
        preamble, note = self._layout.json_preamble()
        if preamble:
            self._part_header = preamble
            self._write(preamble)
        if note:
            self._notes.append(note)
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
        """A JSON array, or an {"items": [...]} document: its records are read one by one, as they stream."""
        items = self._layout.json_documents is JsonDocuments.ARRAY_OR_ITEMS
        document = ITEMS_DOCUMENT_START.match(first.text) if items else None
        if document is not None:
            self._notes.append("read the records of the JSON document's 'items' array")
            records = array_records(first.text[document.end() :], rest, closing="}")
        else:
            if self._layout.staged_format is DataFormat.JSON:
                self._notes.append("converted a JSON array to JSON lines")
            records = array_records(first.text[first.text.index("[") + 1 :], rest)
        out: list[str] = []
        for number, value in enumerate(records, start=1):
            self._counts.total += 1
            self._json_record(number, value, out)
            if len(out) >= 1000:
                self._write("".join(out))
                out.clear()
        self._write("".join(out))

    def _json_lines_block(self, block: Block) -> None:
        out: list[str] = []
        for offset, line in enumerate(block.text.split("\n")[:-1]):
            row = block.first_line + offset
            if not line.strip():
                self._counts.blank += 1
                continue
            self._counts.total += 1
            try:
                value = json.loads(line)
            except RecursionError:
                self._bad_row(row, _WHOLE_ROW, "", "NESTED_TOO_DEEPLY", "The line nests JSON too deeply.")
                continue
            except ValueError:
                self._bad_row(row, _WHOLE_ROW, line, "NOT_JSON", "The line is not valid JSON (one object per line).")
                continue
            self._json_record(row, value, out)
        self._write("".join(out))

    def _json_record(self, row: int, value: Any, out: list[str]) -> None:
        try:
            record = self._layout.json_record(value)
        except CellProblem as problem:
            self._bad_row(row, problem.column, problem.value, problem.code, problem.reason)
            return
        if not self._admit(row, record.address):
            return
        if self._part_starts():
            self._next_part("".join(out))
            out.clear()
        if record.note:
            self._counts.noted[record.note] += 1
        if record.topics:
            self._topics.update(record.topics)
            if len(self._topics) > MAX_TOPICS:
                raise RejectedFile("TOO_MANY_TOPICS", f"The file names more than {MAX_TOPICS} different topics.")
        out.append(record.text)


def check_file(
    read: Callable[[int], bytes],
    layout: Layout,
    *,
    output: RecordSink,
    report: ReportWriter,
    policy: RowPolicy,
    progress: Progress | None = None,
    block_bytes: int = BLOCK_BYTES,
    notes: tuple[str, ...] = (),
    encoding: str | None = None,
) -> ValidationResult:
    """Check the file `read` gives against `layout` in one pass (in the `encoding` it declares, if not UTF-8)."""
    checker = RecordChecker(layout, output=output, report=report, policy=policy, progress=progress, notes=notes)
    return checker.run(text_source(read, layout, block_bytes=block_bytes, encoding=encoding))


def text_source(
    read: Callable[[int], bytes], layout: Layout, *, block_bytes: int = BLOCK_BYTES, encoding: str | None = None
) -> TextBlocks:
    """The file as blocks of lines, or, for a JSON file the layout reads as one document, as raw blocks to
    stream through that document."""
    start = document_start(layout.json_documents) if layout.data_format is DataFormat.JSON else None
    return TextBlocks(read, block_bytes=block_bytes, unsplit_if=start, encoding=encoding)


__all__ = ["MAX_TOPICS", "Progress", "RecordChecker", "ValidationResult", "check_file", "text_source"]

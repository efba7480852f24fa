"""What a file layout supplies to the record-checker engine (engine.py): everything that differs between the
destinations' files, and nothing the engine does the same way for all of them.

A layout (one per destination, action and format: layouts/addresses.py, layouts/endpoints.py) says how the file
is shaped (formats, limits, which JSON documents it may be), reads a CSV header into the columns of one file,
and checks one record. The engine reads the file, counts, keeps the fast block path and the exact row path
apart, admits rows (duplicates, record limit), writes the checked copy and the report, and gives the verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple, Protocol

from listdrop.errors import RejectedFile
from listdrop.models import DataFormat


class CellProblem(Exception):
    """Why one row is left out: the column it concerns ("" for the whole row), the value as read, a code and a
    reason. The engine reports it (the layout's report_cell decides what of the value may be shown)."""

    def __init__(self, column: str, value: str, code: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.value = value
        self.code = code
        self.reason = reason

    def showing(self, value: str) -> CellProblem:
        """The same problem with the value it concerns, once the caller knows it."""
        return CellProblem(self.column, value, self.code, self.reason)


class Row(NamedTuple):
    """A valid CSV row: its cells as the job reads them, its address (the duplicate key; "" if none), and the
    note of a change the checks made to it ("" if none; {rows} stands for the count of rows it was made to)."""

    cells: list[str]
    address: str
    note: str = ""


class Record(NamedTuple):
    """A valid JSON record: its text as the job reads it (a whole line), its address (the duplicate key; "" if
    none) and the topics it names."""

    text: str
    address: str
    topics: tuple[str, ...] = ()
    note: str = ""  # as Row's


@dataclass(frozen=True)
class Limit:
    """A limit of one import job, and how a file over it is refused. With `jobs` above 1 the limit is one job's and
    a larger file is split into up to `jobs` jobs of `most` records each; the refusal is for a file over them all."""

    most: int
    code: str
    reason: str
    jobs: int = 1

    @property
    def total(self) -> int:
        """The most records one file may hold, over all the jobs it may be split into."""
        return self.most * self.jobs

    def rejection(self) -> RejectedFile:
        return RejectedFile(self.code, self.reason)


class JsonDocuments(Enum):
    """Which JSON files are read as one document (streamed record by record) rather than as JSON lines."""

    NONE = "JSON lines only"
    ARRAY = "a JSON array too"
    ARRAY_OR_ITEMS = 'a JSON array or an {"items": [...]} document too'


class CsvColumns(Protocol):
    """The columns one CSV file's header named, and the checks of its rows."""

    @property
    def width(self) -> int:
        """How many cells every row has."""
        ...

    @property
    def fast_row(self) -> re.Pattern[str] | None:
        """One expression that matches, line by line (^...\\n, MULTILINE), only rows that are valid and already
        as the job reads them, capturing the e-mail address in one group ("" where a row has none). None: every
        row takes the exact path."""
        ...

    def fast_block_ok(self, text: str, addresses: str) -> bool:
        """Further checks on a block whose every line fast_row matched (`addresses`: the captures, one per line);
        False sends the block to the exact path."""
        ...

    def row(self, cells: list[str]) -> Row:
        """One row of `width` cells checked and normalized; raises CellProblem."""
        ...

    def changed(self, cells: list[str], normalized: list[str]) -> bool:
        """Whether normalizing this row counts toward the layout's changed_note."""
        ...

    def wrong_width(self, count: int) -> str:
        """The reason given for a row of `count` cells."""
        ...


@dataclass(frozen=True)
class CsvHeader:
    """What the first line of a CSV file turned out to be."""

    columns: CsvColumns
    consumed: bool = True  # False: the line is a record (a layout without a header row)
    line: str = ""  # written at the top of the checked copy
    topics: tuple[str, ...] = ()


class Layout(Protocol):
    """The files one destination, action and format take (validation.layout_for picks it for a route)."""

    @property
    def data_format(self) -> DataFormat:
        """The format of the upload."""
        ...

    @property
    def staged_format(self) -> DataFormat:
        """The format of the checked copy the job reads."""
        ...

    @property
    def record_limit(self) -> Limit:
        """The most valid records one job takes, and how many jobs a file may be split into (TOO_MANY_RECORDS)."""
        ...

    @property
    def byte_limit(self) -> Limit | None:
        """The most bytes the checked copy may hold (FILE_TOO_LARGE); None: no limit."""
        ...

    @property
    def unique_column(self) -> str | None:
        """The column whose values (case aside) may appear once: later rows repeating one are left out. None:
        repeats are not checked (and no duplicate index is kept)."""
        ...

    @property
    def json_documents(self) -> JsonDocuments: ...

    @property
    def changed_note(self) -> str:
        """The note for rows the exact path changed, with {rows} for their count (`1 row`, `2 rows`)."""
        ...

    def csv_header(self, cells: list[str], notes: list[str]) -> CsvHeader:
        """Reads the first non-blank line, adding to `notes` what it read differently from how it is written
        (kept even when it then raises RejectedFile, because the file cannot be read with that line)."""
        ...

    def json_preamble(self) -> tuple[str, str]:
        """What the checked copy of a JSON upload starts with, and the note that says so ("" and "": nothing)."""
        ...

    def json_record(self, value: Any) -> Record:
        """One decoded JSON record checked and written as the job reads it; raises CellProblem."""
        ...

    def report_cell(self, column: str, value: str) -> tuple[str, str]:
        """A report row's column and value as they may be shown (addresses masked, contacts redacted)."""
        ...


__all__ = ["CellProblem", "CsvColumns", "CsvHeader", "JsonDocuments", "Layout", "Limit", "Record", "Row"]

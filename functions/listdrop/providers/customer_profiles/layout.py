"""The Customer Profiles upload file: CSV with a header row whose names are standard profile fields or custom
attributes (fields.py maps them), one profile per row, matched on its e-mail address.

What is checked, and why (sources in fields.py and docs/design/customer-profiles.md, section 6.2):
- the header maps (fields.upload_mapping: names, at most 25 columns, no duplicates, EmailAddress present);
- every row has an EmailAddress in listdrop's address syntax (validation.rows.email), and the other e-mail
  columns, where set, too: their ContentType is EMAIL_ADDRESS;
- no value is longer than 255 characters: the standard profile's text fields and Attributes values are 1-255
  (botocore's customer-profiles model: sensitiveString1To255, Attributes' string1To255); an empty cell is absent;
- an address repeated (case aside) is left out: the job de-duplicates on its unique key anyway;
- the checked copy is at most 1 GB ("The CSV file must be under 1GB in size", admin guide, "Create segments from
  imported files"). No record count per job is documented, so there is no record limit.

The checked copy is UTF-8 CSV (the source reader removes a BOM, which the guide says imports do not support),
with the header in the canonical names. Every row takes the exact path (no fast block expression): profile
files are small next to contact lists, and the rules are few.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from listdrop.errors import RejectedFile
from listdrop.models import DataFormat
from listdrop.privacy import contains_email, redact_contacts
from listdrop.providers.customer_profiles.fields import (
    EMAIL_ADDRESS,
    EMAIL_FIELDS,
    canonical_column,
    upload_mapping,
)
from listdrop.validation import rows
from listdrop.validation.csv_text import csv_line
from listdrop.validation.layout import CellProblem, CsvHeader, JsonDocuments, Limit, Record, Row
from listdrop.validation.report import safe_value

MAX_VALUE_CHARS = 255
MAX_UPLOAD_BYTES = 1_000_000_000  # "under 1GB": decimal, the stricter reading


class ProfileLayout:
    """A Customer Profiles upload CSV."""

    data_format = DataFormat.CSV
    staged_format = DataFormat.CSV
    unique_column = EMAIL_ADDRESS
    json_documents = JsonDocuments.NONE
    changed_note = "trimmed spaces around addresses in {rows}"
    record_limit = Limit(sys.maxsize, "TOO_MANY_RECORDS", "Customer Profiles documents no record limit per job.")
    byte_limit = Limit(
        MAX_UPLOAD_BYTES,
        "FILE_TOO_LARGE",
        f"The checked profiles come to more than {MAX_UPLOAD_BYTES:,} bytes; a Customer Profiles import file must "
        "be under 1 GB. Split the file into several files.",
    )

    def report_cell(self, column: str, value: str) -> tuple[str, str]:
        if column in EMAIL_FIELDS:
            return column, safe_value(value, is_address=True)
        return column, redact_contacts(safe_value(value, is_address=False))  # names and phone numbers too

    def csv_header(self, cells: list[str], notes: list[str]) -> CsvHeader:
        if any(contains_email(cell) for cell in cells):
            raise RejectedFile(
                "MISSING_HEADER",
                "The first line is data, not a header: Customer Profiles files need a header row such as "
                "'EmailAddress,FirstName,LastName'.",
            )
        columns = [canonical_column(cell, notes) for cell in cells]
        upload_mapping(columns)  # the mapping the job will send: refused here if it cannot be sent
        return CsvHeader(ProfileColumns(columns), line=csv_line(columns))

    def json_preamble(self) -> tuple[str, str]:
        return "", ""

    def json_record(self, value: Any) -> Record:
        """Never reached: the key routes refuse JSON files (keys.py), and the Layout protocol asks for it."""
        raise CellProblem("", "", "NOT_CSV", "Customer Profiles upload jobs read CSV files only.")


class ProfileColumns:
    """The columns of one upload file, in header order."""

    fast_row: re.Pattern[str] | None = None  # every row takes the exact path (see the module docstring)

    def __init__(self, columns: list[str]) -> None:
        self._columns = columns
        self._emails = [column in EMAIL_FIELDS for column in columns]
        self._key_at = columns.index(EMAIL_ADDRESS)
        self.width = len(columns)

    def fast_block_ok(self, text: str, addresses: str) -> bool:
        return False  # not asked: there is no fast row

    def row(self, cells: list[str]) -> Row:
        normalized = [
            self._cell(column, is_email, cell, required=at == self._key_at)
            for at, (column, is_email, cell) in enumerate(zip(self._columns, self._emails, cells, strict=True))
        ]
        return Row(normalized, normalized[self._key_at])

    @staticmethod
    def _cell(column: str, is_email: bool, cell: str, *, required: bool) -> str:
        if len(cell) > MAX_VALUE_CHARS:
            raise CellProblem(column, cell, "VALUE_TOO_LONG", f"The value is longer than {MAX_VALUE_CHARS} characters.")
        if not is_email:
            return cell
        if not (required or cell.strip()):
            return ""  # an optional address left blank: absent, not spaces the job would read as an address
        try:
            return rows.email(cell)
        except rows.RowProblem as problem:
            raise CellProblem(column, cell, problem.code, problem.reason) from None

    def changed(self, cells: list[str], normalized: list[str]) -> bool:
        return normalized != cells

    def wrong_width(self, count: int) -> str:
        return f"The row has {count} values; the header has {self.width}."

"""The rejected-rows report: one CSV line per row left out, safe to open in a spreadsheet.

No address appears in full (masked to its first character and domain ending), and no cell can run as a
formula: cells starting with '=', '+', '-', '@', a tab or a carriage return are prefixed with a quote.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from listdrop.privacy import redact_emails
from listdrop.validation.sinks import TextSink

HEADER = ("row", "column", "value", "code", "reason")
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAX_VALUE_CHARS = 80


def neutralize(cell: str) -> str:
    """Keep a spreadsheet from evaluating the cell (OWASP 'CSV injection')."""
    return "'" + cell if cell.startswith(_FORMULA_TRIGGERS) else cell


def mask_address(value: str) -> str:
    """'jane.doe@example.com' -> 'j***@e***.com': enough to find the row, not enough to be personal data."""
    local, at, domain = value.strip().rpartition("@")
    if not at:
        return value.strip()[:1] + "***"  # the e-mail column is personal data even when malformed
    head, dot, tld = domain.rpartition(".")
    masked_domain = f"{head[:1]}***.{tld[-10:]}" if dot else f"{domain[:1]}***"
    return f"{local[:1]}***@{masked_domain}"


def safe_value(value: str, *, is_address: bool) -> str:
    if is_address:
        return mask_address(value)
    printable = "".join(ch if ch.isprintable() else "?" for ch in value[: MAX_VALUE_CHARS + 1])
    printable = redact_emails(printable)
    return printable[:MAX_VALUE_CHARS] + ("..." if len(value) > MAX_VALUE_CHARS else "")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str  # already masked or truncated: never the raw cell
    code: str
    reason: str


class ReportWriter:
    def __init__(self, sink: TextSink) -> None:
        self._sink = sink
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\n")
        self._writer.writerow(HEADER)
        self.count = 0

    def add(self, error: RowError) -> None:
        self.count += 1
        self._writer.writerow(
            (str(error.row), neutralize(error.column), neutralize(error.value), error.code, neutralize(error.reason))
        )
        if self._buffer.tell() > 1 << 16:
            self._flush()

    def _flush(self) -> None:
        self._sink.write(self._buffer.getvalue())
        self._buffer.seek(0)
        self._buffer.truncate()

    def close(self) -> None:
        self._flush()
        self._sink.close()

    def abort(self) -> None:
        self._sink.abort()

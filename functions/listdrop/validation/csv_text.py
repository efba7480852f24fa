"""CSV text shared by the engine and the layouts: quoted cells as regular expressions, cutting blocks at whole
records, and writing one line."""

from __future__ import annotations

import csv
import io

from listdrop.errors import RejectedFile
from listdrop.validation.source import MAX_LINE_CHARS

csv.field_size_limit(MAX_LINE_CHARS)

# A CSV-quoted cell on one line ("" is an escaped quote), written as an unrolled loop: linear and fast.
QUOTED_INSIDE = r'[^"\n]*+(?:""[^"\n]*+)*+'
QUOTED = f'"{QUOTED_INSIDE}"'


def split_complete_records(text: str) -> tuple[str, str]:
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


def unterminated(line: int) -> RejectedFile:
    return RejectedFile(
        "UNTERMINATED_QUOTE",
        f"A quoted value that starts near line {line:,} never closes; the rest of the file cannot be read.",
    )


def csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()

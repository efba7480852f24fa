"""CSV text shared by the engine and the layouts: quoted cells as regular expressions, the delimiter a file's
first line uses, cutting blocks at whole records, and writing one line."""

from __future__ import annotations

import csv
import io
import re

from listdrop.errors import RejectedFile
from listdrop.validation.source import MAX_LINE_CHARS

csv.field_size_limit(MAX_LINE_CHARS)

# A CSV-quoted cell on one line ("" is an escaped quote), written as an unrolled loop: linear and fast.
QUOTED_INSIDE = r'[^"\n]*+(?:""[^"\n]*+)*+'
QUOTED = f'"{QUOTED_INSIDE}"'
_QUOTED_CELL = re.compile(QUOTED)

# The delimiters a CSV upload may use, by the name the checks give them. The file each job reads is always
# comma-separated: SES's DataFormat CSV is "a comma-separated values file" (botocore sesv2 2019-09-27,
# shape DataFormat).
COMMA = ","
DELIMITER_NAMES = {COMMA: "comma", ";": "semicolon", "\t": "tab"}


def detect_delimiter(line: str) -> str:
    """The delimiter a file's first non-blank line (its header, or the first record of a headerless file) uses.

    Only what stands outside quoted cells counts. A comma there means a comma-separated file, as every file was
    read before delimiters were detected. Without one, a semicolon or a tab (not both) is the delimiter; with
    neither, the file has one column (comma). A line with both a semicolon and a tab and no comma is refused:
    which one separates the columns cannot be told from the line."""
    # Surrounding whitespace is no delimiter: a tab at either end of the line names no column.
    outside = _QUOTED_CELL.sub("", line.strip())
    if COMMA in outside:
        return COMMA
    found = [delimiter for delimiter in (";", "\t") if delimiter in outside]
    if len(found) > 1:
        raise RejectedFile(
            "AMBIGUOUS_DELIMITER",
            "The first line has both semicolons and tabs outside quotes, so its delimiter cannot be told. Separate "
            "the columns with one of comma, semicolon or tab, and quote any value that contains another.",
        )
    return found[0] if found else COMMA


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

"""What a sync changes: the members of the list (a list export's file) that the synced file does not name.

The file's addresses are held as 8-byte digests of their lower-cased form, sorted in an array (8 bytes an address: a
million addresses, the most one sync imports, take 8 MiB), and the list is streamed past them. Two different
addresses with the same digest (odds of about one in 36 million for a million of each) would keep a contact that
should go, never remove one that should stay. Addresses are compared without regard to case, as listdrop's checker
finds duplicates: an assumption, since SES does not document whether its contact lists tell `Jane@` from `jane@`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from listdrop.validation.csv_text import csv_line


@dataclass(frozen=True)
class SyncCounts:
    """listed: the list's contacts before; removed: those the file leaves out; updated: those it names again;
    added: the file's addresses the list did not have."""

    listed: int
    added: int
    updated: int
    removed: int

    def to_dict(self) -> dict[str, int]:
        return {"listed": self.listed, "added": self.added, "updated": self.updated, "removed": self.removed}


def digest(address: str) -> int:
    return int.from_bytes(hashlib.blake2b(address.strip().lower().encode(), digest_size=8).digest(), "big")


def file_digests(addresses: Iterable[str]) -> array[int]:
    """The synced file's addresses, as sorted unique digests."""
    return array("Q", sorted(set(map(digest, addresses))))


def removals(listed: Iterable[str], kept: array[int]) -> Iterator[tuple[str, bool]]:
    """Each listed address, and whether the file leaves it out (so the sync removes it)."""
    for address in listed:
        wanted = digest(address)
        at = bisect_left(kept, wanted)
        yield address, not (at < len(kept) and kept[at] == wanted)


def staged_addresses(lines: Iterable[str], data_format: str, column_name: str) -> Iterator[str]:
    """The addresses of listdrop's checked copy: a CSV with a header naming the address column (`emailAddress` for
    SES, `address` for Mail Manager), or JSON lines with that field (validation/formats.py)."""
    if data_format == "JSON":
        for line in lines:
            if line.strip():
                yield str(json.loads(line)[column_name])
        return
    rows = csv.reader(lines)
    header = next(rows, [])
    column = header.index(column_name)
    for row in rows:
        if row:
            yield row[column]


def listed_addresses(lines: Iterable[str]) -> Iterator[str]:
    """The addresses of a list export's file of a contact list or an address list (providers/ses_export/list_rows.py):
    the first column, after the header."""
    rows = csv.reader(lines)
    next(rows, None)
    for row in rows:
        if row:
            yield row[0]


def csv_row(value: str) -> str:
    return csv_line([value])


def text_lines(body: Any) -> io.TextIOWrapper:
    """An S3 object's streamed body as lines of UTF-8 text."""
    return io.TextIOWrapper(body, encoding="utf-8", newline="")

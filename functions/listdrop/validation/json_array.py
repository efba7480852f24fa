"""A JSON file that is one document, read record by record as it streams: a JSON array, or (Mail Manager's
documented layout) {"items": [...]}. Memory stays bounded by the block size and the longest record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from json.scanner import make_scanner
from typing import Any

from listdrop.errors import RejectedFile
from listdrop.validation.layout import JsonDocuments
from listdrop.validation.source import MAX_LINE_CHARS, Block, LongLine

_WHITESPACE = re.compile(r"[ \t\n\r]*")
ARRAY_START = re.compile(r"\s*\[")
ITEMS_DOCUMENT_START = re.compile(r'[ \t\n\r]*\{[ \t\n\r]*"items"[ \t\n\r]*:[ \t\n\r]*\[', re.IGNORECASE)
_ARRAY_OR_ITEMS_START = re.compile(rf"{ARRAY_START.pattern}|{ITEMS_DOCUMENT_START.pattern}", re.IGNORECASE)
_READ_ON = object()  # _value() read more of the file instead of a record
_STARTS = {JsonDocuments.ARRAY: ARRAY_START, JsonDocuments.ARRAY_OR_ITEMS: _ARRAY_OR_ITEMS_START}
scan_json = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]  # the C scanner: (value, end) at an index


def document_start(documents: JsonDocuments) -> re.Pattern[str] | None:
    """How a file that is one document starts (source.TextBlocks then passes it on unsplit); None: JSON lines."""
    return _STARTS.get(documents)


def array_records(buffer: str, rest: Iterator[Block | LongLine], closing: str | None = None) -> Iterator[Any]:
    """The records of a JSON array whose '[' is just before `buffer`, then read on from `rest`; `closing`: what
    must follow its ']' (the '}' of an {"items": [...]} document), then nothing but whitespace.
    Raises RejectedFile where the document cannot be read on."""
    return _ArrayReader(buffer, rest, closing).records()


class _ArrayReader:
    def __init__(self, buffer: str, rest: Iterator[Block | LongLine], closing: str | None) -> None:
        self._buffer = buffer
        self._rest = rest
        self._closing = closing
        self._position = 0
        self._count = 0
        self._finished = False  # the array's ']' was read
        self._closed = closing is None  # what follows the ']' was read
        self._exhausted = False
        self._expecting_value = True

    def records(self) -> Iterator[Any]:
        while self._at_token():
            char = self._buffer[self._position]
            if self._finished:
                self._after_array(char)
            elif char == "]" and (self._count == 0 or not self._expecting_value):
                self._finished, self._position = True, self._position + 1
            elif char == "," and not self._expecting_value:
                self._expecting_value, self._position = True, self._position + 1
            elif not self._expecting_value:
                raise RejectedFile(
                    "INVALID_JSON_ARRAY", f"Record {self._count} of the JSON array is not followed by ','."
                )
            else:
                value = self._value()
                if value is not _READ_ON:
                    yield value
        if not self._finished:
            raise RejectedFile("INVALID_JSON_ARRAY", "The JSON array is not closed with ']'.")
        if not self._closed:
            raise _not_the_items_document("The document is not closed with '}' after its 'items' array.")

    def _at_token(self) -> bool:
        """Skip whitespace, reading on as needed; False at the end of the file."""
        while True:
            self._position = _WHITESPACE.match(self._buffer, self._position).end()  # type: ignore[union-attr]
            if self._position < len(self._buffer):
                return True
            if not self._more():
                return False

    def _more(self) -> bool:
        for item in self._rest:
            if isinstance(item, Block):
                self._buffer, self._position = self._buffer[self._position :] + item.text, 0
                return True
        self._exhausted = True
        return False

    def _after_array(self, char: str) -> None:
        if not self._closed and char == self._closing:
            self._closed, self._position = True, self._position + 1
        elif not self._closed:
            raise _not_the_items_document("The document has something other than '}' after its 'items' array.")
        elif self._closing is not None:
            raise _not_the_items_document("There is text after the document's closing '}'.")
        else:
            raise RejectedFile("INVALID_JSON_ARRAY", "There is text after the JSON array's closing ']'.")

    def _value(self) -> Any:
        """The record at the position, or _READ_ON when more of the file had to be read first."""
        try:
            value, end = scan_json(self._buffer, self._position)
        except (StopIteration, ValueError):
            if len(self._buffer) - self._position <= MAX_LINE_CHARS and not self._exhausted and self._more():
                return _READ_ON
            raise RejectedFile(
                "INVALID_JSON_ARRAY",
                f"Record {self._count + 1} of the JSON array is not valid JSON (or is longer than "
                f"{MAX_LINE_CHARS:,} characters); an array cannot be read past that point.",
            ) from None
        if end == len(self._buffer) and not self._exhausted and self._more():
            return _READ_ON  # a number may continue in the next block
        self._count += 1
        if self._buffer.startswith(",", end):  # the usual case: the comma right after the record
            self._position = end + 1
        else:
            self._position, self._expecting_value = end, False
        return value


def _not_the_items_document(detail: str) -> RejectedFile:
    return RejectedFile(
        "INVALID_JSON_DOCUMENT",
        f'{detail} A JSON address file is one document, {{"items": [{{"address": "..."}}, ...]}}, with no other '
        "field, or JSON lines, or a JSON array.",
    )

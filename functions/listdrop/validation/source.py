"""Turns a byte stream into text blocks of whole lines, UTF-8 with LF line ends, in bounded memory.

Accepted as is: UTF-8. Converted, because unambiguous: a UTF-8 byte order mark (removed), UTF-16 with a byte
order mark (decoded), CRLF and CR line ends (to LF), and a file in the encoding its upload declares (decoded; see
`declared_encoding`), since guessing one is unreliable. Rejected with the line where it happened: other
encodings (bytes that are not UTF-8, or not the declared encoding), NUL bytes (binary data), UTF-32.
A line longer than max_line_chars is not buffered: it is reported as one bad row and skipped.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.message import Message

from listdrop.errors import RejectedFile

BLOCK_BYTES = 1 << 18  # 256 KiB: large enough for C-speed block checks, small enough to keep peaks low
MAX_LINE_CHARS = 1 << 20
# Whether a JSON file is one document to stream (an array, Mail Manager's {"items": [...]}) is decided on its
# start: at least this many bytes of it, whatever size the reads come in.
HEAD_BYTES = 1 << 10

UTF8_BOM = b"\xef\xbb\xbf"
UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF8_NAMES = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})  # declared, they change nothing
# Where an S3 upload may declare its encoding: a user-defined metadata entry (`x-amz-meta-charset`; S3 returns
# these keys in lowercase: Amazon S3 User Guide, "Working with object metadata"), or the `charset` parameter of its
# Content-Type (RFC 9110, 8.3.1), both of which GetObject returns (botocore s3 model, GetObjectOutput: Metadata,
# ContentType).
METADATA_KEYS = ("charset", "encoding")
HOW_TO_DECLARE = (
    "declare its encoding when uploading it (S3 metadata charset=windows-1252, e.g. `aws s3 cp --metadata "
    "charset=windows-1252`, or Content-Type 'text/csv; charset=windows-1252'; `listdrop validate --encoding "
    "windows-1252`), or save it as UTF-8 (Excel: 'CSV UTF-8')"
)


def declared_encoding(content_type: str | None, metadata: Mapping[str, str]) -> str | None:
    """The encoding an upload declares, as a codec name; None when it declares none, or UTF-8. Raises RejectedFile
    for an encoding Python does not know as text, or for two declarations that disagree."""
    declared = {key.lower(): value.strip() for key, value in metadata.items() if key.lower() in METADATA_KEYS}
    if content_type:
        header = Message()
        header["content-type"] = content_type
        charset = header.get_param("charset")
        if isinstance(charset, str) and charset.strip():
            declared["Content-Type charset"] = charset.strip()
    names = {_codec_name(value) for value in declared.values()}
    if len(names) > 1:
        said = ", ".join(f"{where} {value[:40]}" for where, value in sorted(declared.items()))
        raise RejectedFile("CONFLICTING_ENCODING", f"The upload declares two encodings ({said}); declare one.")
    name = names.pop() if names else None
    return None if name is None or name in UTF8_NAMES else name


def _codec_name(value: str) -> str:
    """A declared encoding's codec name (`windows-1252` -> `cp1252`), if Python decodes text with it."""
    unknown = RejectedFile(
        "UNKNOWN_ENCODING",
        f"The declared encoding '{value[:40]}' is not one listdrop knows; use a name such as windows-1252, "
        "iso-8859-1 or utf-16.",
    )
    try:
        name = codecs.lookup(value).name
    except (LookupError, ValueError):  # an unknown name, or one with a NUL in it
        raise unknown from None
    try:
        b"a".decode(name)  # a LookupError for bytes-to-bytes codecs (base64, zlib)
    except UnicodeDecodeError:
        pass  # a text encoding in which one byte is no character (UTF-16)
    except LookupError:
        raise unknown from None
    return name


@dataclass(frozen=True)
class Block:
    """Whole lines, each ending in '\\n'; first_line is the 1-based line number of the first."""

    text: str
    first_line: int


@dataclass(frozen=True)
class LongLine:
    line: int


@dataclass
class SourceStats:
    bytes_read: int = 0
    normalizations: set[str] = field(default_factory=set)


class TextBlocks:
    def __init__(
        self,
        read: Callable[[int], bytes],
        *,
        block_bytes: int = BLOCK_BYTES,
        max_line_chars: int = MAX_LINE_CHARS,
        unsplit_if_starts_with: str | None = None,
        unsplit_if: re.Pattern[str] | None = None,
        encoding: str | None = None,
    ) -> None:
        self._read = read
        self._encoding = encoding  # declared by the upload (declared_encoding); None: UTF-8, or as a BOM says
        # A JSON array is often one long line: it is passed on in raw blocks and parsed as a stream. It is
        # recognized by its start (`unsplit_if` matched at the beginning of the file's text).
        if unsplit_if is None and unsplit_if_starts_with is not None:
            unsplit_if = re.compile(r"\s*" + re.escape(unsplit_if_starts_with))
        self._unsplit = unsplit_if
        self.split_lines = True
        self._block_bytes = block_bytes
        self._max_line = max_line_chars
        self.stats = SourceStats()

    def __iter__(self) -> Iterator[Block | LongLine]:
        line = 1  # the line the next block starts on
        rest = ""  # the start of a line whose end is not read yet
        skipping = False  # inside a line too long to keep
        for piece, final in self._pieces():
            text = rest + piece
            if line == 1 and self._unsplit is not None and self._unsplit.match(text):
                self.split_lines = False
            if not self.split_lines:
                if text:
                    yield Block(text, line)
                    line += text.count("\n")
                continue
            if skipping:
                text, skipping, line = self._skip_to_line_end(text, line)
            cut = text.rfind("\n") + 1
            if cut:
                yield Block(text[:cut], line)
                line += text.count("\n", 0, cut)
            rest = text[cut:]
            if final and rest and not skipping:
                yield Block(rest + "\n", line)
            elif len(rest) > self._max_line:
                yield LongLine(line)
                skipping, rest = True, ""

    @staticmethod
    def _skip_to_line_end(text: str, line: int) -> tuple[str, bool, int]:
        """What follows the end of a too-long line, whether it is still being skipped, and the line after."""
        end = text.find("\n")
        if end < 0:
            return "", True, line
        return text[end + 1 :], False, line + 1

    def _pieces(self) -> Iterator[tuple[str, bool]]:
        """The file decoded to text with LF line ends, piece by piece, each with whether it is the last."""
        decoder, chunk = self._decoder_for(self._head())
        carry = ""  # a CR at the end of a piece: a CRLF may straddle two chunks
        line = 1
        while True:
            final = not chunk
            text = carry + self._decode(decoder, chunk, final=final, line=line)
            carry = ""
            if not final and text.endswith("\r"):
                carry, text = "\r", text[:-1]
            if "\x00" in text:
                at = line + text.count("\n", 0, text.index("\x00"))
                raise RejectedFile(
                    "BINARY_CONTENT", f"Line {at} contains NUL bytes: the file is binary, not CSV or JSON text."
                )
            if "\r" in text:
                text = text.replace("\r\n", "\n").replace("\r", "\n")
                self.stats.normalizations.add("converted CRLF or CR line ends to LF")
            line += text.count("\n")
            yield text, final
            if final:
                return
            chunk = self._read_chunk()

    def _head(self) -> bytes:
        """The first read; for a file that may be one JSON document, enough of its start to tell."""
        first = self._read_chunk()
        while self._unsplit is not None and 0 < len(first) < HEAD_BYTES and (more := self._read_chunk()):
            first += more  # enough of the start to tell a document from JSON lines
        return first

    def _read_chunk(self) -> bytes:
        data = self._read(self._block_bytes)
        self.stats.bytes_read += len(data)
        return data

    def _decoder_for(self, head: bytes) -> tuple[codecs.IncrementalDecoder, bytes]:
        if head.startswith(UTF32_BOMS):
            raise RejectedFile("UNSUPPORTED_ENCODING", "The file is UTF-32; save it as UTF-8.")
        if head.startswith(UTF8_BOM):
            self.stats.normalizations.add("removed the UTF-8 byte order mark")
            return codecs.getincrementaldecoder("utf-8")("strict"), head[len(UTF8_BOM) :]
        if head.startswith(UTF16_BOMS):
            self.stats.normalizations.add("converted from UTF-16 to UTF-8")
            return codecs.getincrementaldecoder("utf-16")("strict"), head
        if self._encoding is not None:  # after the byte order marks: a mark is unambiguous, a declaration less so
            self.stats.normalizations.add(f"decoded from {self._encoding}, as declared, to UTF-8")
            return codecs.getincrementaldecoder(self._encoding)("strict"), head
        return codecs.getincrementaldecoder("utf-8")("strict"), head

    def _decode(self, decoder: codecs.IncrementalDecoder, chunk: bytes, *, final: bool, line: int) -> str:
        try:
            return decoder.decode(chunk, final)
        except UnicodeDecodeError as error:
            at = line + chunk.count(b"\n", 0, max(0, error.start))
            if self._encoding is not None:
                raise RejectedFile(
                    "NOT_DECLARED_ENCODING",
                    f"Line {at} is not valid {self._encoding}, the encoding the upload declares; declare the "
                    "encoding the file was saved in, or save it as UTF-8.",
                ) from None
            raise RejectedFile(
                "NOT_UTF8",
                f"Line {at} is not valid UTF-8. The file was probably saved in another encoding "
                f"(Windows-1252, Latin-1, Mac Roman): {HOW_TO_DECLARE}.",
            ) from None

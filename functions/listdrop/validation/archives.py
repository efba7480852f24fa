"""Uploads that arrive compressed (`list.csv.gz`, `list.csv.zip`), decompressed as they are read: never whole in
memory, and never past a limit on the decompressed size (a decompression bomb stops at the limit).

gzip is read as a stream (every member of a multi-member file, each checked against its CRC). A zip archive's
directory is at its end, so the archive is read from a seekable stream (the starter's is a window over S3 ranged
reads); it must hold exactly one file, stored or deflated, not encrypted. Archives whose directory needs zip64 or
spans disks are refused: a file within the size limit never needs either, and both are what hostile archives use
to make a reader hold or seek far more than the file.
"""

from __future__ import annotations

import gzip
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import IO, Protocol

from listdrop.errors import RejectedFile
from listdrop.keys import Compression
from listdrop.privacy import redact_emails

# The end of central directory record (APPNOTE.TXT 4.3.16): its signature, and its fixed part.
_END_SIGNATURE = b"PK\x05\x06"
_END_RECORD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_MAX_COMMENT = 0xFFFF
# The directory of a one-file archive is a few hundred bytes; more is refused before it is read.
MAX_DIRECTORY_BYTES = 1 << 20
_ENCRYPTED_FLAG = 0x1
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}


class _Decompressing(Protocol):
    def read(self, size: int, /) -> bytes: ...


class Unpacked:
    """The decompressed bytes of one upload, read by size as the checker asks; `note` says what was done."""

    def __init__(self, stream: IO[bytes], compression: Compression, *, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self.bytes_out = 0
        if compression is Compression.GZIP:
            self._file: _Decompressing = gzip.GzipFile(fileobj=stream, mode="rb")
            self.note = "decompressed the gzip file"
        else:
            self._file, name = _zip_member(stream, max_bytes=max_bytes)
            self.note = f"read '{name}', the zip archive's one file"
        self._compression = compression

    def read(self, size: int) -> bytes:
        try:
            data = self._file.read(size)
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as error:
            # gzip.BadGzipFile is an OSError; a cut-off stream is an EOFError; a bad CRC, BadZipFile or OSError.
            raise RejectedFile(
                "CORRUPT_ARCHIVE",
                f"The {self._compression} file is damaged or cut off ({_said(error)}); compress it again and upload "
                "it again.",
            ) from None
        self.bytes_out += len(data)
        if self.bytes_out > self._max_bytes:
            raise RejectedFile(
                "FILE_TOO_LARGE",
                f"The {self._compression} file decompresses to more than {self._max_bytes:,} bytes, the limit for one "
                "import (listdrop:maxFileBytes).",
            )
        return data


def unpacked_reader(
    stream: IO[bytes], compression: Compression | None, *, max_bytes: int
) -> tuple[Callable[[int], bytes], str | None]:
    """What the checker reads (the stream's own read when it is not compressed), and the note that says so."""
    if compression is None:
        return stream.read, None
    unpacked = Unpacked(stream, compression, max_bytes=max_bytes)
    return unpacked.read, unpacked.note


def _zip_member(stream: IO[bytes], *, max_bytes: int) -> tuple[IO[bytes], str]:
    _check_directory(stream)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise _not_a_zip(error) from None
    info = _only_file(archive)
    name = _shown(info.filename)
    if info.flag_bits & _ENCRYPTED_FLAG:
        raise RejectedFile("ENCRYPTED_ARCHIVE", f"'{name}' in the zip archive is encrypted; zip it without a password.")
    if info.compress_type not in _METHODS:
        raise RejectedFile(
            "UNSUPPORTED_ARCHIVE",
            f"'{name}' in the zip archive is compressed with method {info.compress_type}; listdrop reads stored or "
            "deflated files (what every common zip tool writes by default).",
        )
    if info.file_size > max_bytes:
        raise RejectedFile(
            "FILE_TOO_LARGE",
            f"'{name}' in the zip archive is {info.file_size:,} bytes, over the limit for one import "
            f"({max_bytes:,} bytes, listdrop:maxFileBytes).",
        )
    try:
        return archive.open(info), name
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:  # its local header does not match
        raise _not_a_zip(error) from None


def _check_directory(stream: IO[bytes]) -> None:
    """Refuse, from the archive's last 64 KiB, what would make reading its directory unbounded or odd."""
    size = stream.seek(0, 2)
    start = max(0, size - _END_RECORD.size - _MAX_COMMENT)
    stream.seek(start)
    tail = stream.read(size - start)
    at = tail.rfind(_END_SIGNATURE)
    if at < 0 or len(tail) - at < _END_RECORD.size:
        raise _not_a_zip("no end of central directory record")
    _, disk, directory_disk, on_disk, entries, directory_size, offset, _ = _END_RECORD.unpack_from(tail, at)
    if tail.rfind(_ZIP64_LOCATOR_SIGNATURE, 0, at) >= 0 or 0xFFFFFFFF in (directory_size, offset) or entries == 0xFFFF:
        raise RejectedFile(
            "UNSUPPORTED_ARCHIVE",
            "The zip archive uses zip64 records, which a file within the size limit never needs; zip it again "
            "with a common tool, or upload it gzip-compressed (.csv.gz).",
        )
    if disk or directory_disk or on_disk != entries:
        raise RejectedFile("UNSUPPORTED_ARCHIVE", "The zip archive spans several disks; upload it as one archive.")
    if directory_size > MAX_DIRECTORY_BYTES:
        raise RejectedFile(
            "ARCHIVE_MEMBERS",
            f"The zip archive's directory lists {entries:,} entries in {directory_size:,} bytes; it must hold one "
            "file.",
        )


def _only_file(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    """The archive's one file: folders, and the `__MACOSX/` copies of file metadata macOS adds, do not count."""
    files = [
        info
        for info in archive.infolist()
        if not info.filename.endswith(("/", ".DS_Store")) and not info.filename.startswith("__MACOSX/")
    ]
    if len(files) == 1:
        return files[0]
    found = ", ".join(f"'{_shown(info.filename)}'" for info in files[:5]) + (", ..." if len(files) > 5 else "")
    raise RejectedFile(
        "ARCHIVE_MEMBERS",
        f"The zip archive holds {len(files):,} files{': ' + found if files else ''}; it must hold exactly one CSV or "
        "JSON file. Upload each file on its own.",
    )


def _shown(name: str) -> str:
    """A member's name as a reason may show it: no address in full, at most 80 characters."""
    return redact_emails(name)[-80:]


def _said(error: object) -> str:
    return redact_emails(str(error))[:120] or type(error).__name__


def _not_a_zip(error: object) -> RejectedFile:
    return RejectedFile("CORRUPT_ARCHIVE", f"The file is not a readable zip archive ({_said(error)}).")

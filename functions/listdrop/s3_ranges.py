"""An S3 object version as a seekable file, read with ranged GetObject calls: what a zip archive needs, whose
directory is at its end (validation/archives.py).

GetObject's `Range` header "downloads the specified byte range of an object" (Amazon S3 API Reference,
GetObject, https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html; one range per request, as
RFC 9110 writes it, `bytes=first-last`); it needs no permission beyond s3:GetObject (s3:GetObjectVersion with a
version). Wrapped in `windowed`, sequential reads cost one request per WINDOW_BYTES, and memory holds one window.
"""

from __future__ import annotations

import io
from collections.abc import Callable

WINDOW_BYTES = 8 * 1024 * 1024  # 128 requests per GiB read in order

RangeGet = Callable[[str], bytes]  # a Range header value -> the bytes S3 returns for it


class RangedObject(io.RawIOBase):
    """`size` bytes read through `get`, which asks S3 for one range (the starter's GetObject, errors mapped)."""

    def __init__(self, get: RangeGet, size: int) -> None:
        super().__init__()
        self._get = get
        self._size = size
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._position >= self._size or not len(buffer):
            return 0
        last = min(self._size, self._position + len(buffer)) - 1
        data = self._get(f"bytes={self._position}-{last}")
        count = min(len(data), len(buffer))
        if count == 0:
            raise OSError("S3 returned no bytes for a range inside the object")
        memoryview(buffer)[:count] = data[:count]
        self._position += count
        return count


def windowed(get: RangeGet, size: int) -> io.BufferedReader:
    """The object as a buffered, seekable file: reads in order are served from one WINDOW_BYTES window."""
    return io.BufferedReader(RangedObject(get, size), buffer_size=WINDOW_BYTES)

"""Where the checker writes: S3 in parts (bounded memory), a local file, or nowhere.

The checked copy is a RecordSink: when a file holds more records than one job takes, the checker asks it to start
the next part (one object per job in S3); a local copy or none at all just counts the parts.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from listdrop.models import S3Object

PART_BYTES = 8 * 1024 * 1024  # S3 parts must be >= 5 MiB except the last


class TextSink(Protocol):
    def write(self, text: str) -> None: ...
    def close(self) -> None: ...
    def abort(self) -> None: ...


class RecordSink(TextSink, Protocol):
    def next_part(self, header: str) -> None:
        """The records written so far are one job's: start the next job's part, opening with `header`."""


class NullSink:
    def __init__(self) -> None:
        self.bytes_written = 0
        self.parts = 1

    def next_part(self, header: str) -> None:
        self.parts += 1
        self.write(header)

    def write(self, text: str) -> None:
        self.bytes_written += len(text.encode("utf-8"))

    def close(self) -> None:
        return None

    def abort(self) -> None:
        return None


class FileSink:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = path.open("w", encoding="utf-8", newline="")

    def write(self, text: str) -> None:
        self._file.write(text)

    def next_part(self, header: str) -> None:
        """A local checked copy stays one file (the header once): `listdrop validate` says how it would be split."""

    def close(self) -> None:
        self._file.close()

    def abort(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


class S3Sink:
    """Writes one object in 8 MiB parts; nothing is visible under the key until close() succeeds."""

    def __init__(self, s3: Any, bucket: str, key: str, content_type: str) -> None:
        self._s3 = s3
        self.bucket = bucket
        self.key = key
        self._content_type = content_type
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self.bytes_written = 0
        self.version_id: str | None = None

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        self.bytes_written += len(data)
        self._buffer += data
        while len(self._buffer) >= PART_BYTES:
            self._upload_part(bytes(self._buffer[:PART_BYTES]))
            del self._buffer[:PART_BYTES]

    def seal(self) -> None:
        """Upload what is buffered as the last part, but make nothing visible before close(): a sink sealed to let
        the next one start holds no buffer while that one is written (PartedS3Sink)."""
        if self._buffer or self._upload_id is None:
            self._upload_part(bytes(self._buffer))
        self._buffer = bytearray()

    def _upload_part(self, body: bytes) -> None:
        if self._upload_id is None:
            self._upload_id = self._s3.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, ContentType=self._content_type
            )["UploadId"]
        number = len(self._parts) + 1
        response = self._s3.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self._upload_id, PartNumber=number, Body=body
        )
        self._parts.append({"ETag": response["ETag"], "PartNumber": number})

    def close(self) -> None:
        if self._upload_id is None:
            response = self._s3.put_object(
                Bucket=self.bucket, Key=self.key, Body=bytes(self._buffer), ContentType=self._content_type
            )
        else:
            if self._buffer:
                self._upload_part(bytes(self._buffer))
            response = self._s3.complete_multipart_upload(
                Bucket=self.bucket, Key=self.key, UploadId=self._upload_id, MultipartUpload={"Parts": self._parts}
            )
        self._buffer = bytearray()
        self.version_id = response.get("VersionId")

    def abort(self) -> None:
        self._buffer = bytearray()
        if self._upload_id is not None:
            self._s3.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self._upload_id)
            self._upload_id = None


class PartedS3Sink:
    """The checked copy, one S3 object per job: part 1 under `key_of(1)`, which is the only object of a file within
    one job's limit, and each further part under `key_of(n)`. Every part stays a pending multipart upload until
    close(), so a rejected file leaves no part behind; one part's buffer is held at a time."""

    def __init__(self, s3: Any, bucket: str, key_of: Callable[[int], str], content_type: str) -> None:
        self._s3, self._bucket, self._key_of, self._content_type = s3, bucket, key_of, content_type
        self._sinks = [self._new(1)]

    def _new(self, number: int) -> S3Sink:
        return S3Sink(self._s3, self._bucket, self._key_of(number), self._content_type)

    @property
    def key(self) -> str:
        return self._sinks[0].key

    def write(self, text: str) -> None:
        self._sinks[-1].write(text)

    def next_part(self, header: str) -> None:
        self._sinks[-1].seal()
        self._sinks.append(self._new(len(self._sinks) + 1))
        if header:
            self._sinks[-1].write(header)

    def close(self) -> None:
        for sink in self._sinks:
            sink.close()

    def abort(self) -> None:
        for sink in self._sinks:
            sink.abort()

    @property
    def objects(self) -> tuple[S3Object, ...]:
        """Each part as written (after close())."""
        return tuple(S3Object(sink.bucket, sink.key, sink.version_id, sink.bytes_written) for sink in self._sinks)

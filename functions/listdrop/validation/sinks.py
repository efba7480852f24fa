"""Where the checker writes: S3 in parts (bounded memory), a local file, or nowhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

PART_BYTES = 8 * 1024 * 1024  # S3 parts must be >= 5 MiB except the last


class TextSink(Protocol):
    def write(self, text: str) -> None: ...
    def close(self) -> None: ...
    def abort(self) -> None: ...


class NullSink:
    def __init__(self) -> None:
        self.bytes_written = 0

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

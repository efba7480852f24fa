"""Streaming a checked copy from the bucket to a job's pre-signed URL, for job APIs that do not read the bucket
themselves (Mail Manager's import jobs, Customer Profiles' upload jobs).

One HTTP PUT of the whole object, read from S3 one part at a time (never the whole file in memory). The PUT
carries Content-Length (the staged object's size), so urllib3 sends the parts as they come, without chunked
transfer encoding. The caller adds the headers its API asks for (SSE-C
headers for Customer Profiles); header values are never logged or put in an error message.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import urllib3

from listdrop.errors import ProviderRequestRejected, ProviderUnavailable
from listdrop.models import S3Object

UPLOAD_CHUNK_BYTES = 256 * 1024


def new_pool() -> urllib3.PoolManager:
    """The connection pool a provider uploads with: no retries (a failed upload is retried by listdrop's own
    backoff, with a fresh start), a bounded wait for an answer."""
    return urllib3.PoolManager(timeout=urllib3.Timeout(connect=5, read=120), retries=False)


def put_staged_copy(
    http: urllib3.PoolManager, s3: Any, source: S3Object, url: str, headers: Mapping[str, str] | None = None
) -> None:
    """PUT the object `source` to `url` as it streams from S3, with `headers` besides Content-Length.

    No answer or a 5xx answer is transient (ProviderUnavailable); any other answer from 300 up is a refusal
    (ProviderRequestRejected).
    """
    get: dict[str, Any] = {"Bucket": source.bucket, "Key": source.key}
    if source.version_id:
        get["VersionId"] = source.version_id
    body = s3.get_object(**get)["Body"]
    try:
        response = http.request(
            "PUT",
            url,
            body=_chunks(body),
            headers={**(headers or {}), "Content-Length": str(source.size)},
            preload_content=True,
        )
    except urllib3.exceptions.HTTPError as error:
        raise ProviderUnavailable(
            f"The upload to the import job got no answer ({type(error).__name__}); retrying"
        ) from error
    finally:
        body.close()
    if response.status >= 500:
        raise ProviderUnavailable(f"The upload to the import job failed transiently (HTTP {response.status}); retrying")
    if response.status >= 300:
        raise ProviderRequestRejected(
            f"The upload to the import job's pre-signed URL was refused (HTTP {response.status})."
        )


def _chunks(body: Any) -> Iterator[bytes]:
    """The S3 body part by part; with a Content-Length header urllib3 sends the parts as they come."""
    while chunk := body.read(UPLOAD_CHUNK_BYTES):
        yield chunk


__all__ = ["UPLOAD_CHUNK_BYTES", "new_pool", "put_staged_copy"]

"""Copies a file a provider holds behind a pre-signed URL (a failed-records report, an export) into the bucket
before the URL expires."""

from __future__ import annotations

import ipaddress
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from listdrop.errors import ProviderUnavailable

_TIMEOUT_SECONDS = 30
_ATTEMPTS = 3


def _allowed(url: str) -> bool:
    """Only HTTPS, except plain HTTP to a loopback address (the embedded local cloud)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


class ReportCopier:
    def __init__(self, s3_client: Any, bucket: str, prefix: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket
        self._prefix = prefix

    def copy(self, url: str, folder: str, file_name: str = "failed-records.csv") -> str:
        """Stream the file at `url` to <prefix><folder>/<file name>; return its s3:// URI."""
        if not _allowed(url):
            raise ValueError("refusing to fetch a report URL that is not HTTPS")
        key = f"{self._prefix}{folder}/{file_name}"
        last_error: Exception | None = None
        for _ in range(_ATTEMPTS):
            try:
                with urllib.request.urlopen(url, timeout=_TIMEOUT_SECONDS) as response:  # noqa: S310
                    self._s3.upload_fileobj(response, self._bucket, key)
                return f"s3://{self._bucket}/{key}"
            except OSError as error:  # URLError, HTTPError and timeouts are all OSErrors
                last_error = error
        raise ProviderUnavailable(f"could not copy {file_name}: {last_error}")

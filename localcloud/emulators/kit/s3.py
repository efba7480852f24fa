"""The emulated services' side of S3: objects in moto's S3 backend, read and written as the service would.

An emulated service reads a customer's object only after the local cloud's IAM checks allow its principal to
(``localcloud/iam``: SES reads under the bucket policy as ``ses.amazonaws.com``, Pinpoint as the role it
assumed); that decision is the caller's, the object access is here. Files a service writes for its customer
(failed-record reports, exports, upload slots) live in a bucket of the emulator's own, created on first use, and
are handed out as pre-signed URLs against the local endpoint.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from localcloud.emulators.kit.errors import JobFailure


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """``s3://bucket/key`` (the key may be empty: a whole bucket, or a prefix); ValueError otherwise."""
        match = re.fullmatch(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(.*))?", url, re.DOTALL)
        if not match:
            raise ValueError(f"{url!r} is not an s3://bucket/key URL")
        return cls(match.group(1), match.group(2) or "")

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:::{self.bucket}/{self.key}"


# Why a principal may not read an object, given the bucket's policy (None: it may).
AccessCheck = Callable[[Any, S3Location], "str | None"]


class S3Store:
    """moto's S3 backend for one account and region, and pre-signed URLs against the local endpoint."""

    def __init__(self, endpoint_url: str, account_id: str, region: str) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self.account_id = account_id
        self.region = region
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def backend(self) -> Any:
        from moto.s3.models import s3_backends
        from moto.utilities.utils import get_partition

        return s3_backends[self.account_id][get_partition(self.region)]

    def bucket(self, name: str) -> Any:
        """moto's bucket, or None when there is none."""
        from moto.s3.exceptions import MissingBucket

        try:
            return self.backend.get_bucket(name)
        except MissingBucket:
            return None

    def get(self, bucket: str, key: str) -> bytes | None:
        """The latest version's bytes, or None when the bucket or the object does not exist."""
        if self.bucket(bucket) is None:
            return None
        stored = self.backend.get_object(bucket, key)
        return None if stored is None else bytes(stored.value)

    def read(self, location: S3Location, may_read: AccessCheck) -> bytes:
        """The object's bytes as the service reads them: JobFailure when the bucket or object is missing or
        ``may_read`` (given the bucket policy) gives a reason to deny."""
        bucket = self.bucket(location.bucket)
        if bucket is None:
            raise JobFailure(f"Cannot read {location.url}: the bucket does not exist")
        reason = may_read(bucket.policy, location)
        if reason:
            raise JobFailure(reason)
        data = self.get(location.bucket, location.key)
        if data is None:
            raise JobFailure(f"Cannot read {location.url}: the object does not exist")
        return data

    def keys(self, bucket: str, prefix: str) -> list[str]:
        """Keys under ``prefix`` that hold an object, sorted; JobFailure when the bucket does not exist."""
        found = self.bucket(bucket)
        if found is None:
            raise JobFailure(f"Cannot read s3://{bucket}/{prefix}: the bucket {bucket} does not exist")
        names = sorted(name for name in list(found.keys) if name.startswith(prefix))
        return [name for name in names if self.backend.get_object(bucket, name) is not None]

    def put(self, bucket: str, key: str, body: bytes) -> None:
        """Write an object to one of the emulator's own buckets (created when missing), without notifications."""
        self.ensure_bucket(bucket)
        self.backend.put_object(bucket, key, body, disable_notification=True)

    def ensure_bucket(self, bucket: str) -> None:
        if self.bucket(bucket) is None:
            self.backend.create_bucket(bucket, self.region)

    def presigned_url(self, method: str, bucket: str, key: str, ttl_seconds: int) -> str:
        """A pre-signed ``get_object``/``put_object`` URL against the local endpoint, fresh on every call."""
        with self._lock:
            if self._client is None:
                self._client = boto3.session.Session().client(
                    "s3",
                    endpoint_url=self.endpoint_url,
                    region_name=self.region,
                    # moto does not check signatures; a pre-signed URL only needs some credentials.
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",  # noqa: S106
                    config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
                )
            client = self._client
        params = {"Bucket": bucket, "Key": key}
        return str(client.generate_presigned_url(method, Params=params, ExpiresIn=ttl_seconds))

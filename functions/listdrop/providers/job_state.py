"""Where the jobs listdrop runs itself (list exports, contact-list syncs) keep their state between polls:
`<staging>jobs/<job id>/` in the upload bucket (a checkpoint, rows carried to the next poll, a cancel request, a
sync's copy of its list), which the staging prefix's lifecycle rule expires. The poller's permissions for it are
`state_grants`, the same statements whichever provider asks (infra keeps one copy)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from listdrop.errors import ProviderRequestRejected
from listdrop.providers.base import call_api
from listdrop.providers.clients import Clients
from listdrop.providers.spec import Grant, RoleName

FOLDER = "jobs/"
STATE_PREFIX = f"staging/{FOLDER}"


def folder(clients: Clients) -> str:
    """The state folder under the deployment's staging prefix (the functions' STAGING_PREFIX)."""
    return f"{clients.environment('STAGING_PREFIX') or 'staging/'}{FOLDER}"


class JobStateStore:
    """The checkpoints, carried rows and cancel requests of the jobs listdrop runs itself, in the bucket."""

    def __init__(self, s3: Any, bucket: str | None, folder: str) -> None:
        self._s3, self.bucket, self._folder = s3, bucket, folder

    def _key(self, job_id: str, name: str) -> str:
        if not self.bucket:
            raise ProviderRequestRejected("this process has no BUCKET_NAME, so it cannot reach listdrop's own jobs")
        return f"{self._folder}{job_id}/{name}"

    def carried(self, job_id: str, generation: int) -> bytes:
        return (self._get(self._key(job_id, f"carry-{generation}.csv")) or b"") if generation else b""

    def carry(self, job_id: str, generation: int, rows: bytes) -> None:
        self._put(self._key(job_id, f"carry-{generation}.csv"), rows, "text/csv")

    def cancel_requested(self, job_id: str) -> bool:
        return self._get(self._key(job_id, "cancel-requested")) is not None

    def request_cancel(self, job_id: str) -> None:
        self._put(self._key(job_id, "cancel-requested"), b"", "text/plain")

    def read(self, job_id: str, name: str) -> bytes | None:
        """Any object of a job's folder (None when there is none): listdrop's other jobs keep their state here too."""
        return self._get(self._key(job_id, name))

    def write(self, job_id: str, name: str, body: bytes) -> None:
        self._put(self._key(job_id, name), body, "application/json")

    def _get(self, key: str) -> bytes | None:
        try:
            response = call_api(
                self._s3.get_object, "GetObject", expected=frozenset({"NoSuchKey"}), Bucket=self.bucket, Key=key
            )
        except ClientError:
            return None
        return bytes(response["Body"].read())

    def _put(self, key: str, body: bytes, content_type: str) -> None:
        call_api(self._s3.put_object, "PutObject", Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)


def state_grants() -> tuple[Grant, ...]:
    return (
        Grant(
            RoleName.POLLER,
            "KeepJobState",
            # Multipart: a list export's file may be written here (a sync's copy of its list), and aborted.
            ("s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"),
            (f"bucket:{STATE_PREFIX}*",),
            "Each job listdrop runs itself keeps its state under staging/jobs/<job id>/, and only there.",
        ),
        # Without s3:ListBucket, S3 answers 403 instead of 404 for a key that does not exist
        # (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, "Permissions"): a job asks whether a
        # cancel was requested, or rows were carried, by reading a key that is usually absent.
        Grant(
            RoleName.POLLER,
            "FindJobState",
            ("s3:ListBucket",),
            ("bucket:",),
            conditions={"StringLike": {"s3:prefix": [f"{STATE_PREFIX}*"]}},
        ),
    )

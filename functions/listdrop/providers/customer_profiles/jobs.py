"""Amazon Connect Customer Profiles upload jobs (botocore's customer-profiles 2020-08-15 model; the facts and
assumptions are in docs/design/customer-profiles.md).

The job does not read the bucket: CreateUploadJob takes the field mapping, GetUploadJobPath gives a pre-signed
URL and a data key, listdrop streams the checked copy to the URL with that key as SSE-C headers, then starts the
job. Upload jobs belong to a domain, so listdrop's job id is `<DomainName>/<JobId>`.

CreateUploadJob takes no client token, so an interrupted attempt's job is found by listing the domain's jobs for
this upload's DisplayName (`listdrop-<tracking id>`), and resumed if it was never started.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import urllib3
from botocore.exceptions import ClientError

from listdrop.errors import ProviderRequestRejected, RejectedFile
from listdrop.models import FileShape, JobState, JobStatus, Route, S3Object
from listdrop.providers.base import ImportRequest, call_api
from listdrop.providers.customer_profiles.fields import upload_mapping
from listdrop.providers.customer_profiles.keys import DATA_EXPIRY, PROVIDER, refuse_unsupported_action
from listdrop.providers.native import token_pages
from listdrop.providers.presigned_upload import new_pool, put_staged_copy

NOT_FOUND = frozenset({"ResourceNotFoundException"})
BAD_REQUEST = frozenset({"BadRequestException"})
LIST_PAGE_SIZE = 500  # ListUploadJobs' MaxResults: MaxSize500, 1-500
# The staged header is canonical names of at most 64 characters, at most 25 of them (fields.py): under 2 KB.
HEADER_BYTES = 4096

# UploadJobStatus (model). PARTIALLY_SUCCEEDED ends with some records failed: a success with failures, as SES
# imports with failed records are.
STATES: dict[str, JobState] = {
    "CREATED": JobState.RUNNING,
    "IN_PROGRESS": JobState.RUNNING,
    "SUCCEEDED": JobState.SUCCEEDED,
    "PARTIALLY_SUCCEEDED": JobState.SUCCEEDED,
    "FAILED": JobState.FAILED,
    "STOPPED": JobState.CANCELLED,
}
_COUNTS = ("CreatedRecords", "UpdatedRecords", "FailedRecords")  # ResultsSummary's members (model)
# StatusReason (model), in the model's own words.
REASONS: dict[str, str] = {
    "VALIDATION_FAILURE": "the service was unable to complete the profile data ingestion (VALIDATION_FAILURE)",
    "INTERNAL_FAILURE": "a failure on the service's side (INTERNAL_FAILURE)",
}


class CustomerProfilesProvider:
    name = PROVIDER
    min_start_interval_seconds = 0.0  # no rate is documented for the upload-job calls; throttling is retried

    def __init__(self, client: Any, s3: Any, http: urllib3.PoolManager | None = None) -> None:
        self._profiles = client
        self._s3 = s3
        self._http = http or new_pool()

    def verify_destination(self, route: Route, shape: FileShape) -> None:
        refuse_unsupported_action(route)  # a delete/ key: refused before any call, against its domain
        domain = route.destination.name
        try:
            call_api(self._profiles.get_domain, "GetDomain", expected=NOT_FOUND, DomainName=domain)
        except ClientError:
            raise RejectedFile(
                "UNKNOWN_DOMAIN", f"The Customer Profiles domain {domain} does not exist in this account and Region."
            ) from None

    def start(self, request: ImportRequest) -> str:
        domain = str(request.route.destination.name)
        parameters: dict[str, Any] = {
            "DomainName": domain,
            "DisplayName": display_name(request.tracking_id),
            **upload_mapping(self._staged_header(request.source)).call_parameters(),
        }
        expiry = request.route.destination.option(DATA_EXPIRY)
        if expiry is not None:
            parameters["DataExpiry"] = int(expiry)
        created = call_api(self._profiles.create_upload_job, "CreateUploadJob", **parameters)
        job_id = str(created["JobId"])
        self._upload_and_start(request.source, domain, job_id)
        return f"{domain}/{job_id}"

    def _staged_header(self, source: S3Object) -> list[str]:
        """The checked copy's header line, read with a ranged GET of its first bytes."""
        get: dict[str, Any] = {"Bucket": source.bucket, "Key": source.key, "Range": f"bytes=0-{HEADER_BYTES - 1}"}
        if source.version_id:
            get["VersionId"] = source.version_id
        body = self._s3.get_object(**get)["Body"]
        try:
            first = body.read().decode("utf-8", errors="replace")
        finally:
            body.close()
        line, newline, _ = first.partition("\n")
        if not newline:
            raise ProviderRequestRejected("The checked copy has no header line; it cannot be mapped to profiles.")
        return next(csv.reader([line]))

    def _upload_and_start(self, source: S3Object, domain: str, job_id: str) -> None:
        """Upload the checked copy to a fresh pre-signed URL, then start the job."""
        path = call_api(self._profiles.get_upload_job_path, "GetUploadJobPath", DomainName=domain, JobId=job_id)
        put_staged_copy(self._http, self._s3, source, str(path["Url"]), sse_c_headers(path.get("ClientToken")))
        try:
            call_api(
                self._profiles.start_upload_job,
                "StartUploadJob",
                expected=BAD_REQUEST,
                DomainName=domain,
                JobId=job_id,
            )
        except ClientError as error:
            # Not documented: Start of a job an earlier attempt already started. Such a job is past CREATED.
            if self._job(domain, job_id).get("Status", "CREATED") == "CREATED":
                raise ProviderRequestRejected(f"StartUploadJob was refused: {_message(error)}") from None

    def _job(self, domain: str, job_id: str) -> dict[str, Any]:
        return call_api(self._profiles.get_upload_job, "GetUploadJob", DomainName=domain, JobId=job_id)

    def find_started(self, request: ImportRequest, *, since: datetime) -> str | None:
        """The domain's job named for this upload and created since `since`; one never started (still CREATED:
        the attempt stopped before or during its upload) is uploaded and started now. ListUploadJobs documents no
        order, so every page is read."""
        domain = str(request.route.destination.name)
        wanted = display_name(request.tracking_id)
        for job in self._upload_jobs(domain):
            created = job.get("CreatedAt")
            if job.get("DisplayName") == wanted and isinstance(created, datetime) and created >= since:
                job_id = str(job["JobId"])
                if job.get("Status") == "CREATED":
                    self._upload_and_start(request.source, domain, job_id)
                return f"{domain}/{job_id}"
        return None

    def _upload_jobs(self, domain: str) -> Iterator[dict[str, Any]]:
        def page(**params: Any) -> dict[str, Any]:
            return call_api(self._profiles.list_upload_jobs, "ListUploadJobs", **params)

        params = {"DomainName": domain, "MaxResults": LIST_PAGE_SIZE}
        return token_pages(page, params, "Items", "NextToken", "NextToken")

    def status(self, job_id: str) -> JobStatus:
        domain, _, upload_job_id = job_id.partition("/")
        try:
            job = call_api(
                self._profiles.get_upload_job,
                "GetUploadJob",
                expected=NOT_FOUND,
                DomainName=domain,
                JobId=upload_job_id,
            )
        except ClientError:
            return JobStatus(JobState.FAILED, "NOT_FOUND", error_message="The upload job no longer exists.")
        provider_status = str(job.get("Status", "CREATED"))
        # Whether ResultsSummary is there while the job runs is not documented: a missing count is 0.
        summary = job.get("ResultsSummary") or {}
        created, updated, failed = (int(summary.get(name) or 0) for name in _COUNTS)
        state = STATES.get(provider_status, JobState.RUNNING)
        completed = job.get("CompletedAt")
        return JobStatus(
            state=state,
            provider_status=provider_status,
            processed=created + updated,
            failed=failed,
            error_message=_failure(job) if state is JobState.FAILED else None,
            completed_at=completed.isoformat() if isinstance(completed, datetime) else None,
            progress={"createdRecords": created, "updatedRecords": updated, "failedRecords": failed},
        )

    def cancel(self, job_id: str) -> None:
        domain, _, upload_job_id = job_id.partition("/")
        try:
            call_api(
                self._profiles.stop_upload_job,
                "StopUploadJob",
                expected=BAD_REQUEST,
                DomainName=domain,
                JobId=upload_job_id,
            )
        except ClientError as error:
            # Not documented: Stop of an ended job; a 400 on a well-formed request is read as "already ended".
            raise ProviderRequestRejected(
                f"The upload job has already ended; there is nothing to stop ({_message(error)})."
            ) from None


def display_name(tracking_id: str) -> str:
    """The job's DisplayName (1-255): how find_started recognizes the job of one upload."""
    return f"listdrop-{tracking_id}"


def sse_c_headers(client_token: str | None) -> dict[str, str]:
    """The SSE-C headers of the upload PUT, from GetUploadJobPath's ClientToken ("the plaintext data key used to
    encrypt the upload file", model, GetUploadJobPathResponse): the algorithm, the key as given, and the key's MD5.

    S3's rule for the MD5 header (S3 user guide, "Specifying server-side encryption with customer-provided keys",
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-s3-c-encryption.html): the base64-encoded
    128-bit MD5 digest of the key, taken on the key's bytes before base64. Assumed (the API text says only "MD5
    Client Token"; docs/design/customer-profiles.md, open question 2): the ClientToken is that base64 key. The key
    is never logged nor put in an error message.
    """
    try:
        key = base64.b64decode(client_token or "", validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not client_token or not key:
        raise ProviderRequestRejected("GetUploadJobPath returned no ClientToken that is a base64 key.")
    digest = hashlib.md5(key, usedforsecurity=False).digest()  # S3's integrity check of the key, not a secret hash
    return {
        "x-amz-server-side-encryption-customer-algorithm": "AES256",
        "x-amz-server-side-encryption-customer-key": client_token,
        "x-amz-server-side-encryption-customer-key-MD5": base64.b64encode(digest).decode("ascii"),
    }


def _failure(job: dict[str, Any]) -> str:
    reason = str(job.get("StatusReason") or "")
    return f"The upload job failed: {REASONS.get(reason, reason or 'no reason given')}."


def _message(error: ClientError) -> str:
    details = error.response.get("Error", {})
    return f"{details.get('Code', '')}: {details.get('Message', '')}"

"""Amazon SES Mail Manager address-list import jobs.

The job does not read the bucket: CreateAddressListImportJob returns a pre-signed URL, listdrop streams the
checked copy of the file to it (never the whole file in memory), then starts the job. The upload's tracking
id is the ClientToken, so a repeated attempt gets the same job back instead of a second one.

The checked copy is always the CSV layout the SES Developer Guide documents ("Address Lists",
https://docs.aws.amazon.com/ses/latest/dg/eb-addlist.html: the header `address` is required), whatever the
upload's format, and ImportDataType says so (validation.staged_format).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import urllib3
from botocore.exceptions import ClientError

from listdrop.errors import ProviderRequestRejected, ProviderUnavailable, RejectedFile
from listdrop.models import FileShape, JobState, JobStatus, Route
from listdrop.providers.base import ImportRequest, call_api
from listdrop.providers.mail_manager.keys import refuse_unsupported_action
from listdrop.validation import staged_format

NOT_FOUND = frozenset({"ResourceNotFoundException"})
CONFLICT = frozenset({"ConflictException"})
UPLOAD_CHUNK_BYTES = 256 * 1024

STATES: dict[str, JobState] = {
    "CREATED": JobState.RUNNING,
    "PROCESSING": JobState.RUNNING,
    "COMPLETED": JobState.SUCCEEDED,
    "FAILED": JobState.FAILED,
    "STOPPED": JobState.CANCELLED,
}


class MailManagerProvider:
    name = "mail-manager"
    min_start_interval_seconds = 0.0

    def __init__(self, client: Any, s3: Any, http: urllib3.PoolManager | None = None) -> None:
        self._mail = client
        self._s3 = s3
        self._http = http or urllib3.PoolManager(timeout=urllib3.Timeout(connect=5, read=120), retries=False)

    def verify_destination(self, route: Route, shape: FileShape) -> None:
        refuse_unsupported_action(route)  # a delete/ key: refused before any call, against its list
        list_id = route.destination.name
        try:
            call_api(self._mail.get_address_list, "GetAddressList", expected=NOT_FOUND, AddressListId=list_id)
        except ClientError:
            raise RejectedFile(
                "UNKNOWN_ADDRESS_LIST", f"The Mail Manager address list {list_id} does not exist in this account."
            ) from None

    def start(self, request: ImportRequest) -> str:
        created = call_api(
            self._mail.create_address_list_import_job,
            "CreateAddressListImportJob",
            ClientToken=request.tracking_id,
            AddressListId=request.route.destination.name,
            Name=f"listdrop-{request.tracking_id}",
            ImportDataFormat={"ImportDataType": staged_format(request.route).value},
        )
        job_id = str(created["JobId"])
        if self._job(job_id)["Status"] != "CREATED":
            return job_id  # an earlier attempt with this token uploaded and started it
        self._upload(request, str(created["PreSignedUrl"]))
        try:
            call_api(
                self._mail.start_address_list_import_job, "StartAddressListImportJob", expected=CONFLICT, JobId=job_id
            )
        except ClientError:
            if self._job(job_id)["Status"] == "CREATED":
                raise ProviderUnavailable(
                    "StartAddressListImportJob conflicted with a job that has not started"
                ) from None
        return job_id

    def _job(self, job_id: str) -> dict[str, Any]:
        return call_api(self._mail.get_address_list_import_job, "GetAddressListImportJob", JobId=job_id)

    def _upload(self, request: ImportRequest, url: str) -> None:
        """Stream the checked copy from S3 to the job's pre-signed URL: one part in memory at a time."""
        source = request.source
        get: dict[str, Any] = {"Bucket": source.bucket, "Key": source.key}
        if source.version_id:
            get["VersionId"] = source.version_id
        body = self._s3.get_object(**get)["Body"]
        try:
            response = self._http.request(
                "PUT",
                url,
                body=_chunks(body),
                headers={"Content-Length": str(source.size)},
                preload_content=True,
            )
        except urllib3.exceptions.HTTPError as error:
            raise ProviderUnavailable(
                f"The upload to the import job got no answer ({type(error).__name__}); retrying"
            ) from error
        finally:
            body.close()
        if response.status >= 500:
            raise ProviderUnavailable(
                f"The upload to the import job failed transiently (HTTP {response.status}); retrying"
            )
        if response.status >= 300:
            raise ProviderRequestRejected(
                f"The upload to the import job's pre-signed URL was refused (HTTP {response.status})."
            )

    def find_started(self, request: ImportRequest, *, since: datetime) -> str | None:
        """The ClientToken finds it: `start` with the same token returns the job an earlier attempt created."""
        return None

    def status(self, job_id: str) -> JobStatus:
        try:
            job = call_api(
                self._mail.get_address_list_import_job, "GetAddressListImportJob", expected=NOT_FOUND, JobId=job_id
            )
        except ClientError:
            return JobStatus(JobState.FAILED, "NOT_FOUND", error_message="The import job no longer exists.")
        provider_status = str(job.get("Status", "CREATED"))
        completed = job.get("CompletedTimestamp")
        return JobStatus(
            state=STATES.get(provider_status, JobState.RUNNING),
            provider_status=provider_status,
            processed=int(job.get("ImportedItemsCount") or 0),
            failed=int(job.get("FailedItemsCount") or 0),
            error_message=job.get("Error"),
            completed_at=completed.isoformat() if completed is not None else None,
        )

    def cancel(self, job_id: str) -> None:
        call_api(self._mail.stop_address_list_import_job, "StopAddressListImportJob", JobId=job_id)


def _chunks(body: Any) -> Iterator[bytes]:
    """The S3 body part by part; with a Content-Length header urllib3 sends the parts as they come."""
    while chunk := body.read(UPLOAD_CHUNK_BYTES):
        yield chunk

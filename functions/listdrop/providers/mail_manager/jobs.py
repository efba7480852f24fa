"""Amazon SES Mail Manager address-list import jobs.

The job does not read the bucket: CreateAddressListImportJob returns a pre-signed URL, listdrop streams the
checked copy of the file to it (never the whole file in memory), then starts the job. The upload's tracking
id is the ClientToken, so a repeated attempt gets the same job back instead of a second one.

The checked copy is always the CSV layout the SES Developer Guide documents ("Address Lists",
https://docs.aws.amazon.com/ses/latest/dg/eb-addlist.html: the header `address` is required), whatever the
upload's format, and ImportDataType says so (validation.staged_format).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import urllib3
from botocore.exceptions import ClientError

from listdrop.errors import ProviderUnavailable, RejectedFile
from listdrop.models import SYNC_REMOVALS, SYNC_REMOVALS_ANY, Action, FileShape, JobState, JobStatus, Route
from listdrop.providers.base import ImportRequest, call_api
from listdrop.providers.mail_manager.keys import refuse_unsupported_action
from listdrop.providers.presigned_upload import new_pool, put_staged_copy
from listdrop.providers.syncs import ImportJobs, Syncs, SyncsOnDemand, is_sync
from listdrop.validation import staged_format

NOT_FOUND = frozenset({"ResourceNotFoundException"})
CONFLICT = frozenset({"ConflictException"})

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

    def __init__(
        self,
        client: Any,
        s3: Any,
        http: urllib3.PoolManager | None = None,
        syncs: Callable[[ImportJobs], Syncs] | None = None,
    ) -> None:
        """`syncs` builds the address-list syncs on first use, driving this provider's import jobs."""
        self._mail = client
        self._s3 = s3
        self._http = http or new_pool()
        self._syncs = SyncsOnDemand(syncs, self, self.name)

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
        if request.route.action is Action.SYNC:
            allow_any_share = request.route.destination.option(SYNC_REMOVALS) == SYNC_REMOVALS_ANY
            return self._syncs().start(request, allow_any_share=allow_any_share)
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
        put_staged_copy(self._http, self._s3, request.source, str(created["PreSignedUrl"]))
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

    def find_started(self, request: ImportRequest, *, since: datetime) -> str | None:
        """The ClientToken finds it: `start` with the same token returns the job an earlier attempt created."""
        return None

    def status(self, job_id: str) -> JobStatus:
        if is_sync(job_id):
            return self._syncs().status(job_id)
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
        if is_sync(job_id):
            self._syncs().cancel(job_id)
            return
        call_api(self._mail.stop_address_list_import_job, "StopAddressListImportJob", JobId=job_id)

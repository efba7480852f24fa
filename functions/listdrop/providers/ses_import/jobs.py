"""Amazon SES v2 import jobs: contact lists and the account-level suppression list; a contact-list sync/ file is a
sync, listdrop's own job of several SES import jobs (sync.py), whose ids start with `sync-`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from listdrop.errors import ProviderRequestRejected, RejectedFile
from listdrop.models import (
    SYNC_REMOVALS,
    SYNC_REMOVALS_ANY,
    Action,
    DestinationType,
    FileShape,
    JobState,
    JobStatus,
    Route,
)
from listdrop.providers.base import ImportRequest, call_api
from listdrop.providers.native import token_pages
from listdrop.providers.syncs import ImportJobs, Syncs, SyncsOnDemand, is_sync

NOT_FOUND = frozenset({"NotFoundException"})

STATES: dict[str, JobState] = {
    "CREATED": JobState.RUNNING,
    "PROCESSING": JobState.RUNNING,
    "COMPLETED": JobState.SUCCEEDED,
    "FAILED": JobState.FAILED,
    "CANCELLED": JobState.CANCELLED,
}


class SesImportProvider:
    name = "ses-import"
    min_start_interval_seconds = 0.0

    def __init__(self, client: Any, syncs: Callable[[ImportJobs], Syncs] | None = None) -> None:
        """`syncs` builds the contact-list syncs on first use, driving this provider's import jobs."""
        self._ses = client
        self._syncs = SyncsOnDemand(syncs, self, self.name)

    def verify_destination(self, route: Route, shape: FileShape) -> None:
        if route.destination.type is not DestinationType.SES_CONTACT_LIST:
            return
        name = route.destination.name
        try:
            contact_list = call_api(
                self._ses.get_contact_list, "GetContactList", expected=NOT_FOUND, ContactListName=name
            )
        except ClientError:
            raise RejectedFile(
                "UNKNOWN_CONTACT_LIST", f"The SES contact list '{name}' does not exist in this account."
            ) from None
        known = {topic["TopicName"] for topic in contact_list.get("Topics", [])}
        unknown = sorted(set(shape.topics) - known)
        if unknown and route.action in (Action.PUT, Action.SYNC):
            raise RejectedFile(
                "UNKNOWN_TOPIC",
                f"The contact list '{name}' has no topic named {', '.join(repr(t) for t in unknown[:5])}.",
            )

    @staticmethod
    def _destination(route: Route) -> dict[str, Any]:
        if route.destination.type is DestinationType.SES_CONTACT_LIST:
            return {
                "ContactListDestination": {
                    "ContactListName": route.destination.name,
                    "ContactListImportAction": route.action.value,
                }
            }
        return {"SuppressionListDestination": {"SuppressionListImportAction": route.action.value}}

    def start(self, request: ImportRequest) -> str:
        route = request.route
        if route.action is Action.SYNC:
            allow_any_share = route.destination.option(SYNC_REMOVALS) == SYNC_REMOVALS_ANY
            return self._syncs().start(request, allow_any_share=allow_any_share)
        response = call_api(
            self._ses.create_import_job,
            "CreateImportJob",
            ImportDestination=self._destination(route),
            ImportDataSource={"S3Url": request.source.uri, "DataFormat": route.data_format.value},
        )
        return str(response["JobId"])

    def find_started(self, request: ImportRequest, *, since: datetime) -> str | None:
        """SES import jobs take no client token: look for a job created since `since` that reads this
        request's staged copy (its key holds the tracking id, so no other upload's job can match). A sync's start
        only writes its first checkpoints, which a repeat writes again."""
        if request.route.action is Action.SYNC:
            return None
        destination = self._destination(request.route)
        is_contact_list = request.route.destination.type is DestinationType.SES_CONTACT_LIST
        for summary in self._import_jobs("CONTACT_LIST" if is_contact_list else "SUPPRESSION_LIST"):
            if summary.get("ImportDestination") != destination or summary["CreatedTimestamp"] < since:
                continue
            job = call_api(self._ses.get_import_job, "GetImportJob", JobId=summary["JobId"])
            if job.get("ImportDataSource", {}).get("S3Url") == request.source.uri:
                return str(summary["JobId"])
        return None

    def _import_jobs(self, destination_type: str) -> Iterator[dict[str, Any]]:
        """Every import job of one destination type (ListImportJobs has no botocore paginator; the service's
        default page size)."""
        list_jobs = partial(call_api, self._ses.list_import_jobs, "ListImportJobs")
        return token_pages(
            list_jobs, {"ImportDestinationType": destination_type}, "ImportJobs", "NextToken", "NextToken"
        )

    def status(self, job_id: str) -> JobStatus:
        if is_sync(job_id):
            return self._syncs().status(job_id)
        try:
            job = call_api(self._ses.get_import_job, "GetImportJob", expected=NOT_FOUND, JobId=job_id)
        except ClientError:
            return JobStatus(JobState.FAILED, "NOT_FOUND", error_message="The import job no longer exists.")
        provider_status = str(job.get("JobStatus", "CREATED"))
        failure = job.get("FailureInfo") or {}
        completed = job.get("CompletedTimestamp")
        return JobStatus(
            state=STATES.get(provider_status, JobState.RUNNING),
            provider_status=provider_status,
            processed=int(job.get("ProcessedRecordsCount") or 0),
            failed=int(job.get("FailedRecordsCount") or 0),
            failed_records_url=failure.get("FailedRecordsS3Url"),
            error_message=failure.get("ErrorMessage"),
            completed_at=completed.isoformat() if completed is not None else None,
        )

    def cancel(self, job_id: str) -> None:
        if is_sync(job_id):
            self._syncs().cancel(job_id)
            return
        raise ProviderRequestRejected("SES import jobs cannot be cancelled: the API has no call for it.")

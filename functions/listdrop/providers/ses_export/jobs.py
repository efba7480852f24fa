"""Amazon SES v2 export jobs: a request file asks for metrics (METRICS_DATA) or message insights.

The result is a file SES holds behind a short-lived pre-signed link (`ExportDestination.S3Url`); the poller
copies it into the bucket (exports/results/<job id>/) so it outlasts the link.

A request for a list (ListSuppressedDestinations, ListContacts) is a list export, listdrop's own job
(list_export.py), whose ids start with `list-export-`; every call below hands those to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from listdrop.errors import ProviderRequestRejected
from listdrop.export_request import parse_export_request
from listdrop.list_export_request import LIST_OPERATIONS
from listdrop.models import FileShape, JobState, JobStatus, Route
from listdrop.providers.base import ImportRequest, call_api
from listdrop.providers.native import token_pages
from listdrop.providers.ses_export.list_export import ListExports, is_list_export

NOT_FOUND = frozenset({"NotFoundException"})

STATES: dict[str, JobState] = {
    "CREATED": JobState.RUNNING,
    "PROCESSING": JobState.RUNNING,
    "COMPLETED": JobState.SUCCEEDED,
    "FAILED": JobState.FAILED,
    "CANCELLED": JobState.CANCELLED,
}
SOURCE_TYPES = {"MetricsDataSource": "METRICS_DATA", "MessageInsightsDataSource": "MESSAGE_INSIGHTS"}


class SesExportProvider:
    name = "ses-export"
    # "You can execute this operation no more than once per second" (CreateExportJob), plus room for the
    # time between taking the start slot and the call reaching SES.
    min_start_interval_seconds = 1.25

    def __init__(self, client: Any, list_exports: Callable[[], ListExports] | None = None) -> None:
        self._ses = client
        self._lists = list_exports  # built on first use: most deployments never export a list

    def _list_exports(self) -> ListExports:
        if self._lists is None:
            raise ProviderRequestRejected("this ses-export provider was built without list exports")
        return self._lists()

    def verify_destination(self, route: Route, shape: FileShape) -> None:
        """An export writes to a file SES creates; there is nothing to look up first."""

    def read_request(self, body: bytes) -> tuple[dict[str, Any], str]:
        request = parse_export_request(body)
        return request.parameters, request.summary

    def start(self, request: ImportRequest) -> str:
        if request.parameters is None:
            raise ValueError("an export request carries its CreateExportJob parameters")
        if any(operation in request.parameters for operation in LIST_OPERATIONS):
            return self._list_exports().start(request.tracking_id, request.parameters)
        response = call_api(self._ses.create_export_job, "CreateExportJob", **request.parameters)
        return str(response["JobId"])

    def find_started(self, request: ImportRequest, *, since: datetime) -> str | None:
        """Export jobs take no client token and keep no reference to the request file: adopt a job created
        since `since` that asks for exactly the same data in the same format."""
        if request.parameters is None or any(operation in request.parameters for operation in LIST_OPERATIONS):
            return None  # a list export's start only writes its first checkpoint, which a repeat rewrites
        wanted = _comparable(request.parameters)
        source_type = next(
            SOURCE_TYPES[name] for name in SOURCE_TYPES if name in request.parameters["ExportDataSource"]
        )
        for summary in self._export_jobs(source_type):
            created = summary.get("CreatedTimestamp")
            if created is None or created < since:
                continue
            job = call_api(self._ses.get_export_job, "GetExportJob", JobId=summary["JobId"])
            if _comparable(job) == wanted:
                return str(summary["JobId"])
        return None

    def _export_jobs(self, source_type: str) -> Iterator[dict[str, Any]]:
        """Every export job of one source type (ListExportJobs has no botocore paginator)."""
        list_jobs = partial(call_api, self._ses.list_export_jobs, "ListExportJobs")
        return token_pages(list_jobs, {"ExportSourceType": source_type}, "ExportJobs", "NextToken", "NextToken")

    def status(self, job_id: str) -> JobStatus:
        if is_list_export(job_id):
            return self._list_exports().status(job_id)
        try:
            job = call_api(self._ses.get_export_job, "GetExportJob", expected=NOT_FOUND, JobId=job_id)
        except ClientError:
            return JobStatus(JobState.FAILED, "NOT_FOUND", error_message="The export job no longer exists.")
        provider_status = str(job.get("JobStatus", "CREATED"))
        statistics = job.get("Statistics") or {}
        destination = job.get("ExportDestination") or {}
        completed = job.get("CompletedTimestamp")
        data_format = str(destination.get("DataFormat", "CSV")).lower()
        state = STATES.get(provider_status, JobState.RUNNING)
        return JobStatus(
            state=state,
            provider_status=provider_status,
            processed=int(statistics.get("ExportedRecordsCount") or 0),
            error_message=(job.get("FailureInfo") or {}).get("ErrorMessage"),
            completed_at=completed.isoformat() if completed is not None else None,
            result_url=destination.get("S3Url") if state is JobState.SUCCEEDED else None,
            result_name=f"{str(job.get('ExportSourceType', 'export')).lower().replace('_', '-')}.{data_format}",
            progress={"processedRecords": int(statistics.get("ProcessedRecordsCount") or 0)},
        )

    def cancel(self, job_id: str) -> None:
        if is_list_export(job_id):
            self._list_exports().cancel(job_id)
            return
        try:
            call_api(self._ses.cancel_export_job, "CancelExportJob", expected=NOT_FOUND, JobId=job_id)
        except ClientError:
            raise ProviderRequestRejected("The export job does not exist.") from None


def _comparable(request_or_job: dict[str, Any]) -> tuple[Any, Any]:
    """What a job asks for, with timestamps as epoch seconds (the request has datetimes, so does the reply)."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return round(value.timestamp())
        if isinstance(value, dict):
            return {key: plain(item) for key, item in sorted(value.items())}
        if isinstance(value, list):
            return [plain(item) for item in value]
        return value

    destination = request_or_job.get("ExportDestination") or {}
    return plain(request_or_job.get("ExportDataSource")), destination.get("DataFormat")

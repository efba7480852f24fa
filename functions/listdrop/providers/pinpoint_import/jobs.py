"""Amazon Pinpoint endpoint import jobs (off by default: Pinpoint's engagement features, imports included,
reached end of support on 30 October 2026).

Pinpoint reads the checked copy itself, assuming listdrop's import role, which may read only the staging
prefix of Pinpoint files. Import jobs belong to an application, so listdrop's job id is
`<ApplicationId>/<JobId>`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from listdrop.errors import ProviderRequestRejected, RejectedFile
from listdrop.models import FileShape, JobState, JobStatus, Route
from listdrop.privacy import redact_contacts
from listdrop.providers.base import ImportRequest, call_api

NOT_FOUND = frozenset({"NotFoundException"})
PAGE_SIZE = "100"
SHOWN_FAILURES = 5

# The nine statuses botocore lists for JobStatus; FAILING is still running (it ends as FAILED).
STATES: dict[str, JobState] = {
    "CREATED": JobState.RUNNING,
    "PREPARING_FOR_INITIALIZATION": JobState.RUNNING,
    "INITIALIZING": JobState.RUNNING,
    "PROCESSING": JobState.RUNNING,
    "PENDING_JOB": JobState.RUNNING,
    "COMPLETING": JobState.RUNNING,
    "FAILING": JobState.RUNNING,
    "COMPLETED": JobState.SUCCEEDED,
    "FAILED": JobState.FAILED,
}


# ImportJobResponse's progress: pieces in all, completed and failed.
_PIECES = ("TotalPieces", "CompletedPieces", "FailedPieces")


class PinpointImportProvider:
    name = "pinpoint-import"
    min_start_interval_seconds = 0.0

    def __init__(self, client: Any, role_arn: str | None) -> None:
        self._pinpoint = client
        self._role_arn = role_arn

    def verify_destination(self, route: Route, shape: FileShape) -> None:
        application_id = route.destination.name
        try:
            call_api(self._pinpoint.get_app, "GetApp", expected=NOT_FOUND, ApplicationId=application_id)
        except ClientError:
            raise RejectedFile(
                "UNKNOWN_APPLICATION", f"The Pinpoint application {application_id} does not exist in this account."
            ) from None
        segment = route.destination.segment
        if segment is not None and segment.existing_id:
            try:
                call_api(
                    self._pinpoint.get_segment,
                    "GetSegment",
                    expected=NOT_FOUND,
                    ApplicationId=application_id,
                    SegmentId=segment.existing_id,
                )
            except ClientError:
                raise RejectedFile(
                    "UNKNOWN_SEGMENT",
                    f"The Pinpoint application {application_id} has no segment {segment.existing_id}.",
                ) from None

    def start(self, request: ImportRequest) -> str:
        if not self._role_arn:
            raise ProviderRequestRejected("No import role is configured for Pinpoint (PINPOINT_IMPORT_ROLE_ARN).")
        destination = request.route.destination
        segment = destination.segment
        job: dict[str, Any] = {
            "S3Url": request.source.uri,
            "RoleArn": self._role_arn,
            "Format": request.route.data_format.value,
            "RegisterEndpoints": segment.register_endpoints if segment else True,
            "DefineSegment": bool(segment and (segment.new_name or segment.existing_id)),
        }
        if segment and segment.new_name:
            job["SegmentName"] = segment.new_name
        if segment and segment.existing_id:
            job["SegmentId"] = segment.existing_id
        response = call_api(
            self._pinpoint.create_import_job, "CreateImportJob", ApplicationId=destination.name, ImportJobRequest=job
        )
        return f"{destination.name}/{response['ImportJobResponse']['Id']}"

    def find_started(self, request: ImportRequest, *, since: datetime) -> str | None:
        """Import jobs take no client token: adopt the application's job created since `since` that reads
        this request's checked copy (its key holds the tracking id, so no other upload's job can match)."""
        application_id = str(request.route.destination.name)
        for job in self._import_jobs(application_id):
            created = _timestamp(job.get("CreationDate"))
            if (
                created is not None
                and created >= since
                and job.get("Definition", {}).get("S3Url") == request.source.uri
            ):
                return f"{application_id}/{job['Id']}"
        return None

    def _import_jobs(self, application_id: str) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            page: dict[str, Any] = {"ApplicationId": application_id, "PageSize": PAGE_SIZE}
            if token:
                page["Token"] = token
            response = call_api(self._pinpoint.get_import_jobs, "GetImportJobs", **page)["ImportJobsResponse"]
            yield from response.get("Item", [])
            token = response.get("NextToken")
            if not token:
                return

    def status(self, job_id: str) -> JobStatus:
        application_id, _, import_job_id = job_id.partition("/")
        try:
            job = call_api(
                self._pinpoint.get_import_job,
                "GetImportJob",
                expected=NOT_FOUND,
                ApplicationId=application_id,
                JobId=import_job_id,
            )["ImportJobResponse"]
        except ClientError:
            return JobStatus(JobState.FAILED, "NOT_FOUND", error_message="The import job no longer exists.")
        provider_status = str(job.get("JobStatus", "CREATED"))
        failures = [_redacted(str(failure)) for failure in job.get("Failures", [])[:SHOWN_FAILURES]]
        state = STATES.get(provider_status, JobState.RUNNING)
        pieces, completed, failed_pieces = (int(job.get(name) or 0) for name in _PIECES)
        return JobStatus(
            state=state,
            provider_status=provider_status,
            # CompletedPieces and FailedPieces are counted "as of the time of the request" (botocore's pinpoint
            # model, ImportJobResponse): the one count the reference says moves while the job runs.
            share_reported=min(1.0, (completed + failed_pieces) / pieces) if pieces else None,
            processed=int(job.get("TotalProcessed") or 0),
            failed=int(job.get("TotalFailures") or 0),
            error_message="; ".join(failures) if failures and state is JobState.FAILED else None,
            completed_at=job.get("CompletionDate"),
            progress={
                "totalPieces": pieces,
                "completedPieces": completed,
                "failedPieces": failed_pieces,
                "firstFailures": failures,
            },
        )

    def cancel(self, job_id: str) -> None:
        raise ProviderRequestRejected("Pinpoint import jobs cannot be cancelled: the API has no call for it.")


def _redacted(failure: str) -> str:
    """A failure as Pinpoint words it may quote the row: hide addresses and phone numbers, keep the rest (the
    staged copy's s3:// URI and the ids in it)."""
    return redact_contacts(failure)


def _timestamp(value: Any) -> datetime | None:
    """Pinpoint returns its dates as ISO 8601 strings."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

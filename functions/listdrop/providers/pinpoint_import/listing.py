"""Amazon Pinpoint import jobs as the API lists them: one application's (GetImportJobs requires ApplicationId);
no botocore paginator (a Token loop, the service's page size) and no status filter (the caller filters)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from listdrop.providers.native import NativeJob, NativeOption, NativeQuery, parse_time, token_pages

OPTIONS = (NativeOption("application-id", "the Pinpoint project whose import jobs to list (required)"),)


def import_jobs(pinpoint: Any, query: NativeQuery) -> Iterator[NativeJob]:
    application_id = query.required("application-id", "the Pinpoint API lists one project's jobs")
    params: dict[str, Any] = {"ApplicationId": application_id}
    if query.page_size:
        params["PageSize"] = str(query.page_size)  # a string in this API
    for job in token_pages(
        pinpoint.get_import_jobs, params, "ImportJobsResponse.Item", "ImportJobsResponse.NextToken", "Token"
    ):
        definition = job.get("Definition") or {}
        segment = definition.get("SegmentName") or definition.get("SegmentId")
        yield NativeJob(
            provider="pinpoint-import",
            job_id=str(job["Id"]),
            status=str(job.get("JobStatus", "")),
            created=parse_time(job.get("CreationDate")),
            summary=f"segment {segment}" if segment else "endpoints only",
            processed=job.get("TotalProcessed"),
            failed=job.get("TotalFailures"),
        )

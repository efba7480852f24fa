"""SES v2 export jobs as the API lists them (ListExportJobs has no botocore paginator: a NextToken loop; the API
filters on source type and status)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from listdrop.providers.native import NativeJob, NativeOption, NativeQuery, one_of, token_pages

SOURCE_TYPES = ("METRICS_DATA", "MESSAGE_INSIGHTS")  # sesv2 ExportSourceType
STATUSES = ("CREATED", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED")  # sesv2 JobStatus
OPTIONS = (NativeOption("source-type", "SES export jobs of one kind: METRICS_DATA or MESSAGE_INSIGHTS"),)


def export_jobs(sesv2: Any, query: NativeQuery) -> Iterator[NativeJob]:
    params: dict[str, Any] = {}
    source_type = query.option("source-type")
    if source_type:
        params["ExportSourceType"] = one_of("source-type", source_type, SOURCE_TYPES)
    if query.status:
        params["JobStatus"] = one_of("status", query.status, STATUSES)
    if query.page_size:
        params["PageSize"] = query.page_size
    for job in token_pages(sesv2.list_export_jobs, params, "ExportJobs", "NextToken", "NextToken"):
        yield NativeJob(
            provider="ses-export",
            job_id=str(job["JobId"]),
            status=str(job.get("JobStatus", "")),
            created=job.get("CreatedTimestamp"),
            summary=f"export of {job.get('ExportSourceType', 'unknown source')}",
        )

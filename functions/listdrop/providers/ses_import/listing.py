"""SES v2 import jobs as the API lists them (ListImportJobs has no botocore paginator: a NextToken loop, the
service's page size; no status filter, so the caller filters)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from listdrop.providers.native import NativeJob, NativeOption, NativeQuery, one_of, token_pages

DESTINATION_TYPES = ("CONTACT_LIST", "SUPPRESSION_LIST")  # sesv2 ImportDestinationType
OPTIONS = (NativeOption("destination-type", "SES import jobs of one kind: CONTACT_LIST or SUPPRESSION_LIST"),)


def import_jobs(sesv2: Any, query: NativeQuery) -> Iterator[NativeJob]:
    params: dict[str, Any] = {}
    destination_type = query.option("destination-type")
    if destination_type:
        params["ImportDestinationType"] = one_of("destination-type", destination_type, DESTINATION_TYPES)
    if query.page_size:
        params["PageSize"] = query.page_size
    for job in token_pages(sesv2.list_import_jobs, params, "ImportJobs", "NextToken", "NextToken"):
        yield NativeJob(
            provider="ses-import",
            job_id=str(job["JobId"]),
            status=str(job.get("JobStatus", "")),
            created=job.get("CreatedTimestamp"),
            summary=_destination(job.get("ImportDestination") or {}),
            processed=job.get("ProcessedRecordsCount"),
            failed=job.get("FailedRecordsCount"),
        )


def _destination(destination: dict[str, Any]) -> str:
    contact_list = destination.get("ContactListDestination")
    if contact_list:
        action = contact_list.get("ContactListImportAction", "")
        return f"{action} into SES contact list '{contact_list.get('ContactListName')}'".strip()
    suppression = destination.get("SuppressionListDestination")
    if suppression:
        return f"{suppression.get('SuppressionListImportAction', '')} into SES account suppression list".strip()
    return "unknown destination"

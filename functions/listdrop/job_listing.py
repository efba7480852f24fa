"""The job APIs' own job lists (`listdrop jobs list --native PROVIDER`), for jobs started outside listdrop.

One small function per provider name, each following its API's pagination to the end and returning the
same row shape. Pagination, by API (botocore 1.44's models):
- sesv2 ListImportJobs and ListExportJobs have no botocore paginator: a NextToken loop, service page size;
- mailmanager ListAddressListImportJobs has one (PageSize 1-50; botocore checks only the minimum);
- pinpoint GetImportJobs has none: a Token loop, service page size.

Rows carry no pre-signed URLs (Mail Manager returns one per job: it grants upload access) and no addresses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

SES_IMPORT_DESTINATION_TYPES = ("CONTACT_LIST", "SUPPRESSION_LIST")
SES_EXPORT_SOURCE_TYPES = ("METRICS_DATA", "MESSAGE_INSIGHTS")
SES_EXPORT_STATUSES = ("CREATED", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED")
MAIL_MANAGER_MAX_PAGE_SIZE = 50


@dataclass(frozen=True)
class NativeQuery:
    """The filters of a native listing; each provider uses those its API knows and refuses the others."""

    status: str | None = None
    source_type: str | None = None
    destination_type: str | None = None
    address_list_id: str | None = None
    application_id: str | None = None
    page_size: int | None = None


@dataclass(frozen=True)
class NativeJob:
    provider: str
    job_id: str
    status: str
    created: datetime | None
    summary: str  # where the job writes (or, for exports, what it reads)
    processed: int | None = None
    failed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "jobId": self.job_id,
            "status": self.status,
            "createdAt": self.created.isoformat() if self.created else None,
            "summary": self.summary,
            "records": {"processed": self.processed, "failed": self.failed},
        }


Listing = Callable[[Any, NativeQuery], Iterator[NativeJob]]


def ses_import_jobs(sesv2: Any, query: NativeQuery) -> Iterator[NativeJob]:
    """SES v2 import jobs, of one destination type or all; the API has no status filter (the caller's)."""
    _refuse("ses-import", source_type=query.source_type, address_list_id=query.address_list_id)
    _refuse("ses-import", application_id=query.application_id)
    params: dict[str, Any] = {}
    if query.destination_type:
        params["ImportDestinationType"] = _one_of(
            "--destination-type", query.destination_type, SES_IMPORT_DESTINATION_TYPES
        )
    if query.page_size:
        params["PageSize"] = query.page_size
    for job in _token_pages(sesv2.list_import_jobs, params, "ImportJobs", "NextToken", "NextToken"):
        yield NativeJob(
            provider="ses-import",
            job_id=str(job["JobId"]),
            status=str(job.get("JobStatus", "")),
            created=job.get("CreatedTimestamp"),
            summary=_ses_import_destination(job.get("ImportDestination") or {}),
            processed=job.get("ProcessedRecordsCount"),
            failed=job.get("FailedRecordsCount"),
        )


def ses_export_jobs(sesv2: Any, query: NativeQuery) -> Iterator[NativeJob]:
    """SES v2 export jobs (metrics data, message insights), filtered by the API on source type and status."""
    _refuse("ses-export", destination_type=query.destination_type, address_list_id=query.address_list_id)
    _refuse("ses-export", application_id=query.application_id)
    params: dict[str, Any] = {}
    if query.source_type:
        params["ExportSourceType"] = _one_of("--source-type", query.source_type, SES_EXPORT_SOURCE_TYPES)
    if query.status:
        params["JobStatus"] = _one_of("--status", query.status, SES_EXPORT_STATUSES)
    if query.page_size:
        params["PageSize"] = query.page_size
    for job in _token_pages(sesv2.list_export_jobs, params, "ExportJobs", "NextToken", "NextToken"):
        yield NativeJob(
            provider="ses-export",
            job_id=str(job["JobId"]),
            status=str(job.get("JobStatus", "")),
            created=job.get("CreatedTimestamp"),
            summary=f"export of {job.get('ExportSourceType', 'unknown source')}",
        )


def mail_manager_import_jobs(mailmanager: Any, query: NativeQuery) -> Iterator[NativeJob]:
    """Mail Manager address-list import jobs of one address list (the API requires it)."""
    _refuse("mail-manager", source_type=query.source_type, destination_type=query.destination_type)
    _refuse("mail-manager", application_id=query.application_id)
    if not query.address_list_id:
        raise ValueError("--native mail-manager needs --address-list-id (the API lists one address list's jobs)")
    page_size = max(1, min(query.page_size or MAIL_MANAGER_MAX_PAGE_SIZE, MAIL_MANAGER_MAX_PAGE_SIZE))
    pages = mailmanager.get_paginator("list_address_list_import_jobs").paginate(
        AddressListId=query.address_list_id, PaginationConfig={"PageSize": page_size}
    )
    for page in pages:
        for job in page.get("ImportJobs", []):
            name = job.get("Name")
            yield NativeJob(
                provider="mail-manager",
                job_id=str(job["JobId"]),
                status=str(job.get("Status", "")),
                created=job.get("CreatedTimestamp"),
                summary=f"address list {job.get('AddressListId', query.address_list_id)}"
                + (f" ({name})" if name else ""),
                processed=job.get("ImportedItemsCount"),
                failed=job.get("FailedItemsCount"),
            )


def pinpoint_import_jobs(pinpoint: Any, query: NativeQuery) -> Iterator[NativeJob]:
    """Amazon Pinpoint import jobs of one application (project); the API has no status filter."""
    _refuse("pinpoint-import", source_type=query.source_type, destination_type=query.destination_type)
    _refuse("pinpoint-import", address_list_id=query.address_list_id)
    if not query.application_id:
        raise ValueError("--native pinpoint-import needs --application-id (the Pinpoint project id)")
    params: dict[str, Any] = {"ApplicationId": query.application_id}
    if query.page_size:
        params["PageSize"] = str(query.page_size)  # a string in this API
    for job in _token_pages(
        pinpoint.get_import_jobs, params, "ImportJobsResponse.Item", "ImportJobsResponse.NextToken", "Token"
    ):
        definition = job.get("Definition") or {}
        segment = definition.get("SegmentName") or definition.get("SegmentId")
        yield NativeJob(
            provider="pinpoint-import",
            job_id=str(job["Id"]),
            status=str(job.get("JobStatus", "")),
            created=_parse_time(job.get("CreationDate")),
            summary=f"segment {segment}" if segment else "endpoints only",
            processed=job.get("TotalProcessed"),
            failed=job.get("TotalFailures"),
        )


LISTINGS: dict[str, tuple[str, Listing]] = {
    # provider name -> (boto3 service name, listing)
    "ses-import": ("sesv2", ses_import_jobs),
    "ses-export": ("sesv2", ses_export_jobs),
    "mail-manager": ("mailmanager", mail_manager_import_jobs),
    "pinpoint-import": ("pinpoint", pinpoint_import_jobs),
}


def list_native(provider: str, client: Any, query: NativeQuery) -> Iterator[NativeJob]:
    """Every job of one provider that passes the query; the status filter applies to every provider, on the
    API's side where it has one, here otherwise."""
    try:
        _, listing = LISTINGS[provider]
    except KeyError:
        raise ValueError(f"unknown provider {provider!r}; known: {', '.join(sorted(LISTINGS))}") from None
    wanted = query.status.upper() if query.status else None
    for job in listing(client, query):
        if wanted is None or job.status.upper() == wanted:
            yield job


def _token_pages(
    call: Callable[..., dict[str, Any]], params: dict[str, Any], items_path: str, token_path: str, token_param: str
) -> Iterator[dict[str, Any]]:
    """Follow a NextToken-style API to its last page (for the APIs botocore has no paginator for)."""
    token: str | None = None
    while True:
        response = call(**params, **({token_param: token} if token else {}))
        yield from _at(response, items_path) or []
        token = _at(response, token_path)
        if not token:
            return


def _at(response: dict[str, Any], path: str) -> Any:
    value: Any = response
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _ses_import_destination(destination: dict[str, Any]) -> str:
    contact_list = destination.get("ContactListDestination")
    if contact_list:
        action = contact_list.get("ContactListImportAction", "")
        return f"{action} into SES contact list '{contact_list.get('ContactListName')}'".strip()
    suppression = destination.get("SuppressionListDestination")
    if suppression:
        return f"{suppression.get('SuppressionListImportAction', '')} into SES account suppression list".strip()
    return "unknown destination"


def _one_of(option: str, value: str, allowed: tuple[str, ...]) -> str:
    normalized = value.upper().replace("-", "_")
    if normalized not in allowed:
        raise ValueError(f"{option} must be one of {', '.join(allowed)} (got {value!r})")
    return normalized


def _refuse(provider: str, **given: str | None) -> None:
    for name, value in given.items():
        if value:
            raise ValueError(f"--native {provider} takes no --{name.replace('_', '-')}")


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

"""Mail Manager address-list import jobs as the API lists them: one address list's jobs (AddressListId is
required by ListAddressListImportJobs); botocore has a paginator (PageSize 1-50, botocore checks only the minimum).
Rows carry no pre-signed URLs (the API returns one per job: it grants upload access)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from listdrop.providers.native import NativeJob, NativeOption, NativeQuery

MAX_PAGE_SIZE = 50
OPTIONS = (NativeOption("address-list-id", "the Mail Manager address list whose import jobs to list (required)"),)


def import_jobs(mailmanager: Any, query: NativeQuery) -> Iterator[NativeJob]:
    address_list_id = query.required("address-list-id", "the Mail Manager API lists one address list's jobs")
    page_size = max(1, min(query.page_size or MAX_PAGE_SIZE, MAX_PAGE_SIZE))
    pages = mailmanager.get_paginator("list_address_list_import_jobs").paginate(
        AddressListId=address_list_id, PaginationConfig={"PageSize": page_size}
    )
    for page in pages:
        for job in page.get("ImportJobs", []):
            name = job.get("Name")
            yield NativeJob(
                provider="mail-manager",
                job_id=str(job["JobId"]),
                status=str(job.get("Status", "")),
                created=job.get("CreatedTimestamp"),
                summary=f"address list {job.get('AddressListId', address_list_id)}" + (f" ({name})" if name else ""),
                processed=job.get("ImportedItemsCount"),
                failed=job.get("FailedItemsCount"),
            )

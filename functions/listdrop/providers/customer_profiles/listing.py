"""Customer Profiles upload jobs as the API lists them: one domain's (DomainName is required by ListUploadJobs);
botocore has a paginator (MaxResults 1-500: the model's MaxSize500). The items carry no counts (UploadJobItem has
no ResultsSummary) and there is no status filter (the caller filters)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from listdrop.providers.customer_profiles.keys import PROVIDER
from listdrop.providers.native import NativeJob, NativeOption, NativeQuery

MAX_PAGE_SIZE = 500
OPTIONS = (NativeOption("domain-name", "the Customer Profiles domain whose upload jobs to list (required)"),)


def upload_jobs(profiles: Any, query: NativeQuery) -> Iterator[NativeJob]:
    domain = query.required("domain-name", "the Customer Profiles API lists one domain's jobs")
    page_size = max(1, min(query.page_size or MAX_PAGE_SIZE, MAX_PAGE_SIZE))
    pages = profiles.get_paginator("list_upload_jobs").paginate(
        DomainName=domain, PaginationConfig={"PageSize": page_size}
    )
    for page in pages:
        for job in page.get("Items", []):
            name = job.get("DisplayName")
            yield NativeJob(
                provider=PROVIDER,
                job_id=f"{domain}/{job['JobId']}",  # listdrop's id of the job: every call needs the domain too
                status=str(job.get("Status", "")),
                created=job.get("CreatedAt"),
                summary=f"domain {domain}" + (f" ({name})" if name else ""),
            )

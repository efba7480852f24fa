"""The SES v2 import-job, suppression-list and contact-listing operations (rest-json), one method each."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from localcloud.emulators.kit.errors import ApiError
from localcloud.emulators.kit.pagination import Paginator
from localcloud.emulators.kit.protocol import RestJson
from localcloud.emulators.kit.service import Responses
from localcloud.emulators.sesv2_import_jobs.files import SUPPRESSION_REASONS

if TYPE_CHECKING:
    from localcloud.emulators.sesv2_import_jobs.models import SesImportJobEmulator

# Operations always served by the emulator, and those served only while moto lacks them. ListContacts is moto's
# too, but moto 5's ignores PageSize, NextToken and Filter and returns every contact at once.
EMULATED_OPERATIONS = ("CreateImportJob", "GetImportJob", "ListImportJobs", "ListContacts")
FALLBACK_OPERATIONS = ("GetSuppressedDestination", "ListSuppressedDestinations")

# Neither default page size is documented; these are assumptions. ListSuppressedDestinations models an
# InvalidNextTokenException (botocore sesv2 model); ListImportJobs does not, so a bad token is a BadRequest.
IMPORT_JOBS_PAGES = Paginator(default_size=100, invalid_code="BadRequestException")
SUPPRESSION_PAGES = Paginator(
    default_size=1000, invalid_code="BadRequestException", cursor_code="InvalidNextTokenException"
)
# ListContacts models no InvalidNextTokenException (its errors: BadRequest, TooManyRequests, NotFound).
CONTACT_PAGES = Paginator(default_size=1000, invalid_code="BadRequestException")


def sesv2_error_body(error: ApiError) -> dict[str, Any]:
    """SES v2 writes ``{"message": ...}`` with the code in ``x-amzn-ErrorType``."""
    return {"message": error.message}


class SesImportResponses(Responses):
    service_name = "sesv2"
    protocol = RestJson(sesv2_error_body)
    invalid = "BadRequestException"

    def __init__(self, emulator: SesImportJobEmulator, operations: tuple[str, ...]) -> None:
        super().__init__(emulator, operations)
        self.backend = emulator

    def create_import_job(self, params: dict[str, Any]) -> dict[str, Any]:
        job = self.backend.create_import_job(params["ImportDestination"], params["ImportDataSource"])
        return {"JobId": job.job_id}

    def get_import_job(self, params: dict[str, Any]) -> dict[str, Any]:
        job = self.backend.find(params["JobId"])
        return job.describe(self.backend.failed_records_url(job))

    def list_import_jobs(self, params: dict[str, Any]) -> dict[str, Any]:
        wanted = params.get("ImportDestinationType")
        jobs = [job.summary() for job in self.backend.jobs() if wanted in (None, job.destination_type)]
        return IMPORT_JOBS_PAGES.output("ImportJobs", jobs, params, scope=f"jobs:{wanted}")

    def get_suppressed_destination(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_tenant(params)
        address = params["EmailAddress"]
        entry = self.backend.suppressed(address)
        if entry is None:
            raise ApiError("NotFoundException", f"Email address {address} does not exist on your suppression list.")
        reason, updated = entry
        return {"SuppressedDestination": {"EmailAddress": address, "Reason": reason, "LastUpdateTime": updated}}

    def list_suppressed_destinations(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_tenant(params)
        reasons = params.get("Reasons") or list(SUPPRESSION_REASONS)
        start, end = params.get("StartDate"), params.get("EndDate")
        entries = self.backend.suppressed_between(reasons, start, end)
        scope = f"suppressed:{sorted(reasons)}:{start}:{end}"
        return SUPPRESSION_PAGES.output("SuppressedDestinationSummaries", entries, params, scope=scope)

    def list_contacts(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["ContactListName"]
        contact_filter = params.get("Filter") or {}
        contacts = self.backend.contacts(name, contact_filter)
        scope = f"contacts:{name}:{sorted(contact_filter.items(), key=str)}"
        return CONTACT_PAGES.output("Contacts", contacts, params, scope=scope)


def _check_tenant(params: dict[str, Any]) -> None:
    if params.get("TenantName"):
        raise ApiError("NotFoundException", f"Tenant {params['TenantName']} does not exist.")

"""The Customer Profiles domain and upload-job operations (rest-json, signing name ``profile``), one method each.

Errors are ``{"Message": ...}`` with the code in ``x-amzn-ErrorType`` (botocore customer-profiles 2020-08-15: every
error shape has the one member ``Message``); timestamps are epoch seconds (rest-json's default: the model gives no
``timestampFormat``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from localcloud.emulators.kit.errors import ApiError
from localcloud.emulators.kit.pagination import Paginator
from localcloud.emulators.kit.protocol import RestJson
from localcloud.emulators.kit.service import Responses

if TYPE_CHECKING:
    from localcloud.emulators.customer_profiles.models import CustomerProfilesEmulator

OPERATIONS = (
    "CreateDomain",
    "GetDomain",
    "DeleteDomain",
    "ListDomains",
    "CreateUploadJob",
    "GetUploadJobPath",
    "StartUploadJob",
    "GetUploadJob",
    "StopUploadJob",
    "ListUploadJobs",
    "SearchProfiles",
)

# MaxResults is 1-100 for ListDomains and 1-500 for ListUploadJobs (botocore maxSize100, MaxSize500); the page
# size without one is not documented: 20, an assumption.
PAGES = Paginator(default_size=20, invalid_code="BadRequestException", size_member="MaxResults")


def error_body(error: ApiError) -> dict[str, Any]:
    return {"Message": error.message}


class CustomerProfilesResponses(Responses):
    service_name = "customer-profiles"
    protocol = RestJson(error_body)
    invalid = "BadRequestException"

    def __init__(self, emulator: CustomerProfilesEmulator, operations: tuple[str, ...]) -> None:
        super().__init__(emulator, operations)
        self.backend = emulator

    # ----------------------------------------------------------------------------------------- domains

    def create_domain(self, params: dict[str, Any]) -> dict[str, Any]:
        described = self.backend.create_domain(params).describe()
        return {key: value for key, value in described.items() if key != "Stats"}  # CreateDomainResponse has none

    def get_domain(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.backend.domain(params["DomainName"]).describe()

    def delete_domain(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.delete_domain(params["DomainName"])
        return {"Message": f"Domain {params['DomainName']} was deleted."}

    def list_domains(self, params: dict[str, Any]) -> dict[str, Any]:
        return PAGES.output("Items", [domain.item() for domain in self.backend.domains()], params, scope="domains")

    # ------------------------------------------------------------------------------------- upload jobs

    def create_upload_job(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"JobId": self.backend.create_upload_job(params).job_id}

    def get_upload_job_path(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.backend.upload_path(self.backend.find(params["DomainName"], params["JobId"]))

    def start_upload_job(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.start_upload_job(self.backend.find(params["DomainName"], params["JobId"]))
        return {}

    def get_upload_job(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.backend.find(params["DomainName"], params["JobId"]).describe()

    def stop_upload_job(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.stop_upload_job(self.backend.find(params["DomainName"], params["JobId"]))
        return {}

    def list_upload_jobs(self, params: dict[str, Any]) -> dict[str, Any]:
        domain_name = params["DomainName"]
        items = [job.item() for job in self.backend.jobs_of(domain_name)]
        return PAGES.output("Items", items, params, scope=f"upload-jobs:{domain_name}")

    # ---------------------------------------------------------------------------------------- profiles

    def search_profiles(self, params: dict[str, Any]) -> dict[str, Any]:
        if "AdditionalSearchKeys" in params or "LogicalOperator" in params:
            raise ApiError("BadRequestException", "The emulator searches by one key (no AdditionalSearchKeys).")
        found = self.backend.search_profiles(params["DomainName"], params["KeyName"], params["Values"])
        return PAGES.output("Items", found, params, scope=f"profiles:{params['DomainName']}")

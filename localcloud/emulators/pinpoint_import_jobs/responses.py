"""The Pinpoint import-job, segment and endpoint operations (rest-json), one method each. Outputs are the
operations' payload members (e.g. ImportJobResponse), which botocore reads as the whole body."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from localcloud.emulators.kit.errors import ApiError
from localcloud.emulators.kit.pagination import Paginator
from localcloud.emulators.kit.protocol import RestJson
from localcloud.emulators.kit.service import Responses

if TYPE_CHECKING:
    from localcloud.emulators.pinpoint_import_jobs.models import PinpointImportJobEmulator

# Operations always served by the emulator, and those served only while moto lacks them.
EMULATED_OPERATIONS = ("CreateImportJob", "GetImportJob", "GetImportJobs")
FALLBACK_OPERATIONS = ("GetSegment", "GetSegments", "GetEndpoint")

# Pinpoint's listings take PageSize and Token as strings (botocore pinpoint model); 100 per page, in creation
# order, when no size is given (an assumption: not documented).
PAGES = Paginator(default_size=100, invalid_code="BadRequestException", cursor_member="Token")


def pinpoint_error_body(error: ApiError) -> dict[str, Any]:
    """Pinpoint's MessageBody: ``{"Message", "RequestID"}`` (botocore pinpoint model, e.g. BadRequestException)."""
    return {"Message": error.message, "RequestID": str(uuid.uuid4())}


class PinpointResponses(Responses):
    service_name = "pinpoint"
    protocol = RestJson(pinpoint_error_body)
    invalid = "BadRequestException"

    def __init__(self, emulator: PinpointImportJobEmulator, operations: tuple[str, ...]) -> None:
        super().__init__(emulator, operations)
        self.backend = emulator

    def check(self, params: dict[str, Any]) -> None:
        """Every operation names an application, which must exist (moto keeps the apps)."""
        self.backend.check_app(params["ApplicationId"])

    def create_import_job(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.backend.create_import_job(params["ApplicationId"], params["ImportJobRequest"]).describe()

    def get_import_job(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.backend.find(params["ApplicationId"], params["JobId"]).describe()

    def get_import_jobs(self, params: dict[str, Any]) -> dict[str, Any]:
        app_id = params["ApplicationId"]
        jobs = [job.describe() for job in self.backend.app_jobs(app_id)]
        return PAGES.output("Item", jobs, params, scope=f"import-jobs:{app_id}")

    def get_segment(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.backend.segment(params["ApplicationId"], params["SegmentId"]).describe()

    def get_segments(self, params: dict[str, Any]) -> dict[str, Any]:
        app_id = params["ApplicationId"]
        segments = [segment.describe() for segment in self.backend.app_segments(app_id)]
        return PAGES.output("Item", segments, params, scope=f"segments:{app_id}")

    def get_endpoint(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.backend.endpoint(params["ApplicationId"], params["EndpointId"])

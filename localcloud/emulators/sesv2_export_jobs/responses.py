"""The SES v2 export-job operations (rest-json), one method each."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from localcloud.emulators.kit.pagination import Paginator
from localcloud.emulators.kit.protocol import Call, RestJson
from localcloud.emulators.kit.service import Responses
from localcloud.emulators.sesv2_import_jobs.responses import sesv2_error_body

if TYPE_CHECKING:
    from localcloud.emulators.sesv2_export_jobs.models import SesExportJobEmulator

EMULATED_OPERATIONS = ("CreateExportJob", "GetExportJob", "ListExportJobs", "CancelExportJob")
EXPORT_JOBS_PAGES = Paginator(default_size=100, invalid_code="BadRequestException")  # size: an assumption


class SesExportResponses(Responses):
    service_name = "sesv2"
    protocol = RestJson(sesv2_error_body)
    invalid = "BadRequestException"

    def __init__(self, emulator: SesExportJobEmulator, operations: tuple[str, ...]) -> None:
        super().__init__(emulator, operations)
        self.backend = emulator

    def admit(self, call: Call) -> None:
        if call.operation == "CreateExportJob":
            self.backend.throttle()

    def create_export_job(self, params: dict[str, Any]) -> dict[str, Any]:
        job = self.backend.create_export_job(params["ExportDataSource"], params["ExportDestination"])
        return {"JobId": job.job_id}

    def get_export_job(self, params: dict[str, Any]) -> dict[str, Any]:
        job = self.backend.find(params["JobId"])
        return job.describe(self.backend.result_url(job))

    def list_export_jobs(self, params: dict[str, Any]) -> dict[str, Any]:
        """The JobStatus filter is evaluated on each call, so a job that changes status between two pages can
        move in or out of the listing (an assumption)."""
        source_type, status = params.get("ExportSourceType"), params.get("JobStatus")
        jobs = [
            job.summary()
            for job in self.backend.jobs()
            if source_type in (None, job.source_type) and status in (None, job.status)
        ]
        return EXPORT_JOBS_PAGES.output("ExportJobs", jobs, params, scope=f"export-jobs:{source_type}:{status}")

    def cancel_export_job(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.cancel(self.backend.find(params["JobId"]))
        return {}

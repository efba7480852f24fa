"""SES v2 export jobs: the state and SES's rules (the package docstring lists the sources and assumptions).

A job is CREATED, PROCESSING from ``processing_after`` seconds on, and at ``complete_after`` writes its file
(or fails) unless it was cancelled. ``hold`` keeps due jobs PROCESSING until released; ``fail_next`` makes the
next job created end FAILED.
"""

from __future__ import annotations

import copy
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from localcloud.emulators.kit import dispatch
from localcloud.emulators.kit.errors import ApiError
from localcloud.emulators.kit.lifecycle import TimedJob
from localcloud.emulators.kit.routes import RestRoutes
from localcloud.emulators.kit.service import Emulator, service_model
from localcloud.emulators.sesv2_export_jobs.files import (
    MESSAGE_COLUMNS,
    MESSAGE_INSIGHTS,
    METRICS_DATA,
    MessageRow,
    MetricsRow,
    export_messages,
    export_metrics,
    is_midnight,
    metrics_columns,
    render,
    utc,
)
from localcloud.emulators.sesv2_export_jobs.responses import EMULATED_OPERATIONS, SesExportResponses

LOGGER = logging.getLogger(__name__)

EXPORT_URL_TTL_SECONDS = 300  # doc: "The URL expires five minutes after GetExportJob returns it."
SOURCE_KINDS = ("MetricsDataSource", "MessageInsightsDataSource")


@dataclass(kw_only=True)
class EmulatedExportJob(TimedJob):
    """One export job; tests read it through ``SesExportJobEmulator.job``."""

    source_type: str
    data_source: dict[str, Any]
    data_format: str
    forced_failure: str | None = None
    processed_records_count: int = 0
    exported_records_count: int = 0
    error_message: str | None = None
    result_key: str | None = None

    def finish(
        self,
        status: str,
        *,
        processed: int = 0,
        exported: int = 0,
        error: str | None = None,
        result_key: str | None = None,
    ) -> bool:
        """End the job unless it has ended already (a cancel wins over a run finishing later)."""
        with self._lock:
            if self.final_status:
                return False
            self.processed_records_count = processed
            self.exported_records_count = exported
            self.error_message = error
            self.result_key = result_key
        return self.end(status)

    def summary(self) -> dict[str, Any]:
        """The ExportJobSummary shape."""
        status = self.status
        summary: dict[str, Any] = {
            "JobId": self.job_id,
            "ExportSourceType": self.source_type,
            "JobStatus": status,
            "CreatedTimestamp": self.created_at,
        }
        with self._lock:
            if self.completed_at is not None:
                summary["CompletedTimestamp"] = self.completed_at
        return summary

    def describe(self, result_url: str | None) -> dict[str, Any]:
        """The GetExportJob output shape."""
        description = self.summary()
        destination: dict[str, str] = {"DataFormat": self.data_format}
        if result_url:
            destination["S3Url"] = result_url
        description["ExportDestination"] = destination
        description["ExportDataSource"] = copy.deepcopy(self.data_source)
        with self._lock:
            if self.final_status == "FAILED":
                description["FailureInfo"] = {"ErrorMessage": self.error_message or "The export job failed."}
            description["Statistics"] = {
                "ProcessedRecordsCount": self.processed_records_count,
                "ExportedRecordsCount": self.exported_records_count,
            }
        return description


class SesExportJobEmulator(Emulator[EmulatedExportJob]):
    """SES v2 export jobs over data seeded with :meth:`seed_metrics` / :meth:`seed_messages`."""

    title = "SES export"

    def __init__(
        self,
        endpoint_url: str,
        *,
        account_id: str = "123456789012",
        region: str = "us-east-1",
        processing_after: float = 0.3,
        complete_after: float = 1.0,
        create_interval_seconds: float = 1.0,
        url_ttl_seconds: int = EXPORT_URL_TTL_SECONDS,
        results_bucket: str = "listdrop-localcloud-ses-exports",
    ) -> None:
        super().__init__(endpoint_url, account_id, region, processing_after, complete_after)
        self.create_interval_seconds = create_interval_seconds
        self.url_ttl_seconds = url_ttl_seconds
        self.results_bucket = results_bucket
        self._metrics: list[MetricsRow] = []
        self._messages: list[MessageRow] = []
        self._last_create: float | None = None

    def route(self) -> dispatch.Route:
        responses = SesExportResponses(self, EMULATED_OPERATIONS)
        return responses.route(RestRoutes(service_model("sesv2"), EMULATED_OPERATIONS))

    def _forget(self) -> None:
        """Jobs, seeded data and the throttle."""
        with self._lock:
            self._metrics.clear()
            self._messages.clear()
            self._last_create = None

    def seeders(self) -> dict[str, Callable[[Iterable[Mapping[str, Any]]], None]]:
        return {"metrics": self.seed_metrics, "messages": self.seed_messages}

    def seed_metrics(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Add daily VDM counts: ``{"date": date | "YYYY-MM-DD", "dimensions": {"EMAIL_IDENTITY": ...,
        "CONFIGURATION_SET": ..., "ISP": ..., "TENANT_NAME": ...}, "counts": {"SEND": 100, "DELIVERY": 97,
        ...}}`` (metric names as in the API). ValueError on unknown names or bad counts."""
        parsed = [MetricsRow.parse(row) for row in rows]
        with self._lock:
            self._metrics.extend(parsed)

    def seed_messages(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Add messages for Message Insights: ``{"message_id", "from_email_address", "destination",
        "subject", "isp", "last_delivery_event" (DeliveryEventType), "last_engagement_event" (OPEN | CLICK |
        None), "sent_time" (datetime, naive = UTC, or ISO string), "tenant_name" (optional)}``."""
        parsed = [MessageRow.parse(row) for row in rows]
        with self._lock:
            self._messages.extend(parsed)

    # ------------------------------------------------------------------------------------ operations

    def throttle(self) -> None:
        """CreateExportJob may be called "no more than once per second" (the doc); the throttle counts every
        call it lets through, valid or not (an assumption)."""
        now = time.monotonic()
        with self._lock:
            last = self._last_create
            if last is not None and now - last < self.create_interval_seconds:
                raise ApiError(
                    "TooManyRequestsException", "Too many requests: CreateExportJob is limited to one call per second."
                )
            self._last_create = now

    def create_export_job(self, source: dict[str, Any], destination: dict[str, Any]) -> EmulatedExportJob:
        kinds = [kind for kind in SOURCE_KINDS if kind in source]
        if len(kinds) != 1:
            raise ApiError(
                "BadRequestException",
                "ExportDataSource must contain exactly one of MetricsDataSource and MessageInsightsDataSource.",
            )
        if "S3Url" in destination:
            raise ApiError(
                "BadRequestException",
                "ExportDestination.S3Url must not be set: SES writes the export file to a location it manages.",
            )
        kind = kinds[0]
        spec = _checked_source(kind, copy.deepcopy(source[kind]))
        now = time.time()
        job = EmulatedExportJob(
            job_id=str(uuid.uuid4()),
            source_type=METRICS_DATA if kind == "MetricsDataSource" else MESSAGE_INSIGHTS,
            data_source={kind: spec},
            data_format=destination["DataFormat"],
            created_at=now,
            processing_at=now + self.processing_after,
            forced_failure=self.lifecycle.take_failure(),
        )
        with self._lock:
            self._jobs[job.job_id] = job
        self.lifecycle.schedule(job.job_id, self.complete_after, lambda: self._run(job))
        LOGGER.info("SES export job %s created (%s, %s)", job.job_id, job.source_type, job.data_format)
        return job

    def find(self, job_id: str) -> EmulatedExportJob:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise ApiError("NotFoundException", f"Export job {job_id} does not exist.")
        return job

    def result_url(self, job: EmulatedExportJob) -> str | None:
        """A fresh GET URL per call once the job COMPLETED, like SES hands out on each GetExportJob."""
        key = job.result_key if job.status == "COMPLETED" else None
        if not key:
            return None
        return self.s3.presigned_url("get_object", self.results_bucket, key, self.url_ttl_seconds)

    def cancel(self, job: EmulatedExportJob) -> None:
        """CancelExportJob models no ConflictException: cancelling a finished job is a BadRequestException."""
        if not job.finish("CANCELLED"):
            raise ApiError(
                "BadRequestException",
                f"Export job {job.job_id} is {job.status}; only CREATED or PROCESSING jobs can be cancelled.",
            )
        self.lifecycle.cancel(job.job_id)
        LOGGER.info("SES export job %s cancelled", job.job_id)

    # ------------------------------------------------------------------------------------ processing

    def _run(self, job: EmulatedExportJob) -> None:
        """Due: produce the job's file exactly once (unless it was cancelled or reset meanwhile)."""
        with self._lock:
            if self._jobs.get(job.job_id) is not job or job.final_status:
                return
            metrics, messages = list(self._metrics), list(self._messages)
        if job.forced_failure is not None:
            job.finish("FAILED", error=job.forced_failure)
        else:
            self._export(job, metrics, messages)
        LOGGER.info("SES export job %s %s", job.job_id, job.final_status)

    def _export(self, job: EmulatedExportJob, metrics: list[MetricsRow], messages: list[MessageRow]) -> None:
        try:
            if job.source_type == METRICS_DATA:
                spec = job.data_source["MetricsDataSource"]
                processed, records = export_metrics(spec, metrics)
                columns = metrics_columns(spec)
            else:
                processed, records = export_messages(job.data_source["MessageInsightsDataSource"], messages)
                columns = list(MESSAGE_COLUMNS)
            key = f"exports/{job.job_id}.{job.data_format.lower()}"
            self.s3.put(self.results_bucket, key, render(records, columns, job.data_format))
        except Exception as exc:  # keep the job observable instead of leaving it PROCESSING forever
            LOGGER.error("SES export job %s: unexpected %s", job.job_id, type(exc).__name__)
            job.finish("FAILED", error=f"Internal emulator error ({type(exc).__name__})")
            return
        job.finish("COMPLETED", processed=processed, exported=len(records), result_key=key)


def _checked_source(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The data source with its dates as epoch seconds, after SES's rules the model does not state."""
    start, end = utc(spec["StartDate"]), utc(spec["EndDate"])
    if start >= end:
        raise ApiError("BadRequestException", f"{kind}.StartDate must be before {kind}.EndDate.")
    if kind == "MetricsDataSource":
        if not (is_midnight(start) and is_midnight(end)):
            # Quoted by an AWS sample that feeds CreateExportJob (see the package docstring).
            raise ApiError(
                "BadRequestException",
                "To get daily aggregated data you must not specify partial-day timestamps. "
                "Please make your interval go from midnight to midnight UTC.",
            )
        for index, metric in enumerate(spec["Metrics"]):
            if "Name" not in metric:
                raise ApiError("BadRequestException", f"MetricsDataSource.Metrics[{index}].Name is required.")
    spec["StartDate"], spec["EndDate"] = start.timestamp(), end.timestamp()
    return spec

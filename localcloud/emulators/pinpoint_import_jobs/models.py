"""Pinpoint endpoint import jobs, endpoints and imported segments: the state and the service's rules.

A job walks one status per ``step_seconds`` (``job.history`` records it):

* success: CREATED -> PREPARING_FOR_INITIALIZATION -> INITIALIZING -> PROCESSING -> PENDING_JOB ->
  COMPLETING -> COMPLETED
* failure: ... -> (INITIALIZING or PROCESSING) -> FAILING -> FAILED

At INITIALIZING the role is assumed and the pieces are listed; at PROCESSING each piece (one S3 object) is read
as the role and its endpoints registered; at COMPLETING the segment is created or updated. ``hold`` keeps jobs at
PROCESSING (their work done); ``fail_next`` makes the next job created fail at PROCESSING.
"""

from __future__ import annotations

import copy
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from localcloud.emulators.kit import dispatch
from localcloud.emulators.kit.errors import ApiError, JobFailure
from localcloud.emulators.kit.records import RecordError
from localcloud.emulators.kit.routes import RestRoutes, moto_lacks
from localcloud.emulators.kit.s3 import S3Location
from localcloud.emulators.kit.service import Emulator, Placement, service_model
from localcloud.emulators.pinpoint_import_jobs.files import (
    PieceFailure,
    endpoint_definitions,
    of_other_format,
    piece_text,
)
from localcloud.emulators.pinpoint_import_jobs.responses import (
    EMULATED_OPERATIONS,
    FALLBACK_OPERATIONS,
    PinpointResponses,
)
from localcloud.emulators.pinpoint_import_jobs.roles import ROLE_ARN_RE, AssumedRole, assume_role

LOGGER = logging.getLogger(__name__)

MAX_FAILURE_ENTRIES = 100

SUCCESS_PATH = (
    "CREATED",
    "PREPARING_FOR_INITIALIZATION",
    "INITIALIZING",
    "PROCESSING",
    "PENDING_JOB",
    "COMPLETING",
    "COMPLETED",
)
FAILURE_TAIL = ("FAILING", "FAILED")
FINAL_STATUSES = frozenset({"COMPLETED", "FAILED"})


class RecordedFailure(JobFailure):
    """Ends a job as FAILED; its reasons are already in the job's Failures."""


def _now() -> str:
    """ISO 8601 with milliseconds, the way Pinpoint writes its dates."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class EmulatedPinpointImportJob:
    """One import job as the emulator tracks it; tests read it through ``PinpointImportJobEmulator.job``."""

    application_id: str
    job_id: str
    definition: dict[str, Any]
    creation_date: str
    injected_failure: str | None = None
    status: str = "CREATED"
    history: list[str] = field(default_factory=lambda: ["CREATED"])
    total_pieces: int = 0
    completed_pieces: int = 0
    failed_pieces: int = 0
    total_processed: int = 0
    total_failures: int = 0
    failures: list[str] = field(default_factory=list)
    completion_date: str | None = None
    segment_id: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _done: threading.Event = field(default_factory=threading.Event, repr=False)

    def set_status(self, status: str) -> None:
        with self._lock:
            self.status = status
            self.history.append(status)
            if status in FINAL_STATUSES:
                self.completion_date = _now()
        if status in FINAL_STATUSES:
            self._done.set()

    def add_failure(self, entry: str, *, count: bool = True) -> None:
        with self._lock:
            if count:
                self.total_failures += 1
            if len(self.failures) < MAX_FAILURE_ENTRIES:
                self.failures.append(entry)

    def wait(self, timeout: float) -> bool:
        """Block until the job has ended; True if it did within ``timeout`` seconds."""
        return self._done.wait(timeout)

    def describe(self) -> dict[str, Any]:
        """The ImportJobResponse shape."""
        with self._lock:
            response: dict[str, Any] = {
                "ApplicationId": self.application_id,
                "Id": self.job_id,
                "Type": "IMPORT",
                "JobStatus": self.status,
                "CreationDate": self.creation_date,
                "Definition": copy.deepcopy(self.definition),
                "TotalPieces": self.total_pieces,
                "CompletedPieces": self.completed_pieces,
                "FailedPieces": self.failed_pieces,
                "TotalProcessed": self.total_processed,
                "TotalFailures": self.total_failures,
            }
            if self.failures:
                response["Failures"] = list(self.failures)
            if self.completion_date:
                response["CompletionDate"] = self.completion_date
        return response


@dataclass
class EmulatedSegment:
    """An imported segment: the SegmentResponse members plus the endpoint ids it holds."""

    application_id: str
    segment_id: str
    name: str
    arn: str
    creation_date: str
    members: dict[str, str] = field(default_factory=dict)  # endpoint id -> channel type ("" if unknown)
    version: int = 1
    last_modified_date: str | None = None
    import_definition: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        channel_counts: dict[str, int] = {}
        for channel in self.members.values():
            if channel:
                channel_counts[channel] = channel_counts.get(channel, 0) + 1
        response: dict[str, Any] = {
            "ApplicationId": self.application_id,
            "Arn": self.arn,
            "CreationDate": self.creation_date,
            "Id": self.segment_id,
            "Name": self.name,
            "SegmentType": "IMPORT",
            "Version": self.version,
            "ImportDefinition": {**self.import_definition, "Size": len(self.members), "ChannelCounts": channel_counts},
        }
        if self.last_modified_date:
            response["LastModifiedDate"] = self.last_modified_date
        return response


class PinpointImportJobEmulator(Emulator[EmulatedPinpointImportJob]):
    """Pinpoint endpoint import jobs (and, while moto lacks them, endpoint and segment reads) on moto's server."""

    title = "Pinpoint"

    @classmethod
    def create(cls, placement: Placement) -> PinpointImportJobEmulator:
        """A job takes a step every half of the placement's processing window."""
        return cls(
            placement.endpoint_url,
            account_id=placement.account_id,
            region=placement.region,
            step_seconds=placement.processing_after / 2,
        )

    def __init__(
        self,
        endpoint_url: str,
        account_id: str = "123456789012",
        region: str = "us-east-1",
        step_seconds: float = 0.2,
    ) -> None:
        if step_seconds < 0:
            raise ValueError("step_seconds must not be negative")
        super().__init__(endpoint_url, account_id, region)
        self.step_seconds = step_seconds
        self._endpoints: dict[str, dict[str, dict[str, Any]]] = {}
        self._segments: dict[str, dict[str, EmulatedSegment]] = {}

    def route(self) -> dispatch.Route:
        from moto.pinpoint.responses import PinpointResponse

        served = (*EMULATED_OPERATIONS, *(op for op in FALLBACK_OPERATIONS if moto_lacks(PinpointResponse, op)))
        return PinpointResponses(self, served).route(RestRoutes(service_model("pinpoint"), served))

    def _forget(self) -> None:
        with self._lock:
            self._endpoints.clear()
            self._segments.clear()

    def endpoints(self, application_id: str) -> dict[str, dict[str, Any]]:
        """Registered endpoints of the app: id -> EndpointResponse (a copy)."""
        with self._lock:
            return copy.deepcopy(self._endpoints.get(application_id, {}))

    def segments(self, application_id: str) -> dict[str, dict[str, Any]]:
        """Segments of the app: id -> SegmentResponse, plus ``EndpointIds`` (emulator-only) for tests."""
        with self._lock:
            return {
                segment_id: {**segment.describe(), "EndpointIds": sorted(segment.members)}
                for segment_id, segment in self._segments.get(application_id, {}).items()
            }

    # ------------------------------------------------------------------------------------ operations

    def check_app(self, application_id: str) -> None:
        from moto.pinpoint.models import pinpoint_backends

        if application_id not in pinpoint_backends[self.account_id][self.region].apps:
            raise ApiError("NotFoundException", "Application not found")

    def create_import_job(self, app_id: str, request: dict[str, Any]) -> EmulatedPinpointImportJob:
        try:
            S3Location.parse(request["S3Url"])
        except ValueError as exc:
            raise ApiError("BadRequestException", "S3Url must be an s3://bucket-name/prefix URL.") from exc
        if not ROLE_ARN_RE.fullmatch(request["RoleArn"]):
            raise ApiError("BadRequestException", "RoleArn must be the ARN of an IAM role.")
        segment_id = request.get("SegmentId")
        if segment_id:
            self.segment(app_id, segment_id)
        elif request.get("DefineSegment") and not request.get("SegmentName"):
            raise ApiError("BadRequestException", "SegmentName is required when DefineSegment is true.")
        definition = {
            "DefineSegment": False,
            "ExternalId": self.account_id,
            "RegisterEndpoints": False,
            **copy.deepcopy(request),
        }
        job = EmulatedPinpointImportJob(
            application_id=app_id,
            job_id=uuid.uuid4().hex,
            definition=definition,
            creation_date=_now(),
            injected_failure=self.lifecycle.take_failure(),
        )
        with self._lock:
            self._jobs[(app_id, job.job_id)] = job
        self._next(job, lambda: self._prepare(job))
        LOGGER.info("Pinpoint import job %s created for app %s (%s)", job.job_id, app_id, request["Format"])
        return job

    def find(self, app_id: str, job_id: str) -> EmulatedPinpointImportJob:
        with self._lock:
            job = self._jobs.get((app_id, job_id))
        if job is None:
            raise ApiError("NotFoundException", f"Import job {job_id} not found")
        return job

    def app_jobs(self, app_id: str) -> list[EmulatedPinpointImportJob]:
        with self._lock:
            return [job for (owner, _), job in self._jobs.items() if owner == app_id]

    def segment(self, app_id: str, segment_id: str) -> EmulatedSegment:
        with self._lock:
            segment = self._segments.get(app_id, {}).get(segment_id)
        if segment is None:
            raise ApiError("NotFoundException", f"Segment {segment_id} not found")
        return segment

    def app_segments(self, app_id: str) -> list[EmulatedSegment]:
        with self._lock:
            return list(self._segments.get(app_id, {}).values())

    def endpoint(self, app_id: str, endpoint_id: str) -> dict[str, Any]:
        with self._lock:
            endpoint = self._endpoints.get(app_id, {}).get(endpoint_id)
            if endpoint is None:
                raise ApiError("NotFoundException", f"Endpoint {endpoint_id} not found")
            return copy.deepcopy(endpoint)

    # ------------------------------------------------------------------------------------ processing

    def _next(self, job: EmulatedPinpointImportJob, phase: Callable[[], None], *, holdable: bool = False) -> None:
        """Run the job's next phase one step from now; a failure sends the job down the failure tail. Only the
        step after PROCESSING is ``holdable``: a held job does its work and then waits at PROCESSING."""
        key = f"{job.application_id}/{job.job_id}"
        self.lifecycle.schedule(key, self.step_seconds, lambda: self._run(job, phase), holdable=holdable)

    def _run(self, job: EmulatedPinpointImportJob, phase: Callable[[], None]) -> None:
        try:
            phase()
        except JobFailure as exc:
            if not isinstance(exc, RecordedFailure):
                job.add_failure(str(exc), count=False)
            self._next(job, lambda: self._failing(job))
        except Exception as exc:  # keep the job observable instead of leaving it running forever
            LOGGER.error("Pinpoint import job %s: unexpected %s: %s", job.job_id, type(exc).__name__, exc)
            job.add_failure(f"Internal emulator error ({type(exc).__name__})", count=False)
            self._next(job, lambda: self._failing(job))

    def _prepare(self, job: EmulatedPinpointImportJob) -> None:
        job.set_status("PREPARING_FOR_INITIALIZATION")
        self._next(job, lambda: self._initialize(job))

    def _initialize(self, job: EmulatedPinpointImportJob) -> None:
        job.set_status("INITIALIZING")
        app_arn = f"arn:aws:mobiletargeting:{self.region}:{self.account_id}:apps/{job.application_id}"
        # What Pinpoint sends when it assumes the role: aws:SourceAccount and aws:SourceArn, the application
        # (https://docs.aws.amazon.com/pinpoint/latest/developerguide/permissions-import-segment.html), and
        # sts:ExternalId when the job names one.
        context = {"aws:SourceAccount": self.account_id, "aws:SourceArn": app_arn, "aws:SecureTransport": "true"}
        if job.definition.get("ExternalId"):
            context["sts:ExternalId"] = str(job.definition["ExternalId"])
        role = assume_role(job.definition["RoleArn"], self.account_id, context)
        pieces = self._pieces(job.definition["S3Url"], job.definition["Format"])
        with job._lock:
            job.total_pieces = len(pieces)
        self._next(job, lambda: self._process(job, role, pieces))

    def _pieces(self, s3_url: str, data_format: str) -> list[S3Location]:
        """The objects the job imports: the object named by the URL, else every object under it as a prefix."""
        location = S3Location.parse(s3_url)
        names = self.s3.keys(location.bucket, location.key)
        if location.key in names and not location.key.endswith("/"):
            names = [location.key]
        pieces = [
            S3Location(location.bucket, name)
            for name in names
            if not name.endswith("/") and not of_other_format(name, data_format)
        ]
        if not pieces:
            raise JobFailure(f"No {data_format} files were found at {s3_url}")
        return pieces

    def _process(self, job: EmulatedPinpointImportJob, role: AssumedRole, pieces: list[S3Location]) -> None:
        """Import every piece, collecting the segment members (endpoint id -> channel type)."""
        job.set_status("PROCESSING")
        if job.injected_failure is not None:
            raise JobFailure(job.injected_failure)
        members: dict[str, str] = {}
        register = bool(job.definition.get("RegisterEndpoints"))
        for piece in pieces:
            try:
                records = list(endpoint_definitions(piece, self._read(piece, role), job.definition["Format"]))
            except PieceFailure as exc:
                job.add_failure(str(exc), count=False)
                with job._lock:
                    job.failed_pieces += 1
                continue
            for line, record in records:
                if not isinstance(record, RecordError):
                    try:
                        endpoint_id, channel = self._apply_endpoint(job.application_id, record, register)
                        members[endpoint_id] = channel
                    except RecordError as exc:
                        record = exc
                with job._lock:
                    job.total_processed += 1
                if isinstance(record, RecordError):
                    job.add_failure(f"{piece.url} line {line.number}: {record}")
            with job._lock:
                job.completed_pieces += 1
        self._next(job, lambda: self._pending(job, members), holdable=True)

    def _read(self, piece: S3Location, role: AssumedRole) -> str:
        """The piece's text, read as the assumed role; PieceFailure when it cannot be read or decoded."""
        bucket = self.s3.bucket(piece.bucket)
        reason = role.denied_reason("s3:GetObject", piece.arn, bucket.policy if bucket is not None else None)
        if reason:
            raise PieceFailure(f"Access denied reading {piece.url}: {reason}")
        data = self.s3.get(piece.bucket, piece.key)
        if data is None:
            raise PieceFailure(f"Cannot read {piece.url}: the object no longer exists")
        return piece_text(piece, data)

    def _pending(self, job: EmulatedPinpointImportJob, members: dict[str, str]) -> None:
        if job.failed_pieces == job.total_pieces:
            raise RecordedFailure(f"All {job.total_pieces} piece(s) failed")
        job.set_status("PENDING_JOB")
        self._next(job, lambda: self._completing(job, members))

    def _completing(self, job: EmulatedPinpointImportJob, members: dict[str, str]) -> None:
        job.set_status("COMPLETING")
        self._apply_segment(job, members)
        self._next(job, lambda: self._completed(job))

    def _completed(self, job: EmulatedPinpointImportJob) -> None:
        job.set_status("COMPLETED")
        LOGGER.info(
            "Pinpoint import job %s COMPLETED: %d processed, %d failed",
            job.job_id,
            job.total_processed,
            job.total_failures,
        )

    def _failing(self, job: EmulatedPinpointImportJob) -> None:
        job.set_status("FAILING")
        self._next(job, lambda: self._failed(job))

    def _failed(self, job: EmulatedPinpointImportJob) -> None:
        job.set_status("FAILED")
        LOGGER.info(
            "Pinpoint import job %s FAILED: %d processed, %d failed",
            job.job_id,
            job.total_processed,
            job.total_failures,
        )

    def _apply_endpoint(self, app_id: str, definition: dict[str, Any], register: bool) -> tuple[str, str]:
        """Create or update one endpoint (only in the segment's member list unless ``register``)."""
        with self._lock:
            registered = self._endpoints.setdefault(app_id, {})
            endpoint_id = definition.get("Id")
            existing = registered.get(endpoint_id) if endpoint_id else None
            if existing is None and not (definition.get("ChannelType") and definition.get("Address")):
                if endpoint_id:
                    raise RecordError(
                        f"endpoint {endpoint_id} does not exist, and a new one needs Address and ChannelType"
                    )
                raise RecordError("a new endpoint needs Address and ChannelType")
            endpoint_id = endpoint_id or uuid.uuid4().hex
            now = _now()
            merged = (
                copy.deepcopy(existing)
                if existing
                else {
                    "ApplicationId": app_id,
                    "Id": endpoint_id,
                    "CreationDate": now,
                    "CohortId": str(uuid.uuid4().int % 100),
                    "EndpointStatus": "ACTIVE",
                    "OptOut": "NONE",
                }
            )
            merged.update({key: copy.deepcopy(value) for key, value in definition.items() if key != "Id"})
            merged["EffectiveDate"] = definition.get("EffectiveDate", now)
            merged["RequestId"] = definition.get("RequestId", str(uuid.uuid4()))
            if register:
                registered[endpoint_id] = merged
            return endpoint_id, str(merged.get("ChannelType", ""))

    def _apply_segment(self, job: EmulatedPinpointImportJob, members: dict[str, str]) -> None:
        definition = job.definition
        import_definition = {
            "Format": definition["Format"],
            "S3Url": definition["S3Url"],
            "RoleArn": definition["RoleArn"],
            "ExternalId": definition["ExternalId"],
        }
        with self._lock:
            segments = self._segments.setdefault(job.application_id, {})
            if definition.get("SegmentId"):
                segment = segments.get(definition["SegmentId"])
                if segment is None:
                    raise JobFailure(f"Segment {definition['SegmentId']} no longer exists")
                segment.members.update(members)
                segment.version += 1
                segment.last_modified_date = _now()
                segment.import_definition = import_definition
            elif definition.get("DefineSegment"):
                segment_id = uuid.uuid4().hex
                segment = EmulatedSegment(
                    application_id=job.application_id,
                    segment_id=segment_id,
                    name=definition["SegmentName"],
                    arn=f"arn:aws:mobiletargeting:{self.region}:{self.account_id}:apps/{job.application_id}"
                    f"/segments/{segment_id}",
                    creation_date=_now(),
                    members=dict(members),
                    import_definition=import_definition,
                )
                segments[segment_id] = segment
            else:
                return
        job.segment_id = segment.segment_id

"""Turns one S3 'object created' record into exactly one started workflow (a job, or a rejection).

Order of work, chosen so that any crash followed by a redelivery converges on one outcome:
1. A record for this object version already exists with an execution input: (re)start that execution.
   Its name is the tracking id, so Step Functions itself refuses a second one.
2. Route the file and read it once, whole (validation/): the rows that pass are written normalized to the
   staging prefix, the others to a report. A rejection is recorded and sent through the workflow like any
   outcome. Staging and report keys derive from the tracking id, so a repeated check rewrites the same objects.
3. Claim the upload with a conditional put (a lease), start the provider job, record the job id,
   start the execution. A delivery that takes over an expired claim (its holder stopped midway, perhaps
   right after the provider call) first asks the provider for a job that attempt started, and adopts it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from listdrop import keys, routing
from listdrop.clock import utc_now
from listdrop.errors import ProviderRequestRejected, ProviderUnavailable, RejectedFile, UploadInProgress
from listdrop.export_request import MAX_REQUEST_BYTES
from listdrop.job_store import ClaimStatus, JobRecord, JobStore
from listdrop.models import (
    EXTRA_COLUMNS,
    DataFormat,
    DestinationType,
    FileShape,
    InputKind,
    Outcome,
    Route,
    S3Object,
)
from listdrop.observability import logger
from listdrop.outcome import build_event
from listdrop.poll_schedule import POLL, PollState
from listdrop.providers.base import ImportRequest, JobProvider, RequestReader
from listdrop.providers.registry import spec_of
from listdrop.providers.split_jobs import NOT_STARTED, compose
from listdrop.s3_ranges import windowed
from listdrop.settings import StarterSettings
from listdrop.upload import Upload, tracking_id_for
from listdrop.validation import RowPolicy, ValidationResult, check_records, staged_format
from listdrop.validation.archives import unpacked_reader
from listdrop.validation.report import ReportWriter
from listdrop.validation.sinks import PartedS3Sink, S3Sink
from listdrop.validation.source import declared_encoding

REPORT_NAME = "rejected-rows.csv"
# How far before the first claim a provider's job may be stamped (clocks differ between Lambda and the API).
CLOCK_SKEW = timedelta(minutes=5)
# How long one delivery waits for a rate-limited API's next start slot before handing the message back.
START_SLOT_MAX_WAIT_SECONDS = 5.0


@dataclass(frozen=True)
class Checked:
    """The file as the job will read it (one part per job when it was split), and what reading it found."""

    result: ValidationResult
    parts: tuple[S3Object, ...]
    report_uri: str | None

    @property
    def staged(self) -> S3Object | None:
        """The checked copy's first part: the whole of it unless the file was split."""
        return self.parts[0] if self.parts else None

    def to_state(self) -> dict[str, Any]:
        """The 'checks' of the outcome event."""
        return {**self.result.to_dict(), "report": self.report_uri}


@dataclass(frozen=True)
class CheckedRequest:
    """A request file (an export's parameters), read and checked whole."""

    parameters: dict[str, Any]
    summary: str
    staged: S3Object | None = None

    def to_state(self) -> dict[str, Any]:
        return {"request": self.summary}


class Result:
    STARTED = "STARTED"
    REJECTED = "REJECTED"
    REFUSED = "REFUSED"
    DUPLICATE = "DUPLICATE"
    IGNORED = "IGNORED"


@dataclass(frozen=True)
class StartResult:
    result: str
    tracking_id: str | None = None


class Starter:
    def __init__(
        self,
        settings: StarterSettings,
        store: JobStore,
        s3: Any,
        sfn: Any,
        providers: Callable[[str], JobProvider],
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._sleep = sleep
        self._settings = settings
        self._store = store
        self._s3 = s3
        self._sfn = sfn
        self._providers = providers
        self._clock = clock

    def handle_notification(self, notification: dict[str, Any]) -> list[StartResult]:
        """An S3 event notification as S3 sends it to SQS (possibly its one-off test event)."""
        if notification.get("Event") == "s3:TestEvent":
            return [StartResult(Result.IGNORED)]
        records = notification.get("Records")
        if not isinstance(records, list):
            raise ValueError("message is not an S3 event notification (no 'Records' list)")
        return [self.handle_record(record) for record in records]

    def handle_record(self, record: dict[str, Any]) -> StartResult:
        if not str(record.get("eventName", "")).startswith("ObjectCreated:"):
            return StartResult(Result.IGNORED)
        s3 = record["s3"]
        key = routing.decode_key(s3["object"]["key"])
        size = int(s3["object"].get("size", 0))
        if routing.is_folder_marker(key, size):
            return StartResult(Result.IGNORED)
        version = s3["object"].get("versionId")
        source = S3Object(s3["bucket"]["name"], key, version, size)
        tracking_id = tracking_id_for(source.bucket, key, version or f"seq:{s3['object'].get('sequencer')}")
        logger.append_keys(tracking_id=tracking_id)

        existing = self._store.get(tracking_id)
        interrupted: JobRecord | None = None
        if existing is not None:
            if existing.execution_input is not None:
                return self._resume(existing)
            self._take_over_expired(existing)
            interrupted = existing

        started_at = self._clock().isoformat()
        route: Route | None = None
        checked: Checked | CheckedRequest | None = None
        try:
            route = routing.route(key, self._settings.key_prefix)
            self._check_enabled(route)
            provider = self._providers(route.provider)
            self._check_destination(route)
            provider.verify_destination(route, FileShape())  # before reading: does the destination exist?
            if route.kind is InputKind.REQUEST:
                checked = self._read_request(source, provider)
                requests = [ImportRequest(tracking_id, route, source, checked.parameters)]
            else:
                checked = self._read_whole_file(route, source, tracking_id)
                if checked.result.rejection is not None:
                    raise checked.result.rejection
                provider.verify_destination(route, FileShape(topics=checked.result.topics))
                requests = [ImportRequest(tracking_id, route, part) for part in checked.parts]
        except RejectedFile as rejection:
            rejected = Upload.rejected(
                tracking_id, route, source, started_at, provider=rejection.provider, destination=rejection.destination
            )
            upload = self._with_checks(rejected, checked)
            return self._end_before_start(
                upload, Outcome.REJECTED, ClaimStatus.REJECTED, rejection.code, rejection.reason
            )

        upload = self._with_checks(Upload.accepted(tracking_id, route, source, started_at), checked)
        if interrupted is None and not self._store.claim(upload, now=self._epoch(), lease_seconds=self._lease):
            return self._after_lost_claim(tracking_id)
        return self._start(upload, requests, provider, interrupted)

    # -- steps -------------------------------------------------------------------------------------

    def _check_enabled(self, route: Route) -> None:
        if route.provider in self._settings.enabled_providers:
            return
        why = spec_of(route.provider).why_off or "This deployment does not enable it (listdrop:enabledProviders)."
        raise RejectedFile("PROVIDER_DISABLED", f"The {route.provider} provider is switched off. {why}")

    def _read_request(self, source: S3Object, provider: JobProvider) -> CheckedRequest:
        """A request file is small: read it whole (at most MAX_REQUEST_BYTES + 1) and let its provider check it."""
        if not isinstance(provider, RequestReader):
            raise RejectedFile("NO_ROUTE", f"The {provider.name} provider takes records, not a request file.")
        body = self._open(source)["Body"]
        try:
            content = body.read(MAX_REQUEST_BYTES + 1)
        finally:
            body.close()
        parameters, summary = provider.read_request(content)
        logger.info("Request checked", extra={"request": summary})
        return CheckedRequest(parameters, summary)

    def _check_destination(self, route: Route) -> None:
        allowed = self._settings.allowed_contact_lists
        if (
            route.destination.type is DestinationType.SES_CONTACT_LIST
            and allowed
            and route.destination.name not in allowed
        ):
            raise RejectedFile(
                "CONTACT_LIST_NOT_ALLOWED",
                f"listdrop is not configured to import into contact list '{route.destination.name}' "
                "(see the allowedContactLists setting).",
            )
        if route.destination.option(EXTRA_COLUMNS) and not self._settings.extra_columns_as_attributes:
            raise RejectedFile(
                "EXTRA_COLUMNS_NOT_ENABLED",
                "This deployment does not write extra columns into attributesData (the "
                "listdrop:extraColumnsAsAttributes setting is off): remove the extra columns and upload the file "
                "without the extra-as-attributes/ folder.",
            )

    def _read_whole_file(self, route: Route, source: S3Object, tracking_id: str) -> Checked:
        if source.size > self._settings.max_file_bytes:
            raise RejectedFile(
                "FILE_TOO_LARGE",
                f"The file is {source.size:,} bytes; the limit for one import is "
                f"{self._settings.max_file_bytes:,} bytes.",
            )
        extension = "csv" if staged_format(route) is DataFormat.CSV else "jsonl"  # Mail Manager: always CSV
        stem = f"{self._settings.staging_prefix}{route.provider}/{tracking_id}"
        staging = PartedS3Sink(
            self._s3,
            source.bucket,
            # A file within one job's limit is one object under the first key; each further job's part follows it.
            lambda part: f"{stem}.{extension}" if part == 1 else f"{stem}.part-{part:04d}.{extension}",
            "text/csv" if extension == "csv" else "application/x-ndjson",
        )
        report_sink = S3Sink(
            self._s3, source.bucket, f"{self._settings.reports_prefix}{tracking_id}/{REPORT_NAME}", "text/csv"
        )
        compression = keys.compression(source.key)
        body, described = self._body(source, compression)
        try:
            read, note = unpacked_reader(body, compression, max_bytes=self._settings.max_file_bytes)
            encoding = declared_encoding(described.get("ContentType"), described.get("Metadata") or {})
            result = check_records(
                read,
                route,
                output=staging,
                report=ReportWriter(report_sink),
                policy=RowPolicy(self._settings.max_invalid_row_percent),
                progress=_log_progress(),
                notes=(note,) if note else (),
                encoding=encoding,
            )
        finally:
            body.close()
        report_uri = report_sink.uri if result.rejected_rows else None
        logger.info("File checked", extra={"validation": result.to_dict(), "reportWritten": bool(report_uri)})
        return Checked(result, staging.objects if result.accepted else (), report_uri)

    def _body(self, source: S3Object, compression: keys.Compression | None) -> tuple[Any, dict[str, Any]]:
        """The object's body to read, and the GetObject response that describes it (its ContentType and Metadata:
        a declared encoding). A zip archive's directory is at its end: it is read through ranged GETs, a window at
        a time, and described by the first of them (read as the archive is opened)."""
        if compression is not keys.Compression.ZIP:
            response = self._open(source)
            return response["Body"], response
        described: dict[str, Any] = {}

        def get_range(byte_range: str) -> bytes:
            response = self._open(source, byte_range)
            described.setdefault("ContentType", response.get("ContentType"))
            described.setdefault("Metadata", response.get("Metadata"))
            return bytes(response["Body"].read())

        return windowed(get_range, source.size), described

    def _open(self, source: S3Object, byte_range: str | None = None) -> dict[str, Any]:
        request: dict[str, Any] = {"Bucket": source.bucket, "Key": source.key}
        if source.version_id:
            request["VersionId"] = source.version_id
        if byte_range is not None:
            request["Range"] = byte_range
        try:
            response: dict[str, Any] = self._s3.get_object(**request)
            return response
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in {"NoSuchKey", "NoSuchVersion", "404"}:
                raise RejectedFile(
                    "OBJECT_GONE", "The object version was deleted before it could be imported."
                ) from None
            if code in {"AccessDenied", "403"}:
                # Never a silent dead letter: retrying cannot change a permission, so say what to fix.
                raise RejectedFile(
                    "OBJECT_UNREADABLE",
                    "S3 denied listdrop's starter reading this object (AccessDenied): the object is encrypted with "
                    "a KMS key the starter may not use, a bucket policy denies the read, or the version was "
                    "deleted and the starter may not list the bucket. Fix the permission, then upload the file again.",
                ) from None
            raise

    @staticmethod
    def _with_checks(upload: Upload, checked: Checked | CheckedRequest | None) -> Upload:
        if checked is None:
            return upload
        staged = checked.staged.to_dict() if checked.staged is not None else None
        return upload.with_validation(checked.to_state(), staged)

    def _start(
        self, upload: Upload, requests: list[ImportRequest], provider: JobProvider, interrupted: JobRecord | None
    ) -> StartResult:
        """Start one job per request (one per part of a split file), in order, adopting those an interrupted attempt
        started; record them as one job id (split_jobs.compose) and start the execution."""
        since = self._first_claim(interrupted) if interrupted is not None and interrupted.may_have_job else None
        job_ids: list[str] = []
        try:
            for request in requests:
                job_id = self._job_of_interrupted_attempt(request, provider, since) if since is not None else None
                # Parts start in order, so the jobs earlier attempts started are the first parts': past the first
                # part without one, there is none to look for.
                since = since if job_id is not None else None
                if job_id is None:
                    self._wait_for_start_slot(provider)
                    job_id = provider.start(request)
                job_ids.append(job_id)
        except ProviderUnavailable as unavailable:
            # The retry (a delayed copy of the message) may take over at once; it looks for a job first
            # unless every call so far was refused before it could start one.
            self._store.release(
                upload.tracking_id,
                now=self._epoch(),
                may_have_job=since is not None or bool(job_ids) or unavailable.may_have_run,
            )
            raise
        except ProviderRequestRejected as refusal:
            if not job_ids:
                return self._end_before_start(
                    upload, Outcome.FAILED, Outcome.FAILED.value, "PROVIDER_REFUSED", str(refusal)
                )
            # Parts already run: track them, and the parts not started as not imported (split_jobs.NOT_STARTED).
            logger.warning(
                "A part's job was refused; the parts after it are not started", extra={"error": str(refusal)}
            )
            job_ids += [NOT_STARTED] * (len(requests) - len(job_ids))
        upload = upload.with_job(self._job_id(job_ids, upload))
        execution_input = self._execution_input(upload)
        self._store.mark_started(upload, execution_input, self._clock().isoformat())
        self._start_execution(upload.tracking_id, execution_input)
        logger.info("Import job started", extra={"provider": upload.provider, "provider_job_id": upload.job_id})
        return StartResult(Result.STARTED, upload.tracking_id)

    @staticmethod
    def _job_id(job_ids: list[str], upload: Upload) -> str:
        """One job's id, or the one id of a split upload's jobs with the rows each imports."""
        if len(job_ids) == 1:
            return job_ids[0]
        checks = upload.validation or {}
        most, rows = int(checks["rowsPerJob"]), int(checks["rowsAccepted"])
        return compose(job_ids, [min(most, rows - most * index) for index in range(len(job_ids))])

    def _wait_for_start_slot(self, provider: JobProvider) -> None:
        """Keep to an API's account-wide start rate (SES exports: once per second) across every copy of the
        starter: wait briefly for a free slot, else hand the message back to be retried later."""
        interval = provider.min_start_interval_seconds
        if interval <= 0:
            return
        waited = 0.0
        while not self._store.take_start_slot(
            provider.name, now_ms=int(self._clock().timestamp() * 1000), interval_ms=int(interval * 1000)
        ):
            if waited >= START_SLOT_MAX_WAIT_SECONDS:
                raise ProviderUnavailable(
                    f"{provider.name} allows one start per {interval:g} s and others are queued; retrying",
                    may_have_run=False,
                )
            step = interval / 4
            self._sleep(step)
            waited += step

    def _first_claim(self, interrupted: JobRecord) -> datetime:
        """Since when an interrupted attempt's jobs may be stamped: its first claim, less the clocks' skew."""
        first_claim = datetime.fromisoformat(interrupted.created_at) if interrupted.created_at else self._clock()
        return first_claim - CLOCK_SKEW

    def _job_of_interrupted_attempt(self, request: ImportRequest, provider: JobProvider, since: datetime) -> str | None:
        job_id = provider.find_started(request, since=since)
        if job_id is not None:
            logger.warning(
                "Adopted the job an interrupted attempt started; no second job",
                extra={"provider": provider.name, "provider_job_id": job_id},
            )
        return job_id

    def _end_before_start(self, upload: Upload, outcome: Outcome, status: str, code: str, reason: str) -> StartResult:
        event = build_event(upload=upload, outcome=outcome, ended_at=self._clock(), reason_code=code, reason=reason)
        execution_input = self._execution_input(upload, outcome=event)
        self._store.mark_not_started(
            upload,
            status=status,
            code=code,
            reason=event["detail"]["reason"],
            execution_input=execution_input,
            ended_at=event["detail"]["endedAt"],
        )
        self._start_execution(upload.tracking_id, execution_input)
        logger.info("Upload ended before any job started", extra={"outcome": outcome.value, "code": code})
        return StartResult(Result.REJECTED if outcome is Outcome.REJECTED else Result.REFUSED, upload.tracking_id)

    def _resume(self, record: JobRecord) -> StartResult:
        """A redelivery of an upload that already has its execution input: make sure it runs, once."""
        assert record.execution_input is not None
        self._start_execution(record.tracking_id, record.execution_input)
        logger.info("Duplicate delivery of an upload already handled", extra={"status": record.status})
        return StartResult(Result.DUPLICATE, record.tracking_id)

    def _take_over_expired(self, record: JobRecord) -> None:
        if record.claim_expires_at > self._epoch():
            raise UploadInProgress("another delivery of this upload holds a live claim")
        if not self._store.take_over(record, now=self._epoch(), lease_seconds=self._lease):
            raise UploadInProgress("another delivery took over this upload first")
        logger.warning("Took over an expired claim (a previous attempt stopped midway)")

    def _after_lost_claim(self, tracking_id: str) -> StartResult:
        record = self._store.get(tracking_id)
        if record is not None and record.execution_input is not None:
            return self._resume(record)
        raise UploadInProgress("another delivery of this upload claimed it first")

    def _start_execution(self, name: str, execution_input: str) -> None:
        try:
            self._sfn.start_execution(
                stateMachineArn=self._settings.state_machine_arn, name=name, input=execution_input
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
                raise

    def _execution_input(self, upload: Upload, outcome: dict[str, Any] | None = None) -> str:
        # Called as the job has just started: the blind schedule counts from now, the deadline from the upload.
        schedule = PollState.initial(
            self._settings.poll, started_at=datetime.fromisoformat(upload.started_at), job_started_at=self._clock()
        )
        state: dict[str, Any] = {"upload": upload.to_state(), POLL: schedule.to_state()}
        if outcome is not None:
            state["outcome"] = outcome
        return json.dumps(state, sort_keys=True, separators=(",", ":"))

    def _epoch(self) -> int:
        return int(self._clock().timestamp())

    @property
    def _lease(self) -> int:
        return self._settings.claim_lease_seconds


def _log_progress(every_rows: int = 250_000) -> Callable[[int, int], None]:
    """Log a line each time another every_rows rows are checked, so a long check shows it is moving."""
    next_mark = every_rows

    def progress(rows: int, bytes_read: int) -> None:
        nonlocal next_mark
        if rows >= next_mark:
            logger.info("Checking file", extra={"rows_checked": rows, "bytes_read": bytes_read})
            next_mark = rows + every_rows

    return progress

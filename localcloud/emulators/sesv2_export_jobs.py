"""Amazon SES v2 export-job emulator for moto's in-process HTTP server.

Why this exists: moto 5.2.5 has no SES export jobs (CreateExportJob, GetExportJob, ListExportJobs,
CancelExportJob), and its server does not route ``/v2/email/export-jobs`` at all. This module serves them
the way the import-job emulator (:mod:`localcloud.emulators.sesv2_import_jobs`) serves import jobs, and
reuses its request parsing, model validation and error rendering.

How it hooks into moto (see :meth:`SesExportJobEmulator.install`): handler methods are set on
``moto.sesv2.responses.SESV2Response``, and ``DomainDispatcherApplication.get_application`` is wrapped so the
sesv2 Flask app gets URL rules for the export paths. The patch mark (``_listdrop_sesv2_export_emulator``)
differs from the import emulator's, so both emulators add their routes to the same app, in either install
order, also to an app built before either install.

Behaviour, from the botocore ``sesv2`` model and its documentation (the "doc" facts):

- CreateExportJob may be called "no more than once per second": a second call within
  ``create_interval_seconds`` of the last accepted one gets HTTP 429 ``TooManyRequestsException``. Note that
  botocore retries HTTP 429 by default (legacy and standard retry modes), so a default client usually
  succeeds after a back-off; pass ``Config(retries={"total_max_attempts": 1})`` to see the 429.
- ``ExportDataSource`` holds exactly one of ``MetricsDataSource`` / ``MessageInsightsDataSource``.
- ``ExportDestination.S3Url`` must not be sent (BadRequestException); GetExportJob returns it only once the
  job is COMPLETED, as a pre-signed GET URL that "expires five minutes after GetExportJob returns it" and is
  fresh on every call (``url_ttl_seconds``, default 300).
- Model ranges: 1-3 dimensions, 1-10 values per dimension, 1-10 metrics, MaxResults 1-10000 (default 1000
  when omitted), filter lists of at most 5 (Subject: 1, LastEngagementEvent: 2), enum values everywhere.
- Message Insights: StartDate and EndDate are both inclusive. Filters in one filter object are joined by
  AND, values of one filter by OR, values are case-sensitive. FromEmailAddress, Destination and Subject
  support ``*`` at the beginning (suffix match), the end (prefix match) or both (contains); ``\\*`` and
  ``\\\\`` match a literal ``*`` and ``\\``; without a wildcard the match is exact.
- RATE is "the rate for this metric relative to the SEND metric volume".
- CancelExportJob models no ConflictException: cancelling a finished job is a BadRequestException.

Found only in source, not in the documentation: an AWS sample that feeds CreateExportJob quotes the SES
error "To get daily aggregated data you must not specify partial-day timestamps. Please make your interval
go from midnight to midnight UTC." (enforced here for MetricsDataSource), and uses ``"*"`` as a dimension
value meaning every value (honoured here).

Assumptions (not documented anywhere found; chosen to be clear):

- The export file layout. Metrics (METRICS_DATA): one record per day and combination of the requested
  dimensions' values that has seeded data, sorted by day then dimension values. Fields, in this order:
  ``Date`` (``YYYY-MM-DD``, UTC), one field per requested dimension named as in the request (e.g.
  ``EMAIL_IDENTITY``), one field per requested metric named ``<Metric>_<Aggregation>`` (e.g. ``SEND_VOLUME``,
  ``DELIVERY_RATE``). VOLUME is the summed count; RATE is count / SEND count of the same record (empty in CSV,
  null in JSON when SEND is 0). Days are taken from the half-open interval [StartDate, EndDate), which with
  midnight-to-midnight bounds means EndDate's day is not included. Message Insights: one record per message,
  newest first, fields ``MessageId, FromEmailAddress, Destination, Subject, Isp, TenantName,
  LastDeliveryEvent, LastEngagementEvent, SentTimestamp`` (ISO 8601 UTC, ``Z``); empty/null when unknown.
  CSV files have a header row and ``\\n`` line ends; JSON files are newline-delimited objects.
- An Exclude filter object excludes a message when the message matches all of its filters (the documented
  AND), a ``*`` inside a value (not at either end) is literal, and a metric without ``Aggregation`` is VOLUME.
- ProcessedRecordsCount counts the seeded rows that matched the job (before MaxResults);
  ExportedRecordsCount the records written. Both are 0 until the job COMPLETED.
- A cancelled job gets a CompletedTimestamp. ListExportJobs lists jobs in creation order, 100 per page by
  default; its JobStatus filter is evaluated on each call, so a job that changes status between two pages can
  move in or out of the listing.
- The throttle counts every CreateExportJob call it lets through, valid or not.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.model import ListShape, MapShape, Shape, StructureShape
from botocore.utils import parse_timestamp

from localcloud.emulators.sesv2_import_jobs import (
    ApiError,
    BadRequestError,
    NotFoundError,
    _json_response,
    _paginate,
    _request_params,
    _s3_backend,
    _service_model,
    _validate,
)

LOGGER = logging.getLogger(__name__)

EXPORT_URL_TTL_SECONDS = 300  # doc: "The URL expires five minutes after GetExportJob returns it."
DEFAULT_MESSAGE_INSIGHTS_MAX_RESULTS = 1000  # doc
DEFAULT_EXPORT_JOBS_PAGE_SIZE = 100  # assumption: not documented

EMULATED_OPERATIONS = ("CreateExportJob", "GetExportJob", "ListExportJobs", "CancelExportJob")

_FLASK_ROUTES = (
    "/v2/email/export-jobs",
    '/v2/email/export-jobs/<regex(".+"):JobId>',  # GetExportJob and .../{JobId}/cancel
    "/v2/email/list-export-jobs",
)
_HTTP_METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"]
_PATCH_MARK = "_listdrop_sesv2_export_emulator"

METRICS_DATA = "METRICS_DATA"
MESSAGE_INSIGHTS = "MESSAGE_INSIGHTS"
MESSAGE_COLUMNS = (
    "MessageId",
    "FromEmailAddress",
    "Destination",
    "Subject",
    "Isp",
    "TenantName",
    "LastDeliveryEvent",
    "LastEngagementEvent",
    "SentTimestamp",
)
_WILDCARD_FILTERS = ("FromEmailAddress", "Destination", "Subject")
_EXACT_FILTERS = ("Isp", "TenantName", "LastDeliveryEvent", "LastEngagementEvent")


def _enum(shape_name: str) -> tuple[str, ...]:
    return tuple(_service_model().shape_for(shape_name).enum)


# --------------------------------------------------------------------------------------------- errors


class TooManyRequestsError(ApiError):
    """HTTP 429 TooManyRequestsException (modelled for every export operation)."""

    status = 429
    error_type = "TooManyRequestsException"


# ------------------------------------------------------------------------------------ extra validation


def _range_problems(shape: Shape, value: Any, path: str = "") -> Iterator[str]:
    """The model ranges botocore's validator leaves to the service (list/map sizes, maxima, map-key enums;
    ``_validate`` in the import emulator checks required members, types, minima and string enums), worded
    like botocore's own report so both kinds of problem read alike."""
    minimum, maximum = shape.metadata.get("min"), shape.metadata.get("max")
    name = path or shape.name
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        for member_name, member in shape.members.items():
            if member_name in value:
                yield from _range_problems(member, value[member_name], _join(path, member_name))
    elif isinstance(shape, ListShape) and isinstance(value, list):
        yield from _length_problems(name, len(value), minimum, maximum)
        for index, item in enumerate(value):
            yield from _range_problems(shape.member, item, f"{name}[{index}]")
    elif isinstance(shape, MapShape) and isinstance(value, dict):
        yield from _length_problems(name, len(value), minimum, maximum)
        for key, item in value.items():
            if shape.key.enum and key not in shape.key.enum:
                yield f"Invalid key for parameter {name}: {key!r}, valid keys: {', '.join(shape.key.enum)}"
            yield from _range_problems(shape.value, item, _join(path, str(key)))
    elif shape.type_name in ("integer", "long") and isinstance(value, int):
        if minimum is not None and value < minimum:
            yield f"Invalid value for parameter {name}, value: {value}, valid min value: {minimum}"
        if maximum is not None and value > maximum:
            yield f"Invalid value for parameter {name}, value: {value}, valid max: {maximum}"
    elif shape.type_name == "string" and isinstance(value, str):
        yield from _length_problems(name, len(value), minimum, maximum)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _length_problems(name: str, size: int, minimum: int | None, maximum: int | None) -> Iterator[str]:
    if minimum is not None and size < minimum:
        yield f"Invalid length for parameter {name}, value: {size}, valid min length: {minimum}"
    if maximum is not None and size > maximum:
        yield f"Invalid length for parameter {name}, value: {size}, valid max length: {maximum}"


def _utc(value: Any) -> datetime:
    """A request timestamp (epoch number or ISO string, already type-checked by the model) in UTC."""
    parsed = value if isinstance(value, datetime) else parse_timestamp(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _is_midnight(moment: datetime) -> bool:
    return (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)


# --------------------------------------------------------------------------------------- seeded data


@dataclass(frozen=True)
class MetricsRow:
    """Daily VDM counts for one combination of dimension values."""

    day: date
    dimensions: dict[str, str]
    counts: dict[str, int]

    @classmethod
    def parse(cls, row: Mapping[str, Any]) -> MetricsRow:
        dimension_names, metric_names = _enum("MetricDimensionName"), _enum("Metric")
        dimensions = {str(k): str(v) for k, v in dict(row.get("dimensions") or {}).items()}
        counts = {str(k): v for k, v in dict(row.get("counts") or {}).items()}
        unknown = sorted(set(dimensions) - set(dimension_names)) + sorted(set(counts) - set(metric_names))
        if unknown:
            raise ValueError(f"unknown dimension or metric names {unknown} in seeded metrics row {row!r}")
        if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in counts.values()):
            raise ValueError(f"metric counts must be non-negative integers: {row!r}")
        return cls(day=_day(row["date"]), dimensions=dimensions, counts=counts)


@dataclass(frozen=True)
class MessageRow:
    """One message (one destination) as Message Insights knows it."""

    message_id: str
    from_email_address: str
    destination: str
    subject: str
    isp: str
    last_delivery_event: str
    sent_time: datetime
    last_engagement_event: str | None = None
    tenant_name: str | None = None

    @classmethod
    def parse(cls, row: Mapping[str, Any]) -> MessageRow:
        message = cls(
            message_id=str(row.get("message_id") or uuid.uuid4()),
            from_email_address=str(row["from_email_address"]),
            destination=str(row["destination"]),
            subject=str(row.get("subject", "")),
            isp=str(row.get("isp", "")),
            last_delivery_event=str(row.get("last_delivery_event", "SEND")),
            sent_time=_moment(row["sent_time"]),
            last_engagement_event=row.get("last_engagement_event"),
            tenant_name=row.get("tenant_name"),
        )
        if message.last_delivery_event not in _enum("DeliveryEventType"):
            raise ValueError(f"last_delivery_event must be one of {_enum('DeliveryEventType')}: {row!r}")
        if message.last_engagement_event not in (None, *_enum("EngagementEventType")):
            raise ValueError(f"last_engagement_event must be None or one of {_enum('EngagementEventType')}")
        return message

    def field(self, name: str) -> str | None:
        """The value a MessageInsightsFilters member matches against."""
        return {
            "FromEmailAddress": self.from_email_address,
            "Destination": self.destination,
            "Subject": self.subject,
            "Isp": self.isp,
            "TenantName": self.tenant_name,
            "LastDeliveryEvent": self.last_delivery_event,
            "LastEngagementEvent": self.last_engagement_event,
        }[name]

    def record(self) -> dict[str, Any]:
        return {
            "MessageId": self.message_id,
            "FromEmailAddress": self.from_email_address,
            "Destination": self.destination,
            "Subject": self.subject,
            "Isp": self.isp,
            "TenantName": self.tenant_name,
            "LastDeliveryEvent": self.last_delivery_event,
            "LastEngagementEvent": self.last_engagement_event,
            "SentTimestamp": self.sent_time.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        }


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return _moment(value).date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return _utc(value)


# ----------------------------------------------------------------------------------------- exporting


def _dimension_matches(row: MetricsRow, name: str, wanted: list[str]) -> bool:
    value = row.dimensions.get(name)
    return value is not None and ("*" in wanted or value in wanted)


def export_metrics(source: dict[str, Any], rows: Iterable[MetricsRow]) -> tuple[int, list[dict[str, Any]]]:
    """(rows matched, records) for a MetricsDataSource: filter by day and dimensions, group, aggregate."""
    start, end = _utc(source["StartDate"]), _utc(source["EndDate"])
    dimensions: dict[str, list[str]] = source["Dimensions"]
    metrics = list(dict.fromkeys((m["Name"], m.get("Aggregation", "VOLUME")) for m in source["Metrics"]))
    matched = [
        row
        for row in rows
        if start <= datetime(row.day.year, row.day.month, row.day.day, tzinfo=UTC) < end
        and all(_dimension_matches(row, name, values) for name, values in dimensions.items())
    ]
    groups: dict[tuple[date, tuple[str, ...]], dict[str, int]] = {}
    for row in matched:
        totals = groups.setdefault((row.day, tuple(row.dimensions[name] for name in dimensions)), {})
        for metric, count in row.counts.items():
            totals[metric] = totals.get(metric, 0) + count
    records = []
    for (day, values), totals in sorted(groups.items()):
        record: dict[str, Any] = {"Date": day.isoformat(), **dict(zip(dimensions, values, strict=True))}
        sends = totals.get("SEND", 0)
        for name, aggregation in metrics:
            volume = totals.get(name, 0)
            if aggregation == "VOLUME":
                record[f"{name}_{aggregation}"] = volume
            else:
                record[f"{name}_{aggregation}"] = volume / sends if sends else None
        records.append(record)
    return len(matched), records


def metrics_columns(source: dict[str, Any]) -> list[str]:
    metrics = dict.fromkeys(f"{m['Name']}_{m.get('Aggregation', 'VOLUME')}" for m in source["Metrics"])
    return ["Date", *source["Dimensions"], *metrics]


def _text_matcher(pattern: str) -> Callable[[str], bool]:
    """The documented partial match: ``*`` first = suffix, last = prefix, both = contains; ``\\`` escapes."""
    chars: list[tuple[str, bool]] = []  # (character, escaped)
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern) and pattern[index + 1] in "*\\":
            chars.append((pattern[index + 1], True))
            index += 2
        else:
            chars.append((char, False))
            index += 1
    leading = bool(chars) and chars[0] == ("*", False)
    if leading:
        chars = chars[1:]
    trailing = bool(chars) and chars[-1] == ("*", False)
    if trailing:
        chars = chars[:-1]
    literal = "".join(char for char, _ in chars)
    if leading and trailing:
        return lambda value: literal in value
    if leading:
        return lambda value: value.endswith(literal)
    if trailing:
        return lambda value: value.startswith(literal)
    return lambda value: value == literal


def _filter_checks(filters: dict[str, Any] | None) -> list[Callable[[MessageRow], bool]]:
    """One predicate per non-empty filter member (values ORed); the caller ANDs them."""
    checks: list[Callable[[MessageRow], bool]] = []
    for name, values in (filters or {}).items():
        if values and name in _WILDCARD_FILTERS:
            checks.append(_partial_check(name, [_text_matcher(value) for value in values]))
        elif values and name in _EXACT_FILTERS:
            checks.append(_exact_check(name, frozenset(values)))
    return checks


def _partial_check(name: str, matchers: list[Callable[[str], bool]]) -> Callable[[MessageRow], bool]:
    def check(row: MessageRow) -> bool:
        return any(matcher(row.field(name) or "") for matcher in matchers)

    return check


def _exact_check(name: str, values: frozenset[str]) -> Callable[[MessageRow], bool]:
    def check(row: MessageRow) -> bool:
        return row.field(name) in values

    return check


def export_messages(source: dict[str, Any], rows: Iterable[MessageRow]) -> tuple[int, list[dict[str, Any]]]:
    """(messages matched, records) for a MessageInsightsDataSource: dates inclusive, Include, Exclude."""
    start, end = _utc(source["StartDate"]), _utc(source["EndDate"])
    include, exclude = _filter_checks(source.get("Include")), _filter_checks(source.get("Exclude"))
    matched = [
        row
        for row in rows
        if start <= row.sent_time <= end
        and all(check(row) for check in include)
        and not (exclude and all(check(row) for check in exclude))
    ]
    matched.sort(key=lambda row: (row.sent_time, row.message_id), reverse=True)
    limit = source.get("MaxResults", DEFAULT_MESSAGE_INSIGHTS_MAX_RESULTS)
    return len(matched), [row.record() for row in matched[:limit]]


def render(records: list[dict[str, Any]], columns: list[str], data_format: str) -> bytes:
    """CSV with a header row, or newline-delimited JSON objects."""
    if data_format == "JSON":
        return "".join(json.dumps(record) + "\n" for record in records).encode()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in record.items()} for record in records)
    return buffer.getvalue().encode()


# ------------------------------------------------------------------------------------------ job model


@dataclass
class EmulatedExportJob:
    """One export job as the emulator tracks it; tests read it through ``SesExportJobEmulator.job``."""

    job_id: str
    source_type: str
    data_source: dict[str, Any]
    data_format: str
    created_at: float
    processing_at: float
    forced_failure: str | None = None
    final_status: str | None = None
    completed_at: float | None = None
    processed_records_count: int = 0
    exported_records_count: int = 0
    error_message: str | None = None
    result_key: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _done: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def status(self) -> str:
        """CREATED, PROCESSING once ``processing_after`` has passed, then COMPLETED, FAILED or CANCELLED."""
        with self._lock:
            if self.final_status:
                return self.final_status
        return "PROCESSING" if time.time() >= self.processing_at else "CREATED"

    def wait(self, timeout: float) -> bool:
        """Block until the job has ended; True if it did within ``timeout`` seconds."""
        return self._done.wait(timeout)

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
            self.completed_at = time.time()
            self.final_status = status
        self._done.set()
        return True

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


# ------------------------------------------------------------------------------------------- emulator


class SesExportJobEmulator:
    """SES v2 export jobs, over data seeded with :meth:`seed_metrics` / :meth:`seed_messages`, served by
    moto's in-process HTTP server."""

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
        if not 0 <= processing_after <= complete_after:
            raise ValueError("need 0 <= processing_after <= complete_after")
        self.endpoint_url = endpoint_url.rstrip("/")
        self.account_id = account_id
        self.region = region
        self.processing_after = processing_after
        self.complete_after = complete_after
        self.create_interval_seconds = create_interval_seconds
        self.url_ttl_seconds = url_ttl_seconds
        self.results_bucket = results_bucket
        self._jobs: dict[str, EmulatedExportJob] = {}
        self._timers: dict[str, threading.Timer] = {}
        self._metrics: list[MetricsRow] = []
        self._messages: list[MessageRow] = []
        self._holding = False
        self._held: set[str] = set()
        self._fail_next: str | None = None
        self._last_create: float | None = None
        self._state_lock = threading.Lock()
        self._processing_lock = threading.Lock()
        self._s3_client: Any = None
        self._api: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "CreateExportJob": self._create_export_job,
            "GetExportJob": self._get_export_job,
            "ListExportJobs": self._list_export_jobs,
            "CancelExportJob": self._cancel_export_job,
        }

    # ----------------------------------------------------------------------------------- public API

    def install(self) -> None:
        """Make moto's server answer the four export-job operations from this emulator.

        Works before or after ``ThreadedMotoServer.start()`` and next to the import-job emulator, in either
        order. Idempotent. The patches are process-wide: the export emulator installed last serves every server.
        """
        _install(self)

    def reset(self) -> None:
        """Forget jobs, seeded data, the throttle and the test controls. Pending jobs never run; a job being
        processed is finished first, so no stale result lands after the reset."""
        with self._state_lock:
            timers = list(self._timers.values())
            self._timers.clear()
        for timer in timers:
            timer.cancel()
        with self._processing_lock, self._state_lock:
            self._jobs.clear()
            self._metrics.clear()
            self._messages.clear()
            self._held.clear()
            self._holding = False
            self._fail_next = None
            self._last_create = None

    def seed_metrics(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Add daily VDM counts: ``{"date": date | "YYYY-MM-DD", "dimensions": {"EMAIL_IDENTITY": ...,
        "CONFIGURATION_SET": ..., "ISP": ..., "TENANT_NAME": ...}, "counts": {"SEND": 100, "DELIVERY": 97,
        ...}}`` (metric names as in the API). ValueError on unknown names or bad counts."""
        parsed = [MetricsRow.parse(row) for row in rows]
        with self._state_lock:
            self._metrics.extend(parsed)

    def seed_messages(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Add messages for Message Insights: ``{"message_id", "from_email_address", "destination",
        "subject", "isp", "last_delivery_event" (DeliveryEventType), "last_engagement_event" (OPEN | CLICK |
        None), "sent_time" (datetime, naive = UTC, or ISO string), "tenant_name" (optional)}``."""
        parsed = [MessageRow.parse(row) for row in rows]
        with self._state_lock:
            self._messages.extend(parsed)

    def fail_next(self, message: str) -> None:
        """The next job created ends FAILED, with ``message`` as FailureInfo.ErrorMessage."""
        with self._state_lock:
            self._fail_next = message

    def hold(self, holding: bool = True) -> None:
        """While held, no job finishes: jobs stay PROCESSING past ``complete_after`` (for cancel and time-out
        tests). Releasing lets every job whose time has come finish at once."""
        with self._state_lock:
            self._holding = holding
            released = [] if holding else sorted(self._held)
            if not holding:
                self._held.clear()
            for job_id in released:
                self._schedule(job_id, 0)

    def jobs(self) -> list[EmulatedExportJob]:
        """Every job created since the last reset, in creation order."""
        with self._state_lock:
            return list(self._jobs.values())

    def job(self, job_id: str) -> EmulatedExportJob:
        """The job's live record; KeyError if there is none."""
        with self._state_lock:
            return self._jobs[job_id]

    # -------------------------------------------------------------------------------- request entry

    def handle(self, operation_name: str, request: Any) -> tuple[str, dict[str, Any]]:
        """Serve one moto ``SESV2Response`` request for ``operation_name``; errors become rest-json errors."""
        try:
            self._check_scope(request.current_account, request.region)
            if operation_name == "CreateExportJob":
                self._throttle()
            operation = _service_model().operation_model(operation_name)
            params = _request_params(
                operation, body=request.body, query=request.parsed_url.query, uri_params=request.uri_match
            )
            _validate(operation, params)
            shape = operation.input_shape
            problems = list(_range_problems(shape, params)) if shape is not None else []
            if problems:
                raise BadRequestError("\n".join(problems))
            return _json_response(self._api[operation_name](params))
        except ApiError as exc:
            return exc.render()

    def _check_scope(self, account_id: str, region: str) -> None:
        if (account_id, region) != (self.account_id, self.region):
            raise BadRequestError(
                f"This SES export emulator serves account {self.account_id} in {self.region}; "
                f"the request was for account {account_id} in {region}."
            )

    def _throttle(self) -> None:
        now = time.monotonic()
        with self._state_lock:
            last = self._last_create
            if last is not None and now - last < self.create_interval_seconds:
                raise TooManyRequestsError("Too many requests: CreateExportJob is limited to one call per second.")
            self._last_create = now

    # ----------------------------------------------------------------------------------- operations

    def _create_export_job(self, params: dict[str, Any]) -> dict[str, Any]:
        source, destination = params["ExportDataSource"], params["ExportDestination"]
        kinds = [kind for kind in ("MetricsDataSource", "MessageInsightsDataSource") if kind in source]
        if len(kinds) != 1:
            raise BadRequestError(
                "ExportDataSource must contain exactly one of MetricsDataSource and MessageInsightsDataSource."
            )
        if "S3Url" in destination:
            raise BadRequestError(
                "ExportDestination.S3Url must not be set: SES writes the export file to a location it manages."
            )
        kind = kinds[0]
        spec = copy.deepcopy(source[kind])
        start, end = _utc(spec["StartDate"]), _utc(spec["EndDate"])
        if start >= end:
            raise BadRequestError(f"{kind}.StartDate must be before {kind}.EndDate.")
        if kind == "MetricsDataSource":
            if not (_is_midnight(start) and _is_midnight(end)):
                raise BadRequestError(
                    "To get daily aggregated data you must not specify partial-day timestamps. "
                    "Please make your interval go from midnight to midnight UTC."
                )
            for index, metric in enumerate(spec["Metrics"]):
                if "Name" not in metric:
                    raise BadRequestError(f"MetricsDataSource.Metrics[{index}].Name is required.")
        spec["StartDate"], spec["EndDate"] = start.timestamp(), end.timestamp()
        now = time.time()
        with self._state_lock:
            forced, self._fail_next = self._fail_next, None
            job = EmulatedExportJob(
                job_id=str(uuid.uuid4()),
                source_type=METRICS_DATA if kind == "MetricsDataSource" else MESSAGE_INSIGHTS,
                data_source={kind: spec},
                data_format=destination["DataFormat"],
                created_at=now,
                processing_at=now + self.processing_after,
                forced_failure=forced,
            )
            self._jobs[job.job_id] = job
            self._schedule(job.job_id, self.complete_after)
        LOGGER.info("SES export job %s created (%s, %s)", job.job_id, job.source_type, job.data_format)
        return {"JobId": job.job_id}

    def _get_export_job(self, params: dict[str, Any]) -> dict[str, Any]:
        job = self._find(params["JobId"])
        key = job.result_key if job.status == "COMPLETED" else None
        return job.describe(self._presigned_url(key) if key else None)

    def _list_export_jobs(self, params: dict[str, Any]) -> dict[str, Any]:
        source_type, status = params.get("ExportSourceType"), params.get("JobStatus")
        jobs = [job for job in self.jobs() if source_type in (None, job.source_type) and status in (None, job.status)]
        page, token = _paginate(
            jobs,
            page_size=params.get("PageSize"),
            token=params.get("NextToken"),
            scope=f"export-jobs:{source_type}:{status}",
            default_size=DEFAULT_EXPORT_JOBS_PAGE_SIZE,
            error=BadRequestError,
        )
        response: dict[str, Any] = {"ExportJobs": [job.summary() for job in page]}
        if token:
            response["NextToken"] = token
        return response

    def _cancel_export_job(self, params: dict[str, Any]) -> dict[str, Any]:
        job = self._find(params["JobId"])
        if not job.finish("CANCELLED"):
            raise BadRequestError(
                f"Export job {job.job_id} is {job.status}; only CREATED or PROCESSING jobs can be cancelled."
            )
        with self._state_lock:
            timer = self._timers.pop(job.job_id, None)
            self._held.discard(job.job_id)
        if timer is not None:
            timer.cancel()
        LOGGER.info("SES export job %s cancelled", job.job_id)
        return {}

    def _find(self, job_id: str) -> EmulatedExportJob:
        with self._state_lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"Export job {job_id} does not exist.")
        return job

    # ----------------------------------------------------------------------------------- processing

    def _schedule(self, job_id: str, delay: float) -> None:
        """Run the job after ``delay`` seconds. Caller holds ``_state_lock``."""
        timer = threading.Timer(delay, self._on_due, args=(job_id,))
        timer.daemon = True
        self._timers[job_id] = timer
        timer.start()

    def _on_due(self, job_id: str) -> None:
        """Timer target: park the job while held, else produce its file exactly once."""
        with self._processing_lock:
            with self._state_lock:
                self._timers.pop(job_id, None)
                job = self._jobs.get(job_id)
                if job is None or job.final_status:  # reset() dropped it, or it was cancelled
                    return
                if self._holding:
                    self._held.add(job_id)
                    return
                metrics, messages = list(self._metrics), list(self._messages)
            self._run(job, metrics, messages)
        LOGGER.info("SES export job %s %s", job_id, job.final_status)

    def _run(self, job: EmulatedExportJob, metrics: list[MetricsRow], messages: list[MessageRow]) -> None:
        if job.forced_failure is not None:
            job.finish("FAILED", error=job.forced_failure)
            return
        try:
            if job.source_type == METRICS_DATA:
                spec = job.data_source["MetricsDataSource"]
                processed, records = export_metrics(spec, metrics)
                columns = metrics_columns(spec)
            else:
                processed, records = export_messages(job.data_source["MessageInsightsDataSource"], messages)
                columns = list(MESSAGE_COLUMNS)
            key = self._store(job, render(records, columns, job.data_format))
        except Exception as exc:  # keep the job observable instead of leaving it PROCESSING forever
            LOGGER.error("SES export job %s: unexpected %s", job.job_id, type(exc).__name__)
            job.finish("FAILED", error=f"Internal emulator error ({type(exc).__name__})")
            return
        job.finish("COMPLETED", processed=processed, exported=len(records), result_key=key)

    # -------------------------------------------------------------------------------------- results

    def _store(self, job: EmulatedExportJob, body: bytes) -> str:
        """Write the export file to the emulator's bucket (created if missing); return its key."""
        from moto.s3.exceptions import MissingBucket

        backend = _s3_backend(self.account_id, self.region)
        try:
            backend.get_bucket(self.results_bucket)
        except MissingBucket:
            backend.create_bucket(self.results_bucket, self.region)
        key = f"exports/{job.job_id}.{job.data_format.lower()}"
        backend.put_object(self.results_bucket, key, body, disable_notification=True)
        return key

    def _presigned_url(self, key: str) -> str:
        """A fresh GET URL per call, like SES hands out on each GetExportJob."""
        with self._state_lock:
            if self._s3_client is None:
                self._s3_client = boto3.session.Session().client(
                    "s3",
                    endpoint_url=self.endpoint_url,
                    region_name=self.region,
                    # moto does not check signatures; a pre-signed URL only needs some credentials.
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",  # noqa: S106
                    config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
                )
            client = self._s3_client
        params = {"Bucket": self.results_bucket, "Key": key}
        return str(client.generate_presigned_url("get_object", Params=params, ExpiresIn=self.url_ttl_seconds))


# ------------------------------------------------------------------------------------- moto integration

_INSTALL_LOCK = threading.Lock()
_ROUTES_LOCK = threading.Lock()
_active_emulator: SesExportJobEmulator | None = None


def _install(emulator: SesExportJobEmulator) -> None:
    global _active_emulator
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.sesv2.responses import SESV2Response

    with _INSTALL_LOCK:
        _active_emulator = emulator
        for operation in EMULATED_OPERATIONS:
            _set_handler(SESV2Response, operation)
        _wrap_get_application(DomainDispatcherApplication)


def _set_handler(response_class: type, operation: str) -> None:
    """Give moto's response class a method for the operation (the name moto's ``call_action`` looks up)."""
    from moto.core.utils import camelcase_to_underscores

    name = camelcase_to_underscores(operation)
    if getattr(getattr(response_class, name, None), _PATCH_MARK, False):
        return

    def handler(response: Any) -> tuple[str, dict[str, Any]]:
        emulator = _active_emulator
        if emulator is None:  # pragma: no cover - handlers exist only after an install
            return BadRequestError("The SES export-job emulator is not installed.").render()
        return emulator.handle(operation, response)

    handler.__name__ = name
    setattr(handler, _PATCH_MARK, True)
    setattr(response_class, name, handler)


def _wrapper_chain(func: Any) -> Iterator[Any]:
    """``func`` and every function it wraps (``__wrapped__``), outermost first."""
    while func is not None:
        yield func
        func = getattr(func, "__wrapped__", None)


def _wrap_get_application(dispatcher_class: Any) -> None:
    """Route the export paths in every sesv2 Flask app moto's dispatcher hands out, old or new.

    Skipped when this wrapper is anywhere in the chain (the import emulator may have wrapped over it), so
    alternating installs of the two emulators do not stack wrappers without end."""
    original = dispatcher_class.get_application
    if any(getattr(func, _PATCH_MARK, False) for func in _wrapper_chain(original)):
        return

    def get_application(self: Any, environ: dict[str, Any]) -> Any:
        app = original(self, environ)
        if getattr(app, "service", None) == "sesv2" and not getattr(app, _PATCH_MARK, False):
            _add_routes(app)
        return app

    setattr(get_application, _PATCH_MARK, True)
    get_application.__wrapped__ = original  # type: ignore[attr-defined]
    dispatcher_class.get_application = get_application


def _add_routes(app: Any) -> None:
    """Add the URL rules moto's sesv2 app lacks, with ``url_map.add`` (Flask's ``add_url_rule`` refuses
    once an app has served a request)."""
    from moto.core.utils import convert_to_flask_response
    from moto.sesv2.responses import SESV2Response
    from werkzeug.routing import Rule

    with _ROUTES_LOCK:
        if getattr(app, _PATCH_MARK, False):
            return
        view = convert_to_flask_response(SESV2Response.dispatch)
        for index, path in enumerate(_FLASK_ROUTES):
            endpoint = f"listdrop_sesv2_export_emulator_{index}"
            app.url_map.add(Rule(path, endpoint=endpoint, methods=_HTTP_METHODS, strict_slashes=False))
            app.view_functions[endpoint] = view
        setattr(app, _PATCH_MARK, True)

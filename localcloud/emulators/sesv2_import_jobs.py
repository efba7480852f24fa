"""Amazon SES v2 import-job emulator for moto's in-process HTTP server.

Why this exists: moto 5.2.5 stores sesv2 contact lists and contacts but has no import jobs and no
suppression-list reads. Its server does not even route ``/v2/email/import-jobs``: the catch-all
``{0}/v2/.*$`` in ``moto/sesv2/urls.py`` is a regex that Flask takes literally. listdrop drives SES import
jobs, so local runs need a stand-in that behaves like the real service: the status changes over time, the
file is read from S3 as the ``ses.amazonaws.com`` service principal (so the bucket policy matters), records
are validated one by one and failures are reported in a file behind a pre-signed URL.

How it hooks into moto (see :meth:`SesImportJobEmulator.install`):

1. Handler methods are set on ``moto.sesv2.responses.SESV2Response``. moto's ``call_action`` looks the
   method up on the class for every request, after resolving the operation name from the HTTP method and
   URI with botocore's service model, so the handlers serve requests from then on.
2. ``DomainDispatcherApplication.get_application`` is wrapped so that the sesv2 Flask app (built lazily,
   per server, on the first sesv2 request) also gets URL rules for the import-job and suppression paths.

Both are class-level patches, so they reach servers started before or after ``install()``, including a
sesv2 app that has already served requests.

Simplifications, on purpose: one account and region per emulator (other requests get a clear
BadRequestException); one record per physical line (a quoted CSV field cannot span lines); the bucket policy is
evaluated by the local cloud's IAM evaluator with the keys SES sends (aws:Referer, the account id); KMS is not
modelled (listdrop's bucket uses SSE-S3).
"""

from __future__ import annotations

import base64
import copy
import csv
import io
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache, partial
from typing import Any
from urllib.parse import parse_qs

import boto3
import botocore.session
from botocore.config import Config
from botocore.model import ListShape, OperationModel, ServiceModel, Shape, StructureShape
from botocore.validate import ParamValidator

from localcloud.iam import services

LOGGER = logging.getLogger(__name__)

# Per-object record limits from the SES developer guide; read at run time so tests can patch them.
CONTACT_LIST_RECORD_LIMIT = 1_000_000
SUPPRESSION_PUT_RECORD_LIMIT = 100_000
SUPPRESSION_DELETE_RECORD_LIMIT = 10_000

SES_SERVICE_PRINCIPAL = "ses.amazonaws.com"
PRESIGNED_URL_TTL_SECONDS = 3600
# Neither default page size is documented; these are assumptions.
DEFAULT_IMPORT_JOBS_PAGE_SIZE = 100
DEFAULT_SUPPRESSION_PAGE_SIZE = 1000

# Operations always served by the emulator, and those served only while moto lacks them.
EMULATED_OPERATIONS = ("CreateImportJob", "GetImportJob", "ListImportJobs")
FALLBACK_OPERATIONS = ("GetSuppressedDestination", "ListSuppressedDestinations")

_FLASK_ROUTES = (
    "/v2/email/import-jobs",
    '/v2/email/import-jobs/<regex(".+"):JobId>',
    "/v2/email/suppression/addresses",
    '/v2/email/suppression/addresses/<regex(".+"):EmailAddress>',
)
_HTTP_METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"]
_PATCH_MARK = "_listdrop_sesv2_emulator"

_CONTACT_COLUMNS = ("emailAddress", "unsubscribeAll", "attributesData")
_TOPIC_COLUMN_PREFIX = "topicPreferences."
_CONTACT_JSON_FIELDS = frozenset({"emailAddress", "unsubscribeAll", "attributesData", "topicPreferences"})
_SUPPRESSION_JSON_FIELDS = frozenset({"emailAddress", "reason"})
_SUBSCRIPTION_STATUSES = ("OPT_IN", "OPT_OUT")
_SUPPRESSION_REASONS = ("BOUNCE", "COMPLAINT")
_EMAIL_RE = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


# --------------------------------------------------------------------------------------------- errors


class ApiError(Exception):
    """An error the SES API returns; rendered as rest-json so botocore raises the modelled exception class."""

    status = 400
    error_type = "BadRequestException"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def render(self) -> tuple[str, dict[str, Any]]:
        return _json_response({"message": self.message}, status=self.status, error_type=self.error_type)


class BadRequestError(ApiError):
    """HTTP 400 BadRequestException."""


class NotFoundError(ApiError):
    """HTTP 404 NotFoundException."""

    status = 404
    error_type = "NotFoundException"


class InvalidNextTokenError(ApiError):
    """HTTP 400 InvalidNextTokenException (ListSuppressedDestinations models it)."""

    error_type = "InvalidNextTokenException"


class JobFailure(Exception):
    """Ends a job as FAILED; the message becomes FailureInfo.ErrorMessage."""


class RecordError(Exception):
    """One record cannot be imported; the message goes to the failed-records file."""


def _json_response(
    payload: dict[str, Any], *, status: int = 200, error_type: str | None = None
) -> tuple[str, dict[str, Any]]:
    """Shape a (body, headers) pair the way moto's ``call_action`` turns it into an HTTP response."""
    headers: dict[str, Any] = {"status": status, "Content-Type": "application/json"}
    if error_type:
        headers["x-amzn-ErrorType"] = error_type
    return json.dumps(payload), headers


# ------------------------------------------------------------------------- request parsing/validation


@lru_cache(maxsize=1)
def _service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("sesv2")


def _request_params(
    operation: OperationModel, *, body: str | bytes | None, query: str, uri_params: dict[str, str]
) -> dict[str, Any]:
    """Rebuild the caller's parameters from a rest-json request (body members, URI and query string).

    Done by hand rather than with moto's parser because that parser silently drops unknown members and
    reads an unparsable body as ``{}``; the real API rejects both.
    """
    shape = operation.input_shape
    params: dict[str, Any] = {}
    if shape is None:
        return params
    if body and body.strip():
        try:
            decoded = json.loads(body)
        except ValueError as exc:
            raise BadRequestError("The request body is not valid JSON.") from exc
        if not isinstance(decoded, dict):
            raise BadRequestError("The request body must be a JSON object.")
        params.update(decoded)
    query_values = parse_qs(query, keep_blank_values=True)
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "uri" and wire_name in uri_params:
            params[name] = uri_params[wire_name]
        elif location == "querystring" and wire_name in query_values:
            params[name] = _decode_query_value(name, member, query_values[wire_name])
    return params


def _decode_query_value(name: str, member: Shape, values: list[str]) -> Any:
    if member.type_name == "list":
        return values
    value = values[-1]
    if member.type_name == "integer":
        try:
            return int(value)
        except ValueError as exc:
            raise BadRequestError(f"{name} must be an integer.") from exc
    if member.type_name == "timestamp":
        return _parse_timestamp(name, value)
    return value


def _parse_timestamp(name: str, value: str) -> datetime:
    try:
        return datetime.fromtimestamp(float(value)).astimezone()
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise BadRequestError(f"{name} is not a valid timestamp.") from exc
    return parsed if parsed.tzinfo else parsed.astimezone()


def _validate(operation: OperationModel, params: dict[str, Any]) -> None:
    """Check params against the model: botocore's validator, then the enum/pattern/max rules it skips."""
    shape = operation.input_shape
    if shape is None:
        return
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        raise BadRequestError(report.generate_report())
    problems = list(_constraint_problems(shape, params, shape.name))
    if problems:
        raise BadRequestError("\n".join(problems))


def _constraint_problems(shape: Shape, value: Any, path: str) -> Iterator[str]:
    if isinstance(shape, StructureShape):
        for name, member in shape.members.items():
            if name in value:
                yield from _constraint_problems(member, value[name], f"{path}.{name}")
    elif isinstance(shape, ListShape):
        for index, item in enumerate(value):
            yield from _constraint_problems(shape.member, item, f"{path}[{index}]")
    elif shape.type_name == "string" and isinstance(value, str):
        if shape.enum and value not in shape.enum:
            yield f"Invalid value for parameter {path}: {value!r}; valid values: {', '.join(shape.enum)}"
        pattern = shape.metadata.get("pattern")
        if pattern and not re.search(pattern, value):
            yield f"Invalid value for parameter {path}: {value!r} does not match {pattern}"
        maximum = shape.metadata.get("max")
        if maximum is not None and len(value) > maximum:
            yield f"Invalid length for parameter {path}: at most {maximum} characters"


# ------------------------------------------------------------------------------------------ job model


@dataclass
class EmulatedImportJob:
    """One import job as the emulator tracks it; tests read it through ``SesImportJobEmulator.job``.

    ``processed_records_count`` counts records applied successfully, ``failed_records_count`` the others,
    so the two add up to the records in the file.
    """

    job_id: str
    destination: dict[str, Any]
    source: dict[str, Any]
    created_at: float
    processing_at: float
    final_status: str | None = None
    completed_at: float | None = None
    processed_records_count: int = 0
    failed_records_count: int = 0
    error_message: str | None = None
    failed_records_key: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _done: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def destination_type(self) -> str:
        return "CONTACT_LIST" if "ContactListDestination" in self.destination else "SUPPRESSION_LIST"

    @property
    def status(self) -> str:
        """CREATED, then PROCESSING once ``processing_after`` has passed, then COMPLETED or FAILED."""
        with self._lock:
            if self.final_status:
                return self.final_status
        return "PROCESSING" if time.time() >= self.processing_at else "CREATED"

    def wait(self, timeout: float) -> bool:
        """Block until the job has ended; True if it did within ``timeout`` seconds."""
        return self._done.wait(timeout)

    def finish(
        self,
        *,
        status: str,
        processed: int = 0,
        failed: int = 0,
        error: str | None = None,
        report_key: str | None = None,
    ) -> None:
        with self._lock:
            self.processed_records_count = processed
            self.failed_records_count = failed
            self.error_message = error
            self.failed_records_key = report_key
            self.completed_at = time.time()
            self.final_status = status
        self._done.set()

    def summary(self) -> dict[str, Any]:
        """The ImportJobSummary shape (no data source, no failure info)."""
        status = self.status
        with self._lock:
            return {
                "JobId": self.job_id,
                "ImportDestination": copy.deepcopy(self.destination),
                "JobStatus": status,
                "CreatedTimestamp": self.created_at,
                "ProcessedRecordsCount": self.processed_records_count,
                "FailedRecordsCount": self.failed_records_count,
            }

    def describe(self, failed_records_url: str | None) -> dict[str, Any]:
        """The GetImportJob output shape."""
        description = self.summary()
        description["ImportDataSource"] = copy.deepcopy(self.source)
        with self._lock:
            if self.completed_at is not None:
                description["CompletedTimestamp"] = self.completed_at
            failure: dict[str, str] = {}
            if failed_records_url:
                failure["FailedRecordsS3Url"] = failed_records_url
            if self.error_message:
                failure["ErrorMessage"] = self.error_message
        if failure:
            description["FailureInfo"] = failure
        return description


# --------------------------------------------------------------------------------------- S3 and policy


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str

    @classmethod
    def parse(cls, url: str) -> S3Location:
        match = re.fullmatch(r"s3://([^/]+)/(.+)", url)
        if not match:
            raise ValueError(f"{url!r} is not an s3://bucket/key URL")
        return cls(match.group(1), match.group(2))

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:::{self.bucket}/{self.key}"


def _access_denied_reason(policy: bytes | str | None, location: S3Location, account_id: str) -> str | None:
    """Why SES (the service principal) may not GetObject, or None if the bucket policy lets it.

    SES's import jobs read as ses.amazonaws.com and send aws:Referer = the account id, the one condition key SES's
    documentation puts in the bucket policy it asks for (localcloud/iam/services.py has the sources); a policy that
    tests another key, aws:SourceAccount say, does not let SES read.
    """
    prefix = f"Access denied reading {location.url}: the bucket policy"
    try:
        document = json.loads(policy) if policy else None
    except ValueError:
        document = None
    if not isinstance(document, dict):
        return f"{prefix} does not allow {SES_SERVICE_PRINCIPAL} s3:GetObject (no usable bucket policy)"
    decision = services.ses_may_read(document, location.arn, account_id)
    if decision:
        return None
    if "explicit deny" in decision.reason:
        return f"{prefix} explicitly denies {SES_SERVICE_PRINCIPAL} s3:GetObject"
    return f"{prefix} does not allow {SES_SERVICE_PRINCIPAL} s3:GetObject"


def _s3_backend(account_id: str, region: str) -> Any:
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    return s3_backends[account_id][get_partition(region)]


def _read_source(location: S3Location, account_id: str, region: str) -> bytes:
    """The object's bytes (latest version), read the way SES does: only if the bucket policy grants SES."""
    from moto.s3.exceptions import MissingBucket

    backend = _s3_backend(account_id, region)
    try:
        bucket = backend.get_bucket(location.bucket)
    except MissingBucket as exc:
        raise JobFailure(f"Cannot read {location.url}: the bucket does not exist") from exc
    reason = _access_denied_reason(bucket.policy, location, account_id)
    if reason:
        raise JobFailure(reason)
    key = backend.get_object(location.bucket, location.key)
    if key is None:
        raise JobFailure(f"Cannot read {location.url}: the object does not exist")
    return bytes(key.value)


# ------------------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class SourceLine:
    number: int
    text: str


@dataclass(frozen=True)
class FailedRecord:
    line: SourceLine
    error: str


@dataclass(frozen=True)
class ContactRecord:
    email: str
    unsubscribe_all: bool = False
    attributes_data: str | None = None
    topic_preferences: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SuppressionRecord:
    email: str
    reason: str | None = None


Record = ContactRecord | SuppressionRecord


@dataclass(frozen=True)
class JobSpec:
    """What a job asks for, flattened from its destination and source."""

    destination_type: str
    action: str
    data_format: str
    contact_list_name: str | None = None

    @classmethod
    def of(cls, job: EmulatedImportJob) -> JobSpec:
        data_format = job.source["DataFormat"]
        contacts = job.destination.get("ContactListDestination")
        if contacts:
            action, name = contacts["ContactListImportAction"], contacts["ContactListName"]
            return cls("CONTACT_LIST", action, data_format, name)
        action = job.destination["SuppressionListDestination"]["SuppressionListImportAction"]
        return cls("SUPPRESSION_LIST", action, data_format)

    @property
    def has_header(self) -> bool:
        return self.destination_type == "CONTACT_LIST" and self.data_format == "CSV"

    @property
    def record_limit(self) -> tuple[int, str]:
        if self.destination_type == "CONTACT_LIST":
            return CONTACT_LIST_RECORD_LIMIT, "a contact list import"
        if self.action == "PUT":
            return SUPPRESSION_PUT_RECORD_LIMIT, "a suppression list PUT import"
        return SUPPRESSION_DELETE_RECORD_LIMIT, "a suppression list DELETE import"


def _decode_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise JobFailure("The file is not valid UTF-8") from exc


def _source_lines(text: str) -> list[SourceLine]:
    """Non-blank physical lines with their 1-based line numbers (blank lines are skipped, not records)."""
    lines = (raw.rstrip("\r") for raw in text.split("\n"))
    return [SourceLine(number, line) for number, line in enumerate(lines, start=1) if line.strip()]


def _enforce_limit(spec: JobSpec, record_count: int) -> None:
    limit, what = spec.record_limit
    if record_count > limit:
        raise JobFailure(f"The file has {record_count:,} records; {what} accepts at most {limit:,} per file")


def _email(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RecordError("emailAddress is missing")
    address = value.strip()
    local = address.rpartition("@")[0]
    if len(address) > 320 or len(local) > 64 or not _EMAIL_RE.fullmatch(address):
        raise RecordError("emailAddress is not a valid email address")
    return address


def _csv_fields(line: SourceLine) -> list[str]:
    try:
        rows = list(csv.reader([line.text], strict=True))
    except csv.Error as exc:
        raise RecordError(f"malformed CSV: {exc}") from exc
    return [value.strip() for value in rows[0]] if rows else []


def _json_object(line: SourceLine) -> dict[str, Any]:
    try:
        value = json.loads(line.text)
    except ValueError as exc:
        raise RecordError("the line is not valid JSON") from exc
    if not isinstance(value, dict):
        raise RecordError("the line is not a JSON object")
    return value


def _attributes_data(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError("attributesData must be a string holding a JSON object")
    try:
        decoded = json.loads(value)
    except ValueError as exc:
        raise RecordError("attributesData is not valid JSON") from exc
    if not isinstance(decoded, dict):
        raise RecordError("attributesData must be a JSON object")
    return value


def _topic_preference(topic: Any, status: Any, topics: frozenset[str]) -> tuple[str, str]:
    if not isinstance(topic, str) or topic not in topics:
        raise RecordError(f"topic {topic!r} is not a topic of the contact list")
    if status not in _SUBSCRIPTION_STATUSES:
        raise RecordError(f"subscription status for topic {topic!r} must be OPT_IN or OPT_OUT")
    return topic, status


def _csv_bool(value: str) -> bool:
    if value.lower() in ("", "false"):
        return False
    if value.lower() == "true":
        return True
    raise RecordError("unsubscribeAll must be true or false")


def _contact_csv_columns(header: SourceLine) -> list[str]:
    """Column names from the header row; a header SES would reject fails the whole job."""
    try:
        columns = _csv_fields(header)
    except RecordError as exc:
        raise JobFailure(f"The CSV header (line {header.number}) is malformed") from exc
    if "emailAddress" not in columns:
        raise JobFailure(f"The CSV header (line {header.number}) has no emailAddress column")
    for column in columns:
        is_topic = column.startswith(_TOPIC_COLUMN_PREFIX) and len(column) > len(_TOPIC_COLUMN_PREFIX)
        if column not in _CONTACT_COLUMNS and not is_topic:
            raise JobFailure(
                f"Unknown column {column!r} in the CSV header; allowed: emailAddress, unsubscribeAll, "
                f"attributesData, topicPreferences.<TopicName>"
            )
    if len(set(columns)) != len(columns):
        raise JobFailure(f"The CSV header (line {header.number}) repeats a column")
    return columns


def _contact_from_csv(line: SourceLine, columns: list[str], spec: JobSpec, topics: frozenset[str]) -> Record:
    fields = _csv_fields(line)
    if len(fields) != len(columns):
        raise RecordError(f"expected {len(columns)} fields, found {len(fields)}")
    row = dict(zip(columns, fields, strict=True))
    email = _email(row["emailAddress"])
    if spec.action == "DELETE":
        return ContactRecord(email)
    preferences = tuple(
        _topic_preference(column.removeprefix(_TOPIC_COLUMN_PREFIX), value, topics)
        for column, value in row.items()
        if column.startswith(_TOPIC_COLUMN_PREFIX) and value
    )
    return ContactRecord(
        email,
        unsubscribe_all=_csv_bool(row.get("unsubscribeAll", "")),
        attributes_data=_attributes_data(row.get("attributesData")),
        topic_preferences=preferences,
    )


def _contact_from_json(line: SourceLine, spec: JobSpec, topics: frozenset[str]) -> Record:
    item = _json_object(line)
    unknown = sorted(set(item) - _CONTACT_JSON_FIELDS)
    if unknown:
        raise RecordError(f"unknown field(s): {', '.join(unknown)}")
    email = _email(item.get("emailAddress"))
    if spec.action == "DELETE":
        return ContactRecord(email)
    unsubscribe_all = item.get("unsubscribeAll", False)
    if not isinstance(unsubscribe_all, bool):
        raise RecordError("unsubscribeAll must be true or false")
    preferences = item.get("topicPreferences", [])
    if not isinstance(preferences, list) or not all(isinstance(p, dict) for p in preferences):
        raise RecordError("topicPreferences must be a list of {topicName, subscriptionStatus} objects")
    parsed = tuple(_topic_preference(p.get("topicName"), p.get("subscriptionStatus"), topics) for p in preferences)
    if len({topic for topic, _ in parsed}) != len(parsed):
        raise RecordError("topicPreferences names a topic twice")
    return ContactRecord(email, unsubscribe_all, _attributes_data(item.get("attributesData")), parsed)


def _suppression_from_csv(line: SourceLine, spec: JobSpec) -> Record:
    fields = _csv_fields(line)
    expected = 2 if spec.action == "PUT" else 1
    if len(fields) != expected:
        layout = "address,BOUNCE|COMPLAINT" if spec.action == "PUT" else "one address per line"
        raise RecordError(f"expected {layout}")
    return _suppression(fields[0], fields[1] if spec.action == "PUT" else None, spec)


def _suppression_from_json(line: SourceLine, spec: JobSpec) -> Record:
    item = _json_object(line)
    unknown = sorted(set(item) - _SUPPRESSION_JSON_FIELDS)
    if unknown:
        raise RecordError(f"unknown field(s): {', '.join(unknown)}")
    return _suppression(item.get("emailAddress"), item.get("reason"), spec)


def _suppression(address: Any, reason: Any, spec: JobSpec) -> SuppressionRecord:
    email = _email(address)
    if spec.action == "DELETE":
        return SuppressionRecord(email)
    if reason not in _SUPPRESSION_REASONS:
        raise RecordError("reason must be BOUNCE or COMPLAINT")
    return SuppressionRecord(email, reason)


def _parse_records(
    spec: JobSpec, lines: list[SourceLine], topics: frozenset[str]
) -> tuple[list[tuple[SourceLine, Record]], list[FailedRecord]]:
    """Split the file into valid records and failed ones, in file order."""
    parse: Callable[[SourceLine], Record]
    if spec.destination_type == "CONTACT_LIST" and spec.data_format == "CSV":
        if not lines:
            raise JobFailure("The file is empty: a contact list CSV needs a header row with an emailAddress column")
        columns = _contact_csv_columns(lines[0])
        lines = lines[1:]
        parse = partial(_contact_from_csv, columns=columns, spec=spec, topics=topics)
    elif spec.destination_type == "CONTACT_LIST":
        parse = partial(_contact_from_json, spec=spec, topics=topics)
    elif spec.data_format == "CSV":
        parse = partial(_suppression_from_csv, spec=spec)
    else:
        parse = partial(_suppression_from_json, spec=spec)
    records: list[tuple[SourceLine, Record]] = []
    failed: list[FailedRecord] = []
    for line in lines:
        try:
            records.append((line, parse(line)))
        except RecordError as exc:
            failed.append(FailedRecord(line, str(exc)))
    return records, failed


def _failed_records_csv(failed: list[FailedRecord]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["lineNumber", "error", "record"])
    for item in failed:
        writer.writerow([item.line.number, item.error, item.line.text])
    return buffer.getvalue().encode("utf-8")


# ------------------------------------------------------------------------------------------- targets


class ContactListTarget:
    """Applies contact records to a contact list held by moto's sesv2 backend."""

    def __init__(self, contact_list: Any, action: str) -> None:
        self._list = contact_list
        self._action = action

    def apply(self, record: Record) -> None:
        assert isinstance(record, ContactRecord)
        contacts: dict[str, Any] = self._list.contacts
        if self._action == "DELETE":
            if contacts.pop(record.email, None) is None:
                raise RecordError("contact does not exist")
            return
        previous = contacts.get(record.email)
        self._list.create_contact(
            self._list.contact_list_name,
            {
                "EmailAddress": record.email,
                "UnsubscribeAll": record.unsubscribe_all,
                "AttributesData": record.attributes_data,
                "TopicPreferences": [
                    {"TopicName": topic, "SubscriptionStatus": status} for topic, status in record.topic_preferences
                ],
            },
        )
        if previous is not None:  # an overwrite keeps the contact's creation time, as an update would
            contacts[record.email].created_timestamp = previous.created_timestamp


class SuppressionListTarget:
    """Applies suppression records to the emulator's account-level suppression list."""

    def __init__(self, entries: dict[str, tuple[str, float]], lock: threading.Lock, action: str) -> None:
        self._entries = entries
        self._lock = lock
        self._action = action

    def apply(self, record: Record) -> None:
        assert isinstance(record, SuppressionRecord)
        with self._lock:
            if self._action == "DELETE":
                if self._entries.pop(record.email, None) is None:
                    raise RecordError("address is not on the suppression list")
            else:
                self._entries[record.email] = (str(record.reason), time.time())


# ------------------------------------------------------------------------------------------ pagination


def _paginate(
    items: list[Any],
    *,
    page_size: int | None,
    token: str | None,
    scope: str,
    default_size: int,
    error: type[ApiError],
) -> tuple[list[Any], str | None]:
    """One page and the token for the next; the token is bound to the query that produced it."""
    size = default_size if page_size is None else page_size
    if size < 1:
        raise BadRequestError("PageSize must be at least 1.")
    offset = 0
    if token:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
            offset, token_scope = int(decoded["offset"]), decoded["scope"]
        except (ValueError, KeyError, TypeError) as exc:
            raise error("The NextToken is not valid.") from exc
        if token_scope != scope or offset < 0:
            raise error("The NextToken does not belong to this query.")
    page = items[offset : offset + size]
    if offset + size >= len(items):
        return page, None
    next_token = base64.urlsafe_b64encode(json.dumps({"offset": offset + size, "scope": scope}).encode())
    return page, next_token.decode()


# ------------------------------------------------------------------------------------------- emulator


class SesImportJobEmulator:
    """SES v2 import jobs (and suppression-list reads) served by moto's in-process HTTP server."""

    def __init__(
        self,
        *,
        endpoint_url: str,
        account_id: str = "123456789012",
        region: str = "us-east-1",
        processing_after: float = 0.3,
        complete_after: float = 1.0,
        reports_bucket: str = "listdrop-localcloud-ses-failed-records",
    ) -> None:
        if not 0 <= processing_after <= complete_after:
            raise ValueError("need 0 <= processing_after <= complete_after")
        self.endpoint_url = endpoint_url.rstrip("/")
        self.account_id = account_id
        self.region = region
        self.processing_after = processing_after
        self.complete_after = complete_after
        self.reports_bucket = reports_bucket
        self._jobs: dict[str, EmulatedImportJob] = {}
        self._timers: dict[str, threading.Timer] = {}
        self._suppressed: dict[str, tuple[str, float]] = {}
        self._state_lock = threading.Lock()
        self._suppression_lock = threading.Lock()
        self._processing_lock = threading.Lock()
        self._s3_client: Any = None
        self._api: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "CreateImportJob": self._create_import_job,
            "GetImportJob": self._get_import_job,
            "ListImportJobs": self._list_import_jobs,
            "GetSuppressedDestination": self._get_suppressed_destination,
            "ListSuppressedDestinations": self._list_suppressed_destinations,
        }

    # ----------------------------------------------------------------------------------- public API

    def install(self) -> None:
        """Make moto's server answer CreateImportJob, GetImportJob, ListImportJobs (and, while moto lacks
        them, GetSuppressedDestination and ListSuppressedDestinations) for sesv2, from this emulator.

        Works before or after ``ThreadedMotoServer.start()``: both patches are on classes (moto's
        ``SESV2Response`` and ``DomainDispatcherApplication``), which running servers consult per request.
        Idempotent. The patches are process-wide: the emulator installed last serves every server.
        """
        _install(self)

    def reset(self) -> None:
        """Forget all jobs and empty the local suppression list. Pending jobs never run; a job being
        processed is finished first, so no stale result lands after the reset."""
        with self._state_lock:
            timers = list(self._timers.values())
            self._timers.clear()
        for timer in timers:
            timer.cancel()
        with self._processing_lock, self._state_lock, self._suppression_lock:
            self._jobs.clear()
            self._suppressed.clear()

    @property
    def suppression_list(self) -> dict[str, str]:
        """The local account-level suppression list: address -> BOUNCE|COMPLAINT (a copy)."""
        with self._suppression_lock:
            return {address: reason for address, (reason, _) in self._suppressed.items()}

    def jobs(self) -> list[EmulatedImportJob]:
        """Every job created since the last reset, for tests and reports (reading them injects no faults)."""
        with self._state_lock:
            return list(self._jobs.values())

    def job(self, job_id: str) -> EmulatedImportJob:
        """The job's live record; KeyError if there is none."""
        with self._state_lock:
            return self._jobs[job_id]

    # -------------------------------------------------------------------------------- request entry

    def handle(self, operation_name: str, request: Any) -> tuple[str, dict[str, Any]]:
        """Serve one moto ``SESV2Response`` request for ``operation_name``; errors become rest-json errors."""
        try:
            self._check_scope(request.current_account, request.region)
            operation = _service_model().operation_model(operation_name)
            params = _request_params(
                operation, body=request.body, query=request.parsed_url.query, uri_params=request.uri_match
            )
            _validate(operation, params)
            return _json_response(self._api[operation_name](params))
        except ApiError as exc:
            return exc.render()

    def _check_scope(self, account_id: str, region: str) -> None:
        if (account_id, region) != (self.account_id, self.region):
            raise BadRequestError(
                f"This SES emulator serves account {self.account_id} in {self.region}; "
                f"the request was for account {account_id} in {region}."
            )

    # ----------------------------------------------------------------------------------- operations

    def _create_import_job(self, params: dict[str, Any]) -> dict[str, Any]:
        destination, source = params["ImportDestination"], params["ImportDataSource"]
        kinds = ("ContactListDestination", "SuppressionListDestination")
        if sum(kind in destination for kind in kinds) != 1:
            raise BadRequestError(
                "ImportDestination must contain exactly one of ContactListDestination and SuppressionListDestination."
            )
        contacts = destination.get("ContactListDestination")
        if contacts and self._contact_list(contacts["ContactListName"]) is None:
            raise NotFoundError(f"List with name: {contacts['ContactListName']} doesn't exist.")
        now = time.time()
        job = EmulatedImportJob(
            job_id=str(uuid.uuid4()),
            destination=copy.deepcopy(destination),
            source=copy.deepcopy(source),
            created_at=now,
            processing_at=now + self.processing_after,
        )
        timer = threading.Timer(self.complete_after, self._run_job, args=(job.job_id,))
        timer.daemon = True
        with self._state_lock:
            self._jobs[job.job_id] = job
            self._timers[job.job_id] = timer
        timer.start()
        LOGGER.info("SES import job %s created (%s %s)", job.job_id, job.destination_type, source["DataFormat"])
        return {"JobId": job.job_id}

    def _get_import_job(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._state_lock:
            job = self._jobs.get(params["JobId"])
        if job is None:
            raise NotFoundError(f"Import job {params['JobId']} does not exist.")
        key = job.failed_records_key
        return job.describe(self._presigned_url(key) if key else None)

    def _list_import_jobs(self, params: dict[str, Any]) -> dict[str, Any]:
        wanted = params.get("ImportDestinationType")
        with self._state_lock:
            jobs = [job for job in self._jobs.values() if wanted in (None, job.destination_type)]
        page, token = _paginate(
            jobs,
            page_size=params.get("PageSize"),
            token=params.get("NextToken"),
            scope=f"jobs:{wanted}",
            default_size=DEFAULT_IMPORT_JOBS_PAGE_SIZE,
            error=BadRequestError,
        )
        response: dict[str, Any] = {"ImportJobs": [job.summary() for job in page]}
        if token:
            response["NextToken"] = token
        return response

    def _get_suppressed_destination(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_tenant(params)
        address = params["EmailAddress"]
        with self._suppression_lock:
            entry = self._suppressed.get(address)
        if entry is None:
            raise NotFoundError(f"Email address {address} does not exist on your suppression list.")
        reason, updated = entry
        summary = {"EmailAddress": address, "Reason": reason, "LastUpdateTime": updated}
        return {"SuppressedDestination": summary}

    def _list_suppressed_destinations(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_tenant(params)
        reasons = params.get("Reasons") or list(_SUPPRESSION_REASONS)
        start, end = params.get("StartDate"), params.get("EndDate")
        with self._suppression_lock:
            entries = [
                {"EmailAddress": address, "Reason": reason, "LastUpdateTime": updated}
                for address, (reason, updated) in self._suppressed.items()
                if reason in reasons
                and (start is None or updated >= start.timestamp())
                and (end is None or updated <= end.timestamp())
            ]
        scope = f"suppressed:{sorted(reasons)}:{start}:{end}"
        page, token = _paginate(
            entries,
            page_size=params.get("PageSize"),
            token=params.get("NextToken"),
            scope=scope,
            default_size=DEFAULT_SUPPRESSION_PAGE_SIZE,
            error=InvalidNextTokenError,
        )
        response: dict[str, Any] = {"SuppressedDestinationSummaries": page}
        if token:
            response["NextToken"] = token
        return response

    @staticmethod
    def _check_tenant(params: dict[str, Any]) -> None:
        if params.get("TenantName"):
            raise NotFoundError(f"Tenant {params['TenantName']} does not exist.")

    # ----------------------------------------------------------------------------------- processing

    def _run_job(self, job_id: str) -> None:
        """Timer target: process the job exactly once, one job at a time, then record how it ended."""
        with self._processing_lock:
            with self._state_lock:
                self._timers.pop(job_id, None)
                job = self._jobs.get(job_id)
            if job is None:  # reset() dropped it
                return
            try:
                processed, failed, report_key = self._process(job)
            except JobFailure as exc:
                job.finish(status="FAILED", error=str(exc))
            except Exception as exc:  # keep the job observable instead of leaving it PROCESSING forever
                LOGGER.error("SES import job %s: unexpected %s", job_id, type(exc).__name__)
                job.finish(status="FAILED", error=f"Internal emulator error ({type(exc).__name__})")
            else:
                job.finish(status="COMPLETED", processed=processed, failed=failed, report_key=report_key)
        LOGGER.info(
            "SES import job %s %s: %d processed, %d failed",
            job_id,
            job.final_status,
            job.processed_records_count,
            job.failed_records_count,
        )

    def _process(self, job: EmulatedImportJob) -> tuple[int, int, str | None]:
        spec = JobSpec.of(job)
        target, topics = self._target(spec)
        location = S3Location.parse(job.source["S3Url"])
        lines = _source_lines(_decode_text(_read_source(location, self.account_id, self.region)))
        _enforce_limit(spec, len(lines) - (1 if spec.has_header and lines else 0))
        records, failed = _parse_records(spec, lines, topics)
        applied = 0
        for line, record in records:
            try:
                target.apply(record)
                applied += 1
            except RecordError as exc:
                failed.append(FailedRecord(line, str(exc)))
        failed.sort(key=lambda item: item.line.number)
        report_key = self._store_report(job.job_id, failed) if failed else None
        return applied, len(failed), report_key

    def _target(self, spec: JobSpec) -> tuple[ContactListTarget | SuppressionListTarget, frozenset[str]]:
        if spec.destination_type == "SUPPRESSION_LIST":
            return SuppressionListTarget(self._suppressed, self._suppression_lock, spec.action), frozenset()
        contact_list = self._contact_list(str(spec.contact_list_name))
        if contact_list is None:
            raise JobFailure(f"The contact list {spec.contact_list_name} no longer exists")
        topics = frozenset(topic.get("TopicName") for topic in contact_list.topics or [])
        return ContactListTarget(contact_list, spec.action), topics

    def _contact_list(self, name: str) -> Any:
        from moto.sesv2.models import sesv2_backends

        backend = sesv2_backends[self.account_id][self.region]
        return backend.core_backend.contacts_lists.get(name)

    # -------------------------------------------------------------------------------------- reports

    def _store_report(self, job_id: str, failed: list[FailedRecord]) -> str:
        """Write the failed-records CSV to the reports bucket (created if missing); return its key."""
        from moto.s3.exceptions import MissingBucket

        backend = _s3_backend(self.account_id, self.region)
        try:
            backend.get_bucket(self.reports_bucket)
        except MissingBucket:
            backend.create_bucket(self.reports_bucket, self.region)
        key = f"{job_id}/failed-records.csv"
        backend.put_object(self.reports_bucket, key, _failed_records_csv(failed), disable_notification=True)
        return key

    def _presigned_url(self, key: str) -> str:
        """A fresh one-hour GET URL per call, like SES hands out on each GetImportJob."""
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
        params = {"Bucket": self.reports_bucket, "Key": key}
        url = client.generate_presigned_url("get_object", Params=params, ExpiresIn=PRESIGNED_URL_TTL_SECONDS)
        return str(url)


# ------------------------------------------------------------------------------------- moto integration

_INSTALL_LOCK = threading.Lock()
_ROUTES_LOCK = threading.Lock()
_active_emulator: SesImportJobEmulator | None = None


def _install(emulator: SesImportJobEmulator) -> None:
    global _active_emulator
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.sesv2.responses import SESV2Response

    with _INSTALL_LOCK:
        _active_emulator = emulator
        for operation in EMULATED_OPERATIONS:
            _set_handler(SESV2Response, operation, replace_moto=True)
        for operation in FALLBACK_OPERATIONS:
            _set_handler(SESV2Response, operation, replace_moto=False)
        _wrap_get_application(DomainDispatcherApplication)


def _set_handler(response_class: type, operation: str, *, replace_moto: bool) -> None:
    """Give moto's response class a method for the operation (the name moto's ``call_action`` looks up)."""
    from moto.core.utils import camelcase_to_underscores

    name = camelcase_to_underscores(operation)
    existing = getattr(response_class, name, None)
    if existing is not None and (getattr(existing, _PATCH_MARK, False) or not replace_moto):
        return

    def handler(response: Any) -> tuple[str, dict[str, Any]]:
        emulator = _active_emulator
        if emulator is None:  # pragma: no cover - handlers exist only after an install
            return BadRequestError("The SES import-job emulator is not installed.").render()
        return emulator.handle(operation, response)

    handler.__name__ = name
    setattr(handler, _PATCH_MARK, True)
    setattr(response_class, name, handler)


def _wrap_get_application(dispatcher_class: Any) -> None:
    """Route the emulated paths in every sesv2 Flask app moto's dispatcher hands out, old or new."""
    original = dispatcher_class.get_application
    if getattr(original, _PATCH_MARK, False):
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
    """Add the URL rules moto's sesv2 app lacks. Bypasses ``add_url_rule``, which Flask refuses once an
    app has served a request; ``url_map.add`` is what it does underneath."""
    from moto.core.utils import convert_to_flask_response
    from moto.sesv2.responses import SESV2Response
    from werkzeug.routing import Rule

    with _ROUTES_LOCK:
        if getattr(app, _PATCH_MARK, False):
            return
        view = convert_to_flask_response(SESV2Response.dispatch)
        for index, path in enumerate(_FLASK_ROUTES):
            endpoint = f"listdrop_sesv2_emulator_{index}"
            app.url_map.add(Rule(path, endpoint=endpoint, methods=_HTTP_METHODS, strict_slashes=False))
            app.view_functions[endpoint] = view
        setattr(app, _PATCH_MARK, True)

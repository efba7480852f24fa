"""Amazon Pinpoint endpoint import-job emulator for moto's in-process HTTP server.

Why this exists: moto 5.2.5 knows Pinpoint apps (CreateApp, GetApp...) but has no import jobs, endpoints or
segments: ``/v1/apps/{id}/jobs/import`` answers 404. listdrop starts Pinpoint import jobs and polls them,
so local runs need a stand-in that behaves like the service: the job walks through the statuses botocore
lists, Pinpoint reads S3 by assuming the caller's role (so the role's trust and permission policies matter),
every endpoint definition is validated and failures are counted and reported.

How it hooks into moto (see :meth:`PinpointImportJobEmulator.install`), the same way as the SES emulator in
``sesv2_import_jobs``: handler methods are set on ``moto.pinpoint.responses.PinpointResponse`` (moto resolves
the operation from method and URI with botocore's model, then looks the method up on the class), and
``DomainDispatcherApplication.get_application`` is wrapped so that the pinpoint Flask app also routes the
import-job, segment and endpoint paths. Both are class-level patches: they reach servers started before or
after ``install()``.

Job life cycle (one status per ``step_seconds``; ``job.history`` records it):

* success: CREATED -> PREPARING_FOR_INITIALIZATION -> INITIALIZING -> PROCESSING -> PENDING_JOB ->
  COMPLETING -> COMPLETED
* failure: ... -> (INITIALIZING or PROCESSING) -> FAILING -> FAILED

At INITIALIZING the role is checked and the pieces are listed; at PROCESSING each piece (one S3 object) is
read and its endpoints registered; at COMPLETING the segment is created or updated. Botocore lists the nine
statuses in that order but AWS does not document their meaning; the order and the point at which each piece of
work happens are assumptions. A job FAILS when the role cannot be assumed, nothing is found to import, or
every piece failed; a job with some failed pieces COMPLETES with ``FailedPieces`` > 0 (assumption).

Endpoint file layout. Confirmed in the AWS docs:

* https://docs.aws.amazon.com/pinpoint/latest/developerguide/audience-define-import.html: CSV whose first
  line is a header of endpoint attributes, nested attributes in dot notation (``Location.Country``); a value
  holding a comma or double quote is enclosed in double quotes; no line breaks within a value. JSON is
  newline-delimited, one complete endpoint definition (EndpointRequest shape) per line. S3Url may end with an
  object key or a prefix; with mixed formats under a prefix only files of the requested format are imported.
* https://docs.aws.amazon.com/pinpoint/latest/userguide/segments-importing.html ("Supported attributes"):
  Address, Attributes.<name>, ChannelType, Demographic.{AppVersion, Locale, Make, Model, ModelVersion,
  Platform, PlatformVersion, Timezone}, EffectiveDate, Id, Location.{City, Country, Latitude, Longitude,
  PostalCode, Region}, Metrics.<name> (numeric), OptOut (ALL|NONE), RequestId, User.UserAttributes.<name>,
  User.UserId. EndpointStatus is not in that list, and the text above it says it is not supported when
  importing, so a column or field naming it fails (the same text names EffectiveDate, which the table lists:
  EffectiveDate is accepted, an assumption). New endpoints need Address and ChannelType; updating an
  existing one needs Id. UTF-8 only, no compressed files, no tabs in CSV. Attribute names <= 50 characters,
  values <= 100. A multi-valued custom attribute repeats its CSV column; in JSON it is a list.
* https://docs.aws.amazon.com/pinpoint/latest/developerguide/permissions-import-segment.html: the role trusts
  ``pinpoint.amazonaws.com`` for sts:AssumeRole and grants S3 read (AmazonS3ReadOnlyAccess).
* botocore model: ``Failures`` holds the first 100 failed entries; TotalFailures counts definitions that were
  not processed successfully; a SegmentId import "updates or adds to" that segment.

Assumed (not documented): the Failures entry text (``<s3 url> line <n>: <reason>``); TotalProcessed counts
every definition read, failed ones included; a file's format is told from its extension (``.csv``;
``.json``/``.jsonl``/``.ndjson``), files with another extension are imported as the requested format; an
unknown CSV column fails its piece; a new endpoint without Id gets a random one (re-importing such a file
creates duplicates); a row updating an endpoint replaces the top-level members it names; an import into an
existing segment adds its endpoints to the segment and bumps its Version; phone numbers (SMS/VOICE) must look
like E.164 with an optional ``+``; RegisterEndpoints and DefineSegment default to false, ExternalId to the
account id (the documented response example echoes defaults like these); DefineSegment without SegmentId needs
a SegmentName; GetImportJobs pages default to 100 items in creation order.

Simplifications, on purpose: one account and region per emulator; roles must be in that account; the trust
policy and the role's identity policies (s3:GetObject on each object's ARN) are evaluated by the local cloud's IAM
evaluator (localcloud/iam/policy.py), with the condition keys Pinpoint sends, together with the bucket policy;
s3:ListBucket and KMS are not evaluated; one record per physical line.
"""

from __future__ import annotations

import base64
import copy
import csv
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, unquote

import botocore.session
from botocore.model import OperationModel, ServiceModel
from botocore.validate import ParamValidator

from localcloud.emulators.sesv2_import_jobs import (
    _constraint_problems,
    _json_response,
    _s3_backend,
)
from localcloud.iam.policy import Principal, Request, authorize

LOGGER = logging.getLogger(__name__)

PINPOINT_SERVICE_PRINCIPAL = "pinpoint.amazonaws.com"
MAX_FAILURE_ENTRIES = 100
ATTRIBUTE_NAME_MAX = 50
ATTRIBUTE_VALUE_MAX = 100
DEFAULT_PAGE_SIZE = 100  # not documented; an assumption

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

# Operations always served by the emulator, and those served only while moto lacks them.
EMULATED_OPERATIONS = ("CreateImportJob", "GetImportJob", "GetImportJobs")
FALLBACK_OPERATIONS = ("GetSegment", "GetSegments", "GetEndpoint")

_FLASK_ROUTES = (
    "/v1/apps/<app_id>/jobs/import",
    "/v1/apps/<app_id>/jobs/import/<job_id>",
    "/v1/apps/<app_id>/segments",
    "/v1/apps/<app_id>/segments/<segment_id>",
    "/v1/apps/<app_id>/endpoints/<endpoint_id>",
)
_HTTP_METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"]
_PATCH_MARK = "_listdrop_pinpoint_emulator"

_ROLE_ARN_RE = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):role/.+")
_S3_URL_RE = re.compile(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(.*))?", re.DOTALL)
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE_RE = re.compile(r"\+?[1-9]\d{1,14}")
_FORMAT_EXTENSIONS = {"CSV": (".csv",), "JSON": (".json", ".jsonl", ".ndjson")}

_DEMOGRAPHIC_FIELDS = (
    "AppVersion",
    "Locale",
    "Make",
    "Model",
    "ModelVersion",
    "Platform",
    "PlatformVersion",
    "Timezone",
)
_LOCATION_FIELDS = ("City", "Country", "Latitude", "Longitude", "PostalCode", "Region")
_SIMPLE_COLUMNS = frozenset(
    {"Address", "ChannelType", "EffectiveDate", "Id", "OptOut", "RequestId", "User.UserId"}
    | {f"Demographic.{name}" for name in _DEMOGRAPHIC_FIELDS}
    | {f"Location.{name}" for name in _LOCATION_FIELDS}
)
_MULTI_VALUE_PREFIXES = ("Attributes.", "User.UserAttributes.")
_METRIC_PREFIX = "Metrics."
_FLOAT_COLUMNS = frozenset({"Location.Latitude", "Location.Longitude"})
_SUPPORTED_MEMBERS = frozenset(
    {
        "Address",
        "Attributes",
        "ChannelType",
        "Demographic",
        "EffectiveDate",
        "Id",
        "Location",
        "Metrics",
        "OptOut",
        "RequestId",
        "User",
    }
)


# --------------------------------------------------------------------------------------------- errors


class PinpointApiError(Exception):
    """An error the Pinpoint API returns, rendered as rest-json so botocore raises the modelled class."""

    status = 400
    error_type = "BadRequestException"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def render(self) -> tuple[str, dict[str, Any]]:
        body = {"Message": self.message, "RequestID": str(uuid.uuid4())}
        return _json_response(body, status=self.status, error_type=self.error_type)


class BadRequestError(PinpointApiError):
    """HTTP 400 BadRequestException."""


class NotFoundError(PinpointApiError):
    """HTTP 404 NotFoundException."""

    status = 404
    error_type = "NotFoundException"


class JobFailure(Exception):
    """Ends a job as FAILED; the message becomes a Failures entry unless ``recorded`` says it already is."""

    def __init__(self, message: str, *, recorded: bool = False) -> None:
        super().__init__(message)
        self.recorded = recorded


class RecordError(Exception):
    """One endpoint definition cannot be imported; counted in TotalFailures."""


class PieceFailure(Exception):
    """One piece (S3 object) cannot be imported at all; counted in FailedPieces."""


def _now() -> str:
    """ISO 8601 with milliseconds, the way Pinpoint writes its dates."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# ------------------------------------------------------------------------- request parsing/validation


@lru_cache(maxsize=1)
def _service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("pinpoint")


def _request_params(
    operation: OperationModel, *, body: str | bytes | None, query: str, uri_params: dict[str, str]
) -> dict[str, Any]:
    """Rebuild the caller's parameters from a rest-json request: the payload member (or body members), URI
    labels and the query string. By hand, because moto's parser drops unknown members and reads bad JSON as {}.
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
        payload = shape.serialization.get("payload")
        if payload:
            params[payload] = decoded
        else:
            params.update(decoded)
    query_values = parse_qs(query, keep_blank_values=True)
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "uri" and wire_name in uri_params:
            params[name] = unquote(uri_params[wire_name])
        elif location == "querystring" and wire_name in query_values:
            params[name] = query_values[wire_name][-1]
    return params


def _validate(operation: OperationModel, params: dict[str, Any]) -> None:
    """botocore's validator (required, unknown, types), then the enum rules it skips."""
    shape = operation.input_shape
    if shape is None:
        return
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        raise BadRequestError(report.generate_report())
    problems = list(_constraint_problems(shape, params, shape.name))
    if problems:
        raise BadRequestError("\n".join(problems))


def _page_size(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_PAGE_SIZE
    try:
        size = int(value)
    except ValueError as exc:
        raise BadRequestError("PageSize must be a whole number.") from exc
    if size < 1:
        raise BadRequestError("PageSize must be at least 1.")
    return size


def _paginate(
    items: list[Any], *, page_size: str | None, token: str | None, scope: str
) -> tuple[list[Any], str | None]:
    """One page and the token for the next; the token is bound to the listing that produced it."""
    size = _page_size(page_size)
    offset = 0
    if token:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
            offset, token_scope = int(decoded["offset"]), decoded["scope"]
        except (ValueError, KeyError, TypeError) as exc:
            raise BadRequestError("The Token is not valid.") from exc
        if token_scope != scope or offset < 0:
            raise BadRequestError("The Token does not belong to this request.")
    page = items[offset : offset + size]
    if offset + size >= len(items):
        return page, None
    next_token = base64.urlsafe_b64encode(json.dumps({"offset": offset + size, "scope": scope}).encode())
    return page, next_token.decode()


# ------------------------------------------------------------------------------------------ job model


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


# ------------------------------------------------------------------------------------- IAM evaluation


def _document(document: Any) -> dict[str, Any] | None:
    """A policy document given as a dict or a (possibly URL-encoded) JSON string, as moto's IAM keeps it."""
    if isinstance(document, bytes):
        document = document.decode("utf-8", "replace")
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            try:
                document = json.loads(unquote(document))
            except ValueError:
                return None
    return document if isinstance(document, dict) else None


@dataclass(frozen=True)
class AssumedRole:
    """The identity Pinpoint acts as once it assumed the job's role."""

    arn: str
    policies: tuple[dict[str, Any], ...]

    def denied_reason(self, action: str, resource: str, resource_policy: Any = None) -> str | None:
        """Why the role may not perform ``action`` on ``resource`` (its policies, and the resource's own policy,
        e.g. the bucket policy), or None if they allow it."""
        request = Request(Principal(self.arn), action, resource, {"aws:SecureTransport": "true"})
        policy = _document(resource_policy)
        decision = authorize(request, self.policies, policy, resource_account=self.arn.split(":")[4])
        if decision:
            return None
        if "explicit deny" in decision.reason:
            return f"the policies of role {self.arn} or of the bucket explicitly deny {action} on {resource}"
        return f"the policies of role {self.arn} do not allow {action} on {resource}"


def _assume_role(role_arn: str, account_id: str, context: dict[str, str]) -> AssumedRole:
    """Check what sts:AssumeRole by pinpoint.amazonaws.com would check (the role's trust policy, evaluated by the
    local cloud's IAM evaluator with the keys Pinpoint sends); JobFailure with the reason if it fails."""
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    prefix = f"Amazon Pinpoint could not assume the role {role_arn}"
    match = _ROLE_ARN_RE.fullmatch(role_arn)
    if not match or match.group(1) != account_id:
        raise JobFailure(f"{prefix}: the role does not exist in account {account_id}")
    backend = iam_backends[account_id]["aws"]
    try:
        role = backend.get_role_by_arn(role_arn)
    except NotFoundException as exc:
        raise JobFailure(f"{prefix}: the role does not exist") from exc
    request = Request(Principal(PINPOINT_SERVICE_PRINCIPAL), "sts:AssumeRole", role_arn, context)
    decision = authorize(request, (), _document(role.assume_role_policy_document), resource_account=account_id)
    if not decision:
        if "explicit deny" in decision.reason:
            raise JobFailure(f"{prefix}: its trust policy denies {PINPOINT_SERVICE_PRINCIPAL} sts:AssumeRole")
        raise JobFailure(
            f"{prefix}: its trust policy does not allow {PINPOINT_SERVICE_PRINCIPAL} to call sts:AssumeRole"
        )
    documents = [_document(document) for document in role.policies.values()]
    for policy in role.managed_policies.values():
        documents.extend(_document(version.document) for version in policy.versions if version.is_default)
    return AssumedRole(role.arn, tuple(d for d in documents if d is not None))


# --------------------------------------------------------------------------------------- S3 and pieces


@dataclass(frozen=True)
class Piece:
    bucket: str
    key: str

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:::{self.bucket}/{self.key}"


def _parse_s3_url(url: str) -> tuple[str, str]:
    match = _S3_URL_RE.fullmatch(url)
    if not match:
        raise ValueError(url)
    return match.group(1), match.group(2) or ""


def _of_other_format(key: str, data_format: str) -> bool:
    lowered = key.lower()
    return any(
        lowered.endswith(extension)
        for other, extensions in _FORMAT_EXTENSIONS.items()
        if other != data_format
        for extension in extensions
    )


def _list_pieces(s3_url: str, data_format: str, account_id: str, region: str) -> list[Piece]:
    """The objects the job imports: the object named by the URL, else every object under it as a prefix."""
    from moto.s3.exceptions import MissingBucket

    bucket_name, key = _parse_s3_url(s3_url)
    backend = _s3_backend(account_id, region)
    try:
        bucket = backend.get_bucket(bucket_name)
    except MissingBucket as exc:
        raise JobFailure(f"Cannot read {s3_url}: the bucket {bucket_name} does not exist") from exc
    names = sorted(name for name in list(bucket.keys) if name.startswith(key))
    if key in names and not key.endswith("/"):
        names = [key]
    pieces = [
        Piece(bucket_name, name)
        for name in names
        if not name.endswith("/")
        and not _of_other_format(name, data_format)
        and backend.get_object(bucket_name, name) is not None
    ]
    if not pieces:
        raise JobFailure(f"No {data_format} files were found at {s3_url}")
    return pieces


def _read_piece(piece: Piece, role: AssumedRole, account_id: str, region: str) -> str:
    """The object's text, read as the assumed role; PieceFailure when it cannot be read or decoded."""
    bucket_policy = _s3_backend(account_id, region).get_bucket(piece.bucket).policy
    reason = role.denied_reason("s3:GetObject", piece.arn, bucket_policy)
    if reason:
        raise PieceFailure(f"Access denied reading {piece.url}: {reason}")
    key = _s3_backend(account_id, region).get_object(piece.bucket, piece.key)
    if key is None:
        raise PieceFailure(f"Cannot read {piece.url}: the object no longer exists")
    data = bytes(key.value)
    if data[:2] == b"\x1f\x8b" or data[:4] == b"PK\x03\x04":
        raise PieceFailure(f"Cannot import {piece.url}: Amazon Pinpoint cannot import compressed files")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PieceFailure(f"Cannot import {piece.url}: the file is not UTF-8 encoded") from exc


# ------------------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class SourceLine:
    number: int
    text: str


def _source_lines(text: str) -> list[SourceLine]:
    lines = (raw.rstrip("\r") for raw in text.split("\n"))
    return [SourceLine(number, line) for number, line in enumerate(lines, start=1) if line.strip()]


def _csv_fields(text: str) -> list[str]:
    rows = list(csv.reader([text], strict=True))
    return [value.strip() for value in rows[0]] if rows else []


def _csv_columns(piece: Piece, header: SourceLine) -> list[str]:
    """Column names from the header row; a header Pinpoint would not understand fails the piece."""
    try:
        columns = _csv_fields(header.text)
    except csv.Error as exc:
        raise PieceFailure(f"{piece.url} line {header.number}: the CSV header is malformed ({exc})") from exc
    seen: set[str] = set()
    for column in columns:
        custom = next((p for p in (*_MULTI_VALUE_PREFIXES, _METRIC_PREFIX) if column.startswith(p)), None)
        if custom:
            name = column.removeprefix(custom)
            if not name or len(name) > ATTRIBUTE_NAME_MAX:
                raise PieceFailure(
                    f"{piece.url}: column {column!r} needs an attribute name of 1 to {ATTRIBUTE_NAME_MAX} characters"
                )
        elif column not in _SIMPLE_COLUMNS:
            raise PieceFailure(f"{piece.url}: column {column!r} is not a supported endpoint attribute")
        if column in seen and not column.startswith(_MULTI_VALUE_PREFIXES):
            raise PieceFailure(f"{piece.url}: column {column!r} appears more than once")
        seen.add(column)
    if "Address" not in columns and "Id" not in columns and "User.UserId" not in columns:
        raise PieceFailure(f"{piece.url}: the CSV header names neither Address nor Id")
    return columns


def _number(column: str, value: str) -> float:
    try:
        return float(value)
    except ValueError as exc:
        raise RecordError(f"{column} must be a number") from exc


def _definition_from_csv(line: SourceLine, columns: list[str]) -> dict[str, Any]:
    """Turn one CSV row into the nested EndpointRequest-like dict (dot notation -> nested objects)."""
    if "\t" in line.text:
        raise RecordError("tabs are not supported in CSV files")
    try:
        fields = _csv_fields(line.text)
    except csv.Error as exc:
        raise RecordError(f"malformed CSV ({exc})") from exc
    if len(fields) != len(columns):
        raise RecordError(f"expected {len(columns)} fields, found {len(fields)}")
    definition: dict[str, Any] = {}
    for column, value in zip(columns, fields, strict=True):
        if value == "":
            continue
        if column.startswith("Attributes."):
            definition.setdefault("Attributes", {}).setdefault(column.removeprefix("Attributes."), []).append(value)
        elif column.startswith("User.UserAttributes."):
            attributes = definition.setdefault("User", {}).setdefault("UserAttributes", {})
            attributes.setdefault(column.removeprefix("User.UserAttributes."), []).append(value)
        elif column.startswith(_METRIC_PREFIX):
            definition.setdefault("Metrics", {})[column.removeprefix(_METRIC_PREFIX)] = _number(column, value)
        elif "." in column:
            parent, child = column.split(".", 1)
            converted: Any = _number(column, value) if column in _FLOAT_COLUMNS else value
            definition.setdefault(parent, {})[child] = converted
        else:
            definition[column] = value
    return definition


def _definition_from_json(line: SourceLine) -> dict[str, Any]:
    try:
        value = json.loads(line.text)
    except ValueError as exc:
        raise RecordError("the line is not valid JSON") from exc
    if not isinstance(value, dict):
        raise RecordError("the line is not a JSON object")
    return value


@lru_cache(maxsize=1)
def _batch_item_shape() -> Any:
    return _service_model().shape_for("EndpointBatchItem")


def _check_definition(definition: dict[str, Any]) -> None:
    """Validate one endpoint definition against the model (types, enums) and the documented import rules."""
    unsupported = sorted(set(definition) - _SUPPORTED_MEMBERS)
    if unsupported:
        raise RecordError(f"unsupported attribute(s): {', '.join(unsupported)}")
    shape = _batch_item_shape()
    report = ParamValidator().validate(definition, shape)
    if report.has_errors():
        raise RecordError(report.generate_report().splitlines()[0])
    problems = list(_constraint_problems(shape, definition, "Endpoint"))
    if problems:
        raise RecordError(problems[0])
    if definition.get("OptOut") not in (None, "ALL", "NONE"):
        raise RecordError("OptOut must be ALL or NONE")
    location = definition.get("Location") or {}
    if not -90 <= location.get("Latitude", 0) <= 90 or not -180 <= location.get("Longitude", 0) <= 180:
        raise RecordError("Location.Latitude/Longitude is out of range")
    custom = [definition.get("Attributes") or {}, (definition.get("User") or {}).get("UserAttributes") or {}]
    for attributes in custom:
        for name, values in attributes.items():
            if not name or len(name) > ATTRIBUTE_NAME_MAX:
                raise RecordError(f"attribute name {name!r} must have 1 to {ATTRIBUTE_NAME_MAX} characters")
            if any(len(value) > ATTRIBUTE_VALUE_MAX for value in values):
                raise RecordError(f"a value of attribute {name!r} is longer than {ATTRIBUTE_VALUE_MAX} characters")
    for name in definition.get("Metrics") or {}:
        if not name or len(name) > ATTRIBUTE_NAME_MAX:
            raise RecordError(f"metric name {name!r} must have 1 to {ATTRIBUTE_NAME_MAX} characters")
    _check_address(definition.get("ChannelType"), definition.get("Address"))


def _check_address(channel: str | None, address: str | None) -> None:
    if address is None or channel is None:
        return
    if channel == "EMAIL" and not _EMAIL_RE.fullmatch(address):
        raise RecordError("Address is not a valid email address")
    if channel in ("SMS", "VOICE") and not _PHONE_RE.fullmatch(address):
        raise RecordError("Address is not a phone number in E.164 format")
    if not address.strip():
        raise RecordError("Address is empty")


def _endpoint_definitions(
    piece: Piece, text: str, data_format: str
) -> Iterator[tuple[SourceLine, dict[str, Any] | RecordError]]:
    """Each record of the piece with its parsed definition, or the RecordError that rejects it."""
    lines = _source_lines(text)
    parse: Callable[[SourceLine], dict[str, Any]]
    if data_format == "CSV":
        if not lines:
            raise PieceFailure(f"{piece.url}: the file is empty (a CSV file needs a header row)")
        columns = _csv_columns(piece, lines[0])
        lines = lines[1:]

        def parse(line: SourceLine) -> dict[str, Any]:
            return _definition_from_csv(line, columns)

    else:
        parse = _definition_from_json
    for line in lines:
        try:
            definition = parse(line)
            _check_definition(definition)
        except RecordError as exc:
            yield line, exc
        else:
            yield line, definition


# ------------------------------------------------------------------------------------------- emulator


class PinpointImportJobEmulator:
    """Pinpoint endpoint import jobs (and endpoint/segment reads) served by moto's in-process HTTP server."""

    def __init__(
        self,
        endpoint_url: str,
        account_id: str = "123456789012",
        region: str = "us-east-1",
        step_seconds: float = 0.2,
    ) -> None:
        if step_seconds < 0:
            raise ValueError("step_seconds must not be negative")
        self.endpoint_url = endpoint_url.rstrip("/")
        self.account_id = account_id
        self.region = region
        self.step_seconds = step_seconds
        self._jobs: dict[tuple[str, str], EmulatedPinpointImportJob] = {}
        self._endpoints: dict[str, dict[str, dict[str, Any]]] = {}
        self._segments: dict[str, dict[str, EmulatedSegment]] = {}
        self._failures_to_inject: list[str] = []
        self._lock = threading.RLock()
        self._cancel = threading.Event()
        self._released = threading.Event()
        self._released.set()
        self._api: dict[str, Callable[[dict[str, Any]], tuple[dict[str, Any], int]]] = {
            "CreateImportJob": self._create_import_job,
            "GetImportJob": self._get_import_job,
            "GetImportJobs": self._get_import_jobs,
            "GetSegment": self._get_segment,
            "GetSegments": self._get_segments,
            "GetEndpoint": self._get_endpoint,
        }

    # ----------------------------------------------------------------------------------- public API

    def install(self) -> None:
        """Make moto's server answer CreateImportJob, GetImportJob, GetImportJobs (and, while moto lacks them,
        GetSegment, GetSegments, GetEndpoint) for pinpoint, from this emulator.

        Works before or after ``ThreadedMotoServer.start()``; idempotent; process-wide: the emulator installed
        last serves every server.
        """
        _install(self)

    def reset(self) -> None:
        """Forget jobs, endpoints and segments; stop running jobs; release a hold; drop injected failures."""
        with self._lock:
            self._cancel.set()
            self._cancel = threading.Event()
            self._released.set()
            self._jobs.clear()
            self._endpoints.clear()
            self._segments.clear()
            self._failures_to_inject.clear()

    def fail_next(self, message: str) -> None:
        """Make the next job created fail at PROCESSING with ``message`` as its Failures entry."""
        with self._lock:
            self._failures_to_inject.append(message)

    def hold(self, held: bool) -> None:
        """While held, jobs that reach PROCESSING stay there (for time-out tests); release with False."""
        if held:
            self._released.clear()
        else:
            self._released.set()

    def jobs(self) -> list[EmulatedPinpointImportJob]:
        """Every job created since the last reset, oldest first."""
        with self._lock:
            return list(self._jobs.values())

    def job(self, application_id: str, job_id: str) -> EmulatedPinpointImportJob:
        """The job's live record; KeyError if there is none."""
        with self._lock:
            return self._jobs[(application_id, job_id)]

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

    # -------------------------------------------------------------------------------- request entry

    def handle(self, operation_name: str, request: Any) -> tuple[str, dict[str, Any]]:
        """Serve one moto ``PinpointResponse`` request; errors become rest-json errors."""
        try:
            self._check_scope(request.current_account, request.region)
            operation = _service_model().operation_model(operation_name)
            params = _request_params(
                operation, body=request.body, query=request.parsed_url.query, uri_params=request.uri_match
            )
            _validate(operation, params)
            self._check_app(params["ApplicationId"])
            payload, status = self._api[operation_name](params)
            return _json_response(payload, status=status)
        except PinpointApiError as exc:
            return exc.render()

    def _check_scope(self, account_id: str, region: str) -> None:
        if (account_id, region) != (self.account_id, self.region):
            raise BadRequestError(
                f"This Pinpoint emulator serves account {self.account_id} in {self.region}; "
                f"the request was for account {account_id} in {region}."
            )

    def _check_app(self, application_id: str) -> None:
        from moto.pinpoint.models import pinpoint_backends

        if application_id not in pinpoint_backends[self.account_id][self.region].apps:
            raise NotFoundError("Application not found")

    # ----------------------------------------------------------------------------------- operations

    def _create_import_job(self, params: dict[str, Any]) -> tuple[dict[str, Any], int]:
        app_id, request = params["ApplicationId"], params["ImportJobRequest"]
        try:
            _parse_s3_url(request["S3Url"])
        except ValueError as exc:
            raise BadRequestError("S3Url must be an s3://bucket-name/prefix URL.") from exc
        if not _ROLE_ARN_RE.fullmatch(request["RoleArn"]):
            raise BadRequestError("RoleArn must be the ARN of an IAM role.")
        segment_id = request.get("SegmentId")
        if segment_id:
            with self._lock:
                if segment_id not in self._segments.get(app_id, {}):
                    raise NotFoundError(f"Segment {segment_id} not found")
        elif request.get("DefineSegment") and not request.get("SegmentName"):
            raise BadRequestError("SegmentName is required when DefineSegment is true.")
        definition = {
            "DefineSegment": False,
            "ExternalId": self.account_id,
            "RegisterEndpoints": False,
            **copy.deepcopy(request),
        }
        with self._lock:
            injected = self._failures_to_inject.pop(0) if self._failures_to_inject else None
            job = EmulatedPinpointImportJob(
                application_id=app_id,
                job_id=uuid.uuid4().hex,
                definition=definition,
                creation_date=_now(),
                injected_failure=injected,
            )
            self._jobs[(app_id, job.job_id)] = job
            cancel = self._cancel
        worker = threading.Thread(
            target=self._run_job, args=(job, cancel), name=f"pinpoint-import-{job.job_id[:8]}", daemon=True
        )
        worker.start()
        LOGGER.info("Pinpoint import job %s created for app %s (%s)", job.job_id, app_id, request["Format"])
        return job.describe(), 201

    def _get_import_job(self, params: dict[str, Any]) -> tuple[dict[str, Any], int]:
        with self._lock:
            job = self._jobs.get((params["ApplicationId"], params["JobId"]))
        if job is None:
            raise NotFoundError(f"Import job {params['JobId']} not found")
        return job.describe(), 200

    def _get_import_jobs(self, params: dict[str, Any]) -> tuple[dict[str, Any], int]:
        app_id = params["ApplicationId"]
        with self._lock:
            jobs = [job for (owner, _), job in self._jobs.items() if owner == app_id]
        page, token = _paginate(
            jobs, page_size=params.get("PageSize"), token=params.get("Token"), scope=f"import-jobs:{app_id}"
        )
        response: dict[str, Any] = {"Item": [job.describe() for job in page]}
        if token:
            response["NextToken"] = token
        return response, 200

    def _get_segment(self, params: dict[str, Any]) -> tuple[dict[str, Any], int]:
        with self._lock:
            segment = self._segments.get(params["ApplicationId"], {}).get(params["SegmentId"])
            if segment is None:
                raise NotFoundError(f"Segment {params['SegmentId']} not found")
            return segment.describe(), 200

    def _get_segments(self, params: dict[str, Any]) -> tuple[dict[str, Any], int]:
        app_id = params["ApplicationId"]
        with self._lock:
            segments = [segment.describe() for segment in self._segments.get(app_id, {}).values()]
        page, token = _paginate(
            segments, page_size=params.get("PageSize"), token=params.get("Token"), scope=f"segments:{app_id}"
        )
        response: dict[str, Any] = {"Item": page}
        if token:
            response["NextToken"] = token
        return response, 200

    def _get_endpoint(self, params: dict[str, Any]) -> tuple[dict[str, Any], int]:
        with self._lock:
            endpoint = self._endpoints.get(params["ApplicationId"], {}).get(params["EndpointId"])
            if endpoint is None:
                raise NotFoundError(f"Endpoint {params['EndpointId']} not found")
            return copy.deepcopy(endpoint), 200

    # ----------------------------------------------------------------------------------- processing

    def _run_job(self, job: EmulatedPinpointImportJob, cancel: threading.Event) -> None:
        """Worker thread: walk the job through its statuses, doing each phase's work on the way."""
        try:
            self._advance(job, cancel, "PREPARING_FOR_INITIALIZATION")
            self._advance(job, cancel, "INITIALIZING")
            role, pieces = self._initialize(job)
            self._advance(job, cancel, "PROCESSING")
            if job.injected_failure is not None:
                raise JobFailure(job.injected_failure)
            members = self._process(job, role, pieces, cancel)
            while not self._released.wait(0.02):
                if cancel.is_set():
                    raise _Cancelled
            if job.failed_pieces == job.total_pieces:
                raise JobFailure(f"All {job.total_pieces} piece(s) failed", recorded=True)
            self._advance(job, cancel, "PENDING_JOB")
            self._advance(job, cancel, "COMPLETING")
            self._apply_segment(job, members, cancel)
            self._advance(job, cancel, "COMPLETED")
        except _Cancelled:
            return
        except JobFailure as exc:
            if not exc.recorded:
                job.add_failure(str(exc), count=False)
            self._fail(job, cancel)
        except Exception as exc:  # keep the job observable instead of leaving it running forever
            LOGGER.error("Pinpoint import job %s: unexpected %s: %s", job.job_id, type(exc).__name__, exc)
            job.add_failure(f"Internal emulator error ({type(exc).__name__})", count=False)
            self._fail(job, cancel)
        LOGGER.info(
            "Pinpoint import job %s %s: %d processed, %d failed",
            job.job_id,
            job.status,
            job.total_processed,
            job.total_failures,
        )

    def _advance(self, job: EmulatedPinpointImportJob, cancel: threading.Event, status: str) -> None:
        if cancel.wait(self.step_seconds):
            raise _Cancelled
        job.set_status(status)

    def _fail(self, job: EmulatedPinpointImportJob, cancel: threading.Event) -> None:
        try:
            for status in FAILURE_TAIL:
                self._advance(job, cancel, status)
        except _Cancelled:
            return

    def _initialize(self, job: EmulatedPinpointImportJob) -> tuple[AssumedRole, list[Piece]]:
        app_arn = f"arn:aws:mobiletargeting:{self.region}:{self.account_id}:apps/{job.application_id}"
        # What Pinpoint sends when it assumes the role: aws:SourceAccount and aws:SourceArn, the application
        # (https://docs.aws.amazon.com/pinpoint/latest/developerguide/permissions-import-segment.html), and
        # sts:ExternalId when the job names one.
        context = {"aws:SourceAccount": self.account_id, "aws:SourceArn": app_arn, "aws:SecureTransport": "true"}
        if job.definition.get("ExternalId"):
            context["sts:ExternalId"] = str(job.definition["ExternalId"])
        role = _assume_role(job.definition["RoleArn"], self.account_id, context)
        pieces = _list_pieces(job.definition["S3Url"], job.definition["Format"], self.account_id, self.region)
        with job._lock:
            job.total_pieces = len(pieces)
        return role, pieces

    def _process(
        self, job: EmulatedPinpointImportJob, role: AssumedRole, pieces: list[Piece], cancel: threading.Event
    ) -> dict[str, str]:
        """Import every piece; return the segment members (endpoint id -> channel type)."""
        members: dict[str, str] = {}
        data_format = job.definition["Format"]
        register = bool(job.definition.get("RegisterEndpoints"))
        for piece in pieces:
            try:
                text = _read_piece(piece, role, self.account_id, self.region)
                records = list(_endpoint_definitions(piece, text, data_format))
            except PieceFailure as exc:
                job.add_failure(str(exc), count=False)
                with job._lock:
                    job.failed_pieces += 1
                continue
            for line, record in records:
                if not isinstance(record, RecordError):
                    try:
                        endpoint_id, channel = self._apply_endpoint(job.application_id, record, register, cancel)
                        members[endpoint_id] = channel
                    except RecordError as exc:
                        record = exc
                with job._lock:
                    job.total_processed += 1
                if isinstance(record, RecordError):
                    job.add_failure(f"{piece.url} line {line.number}: {record}")
            with job._lock:
                job.completed_pieces += 1
        return members

    def _apply_endpoint(
        self, app_id: str, definition: dict[str, Any], register: bool, cancel: threading.Event
    ) -> tuple[str, str]:
        """Create or update one endpoint (only in the segment's member list unless ``register``)."""
        with self._lock:
            if cancel.is_set():
                raise _Cancelled
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

    def _apply_segment(self, job: EmulatedPinpointImportJob, members: dict[str, str], cancel: threading.Event) -> None:
        definition = job.definition
        import_definition = {
            "Format": definition["Format"],
            "S3Url": definition["S3Url"],
            "RoleArn": definition["RoleArn"],
            "ExternalId": definition["ExternalId"],
        }
        with self._lock:
            if cancel.is_set():
                raise _Cancelled
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


class _Cancelled(Exception):
    """The emulator was reset while the job ran: stop without touching any state."""


# ------------------------------------------------------------------------------------- moto integration

_INSTALL_LOCK = threading.Lock()
_ROUTES_LOCK = threading.Lock()
_active_emulator: PinpointImportJobEmulator | None = None


def _install(emulator: PinpointImportJobEmulator) -> None:
    global _active_emulator
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.pinpoint.responses import PinpointResponse

    with _INSTALL_LOCK:
        _active_emulator = emulator
        for operation in EMULATED_OPERATIONS:
            _set_handler(PinpointResponse, operation, replace_moto=True)
        for operation in FALLBACK_OPERATIONS:
            _set_handler(PinpointResponse, operation, replace_moto=False)
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
            return BadRequestError("The Pinpoint import-job emulator is not installed.").render()
        return emulator.handle(operation, response)

    handler.__name__ = name
    setattr(handler, _PATCH_MARK, True)
    setattr(response_class, name, handler)


def _wrapped_by_us(function: Any) -> bool:
    """True if our wrapper is anywhere in the chain (other emulators may have wrapped on top of it)."""
    seen = 0
    while function is not None and seen < 50:
        if getattr(function, _PATCH_MARK, False):
            return True
        function = getattr(function, "__wrapped__", None)
        seen += 1
    return False


def _wrap_get_application(dispatcher_class: Any) -> None:
    """Route the emulated paths in every pinpoint Flask app moto's dispatcher hands out, old or new."""
    original = dispatcher_class.get_application
    if _wrapped_by_us(original):
        return

    def get_application(self: Any, environ: dict[str, Any]) -> Any:
        app = original(self, environ)
        if getattr(app, "service", None) == "pinpoint" and not getattr(app, _PATCH_MARK, False):
            _add_routes(app)
        return app

    setattr(get_application, _PATCH_MARK, True)
    get_application.__wrapped__ = original  # type: ignore[attr-defined]
    dispatcher_class.get_application = get_application


def _add_routes(app: Any) -> None:
    """Add the URL rules moto's pinpoint app lacks (``url_map.add``: Flask refuses ``add_url_rule`` once an
    app has served a request)."""
    from moto.core.utils import convert_to_flask_response
    from moto.pinpoint.responses import PinpointResponse
    from werkzeug.routing import Rule

    with _ROUTES_LOCK:
        if getattr(app, _PATCH_MARK, False):
            return
        view = convert_to_flask_response(PinpointResponse.dispatch)
        for index, path in enumerate(_FLASK_ROUTES):
            endpoint = f"listdrop_pinpoint_emulator_{index}"
            app.url_map.add(Rule(path, endpoint=endpoint, methods=_HTTP_METHODS, strict_slashes=False))
            app.view_functions[endpoint] = view
        setattr(app, _PATCH_MARK, True)

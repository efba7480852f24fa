"""Amazon SES Mail Manager address lists and address-list import jobs, for moto's in-process HTTP server.

Why this exists: moto 5.2.5 has no Mail Manager backend at all. boto3's ``mailmanager`` client speaks the
``json`` 1.0 protocol (``X-Amz-Target: MailManagerSvc.<Operation>``, signing name ``ses``), so with
``endpoint_url`` pointed at moto the request reaches moto's dispatcher, which would hand it to the SES v1
app. :meth:`MailManagerEmulator.install` wraps ``DomainDispatcherApplication.get_application`` so that every
request whose ``X-Amz-Target`` starts with ``MailManagerSvc.`` is served by this module's WSGI app instead.

Requests are validated against botocore's service model (botocore's ``ParamValidator`` plus the enum,
pattern, maximum-length and maximum-value rules it skips) and answered with the modelled shapes and errors.

The import file layout is documented: SES Developer Guide, "Address Lists"
(https://docs.aws.amazon.com/ses/latest/dg/eb-addlist.html), "Bulk upload". The emulator accepts exactly
those two layouts and fails the job (``Status`` FAILED, the reason in ``Error``, the model's field for "the
reason for failure of an import job") on anything else, so a client that uploads another layout fails here
as it would in AWS:

* CSV (``ImportDataType=CSV``): "the header, ``address``, is required": the first non-blank row must be that
  one column, spelled so. Then one address per row. No header, another header (``email``, ``Address``) or more
  columns fails the whole job; a data row with more than one cell is one failed item.
* JSON (``ImportDataType=JSON``): one document ``{"items": [{"address": "..."}, ...]}`` and nothing else.
  JSON lines, a bare array, or an object with other fields fail the whole job; an item that is not an object
  with exactly a string ``address`` is one failed item.
* An item is imported when it is an email address or a wildcard entry by the page's rules: one ``*``,
  directly before the @ with 0 or 3-19 characters before it (``*@domain.com``, ``123*@domain.com``),
  directly after it as a whole label followed by 2-9 domain levels (``local@*.domain1.com``), or first in a
  domain entry with 2-9 levels after it (``*.domain1.com``). "Before or after @" is read as directly before
  or after, which is what every example on the page shows. 3-320 characters like the model's ``Address``
  shape. Anything else counts in ``FailedItemsCount``. An address already in the list, or repeated in the
  file, counts as imported: the import is an idempotent upsert and the member keeps its first
  ``CreatedTimestamp``.
* Maximums, as the page states them: 100,000 addresses per address list and 100 address lists per region.
  Past the first, ``RegisterMemberToAddressList`` answers ``ServiceQuotaExceededException`` (a modelled error
  of that operation) and an import job that would take the list past it ends FAILED with nothing imported;
  past the second, ``CreateAddressList`` answers ``ServiceQuotaExceededException``. How the real service words
  these, and whether it imports part of such a file, is not documented: those are assumptions.

Simplifications, on purpose: one region per emulator (``account_id`` is used for ARNs only); an address
list's ``LastUpdatedTimestamp`` follows membership changes; tags are accepted and not kept; the
``smithy-rpc-v2-cbor`` protocol (which botocore does not pick today) is not served. Upload with an
explicit Content-Type (``text/csv``, ``application/json``): moto keeps no body for a PUT sent as
``application/x-www-form-urlencoded``, which is what ``urllib.request`` sends by default.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import logging
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.model import ListShape, OperationModel, ServiceModel, Shape, StructureShape
from botocore.validate import ParamValidator

from localcloud.emulators import sesv2_import_jobs
from localcloud.emulators.sesv2_import_jobs import _EMAIL_RE, _s3_backend

LOGGER = logging.getLogger(__name__)

TARGET_PREFIX = "MailManagerSvc."
PRESIGNED_URL_TTL_SECONDS = 3600
# Page sizes used when the caller gives none; not documented, so assumptions.
DEFAULT_LIST_PAGE_SIZE = 50
DEFAULT_MEMBER_PAGE_SIZE = 100
# SES Developer Guide, "Address Lists" (https://docs.aws.amazon.com/ses/latest/dg/eb-addlist.html), "Best
# Practices and Considerations": "A maximum of 100 Address Lists per region is supported" and "A maximum of
# 100,000 addresses per Address List is supported".
MAX_ADDRESS_LISTS_PER_REGION = 100
MAX_MEMBERS_PER_ADDRESS_LIST = 100_000
# The same page, "Bulk upload": the CSV header and the JSON document's one field.
CSV_HEADER = "address"
JSON_ITEMS = "items"
LAYOUTS = 'a CSV whose first row is the header \'address\', or JSON {"items": [{"address": "..."}, ...]}'

OPERATIONS = (
    "CreateAddressList",
    "GetAddressList",
    "ListAddressLists",
    "DeleteAddressList",
    "RegisterMemberToAddressList",
    "GetMemberOfAddressList",
    "ListMembersOfAddressList",
    "DeregisterMemberFromAddressList",
    "CreateAddressListImportJob",
    "StartAddressListImportJob",
    "GetAddressListImportJob",
    "StopAddressListImportJob",
    "ListAddressListImportJobs",
)

_PATCH_MARK = "_listdrop_mailmanager_emulator"
_JSON_CONTENT_TYPE = "application/x-amz-json-1.0"
_DOMAIN_RE = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
_LOCAL_RE = re.compile(r"[A-Za-z0-9!#$%&'+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'+/=?^_`{|}~-]+)*")
_WILDCARD_PREFIX_RE = re.compile(r"[A-Za-z0-9!#$%&'+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'+/=?^_`{|}~-]+)*\.?")
_CREDENTIAL_RE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/")


# --------------------------------------------------------------------------------------------- errors


class ApiError(Exception):
    """An error the Mail Manager API models; rendered as a json 1.0 error so botocore raises its class."""

    code = "ValidationException"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(ApiError):
    """HTTP 400 ValidationException."""


class NotFoundError(ApiError):
    """HTTP 404 ResourceNotFoundException."""

    code = "ResourceNotFoundException"
    status = 404


class ConflictError(ApiError):
    """HTTP 409 ConflictException."""

    code = "ConflictException"
    status = 409


class QuotaError(ApiError):
    """ServiceQuotaExceededException; the model gives it HTTP status 402."""

    code = "ServiceQuotaExceededException"
    status = 402


class UnknownOperationError(ApiError):
    """An operation of the service this emulator does not serve."""

    code = "UnknownOperationException"


class JobFailure(Exception):
    """Ends an import job as FAILED; the message becomes the job's ``Error``."""


# ------------------------------------------------------------------------- request parsing/validation


@lru_cache(maxsize=1)
def _service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("mailmanager")


def _validate(operation: OperationModel, params: dict[str, Any]) -> None:
    """botocore's validator (required, types, unknown members, minimums), then the rules it skips."""
    shape = operation.input_shape
    if shape is None:
        return
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        raise ValidationError(report.generate_report())
    problems = list(_constraint_problems(shape, params, shape.name))
    if problems:
        raise ValidationError("\n".join(problems))


def _constraint_problems(shape: Shape, value: Any, path: str) -> Iterator[str]:
    maximum = shape.metadata.get("max")
    if isinstance(shape, StructureShape):
        for name, member in shape.members.items():
            if name in value:
                yield from _constraint_problems(member, value[name], f"{path}.{name}")
    elif isinstance(shape, ListShape):
        if maximum is not None and len(value) > maximum:
            yield f"Invalid length for parameter {path}: at most {maximum} items"
        for index, item in enumerate(value):
            yield from _constraint_problems(shape.member, item, f"{path}[{index}]")
    elif shape.type_name == "string" and isinstance(value, str):
        sensitive = shape.metadata.get("sensitive", False)
        shown = "(sensitive)" if sensitive else repr(value)
        enum = getattr(shape, "enum", None)
        if enum and value not in enum:
            yield f"Invalid value for parameter {path}: {shown}; valid values: {', '.join(enum)}"
        pattern = shape.metadata.get("pattern")
        if pattern and not re.fullmatch(pattern, value):
            yield f"Invalid value for parameter {path}: {shown} does not match {pattern}"
        if maximum is not None and len(value) > maximum:
            yield f"Invalid length for parameter {path}: at most {maximum} characters"
    elif _exceeds(shape, value, maximum):
        yield f"Invalid value for parameter {path}: {value}; valid max value: {maximum}"


def _exceeds(shape: Shape, value: Any, maximum: Any) -> bool:
    """An integer above the shape's maximum (botocore checks only minimums)."""
    is_number = shape.type_name in ("integer", "long") and isinstance(value, int) and not isinstance(value, bool)
    return is_number and maximum is not None and value > maximum


def _is_valid_member(value: str) -> bool:
    """An email address or a documented wildcard entry (see the module docstring), 3-320 characters."""
    if not 3 <= len(value) <= 320:
        return False
    if "*" not in value:
        local = value.rpartition("@")[0]
        return len(local) <= 64 and _EMAIL_RE.fullmatch(value) is not None
    if value.count("*") != 1:
        return False
    local, at, domain = value.rpartition("@")
    if not at:
        return value.startswith("*.") and _is_wildcard_domain(value[2:])
    if local.endswith("*"):
        prefix = local[:-1]
        prefix_ok = prefix == "" or (3 <= len(prefix) <= 19 and _WILDCARD_PREFIX_RE.fullmatch(prefix) is not None)
        return prefix_ok and _DOMAIN_RE.fullmatch(domain) is not None
    if domain.startswith("*."):
        return len(local) <= 64 and _LOCAL_RE.fullmatch(local) is not None and _is_wildcard_domain(domain[2:])
    return False


def _is_wildcard_domain(rest: str) -> bool:
    """What follows a leading ``*.``: a domain of 2 to 9 levels."""
    return 2 <= rest.count(".") + 1 <= 9 and _DOMAIN_RE.fullmatch(rest) is not None


def _fingerprint(params: dict[str, Any]) -> str:
    without_token = {key: value for key, value in params.items() if key != "ClientToken"}
    return hashlib.sha256(json.dumps(without_token, sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------------------------------- pagination


def _paginate(
    items: list[Any], *, page_size: int | None, token: str | None, scope: str, default_size: int
) -> tuple[list[Any], str | None]:
    """One page and the token for the next; a token only works for the query that produced it."""
    size = page_size or default_size
    offset = 0
    if token:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
            offset, token_scope = int(decoded["offset"]), decoded["scope"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ValidationError("The NextToken is not valid.") from exc
        if token_scope != scope or offset < 0:
            raise ValidationError("The NextToken does not belong to this request.")
    page = items[offset : offset + size]
    if offset + size >= len(items):
        return page, None
    encoded = base64.urlsafe_b64encode(json.dumps({"offset": offset + size, "scope": scope}).encode())
    return page, encoded.decode()


# ------------------------------------------------------------------------------------------- models


@dataclass
class AddressList:
    """One address list; ``members`` maps each address to the time it was added."""

    address_list_id: str
    name: str
    arn: str
    created_at: float
    updated_at: float
    members: dict[str, float] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """The AddressList shape, which is also GetAddressList's output."""
        return {
            "AddressListId": self.address_list_id,
            "AddressListArn": self.arn,
            "AddressListName": self.name,
            "CreatedTimestamp": self.created_at,
            "LastUpdatedTimestamp": self.updated_at,
        }


@dataclass
class AddressListImportJob:
    """One import job as the emulator tracks it; tests read it through ``MailManagerEmulator.job``.

    The status is CREATED until the job is started and ``processing_after`` seconds have passed, then
    PROCESSING until it ends as COMPLETED, FAILED or STOPPED.
    """

    job_id: str
    name: str
    address_list_id: str
    import_data_type: str
    object_key: str
    presigned_url: str
    created_at: float
    client_token: str | None = None
    fingerprint: str = ""
    started_at: float | None = None
    processing_at: float | None = None
    completed_at: float | None = None
    final_status: str | None = None
    imported_items_count: int = 0
    failed_items_count: int = 0
    error: str | None = None
    _done: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def status(self) -> str:
        if self.final_status:
            return self.final_status
        if self.processing_at is not None and time.time() >= self.processing_at:
            return "PROCESSING"
        return "CREATED"

    def wait(self, timeout: float) -> bool:
        """Block until the job has ended (COMPLETED, FAILED or STOPPED); True if it did in time."""
        return self._done.wait(timeout)

    def finish(self, status: str, *, imported: int = 0, failed: int = 0, error: str | None = None) -> None:
        """Record the end of the job; call with the emulator's lock held."""
        self.final_status = status
        self.imported_items_count = imported
        self.failed_items_count = failed
        self.error = error
        if status in ("COMPLETED", "FAILED"):
            self.completed_at = time.time()
        self._done.set()

    def describe(self) -> dict[str, Any]:
        """The ImportJob shape, which is also GetAddressListImportJob's output."""
        status = self.status
        described: dict[str, Any] = {
            "JobId": self.job_id,
            "Name": self.name,
            "Status": status,
            "PreSignedUrl": self.presigned_url,
            "ImportDataFormat": {"ImportDataType": self.import_data_type},
            "AddressListId": self.address_list_id,
            "CreatedTimestamp": self.created_at,
        }
        if status in ("COMPLETED", "FAILED", "STOPPED") or self.started_at is not None:
            described["ImportedItemsCount"] = self.imported_items_count
            described["FailedItemsCount"] = self.failed_items_count
        if self.started_at is not None:
            described["StartTimestamp"] = self.started_at
        if self.completed_at is not None:
            described["CompletedTimestamp"] = self.completed_at
        if self.error:
            described["Error"] = self.error
        return described


# ------------------------------------------------------------------------------------ file parsing


@dataclass(frozen=True)
class ParsedFile:
    """The valid addresses in file order, and how many items failed."""

    addresses: list[str]
    failed: int


def parse_import_file(data: bytes, import_data_type: str) -> ParsedFile:
    """Parse an uploaded address file in the documented layout of its ``ImportDataType`` (module docstring).

    Raises JobFailure when the file as a whole is not that layout. Messages never quote the file's content.
    """
    if not data:
        raise JobFailure(
            "The uploaded import file is empty. (moto keeps no body for a PUT sent with Content-Type "
            "application/x-www-form-urlencoded, urllib's default: send text/csv or application/json.)"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise JobFailure("The import file is not valid UTF-8.") from exc
    items = _csv_items(text) if import_data_type == "CSV" else _json_items(text)
    addresses: list[str] = []
    failed = 0
    for item in items:
        if isinstance(item, str) and _is_valid_member(item.strip()):
            addresses.append(item.strip())
        else:
            failed += 1
    return ParsedFile(addresses, failed)


def _csv_items(text: str) -> list[Any]:
    try:
        rows = [row for row in csv.reader(text.splitlines(), strict=True) if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise JobFailure(f"The import file is not valid CSV: {exc}") from exc
    if not rows:
        raise JobFailure(f"The CSV file has no header row 'address' and no addresses. Expected {LAYOUTS}.")
    if [cell.strip() for cell in rows[0]] != [CSV_HEADER]:
        raise JobFailure(
            f"The CSV file does not start with the header row '{CSV_HEADER}' (one column, spelled so), which is "
            f"required. Expected {LAYOUTS}."
        )
    return [row[0] if len(row) == 1 else None for row in rows[1:]]


def _json_items(text: str) -> list[Any]:
    try:
        document = json.loads(text)
    except ValueError:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > 1 and all(_is_json(line) for line in lines):
            raise JobFailure(f"The JSON file is JSON lines, not one document. Expected {LAYOUTS}.") from None
        raise JobFailure(f"The import file is not valid JSON. Expected {LAYOUTS}.") from None
    if not isinstance(document, dict) or set(document) != {JSON_ITEMS} or not isinstance(document[JSON_ITEMS], list):
        raise JobFailure(
            f'The JSON file is not one object {{"{JSON_ITEMS}": [...]}} with no other field. Expected {LAYOUTS}.'
        )
    return [_json_address(item) for item in document[JSON_ITEMS]]


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def _json_address(item: Any) -> Any:
    """The address of an item ``{"address": "..."}``; None (a failed item) for any other shape."""
    if isinstance(item, dict) and set(item) == {CSV_HEADER}:
        return item[CSV_HEADER]
    return None


# ------------------------------------------------------------------------------------------- emulator


class MailManagerEmulator:
    """Mail Manager address lists, members and address-list import jobs, served by moto's HTTP server."""

    def __init__(
        self,
        endpoint_url: str,
        account_id: str = "123456789012",
        region: str = "us-east-1",
        processing_after: float = 0.3,
        complete_after: float = 1.0,
        imports_bucket: str = "listdrop-localcloud-mailmanager-imports",
    ) -> None:
        if not 0 <= processing_after <= complete_after:
            raise ValueError("need 0 <= processing_after <= complete_after")
        self.endpoint_url = endpoint_url.rstrip("/")
        self.account_id = account_id
        self.region = region
        self.processing_after = processing_after
        self.complete_after = complete_after
        self.imports_bucket = imports_bucket
        self._lock = threading.RLock()
        self._lists: dict[str, AddressList] = {}
        self._list_tokens: dict[str, tuple[str, str]] = {}
        self._jobs: dict[str, AddressListImportJob] = {}
        self._job_tokens: dict[str, str] = {}
        self._timers: dict[str, threading.Timer] = {}
        self._parked: list[str] = []
        self._held = False
        self._failures: deque[str] = deque()
        self._s3_client: Any = None
        self._api: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "CreateAddressList": self._create_address_list,
            "GetAddressList": self._get_address_list,
            "ListAddressLists": self._list_address_lists,
            "DeleteAddressList": self._delete_address_list,
            "RegisterMemberToAddressList": self._register_member,
            "GetMemberOfAddressList": self._get_member,
            "ListMembersOfAddressList": self._list_members,
            "DeregisterMemberFromAddressList": self._deregister_member,
            "CreateAddressListImportJob": self._create_import_job,
            "StartAddressListImportJob": self._start_import_job,
            "GetAddressListImportJob": self._get_import_job,
            "StopAddressListImportJob": self._stop_import_job,
            "ListAddressListImportJobs": self._list_import_jobs,
        }

    # ----------------------------------------------------------------------------------- public API

    def install(self) -> None:
        """Serve every ``MailManagerSvc.*`` request reaching moto's server from this emulator.

        Works before or after ``ThreadedMotoServer.start()`` (the patch is on moto's dispatcher class,
        which running servers consult per request). Idempotent. Process-wide: the emulator installed
        last serves every server.
        """
        _install(self)

    def reset(self) -> None:
        """Forget every address list and job, release ``hold`` and drop pending ``fail_next`` messages.
        Pending jobs never run; a job being processed finishes into the void."""
        with self._lock:
            timers = list(self._timers.values())
            self._timers.clear()
            self._lists.clear()
            self._list_tokens.clear()
            self._jobs.clear()
            self._job_tokens.clear()
            self._parked.clear()
            self._held = False
            self._failures.clear()
        for timer in timers:
            timer.cancel()

    def jobs(self) -> list[AddressListImportJob]:
        """Every import job created since the last reset."""
        with self._lock:
            return list(self._jobs.values())

    def job(self, job_id: str) -> AddressListImportJob:
        """The job's live record; KeyError if there is none."""
        with self._lock:
            return self._jobs[job_id]

    def members(self, address_list_id: str) -> set[str]:
        """The addresses in the list (a copy); KeyError if there is no such list."""
        with self._lock:
            return set(self._lists[address_list_id].members)

    def fail_next(self, message: str) -> None:
        """Make the next job that is processed end FAILED with ``message`` as its Error (queued, one per call)."""
        with self._lock:
            self._failures.append(message)

    def hold(self, held: bool = True) -> None:
        """While held, started jobs stay PROCESSING; releasing runs the jobs that were kept waiting."""
        with self._lock:
            self._held = held
            released, self._parked = ([], self._parked) if held else (self._parked, [])
        for job_id in released:
            self._schedule(job_id, 0)

    # -------------------------------------------------------------------------------- request entry

    def handle(self, operation_name: str, body: bytes, authorization: str = "") -> tuple[int, dict[str, Any]]:
        """Serve one json 1.0 request; returns (HTTP status, response body)."""
        try:
            if operation_name not in self._api:
                raise UnknownOperationError(
                    f"The Mail Manager emulator does not serve {operation_name or 'this request'}; "
                    f"it serves {', '.join(OPERATIONS)}."
                )
            self._check_region(authorization)
            params = self._decode(body)
            _validate(_service_model().operation_model(operation_name), params)
            return 200, self._api[operation_name](params)
        except ApiError as exc:
            return exc.status, {"__type": exc.code, "Message": exc.message}

    def _check_region(self, authorization: str) -> None:
        match = _CREDENTIAL_RE.search(authorization)
        if match and match.group(1) != self.region:
            raise ValidationError(
                f"This Mail Manager emulator serves {self.region}; the request was signed for {match.group(1)}."
            )

    @staticmethod
    def _decode(body: bytes) -> dict[str, Any]:
        if not body.strip():
            return {}
        try:
            params = json.loads(body)
        except ValueError as exc:
            raise ValidationError("The request body is not valid JSON.") from exc
        if not isinstance(params, dict):
            raise ValidationError("The request body must be a JSON object.")
        return params

    # ------------------------------------------------------------------------------ address lists

    def _address_list(self, address_list_id: str) -> AddressList:
        address_list = self._lists.get(address_list_id)
        if address_list is None:
            raise NotFoundError(f"Address list {address_list_id} does not exist.")
        return address_list

    def _create_address_list(self, params: dict[str, Any]) -> dict[str, Any]:
        token, fingerprint, name = params.get("ClientToken"), _fingerprint(params), params["AddressListName"]
        with self._lock:
            if token and token in self._list_tokens:
                known_fingerprint, known_id = self._list_tokens[token]
                if known_fingerprint != fingerprint:
                    raise ConflictError("The ClientToken was already used with different parameters.")
                return {"AddressListId": known_id}
            if any(existing.name == name for existing in self._lists.values()):
                raise ConflictError(f"An address list named {name} already exists.")
            if len(self._lists) >= MAX_ADDRESS_LISTS_PER_REGION:
                raise QuotaError(f"A region holds at most {MAX_ADDRESS_LISTS_PER_REGION} address lists.")
            list_id = f"al-{uuid.uuid4().hex}"
            now = time.time()
            arn = f"arn:aws:ses:{self.region}:{self.account_id}:mailmanager-address-list/{list_id}"
            self._lists[list_id] = AddressList(list_id, name, arn, now, now)
            if token:
                self._list_tokens[token] = (fingerprint, list_id)
        return {"AddressListId": list_id}

    def _get_address_list(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            return self._address_list(params["AddressListId"]).describe()

    def _list_address_lists(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            lists = [address_list.describe() for address_list in self._lists.values()]
        page, token = _paginate(
            lists,
            page_size=params.get("PageSize"),
            token=params.get("NextToken"),
            scope="lists",
            default_size=DEFAULT_LIST_PAGE_SIZE,
        )
        return {"AddressLists": page, **({"NextToken": token} if token else {})}

    def _delete_address_list(self, params: dict[str, Any]) -> dict[str, Any]:
        """Deleting a list that does not exist succeeds (the model lists no ResourceNotFoundException);
        deleting one with an import job under way is a ConflictException (an assumption)."""
        list_id = params["AddressListId"]
        with self._lock:
            running = [
                job.job_id
                for job in self._jobs.values()
                if job.address_list_id == list_id and job.started_at is not None and job.final_status is None
            ]
            if running:
                raise ConflictError(f"Address list {list_id} has an import job in progress ({running[0]}).")
            self._lists.pop(list_id, None)
        return {}

    def _register_member(self, params: dict[str, Any]) -> dict[str, Any]:
        """Registering an address that is already a member succeeds and keeps its CreatedTimestamp."""
        address = params["Address"]
        if not _is_valid_member(address):
            raise ValidationError("Address must be an email address or a documented wildcard entry.")
        with self._lock:
            address_list = self._address_list(params["AddressListId"])
            if address not in address_list.members and len(address_list.members) >= MAX_MEMBERS_PER_ADDRESS_LIST:
                raise QuotaError(f"An address list holds at most {MAX_MEMBERS_PER_ADDRESS_LIST:,} addresses.")
            self._add_members(address_list, [address])
        return {}

    def _get_member(self, params: dict[str, Any]) -> dict[str, Any]:
        address = params["Address"]
        with self._lock:
            created = self._address_list(params["AddressListId"]).members.get(address)
        if created is None:
            raise NotFoundError("The address is not a member of the address list.")
        return {"Address": address, "CreatedTimestamp": created}

    def _list_members(self, params: dict[str, Any]) -> dict[str, Any]:
        prefix = (params.get("Filter") or {}).get("AddressPrefix", "")
        list_id = params["AddressListId"]
        with self._lock:
            members = sorted(self._address_list(list_id).members.items())
        saved = [
            {"Address": address, "CreatedTimestamp": created}
            for address, created in members
            if address.startswith(prefix)
        ]
        page, token = _paginate(
            saved,
            page_size=params.get("PageSize"),
            token=params.get("NextToken"),
            scope=f"members:{list_id}:{hashlib.sha256(prefix.encode()).hexdigest()}",
            default_size=DEFAULT_MEMBER_PAGE_SIZE,
        )
        return {"Addresses": page, **({"NextToken": token} if token else {})}

    def _deregister_member(self, params: dict[str, Any]) -> dict[str, Any]:
        """Deregistering an address that is not a member succeeds (an assumption)."""
        with self._lock:
            address_list = self._address_list(params["AddressListId"])
            if address_list.members.pop(params["Address"], None) is not None:
                address_list.updated_at = time.time()
        return {}

    @staticmethod
    def _add_members(address_list: AddressList, addresses: Iterable[str]) -> None:
        now = time.time()
        for address in addresses:
            address_list.members.setdefault(address, now)
        address_list.updated_at = now

    # -------------------------------------------------------------------------------- import jobs

    def _job(self, job_id: str) -> AddressListImportJob:
        job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"Import job {job_id} does not exist.")
        return job

    def _create_import_job(self, params: dict[str, Any]) -> dict[str, Any]:
        """Same ClientToken and parameters: the same job with a fresh PreSignedUrl. Same ClientToken and
        other parameters: ValidationException (the operation models no ConflictException)."""
        token, fingerprint = params.get("ClientToken"), _fingerprint(params)
        with self._lock:  # held throughout, so two retries with one token cannot both create a job
            self._address_list(params["AddressListId"])
            known = self._jobs.get(self._job_tokens.get(token, "")) if token else None
            if known is not None:
                if known.fingerprint != fingerprint:
                    raise ValidationError("The ClientToken was already used with different parameters.")
                known.presigned_url = self._presigned_put_url(known.object_key)
                return {"JobId": known.job_id, "PreSignedUrl": known.presigned_url}
            job_id = str(uuid.uuid4())
            object_key = f"address-list-import-jobs/{job_id}"
            url = self._presigned_put_url(object_key)
            self._jobs[job_id] = AddressListImportJob(
                job_id=job_id,
                name=params["Name"],
                address_list_id=params["AddressListId"],
                import_data_type=params["ImportDataFormat"]["ImportDataType"],
                object_key=object_key,
                presigned_url=url,
                created_at=time.time(),
                client_token=token,
                fingerprint=fingerprint,
            )
            if token:
                self._job_tokens[token] = job_id
        LOGGER.info("Mail Manager import job %s created for %s", job_id, params["AddressListId"])
        return {"JobId": job_id, "PreSignedUrl": url}

    def _start_import_job(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            job = self._job(params["JobId"])
            if job.final_status or job.started_at is not None:
                raise ConflictError(f"Import job {job.job_id} has already been started or has ended ({job.status}).")
        if self._uploaded(job.object_key) is None:
            raise ValidationError(
                f"Nothing has been uploaded for import job {job.job_id}: PUT the file to its PreSignedUrl first."
            )
        with self._lock:
            if job.final_status or job.started_at is not None:
                raise ConflictError(f"Import job {job.job_id} has already been started or has ended ({job.status}).")
            job.started_at = time.time()
            job.processing_at = job.started_at + self.processing_after
        self._schedule(job.job_id, self.complete_after)
        return {}

    def _get_import_job(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            return self._job(params["JobId"]).describe()

    def _stop_import_job(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            job = self._job(params["JobId"])
            if job.final_status:
                raise ConflictError(f"Import job {job.job_id} has already ended ({job.final_status}).")
            job.finish("STOPPED")
            timer = self._timers.pop(job.job_id, None)
            if job.job_id in self._parked:
                self._parked.remove(job.job_id)
        if timer:
            timer.cancel()
        return {}

    def _list_import_jobs(self, params: dict[str, Any]) -> dict[str, Any]:
        list_id = params["AddressListId"]
        with self._lock:
            self._address_list(list_id)
            jobs = [job.describe() for job in self._jobs.values() if job.address_list_id == list_id]
        page, token = _paginate(
            jobs,
            page_size=params.get("PageSize"),
            token=params.get("NextToken"),
            scope=f"jobs:{list_id}",
            default_size=DEFAULT_LIST_PAGE_SIZE,
        )
        return {"ImportJobs": page, **({"NextToken": token} if token else {})}

    # --------------------------------------------------------------------------------- processing

    def _schedule(self, job_id: str, delay: float) -> None:
        timer = threading.Timer(delay, self._run_job, args=(job_id,))
        timer.daemon = True
        with self._lock:
            if job_id not in self._jobs:
                return
            self._timers[job_id] = timer
        timer.start()

    def _run_job(self, job_id: str) -> None:
        """Timer target: read and parse the upload, then apply it unless the job was stopped meanwhile."""
        with self._lock:
            self._timers.pop(job_id, None)
            job = self._jobs.get(job_id)
            if job is None or job.final_status:
                return
            if self._held:
                self._parked.append(job_id)
                return
            forced = self._failures.popleft() if self._failures else None
        try:
            if forced is not None:
                raise JobFailure(forced)
            data = self._uploaded(job.object_key)
            if data is None:
                raise JobFailure("The uploaded import file is no longer available.")
            parsed = parse_import_file(data, job.import_data_type)
        except JobFailure as exc:
            self._end(job, "FAILED", error=str(exc))
            return
        except Exception as exc:  # keep the job observable instead of leaving it PROCESSING forever
            LOGGER.error("Mail Manager import job %s: unexpected %s", job_id, type(exc).__name__)
            self._end(job, "FAILED", error=f"Internal emulator error ({type(exc).__name__})")
            return
        with self._lock:
            if job.final_status or self._jobs.get(job_id) is not job:
                return
            address_list = self._lists.get(job.address_list_id)
            if address_list is None:
                job.finish("FAILED", error=f"Address list {job.address_list_id} no longer exists.")
                return
            new = set(parsed.addresses) - set(address_list.members)
            if len(address_list.members) + len(new) > MAX_MEMBERS_PER_ADDRESS_LIST:
                job.finish(
                    "FAILED",
                    error=f"The import would take address list {job.address_list_id} past its maximum of "
                    f"{MAX_MEMBERS_PER_ADDRESS_LIST:,} addresses ({len(address_list.members):,} members, "
                    f"{len(new):,} new in the file); nothing was imported.",
                )
                return
            self._add_members(address_list, parsed.addresses)
            job.finish("COMPLETED", imported=len(parsed.addresses), failed=parsed.failed)
        LOGGER.info(
            "Mail Manager import job %s COMPLETED: %d imported, %d failed",
            job_id,
            len(parsed.addresses),
            parsed.failed,
        )

    def _end(self, job: AddressListImportJob, status: str, *, error: str) -> None:
        with self._lock:
            if not job.final_status:
                job.finish(status, error=error)
        LOGGER.info("Mail Manager import job %s %s: %s", job.job_id, job.final_status, job.error)

    # -------------------------------------------------------------------------------------- S3 side

    def _uploaded(self, key: str) -> bytes | None:
        """The bytes PUT to the job's pre-signed URL, or None if nothing was uploaded."""
        from moto.s3.exceptions import MissingBucket

        backend = _s3_backend(self.account_id, self.region)
        try:
            stored = backend.get_object(self.imports_bucket, key)
        except MissingBucket:
            return None
        return None if stored is None else bytes(stored.value)

    def _presigned_put_url(self, key: str) -> str:
        """A one-hour PUT URL for ``key`` in the emulator's bucket in moto's S3 (created when missing)."""
        from moto.s3.exceptions import MissingBucket

        backend = _s3_backend(self.account_id, self.region)
        try:
            backend.get_bucket(self.imports_bucket)
        except MissingBucket:
            backend.create_bucket(self.imports_bucket, self.region)
        with self._lock:
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
        params = {"Bucket": self.imports_bucket, "Key": key}
        return str(client.generate_presigned_url("put_object", Params=params, ExpiresIn=PRESIGNED_URL_TTL_SECONDS))


# ------------------------------------------------------------------------------------- moto integration

_INSTALL_LOCK = threading.Lock()
_active_emulator: MailManagerEmulator | None = None


def _wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The WSGI app moto's dispatcher hands Mail Manager requests to."""
    operation = environ.get("HTTP_X_AMZ_TARGET", "").removeprefix(TARGET_PREFIX)
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    emulator = _active_emulator
    if emulator is None:  # pragma: no cover - the app is routed to only after an install
        status, payload = 400, {"__type": "ValidationException", "Message": "The emulator is not installed."}
    else:
        status, payload = emulator.handle(operation, body, environ.get("HTTP_AUTHORIZATION", ""))
    data = json.dumps(payload).encode()
    reason = {200: "OK", 400: "Bad Request", 402: "Payment Required", 404: "Not Found", 409: "Conflict"}.get(
        status, "Error"
    )
    start_response(
        f"{status} {reason}",
        [
            ("Content-Type", _JSON_CONTENT_TYPE),
            ("Content-Length", str(len(data))),
            ("x-amzn-RequestId", str(uuid.uuid4())),
        ],
    )
    return [data]


def _install(emulator: MailManagerEmulator) -> None:
    global _active_emulator
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    with _INSTALL_LOCK:
        _active_emulator = emulator
        _wrap_get_application(DomainDispatcherApplication)


def _is_wrapped(function: Any) -> bool:
    """Whether our wrapper is anywhere in the chain of ``__wrapped__`` wrappers."""
    seen = 0
    while function is not None and seen < 32:
        if getattr(function, _PATCH_MARK, False):
            return True
        function, seen = getattr(function, "__wrapped__", None), seen + 1
    return False


def _wrap_get_application(dispatcher_class: Any) -> None:
    """Send ``MailManagerSvc.*`` requests to our WSGI app; everything else to moto's own choice.

    Our wrapper goes under the SES v2 emulator's wrapper when that one is installed, so its own
    ``install()`` still finds its wrapper on top and does nothing, in whichever order the two are installed.
    """
    current = dispatcher_class.get_application
    if _is_wrapped(current):
        return
    ses_on_top = getattr(current, sesv2_import_jobs._PATCH_MARK, False)
    original = current.__wrapped__ if ses_on_top else current

    def get_application(self: Any, environ: dict[str, Any]) -> Any:
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith(TARGET_PREFIX):
            return _wsgi_app
        return original(self, environ)

    setattr(get_application, _PATCH_MARK, True)
    get_application.__wrapped__ = original  # type: ignore[attr-defined]
    dispatcher_class.get_application = get_application
    if ses_on_top:
        sesv2_import_jobs._wrap_get_application(dispatcher_class)

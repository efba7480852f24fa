"""Fault injection for the local cloud: the failures listdrop promises to survive, on demand.

A fault plan (JSON; see `FaultPlan.from_dict` and the README's "Fault injection") can make the local cloud:

- answer chosen API operations with throttling errors, server errors, or late (`api`);
- deliver some S3 event notifications more than once, identical, as S3's at-least-once delivery does
  (`duplicateEvents`);
- crash a function at named points, right after one of its AWS calls succeeded (`crashes`): the invocation
  dies as a Lambda whose runtime exits does, so its batch returns to the queue after the visibility timeout.

Every choice is a hash of the plan's seed and the request's identity, so the same request always gets the
same answer (two runs differ, as version ids and SDK invocation ids do). A crash point
fires at most once per upload (the upload's tracking id is found in the call or in the invocation's event),
so a retry gets past it, as it would in AWS. `FaultLog` counts what was injected, for reports and tests.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from listdrop.providers.registry import SPECS


class FaultPlanError(ValueError):
    pass


class SimulatedCrash(BaseException):
    """The function's runtime died. A BaseException, so no `except Exception` in the handler path stops it."""


@dataclass(frozen=True)
class CrashPoint:
    function: str  # the handler module's name: starter, poller
    service: str
    operation: str
    # Which calls of that operation count (None: every one); params are the call's keyword arguments.
    matches: Callable[[dict[str, Any]], bool] | None = None
    description: str = ""
    provider: str | None = None  # the job API provider whose uploads reach it (None: every provider's)


def _update_sets(attribute: str) -> Callable[[dict[str, Any]], bool]:
    return lambda params: attribute in str(params.get("UpdateExpression", ""))


# The named points every upload passes: after claiming and recording it, after starting the execution, after
# recording the outcome; each provider names its own job-API calls (ProviderSpec.crash_points), added below.
CRASH_POINTS: dict[str, CrashPoint] = {
    "starter.after-claim": CrashPoint(
        "starter",
        "dynamodb",
        "PutItem",
        lambda params: "attribute_not_exists" in str(params.get("ConditionExpression", "")),
        "the upload is claimed in the job table; no job yet",
    ),
    "starter.after-job-recorded": CrashPoint(
        "starter",
        "dynamodb",
        "UpdateItem",
        _update_sets("providerJobId"),
        "the job id and execution input are recorded; no execution yet",
    ),
    "starter.after-execution-started": CrashPoint(
        "starter", "stepfunctions", "StartExecution", None, "the execution runs; the message is not deleted yet"
    ),
    "poller.after-outcome-recorded": CrashPoint(
        "poller",
        "dynamodb",
        "UpdateItem",
        _update_sets("outcome"),
        "the final outcome is in the job table; the workflow has not received it",
    ),
}
CRASH_POINTS |= {
    point.name: CrashPoint(point.function.value, spec.service, point.operation, None, point.description, spec.name)
    for spec in SPECS
    for point in spec.crash_points
}

# What each service answers when it throttles (code, HTTP status). The emulated services' come from the error
# shapes of their botocore models: sesv2 and pinpoint TooManyRequestsException (httpStatusCode 429), mailmanager
# ThrottlingException (httpStatusCode 429); see the test that reads them back from the models.
THROTTLE_ERRORS: dict[str, tuple[str, int]] = {spec.service: spec.throttle_error for spec in SPECS} | {
    "dynamodb": ("ThrottlingException", 400),
    "stepfunctions": ("ThrottlingException", 400),
    "sqs": ("RequestThrottled", 400),
    "s3": ("SlowDown", 503),
}
DEFAULT_THROTTLE = ("ThrottlingException", 400)
SERVER_ERROR = ("InternalFailure", 500)


@dataclass(frozen=True)
class ApiFault:
    """Faults for the operations named as service:Operation ('sesv2:CreateImportJob', or 'sesv2:*')."""

    operations: tuple[str, ...]
    throttle: float = 0.0  # share of requests answered with the service's throttling error
    error: float = 0.0  # share answered with HTTP 500 InternalFailure
    latency_ms: tuple[int, int] = (0, 0)  # every matching request waits between these, before being served

    def applies_to(self, service: str, operation: str) -> bool:
        return f"{service}:{operation}" in self.operations or f"{service}:*" in self.operations


@dataclass(frozen=True)
class FaultPlan:
    seed: int = 0
    api: tuple[ApiFault, ...] = ()
    duplicate_events: float = 0.0  # share of S3 event notifications delivered more than once
    duplicate_copies: int = 2  # extra deliveries of each duplicated event
    crashes: Mapping[str, float] = field(default_factory=dict)  # crash point -> share of uploads

    @classmethod
    def from_file(cls, path: str | Path) -> FaultPlan:
        try:
            document = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise FaultPlanError(f"fault plan {path}: {error}") from None
        return cls.from_dict(document)

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> FaultPlan:
        known = {"seed", "api", "duplicateEvents", "duplicateCopies", "crashes"}
        unknown = sorted(set(document) - known)
        if unknown:
            raise FaultPlanError(f"fault plan: unknown field(s) {unknown}; known: {sorted(known)}")
        api = tuple(_api_fault(entry, index) for index, entry in enumerate(document.get("api", [])))
        crashes = {str(name): _share(rate, f"crashes.{name}") for name, rate in document.get("crashes", {}).items()}
        for name in crashes:
            if name not in CRASH_POINTS:
                raise FaultPlanError(f"fault plan: unknown crash point {name!r}; known: {sorted(CRASH_POINTS)}")
        copies = document.get("duplicateCopies", 2)
        if not isinstance(copies, int) or not 1 <= copies <= 10:
            raise FaultPlanError("fault plan: duplicateCopies must be an integer from 1 to 10")
        return cls(
            seed=int(document.get("seed", 0)),
            api=api,
            duplicate_events=_share(document.get("duplicateEvents", 0), "duplicateEvents"),
            duplicate_copies=copies,
            crashes=crashes,
        )


def _share(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise FaultPlanError(f"fault plan: {name} must be a share between 0 and 1, got {value!r}")
    return float(value)


def _api_fault(entry: Any, index: int) -> ApiFault:
    where = f"api[{index}]"
    if not isinstance(entry, Mapping):
        raise FaultPlanError(f"fault plan: {where} must be an object")
    operations = entry.get("operations")
    if not isinstance(operations, list) or not operations:
        raise FaultPlanError(f"fault plan: {where}.operations must list service:Operation names")
    for operation in operations:
        if not isinstance(operation, str) or not re.fullmatch(r"[a-z0-9-]+:(\*|[A-Za-z0-9]+)", operation):
            raise FaultPlanError(f"fault plan: {where}.operations: {operation!r} is not service:Operation")
        _check_operation(f"{where}.operations", *operation.split(":"))
    latency = entry.get("latencyMs", [0, 0])
    if (
        not isinstance(latency, list)
        or len(latency) != 2
        or not all(isinstance(v, int) and v >= 0 for v in latency)
        or latency[0] > latency[1]
    ):
        raise FaultPlanError(f"fault plan: {where}.latencyMs must be [min, max] milliseconds")
    fault = ApiFault(
        operations=tuple(operations),
        throttle=_share(entry.get("throttle", 0), f"{where}.throttle"),
        error=_share(entry.get("error", 0), f"{where}.error"),
        latency_ms=(latency[0], latency[1]),
    )
    if fault.throttle + fault.error > 1:
        raise FaultPlanError(f"fault plan: {where}: throttle + error exceeds 1")
    return fault


def _check_operation(where: str, service: str, operation: str) -> None:
    """The service must be one botocore knows, the operation one of its model's (or '*')."""
    import botocore.exceptions
    import botocore.session

    try:
        model = botocore.session.get_session().get_service_model(service)
    except botocore.exceptions.UnknownServiceError:
        raise FaultPlanError(f"fault plan: {where}: unknown service {service!r} (botocore's service names)") from None
    if operation != "*" and operation not in model.operation_names:
        raise FaultPlanError(f"fault plan: {where}: {service} has no operation {operation!r}")


class FaultLog:
    """What was injected, counted by kind and name ('throttled sesv2:CreateImportJob': 12)."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, kind: str, name: str) -> None:
        with self._lock:
            self._counts[f"{kind} {name}"] += 1

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


_TRACKING_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{40}(?![0-9a-f])")


class FaultInjector:
    """Decides, for the patched request paths (see install()), whether and how each one fails."""

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self.log = FaultLog()
        self._fired: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def _draw(self, *parts: str) -> float:
        """A number in [0, 1) from the seed and the parts: the same request draws the same number."""
        digest = hashlib.sha256("\x1f".join((str(self.plan.seed), *parts)).encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    # -- API faults (server side) ------------------------------------------------------------------

    def api_fault(self, service: str, operation: str, request_id: str) -> tuple[str, int] | None:
        """The (code, status) to answer this request with, or None to serve it (after any latency)."""
        for fault in self.plan.api:
            if not fault.applies_to(service, operation):
                continue
            low, high = fault.latency_ms
            if high:
                time.sleep((low + (high - low) * self._draw("latency", request_id)) / 1000)
                self.log.add("delayed", f"{service}:{operation}")
            draw = self._draw("api", service, operation, request_id)
            if draw < fault.throttle:
                self.log.add("throttled", f"{service}:{operation}")
                return THROTTLE_ERRORS.get(service, DEFAULT_THROTTLE)
            if draw < fault.throttle + fault.error:
                self.log.add("failed", f"{service}:{operation}")
                return SERVER_ERROR
        return None

    # -- duplicate S3 events ------------------------------------------------------------------------

    def deliveries(self, event: Mapping[str, Any]) -> int:
        """How many times to deliver this S3 event notification (1, or 1 + duplicateCopies)."""
        if not self.plan.duplicate_events:
            return 1
        try:
            s3 = event["Records"][0]["s3"]
            identity = f"{s3['object']['key']}\n{s3['object'].get('versionId')}\n{s3['object'].get('sequencer')}"
        except (KeyError, IndexError, TypeError):
            return 1
        if self._draw("duplicate", identity) < self.plan.duplicate_events:
            self.log.add("duplicated", "s3:event")
            return 1 + self.plan.duplicate_copies
        return 1

    # -- crashes (client side, after a call succeeded) ---------------------------------------------

    def after_call(
        self, function: str | None, service: str, operation: str, params: dict[str, Any], event: Any
    ) -> None:
        """Raise SimulatedCrash when a crash point of the running function fires for this call."""
        if function is None or not self.plan.crashes:
            return
        for name, share in self.plan.crashes.items():
            point = CRASH_POINTS[name]
            if (point.function, point.service, point.operation) != (function, service, operation):
                continue
            if point.matches is not None and not point.matches(params):
                continue
            upload = _tracking_id(params) or _tracking_id(event) or getattr(_invocation, "upload", None)
            if upload is None or self._draw("crash", name, upload) >= share:
                continue
            with self._lock:
                if (name, upload) in self._fired:
                    continue
                self._fired.add((name, upload))
            self.log.add("crashed", name)
            raise SimulatedCrash(f"{function} crashed at {name} (fault plan)")


def _tracking_id(value: Any) -> str | None:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    match = _TRACKING_ID.search(text)
    return match.group(0) if match else None


# -- wiring ------------------------------------------------------------------------------------------

_active: FaultInjector | None = None
_installed = False
_install_lock = threading.Lock()
_invocation = threading.local()


def activate(plan: FaultPlan | None) -> FaultInjector | None:
    """Make `plan` the one the patched paths consult (None: no faults). Installs the patches once."""
    global _active
    install()
    _active = FaultInjector(plan) if plan is not None else None
    return _active


class running:
    """Marks the current thread as running `function` on `event` (the local Lambda runtime sets it)."""

    def __init__(self, function: str, event: Any) -> None:
        self._value = (function, event)

    def __enter__(self) -> None:
        self._saved = (getattr(_invocation, "value", None), getattr(_invocation, "upload", None))
        _invocation.value, _invocation.upload = self._value, None

    def __exit__(self, *exc: object) -> None:
        _invocation.value, _invocation.upload = self._saved


def install() -> None:
    global _installed
    with _install_lock:
        if _installed:
            return
        _patch_moto_responses()
        _hook_emulated_requests()
        _patch_s3_event_delivery()
        _patch_botocore_calls()
        _installed = True


def _error_response(service: str, code: str, status: int) -> tuple[int, dict[str, str], str]:
    message = f"injected by the local cloud's fault plan ({code})"
    protocol = _protocol(service)
    if protocol in {"json", "rest-json"}:
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-ErrorType": code}
        return status, headers, json.dumps({"__type": code, "message": message})
    error = f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
    body = f"<ErrorResponse>{error}</ErrorResponse>"
    return status, {"Content-Type": "text/xml"}, body


_protocols: dict[str, str] = {}


def _protocol(service: str) -> str:
    if service not in _protocols:
        import botocore.session

        try:
            _protocols[service] = botocore.session.get_session().get_service_model(service).protocol
        except Exception:  # an unknown name: the JSON error shape is the common one
            _protocols[service] = "json"
    return _protocols[service]


def _request_fault(service: str, operation: str, headers: Any) -> tuple[str, int] | None:
    """The (code, status) the active plan answers this request with, or None to serve it."""
    injector = _active
    if injector is None or not injector.plan.api:
        return None
    attempt = str(headers.get("amz-sdk-request", ""))  # "attempt=2; max=3"
    request_id = str(headers.get("amz-sdk-invocation-id", "")) + attempt
    fault = injector.api_fault(service, operation, request_id or str(time.monotonic_ns()))
    if fault is not None and _last_attempt(attempt):
        injector.log.add("retries exhausted", f"{service}:{operation}")
    return fault


def _patch_moto_responses() -> None:
    """Requests moto serves: every one passes BaseResponse.call_action."""
    from moto.core.responses import BaseResponse

    original = BaseResponse.call_action

    def call_action(self: Any) -> Any:
        if _active is not None and _active.plan.api:
            service = str(getattr(self, "service_name", "") or "")
            try:
                operation = self._get_action()
            except Exception:
                operation = ""
            fault = _request_fault(service, operation, self.headers)
            if fault is not None:
                return _error_response(service, *fault)
        return original(self)

    BaseResponse.call_action = call_action  # type: ignore[method-assign]


def _hook_emulated_requests() -> None:
    """Requests the emulators serve (localcloud/emulators): every one passes the emulator kit's dispatcher, which
    renders the error the way the emulated service writes its errors."""
    from localcloud.emulators.kit import dispatch
    from localcloud.emulators.kit.errors import ApiError
    from localcloud.emulators.kit.protocol import Call

    def emulated_fault(call: Call) -> ApiError | None:
        fault = _request_fault(call.service, call.operation, call.headers)
        if fault is None:
            return None
        code, status = fault
        return ApiError(code, f"injected by the local cloud's fault plan ({code})", status=status)

    dispatch.add_hook(emulated_fault)


def _last_attempt(header: str) -> bool:
    """Whether the SDK will not retry this request (its amz-sdk-request header says attempt == max)."""
    fields = dict(part.strip().partition("=")[::2] for part in header.split(";") if "=" in part)
    return bool(fields.get("attempt")) and fields.get("attempt") == fields.get("max")


def _patch_s3_event_delivery() -> None:
    from moto.s3 import notifications

    original = notifications._send_sqs_message

    def send_sqs_message(account_id: str, event_body: Any, queue_name: str, region_name: str) -> None:
        injector = _active
        copies = injector.deliveries(event_body) if injector is not None else 1
        for _ in range(copies):
            original(account_id, event_body, queue_name, region_name)

    notifications._send_sqs_message = send_sqs_message


def _patch_botocore_calls() -> None:
    from botocore.client import BaseClient

    original = BaseClient._make_api_call

    def make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        result = original(self, operation_name, api_params)
        injector = _active
        current = getattr(_invocation, "value", None)
        if injector is not None and current is not None:
            # A call that names no upload (StartAddressListImportJob: a job id) belongs to the upload the
            # invocation named last (its claim in the job table, the job's ClientToken).
            _invocation.upload = _tracking_id(api_params) or getattr(_invocation, "upload", None)
            service = self.meta.service_model.service_name
            injector.after_call(current[0], service, operation_name, api_params, current[1])
        return result

    BaseClient._make_api_call = make_api_call

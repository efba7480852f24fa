"""Makes the local cloud deny what AWS would deny.

Who is calling: a boto3 client belongs to the principal that was acting when the client was created. The local
Lambda runtime acts as each function's role while it loads and runs the handler (`acting_as`), and as the
function's role for the SQS polling Lambda does on its behalf; the clients moto's Step Functions engine creates
(always with the access key "ak", see moto/stepfunctions/parser/asl/utils/boto_client.py) act as the state
machine's role. Clients created by anyone else (tests, the CLI, the local cloud's provisioning) act as an
administrator, as a person with admin credentials would.

Each call a listdrop principal makes is mapped to its IAM action(s) and resource (operations.py) and evaluated
against the principal's role policies and the resource's policy (policy.py), before it reaches moto. A denied call
raises the error the service returns (`ACCESS_DENIED`). S3's GetObject and HeadObject answer 403 AccessDenied,
not 404, for a missing key or version when the caller may not s3:ListBucket
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, "Permissions").

Services calling services (EventBridge publishing to a topic, S3 notifying a queue, SNS delivering to a queue,
SES reading the bucket, CloudWatch alarms publishing) are evaluated with `authorize_service`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from localcloud.iam.operations import Call, Lookups, UnmappedOperation, accesses, emulated_services
from localcloud.iam.policy import Decision, Principal, Request, authorize
from localcloud.iam.store import PolicyStore

log = logging.getLogger("localcloud.iam")

# The access key moto's Step Functions engine signs its task calls with.
STEP_FUNCTIONS_ENGINE_KEY = "ak"

# What each service answers when IAM denies a call (code, HTTP status):
# - from botocore's service models where they model the error: S3 AccessDenied 403, SNS AuthorizationError 403,
#   and each emulated service's own (its emulator package's iam.ACCESS_DENIED: Mail Manager's 403);
# - SQS speaks JSON but stays query-compatible: the SDK reads the code AccessDenied from the
#   x-amzn-query-error header (botocore parsers.py; https://repost.aws/knowledge-center/sqs-accessdenied-errors);
# - Lambda: AccessDeniedException 403 (https://docs.aws.amazon.com/lambda/latest/api/CommonErrors.html);
# - DynamoDB: AccessDeniedException 400
#   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html);
# - the others: the common error AccessDeniedException, 400 (each API reference's "Common Errors"). For SES v2 and
#   Pinpoint no AWS source gives the status of an IAM denial; handlers never branch on it.
ACCESS_DENIED: dict[str, tuple[str, int]] = {
    "s3": ("AccessDenied", 403),
    "sns": ("AuthorizationError", 403),
    "sqs": ("AccessDenied", 403),
    "lambda": ("AccessDeniedException", 403),
    **{
        service: module.ACCESS_DENIED
        for module in emulated_services()
        if hasattr(module, "ACCESS_DENIED")
        for service in {service for service, _ in module.RULES}
    },
}
DEFAULT_ACCESS_DENIED = ("AccessDeniedException", 400)
_MISSING_OBJECT_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "404"})


@dataclass(frozen=True)
class Denial:
    principal: str
    action: str
    resource: str
    reason: str
    operation: str  # service:Operation, or the service-to-service path

    def __str__(self) -> str:
        return f"{self.principal} may not {self.action} on {self.resource} ({self.operation}): {self.reason}"


@dataclass
class Enforcer:
    """The permission checks of one local cloud: its policies, and what it denied."""

    store: PolicyStore
    lookups: Lookups = field(default_factory=dict)
    denials: list[Denial] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextlib.contextmanager
    def revoking(self, role_arn: str, action: str) -> Iterator[None]:
        """Within the block, `role_arn`'s policies lack `action` (to show what a missing permission breaks)."""
        saved = self.store
        self.store = saved.without(role_arn, action)
        try:
            yield
        finally:
            self.store = saved

    def role_of(self, function_name_fragment: str) -> str:
        """The execution role of the one function whose name contains the fragment (starter, poller)."""
        fragment = function_name_fragment.lower()
        [role] = [r for name, r in self.store.function_roles.items() if fragment in name.lower()]
        return role

    @property
    def engine_principal(self) -> Principal | None:
        """The state machine role, for the calls of moto's Step Functions engine (one state machine per stack)."""
        roles = set(self.store.state_machine_roles.values())
        return Principal(roles.pop()) if len(roles) == 1 else None

    def authorize_call(self, principal: Principal, service: str, operation: str, params: Mapping[str, Any]) -> None:
        """Raise `AccessDeniedError` for the first access of this call AWS would deny."""
        call = Call(service, operation, params, self.store.account, self.store.region, lookups=self.lookups)
        try:
            needed = accesses(call)
        except UnmappedOperation as error:
            with self._lock:
                self.unmapped.append(f"{service}:{operation}")
            log.error("%s", error)
            raise
        for access in needed:
            decision = self.decide(Request(principal, access.action, access.resource, access.context))
            if not decision:
                raise self._denied(principal, access.action, access.resource, decision, f"{service}:{operation}")

    def decide(self, request: Request) -> Decision:
        resource_policy = self.store.resource_policy(request.resource)
        key_policy = request.action.lower().startswith("kms:")
        return authorize(
            request,
            self.store.policies_of(request.principal.arn),
            resource_policy,
            resource_account=self.store.account,
            key_policy=key_policy,
        )

    def may_list_bucket(self, principal: Principal, bucket: str, key: str) -> Decision:
        """The check S3 makes before it tells a caller that a key does not exist."""
        # Assumption (no AWS source states it): S3 evaluates this implicit check with s3:prefix set to the requested
        # key, so a ListBucket grant scoped to the prefixes read with an s3:prefix condition counts. See the README.
        context = {"aws:SecureTransport": "true", "s3:prefix": key}
        return self.decide(Request(principal, "s3:ListBucket", f"arn:aws:s3:::{bucket}", context))

    def authorize_service(
        self, service: str, action: str, resource: str, context: Mapping[str, str], path: str
    ) -> Decision:
        """An AWS service acting as its service principal on a resource of this account (resource policy only)."""
        request = Request(Principal(service), action, resource, {"aws:SecureTransport": "true", **context})
        decision = self.decide(request)
        if not decision:
            self._record(Denial(service, action, resource, decision.reason, path))
        return decision

    def _denied(
        self, principal: Principal, action: str, resource: str, decision: Decision, operation: str
    ) -> Exception:
        denial = Denial(principal.arn, action, resource, decision.reason, operation)
        self._record(denial)
        message = (
            f"User: {principal.label} is not authorized to perform: {action} on resource: {resource} {decision.reason}"
        )
        return AccessDeniedError(message, operation.split(":", 1)[0])

    def _record(self, denial: Denial) -> None:
        with self._lock:
            self.denials.append(denial)
        log.warning("Access denied: %s", denial)


class AccessDeniedError(Exception):
    """Carried from the check to the botocore hook, which raises it as the service's own ClientError."""

    def __init__(self, message: str, service: str) -> None:
        super().__init__(message)
        self.service = service


# -- who is calling -----------------------------------------------------------------------------------------------

_acting = threading.local()
_active: Enforcer | None = None
_installed = False
_install_lock = threading.Lock()


@contextlib.contextmanager
def acting_as(role_arn: str | None) -> Iterator[None]:
    """Clients created in this block (on this thread) belong to `role_arn`'s principal."""
    saved = getattr(_acting, "principal", None)
    _acting.principal = Principal(role_arn) if role_arn else None
    try:
        yield
    finally:
        _acting.principal = saved


def activate(enforcer: Enforcer | None) -> None:
    """Make `enforcer` the one every client consults (None: nothing is enforced). Installs the hooks once."""
    global _active
    install()
    _active = enforcer


def active() -> Enforcer | None:
    return _active


def install() -> None:
    global _installed
    with _install_lock:
        if _installed:
            return
        _patch_client_creation()
        _patch_api_calls()
        from localcloud.iam import services  # it reads the active enforcer from here

        services.install()
        _installed = True


def _patch_client_creation() -> None:
    from botocore.session import Session

    original = Session.create_client

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        principal = getattr(_acting, "principal", None)
        if principal is None and kwargs.get("aws_access_key_id") == STEP_FUNCTIONS_ENGINE_KEY:
            principal = "states"  # resolved per call: the engine's clients outlive a local cloud
        client._listdrop_principal = principal
        return client

    Session.create_client = create_client


def _principal_of(client: Any, enforcer: Enforcer) -> Principal | None:
    principal = getattr(client, "_listdrop_principal", None)
    if principal == "states":
        engine = enforcer.engine_principal
        if engine is None:  # which state machine's role? Never let its calls through unchecked.
            raise RuntimeError("the local cloud enforces permissions for a stack with exactly one state machine")
        return engine
    return principal if isinstance(principal, Principal) else None


def _patch_api_calls() -> None:
    from botocore.client import BaseClient
    from botocore.exceptions import ClientError

    original = BaseClient._make_api_call

    def make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        enforcer = _active
        principal = _principal_of(self, enforcer) if enforcer is not None else None
        if enforcer is None or principal is None:
            return original(self, operation_name, api_params)
        service = self.meta.service_model.service_name
        try:
            enforcer.authorize_call(principal, service, operation_name, api_params)
        except AccessDeniedError as denied:
            raise _client_error(self, denied, operation_name) from None
        try:
            return original(self, operation_name, api_params)
        except ClientError as error:
            if service == "s3" and operation_name in ("GetObject", "HeadObject"):
                _hide_missing_object(self, enforcer, principal, operation_name, api_params, error)
            raise

    BaseClient._make_api_call = make_api_call


def _hide_missing_object(
    client: Any, enforcer: Enforcer, principal: Principal, operation: str, params: dict[str, Any], error: Exception
) -> None:
    code = getattr(error, "response", {}).get("Error", {}).get("Code")
    if code not in _MISSING_OBJECT_CODES:
        return
    decision = enforcer.may_list_bucket(principal, str(params["Bucket"]), str(params["Key"]))
    if decision:
        return
    bucket_arn = f"arn:aws:s3:::{params['Bucket']}"
    denied = enforcer._denied(principal, "s3:ListBucket", bucket_arn, decision, f"s3:{operation} (missing object)")
    assert isinstance(denied, AccessDeniedError)
    raise _client_error(client, denied, operation) from None


def _client_error(client: Any, denied: AccessDeniedError, operation_name: str) -> Exception:
    code, status = ACCESS_DENIED.get(denied.service, DEFAULT_ACCESS_DENIED)
    message = str(denied)
    if operation_name == "HeadObject":  # a HEAD response has no body: botocore sees only the status
        code, message = "403", "Forbidden"
    response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    error_class = client.exceptions.from_code(code)
    exception: Exception = error_class(response, operation_name)
    return exception

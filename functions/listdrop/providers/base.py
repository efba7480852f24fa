"""The interface every job API implements, so handlers never know which service they drive."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from listdrop.errors import ProviderRequestRejected, ProviderUnavailable
from listdrop.models import FileShape, JobStatus, Route, S3Object

# Error codes that mean "slow down": the API refused the request before acting on it.
THROTTLING_ERROR_CODES = frozenset(
    {
        "TooManyRequestsException",
        "LimitExceededException",
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestLimitExceeded",
    }
)
# Error codes that mean "try again later" on any AWS API: throttling, and server faults (which may have acted).
TRANSIENT_ERROR_CODES = THROTTLING_ERROR_CODES | frozenset(
    {
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalServerError",
        "InternalServerErrorException",
        "InternalServiceErrorException",
    }
)


@dataclass(frozen=True)
class ImportRequest:
    """One upload's job, ready to start: for a records file `source` is the checked copy the job reads; for
    a request file (an export) `source` is the request file itself and `parameters` what it asks for."""

    tracking_id: str
    route: Route
    source: S3Object
    parameters: dict[str, Any] | None = None


class JobProvider(Protocol):
    name: str
    # The least time between two `start` calls across every running copy of the starter (0: no limit),
    # for APIs with an account-wide rate (SES CreateExportJob: once per second).
    min_start_interval_seconds: float

    def verify_destination(self, route: Route, shape: FileShape) -> None:
        """Raise RejectedFile when the destination cannot take this file (it does not exist, say)."""

    def start(self, request: ImportRequest) -> str:
        """Start the job and return the provider's job id."""

    def find_started(self, request: ImportRequest, *, since: datetime) -> str | None:
        """The job an earlier, interrupted attempt started for this request, if any (None: start one).

        Called before `start` when a retry takes over an upload whose earlier attempt stopped midway, so a
        crash between the provider call and recording its job id never leads to a second job. Providers
        whose create call takes a client token may rely on the token instead and return None.
        """

    def status(self, job_id: str) -> JobStatus:
        """Read the job's status, normalized."""

    def cancel(self, job_id: str) -> None:
        """Ask the service to cancel or stop the job. Raise ProviderRequestRejected when it cannot (the
        API has no such call, or the job has already ended)."""


@runtime_checkable
class RequestReader(Protocol):
    """A provider whose files are one request (an export's parameters) rather than records."""

    def read_request(self, body: bytes) -> tuple[dict[str, Any], str]:
        """The API call's parameters and a one-line summary without personal data; RejectedFile if invalid."""


def classify_client_error(error: ClientError, operation: str) -> Exception:
    """Map an AWS error to 'retry later' or 'the request itself was refused', by error code."""
    code = error.response.get("Error", {}).get("Code", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    message = error.response.get("Error", {}).get("Message", "")
    if code in THROTTLING_ERROR_CODES:
        return ProviderUnavailable(f"{operation} was throttled ({code}); retrying", may_have_run=False)
    if code in TRANSIENT_ERROR_CODES or status >= 500:
        return ProviderUnavailable(f"{operation} failed transiently ({code or status}); retrying")
    return ProviderRequestRejected(f"{operation} was refused: {code}: {message}".strip())


def call_api(
    method: Callable[..., dict[str, Any]], operation: str, *, expected: frozenset[str] = frozenset(), **params: Any
) -> dict[str, Any]:
    """One job-API call, its failures classified: error codes in `expected` reach the caller as ClientError;
    other errors become ProviderUnavailable or ProviderRequestRejected (see classify_client_error).

    No answer at all (connection refused or reset, a read timeout) is transient, and the request may still
    have been served, so it counts as possibly run.
    """
    try:
        return method(**params)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in expected:
            raise
        raise classify_client_error(error, operation) from error
    except (BotocoreConnectionError, HTTPClientError) as error:
        raise ProviderUnavailable(f"{operation} got no answer ({type(error).__name__}); retrying") from error

"""The two halves of an emulated service, in moto's shape: the backend (:class:`Emulator`, a service's
``models.py``) and the operations (:class:`Responses`, its ``responses.py``)."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar, Generic, Self, TypeVar

import botocore.session
from botocore.model import OperationModel, ServiceModel

from localcloud.emulators.kit import constraints, dispatch
from localcloud.emulators.kit.errors import ApiError
from localcloud.emulators.kit.lifecycle import Lifecycle
from localcloud.emulators.kit.protocol import Answer, Call, Protocol
from localcloud.emulators.kit.s3 import S3Store

LOGGER = logging.getLogger(__name__)

Operation = Callable[[dict[str, Any]], Mapping[str, Any]]


@cache
def service_model(name: str) -> ServiceModel:
    """botocore's model of the service (cached: loading one takes tens of milliseconds)."""
    return botocore.session.get_session().get_service_model(name)


@dataclass(frozen=True)
class Placement:
    """Where and how fast an emulator runs: what the local cloud hands every service package's ``create``."""

    endpoint_url: str
    account_id: str
    region: str
    processing_after: float = 0.3  # seconds until a job turns PROCESSING (or takes its first step)
    complete_after: float = 1.0  # seconds until a job is due to end


JobT = TypeVar("JobT")


class Emulator(ABC, Generic[JobT]):
    """The state and rules of one emulated service for one account and region, and its test controls.

    A subclass sets ``title`` (for messages) and implements :meth:`route` and :meth:`_forget`.
    """

    title: ClassVar[str] = "emulated service"

    def __init__(
        self,
        endpoint_url: str,
        account_id: str,
        region: str,
        processing_after: float = 0.3,
        complete_after: float = 1.0,
    ) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self.account_id = account_id
        self.region = region
        self.lifecycle = Lifecycle()
        self.s3 = S3Store(self.endpoint_url, account_id, region)
        self.set_windows(processing_after, complete_after)
        # One lock over the service's state, its jobs included (reentrant: a rule may call another under it).
        self._lock = threading.RLock()
        # The jobs by id (or by the ids that name one: Pinpoint's application and job), oldest first.
        self._jobs: dict[Any, JobT] = {}

    @classmethod
    def create(cls, placement: Placement) -> Self:
        """The emulator the local cloud runs (each service package exports this as ``create``, which
        ProviderSpec.emulator names); a service whose jobs are not timed by two windows overrides it."""
        return cls(
            endpoint_url=placement.endpoint_url,
            account_id=placement.account_id,
            region=placement.region,
            processing_after=placement.processing_after,
            complete_after=placement.complete_after,
        )

    def set_windows(self, processing_after: float, complete_after: float) -> None:
        """A job turns PROCESSING ``processing_after`` seconds after it starts and is due at ``complete_after``."""
        if not 0 <= processing_after <= complete_after:
            raise ValueError("need 0 <= processing_after <= complete_after")
        self.processing_after = processing_after
        self.complete_after = complete_after

    def iam_lookups(self) -> dict[str, Callable[[str], str | None]]:
        """Named lookups the local cloud's permission checks need for this service's calls (its package's
        ``iam.py``): a resource a request names only indirectly, by id (none unless a service overrides it)."""
        return {}

    def seeders(self) -> dict[str, Callable[[Iterable[Mapping[str, Any]]], None]]:
        """The data a test may seed this service with, by kind (the local cloud's ``/_listdrop/`` seed control):
        each takes rows and raises ValueError, KeyError or TypeError, adding none, when one is invalid. None unless
        a service overrides it."""
        return {}

    def install(self) -> None:
        """Serve this service's emulated operations on moto's server from this emulator (every server in the
        process, started before or after; idempotent; the emulator installed last serves)."""
        dispatch.register(self.route())

    @abstractmethod
    def route(self) -> dispatch.Route:
        """The requests this service claims and the operations that answer them."""

    def reset(self) -> None:
        """Forget every job and all state; cancel pending work, release ``hold``, drop ``fail_next`` failures."""
        self.lifecycle.reset()
        with self._lock:
            self._jobs.clear()
        self._forget()

    @abstractmethod
    def _forget(self) -> None:
        """Drop the service's own state beyond its jobs (reset() has cancelled the pending work and forgotten
        the jobs)."""

    def jobs(self) -> list[JobT]:
        """Every job created since the last reset, oldest first (reading them injects no faults)."""
        with self._lock:
            return list(self._jobs.values())

    def job(self, *key: str) -> JobT:
        """A job's live record by its id (Pinpoint: its application's and its own); KeyError if there is none."""
        with self._lock:
            return self._jobs[key[0] if len(key) == 1 else key]

    def hold(self, held: bool = True) -> None:
        """While held, jobs do not finish (see each service for the state they wait in); False releases them."""
        self.lifecycle.hold(held)

    def fail_next(self, message: str) -> None:
        """The next job (one per call) ends FAILED with ``message`` as its reason."""
        self.lifecycle.fail_next(message)

    def out_of_scope(self, call: Call) -> str | None:
        """Why the request is not this emulator's (it serves one account and region), or None."""
        account, region = account_of(call), region_of(call)
        if (account, region) == (self.account_id, self.region):
            return None
        return (
            f"This {self.title} emulator serves account {self.account_id} in {self.region}; "
            f"the request was for account {account} in {region}."
        )


def region_of(call: Call) -> str:
    """The region the request was signed for (its credential scope), as moto reads it; us-east-1 unsigned."""
    authorization = call.headers.get("authorization", "")
    if "AWS4" in authorization:
        return authorization.split(",")[0].split("/")[2]
    return "us-east-1"


def account_of(call: Call) -> str:
    """The account moto would attribute the request to (moto's own rules: BaseResponse.get_current_account)."""
    import os

    from moto.iam.models import get_account_id_from

    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if "x-moto-account-id" in call.headers:
        return call.headers["x-moto-account-id"]
    authorization = call.headers.get("authorization", "")
    key = authorization.split("Credential=", 1)[1].split("/", 1)[0] if "Credential=" in authorization else "AKIAEXAMPLE"
    return str(get_account_id_from(key))


class Responses:
    """The operations of one service: for each served operation a method named like moto's (``CreateImportJob``
    -> ``create_import_job``) that takes the parsed, validated parameters and returns the output structure.

    :meth:`serve` does the rest for every operation: scope, parsing, the model's constraints, rendering the
    answer (with the status the model gives the operation) or the error.
    """

    service_name: ClassVar[str]
    protocol: ClassVar[Protocol]
    invalid: ClassVar[str]  # the code of the service's validation error
    whole_value_patterns: ClassVar[bool] = False  # see localcloud.emulators.kit.constraints

    def __init__(self, emulator: Emulator[Any], operations: tuple[str, ...]) -> None:
        self.emulator = emulator
        self.operations = operations  # the operations served, in the model's names

    @property
    def model(self) -> ServiceModel:
        return service_model(self.service_name)

    def serve(self, call: Call) -> Answer:
        try:
            if call.operation not in self.operations:
                raise ApiError(
                    "UnknownOperationException",
                    f"The {self.emulator.title} emulator does not serve {call.operation or 'this request'}; "
                    f"it serves {', '.join(self.operations)}.",
                    status=400,
                )
            operation = self.model.operation_model(call.operation)
            return self._answer(operation, self._run(operation, call))
        except ApiError as error:
            return self.render_error(error)

    def _run(self, operation: OperationModel, call: Call) -> Mapping[str, Any]:
        out_of_scope = self.emulator.out_of_scope(call)
        if out_of_scope:
            raise ApiError(self.invalid, out_of_scope)
        self.admit(call)
        params = self.protocol.params(operation, call, self.invalid)
        problems = constraints.problems(operation.input_shape, params, whole_value_patterns=self.whole_value_patterns)
        if problems:
            raise ApiError(self.invalid, problems)
        self.check(params)
        method: Operation = getattr(self, _snake(call.operation))
        return method(params)

    def admit(self, call: Call) -> None:
        """Checks the service makes before it reads the request (a rate limit); none by default."""

    def check(self, params: dict[str, Any]) -> None:
        """Checks every operation of the service makes on the valid request (the resource it names exists)."""

    def _answer(self, operation: OperationModel, output: Mapping[str, Any]) -> Answer:
        return self.protocol.answer(output, int(operation.http.get("responseCode", 200)))

    def render_error(self, error: ApiError) -> Answer:
        status = error.status if error.status is not None else self._status_of(error.code)
        return self.protocol.error(error, status)

    def _status_of(self, code: str) -> int:
        """The HTTP status the model gives the error shape (400 when it models none)."""
        try:
            shape = self.model.shape_for(code)
        except Exception:  # botocore raises NoShapeFoundError for a name the model lacks
            return 400
        return int(shape.metadata.get("error", {}).get("httpStatusCode", 400))

    def route(self, match: dispatch.RouteMatcher) -> dispatch.Route:
        """This service's route, claiming requests with ``match`` (see :mod:`localcloud.emulators.kit.routes`)."""
        return dispatch.Route(type(self).__name__, self.service_name, match, self.serve, self.render_error)


def _snake(operation: str) -> str:
    from moto.core.utils import camelcase_to_underscores

    return str(camelcase_to_underscores(operation))

"""The emulators' test controls over HTTP, on the local cloud's own endpoint, under ``/_listdrop/``.

In the spirit of moto's ``/moto-api/`` (moto/moto_api/_internal/urls.py: ``/moto-api/reset``, ``/moto-api/seed``,
...) and LocalStack's ``/_localstack/`` internal endpoints, with a prefix of its own so it clashes with neither (nor
with S3's path-style requests: a bucket name cannot start with ``_``). They exist only in the local cloud: AWS has
no such path. Every request passes the emulator kit's one dispatcher (a :class:`dispatch.Route` like the emulators'),
so they reach the running emulators of this process.

    GET  /_listdrop/emulators                          every emulator: its provider, held or not, queued failures,
                                                       the data it can be seeded with, and its jobs with their states
    GET  /_listdrop/emulators/<provider>               one of them
    POST /_listdrop/emulators/<provider>/hold          jobs that come due wait (for a cancel or a time-out)
    POST /_listdrop/emulators/<provider>/release       held jobs go on at once
    POST /_listdrop/emulators/<provider>/fail-next     the next job fails; body {"error": "the reason"} (optional)
    POST /_listdrop/emulators/<provider>/seed/<kind>   data the emulator's jobs read; body {"rows": [...]}
    POST /_listdrop/emulators/<provider>/reset         forget the emulator's jobs and state
    POST /_listdrop/reset                              the same for every emulator
    GET  /_listdrop/schedules                          the template's EventBridge Scheduler schedules
    POST /_listdrop/schedules/<name>/run               run one now, as Scheduler would (localcloud/schedules.py)

Answers are JSON; an action answers the emulator as it is afterwards. Errors are JSON ``{"error", "message"}``: 400
for a body that is not what the route takes, 404 for an unknown route or provider, 405 for the wrong method. Every
answer carries the header ``x-listdrop-local-cloud``, which is how ``listdrop local`` knows it reached a local cloud.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from localcloud.emulators.kit import dispatch
from localcloud.emulators.kit.dispatch import Environ, Match
from localcloud.emulators.kit.errors import ApiError
from localcloud.emulators.kit.protocol import Answer, Call
from localcloud.schedules import LocalSchedules, ScheduleNotFound

PREFIX = "/_listdrop/"
MARKER_HEADER = "x-listdrop-local-cloud"
DEFAULT_FAILURE = "Failed on purpose by the local cloud's test controls (fail-next)."
MAX_FAILURE_LENGTH = 1000

_RULES = Map(
    [
        Rule("/_listdrop/emulators", endpoint="ListEmulators", methods=["GET"]),
        Rule("/_listdrop/emulators/<provider>", endpoint="DescribeEmulator", methods=["GET"]),
        Rule("/_listdrop/emulators/<provider>/hold", endpoint="Hold", methods=["POST"]),
        Rule("/_listdrop/emulators/<provider>/release", endpoint="Release", methods=["POST"]),
        Rule("/_listdrop/emulators/<provider>/fail-next", endpoint="FailNext", methods=["POST"]),
        Rule("/_listdrop/emulators/<provider>/seed/<kind>", endpoint="Seed", methods=["POST"]),
        Rule("/_listdrop/emulators/<provider>/reset", endpoint="ResetEmulator", methods=["POST"]),
        Rule("/_listdrop/reset", endpoint="Reset", methods=["POST"]),
        Rule("/_listdrop/schedules", endpoint="ListSchedules", methods=["GET"]),
        Rule("/_listdrop/schedules/<name>/run", endpoint="RunSchedule", methods=["POST"]),
    ],
    strict_slashes=False,
)


class Controls:
    """The control routes over the local cloud's emulators, by provider name (LocalCloud.emulators)."""

    def __init__(
        self, emulators: Mapping[str, Any], schedules: Callable[[], LocalSchedules | None] = lambda: None
    ) -> None:
        self._emulators = emulators
        self._schedules = schedules  # once the cloud is provisioned

    def install(self) -> None:
        """Serve the control routes on every moto server of this process (replacing earlier controls)."""
        dispatch.register(dispatch.Route("ListdropControls", "listdrop-local", _match, self.serve, _render_error))

    def serve(self, call: Call) -> Answer:
        try:
            return _answer(200, self._run(call))
        except ApiError as error:
            return _render_error(error)

    def _run(self, call: Call) -> dict[str, Any]:
        if call.operation == "MethodNotAllowed":
            allowed = call.uri_params["allowed"]
            raise ApiError("MethodNotAllowed", f"{call.method} is not allowed here; use {allowed}.", status=405)
        if call.operation == "NotFound":
            raise ApiError("NotFound", f"No such control. The controls are: {_ROUTES_TEXT}.", status=404)
        body = _json_body(call.body)
        if call.operation in {"ListSchedules", "RunSchedule"}:
            _no_body(body)
            return self._schedule_control(call)
        if call.operation == "ListEmulators":
            _no_body(body)
            return {"emulators": [describe(name, emulator) for name, emulator in self._emulators.items()]}
        if call.operation == "Reset":
            _no_body(body)
            for emulator in self._emulators.values():
                emulator.reset()
            return {"emulators": [describe(name, emulator) for name, emulator in self._emulators.items()]}
        provider = call.uri_params["provider"]
        emulator = self._emulator(provider)
        action = _ACTIONS[call.operation]
        action(emulator, body, call.uri_params)
        return describe(provider, emulator)

    def _schedule_control(self, call: Call) -> dict[str, Any]:
        schedules = self._schedules()
        if schedules is None:
            raise ApiError("NotReady", "The local cloud is still being provisioned.", status=503)
        if call.operation == "ListSchedules":
            return {"schedules": schedules.describe()}
        try:
            return schedules.run(call.uri_params["name"])
        except ScheduleNotFound:
            known = ", ".join(s["name"] for s in schedules.describe()) or "none (listdrop:exportSchedules is empty)"
            raise ApiError(
                "UnknownSchedule", f"No schedule {call.uri_params['name']!r}; the schedules are: {known}.", status=404
            ) from None

    def _emulator(self, provider: str) -> Any:
        if provider not in self._emulators:
            raise ApiError(
                "UnknownProvider",
                f"No emulator serves provider {provider!r}; the emulators are: {', '.join(self._emulators)}.",
                status=404,
            )
        return self._emulators[provider]


def describe(provider: str, emulator: Any) -> dict[str, Any]:
    """What GET answers for one emulator: its state and its jobs (id and status), oldest first."""
    return {
        "provider": provider,
        "service": emulator.title,
        "held": emulator.lifecycle.held,
        "failuresQueued": emulator.lifecycle.queued_failures,
        "seeds": sorted(emulator.seeders()),
        "jobs": [{"jobId": str(job.job_id), "status": str(job.status)} for job in emulator.jobs()],
    }


# -- the actions on one emulator ------------------------------------------------------------------------------


def _describe_only(emulator: Any, body: dict[str, Any] | None, params: Mapping[str, str]) -> None:
    _no_body(body)


def _hold(emulator: Any, body: dict[str, Any] | None, params: Mapping[str, str]) -> None:
    _no_body(body)
    emulator.hold(True)


def _release(emulator: Any, body: dict[str, Any] | None, params: Mapping[str, str]) -> None:
    _no_body(body)
    emulator.hold(False)


def _reset(emulator: Any, body: dict[str, Any] | None, params: Mapping[str, str]) -> None:
    _no_body(body)
    emulator.reset()


def _fail_next(emulator: Any, body: dict[str, Any] | None, params: Mapping[str, str]) -> None:
    body = body or {}
    _only(body, {"error"})
    message = body.get("error", DEFAULT_FAILURE)
    if not isinstance(message, str) or not message.strip() or len(message) > MAX_FAILURE_LENGTH:
        raise ApiError("InvalidBody", f'"error" must be a non-empty string of at most {MAX_FAILURE_LENGTH} characters.')
    emulator.fail_next(message)


def _seed(emulator: Any, body: dict[str, Any] | None, params: Mapping[str, str]) -> None:
    seeders = emulator.seeders()
    kind = params["kind"]
    if kind not in seeders:
        offered = ", ".join(sorted(seeders)) or "none"
        raise ApiError("UnknownSeed", f"The {emulator.title} emulator takes no {kind!r} data (it takes: {offered}).")
    body = body or {}
    _only(body, {"rows"})
    rows = body.get("rows")
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ApiError("InvalidBody", 'The body must be {"rows": [...]}, a list of JSON objects.')
    try:
        seeders[kind](rows)
    except (ValueError, KeyError, TypeError) as error:
        raise ApiError("InvalidRows", f"The {kind} rows were refused (none was added): {error}") from None


Action = Callable[[Any, "dict[str, Any] | None", Mapping[str, str]], None]
_ACTIONS: dict[str, Action] = {
    "DescribeEmulator": _describe_only,
    "Hold": _hold,
    "Release": _release,
    "FailNext": _fail_next,
    "Seed": _seed,
    "ResetEmulator": _reset,
}
_ROUTES_TEXT = ", ".join(f"{', '.join(sorted(rule.methods or ()))} {rule.rule}" for rule in _RULES.iter_rules())


# -- requests and answers -------------------------------------------------------------------------------------


def _match(method: str, raw_path: str, environ: Environ) -> Match | None:
    """Every path under /_listdrop/ is a control (an unknown one is answered 404 here, not by moto)."""
    if not (raw_path + "/").startswith(PREFIX):
        return None
    try:
        operation, arguments = _RULES.bind("localhost").match(raw_path, method=method)
    except MethodNotAllowed as error:
        return Match("MethodNotAllowed", {"allowed": ", ".join(sorted(error.valid_methods or ()))})
    except NotFound:
        return Match("NotFound", {})
    return Match(str(operation), {name: str(value) for name, value in arguments.items()})


def _json_body(body: bytes) -> dict[str, Any] | None:
    if not body.strip():
        return None
    try:
        decoded = json.loads(body)
    except ValueError:
        raise ApiError("InvalidBody", "The request body is not valid JSON.") from None
    if not isinstance(decoded, dict):
        raise ApiError("InvalidBody", "The request body must be a JSON object.")
    return decoded


def _no_body(body: dict[str, Any] | None) -> None:
    if body:
        raise ApiError("InvalidBody", f"This control takes no body; got {', '.join(sorted(body))}.")


def _only(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ApiError(
            "InvalidBody", f"Unknown field(s) {', '.join(unknown)}; this control takes {', '.join(allowed)}."
        )


def _answer(status: int, payload: Mapping[str, Any]) -> Answer:
    body = json.dumps(payload).encode()
    headers = (("Content-Type", "application/json"), ("Content-Length", str(len(body))), (MARKER_HEADER, "1"))
    return Answer(status, body, headers)


def _render_error(error: ApiError) -> Answer:
    return _answer(error.status or 400, {"error": error.code, "message": error.message})

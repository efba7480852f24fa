"""Reading emulated requests and writing answers the way each service's protocol does.

A request reaches a service as a :class:`Call` (what the dispatcher saw on the wire); :func:`request_params`
rebuilds the caller's parameters from it with the operation's input shape, and a :class:`Protocol` writes the
answer or the error. Done by hand rather than with moto's parser, because that parser drops unknown members and
reads an unparsable body as ``{}``, where the real APIs reject both.

- rest-json (SES v2, Pinpoint): members come from the URI labels, the query string, headers and the JSON body
  (or, for an input with a ``payload`` member, the body is that member). Errors carry the code in the
  ``x-amzn-ErrorType`` header, which botocore's rest-json parser reads first (botocore/parsers.py,
  ``RestJSONParser._do_error_parse``); each service's error body is its own (see ``RestJson.error_body``).
- json 1.0 (Mail Manager, ``X-Amz-Target: <prefix>.<Operation>``): the body is the input structure; errors carry
  ``__type`` in the body (``BaseJSONParser._do_error_parse``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from typing import Protocol as TypingProtocol
from urllib.parse import parse_qs

from botocore.model import OperationModel, Shape

from localcloud.emulators.kit.errors import ApiError

_REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 402: "Payment Required", 403: "Forbidden"}
_REASONS |= {
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


@dataclass(frozen=True)
class Call:
    """One emulated request as the dispatcher read it off the wire."""

    service: str  # botocore's name for the service: sesv2, mailmanager, pinpoint
    operation: str
    method: str
    query: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    uri_params: Mapping[str, str] = field(default_factory=dict)  # URI labels, percent-decoded

    @property
    def request_id(self) -> str:
        """The SDK's invocation id and attempt: the same for one request, different for each retry."""
        return self.headers.get("amz-sdk-invocation-id", "") + self.headers.get("amz-sdk-request", "")


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]

    @property
    def status_line(self) -> str:
        return f"{self.status} {_REASONS.get(self.status, 'Error')}"


class Protocol(TypingProtocol):
    """How one service reads its requests and writes its answers."""

    def params(self, operation: OperationModel, call: Call, invalid: str) -> dict[str, Any]: ...

    def answer(self, payload: Mapping[str, Any], status: int) -> Answer: ...

    def error(self, error: ApiError, status: int) -> Answer: ...


def _json_object(body: bytes, invalid: str) -> dict[str, Any] | None:
    """The body as a JSON object, None when empty; ApiError(``invalid``) when it is anything else."""
    if not body.strip():
        return None
    try:
        decoded = json.loads(body)
    except ValueError as exc:
        raise ApiError(invalid, "The request body is not valid JSON.") from exc
    if not isinstance(decoded, dict):
        raise ApiError(invalid, "The request body must be a JSON object.")
    return decoded


def _answer(payload: Mapping[str, Any], status: int, content_type: str, extra: tuple[tuple[str, str], ...]) -> Answer:
    body = json.dumps(payload, default=_json_default).encode()
    headers = (("Content-Type", content_type), ("Content-Length", str(len(body))), *extra)
    return Answer(status, body, (*headers, ("x-amzn-RequestId", str(uuid.uuid4()))))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


@dataclass(frozen=True)
class RestJson:
    """rest-json; ``error_body`` shapes the body of an error the way the service writes it."""

    error_body: Callable[[ApiError], dict[str, Any]]

    def params(self, operation: OperationModel, call: Call, invalid: str) -> dict[str, Any]:
        shape = operation.input_shape
        if shape is None:
            return {}
        params: dict[str, Any] = {}
        decoded = _json_object(call.body, invalid)
        payload = shape.serialization.get("payload")
        if decoded is not None and payload:
            params[payload] = decoded
        elif decoded is not None:
            params.update(decoded)
        query = parse_qs(call.query, keep_blank_values=True)
        for name, member in shape.members.items():
            value = _located(member, call, query, invalid)
            if value is not None:
                params[name] = value
        return params

    def answer(self, payload: Mapping[str, Any], status: int) -> Answer:
        return _answer(payload, status, "application/json", ())

    def error(self, error: ApiError, status: int) -> Answer:
        return _answer(self.error_body(error), status, "application/json", (("x-amzn-ErrorType", error.code),))


def _located(member: Shape, call: Call, query: dict[str, list[str]], invalid: str) -> Any:
    """The value of a member bound to the URI, the query string or a header; None when the request has none."""
    location = member.serialization.get("location")
    wire_name = member.serialization.get("name", member.name)
    if location == "uri":
        return call.uri_params.get(wire_name)
    if location == "header" and wire_name.lower() in call.headers:
        return _scalar(member, wire_name, call.headers[wire_name.lower()], invalid)
    if location == "querystring" and wire_name in query:
        values = query[wire_name]
        return values if member.type_name == "list" else _scalar(member, wire_name, values[-1], invalid)
    return None


def _scalar(member: Shape, name: str, value: str, invalid: str) -> Any:
    """A string from the URI, query or headers as the member's type (botocore serializes them as text)."""
    if member.type_name in ("integer", "long"):
        try:
            return int(value)
        except ValueError as exc:
            raise ApiError(invalid, f"{name} must be an integer.") from exc
    if member.type_name == "boolean":
        return value.lower() == "true"
    if member.type_name == "timestamp":
        return _timestamp(name, value, invalid)
    return value


def _timestamp(name: str, value: str, invalid: str) -> datetime:
    try:
        return datetime.fromtimestamp(float(value)).astimezone()
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ApiError(invalid, f"{name} is not a valid timestamp.") from exc
    return parsed if parsed.tzinfo else parsed.astimezone()


@dataclass(frozen=True)
class Json10:
    """json 1.0 (``X-Amz-Target``); the body is the input structure."""

    def params(self, operation: OperationModel, call: Call, invalid: str) -> dict[str, Any]:
        return _json_object(call.body, invalid) or {}

    def answer(self, payload: Mapping[str, Any], status: int) -> Answer:
        return _answer(payload, status, "application/x-amz-json-1.0", ())

    def error(self, error: ApiError, status: int) -> Answer:
        body = {"__type": error.code, "Message": error.message}
        return _answer(body, status, "application/x-amz-json-1.0", ())

"""How Pinpoint reads an endpoint import file: the documented CSV and JSON layouts, definition by definition.

Sources and the readings that are assumptions: see the package docstring.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from localcloud.emulators.kit import constraints
from localcloud.emulators.kit.records import RecordError, SourceLine, csv_fields, json_object, source_lines
from localcloud.emulators.kit.s3 import S3Location
from localcloud.emulators.kit.service import service_model

ATTRIBUTE_NAME_MAX = 50
ATTRIBUTE_VALUE_MAX = 100

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


class PieceFailure(Exception):
    """One piece (S3 object) cannot be imported at all; counted in FailedPieces."""


def of_other_format(key: str, data_format: str) -> bool:
    """Whether the key's extension says it holds another format than the job's (such files are skipped)."""
    lowered = key.lower()
    return any(
        lowered.endswith(extension)
        for other, extensions in _FORMAT_EXTENSIONS.items()
        if other != data_format
        for extension in extensions
    )


def piece_text(piece: S3Location, data: bytes) -> str:
    """The piece's text; PieceFailure for a compressed file or one not in UTF-8."""
    if data[:2] == b"\x1f\x8b" or data[:4] == b"PK\x03\x04":
        raise PieceFailure(f"Cannot import {piece.url}: Amazon Pinpoint cannot import compressed files")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PieceFailure(f"Cannot import {piece.url}: the file is not UTF-8 encoded") from exc


def _csv_columns(piece: S3Location, header: SourceLine) -> list[str]:
    """Column names from the header row; a header Pinpoint would not understand fails the piece."""
    try:
        columns = csv_fields(header.text)
    except RecordError as exc:
        raise PieceFailure(f"{piece.url} line {header.number}: the CSV header is {exc}") from exc
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
    fields = csv_fields(line.text)
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


def _check_definition(definition: dict[str, Any]) -> None:
    """Validate one endpoint definition against the model (types, enums) and the documented import rules."""
    unsupported = sorted(set(definition) - _SUPPORTED_MEMBERS)
    if unsupported:
        raise RecordError(f"unsupported attribute(s): {', '.join(unsupported)}")
    problems = constraints.problems(service_model("pinpoint").shape_for("EndpointBatchItem"), definition)
    if problems:
        raise RecordError(problems.splitlines()[0])
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


def endpoint_definitions(
    piece: S3Location, text: str, data_format: str
) -> Iterator[tuple[SourceLine, dict[str, Any] | RecordError]]:
    """Each record of the piece with its parsed definition, or the RecordError that rejects it."""
    lines = source_lines(text)
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


def _definition_from_json(line: SourceLine) -> dict[str, Any]:
    return json_object(line.text)

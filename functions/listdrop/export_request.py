"""An SES export request file: the CreateExportJob parameters, checked against the API's rules before any call.

The file holds the API's own request, so the SES documentation describes it field by field:

    {"ExportDataSource": {"MetricsDataSource": {"Namespace": "VDM",
                                                "Dimensions": {"EMAIL_IDENTITY": ["example.com"]},
                                                "Metrics": [{"Name": "SEND", "Aggregation": "VOLUME"}],
                                                "StartDate": "2026-11-01", "EndDate": "2026-11-08"}},
     "ExportDestination": {"DataFormat": "CSV"}}

Dates are ISO 8601 (a date, or a date and time; without a zone they are UTC). Every rule botocore's model
states (required members, types, enumerations, list and map sizes, lengths, ranges) is checked here, plus
the ones it states only in words: exactly one data source, the start before the end. `ExportDestination.S3Url`
is refused: listdrop copies the result into the bucket itself.

A scheduled export (infra/constructs/schedules.py) writes the request with a relative window in place of the dates,
`"Window": {"LastWholeUtcDays": 7, "Before": "2026-11-30T06:00:00Z"}` (`Before` is the time EventBridge Scheduler
ran it): the window is the N whole UTC days that end at the start of `Before`'s UTC day, resolved here to absolute
StartDate and EndDate, so the job and its outcome carry dates like any other export.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape
from botocore.validate import ParamValidator

from listdrop.errors import RejectedFile
from listdrop.privacy import redact_emails
from listdrop.service_models import service_model

MAX_REQUEST_BYTES = 64 * 1024
SOURCES = ("MetricsDataSource", "MessageInsightsDataSource")
SOURCE_TYPES = {"MetricsDataSource": "METRICS_DATA", "MessageInsightsDataSource": "MESSAGE_INSIGHTS"}
WINDOW = "Window"
# listdrop's own bound on a relative window (ten years), not SES's: SES answers for what it keeps.
MAX_WINDOW_DAYS = 3650


@dataclass(frozen=True)
class ExportRequest:
    """The CreateExportJob parameters (dates as datetimes) and a one-line description without personal data."""

    parameters: dict[str, Any]
    source_type: str
    summary: str


@lru_cache(maxsize=1)
def _input_shape() -> StructureShape:
    """CreateExportJob's input from the sesv2 model that ships with the code, not the runtime's own."""
    shape = service_model("sesv2").operation_model("CreateExportJob").input_shape
    assert isinstance(shape, StructureShape)
    return shape


def parse_export_request(body: bytes) -> ExportRequest:
    if len(body) > MAX_REQUEST_BYTES:
        raise RejectedFile(
            "REQUEST_TOO_LARGE",
            f"An export request is at most {MAX_REQUEST_BYTES // 1024} KiB; this is {len(body):,} bytes.",
        )
    try:
        document = json.loads(body.decode("utf-8-sig"), object_pairs_hook=_no_duplicate_fields)
    except UnicodeDecodeError:
        raise RejectedFile("INVALID_REQUEST", "The export request is not UTF-8 text.") from None
    except RecursionError:
        raise RejectedFile("INVALID_REQUEST", "The export request nests too deeply to be a request.") from None
    except _DuplicateField as duplicate:
        raise RejectedFile("INVALID_REQUEST", f"The field '{duplicate.name}' appears twice.") from None
    except ValueError as error:
        raise RejectedFile("INVALID_REQUEST", f"The export request is not valid JSON ({_position(error)}).") from None
    if not isinstance(document, dict):
        raise RejectedFile("INVALID_REQUEST", "The export request must be one JSON object.")
    _refuse(document)
    parameters = _with_dates(_with_window(document))
    problems = _problems(parameters)
    if problems:
        raise RejectedFile("INVALID_EXPORT_REQUEST", redact_emails("; ".join(problems[:5])))
    name = next(name for name in SOURCES if name in parameters["ExportDataSource"])
    return ExportRequest(parameters, SOURCE_TYPES[name], _summary(name, parameters))


class _DuplicateField(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _no_duplicate_fields(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for name, value in pairs:
        if name in seen:
            raise _DuplicateField(name)
        seen[name] = value
    return seen


def _position(error: ValueError) -> str:
    line, column = getattr(error, "lineno", None), getattr(error, "colno", None)
    return f"line {line}, column {column}" if line else "unreadable"


def _refuse(document: dict[str, Any]) -> None:
    source = document.get("ExportDataSource")
    if not isinstance(source, dict) or sum(name in source for name in SOURCES) != 1:
        raise RejectedFile(
            "INVALID_EXPORT_REQUEST",
            "ExportDataSource must hold exactly one of MetricsDataSource or MessageInsightsDataSource.",
        )
    destination = document.get("ExportDestination")
    if isinstance(destination, dict) and "S3Url" in destination:
        raise RejectedFile(
            "INVALID_EXPORT_REQUEST",
            "Leave ExportDestination.S3Url out: listdrop copies the export into exports/results/ in this bucket.",
        )


def _with_window(document: dict[str, Any]) -> dict[str, Any]:
    """The request with its relative window, if it has one, replaced by the absolute dates it names."""
    if WINDOW not in document:
        return document
    window = document[WINDOW]
    if not isinstance(window, dict) or set(window) != {"LastWholeUtcDays", "Before"}:
        raise RejectedFile("INVALID_EXPORT_REQUEST", "Window holds exactly LastWholeUtcDays and Before.")
    days = window["LastWholeUtcDays"]
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_WINDOW_DAYS:
        raise RejectedFile(
            "INVALID_EXPORT_REQUEST", f"Window.LastWholeUtcDays must be a whole number from 1 to {MAX_WINDOW_DAYS}."
        )
    end = whole_utc_day_start(_timestamp("Window.Before", window["Before"]))
    start = end - timedelta(days=days)
    resolved = {name: value for name, value in document.items() if name != WINDOW}
    sources = dict(resolved["ExportDataSource"])
    name = next(name for name in SOURCES if name in sources)
    if not isinstance(sources[name], dict) or {"StartDate", "EndDate"} & set(sources[name]):
        raise RejectedFile(
            "INVALID_EXPORT_REQUEST", f"A Window replaces {name}.StartDate and EndDate: give one or the other."
        )
    sources[name] = {**sources[name], "StartDate": start.isoformat(), "EndDate": end.isoformat()}
    resolved["ExportDataSource"] = sources
    return resolved


def whole_utc_day_start(moment: datetime) -> datetime:
    """Midnight UTC of the UTC day `moment` falls in (UTC has no daylight saving: every day is 24 hours)."""
    return datetime.combine(moment.astimezone(UTC).date(), datetime.min.time(), tzinfo=UTC)


def _with_dates(document: dict[str, Any]) -> dict[str, Any]:
    """The request with StartDate and EndDate as aware datetimes (JSON has no timestamp type)."""
    parameters: dict[str, Any] = json.loads(json.dumps(document))
    for name in SOURCES:
        source = parameters["ExportDataSource"].get(name)
        if not isinstance(source, dict):
            continue
        for field in ("StartDate", "EndDate"):
            if field in source:
                source[field] = _timestamp(f"{name}.{field}", source[field])
        start, end = source.get("StartDate"), source.get("EndDate")
        if isinstance(start, datetime) and isinstance(end, datetime) and start >= end:
            raise RejectedFile("INVALID_EXPORT_REQUEST", f"{name}.StartDate must be before its EndDate.")
        if name == "MetricsDataSource" and any(_partial_day(moment) for moment in (start, end)):
            # SES aggregates metrics by UTC day and refuses a window that cuts a day (as AWS's own scheduled
            # VDM export sample notes); say so before the call rather than fail after it.
            raise RejectedFile(
                "INVALID_EXPORT_REQUEST",
                "MetricsDataSource dates must be whole UTC days (midnight to midnight), e.g. 2026-11-01.",
            )
    return parameters


def _partial_day(moment: Any) -> bool:
    if not isinstance(moment, datetime):
        return False
    utc = moment.astimezone(UTC)
    return (utc.hour, utc.minute, utc.second, utc.microsecond) != (0, 0, 0, 0)


def _timestamp(path: str, value: Any) -> datetime:
    if isinstance(value, str):
        try:
            parsed = (
                datetime.combine(date.fromisoformat(value), datetime.min.time())
                if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
                else datetime.fromisoformat(value.replace("Z", "+00:00"))
            )
        except ValueError:
            parsed = None
        if parsed is not None and 2000 <= parsed.year <= 2999:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    shown = redact_emails(repr(value))[:60]
    raise RejectedFile("INVALID_EXPORT_REQUEST", f"{path} must be an ISO 8601 date such as 2026-11-01, not {shown}.")


def _problems(parameters: dict[str, Any]) -> list[str]:
    shape = _input_shape()
    report = ParamValidator().validate(parameters, shape)
    if report.has_errors():
        return [line.strip() for line in report.generate_report().splitlines() if line.strip()]
    return list(_constraints(shape, parameters, ""))


def _constraints(shape: Shape, value: Any, path: str) -> Iterator[str]:
    """The model's rules ParamValidator leaves out: enumerations, maximum sizes and lengths, ranges."""
    if isinstance(shape, StructureShape):
        for name, member in shape.members.items():
            if name in value:
                yield from _constraints(member, value[name], f"{path}.{name}".lstrip("."))
    elif isinstance(shape, ListShape | MapShape):
        yield from _collection_constraints(shape, value, path)
    else:
        yield from _scalar_constraints(shape, value, path)


def _collection_constraints(shape: ListShape | MapShape, value: Any, path: str) -> Iterator[str]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if isinstance(shape, ListShape) and shape.member.name == "ExportMetric":
        # Name is optional in the model, but a metric without one asks for nothing.
        for index, metric in enumerate(value):
            if "Name" not in metric:
                yield f"{path}[{index}].Name is required"
    if high is not None and len(value) > high:
        yield f"{path} has {len(value)} entries; at most {high} are allowed"
    if low is not None and len(value) < low:
        yield f"{path} needs at least {low} entries"
    if isinstance(shape, ListShape):
        for index, item in enumerate(value):
            yield from _constraints(shape.member, item, f"{path}[{index}]")
    else:
        for key, item in value.items():
            yield from _constraints(shape.key, key, f"{path} key")
            yield from _constraints(shape.value, item, f"{path}.{key}")


def _scalar_constraints(shape: Shape, value: Any, path: str) -> Iterator[str]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if shape.type_name == "string":
        if shape.enum and value not in shape.enum:
            yield f"{path} is {value!r}; use one of {', '.join(shape.enum)}"
        elif high is not None and len(value) > high:
            yield f"{path} is longer than {high} characters"
        elif low is not None and len(value) < low:
            yield f"{path} is empty"
    elif shape.type_name == "integer" and ((low is not None and value < low) or (high is not None and value > high)):
        yield f"{path} must be between {low} and {high}"


def _summary(source_name: str, parameters: dict[str, Any]) -> str:
    """What the request asks for, in words and without its filter values (they may hold addresses)."""
    source = parameters["ExportDataSource"][source_name]
    window = f"{source['StartDate']:%Y-%m-%d %H:%M} to {source['EndDate']:%Y-%m-%d %H:%M} UTC"
    data_format = parameters["ExportDestination"]["DataFormat"]
    if source_name == "MetricsDataSource":
        metrics = ", ".join(f"{m['Name']} ({m.get('Aggregation', 'VOLUME')})" for m in source["Metrics"])
        dimensions = ", ".join(sorted(source["Dimensions"]))
        return f"METRICS_DATA by {dimensions}: {metrics}; {window}; {data_format}"
    filters = sorted({*source.get("Include", {}), *(f"not {k}" for k in source.get("Exclude", {}))})
    shown = f"filtered by {', '.join(filters)}" if filters else "unfiltered"
    limit = f", at most {source['MaxResults']:,} messages" if "MaxResults" in source else ""
    return f"MESSAGE_INSIGHTS {shown}{limit}; {window}; {data_format}"

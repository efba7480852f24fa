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

A request naming ListSuppressedDestinations or ListContacts instead asks for a list export, which listdrop runs
itself (listdrop.list_export_request; providers/ses_export/list_export.py). What every request shares (reading
the file, times, windows, the model's rules) is in listdrop.request_fields.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from botocore.model import StructureShape

from listdrop.errors import RejectedFile
from listdrop.list_export_request import LIST_OPERATIONS, parse_list_request
from listdrop.privacy import redact_emails
from listdrop.request_fields import (
    INVALID,
    MAX_REQUEST_BYTES,
    WINDOW,
    read_document,
    shape_problems,
    timestamp,
    window_dates,
)
from listdrop.service_models import service_model

SOURCES = ("MetricsDataSource", "MessageInsightsDataSource")
SOURCE_TYPES = {"MetricsDataSource": "METRICS_DATA", "MessageInsightsDataSource": "MESSAGE_INSIGHTS"}

__all__ = ["MAX_REQUEST_BYTES", "WINDOW", "ExportRequest", "parse_export_request"]


@dataclass(frozen=True)
class ExportRequest:
    """What an export request asks for: the API call's parameters (dates as datetimes), the kind of data
    (METRICS_DATA, MESSAGE_INSIGHTS; SUPPRESSION_LIST, CONTACT_LIST for a list export) and a one-line
    description without personal data."""

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
    """An SES export job's request, or a list export's (listdrop.list_export_request), checked whole."""
    document = read_document(body)
    if any(operation in document for operation in LIST_OPERATIONS):
        parameters, source_type, summary = parse_list_request(document)
        return ExportRequest(parameters, source_type, summary)
    _refuse(document)
    parameters = _with_dates(_with_window(document))
    problems = shape_problems(_input_shape(), parameters)
    if problems:
        raise RejectedFile(INVALID, redact_emails("; ".join(problems[:5])))
    name = next(name for name in SOURCES if name in parameters["ExportDataSource"])
    return ExportRequest(parameters, SOURCE_TYPES[name], _summary(name, parameters))


def _refuse(document: dict[str, Any]) -> None:
    source = document.get("ExportDataSource")
    if not isinstance(source, dict) or sum(name in source for name in SOURCES) != 1:
        raise RejectedFile(
            INVALID,
            "An export request holds ExportDataSource with exactly one of MetricsDataSource or "
            f"MessageInsightsDataSource (an SES export job), or one of {' or '.join(LIST_OPERATIONS)} (a list export).",
        )
    destination = document.get("ExportDestination")
    if isinstance(destination, dict) and "S3Url" in destination:
        raise RejectedFile(
            INVALID,
            "Leave ExportDestination.S3Url out: listdrop copies the export into exports/results/ in this bucket.",
        )


def _with_window(document: dict[str, Any]) -> dict[str, Any]:
    """The request with its relative window, if it has one, replaced by the absolute dates it names."""
    if WINDOW not in document:
        return document
    start, end = window_dates(document[WINDOW])
    resolved = {name: value for name, value in document.items() if name != WINDOW}
    sources = dict(resolved["ExportDataSource"])
    name = next(name for name in SOURCES if name in sources)
    if not isinstance(sources[name], dict) or {"StartDate", "EndDate"} & set(sources[name]):
        raise RejectedFile(INVALID, f"A Window replaces {name}.StartDate and EndDate: give one or the other.")
    sources[name] = {**sources[name], "StartDate": start.isoformat(), "EndDate": end.isoformat()}
    resolved["ExportDataSource"] = sources
    return resolved


def _with_dates(document: dict[str, Any]) -> dict[str, Any]:
    """The request with StartDate and EndDate as aware datetimes (JSON has no timestamp type)."""
    parameters: dict[str, Any] = json.loads(json.dumps(document))
    for name in SOURCES:
        source = parameters["ExportDataSource"].get(name)
        if not isinstance(source, dict):
            continue
        for field in ("StartDate", "EndDate"):
            if field in source:
                source[field] = timestamp(f"{name}.{field}", source[field])
        start, end = source.get("StartDate"), source.get("EndDate")
        if isinstance(start, datetime) and isinstance(end, datetime) and start >= end:
            raise RejectedFile(INVALID, f"{name}.StartDate must be before its EndDate.")
        if name == "MetricsDataSource" and any(_partial_day(moment) for moment in (start, end)):
            # SES aggregates metrics by UTC day and refuses a window that cuts a day (as AWS's own scheduled
            # VDM export sample notes); say so before the call rather than fail after it.
            raise RejectedFile(
                INVALID,
                "MetricsDataSource dates must be whole UTC days (midnight to midnight), e.g. 2026-11-01.",
            )
    return parameters


def _partial_day(moment: Any) -> bool:
    if not isinstance(moment, datetime):
        return False
    utc = moment.astimezone(UTC)
    return (utc.hour, utc.minute, utc.second, utc.microsecond) != (0, 0, 0, 0)


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

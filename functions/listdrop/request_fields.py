"""What every export request file shares, whichever API it asks for: one JSON object read strictly, ISO 8601 times,
a relative window of whole UTC days, and the rules a botocore input shape states (required members, types,
enumerations, sizes, lengths, ranges), checked before any call."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape
from botocore.validate import ParamValidator

from listdrop.errors import RejectedFile
from listdrop.privacy import redact_emails

MAX_REQUEST_BYTES = 64 * 1024
WINDOW = "Window"
# listdrop's own bound on a relative window (ten years), not SES's: SES answers for what it keeps.
MAX_WINDOW_DAYS = 3650
INVALID = "INVALID_EXPORT_REQUEST"


def read_document(body: bytes) -> dict[str, Any]:
    """The request file as one JSON object: UTF-8, valid JSON, no field twice, at most MAX_REQUEST_BYTES."""
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
    return document


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


def timestamp(path: str, value: Any) -> datetime:
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
    raise RejectedFile(INVALID, f"{path} must be an ISO 8601 date such as 2026-11-01, not {shown}.")


def window_dates(window: Any) -> tuple[datetime, datetime]:
    """The start and end of a relative window `{"LastWholeUtcDays": N, "Before": <time>}`: the N whole UTC days
    that end at the start of `Before`'s UTC day (the day it names is never included)."""
    if not isinstance(window, dict) or set(window) != {"LastWholeUtcDays", "Before"}:
        raise RejectedFile(INVALID, "Window holds exactly LastWholeUtcDays and Before.")
    days = window["LastWholeUtcDays"]
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_WINDOW_DAYS:
        raise RejectedFile(INVALID, f"Window.LastWholeUtcDays must be a whole number from 1 to {MAX_WINDOW_DAYS}.")
    end = whole_utc_day_start(timestamp("Window.Before", window["Before"]))
    return end - timedelta(days=days), end


def whole_utc_day_start(moment: datetime) -> datetime:
    """Midnight UTC of the UTC day `moment` falls in (UTC has no daylight saving: every day is 24 hours)."""
    return datetime.combine(moment.astimezone(UTC).date(), datetime.min.time(), tzinfo=UTC)


def shape_problems(shape: StructureShape, parameters: dict[str, Any]) -> list[str]:
    """Every rule of the input shape the parameters break, worded for the notification."""
    report = ParamValidator().validate(parameters, shape)
    if report.has_errors():
        return [line.strip() for line in report.generate_report().splitlines() if line.strip()]
    return list(constraints(shape, parameters, ""))


def constraints(shape: Shape, value: Any, path: str) -> Iterator[str]:
    """The model's rules ParamValidator leaves out: enumerations, maximum sizes and lengths, ranges."""
    if isinstance(shape, StructureShape):
        for name, member in shape.members.items():
            if name in value:
                yield from constraints(member, value[name], f"{path}.{name}".lstrip("."))
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
            yield from constraints(shape.member, item, f"{path}[{index}]")
    else:
        for key, item in value.items():
            yield from constraints(shape.key, key, f"{path} key")
            yield from constraints(shape.value, item, f"{path}.{key}")


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

"""The data SES exports and the files it writes: seeded Virtual Deliverability Manager metrics and Message
Insights messages, filtered and aggregated as a job asks, rendered as CSV or JSON lines.

The file layout is an assumption (the package docstring says which parts are documented).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from botocore.utils import parse_timestamp

from localcloud.emulators.kit.service import service_model

DEFAULT_MESSAGE_INSIGHTS_MAX_RESULTS = 1000  # doc
METRICS_DATA = "METRICS_DATA"
MESSAGE_INSIGHTS = "MESSAGE_INSIGHTS"
MESSAGE_COLUMNS = (
    "MessageId",
    "FromEmailAddress",
    "Destination",
    "Subject",
    "Isp",
    "TenantName",
    "LastDeliveryEvent",
    "LastEngagementEvent",
    "SentTimestamp",
)
_WILDCARD_FILTERS = ("FromEmailAddress", "Destination", "Subject")
_EXACT_FILTERS = ("Isp", "TenantName", "LastDeliveryEvent", "LastEngagementEvent")


def _enum(shape_name: str) -> tuple[str, ...]:
    return tuple(service_model("sesv2").shape_for(shape_name).enum)


def utc(value: Any) -> datetime:
    """A request timestamp (epoch number or ISO string, already type-checked by the model) in UTC."""
    parsed = value if isinstance(value, datetime) else parse_timestamp(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def is_midnight(moment: datetime) -> bool:
    return (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)


# --------------------------------------------------------------------------------------- seeded data


@dataclass(frozen=True)
class MetricsRow:
    """Daily VDM counts for one combination of dimension values."""

    day: date
    dimensions: dict[str, str]
    counts: dict[str, int]

    @classmethod
    def parse(cls, row: Mapping[str, Any]) -> MetricsRow:
        dimension_names, metric_names = _enum("MetricDimensionName"), _enum("Metric")
        dimensions = {str(k): str(v) for k, v in dict(row.get("dimensions") or {}).items()}
        counts = {str(k): v for k, v in dict(row.get("counts") or {}).items()}
        unknown = sorted(set(dimensions) - set(dimension_names)) + sorted(set(counts) - set(metric_names))
        if unknown:
            raise ValueError(f"unknown dimension or metric names {unknown} in seeded metrics row {row!r}")
        if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in counts.values()):
            raise ValueError(f"metric counts must be non-negative integers: {row!r}")
        return cls(day=_day(row["date"]), dimensions=dimensions, counts=counts)


@dataclass(frozen=True)
class MessageRow:
    """One message (one destination) as Message Insights knows it."""

    message_id: str
    from_email_address: str
    destination: str
    subject: str
    isp: str
    last_delivery_event: str
    sent_time: datetime
    last_engagement_event: str | None = None
    tenant_name: str | None = None

    @classmethod
    def parse(cls, row: Mapping[str, Any]) -> MessageRow:
        message = cls(
            message_id=str(row.get("message_id") or uuid.uuid4()),
            from_email_address=str(row["from_email_address"]),
            destination=str(row["destination"]),
            subject=str(row.get("subject", "")),
            isp=str(row.get("isp", "")),
            last_delivery_event=str(row.get("last_delivery_event", "SEND")),
            sent_time=_moment(row["sent_time"]),
            last_engagement_event=row.get("last_engagement_event"),
            tenant_name=row.get("tenant_name"),
        )
        if message.last_delivery_event not in _enum("DeliveryEventType"):
            raise ValueError(f"last_delivery_event must be one of {_enum('DeliveryEventType')}: {row!r}")
        if message.last_engagement_event not in (None, *_enum("EngagementEventType")):
            raise ValueError(f"last_engagement_event must be None or one of {_enum('EngagementEventType')}")
        return message

    def field(self, name: str) -> str | None:
        """The value a MessageInsightsFilters member matches against."""
        return {
            "FromEmailAddress": self.from_email_address,
            "Destination": self.destination,
            "Subject": self.subject,
            "Isp": self.isp,
            "TenantName": self.tenant_name,
            "LastDeliveryEvent": self.last_delivery_event,
            "LastEngagementEvent": self.last_engagement_event,
        }[name]

    def record(self) -> dict[str, Any]:
        return {
            "MessageId": self.message_id,
            "FromEmailAddress": self.from_email_address,
            "Destination": self.destination,
            "Subject": self.subject,
            "Isp": self.isp,
            "TenantName": self.tenant_name,
            "LastDeliveryEvent": self.last_delivery_event,
            "LastEngagementEvent": self.last_engagement_event,
            "SentTimestamp": self.sent_time.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        }


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return _moment(value).date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return utc(value)


# ----------------------------------------------------------------------------------------- exporting


def _dimension_matches(row: MetricsRow, name: str, wanted: list[str]) -> bool:
    value = row.dimensions.get(name)
    return value is not None and ("*" in wanted or value in wanted)


def export_metrics(source: dict[str, Any], rows: Iterable[MetricsRow]) -> tuple[int, list[dict[str, Any]]]:
    """(rows matched, records) for a MetricsDataSource: filter by day and dimensions, group, aggregate."""
    start, end = utc(source["StartDate"]), utc(source["EndDate"])
    dimensions: dict[str, list[str]] = source["Dimensions"]
    metrics = list(dict.fromkeys((m["Name"], m.get("Aggregation", "VOLUME")) for m in source["Metrics"]))
    matched = [
        row
        for row in rows
        if start <= datetime(row.day.year, row.day.month, row.day.day, tzinfo=UTC) < end
        and all(_dimension_matches(row, name, values) for name, values in dimensions.items())
    ]
    groups: dict[tuple[date, tuple[str, ...]], dict[str, int]] = {}
    for row in matched:
        totals = groups.setdefault((row.day, tuple(row.dimensions[name] for name in dimensions)), {})
        for metric, count in row.counts.items():
            totals[metric] = totals.get(metric, 0) + count
    records = []
    for (day, values), totals in sorted(groups.items()):
        record: dict[str, Any] = {"Date": day.isoformat(), **dict(zip(dimensions, values, strict=True))}
        sends = totals.get("SEND", 0)
        for name, aggregation in metrics:
            volume = totals.get(name, 0)
            if aggregation == "VOLUME":
                record[f"{name}_{aggregation}"] = volume
            else:
                record[f"{name}_{aggregation}"] = volume / sends if sends else None
        records.append(record)
    return len(matched), records


def metrics_columns(source: dict[str, Any]) -> list[str]:
    metrics = dict.fromkeys(f"{m['Name']}_{m.get('Aggregation', 'VOLUME')}" for m in source["Metrics"])
    return ["Date", *source["Dimensions"], *metrics]


def text_matcher(pattern: str) -> Callable[[str], bool]:
    """The documented partial match: ``*`` first = suffix, last = prefix, both = contains; ``\\`` escapes."""
    chars: list[tuple[str, bool]] = []  # (character, escaped)
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern) and pattern[index + 1] in "*\\":
            chars.append((pattern[index + 1], True))
            index += 2
        else:
            chars.append((char, False))
            index += 1
    leading = bool(chars) and chars[0] == ("*", False)
    if leading:
        chars = chars[1:]
    trailing = bool(chars) and chars[-1] == ("*", False)
    if trailing:
        chars = chars[:-1]
    literal = "".join(char for char, _ in chars)
    if leading and trailing:
        return lambda value: literal in value
    if leading:
        return lambda value: value.endswith(literal)
    if trailing:
        return lambda value: value.startswith(literal)
    return lambda value: value == literal


def _filter_checks(filters: dict[str, Any] | None) -> list[Callable[[MessageRow], bool]]:
    """One predicate per non-empty filter member (values ORed); the caller ANDs them."""
    checks: list[Callable[[MessageRow], bool]] = []
    for name, values in (filters or {}).items():
        if values and name in _WILDCARD_FILTERS:
            checks.append(_partial_check(name, [text_matcher(value) for value in values]))
        elif values and name in _EXACT_FILTERS:
            checks.append(_exact_check(name, frozenset(values)))
    return checks


def _partial_check(name: str, matchers: list[Callable[[str], bool]]) -> Callable[[MessageRow], bool]:
    def check(row: MessageRow) -> bool:
        return any(matcher(row.field(name) or "") for matcher in matchers)

    return check


def _exact_check(name: str, values: frozenset[str]) -> Callable[[MessageRow], bool]:
    def check(row: MessageRow) -> bool:
        return row.field(name) in values

    return check


def export_messages(source: dict[str, Any], rows: Iterable[MessageRow]) -> tuple[int, list[dict[str, Any]]]:
    """(messages matched, records) for a MessageInsightsDataSource: dates inclusive, Include, Exclude."""
    start, end = utc(source["StartDate"]), utc(source["EndDate"])
    include, exclude = _filter_checks(source.get("Include")), _filter_checks(source.get("Exclude"))
    matched = [
        row
        for row in rows
        if start <= row.sent_time <= end
        and all(check(row) for check in include)
        and not (exclude and all(check(row) for check in exclude))
    ]
    matched.sort(key=lambda row: (row.sent_time, row.message_id), reverse=True)
    limit = source.get("MaxResults", DEFAULT_MESSAGE_INSIGHTS_MAX_RESULTS)
    return len(matched), [row.record() for row in matched[:limit]]


def render(records: list[dict[str, Any]], columns: list[str], data_format: str) -> bytes:
    """CSV with a header row, or newline-delimited JSON objects."""
    if data_format == "JSON":
        return "".join(json.dumps(record) + "\n" for record in records).encode()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in record.items()} for record in records)
    return buffer.getvalue().encode()

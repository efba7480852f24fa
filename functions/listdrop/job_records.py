"""Reading the job table: its items as Jobs, a filtered Scan, a tracking id from a prefix (`listdrop jobs`).

job_store.py writes the items, through the same attribute names (job_store.Attribute). This reader uses the
low-level client, so its Scan can be paginated with progress and projected; items come back as plain values
(numbers as int or float, not Decimal).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from listdrop.job_store import GATE_PREFIX, Attribute, ClaimStatus
from listdrop.models import Action
from listdrop.providers.registry import DESTINATION_TYPES

# Statuses of an upload whose job may still be running; every other status is final.
ACTIVE_STATUSES = frozenset({ClaimStatus.CLAIMED, ClaimStatus.STARTED})
# The shortest prefix of a tracking id that JobTable.resolve looks up.
MIN_PREFIX = 8


class UnclearTrackingId(ValueError):
    """A tracking id too short to look up, or a prefix that more than one job starts with."""


@dataclass(frozen=True)
class Job:
    """One item of the job table, as the starter and the poller wrote it."""

    item: dict[str, Any]

    def get(self, name: str) -> Any:
        return self.item.get(name)

    @property
    def tracking_id(self) -> str:
        return str(self.item[Attribute.TRACKING_ID])

    @property
    def status(self) -> str:
        return str(self.item.get(Attribute.STATUS, ""))

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def started_no_job(self) -> bool:
        """It ended before any provider job was started (rejected, or refused by the job API)."""
        return not self.is_active and not self.item.get(Attribute.PROVIDER_JOB_ID)

    @property
    def is_export(self) -> bool:
        """A request file's export job: no rows were checked, and it writes a result file, not a destination."""
        return self.item.get(Attribute.ACTION) == Action.EXPORT.value

    @property
    def created_at(self) -> str:
        return str(self.item.get(Attribute.CREATED_AT) or "")

    @property
    def label(self) -> str:
        """As the starter labelled the destination when it routed the key (its provider's words)."""
        label = self.item.get(Attribute.DESTINATION_LABEL)
        if label:
            return str(label)
        kind, name = self.item.get(Attribute.DESTINATION_TYPE), self.item.get(Attribute.DESTINATION_NAME)
        return "no destination" if not kind else f"{kind} {name or ''}".strip()

    @property
    def records(self) -> tuple[int, int] | None:
        processed, failed = self.item.get(Attribute.PROCESSED_RECORDS), self.item.get(Attribute.FAILED_RECORDS)
        if processed is None and failed is None:
            return None
        return int(processed or 0), int(failed or 0)

    def execution_input(self) -> dict[str, Any]:
        return _json_attribute(self.item.get(Attribute.EXECUTION_INPUT))

    def outcome(self) -> dict[str, Any]:
        """The outcome event's detail: recorded at the end of a job, or (for an upload that never started a
        job) the outcome the starter put in the workflow's input."""
        detail = _json_attribute(self.item.get(Attribute.OUTCOME_DETAIL))
        if detail:
            return detail
        outcome = self.execution_input().get("outcome") or {}
        return dict(outcome.get("detail") or {})

    def progress(self) -> dict[str, Any]:
        """The provider's last progress report (its own fields), if it gave one."""
        return _json_attribute(self.item.get(Attribute.PROVIDER_PROGRESS))


class JobTable:
    """Reads the job table with the low-level client (its paginators), items turned into plain values."""

    def __init__(self, dynamodb: Any, name: str) -> None:
        from boto3.dynamodb.types import TypeDeserializer

        self._dynamodb = dynamodb
        self._name = name
        self._deserializer = TypeDeserializer()

    def get(self, tracking_id: str) -> Job | None:
        item = self._dynamodb.get_item(
            TableName=self._name, Key={Attribute.TRACKING_ID: {"S": tracking_id}}, ConsistentRead=True
        ).get("Item")
        return Job(self._plain(item)) if item else None

    def scan(
        self,
        expression: Expression | None = None,
        *,
        attributes: Iterable[str] | None = None,
        page_size: int | None = None,
        progress: Callable[[int, int, int], None] | None = None,
    ) -> Iterator[Job]:
        """Every upload's item passing the filter (never the start-rate gates that share the table);
        `progress(pages, items read, items matched)` after each page."""
        uploads_only = Expression(
            "NOT begins_with(#id, :gate)", {"#id": Attribute.TRACKING_ID}, {":gate": {"S": GATE_PREFIX}}
        )
        expression = uploads_only if expression is None else uploads_only.and_(expression)
        names: dict[str, str] = dict(expression.names)
        params: dict[str, Any] = {
            "TableName": self._name,
            "FilterExpression": expression.text,
            "ExpressionAttributeValues": expression.values,
        }
        if attributes is not None:
            projected = {f"#p{index}": name for index, name in enumerate(attributes)}
            names.update(projected)
            params["ProjectionExpression"] = ", ".join(projected)
        if names:
            params["ExpressionAttributeNames"] = names
        config = {"PageSize": page_size} if page_size else {}
        read = matched = 0
        pages = self._dynamodb.get_paginator("scan").paginate(**params, PaginationConfig=config)
        for number, page in enumerate(pages, start=1):
            read += int(page.get("ScannedCount", 0))
            matched += int(page.get("Count", 0))
            for item in page.get("Items", []):
                yield Job(self._plain(item))
            if progress is not None:
                progress(number, read, matched)

    def resolve(self, tracking_id: str) -> Job | None:
        """The job of a full tracking id, or of a unique prefix of one (at least MIN_PREFIX characters).
        Raises UnclearTrackingId when it is shorter, or when several jobs start with it."""
        wanted = tracking_id.strip().lower()
        if len(wanted) < MIN_PREFIX or wanted.startswith(GATE_PREFIX):
            raise UnclearTrackingId(f"give at least {MIN_PREFIX} characters of an upload's tracking id")
        job = self.get(wanted)
        if job is not None:
            return job
        prefix = Expression("begins_with(#id, :prefix)", {"#id": Attribute.TRACKING_ID}, {":prefix": {"S": wanted}})
        matches = [m.tracking_id for m in self.scan(prefix, attributes=[Attribute.TRACKING_ID])]
        if len(matches) > 1:
            shown = ", ".join(sorted(matches)[:5]) + (" ..." if len(matches) > 5 else "")
            raise UnclearTrackingId(f"{len(matches)} jobs start with {wanted}: {shown}; give more characters")
        return self.get(matches[0]) if matches else None

    def _plain(self, item: dict[str, Any]) -> dict[str, Any]:
        return {name: _plain_number(self._deserializer.deserialize(value)) for name, value in item.items()}


# -- filters --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expression:
    text: str
    names: dict[str, str]
    values: dict[str, Any]

    def and_(self, other: Expression) -> Expression:
        """Both must hold. No parentheses added: DynamoDB refuses redundant ones, and every clause built here is
        a comparison, or an OR that carries its own."""
        return Expression(
            f"{self.text} AND {other.text}", {**self.names, **other.names}, {**self.values, **other.values}
        )


@dataclass(frozen=True)
class JobFilter:
    provider: str | None = None
    destination: str | None = None
    statuses: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None

    def expression(self) -> Expression | None:
        """The Scan's FilterExpression: every given option must hold.

        `destination` is a destination type (SES_SUPPRESSION_LIST, SES_CONTACT_LIST) or a contact list's name;
        `statuses` match listdrop's status (SUCCEEDED, FAILED, REJECTED, TIMED_OUT, STARTED, CLAIMED) or the
        provider's last status (CANCELLED, PROCESSING, ...); `since` and `until` bound the upload's claim time
        (createdAt, an ISO 8601 UTC timestamp, so string order is time order).
        """
        clauses: list[str] = []
        names: dict[str, str] = {}
        values: dict[str, Any] = {}

        def bind(attribute: str, key: str, value: str) -> tuple[str, str]:
            names[f"#{attribute}"] = attribute
            values[f":{key}"] = {"S": value}
            return f"#{attribute}", f":{key}"

        if self.provider:
            name, value = bind(Attribute.PROVIDER, "provider", self.provider)
            clauses.append(f"{name} = {value}")
        if self.destination:
            name, value = bind(*_destination(self.destination))
            clauses.append(f"{name} = {value}")
        if self.statuses:
            clauses.append(self._statuses_clause(names, values))
        if self.since:
            name, value = bind(Attribute.CREATED_AT, "since", _iso(self.since))
            clauses.append(f"{name} >= {value}")
        if self.until:
            name, value = bind(Attribute.CREATED_AT, "until", _iso(self.until))
            clauses.append(f"{name} < {value}")
        if not clauses:
            return None
        return Expression(" AND ".join(clauses), names, values)

    def _statuses_clause(self, names: dict[str, str], values: dict[str, Any]) -> str:
        """listdrop's status or the provider's, either one of the statuses (binding them into names, values)."""
        status, provider_status = f"#{Attribute.STATUS}", f"#{Attribute.PROVIDER_STATUS}"
        names[status], names[provider_status] = Attribute.STATUS, Attribute.PROVIDER_STATUS
        keys = []
        for index, wanted in enumerate(self.statuses):
            values[f":status{index}"] = {"S": wanted}
            keys.append(f":status{index}")
        listed = ", ".join(keys)
        return f"({status} IN ({listed}) OR {provider_status} IN ({listed}))"


def _destination(destination: str) -> tuple[str, str, str]:
    """What `bind` takes for a destination: a type's name (any case, - or _) matches the type, as its provider
    spells it; anything else, a list's name as given."""
    kind = destination.upper().replace("-", "_")
    if kind in DESTINATION_TYPES:
        return Attribute.DESTINATION_TYPE, "destination", kind
    return Attribute.DESTINATION_NAME, "destination", destination


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _json_attribute(value: Any) -> dict[str, Any]:
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _plain_number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value

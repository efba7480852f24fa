"""`listdrop jobs`: what the job table knows about each upload, and a way to stop a running job.

    listdrop jobs list [--provider P] [--destination D] [--status S] [--since 7d] [--until ...] [--json]
    listdrop jobs list --native PROVIDER [--status S] [--source-type T] [--destination-type T] ...
    listdrop jobs show TRACKING_ID
    listdrop jobs cancel TRACKING_ID [--wait SECONDS]

The job table has one item per upload (job_store.py). Listing reads it with a paginated Scan whose filter is
built from the options, newest first. Nothing printed carries an e-mail address: every line goes through
privacy.redact_emails (object keys, and list names, are the uploader's text).

Exit status: 0 when done; 1 when the job is unknown (show, cancel) or cannot be cancelled (it already ended,
has no provider job yet, or the provider refused); 2 on a usage error or when AWS could not be reached.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TextIO

from listdrop.clock import utc_now
from listdrop.errors import ProviderRequestRejected, ProviderUnavailable
from listdrop.job_listing import NativeJob, NativeQuery, list_native, native_options, service_of
from listdrop.job_store import GATE_PREFIX
from listdrop.privacy import redact_emails
from listdrop.providers.registry import DESTINATION_TYPES

# The stack output naming the job table (infra/constants.py OUTPUT_TABLE; a unit test keeps the two in step).
TABLE_OUTPUT = "JobTableName"
ENDPOINT_ENV = "LISTDROP_ENDPOINT_URL"
# Statuses of an upload whose job may still be running; every other status is final.
ACTIVE_STATUSES = frozenset({"CLAIMED", "STARTED"})
MIN_PREFIX = 8
DEFAULT_LIMIT = 50
# Scan progress goes to a terminal's stderr once a listing takes this many pages (1 MB each by default).
PROGRESS_AFTER_PAGES = 3
WAIT_POLL_SECONDS = 5
# What `list` reads of each item (not the large executionInput and outcomeDetail).
LIST_ATTRIBUTES = (
    "trackingId",
    "provider",
    "destinationType",
    "destinationName",
    "destinationLabel",
    "action",
    "status",
    "providerStatus",
    "providerJobId",
    "createdAt",
    "startedAt",
    "endedAt",
    "processedRecords",
    "failedRecords",
    "reasonCode",
    "sourceUri",
)
_RELATIVE = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class UsageError(Exception):
    """The options cannot be used as given (exit 2)."""


# -- connection -----------------------------------------------------------------------------------


class Connection:
    """A boto3 session whose clients all talk to one endpoint (the local cloud's, say) when one is given.

    Passed to the provider registry too, so a provider's client follows --endpoint-url.
    """

    def __init__(self, session: Any, endpoint_url: str | None) -> None:
        self._session = session
        self.endpoint_url = endpoint_url

    def client(self, service_name: str, **kwargs: Any) -> Any:
        if self.endpoint_url:
            kwargs.setdefault("endpoint_url", self.endpoint_url)
        return self._session.client(service_name, **kwargs)


def connect(args: argparse.Namespace) -> Connection:
    import boto3

    endpoint = args.endpoint_url or os.environ.get(ENDPOINT_ENV) or None
    return Connection(boto3.session.Session(region_name=args.region), endpoint)


def stack_outputs(connection: Connection, stack: str) -> dict[str, str]:
    """The deployed stack's outputs by key (`listdrop jobs` and `listdrop smoke` find their resources here)."""
    [description] = connection.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    return {str(o["OutputKey"]): str(o["OutputValue"]) for o in description.get("Outputs", [])}


def table_name(connection: Connection, args: argparse.Namespace) -> str:
    if args.table:
        return str(args.table)
    outputs = stack_outputs(connection, args.stack)
    if TABLE_OUTPUT not in outputs:
        raise LookupError(f"stack {args.stack} has no output {TABLE_OUTPUT}; is it a listdrop stack? (or use --table)")
    return str(outputs[TABLE_OUTPUT])


# -- the job table's items ------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One item of the job table, as the starter and the poller wrote it."""

    item: dict[str, Any]

    def get(self, name: str) -> Any:
        return self.item.get(name)

    @property
    def tracking_id(self) -> str:
        return str(self.item["trackingId"])

    @property
    def status(self) -> str:
        return str(self.item.get("status", ""))

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def created_at(self) -> str:
        return str(self.item.get("createdAt") or "")

    @property
    def label(self) -> str:
        """As the starter labelled the destination when it routed the key (its provider's words)."""
        label = self.item.get("destinationLabel")
        if label:
            return str(label)
        kind, name = self.item.get("destinationType"), self.item.get("destinationName")
        return "no destination" if not kind else f"{kind} {name or ''}".strip()

    @property
    def records(self) -> tuple[int, int] | None:
        processed, failed = self.item.get("processedRecords"), self.item.get("failedRecords")
        if processed is None and failed is None:
            return None
        return int(processed or 0), int(failed or 0)

    def execution_input(self) -> dict[str, Any]:
        return _json_attribute(self.item.get("executionInput"))

    def outcome(self) -> dict[str, Any]:
        """The outcome event's detail: recorded at the end of a job, or (for an upload that never started a
        job) the outcome the starter put in the workflow's input."""
        detail = _json_attribute(self.item.get("outcomeDetail"))
        if detail:
            return detail
        outcome = self.execution_input().get("outcome") or {}
        return dict(outcome.get("detail") or {})

    def to_dict(self) -> dict[str, Any]:
        records = self.records
        return {
            "trackingId": self.tracking_id,
            "provider": self.item.get("provider"),
            "destination": {
                "type": self.item.get("destinationType"),
                "name": self.item.get("destinationName"),
                "label": self.label,
            },
            "action": self.item.get("action"),
            "status": self.status,
            "providerStatus": self.item.get("providerStatus"),
            "providerJobId": self.item.get("providerJobId"),
            "createdAt": self.item.get("createdAt"),
            # the outcome event's startedAt (the claim); jobStartedAt: when the provider job was started
            "startedAt": self.item.get("createdAt"),
            "jobStartedAt": self.item.get("jobStartedAt"),
            "endedAt": self.item.get("endedAt"),
            "records": {"processed": records[0], "failed": records[1]} if records else None,
            "reasonCode": self.item.get("reasonCode"),
            "source": self.item.get("sourceUri"),
        }


class JobTable:
    """Reads the job table with the low-level client (its paginators), items turned into plain values."""

    def __init__(self, dynamodb: Any, name: str) -> None:
        from boto3.dynamodb.types import TypeDeserializer

        self._dynamodb = dynamodb
        self._name = name
        self._deserializer = TypeDeserializer()

    def get(self, tracking_id: str) -> Job | None:
        item = self._dynamodb.get_item(
            TableName=self._name, Key={"trackingId": {"S": tracking_id}}, ConsistentRead=True
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
        uploads_only = Expression("NOT begins_with(#id, :gate)", {"#id": "trackingId"}, {":gate": {"S": GATE_PREFIX}})
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
        """The job of a full tracking id, or of a unique prefix of one (at least MIN_PREFIX characters)."""
        wanted = tracking_id.strip().lower()
        if len(wanted) < MIN_PREFIX or wanted.startswith(GATE_PREFIX):
            raise UsageError(f"give at least {MIN_PREFIX} characters of an upload's tracking id")
        job = self.get(wanted)
        if job is not None:
            return job
        prefix = Expression("begins_with(#id, :prefix)", {"#id": "trackingId"}, {":prefix": {"S": wanted}})
        matches = [m.tracking_id for m in self.scan(prefix, attributes=["trackingId"])]
        if len(matches) > 1:
            shown = ", ".join(sorted(matches)[:5]) + (" ..." if len(matches) > 5 else "")
            raise UsageError(f"{len(matches)} jobs start with {wanted}: {shown}; give more characters")
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

        --destination is a destination type (SES_SUPPRESSION_LIST, SES_CONTACT_LIST) or a contact list's name;
        --status matches listdrop's status (SUCCEEDED, FAILED, REJECTED, TIMED_OUT, STARTED, CLAIMED) or the
        provider's last status (CANCELLED, PROCESSING, ...); --since and --until bound the upload's claim time
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
            name, value = bind("provider", "provider", self.provider)
            clauses.append(f"{name} = {value}")
        if self.destination:
            kind = self.destination.upper().replace("-", "_")
            if kind in DESTINATION_TYPES:
                name, value = bind("destinationType", "destination", kind)
            else:
                name, value = bind("destinationName", "destination", self.destination)
            clauses.append(f"{name} = {value}")
        if self.statuses:
            names["#status"], names["#providerStatus"] = "status", "providerStatus"
            keys = []
            for index, status in enumerate(self.statuses):
                values[f":status{index}"] = {"S": status}
                keys.append(f":status{index}")
            listed = ", ".join(keys)
            clauses.append(f"(#status IN ({listed}) OR #providerStatus IN ({listed}))")
        if self.since:
            name, value = bind("createdAt", "since", _iso(self.since))
            clauses.append(f"{name} >= {value}")
        if self.until:
            name, value = bind("createdAt", "until", _iso(self.until))
            clauses.append(f"{name} < {value}")
        if not clauses:
            return None
        return Expression(" AND ".join(clauses), names, values)


def parse_when(text: str, now: datetime) -> datetime:
    """An ISO 8601 time or date (UTC unless it has an offset), or a time ago: 90m, 24h, 7d, 2w, 1d12h."""
    compact = text.strip()
    parts = _RELATIVE.findall(compact)
    if parts and _RELATIVE.sub("", compact).strip() == "":
        return now - sum((timedelta(**{_UNITS[unit.lower()]: int(n)}) for n, unit in parts), timedelta())
    try:
        moment = datetime.fromisoformat(compact)
    except ValueError:
        raise UsageError(f"{text!r} is neither an ISO 8601 time nor a duration like 24h or 7d") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def run(args: argparse.Namespace, *, out: TextIO, err: TextIO, connection: Connection | None = None) -> int:
    """`listdrop jobs SUBCOMMAND`, its failures mapped to exit statuses in one place."""
    from botocore.exceptions import BotoCoreError, ClientError

    commands: dict[str, Callable[..., int]] = {"list": run_list, "show": run_show, "cancel": run_cancel}
    try:
        return commands[args.jobs_command](args, out=out, err=err, connection=connection or connect(args))
    except UsageError as error:
        _write(err, f"listdrop: jobs {args.jobs_command}: {error}\n")
        return 2
    except (BotoCoreError, ClientError, LookupError) as error:
        _write(err, f"listdrop: jobs {args.jobs_command} failed: {error}\n")
        return 2


# -- listdrop jobs list -----------------------------------------------------------------------------


def run_list(
    args: argparse.Namespace,
    *,
    out: TextIO,
    err: TextIO,
    connection: Connection,
    clock: Callable[[], datetime] = utc_now,
) -> int:
    now = clock()
    since = parse_when(args.since, now) if args.since else None
    until = parse_when(args.until, now) if args.until else None
    if args.limit is not None and args.limit < 0:
        raise UsageError("--limit must be 0 (no limit) or more")
    if args.native:
        return _list_native(args, out=out, err=err, connection=connection, since=since, until=until)
    given = [f"--{flag}" for flag in native_options() if getattr(args, flag.replace("-", "_"), None)]
    if given:
        raise UsageError(f"{', '.join(given)} only apply to --native listings")
    statuses = tuple(s.strip().upper() for s in (args.status or "").split(",") if s.strip())
    job_filter = JobFilter(args.provider, args.destination, statuses, since, until)
    table = JobTable(connection.client("dynamodb"), table_name(connection, args))
    matched = 0

    def counted(jobs: Iterator[Job]) -> Iterator[Job]:
        nonlocal matched
        for job in jobs:
            matched += 1
            yield job

    progress = _ScanProgress(err)
    jobs = counted(
        table.scan(job_filter.expression(), attributes=LIST_ATTRIBUTES, page_size=args.page_size, progress=progress)
    )
    newest = _newest(jobs, args.limit, key=lambda job: (job.created_at, job.tracking_id))
    progress.done()
    if args.json:
        for job in newest:
            _write(out, json.dumps(job.to_dict(), default=_json_default, sort_keys=True) + "\n")
        return 0
    _table(
        out,
        ["TRACKING ID", "PROVIDER", "DESTINATION", "STATUS", "PROVIDER JOB", "STARTED", "ENDED", "RECORDS"],
        [
            [
                job.tracking_id[:12],
                str(job.get("provider") or "-"),
                job.label,
                _status_text(job),
                str(job.get("providerJobId") or "-"),
                _short_time(job.created_at),
                _short_time(job.get("endedAt")),
                _records_text(job.records),
            ]
            for job in newest
        ],
    )
    shown = len(newest)
    more = f" (newest {shown:,} shown; --limit 0 for all)" if shown < matched else ""
    _write(out, f"{matched:,} job(s){more}. Times in UTC; `listdrop jobs show ID` for one job's history.\n")
    return 0


def _list_native(
    args: argparse.Namespace,
    *,
    out: TextIO,
    err: TextIO,
    connection: Connection,
    since: datetime | None,
    until: datetime | None,
) -> int:
    if args.provider or args.destination:
        raise UsageError("--provider and --destination apply to listdrop's jobs; with --native, see --help")
    try:
        service = service_of(args.native)
    except ValueError as error:
        raise UsageError(f"--native: {error}") from None
    options = {flag: getattr(args, flag.replace("-", "_"), None) for flag in native_options()}
    query = NativeQuery(status=args.status, page_size=args.page_size, options={k: v for k, v in options.items() if v})
    try:
        rows: Iterable[NativeJob] = list_native(args.native, connection.client(service), query)
        never = datetime.min.replace(tzinfo=UTC)
        rows = (
            row
            for row in rows
            if (since is None or (row.created or never) >= since) and (until is None or (row.created or never) < until)
        )
        newest = _newest(iter(rows), args.limit, key=lambda row: (row.created or never, row.job_id))
    except ValueError as error:
        raise UsageError(str(error)) from None
    if args.json:
        for row in newest:
            _write(out, json.dumps(row.to_dict(), sort_keys=True) + "\n")
        return 0
    _table(
        out,
        ["PROVIDER", "JOB ID", "STATUS", "CREATED", "DESTINATION / SUMMARY", "RECORDS"],
        [
            [
                row.provider,
                row.job_id,
                row.status,
                _short_time(row.created.isoformat() if row.created else None),
                row.summary,
                _records_text(None if row.processed is None and row.failed is None else (row.processed, row.failed)),
            ]
            for row in newest
        ],
    )
    _write(out, f"{len(newest):,} {args.native} job(s), as the provider lists them. Times in UTC.\n")
    return 0


# -- listdrop jobs show -----------------------------------------------------------------------------


def run_show(args: argparse.Namespace, *, out: TextIO, err: TextIO, connection: Connection) -> int:
    table = JobTable(connection.client("dynamodb"), table_name(connection, args))
    job = table.resolve(args.tracking_id)
    if job is None:
        _write(err, f"listdrop: no job with tracking id {args.tracking_id} in the job table\n")
        return 1
    if args.json:
        item = {**job.item, "executionInput": job.execution_input() or None, "outcomeDetail": job.outcome() or None}
        _write(out, json.dumps(item, default=_json_default, sort_keys=True, indent=2) + "\n")
        return 0
    _write(out, "".join(f"{line}\n" for line in describe(job)))
    return 0


def describe(job: Job) -> list[str]:
    """One job's whole life, in the order it happened: what was uploaded, where to, what the checks found,
    the provider's job, the outcome."""
    state = job.execution_input().get("upload") or {}
    outcome = job.outcome()
    lines = [f"Job {job.tracking_id}", f"  status          {_status_text(job)}"]
    source = job.get("sourceUri") or (state.get("source") or {}).get("uri") or "-"
    version = job.get("sourceVersionId")
    size = job.get("sizeBytes")
    lines.append(
        f"  source          {source}"
        + (f" (version {version}" if version else " (")
        + (f", {int(size):,} bytes)" if size is not None else ")")
    )
    data_format = state.get("dataFormat")
    label = (state.get("destination") or {}).get("label") or job.label
    lines.append(
        f"  route           {job.get('action') or '-'} into {label} via {job.get('provider') or '-'}"
        + (f", {data_format}" if data_format else "")
    )
    checks = state.get("validation") or outcome.get("checks")
    if checks:
        lines.append(f"  checks          {_checks_text(checks)}")
        for note in checks.get("normalized") or []:
            lines.append(f"                  normalized: {note}")
        if checks.get("report"):
            lines.append(f"                  rejected-rows report: {checks['report']}")
    staged = state.get("staged")
    if staged:
        lines.append(f"  staged copy     {staged.get('uri')} ({int(staged.get('sizeBytes') or 0):,} bytes)")
    lines.append("Timeline (UTC)")
    lines.append(f"  claimed         {_long_time(job.created_at)}")
    if job.status == "CLAIMED" and job.get("claimExpiresAt"):
        expires = datetime.fromtimestamp(int(job.get("claimExpiresAt")), UTC).isoformat()
        lines.append(f"  claim expires   {_long_time(expires)} (a retry may take over after that)")
    if job.get("jobStartedAt"):
        lines.append(f"  job started     {_long_time(job.get('jobStartedAt'))}")
    if job.get("lastPolledAt"):
        lines.append(f"  last polled     {_long_time(job.get('lastPolledAt'))}")
    if job.get("endedAt"):
        took = outcome.get("durationSeconds")
        lines.append(
            f"  ended           {_long_time(job.get('endedAt'))}" + (f" (took {_duration(took)})" if took else "")
        )
    elif not job.is_active:
        lines.append(f"  ended           {_long_time(job.get('updatedAt'))} (before any job started)")
    lines.append(f"  last change     {_long_time(job.get('updatedAt'))}")
    lines.append("Provider job")
    lines.append(f"  job id          {job.get('providerJobId') or '- (none started)'}")
    lines.append(f"  provider status {job.get('providerStatus') or '-'}")
    lines.append(f"  records         {_records_text(job.records, long=True)}")
    progress = _json_attribute(job.get("providerProgress"))
    if progress:
        lines.append(f"  progress        {json.dumps(progress, sort_keys=True, default=str)}")
    lines.append("Outcome")
    if outcome:
        lines.append(f"  {outcome.get('summary') or outcome.get('outcome')}")
        lines.append(f"  reason          {_coded(outcome.get('reasonCode'), outcome.get('reason'))}")
        lines.append(f"  failed records  {outcome.get('failureReport') or 'none'}")
        if outcome.get("result"):
            lines.append(f"  result file     {outcome['result']}")
        lines.append(f"  rejected rows   {(outcome.get('checks') or {}).get('report') or 'none'}")
    elif job.is_active:
        lines.append("  none yet: the job is running; the workflow publishes the outcome when it ends")
    else:
        lines.append(f"  {job.status}: {_coded(job.get('reasonCode'), job.get('reason'))}")
    return lines


# -- listdrop jobs cancel ---------------------------------------------------------------------------


def run_cancel(
    args: argparse.Namespace,
    *,
    out: TextIO,
    err: TextIO,
    connection: Connection,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> int:
    from listdrop.providers import registry

    table = JobTable(connection.client("dynamodb"), table_name(connection, args))
    job = table.resolve(args.tracking_id)
    if job is None:
        _write(err, f"listdrop: no job with tracking id {args.tracking_id} in the job table\n")
        return 1
    if not job.is_active:
        ended = job.get("endedAt") or job.get("updatedAt")
        _write(err, f"listdrop: job {job.tracking_id} already ended: {_status_text(job)} at {_long_time(ended)}\n")
        return 1
    job_id = job.get("providerJobId")
    if job.status != "STARTED" or not job_id:
        _write(
            err,
            f"listdrop: job {job.tracking_id} has no provider job yet (it is being started); try again in a minute\n",
        )
        return 1
    provider = registry.get_provider(str(job.get("provider")), connection)
    try:
        provider.cancel(str(job_id))
    except ProviderRequestRejected as refused:
        _write(err, f"listdrop: {provider.name} did not cancel job {job_id}: {refused}\n")
        return 1
    except ProviderUnavailable as unavailable:
        _write(err, f"listdrop: {provider.name} could not be asked to cancel job {job_id}: {unavailable}\n")
        return 2
    _write(
        out,
        f"Asked {provider.name} to cancel job {job_id} (upload {job.tracking_id}, {job.label}).\n"
        "The workflow sees the job end (cancelled or stopped) at its next poll and publishes the outcome "
        "to the failure notifications.\n",
    )
    if not args.wait:
        return 0
    deadline = monotonic() + args.wait
    while monotonic() < deadline:
        sleep(min(WAIT_POLL_SECONDS, max(0.0, deadline - monotonic())))
        current = table.get(job.tracking_id)
        if current is not None and not current.is_active:
            summary = current.outcome().get("summary") or _status_text(current)
            _write(out, f"Ended: {summary}\n")
            return 0
    _write(out, f"Still {job.status} after {args.wait} s; the workflow polls at its own pace (see `jobs show`).\n")
    return 0


# -- output -----------------------------------------------------------------------------------------


class _ScanProgress:
    """A progress line on a terminal's stderr while a big Scan runs; nothing otherwise."""

    def __init__(self, err: TextIO) -> None:
        self._err = err
        self._shown = False
        self._tty = err.isatty()

    def __call__(self, pages: int, read: int, matched: int) -> None:
        if not self._tty or pages < PROGRESS_AFTER_PAGES:
            return
        self._err.write(f"\r  scanning the job table: {pages:,} pages, {read:,} items read, {matched:,} matching")
        self._err.flush()
        self._shown = True

    def done(self) -> None:
        if self._shown:
            self._err.write("\n")
            self._err.flush()


def _newest(items: Iterator[Any], limit: int | None, *, key: Callable[[Any], Any]) -> list[Any]:
    """The `limit` largest by key, largest first, holding no more than `limit` items (0 or None: all)."""
    if not limit:
        return sorted(items, key=key, reverse=True)
    return heapq.nlargest(limit, items, key=key)


def _table(out: TextIO, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        _write(out, "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() + "\n")


def _write(stream: TextIO, text: str) -> None:
    """Every line the command prints: with anything shaped like an e-mail address replaced."""
    stream.write(redact_emails(text))


def _status_text(job: Job) -> str:
    provider_status = job.get("providerStatus")
    if provider_status and provider_status != job.status:
        return f"{job.status} ({provider_status})"
    return job.status


def _records_text(records: tuple[int | None, int | None] | None, *, long: bool = False) -> str:
    if records is None:
        return "-" if not long else "none reported"
    processed, failed = records
    if long:
        return f"{processed or 0:,} processed, {failed or 0:,} failed"
    return f"{processed or 0:,}/{failed or 0:,}"


def _checks_text(checks: dict[str, Any]) -> str:
    total, accepted = int(checks.get("rowsTotal") or 0), int(checks.get("rowsAccepted") or 0)
    rejected, duplicates = int(checks.get("rowsRejected") or 0), int(checks.get("duplicates") or 0)
    text = f"{accepted:,} of {total:,} rows accepted"
    if rejected:
        text += f", {rejected:,} left out ({duplicates:,} duplicates)"
    return text


def _coded(code: Any, reason: Any) -> str:
    if not code and not reason:
        return "none"
    return f"{code}: {reason}" if code and reason else str(code or reason)


def _short_time(value: Any) -> str:
    moment = _time(value)
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def _long_time(value: Any) -> str:
    moment = _time(value)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z") if moment else "-"


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _duration(seconds: Any) -> str:
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes}m {secs}s" if hours else f"{minutes}m {secs}s" if minutes else f"{secs}s"


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


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")

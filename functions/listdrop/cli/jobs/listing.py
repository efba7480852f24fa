"""`listdrop jobs list`: listdrop's jobs from the job table, newest first (a paginated, filtered Scan)."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from listdrop.cli.connection import Connection
from listdrop.cli.jobs import native
from listdrop.cli.jobs.common import UsageError, open_table
from listdrop.cli.jobs.text import (
    json_default,
    newest,
    print_table,
    records_text,
    short_time,
    status_text,
    write,
)
from listdrop.cli.output import add_output_options, wants_json
from listdrop.cli.progress import ProgressLine, add_progress_option
from listdrop.clock import utc_now
from listdrop.job_records import Job, JobFilter
from listdrop.job_store import Attribute
from listdrop.wording import count

DEFAULT_LIMIT = 50
# Scan progress goes to stderr (a terminal's, unless --progress) once a listing takes this many pages (1 MB each
# by default), after every page from then on: each is a request, so a report costs nothing in comparison.
PROGRESS_AFTER_PAGES = 3
# What `list` reads of each item (not the large executionInput and outcomeDetail).
LIST_ATTRIBUTES = (
    Attribute.TRACKING_ID,
    Attribute.PROVIDER,
    Attribute.DESTINATION_TYPE,
    Attribute.DESTINATION_NAME,
    Attribute.DESTINATION_LABEL,
    Attribute.ACTION,
    Attribute.STATUS,
    Attribute.PROVIDER_STATUS,
    Attribute.PROVIDER_JOB_ID,
    Attribute.CREATED_AT,
    Attribute.JOB_STARTED_AT,
    Attribute.ENDED_AT,
    Attribute.PROCESSED_RECORDS,
    Attribute.FAILED_RECORDS,
    Attribute.REASON_CODE,
    Attribute.SOURCE_URI,
)
_RELATIVE = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def add_parser(
    subcommands: argparse._SubParsersAction[argparse.ArgumentParser], where: argparse.ArgumentParser
) -> None:
    listing = subcommands.add_parser(
        "list",
        parents=[where],
        help="the jobs, newest first",
        description="listdrop's jobs from the job table, newest first (a paginated, filtered Scan); with "
        "--native PROVIDER, the job API's own jobs instead, including those started outside listdrop.",
    )
    listing.add_argument("--provider", help="only this provider's jobs, e.g. ses-import")
    listing.add_argument(
        "--destination",
        help="a destination type (SES_CONTACT_LIST, SES_SUPPRESSION_LIST) or a contact list's name",
    )
    listing.add_argument(
        "--status",
        help="listdrop's status (SUCCEEDED, FAILED, REJECTED, TIMED_OUT, STARTED, CLAIMED) or the provider's "
        "(CANCELLED, PROCESSING, ...); several separated by commas. With --native: the provider's status",
    )
    listing.add_argument("--since", help="uploaded at or after: ISO 8601 (UTC unless an offset is given) or 24h, 7d")
    listing.add_argument("--until", help="uploaded before: ISO 8601 or a time ago (24h, 7d)")
    listing.add_argument(
        "--limit", type=int, default=DEFAULT_LIMIT, help=f"show the newest N (default {DEFAULT_LIMIT}; 0 for all)"
    )
    add_output_options(listing, human="table", json_help="one object per line, every field, full tracking ids")
    listing.add_argument(
        "--page-size", type=int, help="items per Scan (or API) request (default: the service's page size)"
    )
    add_progress_option(listing, "the Scan's pages read so far")
    native.add_arguments(listing)


def run(
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
    as_json = wants_json(args)
    if args.native:
        return native.run(args, out=out, connection=connection, since=since, until=until, as_json=as_json)
    given = native.options_given(args)
    if given:
        raise UsageError(f"{', '.join(given)} only apply to --native listings")
    statuses = tuple(s.strip().upper() for s in (args.status or "").split(",") if s.strip())
    job_filter = JobFilter(args.provider, args.destination, statuses, since, until)
    table = open_table(connection, args)
    matched = 0

    def counted(jobs: Iterator[Job]) -> Iterator[Job]:
        nonlocal matched
        for job in jobs:
            matched += 1
            yield job

    progress = _ScanProgress(ProgressLine(err, wanted=args.progress, interval=0))
    jobs = counted(
        table.scan(job_filter.expression(), attributes=LIST_ATTRIBUTES, page_size=args.page_size, progress=progress)
    )
    shown = newest(jobs, args.limit, key=lambda job: (job.created_at, job.tracking_id))
    progress.done()
    if as_json:
        for job in shown:
            write(out, json.dumps(job_json(job), default=json_default, sort_keys=True) + "\n")
        return 0
    print_table(
        out,
        ["TRACKING ID", "PROVIDER", "DESTINATION", "STATUS", "PROVIDER JOB", "STARTED", "ENDED", "RECORDS"],
        [
            [
                job.tracking_id[:12],
                str(job.get(Attribute.PROVIDER) or "-"),
                job.label,
                status_text(job),
                str(job.get(Attribute.PROVIDER_JOB_ID) or "-"),
                short_time(job.created_at),
                short_time(job.get(Attribute.ENDED_AT)),
                records_text(job.records),
            ]
            for job in shown
        ],
    )
    more = f" (newest {len(shown):,} shown; --limit 0 for all)" if len(shown) < matched else ""
    write(out, f"{count(matched, 'job')}{more}. Times in UTC; `listdrop jobs show ID` for one job's history.\n")
    return 0


def job_json(job: Job) -> dict[str, Any]:
    """One line of `--json`: the job as the outcome event names its fields."""
    records = job.records
    return {
        "trackingId": job.tracking_id,
        "provider": job.get(Attribute.PROVIDER),
        "destination": {
            "type": job.get(Attribute.DESTINATION_TYPE),
            "name": job.get(Attribute.DESTINATION_NAME),
            "label": job.label,
        },
        "action": job.get(Attribute.ACTION),
        "status": job.status,
        "providerStatus": job.get(Attribute.PROVIDER_STATUS),
        "providerJobId": job.get(Attribute.PROVIDER_JOB_ID),
        "createdAt": job.get(Attribute.CREATED_AT),
        # startedAt: when the starter first took the upload (the outcome event's startedAt, = createdAt);
        # jobStartedAt: when the provider's job was started, null when none was (rejected or refused uploads,
        # and a claim whose job is being started); endedAt: when the upload ended, its job's end or the time it
        # was rejected or refused, null while it runs.
        "startedAt": job.get(Attribute.CREATED_AT),
        "jobStartedAt": job.get(Attribute.JOB_STARTED_AT),
        "endedAt": job.get(Attribute.ENDED_AT),
        "records": {"processed": records[0], "failed": records[1]} if records else None,
        "reasonCode": job.get(Attribute.REASON_CODE),
        "source": job.get(Attribute.SOURCE_URI),
    }


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


class _ScanProgress:
    """A progress line while a big Scan runs (its pages read, its items read and matched)."""

    def __init__(self, line: ProgressLine) -> None:
        self._line = line

    def __call__(self, pages: int, read: int, matched: int) -> None:
        if pages >= PROGRESS_AFTER_PAGES and self._line.due():
            self._line.show(f"scanning the job table: {pages:,} pages, {read:,} items read, {matched:,} matching")

    def done(self) -> None:
        self._line.done()

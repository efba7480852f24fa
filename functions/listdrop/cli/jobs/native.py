"""`listdrop jobs list --native PROVIDER`: a job API's own jobs, as it lists them (listdrop.job_listing), including
those started outside listdrop."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

from listdrop.cli.connection import Connection
from listdrop.cli.jobs.common import UsageError
from listdrop.cli.jobs.text import newest, print_table, records_text, short_time, write
from listdrop.job_listing import NativeJob, NativeQuery, list_native, native_options, service_of
from listdrop.providers.registry import PROVIDERS
from listdrop.wording import count


def add_arguments(listing: argparse.ArgumentParser) -> None:
    native = listing.add_argument_group("a job API's own jobs")
    native.add_argument(
        "--native",
        metavar="PROVIDER",
        help=f"list this job API's jobs: {', '.join(PROVIDERS)}",
    )
    for flag, takers in native_options().items():
        option = takers[0][1]
        native.add_argument(f"--{flag}", help=f"{', '.join(name for name, _ in takers)}: {option.help}")


def options_given(args: argparse.Namespace) -> list[str]:
    """The native-only options given, as the user spelled them."""
    return [f"--{flag}" for flag in native_options() if getattr(args, flag.replace("-", "_"), None)]


NEVER = datetime.min.replace(tzinfo=UTC)


def _jobs(
    args: argparse.Namespace, connection: Connection, since: datetime | None, until: datetime | None
) -> list[NativeJob]:
    """The provider's jobs created in [since, until), newest first, at most --limit."""
    if args.provider or args.destination:
        raise UsageError("--provider and --destination apply to listdrop's jobs; with --native, see --help")
    try:
        service = service_of(args.native)
    except ValueError as error:
        raise UsageError(f"--native: {error}") from None
    given = {flag: getattr(args, flag.replace("-", "_"), None) for flag in native_options()}
    query = NativeQuery(status=args.status, page_size=args.page_size, options={k: v for k, v in given.items() if v})

    def in_window(row: NativeJob) -> bool:
        created = row.created or NEVER
        return (since is None or created >= since) and (until is None or created < until)

    try:
        rows: Iterable[NativeJob] = filter(in_window, list_native(args.native, connection.client(service), query))
        return newest(iter(rows), args.limit, key=lambda row: (row.created or NEVER, row.job_id))
    except ValueError as error:
        raise UsageError(str(error)) from None


def run(
    args: argparse.Namespace,
    *,
    out: TextIO,
    connection: Connection,
    since: datetime | None,
    until: datetime | None,
    as_json: bool,
) -> int:
    shown = _jobs(args, connection, since, until)
    if as_json:
        for row in shown:
            write(out, json.dumps(row.to_dict(), sort_keys=True) + "\n")
        return 0
    print_table(
        out,
        ["PROVIDER", "JOB ID", "STATUS", "CREATED", "DESTINATION / SUMMARY", "RECORDS"],
        [
            [
                row.provider,
                row.job_id,
                row.status,
                short_time(row.created.isoformat() if row.created else None),
                row.summary,
                records_text(None if row.processed is None and row.failed is None else (row.processed, row.failed)),
            ]
            for row in shown
        ],
    )
    write(out, f"{count(len(shown), f'{args.native} job')}, as the provider lists them. Times in UTC.\n")
    return 0

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
from listdrop.job_listing import LISTINGS, NativeJob, NativeQuery, list_native

# The options that only a native listing takes (as argparse names them).
NATIVE_ONLY = ("source_type", "destination_type", "address_list_id", "application_id")


def add_arguments(listing: argparse.ArgumentParser) -> None:
    native = listing.add_argument_group("a job API's own jobs")
    native.add_argument(
        "--native",
        metavar="PROVIDER",
        help="list this job API's jobs: ses-import, ses-export, mail-manager, pinpoint-import",
    )
    native.add_argument("--source-type", help="ses-export: METRICS_DATA or MESSAGE_INSIGHTS")
    native.add_argument("--destination-type", help="ses-import: CONTACT_LIST or SUPPRESSION_LIST")
    native.add_argument("--address-list-id", help="mail-manager (required): the address list")
    native.add_argument("--application-id", help="pinpoint-import (required): the Pinpoint project id")


def options_given(args: argparse.Namespace) -> list[str]:
    """The native-only options given, as the user spelled them."""
    return [f"--{name.replace('_', '-')}" for name in NATIVE_ONLY if getattr(args, name)]


def run(
    args: argparse.Namespace,
    *,
    out: TextIO,
    connection: Connection,
    since: datetime | None,
    until: datetime | None,
) -> int:
    if args.provider or args.destination:
        raise UsageError("--provider and --destination apply to listdrop's jobs; with --native, see --help")
    if args.native not in LISTINGS:
        raise UsageError(f"--native: unknown provider {args.native!r}; known: {', '.join(sorted(LISTINGS))}")
    service, _ = LISTINGS[args.native]
    query = NativeQuery(
        status=args.status,
        source_type=args.source_type,
        destination_type=args.destination_type,
        address_list_id=args.address_list_id,
        application_id=args.application_id,
        page_size=args.page_size,
    )
    try:
        rows: Iterable[NativeJob] = list_native(args.native, connection.client(service), query)
        never = datetime.min.replace(tzinfo=UTC)
        rows = (
            row
            for row in rows
            if (since is None or (row.created or never) >= since) and (until is None or (row.created or never) < until)
        )
        shown = newest(iter(rows), args.limit, key=lambda row: (row.created or never, row.job_id))
    except ValueError as error:
        raise UsageError(str(error)) from None
    if args.json:
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
    write(out, f"{len(shown):,} {args.native} job(s), as the provider lists them. Times in UTC.\n")
    return 0

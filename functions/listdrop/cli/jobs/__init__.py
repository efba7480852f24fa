"""`listdrop jobs`: what the job table knows about each upload, and a way to stop a running job.

    listdrop jobs list [--provider P] [--destination D] [--status S] [--since 7d] [--until ...] [--output table|json]
    listdrop jobs list --native PROVIDER [--status S] [--source-type T] [--destination-type T] ... [--output ...]
    listdrop jobs show TRACKING_ID [--output text|json]
    listdrop jobs cancel TRACKING_ID [--wait SECONDS]

The job table has one item per upload (written by job_store.py, read through job_records.py). Listing reads it
with a paginated Scan whose filter is built from the options, newest first (listing.py; native.py for a job API's
own jobs); show.py prints one job's history, cancel.py asks its provider to stop it. Nothing printed carries an
e-mail address: every line goes through privacy.redact_emails (object keys, and list names, are the uploader's
text).

Exit status: 0 when done; 1 when the job is unknown (show, cancel) or cannot be cancelled (it already ended,
has no provider job yet, or the provider refused); 2 on a usage error or when AWS could not be reached.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TextIO

from listdrop.cli.connection import ENDPOINT_ENV, Connection, connect
from listdrop.cli.jobs import cancel, listing, show
from listdrop.cli.jobs.common import UsageError, where_options
from listdrop.cli.jobs.text import write
from listdrop.cli.output import OUTPUT_ENV, UnknownOutput
from listdrop.job_records import UnclearTrackingId

SUBCOMMANDS: dict[str, Callable[..., int]] = {"list": listing.run, "show": show.run, "cancel": cancel.run}


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    jobs = commands.add_parser(
        "jobs",
        help="list the jobs, show one job's history, cancel a running job",
        description="The job table's view of every upload. Exit status: 0 when done; 1 when the job is unknown "
        "or cannot be cancelled; 2 on a usage error or when AWS cannot be reached. The endpoint comes from "
        f"--endpoint-url or the environment variable {ENDPOINT_ENV}; --output's default from {OUTPUT_ENV} "
        "(json, or table/text).",
    )
    subcommands = jobs.add_subparsers(dest="jobs_command", required=True)
    where = where_options()
    listing.add_parser(subcommands, where)
    show.add_parser(subcommands, where)
    cancel.add_parser(subcommands, where)
    jobs.set_defaults(run=run)


def run(args: argparse.Namespace, *, out: TextIO, err: TextIO, connection: Connection | None = None) -> int:
    """`listdrop jobs SUBCOMMAND`, its failures mapped to exit statuses in one place."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return SUBCOMMANDS[args.jobs_command](args, out=out, err=err, connection=connection or connect(args))
    except (UsageError, UnclearTrackingId, UnknownOutput) as error:
        write(err, f"listdrop: jobs {args.jobs_command}: {error}\n")
        return 2
    except (BotoCoreError, ClientError, LookupError) as error:
        write(err, f"listdrop: jobs {args.jobs_command} failed: {error}\n")
        return 2

"""The `listdrop` command.

    listdrop validate FILE --to imports/ses/contact-lists/<List>/put/

runs the same checks the starter runs in AWS, on a local file, before you upload it. Exit status: 0 when the
file would be imported (possibly with rows left out), 1 when it would be rejected, 2 on a usage error.

    listdrop redrive [--stack Listdrop]

moves every message of the ingest dead-letter queue back to the ingest queue, once the cause is fixed. Exit
status: 0 when the dead-letter queue was emptied, 1 when messages are left in it, 2 on a usage error.

    listdrop jobs list|show|cancel

lists the jobs of the job table (or a job API's own jobs, with --native), shows one job's whole history,
or cancels a running job. Exit status: 0 when done, 1 when the job is unknown or cannot be cancelled,
2 on a usage error. See `listdrop jobs --help`.

    listdrop smoke [--stack Listdrop] [--read-only]

proves that a deployment works: read-only checks, then its own throwaway queue, lists and files through the
whole pipeline and the operations alarm, all removed at the end. Exit status: 0 when every check passed, 1 when
one failed, 2 on a usage error or when AWS cannot be reached. See `listdrop smoke --help`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from listdrop import routing
from listdrop.errors import RejectedFile
from listdrop.export_request import MAX_REQUEST_BYTES, parse_export_request
from listdrop.job_listing import native_options
from listdrop.jobs_cli import ENDPOINT_ENV
from listdrop.models import InputKind, Route
from listdrop.providers.registry import PROVIDERS
from listdrop.validation import RowPolicy, ValidationResult, check_records
from listdrop.validation.report import ReportWriter
from listdrop.validation.sinks import FileSink, NullSink, TextSink

DEFAULT_MAX_BYTES = 1024**3
# The stack's outputs naming the queues (infra/constants.py; a test keeps the two in step).
QUEUE_OUTPUT = "IngestQueueUrl"
DEAD_LETTER_QUEUE_OUTPUT = "IngestDeadLetterQueueUrl"
SHOWN_REPORT_ROWS = 20


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="listdrop", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("validate", help="check a file locally, as the pipeline will, before uploading it")
    check.add_argument("file", type=Path)
    check.add_argument(
        "--to",
        required=True,
        metavar="DESTINATION",
        help="where it would be uploaded: the key prefix, e.g. imports/ses/contact-lists/Newsletter/put/, "
        "imports/mail-manager/address-lists/<AddressListId>/, imports/pinpoint/<ApplicationId>/endpoints/ "
        "or exports/ses/ for an export request ('imports/' may be left out)",
    )
    check.add_argument("--max-invalid-percent", type=float, default=10.0, help="the invalid-row policy (default 10)")
    check.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help="the size limit (default 1 GiB)")
    check.add_argument("--output", type=Path, help="write the normalized file the job would read here")
    check.add_argument("--report", type=Path, help="write the full rejected-rows report (CSV) here")
    redrive = commands.add_parser(
        "redrive", help="move the dead-letter queue's messages back to the ingest queue, to be processed again"
    )
    redrive.add_argument(
        "--stack", default="Listdrop", help="the deployed stack whose queues to use (default Listdrop)"
    )
    redrive.add_argument("--dead-letter-queue-url", help="instead of --stack: the dead-letter queue")
    redrive.add_argument("--queue-url", help="instead of --stack: the ingest queue")
    redrive.add_argument("--limit", type=int, help="move at most this many messages")
    redrive.add_argument(
        "--endpoint-url",
        default=os.environ.get(ENDPOINT_ENV) or None,
        help=f"another endpoint, e.g. the local cloud's http://127.0.0.1:4566 (default: ${ENDPOINT_ENV})",
    )
    redrive.add_argument("--region", help="the AWS region (default: from your AWS configuration)")
    _add_jobs(commands)
    _add_smoke(commands)
    args = parser.parse_args(argv)
    if args.command == "smoke":
        from listdrop import smoke

        return smoke.run(args, out=sys.stdout, err=sys.stderr)
    if args.command == "jobs":
        from listdrop import jobs_cli

        return jobs_cli.run(args, out=sys.stdout, err=sys.stderr)
    if args.command == "redrive":
        return _redrive(args, out=sys.stdout, err=sys.stderr)
    return _validate(args, out=sys.stdout, err=sys.stderr)


def _add_jobs(commands: Any) -> None:
    """`listdrop jobs`: the options only; the logic is listdrop.jobs_cli."""
    from listdrop.jobs_cli import DEFAULT_LIMIT, MIN_PREFIX, TABLE_OUTPUT

    common = argparse.ArgumentParser(add_help=False)
    where = common.add_argument_group("where the job table is")
    where.add_argument(
        "--stack", default="Listdrop", help="the deployed stack whose job table to read (default Listdrop)"
    )
    where.add_argument("--table", help=f"instead of --stack (its output {TABLE_OUTPUT}): the job table's name")
    where.add_argument(
        "--endpoint-url",
        help=f"another endpoint, e.g. the local cloud's http://127.0.0.1:4566 (default: ${ENDPOINT_ENV} if set)",
    )
    where.add_argument("--region", help="the AWS region (default: from your AWS configuration)")
    jobs = commands.add_parser(
        "jobs",
        help="list the jobs, show one job's history, cancel a running job",
        description="The job table's view of every upload. Exit status: 0 when done; 1 when the job is unknown "
        "or cannot be cancelled; 2 on a usage error or when AWS cannot be reached. The endpoint comes from "
        f"--endpoint-url or the environment variable {ENDPOINT_ENV}.",
    )
    subcommands = jobs.add_subparsers(dest="jobs_command", required=True)
    listing = subcommands.add_parser(
        "list",
        parents=[common],
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
    listing.add_argument("--json", action="store_true", help="one JSON object per line instead of a table")
    listing.add_argument(
        "--page-size", type=int, help="items per Scan (or API) request (default: the service's page size)"
    )
    native = listing.add_argument_group("a job API's own jobs")
    native.add_argument(
        "--native",
        metavar="PROVIDER",
        help=f"list this job API's jobs: {', '.join(PROVIDERS)}",
    )
    for flag, takers in native_options().items():
        option = takers[0][1]
        native.add_argument(f"--{flag}", help=f"{', '.join(name for name, _ in takers)}: {option.help}")
    show = subcommands.add_parser(
        "show", parents=[common], help="one job's whole history", description="One job's whole history."
    )
    show.add_argument("tracking_id", help=f"the tracking id, or its first {MIN_PREFIX} or more characters")
    show.add_argument("--json", action="store_true", help="the job table's item as JSON")
    cancel = subcommands.add_parser(
        "cancel",
        parents=[common],
        help="ask the provider to cancel a running job",
        description="Asks the provider to cancel the job; the workflow then sees it end and notifies.",
    )
    cancel.add_argument("tracking_id", help=f"the tracking id, or its first {MIN_PREFIX} or more characters")
    cancel.add_argument(
        "--wait", type=int, default=0, metavar="SECONDS", help="wait up to this long for the outcome (default 0)"
    )


def _add_smoke(commands: Any) -> None:
    """`listdrop smoke`: the options only; the logic is listdrop.smoke."""
    from listdrop.smoke import DEFAULT_TIMEOUT_SECONDS
    from listdrop.smoke.deployment import KNOWN_PROVIDERS

    smoke = commands.add_parser(
        "smoke",
        help="prove a deployment works: its own files through the pipeline, then everything it made removed",
        description="Prove a deployment works, in phases: (1) read-only checks of the stack's resources; (2) its "
        "own temporary queue subscribed to the topics, and its own SES contact list, Mail Manager address list and "
        "Pinpoint application (for the enabled providers), all named listdrop-smoke-<run id>; (3) one small file "
        "per enabled provider and one bad file, each outcome awaited and its data looked up; (4) the dead-letter "
        "alarm set to ALARM and back to OK, each notification awaited on the operations topic; (5) everything it "
        "created removed (also after a failure or Ctrl-C), then a pass/fail table. Your own lists are never "
        "touched. Exit status: 0 when every check passed, 1 when one failed, 2 on a usage error or when AWS cannot "
        f"be reached. The endpoint comes from --endpoint-url or the environment variable {ENDPOINT_ENV}.",
    )
    smoke.add_argument("--stack", default="Listdrop", help="the deployed stack to check (default Listdrop)")
    smoke.add_argument(
        "--read-only", action="store_true", help="only phase 1: check what exists, create and change nothing"
    )
    smoke.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"how long to wait for all the files' outcomes (default {DEFAULT_TIMEOUT_SECONDS})",
    )
    smoke.add_argument(
        "--skip",
        action="append",
        choices=KNOWN_PROVIDERS,
        metavar="PROVIDER",
        help="leave this enabled provider out (repeatable): " + ", ".join(KNOWN_PROVIDERS),
    )
    smoke.add_argument(
        "--endpoint-url",
        help=f"another endpoint, e.g. the local cloud's http://127.0.0.1:4566 (default: ${ENDPOINT_ENV} if set)",
    )
    smoke.add_argument("--region", help="the AWS region (default: from your AWS configuration)")


def _redrive(args: argparse.Namespace, *, out: TextIO, err: TextIO) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from listdrop.redrive import Redrive

    if bool(args.dead_letter_queue_url) != bool(args.queue_url):
        err.write("listdrop: give both --dead-letter-queue-url and --queue-url, or neither (to use --stack)\n")
        return 2
    session = boto3.session.Session(region_name=args.region)
    try:
        if args.queue_url:
            dlq_url, queue_url = args.dead_letter_queue_url, args.queue_url
        else:
            dlq_url, queue_url = _stack_queues(session, args.stack, args.endpoint_url)
        redrive = Redrive(
            session.client("sqs", endpoint_url=args.endpoint_url), dead_letter_queue_url=dlq_url, queue_url=queue_url
        )
        out.write(f"Moving messages from {dlq_url}\n  to {queue_url}\n")
        result = redrive.run(limit=args.limit, progress=_every(100, lambda moved: out.write(f"  {moved:,} moved\n")))
    except (BotoCoreError, ClientError, LookupError) as error:
        err.write(f"listdrop: redrive failed: {error}\n")
        return 2
    out.write(f"Moved {result.moved:,} message(s); {result.left:,} left in the dead-letter queue.\n")
    if result.failed:
        out.write(f"  {result.failed:,} could not be sent to the ingest queue and stay in the dead-letter queue.\n")
    return 0 if result.left == 0 and result.failed == 0 else 1


def _every(step: int, show: Callable[[int], object]) -> Callable[[int], None]:
    """Show progress each time the count passes another `step`."""
    shown = 0

    def progress(count: int) -> None:
        nonlocal shown
        if count // step > shown // step:
            show(count)
        shown = count

    return progress


def _stack_queues(session: Any, stack: str, endpoint_url: str | None) -> tuple[str, str]:
    cloudformation = session.client("cloudformation", endpoint_url=endpoint_url)
    [description] = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in description.get("Outputs", [])}
    try:
        return outputs[DEAD_LETTER_QUEUE_OUTPUT], outputs[QUEUE_OUTPUT]
    except KeyError as missing:
        raise LookupError(f"stack {stack} has no output {missing}; is it a listdrop stack?") from None


def _validate(args: argparse.Namespace, *, out: TextIO, err: TextIO) -> int:
    path: Path = args.file
    if not path.is_file():
        err.write(f"listdrop: {path}: no such file\n")
        return 2
    prefix = args.to.strip("/")
    if not prefix.startswith((routing.IMPORTS_PREFIX, routing.EXPORTS_PREFIX)):
        prefix = routing.IMPORTS_PREFIX + prefix
    try:
        route = routing.route(f"{prefix}/{path.name}")
        routing.refuse_unsupported_action(route)
        policy = RowPolicy(args.max_invalid_percent)
    except RejectedFile as error:
        err.write(f"listdrop: --to {args.to}: {error.reason}\n")
        return 2
    except ValueError as error:
        err.write(f"listdrop: {error}\n")
        return 2
    if route.kind is InputKind.REQUEST:
        return _validate_request(path, route, out)
    size = path.stat().st_size
    if size > args.max_bytes:
        out.write(f"REJECTED (FILE_TOO_LARGE): {size:,} bytes; the limit is {args.max_bytes:,}.\n")
        return 1
    report_lines: list[str] = []
    report_sink: TextSink = FileSink(args.report) if args.report else _Collect(report_lines)
    output: TextSink = FileSink(args.output) if args.output else NullSink()
    with path.open("rb") as stream:
        result = check_records(
            stream.read,
            route,
            output=output,
            report=ReportWriter(report_sink),
            policy=policy,
            progress=_progress(err, size),
        )
    _print(result, out, route_label=route.destination.label, report_lines=report_lines, report_path=args.report)
    return 0 if result.accepted else 1


def _validate_request(path: Path, route: Route, out: TextIO) -> int:
    """An export request: the same checks as before any CreateExportJob call."""
    try:
        request = parse_export_request(path.read_bytes()[: MAX_REQUEST_BYTES + 1])
    except RejectedFile as rejection:
        out.write(f"REJECTED ({rejection.code}): {route.destination.label}\n  {rejection.reason}\n")
        return 1
    out.write(f"ACCEPTED: {route.destination.label}\n  request: {request.summary}\n")
    return 0


def _print(
    result: ValidationResult, out: TextIO, *, route_label: str, report_lines: list[str], report_path: Path | None
) -> None:
    verdict = "ACCEPTED" if result.rejection is None else f"REJECTED ({result.rejection.code})"
    out.write(f"{verdict}: {route_label}\n")
    if result.rejection is not None:
        out.write(f"  {result.rejection.reason}\n")
    out.write(
        f"  rows: {result.total_rows:,} checked, {result.accepted_rows:,} would be imported, "
        f"{result.rejected_rows:,} left out ({result.duplicate_rows:,} duplicates)\n"
    )
    for note in result.normalizations:
        out.write(f"  normalized: {note}\n")
    if result.rejected_rows and report_path is not None:
        out.write(f"  report: {report_path}\n")
    elif result.rejected_rows:
        rows = "".join(report_lines).splitlines()
        out.write("  report (row, column, value, code, reason):\n")
        for line in rows[1 : SHOWN_REPORT_ROWS + 1]:
            out.write(f"    {line}\n")
        if len(rows) - 1 > SHOWN_REPORT_ROWS:
            out.write(f"    ... and {len(rows) - 1 - SHOWN_REPORT_ROWS:,} more (use --report FILE for all)\n")


class _Collect:
    """Keeps the report in memory, for printing; only the first rows are kept, whatever the file."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines
        self._kept = 0

    def write(self, text: str) -> None:
        if self._kept < 1 << 16:
            self._lines.append(text)
            self._kept += len(text)

    def close(self) -> None:
        return None

    def abort(self) -> None:
        return None


def _progress(err: TextIO, size: int) -> Callable[[int, int], None] | None:
    if not err.isatty() or size < 50 * 1024 * 1024:
        return None
    last = time.monotonic()

    def show(rows: int, bytes_read: int) -> None:
        nonlocal last
        if time.monotonic() - last >= 1:
            last = time.monotonic()
            err.write(f"\r  {bytes_read * 100 // max(size, 1):3d}%  {rows:,} rows checked")
            err.flush()

    return show


if __name__ == "__main__":
    sys.exit(main())

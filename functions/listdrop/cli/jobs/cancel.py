"""`listdrop jobs cancel TRACKING_ID`: ask the provider to cancel a running job; the workflow then sees it end."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import TextIO

from botocore.exceptions import ClientError

from listdrop.cli.connection import Connection
from listdrop.cli.jobs.common import open_table
from listdrop.cli.jobs.text import long_time, status_text, write
from listdrop.cli.stack import BUCKET_OUTPUT, stack_outputs
from listdrop.errors import ProviderRequestRejected, ProviderUnavailable
from listdrop.job_records import MIN_PREFIX, Job
from listdrop.job_store import Attribute, ClaimStatus

WAIT_POLL_SECONDS = 5


def add_parser(
    subcommands: argparse._SubParsersAction[argparse.ArgumentParser], where: argparse.ArgumentParser
) -> None:
    cancel = subcommands.add_parser(
        "cancel",
        parents=[where],
        help="ask the provider to cancel a running job",
        description="Asks the provider to cancel the job; the workflow then sees it end and notifies.",
    )
    cancel.add_argument("tracking_id", help=f"the tracking id, or its first {MIN_PREFIX} or more characters")
    cancel.add_argument(
        "--wait", type=int, default=0, metavar="SECONDS", help="wait up to this long for the outcome (default 0)"
    )


def run(
    args: argparse.Namespace,
    *,
    out: TextIO,
    err: TextIO,
    connection: Connection,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> int:
    from listdrop.providers import registry

    table = open_table(connection, args)
    job = table.resolve(args.tracking_id)
    if job is None:
        write(err, f"listdrop: no job with tracking id {args.tracking_id} in the job table\n")
        return 1
    refusal = _refusal(job)
    if refusal is not None:
        write(err, f"listdrop: job {job.tracking_id} {refusal}\n")
        return 1
    job_id = str(job.get(Attribute.PROVIDER_JOB_ID))
    provider = registry.get_provider(str(job.get(Attribute.PROVIDER)), connection, _settings(connection, args))
    try:
        provider.cancel(job_id)
    except ProviderRequestRejected as refused:
        write(err, f"listdrop: {provider.name} did not cancel job {job_id}: {refused}\n")
        return 1
    except ProviderUnavailable as unavailable:
        write(err, f"listdrop: {provider.name} could not be asked to cancel job {job_id}: {unavailable}\n")
        return 2
    write(
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
            summary = current.outcome().get("summary") or status_text(current)
            write(out, f"Ended: {summary}\n")
            return 0
    write(out, f"Still {job.status} after {args.wait} s; the workflow polls at its own pace (see `jobs show`).\n")
    return 0


def _refusal(job: Job) -> str | None:
    """Why the job cannot be cancelled, or None when it has a running provider job."""
    if not job.is_active:
        ended = job.get(Attribute.ENDED_AT) or job.get(Attribute.UPDATED_AT)
        return f"already ended: {status_text(job)} at {long_time(ended)}"
    if job.status != ClaimStatus.STARTED or not job.get(Attribute.PROVIDER_JOB_ID):
        return "has no provider job yet (it is being started); try again in a minute"
    return None


def _settings(connection: Connection, args: argparse.Namespace) -> dict[str, str]:
    """The functions' settings a provider may need to act on a job from here: the bucket, where a list export keeps
    its state (a deployment without a key prefix; `listdrop smoke` has the same limit)."""
    try:
        outputs = stack_outputs(connection, args.stack)
    except (LookupError, ClientError):  # no such stack: --table named the job table
        return {}
    return {"BUCKET_NAME": outputs[BUCKET_OUTPUT]} if BUCKET_OUTPUT in outputs else {}

"""`listdrop jobs show TRACKING_ID`: one job's whole life, in the order it happened."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any, TextIO

from listdrop.cli.connection import Connection
from listdrop.cli.jobs.common import open_table
from listdrop.cli.jobs.text import json_default, long_time, records_text, status_text, write
from listdrop.cli.output import add_output_options, wants_json
from listdrop.job_records import MIN_PREFIX, Job
from listdrop.job_store import Attribute, ClaimStatus
from listdrop.providers.split_jobs import parts_of
from listdrop.wording import count


def add_parser(
    subcommands: argparse._SubParsersAction[argparse.ArgumentParser], where: argparse.ArgumentParser
) -> None:
    show = subcommands.add_parser(
        "show", parents=[where], help="one job's whole history", description="One job's whole history."
    )
    show.add_argument("tracking_id", help=f"the tracking id, or its first {MIN_PREFIX} or more characters")
    add_output_options(show, human="text", json_help="the job table's item, its JSON attributes parsed")


def run(args: argparse.Namespace, *, out: TextIO, err: TextIO, connection: Connection) -> int:
    job = open_table(connection, args).resolve(args.tracking_id)
    if job is None:
        write(err, f"listdrop: no job with tracking id {args.tracking_id} in the job table\n")
        return 1
    if wants_json(args):
        item = {
            **job.item,
            Attribute.EXECUTION_INPUT: job.execution_input() or None,
            Attribute.OUTCOME_DETAIL: job.outcome() or None,
        }
        write(out, json.dumps(item, default=json_default, sort_keys=True, indent=2) + "\n")
        return 0
    write(out, "".join(f"{line}\n" for line in describe(job)))
    return 0


def describe(job: Job) -> list[str]:
    """One job's whole life, in the order it happened: what was uploaded, where to, what the checks found,
    the provider's job, the outcome."""
    upload = job.execution_input().get("upload") or {}
    outcome = job.outcome()
    return [
        f"Job {job.tracking_id}",
        f"  status          {status_text(job)}",
        *_upload(job, upload, outcome),
        "Timeline (UTC)",
        *_timeline(job, outcome),
        "Provider job",
        *_provider_job(job),
        "Outcome",
        *_outcome(job, outcome),
    ]


def _upload(job: Job, upload: dict[str, Any], outcome: dict[str, Any]) -> list[str]:
    """What was uploaded, where it goes, what the checks found (the upload's state in the workflow's input)."""
    source = job.get(Attribute.SOURCE_URI) or (upload.get("source") or {}).get("uri") or "-"
    version = job.get(Attribute.SOURCE_VERSION_ID)
    size = job.get(Attribute.SIZE_BYTES)
    lines = [
        f"  source          {source}"
        + (f" (version {version}" if version else " (")
        + (f", {count(int(size), 'byte')})" if size is not None else ")"),
        f"  route           {_route(job, upload)}",
    ]
    checks = upload.get("validation") or outcome.get("checks")
    if checks and "request" in checks:  # a request file: checked whole, it has no rows
        lines.append(f"  request         {checks['request']}")
    elif checks:
        lines.append(f"  checks          {_checks_text(checks)}")
        lines += [f"                  normalized: {note}" for note in checks.get("normalized") or []]
        if checks.get("report"):
            lines.append(f"                  rejected-rows report: {checks['report']}")
    staged = upload.get("staged")
    if staged:
        jobs = int((checks or {}).get("jobs") or 1)
        lines.append(
            f"  staged copy     {staged.get('uri')} ({count(int(staged.get('sizeBytes') or 0), 'byte')})"
            + (
                f"; part 1 of {jobs} (the others: the same name with .part-0002 ... before the extension)"
                if jobs > 1
                else ""
            )
        )
    return lines


def _route(job: Job, upload: dict[str, Any]) -> str:
    """Where the key led: an import's action and destination, an export's request, or nowhere."""
    if not job.get(Attribute.DESTINATION_TYPE):
        return "none: the key leads to no destination"
    label = (upload.get("destination") or {}).get("label") or job.label
    data_format = upload.get("dataFormat")
    provider = job.get(Attribute.PROVIDER) or "-"
    if job.is_export:
        return f"{label} via {provider}" + (f", from a {data_format} request" if data_format else "")
    return f"{job.get(Attribute.ACTION) or '-'} into {label} via {provider}" + (
        f", {data_format}" if data_format else ""
    )


def _timeline(job: Job, outcome: dict[str, Any]) -> list[str]:
    # A rejected upload was never claimed: createdAt is when the starter took it, as for every upload.
    first = "received" if job.status == ClaimStatus.REJECTED else "claimed"
    lines = [f"  {first:<15} {long_time(job.created_at)}"]
    if job.status == ClaimStatus.CLAIMED and job.get(Attribute.CLAIM_EXPIRES_AT):
        expires = datetime.fromtimestamp(int(job.get(Attribute.CLAIM_EXPIRES_AT)), UTC).isoformat()
        lines.append(f"  claim expires   {long_time(expires)} (a retry may take over after that)")
    if job.get(Attribute.JOB_STARTED_AT):
        lines.append(f"  job started     {long_time(job.get(Attribute.JOB_STARTED_AT))}")
    if job.get(Attribute.LAST_POLLED_AT):
        lines.append(f"  last polled     {long_time(job.get(Attribute.LAST_POLLED_AT))}")
    # Items written before rejections recorded endedAt have only their last change.
    ended = job.get(Attribute.ENDED_AT) or (None if job.is_active else job.get(Attribute.UPDATED_AT))
    if ended:
        took = outcome.get("durationSeconds")
        lines.append(
            f"  ended           {long_time(ended)}"
            + (f" (took {_duration(took)})" if took else "")
            + (", before any job started" if job.started_no_job else "")
        )
    lines.append(f"  last change     {long_time(job.get(Attribute.UPDATED_AT))}")
    return lines


def _provider_job(job: Job) -> list[str]:
    if job.started_no_job:
        return ["  none: the upload ended before any job was started"]
    job_id = job.get(Attribute.PROVIDER_JOB_ID)
    parts = parts_of(str(job_id)) if job_id else None
    lines = [
        f"  job id          {job_id or '- (none started yet)'}"
        if parts is None
        else f"  jobs            {len(parts)}: the file was split, one job per part of the checked copy",
        *(
            f"                  part {part.number}: rows {part.first_row:,}-{part.last_row:,}, "
            + (f"job {part.job_id}" if part.job_id else "not started")
            for part in parts or ()
        ),
        f"  provider status {job.get(Attribute.PROVIDER_STATUS) or '-'}",
        f"  records         {_records(job)}",
    ]
    progress = job.progress()
    if progress:
        lines.append(f"  progress        {json.dumps(progress, sort_keys=True, default=str)}")
    return lines


def _records(job: Job) -> str:
    if job.is_export and job.records is not None:
        return f"{job.records[0]:,} exported"
    return records_text(job.records, long=True)


def _outcome(job: Job, outcome: dict[str, Any]) -> list[str]:
    if job.is_active and not outcome:
        return ["  none yet: the job is running; the workflow publishes the outcome when it ends"]
    if not outcome:
        return [f"  {job.status}: {_coded(job.get(Attribute.REASON_CODE), job.get(Attribute.REASON))}"]
    lines = [
        f"  {outcome.get('summary') or outcome.get('outcome')}",
        f"  reason          {_coded(outcome.get('reasonCode'), outcome.get('reason'))}",
    ]
    if job.is_export:  # the result file, if any; an export has no records to fail and no rows checked
        if not job.started_no_job:
            lines.append(f"  result file     {outcome.get('result') or 'none'}")
        return lines
    if not job.started_no_job:
        lines.append(f"  failed records  {outcome.get('failureReport') or 'none'}")
    if outcome.get("checks"):  # none when the upload was rejected before its rows were read
        lines.append(f"  rejected rows   {outcome['checks'].get('report') or 'none'}")
    return lines


def _checks_text(checks: dict[str, Any]) -> str:
    total, accepted = int(checks.get("rowsTotal") or 0), int(checks.get("rowsAccepted") or 0)
    rejected, duplicates = int(checks.get("rowsRejected") or 0), int(checks.get("duplicates") or 0)
    text = f"{accepted:,} of {count(total, 'row')} accepted"
    if rejected:
        text += f", {rejected:,} left out" + (f" ({count(duplicates, 'duplicate')})" if duplicates else "")
    return text


def _coded(code: Any, reason: Any) -> str:
    if not code and not reason:
        return "none"
    return f"{code}: {reason}" if code and reason else str(code or reason)


def _duration(seconds: Any) -> str:
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes}m {secs}s" if hours else f"{minutes}m {secs}s" if minutes else f"{secs}s"

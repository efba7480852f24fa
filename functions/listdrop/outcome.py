"""Builds the outcome event (the documented schema) and the sentence a person reads first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from listdrop.models import EVENT_SCHEMA_VERSION, Action, JobState, JobStatus, Outcome
from listdrop.privacy import redact_emails
from listdrop.upload import Upload
from listdrop.wording import NONE_TEXT, checks_lines, count, one_line, what_happened


def outcome_for(status: JobStatus) -> Outcome:
    if status.state is JobState.SUCCEEDED:
        return Outcome.SUCCEEDED
    return Outcome.FAILED


def build_event(
    *,
    upload: Upload,
    outcome: Outcome,
    ended_at: datetime,
    status: JobStatus | None = None,
    failure_report: str | None = None,
    result: str | None = None,
    reason_code: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Return {"detailType": ..., "detail": {...}} for the workflow to put on the bus."""
    processed = status.processed if status else 0
    failed = status.failed if status else 0
    if reason is None and status is not None and status.error_message:
        reason = status.error_message
    reason = redact_emails(reason) if reason else None
    started = datetime.fromisoformat(upload.started_at)
    detail: dict[str, Any] = {
        "schemaVersion": EVENT_SCHEMA_VERSION,
        "trackingId": upload.tracking_id,
        "outcome": outcome.value,
        "provider": upload.provider,
        "providerJobId": upload.job_id,
        "providerStatus": status.provider_status if status else None,
        "destination": upload.destination,
        "action": upload.action,
        "dataFormat": upload.data_format,
        "source": {
            **upload.source,
            "key": redact_emails(upload.source["key"]),
            "uri": redact_emails(upload.source["uri"]),
        },
        "records": {"processed": processed, "failed": failed},
        # An upload split into several jobs: each job's id, rows of the checked copy, state and counts.
        "parts": list(status.parts) if status is not None and status.parts else None,
        # A contact-list sync: the list's contacts before it (listed), and those it added, updated and removed.
        "sync": status.sync if status is not None else None,
        "failureReport": failure_report,
        "result": result,
        "providerProgress": status.progress if status else None,
        "checks": upload.validation,
        "startedAt": upload.started_at,
        "endedAt": ended_at.isoformat(),
        "durationSeconds": max(0, round((ended_at - started).total_seconds())),
        "reasonCode": reason_code,
        "reason": reason,
    }
    detail["summary"] = one_line(summary_line(detail))
    notice = {
        "destination": upload.destination.get("label") or NONE_TEXT,
        "records": f"{processed:,} processed, {failed:,} failed" if status else NONE_TEXT,
        "report": failure_report or NONE_TEXT,
        "result": result or NONE_TEXT,
        "reason": reason or NONE_TEXT,
        **checks_lines(upload.validation),
    }
    detail["notice"] = {name: one_line(str(value)) for name, value in notice.items()}
    return {"detailType": outcome.detail_type(upload.job_kind), "detail": detail}


def summary_line(detail: dict[str, Any]) -> str:
    """First line of every notification: the outcome in capitals, then what happened where (wording.what_happened);
    every count with its noun (1 record, 2 records) and thousands separators."""
    what = what_happened(detail["action"], detail["destination"], detail["source"]["uri"])
    return _outcome_sentence(detail, what) + _left_out(detail)


def _left_out(detail: dict[str, Any]) -> str:
    checks = detail.get("checks") or {}
    left_out = checks.get("rowsRejected") or 0
    if not left_out:
        return ""
    return f" ({count(left_out, 'row')} left out before import, see {checks.get('report')})"


def _outcome_sentence(detail: dict[str, Any], what: str) -> str:
    outcome = detail["outcome"]
    processed, failed = detail["records"]["processed"], detail["records"]["failed"]
    reason = detail["reason"] or "no reason given"
    if outcome == Outcome.SUCCEEDED.value and detail["action"] == Action.EXPORT.value:
        return f"SUCCEEDED: {what}: {count(processed, 'record')} exported to {detail['result'] or 'SES (not copied)'}"
    if outcome == Outcome.SUCCEEDED.value and detail.get("sync"):
        sync = detail["sync"]
        outcome_text = f"COMPLETED WITH {count(failed, 'failed record').upper()}" if failed else "SUCCEEDED"
        changes = f"{sync['added']:,} added, {sync['updated']:,} updated, {sync['removed']:,} removed"
        return f"{outcome_text}: {what}: {changes} ({count(processed, 'record')} processed, {failed:,} failed)"
    if outcome == Outcome.SUCCEEDED.value:
        outcome_text = f"COMPLETED WITH {count(failed, 'failed record').upper()}" if failed else "SUCCEEDED"
        return f"{outcome_text}: {what}: {count(processed, 'record')} processed, {failed:,} failed"
    if outcome == Outcome.REJECTED.value:
        return f"REJECTED: {what}: {reason}"
    if outcome == Outcome.TIMED_OUT.value:
        return f"TIMED OUT: {what} did not finish in time: {reason}"
    label = "CANCELLED" if detail["providerStatus"] in {"CANCELLED", "STOPPED"} else "FAILED"
    return f"{label}: {what}: {reason}"

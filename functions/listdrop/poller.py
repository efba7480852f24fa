"""One poll of a running job: the workflow calls it after each wait, until it returns a final state.

The returned state is the workflow's whole state: `poll.state` is RUNNING (wait `poll.waitSeconds`, then
poll again) or final, in which case `outcome` holds the event to publish. The wait doubles after every
poll, capped at `poll.maxWaitSeconds`; past `poll.deadline` a still-running job ends as TIMED_OUT.

When the status cannot be read (throttling, server errors, timeouts), the poller backs off the same way and
remembers since when (`poll.unreadableSince`); after `poll.unreadableLimitSeconds` without one good read the
job ends as a FAILED outcome with reason code STATUS_UNREADABLE.

When the poller itself fails (a crash, a timeout), the workflow keeps polling through the same window without it
(infra/constructs/workflow.py): it notes the failure in `pollerFailure` and gives up at `poll.giveUpAt`, which the
poller precomputes at every poll, since Step Functions can compare timestamps but not add to them. A poll that
runs again drops `pollerFailure`, and counts the time it stood for as time the status could not be read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from listdrop.clock import utc_now
from listdrop.errors import ProviderRequestRejected, ProviderUnavailable
from listdrop.job_store import JobStore
from listdrop.models import JobStatus, Outcome
from listdrop.observability import logger
from listdrop.outcome import build_event, outcome_for
from listdrop.providers.base import JobProvider
from listdrop.upload import Upload

# How long a job's status may stay unreadable when the execution input does not say (older executions).
DEFAULT_UNREADABLE_LIMIT_SECONDS = 1800

# What the workflow keeps in the state while the poller fails (see the module docstring).
POLLER_FAILURE = "pollerFailure"


def _back_off(poll: dict[str, Any], now: datetime) -> None:
    """Double the wait, up to the cap, and never past the deadline."""
    remaining = max(1, int(poll["deadline"] - now.timestamp()))
    poll["waitSeconds"] = min(int(poll["waitSeconds"]) * 2, int(poll["maxWaitSeconds"]), remaining)


def _minutes(count: int) -> str:
    return "1 minute" if count == 1 else f"{count} minutes"


def give_up_at(poll: dict[str, Any], now: float, unreadable_since: int | None = None) -> str:
    """When the workflow stops waiting for a poller that fails from its next poll on.

    The status-unreadable window counts from the first read that fails: the one due after this wait, or, when the
    status is already unreadable, the first of those. It never runs past the deadline. The result is UTC in the
    form `2026-11-29T10:15:00Z`, which the workflow compares with `$$.State.EnteredTime` as a string: both are
    UTC and agree up to the seconds, so the workflow gives up within a second of it (never before).
    """
    limit = int(poll.get("unreadableLimitSeconds") or DEFAULT_UNREADABLE_LIMIT_SECONDS)
    start = unreadable_since if unreadable_since is not None else int(now) + int(poll["waitSeconds"])
    at = min(int(poll["deadline"]), start + limit)
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _poller_failing_since(state: dict[str, Any]) -> int | None:
    """When the workflow first saw the poller fail, from its note (an ISO 8601 time); None without one."""
    since = (state.get(POLLER_FAILURE) or {}).get("since")
    if not since:
        return None
    try:
        return int(datetime.fromisoformat(str(since)).timestamp())
    except ValueError:
        logger.warning("Unreadable poller failure time; ignored", extra={"since": since})
        return None


class Reports(Protocol):
    def copy(self, url: str, folder: str, file_name: str = ...) -> str: ...


class Poller:
    def __init__(
        self,
        store: JobStore,
        reports: Reports,
        providers: Callable[[str], JobProvider],
        clock: Callable[[], datetime] = utc_now,
        results: Reports | None = None,
    ) -> None:
        self._store = store
        self._reports = reports
        self._results = results or reports
        self._providers = providers
        self._clock = clock

    def poll(self, state: dict[str, Any]) -> dict[str, Any]:
        upload = Upload.from_state(state["upload"])
        if not upload.job_id:
            raise ValueError("the workflow state has no provider job id to poll")
        failing_since = _poller_failing_since(state)
        state = {name: value for name, value in state.items() if name != POLLER_FAILURE}  # this poll ran
        poll = {**state["poll"], "attempt": int(state["poll"].get("attempt", 0)) + 1}
        provider = self._providers(upload.provider)
        try:
            status = provider.status(upload.job_id)
        except (ProviderUnavailable, ProviderRequestRejected) as unreadable:
            # A refusal (AccessDenied after a permission was removed, say) is retried like a transient error:
            # permissions change and propagate. Past the window, the outcome names the last error.
            return self._unreadable(state, poll, upload, str(unreadable), failing_since)
        poll.pop("unreadableSince", None)
        now = self._clock()

        if not status.state.is_final:
            if now.timestamp() < poll["deadline"]:
                _back_off(poll, now)
                poll["giveUpAt"] = give_up_at(poll, now.timestamp())
                self._store.record_progress(upload.tracking_id, status, now.isoformat())
                return {**state, "poll": poll}
            minutes = max(1, round((now - datetime.fromisoformat(upload.started_at)).total_seconds() / 60))
            event = build_event(
                upload=upload,
                outcome=Outcome.TIMED_OUT,
                ended_at=now,
                status=status,
                reason_code="TIMED_OUT",
                reason=(
                    f"The job was still {status.provider_status} after {_minutes(minutes)}, the configured "
                    f"maximum; {self._stop(provider, upload.job_id)}"
                ),
            )
            return self._finish(state, poll, Outcome.TIMED_OUT.value, event)

        report, note = self._copy_report(status, upload.tracking_id)
        result, result_note = self._copy_result(status, upload.job_id)
        reason = status.error_message
        for extra in (note, result_note):
            if extra:
                reason = f"{reason} ({extra})" if reason else extra
        event = build_event(
            upload=upload,
            outcome=outcome_for(status),
            ended_at=now,
            status=status,
            failure_report=report,
            result=result,
            reason_code=None if outcome_for(status) is Outcome.SUCCEEDED else f"JOB_{status.provider_status}",
            reason=reason,
        )
        return self._finish(state, poll, status.state.value, event)

    def _unreadable(
        self, state: dict[str, Any], poll: dict[str, Any], upload: Upload, error: str, failing_since: int | None
    ) -> dict[str, Any]:
        now = self._clock()
        since = int(poll.get("unreadableSince") or now.timestamp())
        if failing_since is not None:  # the poller itself failed before: the status went unread since then
            since = min(since, failing_since)
        limit = int(poll.get("unreadableLimitSeconds") or DEFAULT_UNREADABLE_LIMIT_SECONDS)
        unreadable_for = now.timestamp() - since
        if unreadable_for < limit and now.timestamp() < poll["deadline"]:
            logger.warning("Job status unreadable; will try again", extra={"error": error, "since": since})
            poll["unreadableSince"] = since
            _back_off(poll, now)
            poll["giveUpAt"] = give_up_at(poll, now.timestamp(), since)
            return {**state, "poll": poll}
        minutes = max(1, round(unreadable_for / 60))
        event = build_event(
            upload=upload,
            outcome=Outcome.FAILED,
            ended_at=now,
            reason_code="STATUS_UNREADABLE",
            reason=f"listdrop could not read the job status for {_minutes(minutes)} (last error: {error}).",
        )
        return self._finish(state, poll, Outcome.FAILED.value, event)

    def _finish(
        self, state: dict[str, Any], poll: dict[str, Any], final_state: str, event: dict[str, Any]
    ) -> dict[str, Any]:
        self._store.mark_finished(state["upload"]["trackingId"], event["detail"])
        logger.info(
            "Job finished",
            extra={"outcome": event["detail"]["outcome"], "records": event["detail"]["records"]},
        )
        return {**state, "poll": {**poll, "state": final_state}, "outcome": event}

    @staticmethod
    def _stop(provider: JobProvider, job_id: str) -> str:
        """Stop a job that ran past the limit, where the API can; say what happened, for the notification."""
        try:
            provider.cancel(job_id)
        except ProviderRequestRejected:
            return "listdrop stopped watching it."
        except ProviderUnavailable as error:
            logger.warning("Could not stop the job", extra={"error": str(error)})
            return "listdrop stopped watching it; asking the service to stop it failed, so it may still finish."
        return "listdrop stopped it and stopped watching it."

    def _copy_result(self, status: JobStatus, job_id: str) -> tuple[str | None, str | None]:
        """An export's file, copied from behind its short-lived link to exports/results/<job id>/."""
        if not status.result_url:
            return None, None
        try:
            return self._results.copy(status.result_url, job_id, status.result_name or "result"), None
        except (ProviderUnavailable, ValueError) as error:
            logger.warning("Export result not copied", extra={"error": str(error)})
            return None, "the exported file could not be copied into the bucket; get-export-job returns a fresh link"

    def _copy_report(self, status: JobStatus, tracking_id: str) -> tuple[str | None, str | None]:
        if not status.failed_records_url:
            return None, None
        try:
            return self._reports.copy(status.failed_records_url, tracking_id), None
        except (ProviderUnavailable, ValueError) as error:
            logger.warning("Failed-records report not copied", extra={"error": str(error)})
            return None, (
                "the failed-records report could not be copied into the bucket; "
                "get-import-job returns a fresh link to it"
            )

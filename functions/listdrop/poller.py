"""One poll of a running job: the workflow calls it after each wait, until it returns a final state.

The returned state is the workflow's whole state: `poll.state` is RUNNING (wait `poll.waitSeconds`, then
poll again) or final, in which case `outcome` holds the event to publish. `poll` is the schedule's state, and
listdrop.poll_schedule decides it: the next wait, the deadline past which a still-running job ends as TIMED_OUT.

When the status cannot be read (throttling, server errors, timeouts), the poller backs off the same way and
remembers since when; past the schedule's status-unreadable window without one good read the job ends as a
FAILED outcome with reason code STATUS_UNREADABLE.

When the poller itself fails (a crash, a timeout), the workflow keeps polling through the same window without it
(infra/constructs/workflow.py): it notes the failure in `pollerFailure` and gives up at `poll.giveUpAt`, which the
poller precomputes at every poll, since Step Functions can compare timestamps but not add to them. A poll that
runs again drops `pollerFailure`, and counts the time it stood for as time the status could not be read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from listdrop.clock import utc_now
from listdrop.errors import ProviderRequestRejected, ProviderUnavailable
from listdrop.job_store import JobStore
from listdrop.models import JobStatus, Outcome
from listdrop.observability import logger
from listdrop.outcome import build_event, outcome_for
from listdrop.poll_schedule import POLL, PollState
from listdrop.providers.base import JobProvider
from listdrop.upload import Upload

# What the workflow keeps in the state while the poller fails (see the module docstring).
POLLER_FAILURE = "pollerFailure"


def _minutes(count: int) -> str:
    return "1 minute" if count == 1 else f"{count} minutes"


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
        job_id = upload.job_id
        if not job_id:
            raise ValueError("the workflow state has no provider job id to poll")
        failing_since = _poller_failing_since(state)
        state = {name: value for name, value in state.items() if name != POLLER_FAILURE}  # this poll ran
        schedule = PollState.from_state(state[POLL]).polled()
        provider = self._providers(upload.provider)
        try:
            status = provider.status(job_id)
        except (ProviderUnavailable, ProviderRequestRejected) as unreadable:
            # A refusal (AccessDenied after a permission was removed, say) is retried like a transient error:
            # permissions change and propagate. Past the window, the outcome names the last error.
            return self._unreadable(state, schedule, upload, str(unreadable), failing_since)
        schedule = replace(schedule, unreadable_since=None)  # a good read ends an outage
        if status.state.is_final:
            return self._ended(state, schedule, upload, status, job_id)
        return self._running(state, schedule, upload, status, lambda: self._stop(provider, job_id))

    def _running(
        self, state: dict[str, Any], schedule: PollState, upload: Upload, status: JobStatus, stop: Callable[[], str]
    ) -> dict[str, Any]:
        """Wait for the next poll, or, past the deadline, stop the job where the API can and time out."""
        now = self._clock()
        if not schedule.is_past_deadline(now.timestamp()):
            self._store.record_progress(upload.tracking_id, status, now.isoformat())
            if status.poll_again_now:
                return {**state, POLL: schedule.next_step(now.timestamp()).to_state()}
            progress = status.share_done((upload.validation or {}).get("rowsAccepted"))
            return {**state, POLL: schedule.next_poll(now.timestamp(), progress=progress).to_state()}
        minutes = max(1, round((now - datetime.fromisoformat(upload.started_at)).total_seconds() / 60))
        event = build_event(
            upload=upload,
            outcome=Outcome.TIMED_OUT,
            ended_at=now,
            status=status,
            reason_code="TIMED_OUT",
            reason=(
                f"The job was still {status.provider_status} after {_minutes(minutes)}, the configured "
                f"maximum; {stop()}"
            ),
        )
        return self._finish(state, schedule, Outcome.TIMED_OUT.value, event)

    def _ended(
        self, state: dict[str, Any], schedule: PollState, upload: Upload, status: JobStatus, job_id: str
    ) -> dict[str, Any]:
        """The job reached a final state: copy what it left behind and build its outcome."""
        now = self._clock()
        report, note = self._copy_report(status, upload.tracking_id)
        result, result_note = self._copy_result(status, job_id)
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
        return self._finish(state, schedule, status.state.value, event)

    def _unreadable(
        self, state: dict[str, Any], schedule: PollState, upload: Upload, error: str, failing_since: int | None
    ) -> dict[str, Any]:
        now = self._clock()
        since = schedule.outage_start(now.timestamp(), failing_since)
        if schedule.may_stay_unreadable(since, now.timestamp()):
            logger.warning("Job status unreadable; will try again", extra={"error": error, "since": since})
            return {**state, POLL: schedule.next_poll(now.timestamp(), unreadable_since=since).to_state()}
        minutes = max(1, round((now.timestamp() - since) / 60))
        event = build_event(
            upload=upload,
            outcome=Outcome.FAILED,
            ended_at=now,
            reason_code="STATUS_UNREADABLE",
            reason=f"listdrop could not read the job status for {_minutes(minutes)} (last error: {error}).",
        )
        return self._finish(state, schedule, Outcome.FAILED.value, event)

    def _finish(
        self, state: dict[str, Any], schedule: PollState, final_state: str, event: dict[str, Any]
    ) -> dict[str, Any]:
        self._store.mark_finished(state["upload"]["trackingId"], event["detail"])
        logger.info(
            "Job finished",
            extra={"outcome": event["detail"]["outcome"], "records": event["detail"]["records"]},
        )
        return {**state, POLL: schedule.finished(final_state).to_state(), "outcome": event}

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
        """An export's file, copied from behind its short-lived link to exports/results/<job id>/ (a list export
        wrote its file there itself)."""
        if status.result_uri:
            return status.result_uri, None
        if not status.result_url:
            return None, None
        try:
            return self._results.copy(status.result_url, job_id, status.result_name or "result"), None
        except (ProviderUnavailable, ValueError) as error:
            logger.warning("Export result not copied", extra={"error": str(error)})
            return None, "the exported file could not be copied into the bucket; get-export-job returns a fresh link"

    def _copy_report(self, status: JobStatus, tracking_id: str) -> tuple[str | None, str | None]:
        """SES's failed-records file, copied before its link expires (a split upload's other parts' too, next to it:
        JobStatus.more_failed_records); the first copy's URI, and a note if any could not be copied."""
        if not status.failed_records_url:
            return None, None
        copies = [self._copy_one(status.failed_records_url, tracking_id)]
        copies += [self._copy_one(url, tracking_id, name) for name, url in status.more_failed_records]
        if all(copies):
            return copies[0], None
        return copies[0], (
            "the failed-records report could not be copied into the bucket; get-import-job returns a fresh link to it"
        )

    def _copy_one(self, url: str, tracking_id: str, *file_name: str) -> str | None:
        try:
            return self._reports.copy(url, tracking_id, *file_name)
        except (ProviderUnavailable, ValueError) as error:
            logger.warning("Failed-records report not copied", extra={"error": str(error)})
            return None

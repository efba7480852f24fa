"""One upload split into several jobs of the same API, tracked as one job: the provider wrapper the poller sees.

A file over one job's record limit is checked into one part per job (validation/sinks.py PartedS3Sink) and the
starter starts one job per part, in order. The upload records one job id that names them all, with the rows of
the checked copy each part holds: `split:10000@<job id>,10000@<job id>,5000@<job id>`. `SplitJobs` wraps the
API's provider: an id of one job passes straight through; for a split id, `status` reads every part and combines
them, and `cancel` asks each part to stop. So the poller, the workflow and the job table handle a split upload as
they handle any job (the id is a string of about 45 characters a part: 900 for the most parts, well within a
DynamoDB attribute and the workflow's state).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from listdrop.errors import ProviderRequestRejected
from listdrop.models import FileShape, JobState, JobStatus, Route
from listdrop.providers.base import ImportRequest, JobProvider
from listdrop.wording import split_outcome

PREFIX = "split:"
_PARTS, _ROWS = ",", "@"
# The job id of a part whose job was never started: the API refused an earlier part's or its own (starter.py).
NOT_STARTED = ""
_NOT_STARTED_STATUS = JobStatus(JobState.FAILED, "NOT_STARTED", error_message="the API refused to start a part's job")


@dataclass(frozen=True)
class Part:
    """One job of a split upload: its number (from 1) and the rows of the checked copy it imports."""

    number: int
    job_id: str
    first_row: int
    last_row: int

    def to_dict(self, status: JobStatus) -> dict[str, Any]:
        """The part as the outcome event's `parts` lists it."""
        return {
            "part": self.number,
            "jobId": self.job_id,
            "rows": {"first": self.first_row, "last": self.last_row},
            "state": status.state.value,
            "providerStatus": status.provider_status,
            "processed": status.processed,
            "failed": status.failed,
        }


def compose(job_ids: Sequence[str], rows: Sequence[int]) -> str:
    """The one job id of an upload split into these jobs, each importing so many rows, in order."""
    if any(_PARTS in job_id for job_id in job_ids):
        raise ValueError("a job id holds the character that separates the parts")
    return PREFIX + _PARTS.join(f"{count}{_ROWS}{job_id}" for count, job_id in zip(rows, job_ids, strict=True))


def parts_of(job_id: str) -> tuple[Part, ...] | None:
    """The parts a split id names, or None for the id of one job."""
    if not job_id.startswith(PREFIX):
        return None
    parts, first = [], 1
    for number, item in enumerate(job_id[len(PREFIX) :].split(_PARTS), start=1):
        count, _, part_job = item.partition(_ROWS)
        parts.append(Part(number, part_job, first, first + int(count) - 1))
        first += int(count)
    return tuple(parts)


def combined(parts: Sequence[Part], statuses: Sequence[JobStatus]) -> JobStatus:
    """One status for the whole upload: running until every part has ended; succeeded only if every part did;
    otherwise failed (cancelled if no part failed), with a reason saying which rows were and were not imported."""
    state = _combined_state([status.state for status in statuses])
    telling = next((status for status in statuses if status.state is state), statuses[0])
    final = state.is_final
    reports = [
        (part.number, s.failed_records_url) for part, s in zip(parts, statuses, strict=True) if s.failed_records_url
    ]
    return JobStatus(
        state=state,
        provider_status=telling.provider_status,
        processed=sum(status.processed for status in statuses),
        failed=sum(status.failed for status in statuses),
        # The first part's failed-records file is the upload's; the others' are copied next to it, named by part.
        failed_records_url=reports[0][1] if reports else None,
        more_failed_records=tuple((failed_records_name(number), url) for number, url in reports[1:]),
        error_message=_what_was_imported(parts, statuses) if final and state is not JobState.SUCCEEDED else None,
        completed_at=max((s.completed_at for s in statuses if s.completed_at), default=None) if final else None,
        progress={"jobs": len(parts), "jobsEnded": sum(status.state.is_final for status in statuses)},
        parts=tuple(part.to_dict(status) for part, status in zip(parts, statuses, strict=True)),
    )


def failed_records_name(part: int) -> str:
    """The name of a part's failed-records file, copied next to the upload's first (reports/<tracking id>/)."""
    return f"failed-records-part-{part:04d}.csv"


def _combined_state(states: list[JobState]) -> JobState:
    if not all(state.is_final for state in states):
        return JobState.RUNNING
    if all(state is JobState.SUCCEEDED for state in states):
        return JobState.SUCCEEDED
    return JobState.FAILED if JobState.FAILED in states else JobState.CANCELLED


def _what_was_imported(parts: Sequence[Part], statuses: Sequence[JobStatus]) -> str:
    """Which rows the parts that succeeded imported, and which the others did not (wording.split_outcome)."""
    pairs = list(zip(parts, statuses, strict=True))
    imported = [(part.first_row, part.last_row) for part, status in pairs if status.state is JobState.SUCCEEDED]
    not_imported = [
        (part.first_row, part.last_row, part.job_id, status.provider_status, status.error_message)
        for part, status in pairs
        if status.state is not JobState.SUCCEEDED
    ]
    return split_outcome(len(parts), imported, not_imported)


class SplitJobs:
    """A JobProvider whose uploads may be split into several jobs (see the module docstring)."""

    def __init__(self, provider: JobProvider) -> None:
        self._provider = provider
        self.name = provider.name
        self.min_start_interval_seconds = provider.min_start_interval_seconds

    def verify_destination(self, route: Route, shape: FileShape) -> None:
        self._provider.verify_destination(route, shape)

    def start(self, request: ImportRequest) -> str:
        return self._provider.start(request)

    def find_started(self, request: ImportRequest, *, since: datetime) -> str | None:
        return self._provider.find_started(request, since=since)

    def status(self, job_id: str) -> JobStatus:
        parts = parts_of(job_id)
        if parts is None:
            return self._provider.status(job_id)
        return combined(parts, [self._part_status(part.job_id) for part in parts])

    def _part_status(self, job_id: str) -> JobStatus:
        return _NOT_STARTED_STATUS if job_id == NOT_STARTED else self._provider.status(job_id)

    def cancel(self, job_id: str) -> None:
        """Ask every part to stop; refused only when no part could be asked (the API cannot, or all have ended)."""
        parts = parts_of(job_id)
        if parts is None:
            self._provider.cancel(job_id)
            return
        refusals = []
        for part in parts:
            if part.job_id == NOT_STARTED:
                refusals.append(ProviderRequestRejected("the part's job was never started"))
                continue
            try:
                self._provider.cancel(part.job_id)
            except ProviderRequestRejected as refusal:
                refusals.append(refusal)
        if len(refusals) == len(parts):
            raise refusals[0]

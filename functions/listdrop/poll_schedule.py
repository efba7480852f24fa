"""The polling policy, end to end: how long the workflow waits before each poll of a job, and when it stops.

None of the job APIs sends an event when a job ends, so every job is polled. The policy:
- the first wait is `PollSettings.initial_wait_seconds`; after each poll the wait doubles, up to
  `max_wait_seconds`, and never runs past the deadline (`job_max_duration_seconds` after the upload started);
- a job still running at the deadline ends as TIMED_OUT (the poller decides that, from `is_past_deadline`);
- while the status cannot be read, polling goes on the same way for `status_unreadable_seconds` counted from the
  first read that failed (`PollState.unreadable_since`), then the job ends as STATUS_UNREADABLE;
- each poll precomputes `give_up_at` for the workflow, which keeps polling through the same window when the poller
  itself fails, and can compare timestamps but not add to them.

The schedule travels with the execution: the starter puts `PollState.initial(...)` in the execution input, and each
poll returns the next `PollState`; Step Functions' Wait state reads `waitSeconds` from it.

Who else follows this policy:
- infra/constructs/workflow.py reads the state's fields by the names below (it imports them) and, when the poller
  fails, doubles the wait up to the cap itself in ASL;
- infra/config.py counts the most polls this schedule can make (`worst_case_polls`, an upper bound in closed form
  that also covers the workflow's own loop, to keep an execution's history under Step Functions' quota); a test
  holds it to be an upper bound of `next_wait`'s schedule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from listdrop.models import JobState

# Where the schedule's state sits in the workflow's state, and the fields of it the workflow reads.
POLL = "poll"
STATE = "state"
WAIT_SECONDS = "waitSeconds"
MAX_WAIT_SECONDS = "maxWaitSeconds"
GIVE_UP_AT = "giveUpAt"
RUNNING = JobState.RUNNING.value

# How long a job's status may stay unreadable when the execution input does not say (older executions).
DEFAULT_UNREADABLE_LIMIT_SECONDS = 1800


@dataclass(frozen=True)
class PollSettings:
    """The deployment's polling settings (environment variables of the starter, listdrop.settings)."""

    initial_wait_seconds: int = 10
    max_wait_seconds: int = 300
    job_max_duration_seconds: int = 6 * 3600
    status_unreadable_seconds: int = DEFAULT_UNREADABLE_LIMIT_SECONDS


@dataclass(frozen=True)
class PollState:
    """The schedule's state as the execution carries it (`poll` in the workflow's state), between two polls.

    `state` is RUNNING, or the final state once the poller has decided the outcome. `deadline` is a Unix time;
    `unreadable_since` (a Unix time) is set only while the status cannot be read. `unreadable_limit_seconds` is None
    in executions started before it existed: `unreadable_limit` then gives the default.
    """

    state: str
    attempt: int
    wait_seconds: int
    max_wait_seconds: int
    deadline: int
    unreadable_limit_seconds: int | None = None
    unreadable_since: int | None = None
    give_up_at: str | None = None

    @classmethod
    def initial(cls, settings: PollSettings, started_at: datetime) -> PollState:
        """The state the starter puts in the execution input: no poll yet, the first wait ahead."""
        return cls(
            state=RUNNING,
            attempt=0,
            wait_seconds=settings.initial_wait_seconds,
            max_wait_seconds=settings.max_wait_seconds,
            deadline=int(started_at.timestamp()) + settings.job_max_duration_seconds,
            unreadable_limit_seconds=settings.status_unreadable_seconds,
        )

    @classmethod
    def from_state(cls, fields: Mapping[str, Any]) -> PollState:
        def optional_int(name: str) -> int | None:
            value = fields.get(name)
            return None if value is None else int(value)

        return cls(
            state=str(fields[STATE]),
            attempt=int(fields.get("attempt", 0)),
            wait_seconds=int(fields[WAIT_SECONDS]),
            max_wait_seconds=int(fields[MAX_WAIT_SECONDS]),
            deadline=int(fields["deadline"]),
            unreadable_limit_seconds=optional_int("unreadableLimitSeconds"),
            unreadable_since=optional_int("unreadableSince"),
            give_up_at=fields.get(GIVE_UP_AT),
        )

    def to_state(self) -> dict[str, Any]:
        """The JSON object the workflow carries; fields that are not set are left out, as the workflow expects."""
        fields: dict[str, Any] = {
            STATE: self.state,
            "attempt": self.attempt,
            WAIT_SECONDS: self.wait_seconds,
            MAX_WAIT_SECONDS: self.max_wait_seconds,
            "deadline": self.deadline,
            "unreadableLimitSeconds": self.unreadable_limit_seconds,
            "unreadableSince": self.unreadable_since,
            GIVE_UP_AT: self.give_up_at,
        }
        return {name: value for name, value in fields.items() if value is not None}

    @property
    def unreadable_limit(self) -> int:
        return self.unreadable_limit_seconds or DEFAULT_UNREADABLE_LIMIT_SECONDS

    def polled(self) -> PollState:
        """The state as a poll starts: one more attempt."""
        return replace(self, attempt=self.attempt + 1)

    def is_past_deadline(self, now: float) -> bool:
        return now >= self.deadline

    def outage_start(self, now: float, poller_failing_since: int | None = None) -> int:
        """Since when the status has gone unread, a read having just failed: from the first failed read, or from
        when the workflow first saw the poller itself fail, whichever came first."""
        since = self.unreadable_since or int(now)
        return since if poller_failing_since is None else min(since, poller_failing_since)

    def may_stay_unreadable(self, since: int, now: float) -> bool:
        """Whether to keep polling a status unreadable since `since`: within the window and before the deadline."""
        return now - since < self.unreadable_limit and not self.is_past_deadline(now)

    def next_poll(self, now: float, unreadable_since: int | None = None) -> PollState:
        """The state after a poll that found the job still running (or its status unreadable since
        `unreadable_since`): the next wait, and when the workflow gives up on a poller that fails from then on."""
        waited = replace(self, wait_seconds=next_wait(self, now), unreadable_since=unreadable_since)
        return replace(waited, give_up_at=give_up_at(waited, now, unreadable_since))

    def finished(self, final_state: str) -> PollState:
        return replace(self, state=final_state)


def next_wait(state: PollState, now: float) -> int:
    """The wait before the next poll: twice the last one, up to the cap, and never past the deadline (at least 1 s).

    Pure: it depends on the previous wait, the settings the state carries and the time only.
    """
    remaining = max(1, int(state.deadline - now))
    return min(state.wait_seconds * 2, state.max_wait_seconds, remaining)


def give_up_at(state: PollState, now: float, unreadable_since: int | None = None) -> str:
    """When the workflow stops waiting for a poller that fails from its next poll on.

    The status-unreadable window counts from the first read that fails: the one due after this wait, or, when the
    status is already unreadable, the first of those. It never runs past the deadline. The result is UTC in the
    form `2026-11-29T10:15:00Z`, which the workflow compares with `$$.State.EnteredTime` as a string: both are
    UTC and agree up to the seconds, so the workflow gives up within a second of it (never before).
    """
    start = unreadable_since if unreadable_since is not None else int(now) + state.wait_seconds
    at = min(state.deadline, start + state.unreadable_limit)
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

"""The polling policy, end to end: how long the workflow waits before each poll of a job, and when it stops.

None of the job APIs sends an event when a job ends, so every job is polled. The policy:
- blind, when the job says nothing of its progress: the wait is `wait_percent` of the time the job has run so far
  (from the moment the starter started it), at least `initial_wait_seconds` and at most `max_wait_seconds`. A job
  that ends just after a poll is then seen at most `wait_percent` of its own duration late (or `initial_wait_seconds`
  for the shortest jobs), and no schedule with that bound polls less: each poll may come at most (1 + ratio) times
  the time of the one before, and this one comes exactly then (until the cap), so a job of duration T is polled
  about log(T / floor) / log(1 + ratio) times;
- progress-aware, when the job reports how much of it is done (`progress` in next_poll, a share from 0 to 1: see
  JobStatus.share_done): estimate its rate from the last two readings (or from the start, at the first), and wait
  until just after its expected end (a margin of `END_MARGIN_SHARE` of its expected duration, at least
  `END_MARGIN_SECONDS`), re-estimating at each poll, never further ahead than `REACH` times the time the job has
  run, nor past the same cap. No reading, no movement since the last one (a stall) or a job that says it is done
  but still runs: the blind wait. A progress-aware wait shorter than the blind one is allowed `SHORT_WAITS` times
  per job, which keeps the count of polls bounded whatever a job reports. A job that speeds up past its estimate
  (a slow start, a stall, a fast finish) may be seen later than the blind bound; bench/polling.py measures it;
- the wait never runs past the deadline (`job_max_duration_seconds` after the upload started); a job still running
  at the deadline ends as TIMED_OUT (the poller decides that, from `is_past_deadline`);
- while the status cannot be read, polling goes on blind for `status_unreadable_seconds` counted from the first
  read that failed (`PollState.unreadable_since`), then the job ends as STATUS_UNREADABLE;
- each poll precomputes, for the workflow, which keeps polling when the poller itself fails and can compare
  timestamps but not add to them or multiply: when to give up (`give_up_at`) and the blind wait at the next poll
  (`backoff_seconds`), from which the workflow doubles up to the cap.

Executions started before the blind schedule existed carry no `jobStartedAt`: their waits keep doubling from the
last one up to their cap, as they did.

The schedule travels with the execution: the starter puts `PollState.initial(...)` in the execution input, and each
poll returns the next `PollState`; Step Functions' Wait state reads `waitSeconds` from it.

Who else follows this policy:
- infra/constructs/workflow.py reads the state's fields by the names below (it imports them) and, when the poller
  fails, waits `backoffSeconds`, then doubles it up to the cap, in ASL;
- infra/config.py counts the most polls this schedule can make (`worst_case_polls`, an upper bound in closed form
  that also covers the workflow's own loop, to keep an execution's history under Step Functions' quota); a test
  holds it to be an upper bound of the schedule.
"""

from __future__ import annotations

import math
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
BACKOFF_SECONDS = "backoffSeconds"
RUNNING = JobState.RUNNING.value

# How long a job's status may stay unreadable when the execution input does not say (older executions).
DEFAULT_UNREADABLE_LIMIT_SECONDS = 1800

# The progress-aware wait lands this long after the expected end: a share of the job's expected duration (rates
# read from counts are rough), at least a few seconds (a poll starts a moment after its wait ends).
END_MARGIN_SHARE = 0.03
END_MARGIN_SECONDS = 2
# How many progress-aware waits per job may be shorter than the blind one (infra/config.py adds them to its bound).
SHORT_WAITS = 6
# A progress-aware wait is at most this many times the time the job has run (and the cap): a rate read early, in a
# slow start, may be far below the rate to come, and a job that fails says so only when it is polled.
REACH = 3


@dataclass(frozen=True)
class PollSettings:
    """The deployment's polling settings (environment variables of the starter, listdrop.settings)."""

    initial_wait_seconds: int = 10  # the first wait, and the shortest blind one
    max_wait_seconds: int = 1800
    job_max_duration_seconds: int = 6 * 3600
    status_unreadable_seconds: int = DEFAULT_UNREADABLE_LIMIT_SECONDS
    wait_percent: int = 25  # the blind wait, as a share of the time the job has run (1-100)


@dataclass(frozen=True)
class PollState:
    """The schedule's state as the execution carries it (`poll` in the workflow's state), between two polls.

    `state` is RUNNING, or the final state once the poller has decided the outcome. `deadline` is a Unix time;
    `unreadable_since` (a Unix time) is set only while the status cannot be read. `unreadable_limit_seconds` is None
    in executions started before it existed: `unreadable_limit` then gives the default.

    The blind schedule's fields (`job_started`, a Unix time, `min_wait_seconds`, `wait_percent`) are None in
    executions started before it, which keep doubling their wait. `progress` and `progress_at` are the last reading
    of the job's progress and when it was taken; `short_waits` counts the progress-aware waits shorter than the
    blind one; `backoff_seconds` is the blind wait at the next poll, for the workflow's own loop.
    """

    state: str
    attempt: int
    wait_seconds: int
    max_wait_seconds: int
    deadline: int
    unreadable_limit_seconds: int | None = None
    unreadable_since: int | None = None
    give_up_at: str | None = None
    job_started: int | None = None
    min_wait_seconds: int | None = None
    wait_percent: int | None = None
    backoff_seconds: int | None = None
    progress: float | None = None
    progress_at: int | None = None
    short_waits: int = 0

    @classmethod
    def initial(cls, settings: PollSettings, started_at: datetime, job_started_at: datetime | None = None) -> PollState:
        """The state the starter puts in the execution input: no poll yet, the first wait ahead.

        The deadline counts from the upload (`started_at`), the blind schedule from the job (`job_started_at`, by
        default the same): the time spent checking the file is not the job's."""
        job_started = int((job_started_at or started_at).timestamp())
        state = cls(
            state=RUNNING,
            attempt=0,
            wait_seconds=settings.initial_wait_seconds,
            max_wait_seconds=settings.max_wait_seconds,
            deadline=int(started_at.timestamp()) + settings.job_max_duration_seconds,
            unreadable_limit_seconds=settings.status_unreadable_seconds,
            job_started=job_started,
            min_wait_seconds=settings.initial_wait_seconds,
            wait_percent=settings.wait_percent,
        )
        return replace(state, backoff_seconds=blind_wait(state, job_started + settings.initial_wait_seconds))

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
            job_started=optional_int("jobStartedAt"),
            min_wait_seconds=optional_int("minWaitSeconds"),
            wait_percent=optional_int("waitPercent"),
            backoff_seconds=optional_int(BACKOFF_SECONDS),
            progress=None if fields.get("progress") is None else float(fields["progress"]),
            progress_at=optional_int("progressAt"),
            short_waits=int(fields.get("shortWaits", 0)),
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
            "jobStartedAt": self.job_started,
            "minWaitSeconds": self.min_wait_seconds,
            "waitPercent": self.wait_percent,
            BACKOFF_SECONDS: self.backoff_seconds,
            "progress": self.progress,
            "progressAt": self.progress_at,
            "shortWaits": self.short_waits or None,
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

    def next_poll(self, now: float, unreadable_since: int | None = None, progress: float | None = None) -> PollState:
        """The state after a poll that found the job still running, `progress` done of it (a share from 0 to 1;
        None when the job reports none), or its status unreadable since `unreadable_since`: the next wait, the
        reading kept for the next estimate, and what the workflow needs should the poller fail from then on."""
        wait, short = _chosen_wait(self, now, progress)
        waited = replace(
            self, wait_seconds=wait, unreadable_since=unreadable_since, short_waits=self.short_waits + short
        )
        waited = replace(waited, backoff_seconds=blind_wait(waited, now + wait))
        if progress is not None and self.job_started is not None:
            waited = replace(waited, progress=progress, progress_at=int(now))
        return replace(waited, give_up_at=give_up_at(waited, now, unreadable_since))

    def next_step(self, now: float) -> PollState:
        """The state after a poll that did the job's own work and left more (a list export: each poll reads for
        a bounded time, so it is polled again after the shortest wait, 1 s; the polls stay as few as if each had
        waited that long). The workflow's fallback for a failing poller is the blind wait, as after any poll."""
        stepped = replace(self, wait_seconds=1, unreadable_since=None)
        stepped = replace(stepped, backoff_seconds=blind_wait(stepped, now + 1))
        return replace(stepped, give_up_at=give_up_at(stepped, now))

    def finished(self, final_state: str) -> PollState:
        return replace(self, state=final_state)


def next_wait(state: PollState, now: float, progress: float | None = None) -> int:
    """The wait before the next poll (see the module docstring), never past the deadline and at least 1 s.

    Pure: it depends on the state, the time and the job's progress (a share from 0 to 1, or None) only.
    """
    return _chosen_wait(state, now, progress)[0]


def blind_wait(state: PollState, now: float) -> int:
    """The wait when nothing is known of the job's progress: `wait_percent` of the time it has run, between the
    floor and the cap. Executions started before this schedule keep doubling their last wait up to their cap."""
    if state.job_started is None or state.wait_percent is None:
        return min(state.wait_seconds * 2, state.max_wait_seconds)
    floor = state.min_wait_seconds or 1
    grown = int(max(0.0, now - state.job_started) * state.wait_percent / 100)
    return max(floor, min(grown, state.max_wait_seconds))


def expected_end_wait(state: PollState, now: float, progress: float | None) -> int | None:
    """Seconds from now to just after the job's expected end, from its progress; None when the progress says
    nothing of the end: none reported, nothing done yet or all of it done, or no movement since the last reading."""
    if state.job_started is None or progress is None or not 0 < progress < 1:
        return None
    if state.progress is not None and state.progress_at is not None:
        if progress <= state.progress:
            return None  # stalled (or a reading that went back): nothing to extrapolate
        rate = (progress - state.progress) / max(1.0, now - state.progress_at)
    else:
        rate = progress / max(1.0, now - state.job_started)
    remaining = (1 - progress) / rate
    elapsed = now - state.job_started
    wait = math.ceil(remaining + max(END_MARGIN_SECONDS, END_MARGIN_SHARE * (elapsed + remaining)))
    return min(wait, max(END_MARGIN_SECONDS, math.ceil(REACH * elapsed)))


def _chosen_wait(state: PollState, now: float, progress: float | None) -> tuple[int, bool]:
    """The next wait, and whether it is a progress-aware one shorter than the blind one (those are rationed)."""
    blind = blind_wait(state, now)
    aware = expected_end_wait(state, now, progress)
    short = aware is not None and aware < blind and state.short_waits < SHORT_WAITS
    wait = aware if aware is not None and (short or aware >= blind) else blind
    remaining = max(1, int(state.deadline - now))
    return max(1, min(wait, state.max_wait_seconds, remaining)), short


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

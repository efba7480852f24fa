"""`make bench`: how often listdrop polls a job, how late it hears that the job ended, and what polling costs.

The shipped schedule (listdrop.poll_schedule, called as the poller calls it) is simulated over jobs from 1 minute
to 4 hours: every 2 s up to 10 minutes, then 1% longer each, plus, for each schedule, the durations that end just
after one of its polls (its worst cases). Jobs report their progress as counts of records done out of those handed
(read through JobStatus.share_done, as the poller reads them): steady; a slow start (5% of the work in the first 30%
of the time); a stall (nothing from 40% to 60% of the time); a fast finish (60% of the work in the last 30%); or
none at all (the blind schedule: SES exports, or an API whose counts do not move while it runs). Against them:
listdrop before (waits doubling from 10 s to 300 s: the schedule executions started before the change keep), and
fixed pollers every 5 s and 30 s (public samples of this job; see FACTS.md).

Lag is how long after the job's end the poll that sees it comes; its ratio is to the job's duration (jobs of a
minute and more). Polls are counted up to and including the one that sees the end.

Cost per job counts the polling only (the start is the same for every schedule): Step Functions state transitions
(counted on the synthesized state machine: the states entered per pass through the polling loop, once on the way in
and once on the way out, the poller not failing), Lambda invocations of the poller and job-API calls (one status
read per poll), priced at the list prices below. The last line is one JSON object with the headline figures.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "functions")]
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "CRITICAL")

from infra.constants import LAMBDA_HANDLERS  # noqa: E402
from infra.constructs.workflow import WAIT_STATE  # noqa: E402
from listdrop.models import JobState, JobStatus  # noqa: E402
from listdrop.poll_schedule import PollSettings, PollState  # noqa: E402
from localcloud.template import synthesize  # noqa: E402

# List prices, US East (N. Virginia), read 2026-11-30, free tiers left out:
# Step Functions Standard: $0.025 per 1,000 state transitions (https://aws.amazon.com/step-functions/pricing/).
# Lambda (x86, the poller's architecture): $0.20 per million requests, $0.0000166667 per GB-second
# (https://aws.amazon.com/lambda/pricing/; the same in AWS's "How AWS Pricing Works", Lambda).
PRICE_PER_TRANSITION = 0.025 / 1000
PRICE_PER_REQUEST = 0.20 / 1_000_000
PRICE_PER_GB_SECOND = 0.0000166667
# A poll reads one status and writes one progress record: a stated duration, not a measured one.
POLL_BILLED_SECONDS = 0.15

TEN_MINUTES, FOUR_HOURS = 600, 4 * 3600
RECORDS = 100_000  # records handed to each simulated job
STARTED = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
START = STARTED.timestamp()

# How the work is spread over the job's time: (share of the time, share of the work) corners.
Profile = tuple[tuple[float, float], ...] | None
PROFILES: dict[str, Profile] = {
    "steady": ((0, 0), (1, 1)),
    "slow start": ((0, 0), (0.3, 0.05), (1, 1)),
    "stall": ((0, 0), (0.4, 0.4), (0.6, 0.4), (1, 1)),
    "fast finish": ((0, 0), (0.7, 0.4), (1, 1)),
    "no progress": None,
}


def work_done(profile: Profile, time_share: float) -> float:
    """The share of the work done at a share of the job's time, along the profile's corners."""
    assert profile is not None
    for (t0, w0), (t1, w1) in itertools.pairwise(profile):
        if time_share <= t1:
            return w0 + (w1 - w0) * (time_share - t0) / (t1 - t0)
    return 1.0


def share_reported(profile: Profile, duration: float, elapsed: float) -> float | None:
    """What the poller reads at `elapsed` into a running job: its counts out of the records handed."""
    if profile is None:
        return None
    processed = int(RECORDS * work_done(profile, elapsed / duration))
    status = JobStatus(JobState.RUNNING, "PROCESSING", processed=processed)
    return status.share_done(RECORDS)


@dataclass(frozen=True)
class Seen:
    polls: int
    lag: float


Policy = Callable[[float, Profile], Seen]


def schedule_policy(seed: Callable[[], PollState]) -> Policy:
    """A policy that runs the shipped schedule from the state `seed` gives, as the poller does."""

    def run(duration: float, profile: Profile) -> Seen:
        state, now, polls = seed(), START, 0
        while True:
            now, polls, state = now + state.wait_seconds, polls + 1, state.polled()
            if now - START >= duration:
                return Seen(polls, now - START - duration)
            state = state.next_poll(now, progress=share_reported(profile, duration, now - START))

    return run


def fixed_policy(every: int) -> Policy:
    """A poll every `every` seconds from the start; the first at or after the end sees it (as the schedule's do)."""

    def run(duration: float, profile: Profile) -> Seen:
        polls = max(1, math.ceil(duration / every))
        return Seen(polls, polls * every - duration)

    return run


SETTINGS = PollSettings()
# Executions started before the blind schedule carry no job start: they double from 10 s up to the old 300 s cap.
BEFORE = {"state": "RUNNING", "attempt": 0, "waitSeconds": 10, "maxWaitSeconds": 300, "deadline": int(START) + 21600}
POLICIES: dict[str, tuple[Policy, bool]] = {  # name: (policy, whether it reads progress)
    "listdrop, progress-aware": (schedule_policy(lambda: PollState.initial(SETTINGS, STARTED)), True),
    "listdrop, blind": (schedule_policy(lambda: PollState.initial(SETTINGS, STARTED)), False),
    "before: doubling 10-300 s": (schedule_policy(lambda: PollState.from_state(BEFORE)), False),
    "fixed 5 s": (fixed_policy(5), False),
    "fixed 30 s": (fixed_policy(30), False),
}


def durations(worst_cases: Iterable[float]) -> list[float]:
    """Every 2 s up to 10 minutes, then 1% longer each up to 4 hours, plus the given worst cases in that range."""
    grid = [float(d) for d in range(60, TEN_MINUTES + 1, 2)]
    duration = float(TEN_MINUTES)
    while duration < FOUR_HOURS:
        duration = min(duration * 1.01, FOUR_HOURS)
        grid.append(duration)
    return sorted({*grid, *(d for d in worst_cases if 60 <= d <= FOUR_HOURS)})


def blind_poll_times(seed: PollState) -> list[float]:
    """When a schedule polls a job that reports nothing, up to 4 hours in: a job ending 1 s after one is its worst."""
    state, now, times = seed, START, []
    while now - START < FOUR_HOURS:
        now += state.wait_seconds
        times.append(now - START)
        state = state.polled().next_poll(now)
    return times


def worst_cases() -> list[float]:
    polled = blind_poll_times(PollState.initial(SETTINGS, STARTED)) + blind_poll_times(PollState.from_state(BEFORE))
    polled += [float(t) for every in (5, 30) for t in range(every, FOUR_HOURS, every)]
    return [t + 1 for t in polled]


@dataclass(frozen=True)
class Row:
    policy: str
    profile: str
    polls_10min: int
    polls_4h: int
    worst_lag_s: float
    worst_lag_ratio: float

    def figures(self) -> dict[str, float]:
        return {
            "polls_4h": self.polls_4h,
            "polls_10min": self.polls_10min,
            "worst_lag_ratio": round(self.worst_lag_ratio, 3),
            "worst_lag_s": round(self.worst_lag_s, 1),
        }


def simulate(name: str, profile_name: str, grid: list[float]) -> Row:
    policy, _ = POLICIES[name]
    profile = PROFILES[profile_name]
    seen = {duration: policy(duration, profile) for duration in grid}
    return Row(
        policy=name,
        profile=profile_name,
        polls_10min=policy(TEN_MINUTES, profile).polls,
        polls_4h=policy(FOUR_HOURS, profile).polls,
        worst_lag_s=max(s.lag for s in seen.values()),
        worst_lag_ratio=max(s.lag / d for d, s in seen.items()),
    )


def table(grid: list[float]) -> list[Row]:
    rows = []
    for name, (_, reads_progress) in POLICIES.items():
        for profile_name in PROFILES if reads_progress else ["no progress"]:
            rows.append(simulate(name, profile_name, grid))
    return rows


def print_table(rows: list[Row], jobs: int) -> None:
    print(f"Polls and detection lag, {jobs} job durations from 1 minute to 4 hours (lag ratio: to the job's duration)")
    print(f"{'schedule':<27} {'job progress':<13} {'polls 10 min':>12} {'polls 4 h':>9} {'worst lag':>10} {'ratio':>6}")
    for row in rows:
        print(
            f"{row.policy:<27} {row.profile:<13} {row.polls_10min:>12} {row.polls_4h:>9} "
            f"{row.worst_lag_s:>9.0f}s {row.worst_lag_ratio:>6.0%}"
        )


@dataclass(frozen=True)
class Transitions:
    """State transitions of one execution that polls n times: `start` + n * `per_poll` + `finish`."""

    start: int
    per_poll: int
    finish: int

    def of(self, polls: int) -> int:
        return self.start + polls * self.per_poll + self.finish


def _shortest(states: Mapping[str, Mapping[str, Any]], source: str, reached: Callable[[str], bool]) -> int:
    """How many states are entered on the shortest way from `source` (entered) to a state `reached` accepts
    (entered too), following Next, Default and Choices: the poller's Catch is not the usual way."""
    queue: deque[tuple[str, int]] = deque([(source, 1)])
    seen = {source}
    while queue:
        name, entered = queue.popleft()
        state = states[name]
        following = [state.get("Next"), state.get("Default")] + [c.get("Next") for c in state.get("Choices", [])]
        if not any(following) and reached(""):
            return entered  # an end state, when ends are what is sought
        for after in filter(None, following):
            if reached(after):
                return entered + 1
            if after not in seen:
                seen.add(after)
                queue.append((after, entered + 1))
    raise ValueError(f"nothing reached from {source!r}")


def transitions(definition: Mapping[str, Any]) -> Transitions:
    """Counted on the definition: the states from the start to the first wait, around the polling loop, and from
    the last wait to the end (the outcome published)."""
    states = definition["States"]
    to_first_wait = _shortest(states, definition["StartAt"], lambda name: name == WAIT_STATE) - 1
    loop = _shortest(states, WAIT_STATE, lambda name: name == WAIT_STATE) - 1
    to_end = _shortest(states, WAIT_STATE, lambda name: name == "")
    return Transitions(start=to_first_wait, per_poll=loop, finish=to_end - loop)


def workflow() -> tuple[Transitions, int]:
    """The synthesized stack's polling transitions and the poller's memory (MB)."""
    template = synthesize()
    resources = template["Resources"].values()
    machine = next(r for r in resources if r["Type"] == "AWS::StepFunctions::StateMachine")
    parts = machine["Properties"]["DefinitionString"]["Fn::Join"][1]
    definition = json.loads("".join(p if isinstance(p, str) else "ARN" for p in parts))
    poller = next(
        r
        for r in resources
        if r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("Handler") == LAMBDA_HANDLERS["poller"]
    )
    return transitions(definition), int(poller["Properties"].get("MemorySize", 128))


def print_costs(rows: list[Row], counted: Transitions, memory_mb: int) -> None:
    gb_seconds = memory_mb / 1024 * POLL_BILLED_SECONDS
    per_poll_lambda = PRICE_PER_REQUEST + gb_seconds * PRICE_PER_GB_SECOND
    print()
    print(
        f"Cost of polling one job (steady progress where read), at {counted.per_poll} state transitions a poll "
        f"+ {counted.start + counted.finish} once, a {memory_mb} MB poller billed {POLL_BILLED_SECONDS * 1000:.0f} ms "
        "a poll, one job-API call a poll; US East list prices of 2026-11-30"
    )
    print(f"{'schedule':<27} {'job':>6} {'transitions':>11} {'Lambda':>7} {'API calls':>9} {'USD':>10}")
    for row in rows:
        if row.profile != ("steady" if POLICIES[row.policy][1] else "no progress"):
            continue  # the progress-aware schedule costs what the blind one does when there is no progress
        for job, polls in (("10 min", row.polls_10min), ("4 h", row.polls_4h)):
            moves = counted.of(polls)
            usd = moves * PRICE_PER_TRANSITION + polls * per_poll_lambda
            print(f"{row.policy:<27} {job:>6} {moves:>11,} {polls:>7,} {polls:>9,} {usd:>10.5f}")


def main() -> None:
    grid = durations(worst_cases())
    rows = table(grid)
    print_table(rows, len(grid))
    counted, memory_mb = workflow()
    print_costs(rows, counted, memory_mb)
    pick = {(row.policy, row.profile): row for row in rows}
    summary = {
        "progress": pick["listdrop, progress-aware", "steady"].figures(),
        "blind": pick["listdrop, blind", "no progress"].figures(),
    }
    print(json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    main()

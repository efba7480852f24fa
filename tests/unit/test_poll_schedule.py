"""The poll schedule as a pure function: the waits, the cap, the deadline, the give-up time, the state it carries.

The poller's use of it (a job polled through a fake provider) is in test_poller.py; the worst-case count of polls
that infra/config.py derives from it, in tests/infra/test_history_limit.py.
"""

import itertools
import json
import math
from datetime import UTC, datetime, timedelta

import pytest

from listdrop import poll_schedule
from listdrop.poll_schedule import (
    RUNNING,
    SHORT_WAITS,
    PollSettings,
    PollState,
    blind_wait,
    expected_end_wait,
    give_up_at,
    next_wait,
)

STARTED = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
START = STARTED.timestamp()


# An execution started before the blind schedule: no job start, a 300 s cap (the old default).
OLDER = {"state": RUNNING, "attempt": 0, "waitSeconds": 10, "maxWaitSeconds": 300, "deadline": int(START) + 6 * 3600}


def waits_until_the_deadline(state: PollState, progress=lambda elapsed: None) -> list[int]:
    """Every wait of a job that runs past its deadline, polled the moment each wait ends."""
    now, waits = START, []
    while True:
        waits.append(state.wait_seconds)
        now += state.wait_seconds
        if state.polled().is_past_deadline(now):
            return waits
        state = state.polled().next_poll(now, progress=progress(now - START))


def test_the_blind_wait_is_a_quarter_of_the_time_the_job_has_run_between_the_floor_and_the_cap():
    waits = waits_until_the_deadline(PollState.initial(PollSettings(), STARTED))  # 10 s to 1,800 s, for 6 hours
    assert waits[:10] == [10, 10, 10, 10, 10, 12, 15, 19, 24, 30]
    assert max(waits) == 1800 and sum(waits) == 6 * 3600
    polled_at = [sum(waits[: i + 1]) for i in range(len(waits))]
    for before, after in itertools.pairwise(polled_at):
        # A job ending just after a poll is seen at most 25% of its duration later (the floor for the first 40 s).
        assert after - before <= max(10, before * 0.25) and after - before <= 1800
    assert len([t for t in polled_at if t < 4 * 3600]) + 1 <= 40, "a 4-hour job is seen within 40 polls"


def test_the_blind_wait_counts_from_the_job_not_the_upload():
    """The checks before the job started are not the job's time: 20 minutes of them do not lengthen the waits."""
    state = PollState.initial(PollSettings(), STARTED, job_started_at=STARTED + timedelta(minutes=20))
    assert state.deadline == int(START) + 6 * 3600
    assert blind_wait(state, START + 20 * 60 + 400) == 100
    assert blind_wait(state, START + 20 * 60 + 5) == 10, "the floor"


def test_an_older_execution_keeps_doubling_its_wait_up_to_its_cap():
    waits = waits_until_the_deadline(PollState.from_state(OLDER))
    assert waits[:8] == [10, 20, 40, 80, 160, 300, 300, 300]
    assert sum(waits) == 6 * 3600 and len(waits) == 5 + 70 + 1  # the last wait is shortened to land on it
    assert "jobStartedAt" not in PollState.from_state(OLDER).polled().next_poll(START + 10).to_state()


def test_the_wait_never_runs_past_the_deadline_and_is_never_below_a_second():
    state = PollState.initial(PollSettings(initial_wait_seconds=5, max_wait_seconds=12), STARTED)
    assert next_wait(state, START + 30) == 7  # 25% of 30 s
    assert next_wait(state, START + 6 * 3600 - 3) == 3
    assert next_wait(state, START + 6 * 3600 - 0.5) == 1
    assert next_wait(state, START + 6 * 3600 + 60) == 1


def test_a_cap_at_the_floor_holds_every_wait():
    settings = PollSettings(initial_wait_seconds=7, max_wait_seconds=7, job_max_duration_seconds=70)
    assert set(waits_until_the_deadline(PollState.initial(settings, STARTED))) == {7}


def test_steady_progress_is_polled_just_after_its_expected_end():
    """A 10-minute job half done after 300 s: the next poll comes 3% of its duration after the expected end."""
    state = PollState.initial(PollSettings(), STARTED).polled()
    assert expected_end_wait(state, START + 300, 0.5) == 300 + 18
    after = state.next_poll(START + 300, progress=0.5)
    assert after.wait_seconds == 318 and (after.progress, after.progress_at) == (0.5, int(START) + 300)
    # The next estimate uses the rate between the last two readings: a job that slowed is polled again soon after.
    remaining = 0.1 / (0.4 / 318)
    assert expected_end_wait(after.polled(), START + 618, 0.9) == math.ceil(remaining + 0.03 * (618 + remaining)) == 101


def test_a_progress_aware_wait_reaches_at_most_three_times_the_time_the_job_has_run():
    """A rate read early (in a slow start, say) may be far below the rate to come: the estimate is not trusted
    further ahead than that, nor past the cap."""
    state = PollState.initial(PollSettings(), STARTED).polled()
    assert expected_end_wait(state, START + 10, 10 / 600) == 30
    assert next_wait(state, START + 1000, 1000 / 14400) == 1800


def test_a_four_hour_job_with_steady_progress_is_polled_at_most_twelve_times():
    state, now, polls = PollState.initial(PollSettings(), STARTED), START, 0
    while now - START < 4 * 3600:
        now, polls = now + state.wait_seconds, polls + 1
        state = state.polled().next_poll(now, progress=min(1.0, (now - START) / (4 * 3600)))
    assert polls <= 12 and now - START - 4 * 3600 <= 0.1 * 4 * 3600


@pytest.mark.parametrize(
    ("previous", "progress", "why"),
    [
        (None, None, "no progress reported"),
        (None, 0.0, "nothing done yet"),
        (0.4, 0.4, "stalled"),
        (0.4, 0.3, "went back"),
        (0.4, 1.0, "all done but still running"),
    ],
)
def test_progress_that_says_nothing_of_the_end_falls_back_to_the_blind_wait(previous, progress, why):
    state = PollState.initial(PollSettings(), STARTED)
    if previous is not None:
        state = state.next_poll(START + 100, progress=previous)
    assert expected_end_wait(state, START + 400, progress) is None, why
    assert next_wait(state, START + 400, progress) == blind_wait(state, START + 400) == 100


def test_progress_aware_waits_shorter_than_the_blind_one_are_rationed():
    """Whatever a job reports, at most SHORT_WAITS waits come sooner than the blind schedule would."""
    state, now = PollState.initial(PollSettings(), STARTED), START + 3600
    for step in range(SHORT_WAITS + 3):  # a job always "about to end": 90% of what is left done at every poll
        state = state.polled().next_poll(now, progress=1 - 0.001 * 0.1**step)
        now += state.wait_seconds
    assert state.short_waits == SHORT_WAITS
    assert state.wait_seconds == blind_wait(state, now - state.wait_seconds)


def test_each_poll_precomputes_the_blind_wait_for_the_workflow_to_back_off_from():
    state = PollState.initial(PollSettings(), STARTED)
    assert state.backoff_seconds == 10
    aware = state.polled().next_poll(START + 600, progress=0.999)  # a short progress-aware wait
    assert aware.wait_seconds < 150 and aware.backoff_seconds == blind_wait(aware, START + 600 + aware.wait_seconds)
    older = PollState.from_state(OLDER).polled().next_poll(START + 10)
    assert (older.wait_seconds, older.backoff_seconds) == (20, 40), "older executions: the doubling"


def test_the_deadline_is_the_job_maximum_after_the_upload_started():
    state = PollState.initial(PollSettings(job_max_duration_seconds=600), STARTED)
    assert state.deadline == int(START) + 600
    assert not state.is_past_deadline(START + 599.9)
    assert state.is_past_deadline(START + 600)


def test_each_poll_tells_the_workflow_when_to_stop_waiting_for_a_poller_that_fails_next():
    """The window counts from the next poll (the first that could fail), is capped by the deadline, and is written
    as Step Functions' timestamps are (UTC, `Z`), so the workflow can compare it with $$.State.EnteredTime."""
    now = STARTED + timedelta(seconds=30)
    state = PollState(RUNNING, 1, wait_seconds=10, max_wait_seconds=300, deadline=int(START) + 600)
    state = PollState.from_state({**state.to_state(), "unreadableLimitSeconds": 300})
    assert give_up_at(state, now.timestamp()) == "2026-11-22T09:05:40Z"  # 30 + 10 + 300 s after the start
    shorter = PollState.from_state({**state.to_state(), "deadline": int(START) + 120})
    assert give_up_at(shorter, now.timestamp()) == "2026-11-22T09:02:00Z"
    since = int((STARTED + timedelta(seconds=5)).timestamp())
    assert give_up_at(state, now.timestamp(), since) == "2026-11-22T09:05:05Z", "an outage already under way"
    # compared as strings: later by the next second at the most
    assert "2026-11-22T09:05:04.999Z" < "2026-11-22T09:05:05.999Z" < "2026-11-22T09:05:05Z" < "2026-11-22T09:05:06.000Z"


def test_an_execution_without_a_status_unreadable_limit_gets_the_default_window():
    older = PollState.from_state({"state": RUNNING, "waitSeconds": 10, "maxWaitSeconds": 300, "deadline": 0})
    assert older.unreadable_limit == poll_schedule.DEFAULT_UNREADABLE_LIMIT_SECONDS == 1800
    assert older.attempt == 0 and "unreadableLimitSeconds" not in older.to_state()


def test_an_outage_counts_from_its_first_failed_read_or_from_the_first_poller_failure_if_earlier():
    state = PollState.initial(PollSettings(status_unreadable_seconds=300), STARTED)
    assert state.outage_start(START + 40) == START + 40
    during = state.next_poll(START + 40, unreadable_since=int(START) + 40)
    assert during.outage_start(START + 200) == START + 40, "kept, not reset"
    assert during.outage_start(START + 200, poller_failing_since=int(START) + 20) == START + 20
    assert during.outage_start(START + 200, poller_failing_since=int(START) + 60) == START + 40
    assert state.may_stay_unreadable(int(START) + 40, START + 339)
    assert not state.may_stay_unreadable(int(START) + 40, START + 340)
    assert not state.may_stay_unreadable(int(START) + 6 * 3600 - 10, START + 6 * 3600), "never past the deadline"


def test_the_next_poll_carries_the_wait_the_outage_and_the_give_up_time():
    state = PollState.initial(PollSettings(initial_wait_seconds=10, status_unreadable_seconds=300), STARTED)
    running = state.polled().next_poll(START + 10)
    assert (running.attempt, running.wait_seconds, running.unreadable_since) == (1, 10, None)
    assert running.give_up_at == "2026-11-22T09:05:20Z"  # polled 10 s in, next in 10 s, then 300 s
    unreadable = running.polled().next_poll(START + 20, unreadable_since=int(START) + 20)
    assert (unreadable.attempt, unreadable.wait_seconds, unreadable.unreadable_since) == (2, 10, int(START) + 20)
    assert unreadable.give_up_at == "2026-11-22T09:05:20Z", "the same window: from the first failed read"
    assert unreadable.finished("SUCCEEDED").state == "SUCCEEDED"


def test_the_state_the_starter_seeds_is_the_execution_inputs_poll_object():
    settings = PollSettings(
        initial_wait_seconds=5, max_wait_seconds=60, job_max_duration_seconds=3600, status_unreadable_seconds=1800
    )
    assert PollState.initial(settings, STARTED).to_state() == {
        "state": "RUNNING",
        "attempt": 0,
        "waitSeconds": 5,
        "maxWaitSeconds": 60,
        "deadline": int(START) + 3600,
        "unreadableLimitSeconds": 1800,
        "jobStartedAt": int(START),
        "minWaitSeconds": 5,
        "waitPercent": 25,
        "backoffSeconds": 5,
    }


@pytest.mark.parametrize(
    "state",
    [
        PollState.initial(PollSettings(), STARTED),
        PollState.initial(PollSettings(), STARTED).polled().next_poll(START + 10, unreadable_since=int(START) + 10),
        PollState.initial(PollSettings(), STARTED).polled().next_poll(START + 10, progress=0.125),
        PollState.from_state(OLDER),
        PollState(RUNNING, 3, 40, 300, int(START) + 600).finished("TIMED_OUT"),
    ],
)
def test_the_state_survives_a_round_trip_through_json(state):
    assert PollState.from_state(json.loads(json.dumps(state.to_state()))) == state


def test_the_state_carries_every_field_the_workflow_reads():
    """infra/constructs/workflow.py builds its paths from these names (it imports them from the module)."""
    fields = PollState(RUNNING, 1, 10, 300, 0, give_up_at="2026-11-22T09:05:30Z").to_state()
    assert {poll_schedule.STATE, poll_schedule.WAIT_SECONDS, poll_schedule.MAX_WAIT_SECONDS} <= set(fields)
    assert poll_schedule.GIVE_UP_AT in fields
    assert fields[poll_schedule.STATE] == poll_schedule.RUNNING

"""The poll schedule as a pure function: the waits, the cap, the deadline, the give-up time, the state it carries.

The poller's use of it (a job polled through a fake provider) is in test_poller.py; the worst-case count of polls
that infra/config.py derives from it, in tests/infra/test_history_limit.py.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest

from listdrop import poll_schedule
from listdrop.poll_schedule import RUNNING, PollSettings, PollState, give_up_at, next_wait

STARTED = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
START = STARTED.timestamp()


def waits_until_the_deadline(settings: PollSettings) -> list[int]:
    """Every wait of a job that runs past its deadline, polled the moment each wait ends."""
    state, now, waits = PollState.initial(settings, STARTED), START, []
    while True:
        waits.append(state.wait_seconds)
        now += state.wait_seconds
        if state.polled().is_past_deadline(now):
            return waits
        state = state.polled().next_poll(now)


def test_the_first_wait_is_the_initial_one_then_each_doubles_up_to_the_cap():
    waits = waits_until_the_deadline(PollSettings())  # 10 s doubling to 300 s, for 6 hours
    assert waits[:8] == [10, 20, 40, 80, 160, 300, 300, 300]
    assert sum(waits) == 6 * 3600 and len(waits) == 5 + 70 + 1  # the last wait is shortened to land on it


def test_the_wait_never_runs_past_the_deadline_and_is_never_below_a_second():
    state = PollState.initial(PollSettings(initial_wait_seconds=5, max_wait_seconds=12), STARTED)
    assert next_wait(state, START + 30) == 10
    assert next_wait(state, START + 6 * 3600 - 3) == 3
    assert next_wait(state, START + 6 * 3600 - 0.5) == 1
    assert next_wait(state, START + 6 * 3600 + 60) == 1


def test_a_cap_below_twice_the_wait_holds_from_the_first_doubling():
    assert waits_until_the_deadline(PollSettings(initial_wait_seconds=5, max_wait_seconds=12))[:4] == [5, 10, 12, 12]
    assert set(
        waits_until_the_deadline(PollSettings(initial_wait_seconds=7, max_wait_seconds=7, job_max_duration_seconds=70))
    ) == {7}


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
    assert (running.attempt, running.wait_seconds, running.unreadable_since) == (1, 20, None)
    assert running.give_up_at == "2026-11-22T09:05:30Z"  # polled 10 s in, next in 20 s, then 300 s
    unreadable = running.polled().next_poll(START + 30, unreadable_since=int(START) + 30)
    assert (unreadable.attempt, unreadable.wait_seconds, unreadable.unreadable_since) == (2, 40, int(START) + 30)
    assert unreadable.give_up_at == "2026-11-22T09:05:30Z", "the same window: from the first failed read"
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
    }


@pytest.mark.parametrize(
    "state",
    [
        PollState.initial(PollSettings(), STARTED),
        PollState.initial(PollSettings(), STARTED).polled().next_poll(START + 10, unreadable_since=int(START) + 10),
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

"""Settings under which one job's workflow could reach Step Functions' 25,000-event history quota are refused.

The arithmetic is pure (infra/config.py) and bounds the polls of listdrop.poll_schedule; the per-poll cost comes
from the definition (infra/constructs/workflow.py, counted on the synthesized template in test_pipeline_shape.py).
"""

import re
from datetime import UTC, datetime

import pytest

from infra.config import (
    HISTORY_EVENT_BUDGET,
    ConfigError,
    HistoryCosts,
    ListdropConfig,
    check_history_limit,
    history_events,
    worst_case_polls,
)
from listdrop.poll_schedule import SHORT_WAITS, PollSettings, PollState

pytestmark = pytest.mark.infra

# What the deployed definition costs today (see test_the_history_each_poll_costs_is_counted_from_the_definition).
COSTS = HistoryCosts(per_poll=39, once=91)


def test_polls_wait_a_share_of_the_elapsed_time_up_to_the_cap_until_the_deadline():
    # 28 growing waits (10 s, 10 s, ..., 1,641 s) reach 8,206 s; then 1,800 s each: (21,600 + 1,800 - 8,206) / 1,800
    # rounds up to 9 more; plus the short progress-aware waits and 3 at the end
    defaults = {"initial_wait": 10, "max_wait": 1800, "job_max": 21600, "unreadable": 1800, "wait_percent": 25}
    assert worst_case_polls(**defaults) == 28 + 9 + SHORT_WAITS + 3
    assert worst_case_polls(initial_wait=10, max_wait=10, job_max=100, unreadable=10, wait_percent=25) == 11 + 6 + 3
    # a poller that never answers is given the window, counted in waits, even past a shorter deadline
    assert worst_case_polls(initial_wait=1, max_wait=1, job_max=5, unreadable=50, wait_percent=25) == 51 + 6 + 3


def _polls(settings: PollSettings, *, readable: bool, nearly_done: bool = False) -> int:
    """How many polls listdrop.poll_schedule makes of a job that never ends, each the moment its wait is over;
    `nearly_done`: a job that reports at every poll that it is about to end (the most short waits it can draw)."""
    started = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    state, now, polls = PollState.initial(settings, started), started.timestamp(), 0
    while True:
        now, polls, state = now + state.wait_seconds, polls + 1, state.polled()
        if readable and state.is_past_deadline(now):
            return polls  # timed out
        since = None if readable else state.outage_start(now)
        if since is not None and not state.may_stay_unreadable(since, now):
            return polls  # status unreadable for the window
        progress = 1 - 0.1 ** min(polls, 15) if nearly_done and readable else None
        state = state.next_poll(now, unreadable_since=since, progress=progress)


@pytest.mark.parametrize(
    ("initial_wait", "max_wait", "job_max", "unreadable", "wait_percent"),
    [
        (10, 1800, 21600, 1800, 25),
        (10, 300, 21600, 1800, 25),
        (1, 2, 120, 20, 25),
        (5, 12, 600, 300, 10),
        (7, 7, 70, 1000, 25),
        (1, 1, 5, 50, 25),
        (3, 500, 90, 40, 100),
        (1, 3600, 86400, 600, 1),
    ],
)
def test_the_count_bounds_the_schedule_the_poller_keeps(initial_wait, max_wait, job_max, unreadable, wait_percent):
    """worst_case_polls bounds the poll schedule in closed form: it must count at least the polls the schedule
    makes, whether the job's status can be read or not, and whatever progress the job reports."""
    bound = worst_case_polls(
        initial_wait=initial_wait, max_wait=max_wait, job_max=job_max, unreadable=unreadable, wait_percent=wait_percent
    )
    settings = PollSettings(initial_wait, max_wait, job_max, unreadable, wait_percent)
    assert _polls(settings, readable=True) <= bound
    assert _polls(settings, readable=True, nearly_done=True) <= bound
    assert _polls(settings, readable=False) <= bound


def test_the_defaults_and_the_local_clouds_settings_fit():
    defaults = {"initial_wait": 10, "max_wait": 1800, "job_max": 21600, "unreadable": 1800, "wait_percent": 25}
    assert history_events(COSTS, **defaults) == 91 + 46 * 39
    check_history_limit(ListdropConfig(), COSTS)
    check_history_limit(
        ListdropConfig(
            poll_initial_wait_seconds=1,
            poll_max_wait_seconds=2,
            job_max_duration_seconds=120,
            status_unreadable_seconds=20,
        ),
        COSTS,
    )


def test_polling_often_for_days_is_refused_with_why_and_what_to_change():
    config = ListdropConfig(poll_max_wait_seconds=10, job_max_duration_seconds=6 * 24 * 3600)
    with pytest.raises(ConfigError) as refused:
        check_history_limit(config, COSTS)
    message = str(refused.value)
    assert "25,000 events" in message and "service-quotas" in message
    assert "polled up to 52,150 times" in message  # 51,850 blind polls and 300 quick ones of a list export
    wait = int(re.search(r"pollMaxWaitSeconds to at least (\d+)", message).group(1))
    longest = int(re.search(r"jobMaxDurationSeconds to at most (\d+)", message).group(1))
    # The remedies are the tightest that fit: each fits, and one step further does not.
    check_history_limit(ListdropConfig(poll_max_wait_seconds=wait, job_max_duration_seconds=6 * 24 * 3600), COSTS)
    with pytest.raises(ConfigError):
        check_history_limit(
            ListdropConfig(poll_max_wait_seconds=wait - 1, job_max_duration_seconds=6 * 24 * 3600), COSTS
        )
    check_history_limit(ListdropConfig(poll_max_wait_seconds=10, job_max_duration_seconds=longest), COSTS)
    with pytest.raises(ConfigError):
        check_history_limit(ListdropConfig(poll_max_wait_seconds=10, job_max_duration_seconds=longest + 1), COSTS)
    events = history_events(
        COSTS, initial_wait=10, max_wait=wait, job_max=6 * 24 * 3600, unreadable=1800, wait_percent=25
    )
    assert events <= HISTORY_EVENT_BUDGET


def test_the_stack_refuses_such_settings_at_synthesis(tmp_path):
    from app import build_app

    context = {"listdrop:pollMaxWaitSeconds": 10, "listdrop:jobMaxDurationSeconds": 6 * 24 * 3600}
    with pytest.raises(ConfigError, match="Step Functions Standard execution fails when its history reaches"):
        build_app(outdir=str(tmp_path), context=context)

from datetime import UTC, datetime, timedelta

import pytest

from listdrop.errors import ProviderUnavailable
from listdrop.models import JobState, JobStatus, S3Object
from listdrop.poll_schedule import PollSettings, PollState
from listdrop.poller import POLLER_FAILURE, Poller
from listdrop.routing import route
from listdrop.upload import Upload
from tests.unit.fakes import FakeProvider, FakeReports

STARTED = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
KEY = "imports/ses/contact-lists/News/put/a.csv"


@pytest.fixture
def env(aws):
    provider, reports = FakeProvider(), FakeReports()
    clock = {"now": STARTED + timedelta(seconds=30)}
    poller = Poller(aws["store"], reports, lambda name: provider, clock=lambda: clock["now"])
    upload = Upload.accepted("t1", route(KEY), S3Object("uploads", KEY, "v1", 10), STARTED.isoformat()).with_job("j")
    aws["store"].claim(upload, now=int(STARTED.timestamp()), lease_seconds=60)
    state = {
        "upload": upload.to_state(),
        "poll": {
            "state": "RUNNING",
            "attempt": 0,
            "waitSeconds": 5,
            "maxWaitSeconds": 12,
            "deadline": int(STARTED.timestamp()) + 600,
        },
    }
    return {**aws, "provider": provider, "reports": reports, "clock": clock, "poller": poller, "state": state}


def test_a_running_job_waits_longer_each_time_up_to_the_cap(env):
    state = env["state"]
    waits = []
    for _ in range(3):
        state = env["poller"].poll(state)
        waits.append(state["poll"]["waitSeconds"])
    assert waits == [10, 12, 12]
    assert state["poll"]["state"] == "RUNNING"
    assert state["poll"]["attempt"] == 3
    assert "outcome" not in state
    assert env["table"].get_item(Key={"trackingId": "t1"})["Item"]["providerStatus"] == "PROCESSING"


def test_a_job_reporting_progress_is_polled_just_after_its_expected_end(env):
    """Half of the 1,000 records the checker handed it are done (or failed) 30 s in: the rest should take 30 s."""
    upload = Upload.from_state(env["state"]["upload"]).with_validation({"rowsAccepted": 1000}, None)
    state = {"upload": upload.to_state(), "poll": PollState.initial(PollSettings(), STARTED).to_state()}
    env["provider"].statuses.append(JobStatus(JobState.RUNNING, "PROCESSING", processed=450, failed=50))
    poll = env["poller"].poll(state)["poll"]
    assert (poll["waitSeconds"], poll["progress"]) == (30 + 2, 0.5)  # at least 2 s after the expected end


def test_a_job_whose_size_is_unknown_is_polled_blind(env):
    """No records handed (an export, or an older execution's upload): counts alone say nothing of the end."""
    state = {**env["state"], "poll": PollState.initial(PollSettings(), STARTED).to_state()}
    env["provider"].statuses.append(JobStatus(JobState.RUNNING, "PROCESSING", processed=450))
    poll = env["poller"].poll(state)["poll"]
    assert (poll["waitSeconds"], poll.get("progress")) == (10, None)  # 25% of 30 s is below the 10 s floor


def test_the_wait_never_overshoots_the_deadline(env):
    env["clock"]["now"] = STARTED + timedelta(seconds=597)
    assert env["poller"].poll(env["state"])["poll"]["waitSeconds"] == 3


def test_completion_with_failed_records_copies_the_report_and_says_so(env):
    env["provider"].statuses.append(
        JobStatus(JobState.SUCCEEDED, "COMPLETED", processed=9, failed=1, failed_records_url="https://ses/x")
    )
    state = env["poller"].poll(env["state"])
    assert state["poll"]["state"] == "SUCCEEDED"
    detail = state["outcome"]["detail"]
    assert state["outcome"]["detailType"] == "Import Succeeded"
    assert detail["failureReport"] == "s3://bucket/reports/t1/failed-records.csv"
    assert detail["records"] == {"processed": 9, "failed": 1}
    assert env["reports"].copied == [("https://ses/x", "t1")]
    item = env["table"].get_item(Key={"trackingId": "t1"})["Item"]
    assert (item["status"], item["failedRecords"], item["failureReport"]) == (
        "SUCCEEDED",
        1,
        "s3://bucket/reports/t1/failed-records.csv",
    )


def test_a_failed_job_reports_the_providers_reason(env):
    env["provider"].statuses.append(JobStatus(JobState.FAILED, "FAILED", error_message="Too many records"))
    detail = env["poller"].poll(env["state"])["outcome"]["detail"]
    assert (detail["outcome"], detail["reasonCode"], detail["reason"]) == ("FAILED", "JOB_FAILED", "Too many records")


def test_a_job_still_running_at_the_deadline_times_out(env):
    env["clock"]["now"] = STARTED + timedelta(seconds=601)
    state = env["poller"].poll(env["state"])
    assert state["outcome"]["detailType"] == "Import Timed Out"
    assert state["outcome"]["detail"]["reason"].startswith("The job was still PROCESSING after 10 minutes")
    assert env["table"].get_item(Key={"trackingId": "t1"})["Item"]["status"] == "TIMED_OUT"


def test_a_report_that_cannot_be_copied_is_named_in_the_reason_not_lost_silently(env):
    env["reports"].error = ProviderUnavailable("connection reset")
    env["provider"].statuses.append(
        JobStatus(JobState.SUCCEEDED, "COMPLETED", processed=2, failed=1, failed_records_url="https://ses/x")
    )
    detail = env["poller"].poll(env["state"])["outcome"]["detail"]
    assert detail["failureReport"] is None
    assert "could not be copied" in detail["reason"]


class Down(FakeProvider):
    def status(self, job_id):
        raise ProviderUnavailable("GetImportJob failed transiently (InternalFailure)")


def test_an_unreadable_status_backs_off_and_remembers_since_when(env):
    env["state"]["poll"]["unreadableLimitSeconds"] = 300
    poller = Poller(env["store"], env["reports"], lambda name: Down(), clock=lambda: env["clock"]["now"])
    state = poller.poll(env["state"])
    assert state["poll"]["state"] == "RUNNING"
    assert state["poll"]["unreadableSince"] == int((STARTED + timedelta(seconds=30)).timestamp())
    assert state["poll"]["waitSeconds"] == 10
    env["clock"]["now"] += timedelta(seconds=200)
    state = poller.poll(state)
    assert state["poll"]["unreadableSince"] == int((STARTED + timedelta(seconds=30)).timestamp()), "kept, not reset"
    # one good read forgets the outage
    state = env["poller"].poll(state)
    assert "unreadableSince" not in state["poll"]


def test_a_status_unreadable_for_the_configured_time_ends_as_a_failure(env):
    env["state"]["poll"]["unreadableLimitSeconds"] = 300
    poller = Poller(env["store"], env["reports"], lambda name: Down(), clock=lambda: env["clock"]["now"])
    state = poller.poll(env["state"])
    env["clock"]["now"] += timedelta(seconds=299)
    assert "outcome" not in poller.poll(state)
    env["clock"]["now"] += timedelta(seconds=2)
    state = poller.poll(state)
    detail = state["outcome"]["detail"]
    assert state["outcome"]["detailType"] == "Import Failed"
    assert (detail["outcome"], detail["reasonCode"]) == ("FAILED", "STATUS_UNREADABLE")
    assert detail["reason"] == (
        "listdrop could not read the job status for 5 minutes "
        "(last error: GetImportJob failed transiently (InternalFailure))."
    )
    assert env["table"].get_item(Key={"trackingId": "t1"})["Item"]["status"] == "FAILED"


def test_an_unreadable_status_at_the_deadline_ends_at_once(env):
    env["clock"]["now"] = STARTED + timedelta(seconds=601)
    poller = Poller(env["store"], env["reports"], lambda name: Down(), clock=lambda: env["clock"]["now"])
    assert poller.poll(env["state"])["outcome"]["detail"]["reasonCode"] == "STATUS_UNREADABLE"


# -- for the workflow's own loop when the poller fails (infra/constructs/workflow.py; the give-up time itself:
# test_poll_schedule.py) --------------------------------------------------------------------------------------


def test_a_running_job_and_an_unreadable_status_both_carry_the_give_up_time(env):
    env["state"]["poll"]["unreadableLimitSeconds"] = 300
    state = env["poller"].poll(env["state"])
    assert state["poll"]["giveUpAt"] == "2026-11-22T09:05:40Z"  # polled 30 s in, next in 10 s, then 300 s
    poller = Poller(env["store"], env["reports"], lambda name: Down(), clock=lambda: env["clock"]["now"])
    env["clock"]["now"] += timedelta(seconds=10)
    state = poller.poll(state)
    assert state["poll"]["giveUpAt"] == "2026-11-22T09:05:40Z", "the same window: from the first failed read"


def test_a_poll_after_poller_failures_drops_the_note_and_counts_them_as_unreadable_time(env):
    """The workflow noted the poller failing since 09:00:40; the status is still unreadable at 09:04: the window
    runs from 09:00:40, not from now."""
    env["state"]["poll"]["unreadableLimitSeconds"] = 300
    env["clock"]["now"] = STARTED + timedelta(minutes=4)
    failing = {"since": "2026-11-22T09:00:40.123Z", "at": "2026-11-22T09:03:58.5Z", "error": "Sandbox.Timedout"}
    failing |= {"waitedSeconds": 12}
    poller = Poller(env["store"], env["reports"], lambda name: Down(), clock=lambda: env["clock"]["now"])
    state = poller.poll({**env["state"], POLLER_FAILURE: failing})
    assert POLLER_FAILURE not in state
    assert state["poll"]["unreadableSince"] == int((STARTED + timedelta(seconds=40)).timestamp())
    env["clock"]["now"] = STARTED + timedelta(seconds=341)
    assert poller.poll(state)["outcome"]["detail"]["reasonCode"] == "STATUS_UNREADABLE"

    readable = env["poller"].poll({**env["state"], POLLER_FAILURE: failing})
    assert POLLER_FAILURE not in readable and "unreadableSince" not in readable["poll"], "a good read forgets both"

"""An upload split into several jobs: started in order, exactly one job per part after any crash, and tracked as one
job whose status combines them (providers/split_jobs.py)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from listdrop.errors import ProviderRequestRejected, ProviderUnavailable
from listdrop.models import JobState, JobStatus, Outcome, S3Object
from listdrop.outcome import build_event
from listdrop.poll_schedule import PollSettings, PollState
from listdrop.poller import Poller
from listdrop.providers.base import ImportRequest
from listdrop.providers.split_jobs import NOT_STARTED, SplitJobs, compose, parts_of
from listdrop.routing import route
from listdrop.upload import Upload, tracking_id_for
from listdrop.validation import formats
from tests.unit.conftest import BUCKET
from tests.unit.fakes import FakeProvider, FakeReports
from tests.unit.test_starter import NOW, env, upload  # noqa: F401  (env: the starter's fixture)

KEY = "imports/ses/suppression-list/delete/many.csv"
ADDRESSES = [f"user{n}@example.com" for n in range(25)]
BODY = "".join(f"{address}\n" for address in ADDRESSES).encode()


@pytest.fixture(autouse=True)
def ten_per_delete_job(monkeypatch):
    """SES takes 10,000 addresses per DELETE job; 10 keeps the files small."""
    monkeypatch.setattr(formats, "SUPPRESSION_DELETE_RECORD_LIMIT", 10)


@dataclass
class PartsProvider(FakeProvider):
    """Fails the n-th start call (from 1) as told: before the job exists, or after it (a crash)."""

    fail_before: dict[int, Exception] = field(default_factory=dict)
    crash_after: dict[int, Exception] = field(default_factory=dict)
    calls: int = 0

    def start(self, request: ImportRequest) -> str:
        self.calls += 1
        if self.calls in self.fail_before:
            raise self.fail_before.pop(self.calls)
        job_id = super().start(request)
        if self.calls in self.crash_after:
            raise self.crash_after.pop(self.calls)
        return job_id


@pytest.fixture
def parts(env):  # noqa: F811  (the starter's fixture, imported)
    provider = PartsProvider()
    env["starter"]._providers = lambda name: provider
    return {**env, "provider": provider}


def started_job_id(setup, version: str) -> str:
    tracking_id = tracking_id_for(BUCKET, KEY, version)
    return str(json.loads(setup["sfn"].executions[tracking_id])["upload"]["jobId"])


def test_a_file_over_one_jobs_limit_starts_one_job_per_part_in_order(parts):
    event, version = upload(parts, KEY, BODY)
    parts["starter"].handle_notification(event)
    tracking_id = tracking_id_for(BUCKET, KEY, version)
    keys = [request.source.key for request in parts["provider"].started]
    assert keys == [
        f"staging/ses-import/{tracking_id}.csv",
        f"staging/ses-import/{tracking_id}.part-0002.csv",
        f"staging/ses-import/{tracking_id}.part-0003.csv",
    ]
    staged = [parts["s3"].get_object(Bucket=BUCKET, Key=key)["Body"].read().decode() for key in keys]
    assert [[row for [row] in csv.reader(io.StringIO(text))] for text in staged] == [
        ADDRESSES[0:10],
        ADDRESSES[10:20],
        ADDRESSES[20:25],
    ]
    assert started_job_id(parts, version) == "split:10@job-1,10@job-2,5@job-3"
    state = json.loads(parts["sfn"].executions[tracking_id])["upload"]
    assert (state["validation"]["jobs"], state["validation"]["rowsPerJob"]) == (3, 10)
    assert state["staged"]["key"] == keys[0]
    assert state["notice"]["rows"] == "25 of 25 rows accepted, in 3 jobs of at most 10 rows"
    item = parts["table"].get_item(Key={"trackingId": tracking_id})["Item"]
    assert item["providerJobId"] == "split:10@job-1,10@job-2,5@job-3"


@pytest.mark.parametrize("crashed_after", [1, 2, 3])
def test_a_crash_after_any_part_started_converges_on_one_job_per_part(parts, crashed_after):
    event, version = upload(parts, KEY, BODY)
    parts["provider"].crash_after[crashed_after] = RuntimeError("the Lambda died before recording the job ids")
    with pytest.raises(RuntimeError):
        parts["starter"].handle_notification(event)
    assert len(parts["provider"].started) == crashed_after
    parts["clock"].now = NOW.replace(minute=5)  # the lease expires; the queue redelivers
    parts["starter"].handle_notification(event)
    sources = [request.source.uri for request in parts["provider"].started]
    assert len(sources) == len(set(sources)) == 3, "exactly one job per part"
    assert started_job_id(parts, version) == "split:10@job-1,10@job-2,5@job-3"
    # Parts start in order: the search stops at the first part without a job.
    assert len(parts["provider"].lookups) == min(crashed_after + 1, 3)


def test_a_throttled_part_hands_the_upload_back_and_the_retry_adopts_the_parts_started(parts):
    event, version = upload(parts, KEY, BODY)
    parts["provider"].fail_before[2] = ProviderUnavailable("CreateImportJob was throttled", may_have_run=False)
    with pytest.raises(ProviderUnavailable):
        parts["starter"].handle_notification(event)
    tracking_id = tracking_id_for(BUCKET, KEY, version)
    assert parts["table"].get_item(Key={"trackingId": tracking_id})["Item"]["mayHaveJob"] is True
    parts["clock"].now = NOW.replace(second=5)
    parts["starter"].handle_notification(event)
    assert len(parts["provider"].started) == 3
    assert len(parts["provider"].lookups) == 2, "part 1 adopted, part 2 not found: no search for part 3"
    assert started_job_id(parts, version) == "split:10@job-1,10@job-2,5@job-3"


def test_a_part_refused_after_others_started_is_tracked_as_not_started(parts):
    event, version = upload(parts, KEY, BODY)
    parts["provider"].fail_before[2] = ProviderRequestRejected("CreateImportJob was refused: BadRequest")
    parts["starter"].handle_notification(event)
    assert started_job_id(parts, version) == "split:10@job-1,10@,5@"


def test_a_first_part_refused_ends_the_upload_before_any_job(parts):
    event, version = upload(parts, KEY, BODY)
    parts["provider"].fail_before[1] = ProviderRequestRejected("CreateImportJob was refused: BadRequest")
    parts["starter"].handle_notification(event)
    state = json.loads(parts["sfn"].executions[tracking_id_for(BUCKET, KEY, version)])
    assert state["outcome"]["detail"]["reasonCode"] == "PROVIDER_REFUSED"


# -- one status for the parts -----------------------------------------------------------------------------


def test_the_split_id_names_each_part_and_its_rows():
    job_id = compose(["a", "b", "c"], [10, 10, 5])
    assert [(p.number, p.job_id, p.first_row, p.last_row) for p in parts_of(job_id) or ()] == [
        (1, "a", 1, 10),
        (2, "b", 11, 20),
        (3, "c", 21, 25),
    ]
    assert parts_of("a-job-id") is None
    with pytest.raises(ValueError, match="separates"):
        compose(["a,b"], [1])


def split_status(*statuses: JobStatus, job_ids=("a", "b", "c")) -> JobStatus:
    provider = FakeProvider(statuses=list(statuses))
    return SplitJobs(provider).status(compose(list(job_ids), [10, 10, 5][: len(job_ids)]))


DONE = JobStatus(JobState.SUCCEEDED, "COMPLETED", processed=10, completed_at="2026-11-22T09:05:00+00:00")


def test_a_split_upload_runs_until_every_part_has_ended():
    status = split_status(DONE, JobStatus(JobState.RUNNING, "PROCESSING", processed=4), DONE)
    assert (status.state, status.provider_status, status.processed) == (JobState.RUNNING, "PROCESSING", 24)
    assert status.progress == {"jobs": 3, "jobsEnded": 2}
    assert status.error_message is None and status.completed_at is None


def test_a_split_upload_succeeds_only_when_every_part_did_with_the_counts_summed():
    last = JobStatus(JobState.SUCCEEDED, "COMPLETED", processed=4, failed=1, completed_at="2026-11-22T09:07:00+00:00")
    status = split_status(DONE, DONE, last)
    assert (status.state, status.processed, status.failed) == (JobState.SUCCEEDED, 24, 1)
    assert status.completed_at == "2026-11-22T09:07:00+00:00"
    assert [part["rows"] for part in status.parts] == [
        {"first": 1, "last": 10},
        {"first": 11, "last": 20},
        {"first": 21, "last": 25},
    ]
    assert status.parts[2] == {
        "part": 3,
        "jobId": "c",
        "rows": {"first": 21, "last": 25},
        "state": "SUCCEEDED",
        "providerStatus": "COMPLETED",
        "processed": 4,
        "failed": 1,
    }


def test_a_failed_part_fails_the_upload_saying_which_rows_were_and_were_not_imported():
    failed = JobStatus(JobState.FAILED, "FAILED", error_message="SES could not read the file")
    status = split_status(DONE, failed, DONE)
    assert (status.state, status.provider_status, status.processed) == (JobState.FAILED, "FAILED", 20)
    assert status.error_message == (
        "1 of the 3 jobs the file was split into did not succeed. Imported: rows 1-10; rows 21-25. "
        "Not imported: rows 11-20 (job b, FAILED: SES could not read the file). "
        "Rows are those of the checked copy, in the file's order."
    )


def test_a_cancelled_part_cancels_the_upload_and_a_failed_one_outweighs_it():
    cancelled = JobStatus(JobState.CANCELLED, "CANCELLED")
    assert split_status(DONE, cancelled, DONE).state is JobState.CANCELLED
    failed = JobStatus(JobState.FAILED, "FAILED")
    assert split_status(cancelled, failed, DONE).state is JobState.FAILED


def test_a_part_never_started_is_not_imported():
    status = split_status(DONE, job_ids=("a", NOT_STARTED, NOT_STARTED))
    assert (status.state, status.provider_status) == (JobState.FAILED, "NOT_STARTED")
    assert status.error_message == (
        "2 of the 3 jobs the file was split into did not succeed. Imported: rows 1-10. "
        "Not imported: rows 11-20 (NOT_STARTED: the API refused to start a part's job); "
        "rows 21-25 (NOT_STARTED: the API refused to start a part's job). "
        "Rows are those of the checked copy, in the file's order."
    )


def test_one_jobs_id_passes_straight_through():
    provider = FakeProvider(statuses=[DONE])
    assert SplitJobs(provider).status("job-1") is DONE
    SplitJobs(provider).cancel("job-1")
    assert provider.cancelled == ["job-1"]


def test_cancel_asks_every_part_and_is_refused_only_when_no_part_could_be_asked():
    provider = FakeProvider()
    SplitJobs(provider).cancel(compose(["a", "b", NOT_STARTED], [10, 10, 5]))
    assert provider.cancelled == ["a", "b"]
    refusing = FakeProvider(cancel_error=ProviderRequestRejected("SES import jobs cannot be cancelled"))
    with pytest.raises(ProviderRequestRejected, match="cannot be cancelled"):
        SplitJobs(refusing).cancel(compose(["a", "b"], [10, 5]))


# -- one outcome -------------------------------------------------------------------------------------------


def test_the_poller_sends_one_outcome_for_the_parts_with_each_part_listed(aws):
    started = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    failed = JobStatus(JobState.FAILED, "FAILED", error_message="no access")
    provider = SplitJobs(FakeProvider(statuses=[DONE, failed, DONE]))
    poller = Poller(aws["store"], FakeReports(), lambda name: provider, clock=lambda: started + timedelta(minutes=9))
    checks = {"rowsTotal": 25, "rowsAccepted": 25, "rowsRejected": 0, "duplicates": 0, "jobs": 3, "rowsPerJob": 10}
    upload_ = (
        Upload.accepted("t1", route(KEY), S3Object(BUCKET, KEY, "v1", 10), started.isoformat())
        .with_validation(checks, None)
        .with_job(compose(["a", "b", "c"], [10, 10, 5]))
    )
    aws["store"].claim(upload_, now=int(started.timestamp()), lease_seconds=60)
    state = {"upload": upload_.to_state(), "poll": PollState.initial(PollSettings(), started).to_state()}
    detail = poller.poll(state)["outcome"]["detail"]
    assert (detail["outcome"], detail["reasonCode"], detail["records"]) == (
        Outcome.FAILED.value,
        "JOB_FAILED",
        {"processed": 20, "failed": 0},
    )
    assert [(part["part"], part["state"]) for part in detail["parts"]] == [
        (1, "SUCCEEDED"),
        (2, "FAILED"),
        (3, "SUCCEEDED"),
    ]
    assert "Not imported: rows 11-20 (job b, FAILED: no access)" in detail["summary"]
    assert detail["notice"]["rows"] == "25 of 25 rows accepted, in 3 jobs of at most 10 rows"


def test_one_jobs_outcome_has_no_parts():
    upload_ = Upload.accepted("t1", route(KEY), S3Object(BUCKET, KEY, "v1", 10), NOW.isoformat()).with_job("j")
    event = build_event(upload=upload_, outcome=Outcome.SUCCEEDED, ended_at=NOW, status=DONE)
    assert event["detail"]["parts"] is None


def test_each_parts_failed_records_file_is_copied_the_first_as_the_uploads(aws):
    started = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

    def with_report(part: int) -> JobStatus:
        return JobStatus(JobState.SUCCEEDED, "COMPLETED", processed=9, failed=1, failed_records_url=f"https://r/{part}")

    provider = SplitJobs(FakeProvider(statuses=[DONE, with_report(2), with_report(3)]))
    reports = FakeReports()
    poller = Poller(aws["store"], reports, lambda name: provider, clock=lambda: started + timedelta(minutes=9))
    upload_ = Upload.accepted("t1", route(KEY), S3Object(BUCKET, KEY, "v1", 10), started.isoformat()).with_job(
        compose(["a", "b", "c"], [10, 10, 5])
    )
    aws["store"].claim(upload_, now=int(started.timestamp()), lease_seconds=60)
    state = {"upload": upload_.to_state(), "poll": PollState.initial(PollSettings(), started).to_state()}
    detail = poller.poll(state)["outcome"]["detail"]
    assert reports.copied == [("https://r/2", "t1"), ("https://r/3", "t1")]
    assert reports.file_names == ["failed-records.csv", "failed-records-part-0003.csv"]
    assert detail["failureReport"] == "s3://bucket/reports/t1/failed-records.csv"
    assert (detail["outcome"], detail["records"]) == ("SUCCEEDED", {"processed": 28, "failed": 2})

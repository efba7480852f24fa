from datetime import UTC, datetime, timedelta

from infra import constants
from listdrop.models import JobKind, JobState, JobStatus, Outcome, S3Object
from listdrop.outcome import build_event
from listdrop.routing import route
from listdrop.upload import Upload

STARTED = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
SOURCE = S3Object("bucket", "imports/ses/contact-lists/News/put/a.csv", "v1", 120)


def upload(key=SOURCE.key):
    source = S3Object("bucket", key, "v1", 120)
    return Upload.accepted("t" * 40, route(key), source, STARTED.isoformat()).with_job("job-1")


def event(outcome, status=None, **kwargs):
    return build_event(
        upload=upload(), outcome=outcome, ended_at=STARTED + timedelta(seconds=95), status=status, **kwargs
    )


def test_every_outcome_of_each_kind_of_job_has_its_own_detail_type_and_the_rules_match_each():
    detail_types = {outcome.detail_type(kind) for outcome in Outcome for kind in JobKind}
    assert len(detail_types) == len(Outcome) * len(JobKind)
    assert detail_types == set(constants.COMPLETED_DETAIL_TYPES) | set(constants.FAILED_DETAIL_TYPES)
    assert event(Outcome.TIMED_OUT)["detailType"] == "Import Timed Out"


def test_an_export_requests_events_say_export():
    export = Upload.accepted("e" * 40, route("exports/ses/weekly.json"), SOURCE, STARTED.isoformat())
    built = build_event(upload=export, outcome=Outcome.SUCCEEDED, ended_at=STARTED + timedelta(seconds=5))
    assert built["detailType"] == "Export Succeeded"
    assert export.to_state()["jobKind"] == "Export"


def test_success_event_holds_the_documented_fields():
    status = JobStatus(JobState.SUCCEEDED, "COMPLETED", processed=10, failed=0)
    detail = event(Outcome.SUCCEEDED, status)["detail"]
    assert detail["schemaVersion"] == "1"
    assert detail["trackingId"] == "t" * 40
    assert detail["provider"] == "ses-import"
    assert detail["providerJobId"] == "job-1"
    assert detail["destination"] == {"type": "SES_CONTACT_LIST", "name": "News", "label": "SES contact list 'News'"}
    assert detail["action"] == "PUT"
    assert detail["source"]["uri"] == "s3://bucket/imports/ses/contact-lists/News/put/a.csv"
    assert detail["source"]["versionId"] == "v1"
    assert detail["records"] == {"processed": 10, "failed": 0}
    assert detail["durationSeconds"] == 95
    assert detail["summary"].startswith("SUCCEEDED: PUT into SES contact list 'News'")


def test_failed_records_are_visible_in_the_first_line():
    status = JobStatus(JobState.SUCCEEDED, "COMPLETED", processed=10, failed=3)
    detail = event(Outcome.SUCCEEDED, status, failure_report="s3://bucket/reports/t/failed-records.csv")["detail"]
    assert detail["summary"].startswith("COMPLETED WITH 3 FAILED RECORDS:")
    assert detail["notice"]["report"] == "s3://bucket/reports/t/failed-records.csv"
    assert detail["notice"]["records"] == "10 processed, 3 failed"


def test_failure_reason_comes_from_the_provider_and_addresses_are_redacted():
    status = JobStatus(JobState.FAILED, "FAILED", error_message="Row for ana@example.com is invalid")
    detail = event(Outcome.FAILED, status, reason_code="JOB_FAILED")["detail"]
    assert "ana@example.com" not in str(detail)
    assert "<redacted-address>" in detail["reason"]
    assert detail["summary"].startswith("FAILED:")


def test_cancelled_jobs_say_so():
    status = JobStatus(JobState.CANCELLED, "CANCELLED", error_message="Cancelled by the account owner")
    assert event(Outcome.FAILED, status)["detail"]["summary"].startswith("CANCELLED:")


def test_notice_fields_are_never_empty_so_templates_always_render():
    notice = event(Outcome.REJECTED, reason_code="EMPTY_FILE", reason="The file is empty.")["detail"]["notice"]
    assert all(isinstance(value, str) and value for value in notice.values())


def test_each_notice_value_and_the_summary_fit_on_one_line_of_the_notification():
    """The message has one line per value, the summary first and the event's JSON last (notifications.py)."""
    status = JobStatus(JobState.FAILED, "FAILED", error_message="Bad file:\nrow 3 is broken\r\nrow 9 too")
    detail = event(Outcome.FAILED, status)["detail"]
    assert detail["reason"] == "Bad file:\nrow 3 is broken\r\nrow 9 too", "the event keeps the provider's text"
    assert detail["notice"]["reason"] == "Bad file: row 3 is broken row 9 too"
    assert "\n" not in detail["summary"] and detail["summary"].endswith("Bad file: row 3 is broken row 9 too")

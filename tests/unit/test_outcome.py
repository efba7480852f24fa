from datetime import UTC, datetime, timedelta

import pytest

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


# -- wording (issue 16: "Notifications that read well") -----------------------------------------------------------


def test_counts_agree_with_their_noun_and_have_thousands_separators():
    from listdrop.wording import count

    assert [count(n, "row") for n in (0, 1, 2, 50_000)] == ["0 rows", "1 row", "2 rows", "50,000 rows"]


def test_every_count_a_person_reads_has_its_noun_and_separators_while_the_fields_stay_numbers():
    checked = {"rowsTotal": 50_001, "rowsAccepted": 50_000, "rowsRejected": 1, "duplicates": 1, "normalized": []}
    checks = {**checked, "report": "s3://bucket/reports/t/rejected-rows.csv"}
    source = S3Object("bucket", SOURCE.key, "v1", 120)
    checked_upload = (
        Upload.accepted("t" * 40, route(SOURCE.key), source, STARTED.isoformat())
        .with_job("j")
        .with_validation(checks, None)
    )
    status = JobStatus(JobState.SUCCEEDED, "COMPLETED", processed=50_000, failed=1)
    detail = build_event(upload=checked_upload, outcome=Outcome.SUCCEEDED, ended_at=STARTED, status=status)["detail"]
    assert detail["summary"].startswith("COMPLETED WITH 1 FAILED RECORD: PUT into SES contact list 'News'")
    assert ": 50,000 records processed, 1 failed (1 row left out before import, see s3://" in detail["summary"]
    assert detail["notice"]["records"] == "50,000 processed, 1 failed"
    assert detail["notice"]["rows"] == "50,000 of 50,001 rows accepted, 1 left out (1 duplicate)"
    assert detail["records"] == {"processed": 50_000, "failed": 1}
    assert detail["checks"] == checks, "the event's checks are the counts only, as numbers"
    one = build_event(
        upload=upload(), outcome=Outcome.SUCCEEDED, ended_at=STARTED, status=JobStatus(JobState.SUCCEEDED, "C", 1, 0)
    )["detail"]
    assert one["summary"].endswith(": 1 record processed, 0 failed")
    many = JobStatus(JobState.SUCCEEDED, "C", 5, 2)
    assert event(Outcome.SUCCEEDED, many)["detail"]["summary"].startswith("COMPLETED WITH 2 FAILED RECORDS:")


KEYS_OF_EVERY_ACTION = {
    "PUT": [
        "imports/ses/contact-lists/News/put/a.csv",
        "imports/ses/suppression-list/put/a.csv",
        "imports/mail-manager/address-lists/al-1/a.csv",
        "imports/pinpoint/" + "a" * 32 + "/endpoints/a.csv",
        "imports/customer-profiles/Shop/a.csv",
    ],
    "DELETE": ["imports/ses/contact-lists/News/delete/a.csv", "imports/ses/suppression-list/delete/a.csv"],
    "EXPORT": ["exports/ses/weekly.json"],
}
OUTCOMES = {
    "SUCCEEDED": (Outcome.SUCCEEDED, JobStatus(JobState.SUCCEEDED, "COMPLETED", 3, 0)),
    "COMPLETED WITH 1 FAILED RECORD": (Outcome.SUCCEEDED, JobStatus(JobState.SUCCEEDED, "COMPLETED", 3, 1)),
    "FAILED": (Outcome.FAILED, JobStatus(JobState.FAILED, "FAILED", error_message="bad")),
    "CANCELLED": (Outcome.FAILED, JobStatus(JobState.CANCELLED, "CANCELLED", error_message="stopped")),
    "TIMED OUT": (Outcome.TIMED_OUT, None),
    "REJECTED": (Outcome.REJECTED, None),
}


@pytest.mark.parametrize("first_word", list(OUTCOMES))
@pytest.mark.parametrize(("action", "key"), [(a, k) for a, keys in KEYS_OF_EVERY_ACTION.items() for k in keys])
def test_the_sentence_fits_the_action_for_every_provider_and_outcome(first_word, action, key):
    """Records go PUT into a destination and DELETE from it; an export is of SES data, from its request file."""
    outcome, status = OUTCOMES[first_word]
    if action == "EXPORT" and first_word.startswith("COMPLETED"):
        return  # an export has no failed records
    job = Upload.accepted("t" * 40, route(key), S3Object("bucket", key, "v1", 1), STARTED.isoformat())
    summary = build_event(upload=job, outcome=outcome, ended_at=STARTED, status=status, reason="why")["detail"][
        "summary"
    ]
    label = job.destination["label"]
    expected = {
        "PUT": f"PUT into {label} from s3://bucket/{key}",
        "DELETE": f"DELETE from {label} as listed in s3://bucket/{key}",
        "EXPORT": f"{label} from s3://bucket/{key}",
    }[action]
    assert summary.startswith(f"{first_word}: {expected}")
    assert "DELETE into" not in summary and "EXPORT into" not in summary

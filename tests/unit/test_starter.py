import json
from datetime import UTC, datetime, timedelta

import pytest

from listdrop.errors import ProviderRequestRejected, ProviderUnavailable, UploadInProgress
from listdrop.settings import StarterSettings
from listdrop.starter import Result, Starter
from listdrop.upload import tracking_id_for
from tests.unit.conftest import BUCKET
from tests.unit.fakes import FakeProvider, FakeStepFunctions, s3_event

KEY = "imports/ses/contact-lists/News/put/new contacts.csv"
CSV = b"emailAddress,unsubscribeAll\na@example.com,false\n"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now


@pytest.fixture
def env(aws):
    sfn, provider, clock = FakeStepFunctions(), FakeProvider(), Clock()
    settings = StarterSettings.from_env(
        {
            "JOBS_TABLE_NAME": "jobs",
            "STATE_MACHINE_ARN": "arn:sm",
            "POLL_INITIAL_WAIT_SECONDS": "5",
            "POLL_MAX_WAIT_SECONDS": "60",
            "JOB_MAX_DURATION_SECONDS": "3600",
            "CLAIM_LEASE_SECONDS": "120",
            "MAX_FILE_BYTES": "1000000",
        }
    )
    starter = Starter(settings, aws["store"], aws["s3"], sfn, lambda name: provider, clock=clock)
    return {**aws, "sfn": sfn, "provider": provider, "clock": clock, "starter": starter, "settings": settings}


def upload(env, key=KEY, body=CSV):
    response = env["s3"].put_object(Bucket=BUCKET, Key=key, Body=body)
    return s3_event(BUCKET, key, response["VersionId"], len(body)), response["VersionId"]


def test_a_new_upload_starts_one_job_and_one_named_execution(env):
    event, version = upload(env)
    [result] = env["starter"].handle_notification(event)
    assert result.result == Result.STARTED
    tracking_id = tracking_id_for(BUCKET, KEY, version)
    assert result.tracking_id == tracking_id
    [request] = env["provider"].started
    state = json.loads(env["sfn"].executions[tracking_id])
    assert state["upload"]["source"]["key"] == KEY, "the key must be URL-decoded"
    assert request.source.key == f"staging/ses-import/{tracking_id}.csv", "the job reads the checked copy"
    staged = env["s3"].get_object(Bucket=BUCKET, Key=request.source.key)["Body"].read()
    assert staged == CSV
    assert state["upload"]["staged"]["key"] == request.source.key
    assert state["upload"]["validation"]["rowsAccepted"] == state["upload"]["validation"]["rowsTotal"] > 0
    assert state["upload"]["jobId"] == "job-1"
    assert state["poll"] == {
        "state": "RUNNING",
        "attempt": 0,
        "waitSeconds": 5,
        "maxWaitSeconds": 60,
        "deadline": int(NOW.timestamp()) + 3600,
        "unreadableLimitSeconds": 1800,
        # The blind schedule counts from the job's start (the starter's clock as it started it).
        "jobStartedAt": int(NOW.timestamp()),
        "minWaitSeconds": 5,
        "waitPercent": 25,
        "backoffSeconds": 5,
    }
    item = env["table"].get_item(Key={"trackingId": tracking_id})["Item"]
    assert item["status"] == "STARTED"
    assert item["providerJobId"] == "job-1"


def test_duplicate_deliveries_start_no_second_job(env):
    event, _ = upload(env)
    results = [env["starter"].handle_notification(event)[0].result for _ in range(3)]
    assert results == [Result.STARTED, Result.DUPLICATE, Result.DUPLICATE]
    assert len(env["provider"].started) == 1
    assert len(env["sfn"].executions) == 1


def test_a_new_version_of_the_same_key_is_a_new_upload(env):
    first, _ = upload(env)
    second, _ = upload(env, body=CSV + b"b@example.com,false\n")
    env["starter"].handle_notification(first)
    env["starter"].handle_notification(second)
    assert len(env["provider"].started) == 2
    assert len(env["sfn"].executions) == 2


def test_crash_after_recording_the_job_resumes_without_a_second_job(env):
    event, _ = upload(env)
    env["sfn"].fail_next = True
    with pytest.raises(RuntimeError):
        env["starter"].handle_notification(event)
    [result] = env["starter"].handle_notification(event)  # the queue redelivers
    assert result.result == Result.DUPLICATE
    assert len(env["provider"].started) == 1
    assert len(env["sfn"].executions) == 1


def test_a_live_claim_by_another_delivery_means_retry_later(env):
    event, _ = upload(env)
    env["provider"].start_error = RuntimeError("crash between claim and provider call")
    with pytest.raises(RuntimeError):
        env["starter"].handle_notification(event)
    env["provider"].start_error = None
    with pytest.raises(UploadInProgress):
        env["starter"].handle_notification(event)
    env["clock"].now = NOW.replace(minute=5)  # the 120 s lease has expired: take over
    [result] = env["starter"].handle_notification(event)
    assert result.result == Result.STARTED
    assert len(env["provider"].started) == 1


def test_a_crash_right_after_the_provider_call_adopts_that_job_on_retry(env):
    event, version = upload(env)
    env["provider"].crash_after_start = RuntimeError("the Lambda died before recording the job id")
    with pytest.raises(RuntimeError):
        env["starter"].handle_notification(event)
    assert len(env["provider"].started) == 1
    env["clock"].now = NOW.replace(minute=5)  # the lease expires; the queue redelivers
    [result] = env["starter"].handle_notification(event)
    assert result.result == Result.STARTED
    assert len(env["provider"].started) == 1, "SES import jobs have no client token: no second job"
    assert env["provider"].lookups == [NOW - timedelta(minutes=5)], "searched from the first claim, less skew"
    tracking_id = tracking_id_for(BUCKET, KEY, version)
    assert json.loads(env["sfn"].executions[tracking_id])["upload"]["jobId"] == "job-1"
    assert env["table"].get_item(Key={"trackingId": tracking_id})["Item"]["providerJobId"] == "job-1"


def test_a_job_call_that_failed_on_the_server_releases_the_claim_and_the_retry_looks_first(env):
    event, version = upload(env)
    env["provider"].start_error = ProviderUnavailable("CreateImportJob failed transiently (InternalFailure)")
    with pytest.raises(ProviderUnavailable):
        env["starter"].handle_notification(event)
    tracking_id = tracking_id_for(BUCKET, KEY, version)
    item = env["table"].get_item(Key={"trackingId": tracking_id})["Item"]
    assert (item["status"], int(item["claimExpiresAt"])) == ("CLAIMED", int(NOW.timestamp()))
    env["provider"].start_error = None
    env["clock"].now = NOW.replace(second=5)  # the delayed copy arrives seconds later, not after the lease
    [result] = env["starter"].handle_notification(event)
    assert result.result == Result.STARTED
    assert len(env["provider"].started) == 1
    assert len(env["provider"].lookups) == 1, "the call may have created a job before it failed: look first"


def test_a_throttled_job_call_needs_no_search_on_retry(env):
    event, version = upload(env)
    env["provider"].start_error = ProviderUnavailable("CreateImportJob was throttled", may_have_run=False)
    with pytest.raises(ProviderUnavailable):
        env["starter"].handle_notification(event)
    tracking_id = tracking_id_for(BUCKET, KEY, version)
    assert env["table"].get_item(Key={"trackingId": tracking_id})["Item"]["mayHaveJob"] is False
    env["provider"].start_error = None
    env["clock"].now = NOW.replace(second=5)
    [result] = env["starter"].handle_notification(event)
    assert result.result == Result.STARTED
    assert env["provider"].lookups == [], "a throttled call created nothing: no search of the job list"
    assert len(env["provider"].started) == 1


def test_a_search_that_is_throttled_keeps_the_obligation_to_search(env):
    """Crash after the job was created; the takeover's search is throttled: the next retry must search again."""
    event, version = upload(env)
    env["provider"].crash_after_start = RuntimeError("the Lambda died before recording the job id")
    with pytest.raises(RuntimeError):
        env["starter"].handle_notification(event)
    env["clock"].now = NOW.replace(minute=5)
    env["provider"].find_error = ProviderUnavailable("ListImportJobs was throttled", may_have_run=False)
    with pytest.raises(ProviderUnavailable):
        env["starter"].handle_notification(event)
    tracking_id = tracking_id_for(BUCKET, KEY, version)
    assert env["table"].get_item(Key={"trackingId": tracking_id})["Item"]["mayHaveJob"] is True
    env["provider"].find_error = None
    env["clock"].now = NOW.replace(minute=5, second=5)
    [result] = env["starter"].handle_notification(event)
    assert result.result == Result.STARTED
    assert len(env["provider"].started) == 1, "the job the crashed attempt created is adopted"
    assert len(env["provider"].lookups) == 2


def test_a_takeover_that_crashes_again_leaves_the_next_one_searching(env):
    """A throttled first call (no job), then a takeover that creates the job and crashes: search again."""
    event, _ = upload(env)
    env["provider"].start_error = ProviderUnavailable("throttled", may_have_run=False)
    with pytest.raises(ProviderUnavailable):
        env["starter"].handle_notification(event)
    env["provider"].start_error = None
    env["provider"].crash_after_start = RuntimeError("died after CreateImportJob")
    env["clock"].now = NOW.replace(second=5)
    with pytest.raises(RuntimeError):
        env["starter"].handle_notification(event)
    env["clock"].now = NOW.replace(minute=9)
    [result] = env["starter"].handle_notification(event)
    assert result.result == Result.STARTED
    assert len(env["provider"].started) == 1
    assert len(env["provider"].lookups) == 1


def test_a_first_delivery_never_searches_for_an_earlier_job(env):
    event, _ = upload(env)
    env["starter"].handle_notification(event)
    assert env["provider"].lookups == []


def test_a_rejected_file_goes_through_the_workflow_with_its_outcome(env):
    event, version = upload(env, key="imports/ses/contact-lists/News/put/bad.csv", body=b"a@example.com\n")
    [result] = env["starter"].handle_notification(event)
    assert result.result == Result.REJECTED
    assert env["provider"].started == []
    tracking_id = tracking_id_for(BUCKET, "imports/ses/contact-lists/News/put/bad.csv", version)
    state = json.loads(env["sfn"].executions[tracking_id])
    assert state["outcome"]["detailType"] == "Import Rejected"
    assert state["outcome"]["detail"]["reasonCode"] == "MISSING_HEADER"
    item = env["table"].get_item(Key={"trackingId": tracking_id})["Item"]
    assert (item["status"], item["reasonCode"]) == ("REJECTED", "MISSING_HEADER")
    # it ended when it was rejected, and no job started
    assert item["endedAt"] == item["updatedAt"] == state["outcome"]["detail"]["endedAt"]
    assert "jobStartedAt" not in item
    # and a duplicate of a rejected upload sends nothing new
    assert env["starter"].handle_notification(event)[0].result == Result.DUPLICATE
    assert len(env["sfn"].executions) == 1


def test_unknown_contact_list_is_rejected(env):
    env["provider"].missing_lists.add("News")
    event, _ = upload(env)
    assert env["starter"].handle_notification(event)[0].result == Result.REJECTED


def test_a_refused_job_request_ends_as_a_failure(env):
    env["provider"].start_error = ProviderRequestRejected("CreateImportJob was refused: BadRequestException")
    event, version = upload(env)
    assert env["starter"].handle_notification(event)[0].result == Result.REFUSED
    state = json.loads(env["sfn"].executions[tracking_id_for(BUCKET, KEY, version)])
    assert state["outcome"]["detailType"] == "Import Failed"
    assert state["outcome"]["detail"]["reasonCode"] == "PROVIDER_REFUSED"
    item = env["table"].get_item(Key={"trackingId": tracking_id_for(BUCKET, KEY, version)})["Item"]
    assert item["endedAt"] == state["outcome"]["detail"]["endedAt"] and "jobStartedAt" not in item


def test_contact_lists_outside_the_allowed_set_are_rejected(env):
    settings = StarterSettings.from_env(
        {"JOBS_TABLE_NAME": "jobs", "STATE_MACHINE_ARN": "arn:sm", "ALLOWED_CONTACT_LISTS": "Other, Second"}
    )
    starter = Starter(settings, env["store"], env["s3"], env["sfn"], lambda name: env["provider"])
    event, version = upload(env)
    assert starter.handle_notification(event)[0].result == Result.REJECTED
    detail = json.loads(env["sfn"].executions[tracking_id_for(BUCKET, KEY, version)])["outcome"]["detail"]
    assert detail["reasonCode"] == "CONTACT_LIST_NOT_ALLOWED"


@pytest.mark.parametrize(("setting", "expected"), [("", "EXTRA_COLUMNS_NOT_ENABLED"), ("true", None)])
def test_extra_columns_go_into_attributes_only_when_the_deployment_allows_it(env, setting, expected):
    settings = StarterSettings.from_env(
        {"JOBS_TABLE_NAME": "jobs", "STATE_MACHINE_ARN": "arn:sm", "EXTRA_COLUMNS_AS_ATTRIBUTES": setting}
    )
    starter = Starter(settings, env["store"], env["s3"], env["sfn"], lambda name: env["provider"])
    key = "imports/ses/contact-lists/News/put/extra-as-attributes/crm.csv"
    event, version = upload(env, key, b"Email,Name\na@example.com,Ana\n")
    starter.handle_notification(event)
    outcome = json.loads(env["sfn"].executions[tracking_id_for(BUCKET, key, version)]).get("outcome")
    if expected is None:
        assert outcome is None and env["provider"].started
    else:
        assert outcome["detail"]["reasonCode"] == expected and not env["provider"].started


def test_a_version_deleted_before_processing_is_rejected_not_lost(env):
    event, version = upload(env)
    env["s3"].delete_object(Bucket=BUCKET, Key=KEY, VersionId=version)
    assert env["starter"].handle_notification(event)[0].result == Result.REJECTED
    detail = json.loads(env["sfn"].executions[tracking_id_for(BUCKET, KEY, version)])["outcome"]["detail"]
    assert detail["reasonCode"] == "OBJECT_GONE"


class DenyingS3:
    """S3 as a starter without s3:ListBucket sees it: a deleted version answers 403 AccessDenied, not 404."""

    def __init__(self, s3):
        self._s3 = s3

    def get_object(self, **params):
        from botocore.exceptions import ClientError

        error = {
            "Error": {"Code": "AccessDenied", "Message": "Access Denied"},
            "ResponseMetadata": {"HTTPStatusCode": 403},
        }
        raise ClientError(error, "GetObject")

    def __getattr__(self, name):
        return getattr(self._s3, name)


def test_an_upload_s3_refuses_to_read_is_rejected_with_what_to_fix_not_dead_lettered(env):
    """Issue 12, defect 3: AccessDenied was re-raised, so the message failed five times and no outcome was sent."""
    event, version = upload(env)
    starter = Starter(env["settings"], env["store"], DenyingS3(env["s3"]), env["sfn"], lambda name: env["provider"])
    assert starter.handle_notification(event)[0].result == Result.REJECTED
    detail = json.loads(env["sfn"].executions[tracking_id_for(BUCKET, KEY, version)])["outcome"]["detail"]
    assert detail["reasonCode"] == "OBJECT_UNREADABLE"
    assert "AccessDenied" in detail["reason"] and "upload the file again" in detail["reason"]
    assert env["provider"].started == []


def test_folder_markers_test_events_and_other_event_types_are_ignored(env):
    starter = env["starter"]
    assert starter.handle_notification({"Event": "s3:TestEvent", "Service": "Amazon S3"})[0].result == Result.IGNORED
    folder = s3_event(BUCKET, "imports/ses/contact-lists/", size=0)
    assert starter.handle_notification(folder)[0].result == Result.IGNORED
    removed = s3_event(BUCKET, KEY, name="ObjectRemoved:Delete")
    assert starter.handle_notification(removed)[0].result == Result.IGNORED
    assert env["sfn"].calls == 0


def test_a_message_that_is_not_an_s3_notification_is_an_error(env):
    with pytest.raises(ValueError, match="not an S3 event notification"):
        env["starter"].handle_notification({"hello": "world"})


def test_rows_left_out_are_reported_in_the_bucket_and_in_the_execution_input(env):
    valid = b"".join(b"u%d@example.com,false\r\n" % i for i in range(9))  # 1 invalid of 11: under the 10% default
    body = b"Email,unsubscribeAll\r\na@example.com,false\r\nnot-an-address,false\r\nb@example.com,TRUE\r\n" + valid
    event, version = upload(env, body=body)
    [result] = env["starter"].handle_notification(event)
    assert result.result == Result.STARTED
    tracking_id = tracking_id_for(BUCKET, KEY, version)
    state = json.loads(env["sfn"].executions[tracking_id])["upload"]
    assert state["validation"]["rowsAccepted"] == 11 and state["validation"]["rowsRejected"] == 1
    assert state["validation"]["report"] == f"s3://{BUCKET}/reports/{tracking_id}/rejected-rows.csv"
    report = env["s3"].get_object(Bucket=BUCKET, Key=f"reports/{tracking_id}/rejected-rows.csv")["Body"].read()
    assert b"3,emailAddress,n***,INVALID_EMAIL" in report and b"not-an-address" not in report
    staged = env["s3"].get_object(Bucket=BUCKET, Key=state["staged"]["key"])["Body"].read()
    assert staged == b"emailAddress,unsubscribeAll\na@example.com,false\nb@example.com,true\n" + valid.replace(
        b"\r\n", b"\n"
    )


def test_a_file_rejected_for_its_rows_leaves_no_staged_copy_and_starts_no_job(env):
    event, version = upload(env, body=b"emailAddress\nbad\nworse\n")
    [result] = env["starter"].handle_notification(event)
    assert result.result == Result.REJECTED
    assert env["provider"].started == []
    tracking_id = tracking_id_for(BUCKET, KEY, version)
    listed = env["s3"].list_objects_v2(Bucket=BUCKET, Prefix="staging/").get("KeyCount", 0)
    assert listed == 0
    state = json.loads(env["sfn"].executions[tracking_id])
    assert state["outcome"]["detail"]["reasonCode"] == "NO_VALID_ROWS"
    assert state["outcome"]["detail"]["notice"]["rowReport"].endswith("/rejected-rows.csv")


def test_under_a_key_prefix_the_key_routes_without_it_and_the_copies_go_under_it(aws):
    """The Listdrop construct's key_prefix: the bucket is shared, listdrop's keys live under 'listdrop/'."""
    sfn, provider = FakeStepFunctions(), FakeProvider()
    settings = StarterSettings.from_env(
        {
            "JOBS_TABLE_NAME": "jobs",
            "STATE_MACHINE_ARN": "arn:sm",
            "KEY_PREFIX": "listdrop/",
            "STAGING_PREFIX": "listdrop/staging/",
            "REPORTS_PREFIX": "listdrop/reports/",
        }
    )
    starter = Starter(settings, aws["store"], aws["s3"], sfn, lambda name: provider, clock=Clock())
    key = f"listdrop/{KEY}"
    response = aws["s3"].put_object(Bucket=BUCKET, Key=key, Body=CSV)
    [result] = starter.handle_notification(s3_event(BUCKET, key, response["VersionId"], len(CSV)))
    assert result.result == Result.STARTED
    [request] = provider.started
    assert request.route.destination.name == "News"
    assert request.source.key == f"listdrop/staging/ses-import/{result.tracking_id}.csv"
    state = json.loads(sfn.executions[result.tracking_id])
    assert state["upload"]["source"]["key"] == key, "the outcome names the whole key"


def _rejected_outcome(env, key, body=CSV):
    event, version = upload(env, key=key, body=body)
    assert env["starter"].handle_notification(event)[0].result == Result.REJECTED
    return json.loads(env["sfn"].executions[tracking_id_for(BUCKET, key, version)])["outcome"]["detail"]


@pytest.mark.parametrize(
    ("key", "provider", "label"),
    [
        ("imports/ses/contact-lists/News/archive/a.csv", "ses-import", "SES contact list 'News'"),
        ("imports/ses/suppression-list/put/a.txt", "ses-import", "SES account suppression list"),
        ("imports/mail-manager/address-lists/al-1/a.xlsx", "mail-manager", "Mail Manager address list al-1"),
        ("imports/customer-profiles/Shop/a.json", "customer-profiles", "Customer Profiles domain Shop"),
        ("imports/pinpoint/" + "a" * 32 + "/endpoints/a.txt", "pinpoint-import", "Pinpoint application " + "a" * 32),
    ],
)
def test_a_key_refused_after_it_named_its_destination_is_rejected_against_that_destination(env, key, provider, label):
    """Not "no destination": the key said where the file was meant to go before its action or name was refused."""
    detail = _rejected_outcome(env, key)
    assert detail["provider"] == provider
    assert detail["destination"]["label"].startswith(label)
    assert detail["notice"]["destination"] == detail["destination"]["label"]
    assert detail["summary"].startswith(f"REJECTED: s3://{BUCKET}/{key} for {detail['destination']['label']}: ")


def test_a_key_that_routes_nowhere_still_says_no_destination(env):
    detail = _rejected_outcome(env, "imports/nowhere/a.csv")
    assert (detail["provider"], detail["destination"]["type"]) == ("none", None)
    assert detail["notice"]["destination"] == "no destination"
    assert detail["summary"].startswith(f"REJECTED: s3://{BUCKET}/imports/nowhere/a.csv: ")


def test_checks_are_null_before_the_file_is_read_and_hold_the_counts_after(env):
    """README, the event's `checks`: null when the file was rejected before it was read; what reading found,
    even when the rows then got the file rejected; never the notification's own display lines."""
    assert _rejected_outcome(env, "imports/ses/contact-lists/News/put/a.txt")["checks"] is None
    env["provider"].missing_lists.add("Gone")
    assert _rejected_outcome(env, "imports/ses/contact-lists/Gone/put/a.csv")["checks"] is None
    read = _rejected_outcome(env, KEY, body=b"emailAddress\nbad\nworse\n")
    assert read["checks"] == {
        "rowsTotal": 2,
        "rowsAccepted": 0,
        "rowsRejected": 2,
        "rowsInvalid": 2,
        "duplicates": 0,
        "normalized": [],
        "delimiter": "comma",
        "jobs": 1,
        "rowsPerJob": None,
        "report": read["checks"]["report"],
    }
    assert read["notice"]["rows"] == "0 of 2 rows accepted, 2 left out (0 duplicates)"
    assert read["notice"]["rowReport"] == read["checks"]["report"]

"""The delivery promise under injected faults: one job and one notification per dropped file, whatever fails.

Each test injects a fault plan into the running local cloud (localcloud/faults.py), or makes the poller function
itself fail, and checks the outcome from the outside: the notifications that arrive, the SES import jobs that
exist, the job table, the dead-letter queue.
"""

from __future__ import annotations

import contextlib
import json
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator

import pytest

from listdrop.cli import main as listdrop
from listdrop.upload import Upload, tracking_id_for
from localcloud import patches
from localcloud.faults import CRASH_POINTS, FaultPlan
from tests.e2e.test_pipeline import create_list, drop, job_record

pytestmark = pytest.mark.e2e


def jobs_reading(cloud, tracking_ids) -> Counter:
    """SES import jobs per upload (the staged copy's key holds the tracking id)."""
    found = Counter()
    for job in cloud.emulator("ses-import").jobs():
        for tracking_id in tracking_ids:
            if tracking_id in job.source["S3Url"]:
                found[tracking_id] += 1
    return found


def dead_letters(cloud, clients) -> int:
    attributes = clients["sqs"].get_queue_attributes(
        QueueUrl=cloud.endpoints.dead_letter_queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


def drop_files(cloud, clients, contact_list, count, prefix):
    create_list(clients, contact_list)
    dropped = {}
    for index in range(count):
        key = f"imports/ses/contact-lists/{contact_list}/put/{prefix}-{index}.csv"
        version = drop(cloud, clients, key, f"emailAddress\n{prefix}{index}@example.com\n")
        dropped[key] = tracking_id_for(cloud.endpoints.bucket, key, version)
    return dropped


def test_every_event_delivered_three_times_still_starts_one_job_and_sends_one_notification(cloud, clients, inbox):
    plan = FaultPlan.from_dict({"duplicateEvents": 1.0, "duplicateCopies": 2})
    with cloud.injecting(plan) as faults:
        dropped = drop_files(cloud, clients, "E2eTriple", 6, "triple")
        for key in dropped:
            inbox.wait_for(key)
        inbox.settle(5)
    assert faults.log.counts() == {"duplicated s3:event": 6}
    assert {key: len(inbox.about(key)) for key in dropped} == dict.fromkeys(dropped, 1)
    assert jobs_reading(cloud, dropped.values()) == Counter(dict.fromkeys(dropped.values(), 1))


def points_of(provider: str) -> list[str]:
    """The crash points an upload for `provider` passes: its own and every provider's."""
    return [name for name, point in CRASH_POINTS.items() if point.provider in (None, provider)]


def test_a_crash_at_every_starter_and_poller_point_loses_nothing_and_doubles_nothing(cloud, clients, inbox):
    """One upload crashes at each named point in turn (each fires once), as retries get it further each time."""
    plan = FaultPlan.from_dict({"crashes": dict.fromkeys(CRASH_POINTS, 1.0)})
    with cloud.injecting(plan) as faults:
        dropped = drop_files(cloud, clients, "E2eCrash", 1, "crash")
        [key] = dropped
        [notification] = inbox.wait_for(key, timeout=150)
        inbox.settle(5)
    assert faults.log.counts() == {f"crashed {point}": 1 for point in points_of("ses-import")}
    assert notification.detail["outcome"] == "SUCCEEDED"
    assert len(inbox.about(key)) == 1
    assert jobs_reading(cloud, dropped.values()) == Counter(dropped.values()), "the crashed attempt's job is adopted"
    assert dead_letters(cloud, clients) == 0


def test_a_mail_manager_upload_crashed_at_each_of_its_points_is_imported_once(cloud, clients, inbox):
    """The Mail Manager starter dies after creating the job and after starting it, and the poller after reading its
    status: one job, one notification, nothing in the dead-letter queue. Only its own points: with the four every
    provider shares as well, the starter would die five times on one message, whose sixth receive is past the
    queue's maxReceiveCount (5): it would rightly go to the dead-letter queue, in AWS too, after this test ended
    (the SES test above dies four times)."""
    address_list = cloud.client("mailmanager").create_address_list(AddressListName="e2e-crashes")["AddressListId"]
    key = f"imports/mail-manager/address-lists/{address_list}/crash.csv"
    own = [name for name, point in CRASH_POINTS.items() if point.provider == "mail-manager"]
    plan = FaultPlan.from_dict({"crashes": dict.fromkeys(own, 1.0)})
    with cloud.injecting(plan) as faults:
        drop(cloud, clients, key, "address\ncrash@partner.example\n")
        [notification] = inbox.wait_for(key, timeout=150)
        inbox.settle(5)
    assert faults.log.counts() == {f"crashed {point}": 1 for point in own}
    assert len(own) == 3
    assert notification.detail["outcome"] == "SUCCEEDED", notification.detail["reason"]
    assert len(inbox.about(key)) == 1
    jobs = [job for job in cloud.emulator("mail-manager").jobs() if job.address_list_id == address_list]
    assert len(jobs) == 1, "the crashed attempts' job is adopted through its ClientToken"
    assert cloud.emulator("mail-manager").members(address_list) == {"crash@partner.example"}
    assert dead_letters(cloud, clients) == 0


def test_throttling_of_an_emulated_service_reaches_its_operations(cloud, clients):
    """A plan naming mailmanager:* throttles Mail Manager's operations (served by an emulator, not by moto)."""
    plan = FaultPlan.from_dict({"api": [{"operations": ["mailmanager:ListAddressLists"], "throttle": 1.0}]})
    client = cloud.client("mailmanager")
    with cloud.injecting(plan) as faults, pytest.raises(client.exceptions.ThrottlingException):
        client.list_address_lists()
    assert faults.log.counts()["throttled mailmanager:ListAddressLists"] >= 1


def test_throttling_and_server_errors_of_the_job_api_delay_but_never_lose_an_upload(cloud, clients, inbox):
    plan = FaultPlan.from_dict(
        {
            "seed": 7,
            "api": [
                {"operations": ["sesv2:CreateImportJob", "sesv2:GetContactList"], "throttle": 0.5},
                {"operations": ["sesv2:GetImportJob"], "throttle": 0.3, "error": 0.3, "latencyMs": [0, 50]},
            ],
        }
    )
    with cloud.injecting(plan) as faults:
        dropped = drop_files(cloud, clients, "E2eThrottle", 8, "throttled")
        for key in dropped:
            # a job whose status reads fail several times running waits out the poller's growing backoff
            inbox.wait_for(key, timeout=240)
        inbox.settle(3)
    injected = Counter(faults.log.counts())
    # Progress-aware polling reads each job only a few times, so which status reads fail is down to the draws:
    # the precondition is that the status reads met faults at all (P(none) = 0.4^8 for 8 single reads).
    assert injected["throttled sesv2:CreateImportJob"] > 0
    assert injected["failed sesv2:GetImportJob"] + injected["throttled sesv2:GetImportJob"] > 0
    outcomes = {key: [n.detail["outcome"] for n in inbox.about(key)] for key in dropped}
    assert outcomes == {key: ["SUCCEEDED"] for key in dropped}
    assert jobs_reading(cloud, dropped.values()) == Counter(dict.fromkeys(dropped.values(), 1))
    assert dead_letters(cloud, clients) == 0, "throttling alone never reaches the dead-letter queue"


def test_a_status_unreadable_for_the_configured_time_ends_as_one_failure_notification(cloud, clients, inbox):
    plan = FaultPlan.from_dict({"api": [{"operations": ["sesv2:GetImportJob"], "error": 1.0}]})
    with cloud.injecting(plan):
        dropped = drop_files(cloud, clients, "E2eUnreadable", 1, "unreadable")
        [key] = dropped
        [notification] = inbox.wait_for(key, timeout=90)  # statusUnreadableSeconds is 20 in the local cloud
    detail = notification.detail
    assert notification.topic_arn == cloud.endpoints.failed_topic_arn
    assert (detail["outcome"], detail["reasonCode"]) == ("FAILED", "STATUS_UNREADABLE")
    assert "InternalFailure" in detail["reason"]
    version = urllib.parse.unquote(detail["source"]["versionId"])
    assert job_record(cloud, clients, key, version)["status"] == "FAILED", "the job table agrees with the event"


def test_a_redriven_dead_letter_is_processed_exactly_once(cloud, clients, inbox):
    """An upload whose event ended in the dead-letter queue (twice, even) is imported once after a redrive."""
    create_list(clients, "E2eRedrive")
    bucket = cloud.endpoints.bucket
    key = "imports/ses/contact-lists/E2eRedrive/put/late.csv"
    s3 = clients["s3"]
    saved = s3.get_bucket_notification_configuration(Bucket=bucket)
    saved.pop("ResponseMetadata", None)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    try:
        version = drop(cloud, clients, key, "emailAddress\nlate@example.com\n")  # no event reaches the queue
    finally:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=saved)
    event = {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": bucket},
                    "object": {"key": urllib.parse.quote_plus(key), "size": 32, "versionId": version},
                },
            }
        ]
    }
    for _ in range(2):
        clients["sqs"].send_message(QueueUrl=cloud.endpoints.dead_letter_queue_url, MessageBody=json.dumps(event))
    inbox.settle(2)
    assert inbox.about(key) == [], "nothing reads the dead-letter queue by itself"

    arguments = ["redrive", "--endpoint-url", cloud.endpoint_url, "--region", "us-east-1"]
    arguments += ["--dead-letter-queue-url", cloud.endpoints.dead_letter_queue_url]
    assert listdrop([*arguments, "--queue-url", cloud.endpoints.queue_url]) == 0
    [notification] = inbox.wait_for(key)
    inbox.settle(5)
    assert notification.detail["outcome"] == "SUCCEEDED"
    assert len(inbox.about(key)) == 1
    assert jobs_reading(cloud, [tracking_id_for(bucket, key, version)]) == Counter(
        [tracking_id_for(bucket, key, version)]
    )
    assert dead_letters(cloud, clients) == 0


# -- the poller itself failing: the workflow's own failure loop (infra/constructs/workflow.py) ---------------

# Before issue 12 the workflow retried a failing poller 3 times (2, 4 and 8 s at most, with jitter) and then
# published STATUS_UNREADABLE: here, within 14 s and 4 attempts of the first failure (about 2 minutes in AWS,
# with the poller's timeouts). Now it keeps polling for the status-unreadable window.
OLD_GIVE_UP_SECONDS = 14


@contextlib.contextmanager
def failing_poller(cloud) -> Iterator[dict[str, int]]:
    """Every invocation of the poller function fails, as when its code, its Lambda or the job table keeps failing
    (the function's error reaches Step Functions as an unhandled Lambda error)."""
    [name] = [function.name for function in cloud.functions.values() if function.kind == "poller"]
    working = patches.LAMBDA_DISPATCH[name]
    calls = {"failed": 0}

    def fail(event):
        calls["failed"] += 1
        raise RuntimeError("injected: the poller keeps failing")

    patches.LAMBDA_DISPATCH[name] = fail
    try:
        yield calls
    finally:
        patches.LAMBDA_DISPATCH[name] = working


def wait_for_a_poll(read_record, timeout: float = 30) -> None:
    """Until the poller has read the job's status once (the job table's lastPolledAt)."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(KeyError):  # no item yet: the starter has not claimed the upload
            if "lastPolledAt" in read_record():
                return
        assert time.monotonic() < deadline, "the poller never read the job's status"
        time.sleep(0.2)


def suppression_import_job(cloud, clients, tracking_id: str) -> str:
    """An SES import job of one suppression-list address, reading a staged copy as the starter writes them."""
    bucket, staged = cloud.endpoints.bucket, f"staging/ses-import/{tracking_id}.csv"
    clients["s3"].put_object(Bucket=bucket, Key=staged, Body=f"{tracking_id}@example.com,BOUNCE\n".encode())
    return str(
        clients["sesv2"].create_import_job(
            ImportDestination={"SuppressionListDestination": {"SuppressionListImportAction": "PUT"}},
            ImportDataSource={"S3Url": f"s3://{bucket}/{staged}", "DataFormat": "CSV"},
        )["JobId"]
    )


def start_tracking(cloud, clients, tracking_id: str, key: str, job_id: str | None, unreadable_limit: int | None):
    """Start the workflow on a job as the starter would (its job table item included), with nothing checked
    (`validation` null) and the given status-unreadable window; return a reader of the job's table item."""
    bucket, table = cloud.endpoints.bucket, clients["dynamodb"]
    item = {"trackingId": {"S": tracking_id}, "status": {"S": "STARTED"}}
    table.put_item(TableName=cloud.endpoints.table, Item=item)
    upload = {
        "trackingId": tracking_id,
        "provider": "ses-import",
        "jobId": job_id,
        "destination": {"type": "SES_SUPPRESSION_LIST", "name": None, "label": "SES account suppression list"},
        "action": "PUT",
        "dataFormat": "CSV",
        "source": {"bucket": bucket, "key": key, "versionId": "v", "sizeBytes": 26, "uri": f"s3://{bucket}/{key}"},
        "startedAt": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        "validation": None,
    }
    upload = Upload.from_state(upload).to_state()  # as the starter writes it (jobKind, ...)
    poll = {"state": "RUNNING", "attempt": 0, "waitSeconds": 1, "maxWaitSeconds": 2, "deadline": int(time.time()) + 150}
    if unreadable_limit is not None:
        poll["unreadableLimitSeconds"] = unreadable_limit
    clients["stepfunctions"].start_execution(
        stateMachineArn=cloud.endpoints.state_machine_arn,
        name=tracking_id,
        input=json.dumps({"upload": upload, "poll": poll}),
    )

    def record():
        found = table.get_item(TableName=cloud.endpoints.table, Key={"trackingId": {"S": tracking_id}})["Item"]
        return {name: next(iter(value.values())) for name, value in found.items()}

    return record


def test_a_poller_failing_longer_than_the_old_retries_but_within_the_window_still_reports_success(
    cloud, clients, inbox
):
    key = "imports/ses/suppression-list/put/poller-outage.csv"
    cloud.emulator("ses-import").complete_after = 30  # still running when the outage starts, done when it ends
    try:
        job_id = suppression_import_job(cloud, clients, "e2e-poller-outage")
    finally:
        cloud.emulator("ses-import").complete_after = 0.5
    # A window of 60 s (the local cloud's setting is 20 s), so the outage below fits well inside it.
    record = start_tracking(cloud, clients, "e2e-poller-outage", key, job_id, unreadable_limit=60)

    wait_for_a_poll(record)
    outage = 2 * OLD_GIVE_UP_SECONDS
    with failing_poller(cloud) as poller:
        time.sleep(outage - 1)
        # Read what arrived while the poller is still failing: right after the outage, the first poll may rightly
        # report the job's success within a second.
        inbox.settle(1)
        assert inbox.about(key) == [], "nothing was reported during the outage"
    assert poller["failed"] > 4, "more failed polls than the old retries allowed"

    [notification] = inbox.wait_for(key, timeout=60)
    inbox.settle(3)
    assert notification.topic_arn == cloud.endpoints.completed_topic_arn
    assert notification.event["detail-type"] == "Import Succeeded"
    assert (notification.detail["outcome"], notification.detail["records"]) == (
        "SUCCEEDED",
        {"processed": 1, "failed": 0},
    )
    assert len(inbox.about(key)) == 1
    assert record()["status"] == "SUCCEEDED"


def test_a_poller_failing_past_the_window_ends_as_status_unreadable_in_the_table_too(cloud, clients, inbox):
    create_list(clients, "E2ePollerDown")
    key = "imports/ses/contact-lists/E2ePollerDown/put/down.csv"
    cloud.emulator("ses-import").complete_after = 120  # the job outlives the test: only the poller's failures end it
    try:
        version = drop(cloud, clients, key, "emailAddress\ndown@example.com\n")

        def record():
            return job_record(cloud, clients, key, version)

        wait_for_a_poll(record)
    finally:
        cloud.emulator("ses-import").complete_after = 0.5
    started = time.monotonic()
    with failing_poller(cloud) as poller:
        [notification] = inbox.wait_for(key, timeout=120)  # statusUnreadableSeconds is 20 in the local cloud
    failing_for = time.monotonic() - started
    inbox.settle(3)

    assert len(inbox.about(key)) == 1
    assert notification.topic_arn == cloud.endpoints.failed_topic_arn
    assert notification.event["detail-type"] == "Import Failed"
    detail = notification.detail
    assert (detail["outcome"], detail["reasonCode"]) == ("FAILED", "STATUS_UNREADABLE")
    assert detail["reason"].startswith("listdrop could not read the job status: its poller kept failing from ")
    assert "(last error: RuntimeError)" in detail["reason"]
    assert notification.first_line.startswith("FAILED: PUT into SES contact list 'E2ePollerDown'")
    assert "Checked: 1 of 1 row accepted" in notification.text
    assert failing_for >= 18, "it kept polling for the window (20 s from the failing poll that was due)"
    assert poller["failed"] > 4

    item = record()
    assert (item["status"], item["reason"]) == ("FAILED", detail["reason"])
    assert (item["endedAt"], item["reasonCode"]) == (detail["endedAt"], "STATUS_UNREADABLE")
    recorded = json.loads(item["outcomeDetail"])
    assert (recorded["reasonCode"], recorded["trackingId"]) == ("STATUS_UNREADABLE", detail["trackingId"])
    assert "eventJson" not in recorded, "the table holds the outcome, not the notification's copy"


def test_a_poller_that_never_answers_for_an_upload_with_nothing_checked_still_ends_in_one_failure(
    cloud, clients, inbox
):
    """No poll ever ran, so no give-up time was precomputed: the loop counts its waits against the window. And the
    outcome it builds must not read into a null `validation` (a States.Runtime error, which no catch handles)."""
    key = "imports/ses/suppression-list/put/never-polled.csv"
    record = start_tracking(
        cloud, clients, "e2e-never-polled", key, suppression_import_job(cloud, clients, "e2e-np"), None
    )
    with failing_poller(cloud):
        [notification] = inbox.wait_for(key, timeout=120)  # statusUnreadableSeconds is 20 in the local cloud
    inbox.settle(2)
    assert len(inbox.about(key)) == 1
    assert notification.detail["reasonCode"] == "STATUS_UNREADABLE"
    assert notification.detail["checks"] is None
    assert "Checked: none" in notification.text and "Rows left out: none" in notification.text
    assert record()["status"] == "FAILED"

"""The delivery promise under injected faults: one job and one notification per dropped file, whatever fails.

Each test injects a fault plan into the running local cloud (localcloud/faults.py) and checks the outcome
from the outside: the notifications that arrive, the SES import jobs that exist, the dead-letter queue.
"""

from __future__ import annotations

import json
import urllib.parse
from collections import Counter

import pytest

from listdrop.cli import main as listdrop
from listdrop.upload import tracking_id_for
from localcloud.faults import CRASH_POINTS, FaultPlan
from tests.e2e.test_pipeline import create_list, drop, job_record

pytestmark = pytest.mark.e2e


def jobs_reading(cloud, tracking_ids) -> Counter:
    """SES import jobs per upload (the staged copy's key holds the tracking id)."""
    found = Counter()
    for job in cloud.ses.jobs():
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


def test_a_crash_at_every_starter_and_poller_point_loses_nothing_and_doubles_nothing(cloud, clients, inbox):
    """One upload crashes at each named point in turn (each fires once), as retries get it further each time."""
    plan = FaultPlan.from_dict({"crashes": dict.fromkeys(CRASH_POINTS, 1.0)})
    with cloud.injecting(plan) as faults:
        dropped = drop_files(cloud, clients, "E2eCrash", 1, "crash")
        [key] = dropped
        [notification] = inbox.wait_for(key, timeout=150)
        inbox.settle(5)
    assert faults.log.counts() == {f"crashed {point}": 1 for point in CRASH_POINTS}
    assert notification.detail["outcome"] == "SUCCEEDED"
    assert len(inbox.about(key)) == 1
    assert jobs_reading(cloud, dropped.values()) == Counter(dropped.values()), "the crashed attempt's job is adopted"
    assert dead_letters(cloud, clients) == 0


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
            inbox.wait_for(key, timeout=120)
        inbox.settle(3)
    injected = faults.log.counts()
    assert injected["throttled sesv2:CreateImportJob"] > 0 and injected["failed sesv2:GetImportJob"] > 0
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

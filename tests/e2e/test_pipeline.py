"""A file dropped into the local bucket, a notification received: the whole path, as in AWS."""

from __future__ import annotations

import json
import re
import urllib.parse

import pytest

from listdrop.cli import main as listdrop
from listdrop.upload import tracking_id_for
from localcloud import demo
from tests.e2e.helpers import start_execution

pytestmark = pytest.mark.e2e
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def create_list(clients, name, topics=("weekly",)):
    clients["sesv2"].create_contact_list(
        ContactListName=name,
        Topics=[{"TopicName": t, "DisplayName": t, "DefaultSubscriptionStatus": "OPT_OUT"} for t in topics],
    )


def drop(cloud, clients, key, body) -> str:
    response = clients["s3"].put_object(Bucket=cloud.endpoints.bucket, Key=key, Body=body)
    return response["VersionId"]


def job_record(cloud, clients, key, version):
    tracking_id = tracking_id_for(cloud.endpoints.bucket, key, version)
    item = clients["dynamodb"].get_item(TableName=cloud.endpoints.table, Key={"trackingId": {"S": tracking_id}})
    return {name: next(iter(value.values())) for name, value in item["Item"].items()}


def addresses_in(text: str) -> list[str]:
    return EMAIL.findall(text)


def test_contact_list_csv_rows_left_out_before_import_are_reported_and_the_rest_imported(cloud, clients, inbox):
    create_list(clients, "E2eCsv", topics=("weekly", "offers"))
    key = "imports/ses/contact-lists/E2eCsv/put/spring signup.csv"
    readers = "".join(
        f"reader{i}@example.com,false,,OPT_IN\r\n" for i in range(16)
    )  # 2 of 20 rows left out: within the 10% default
    body = (
        "\ufeffEmail Address,unsubscribeAll,attributesData,topicPreferences.weekly\r\n"
        'ana@example.com,false,"{""plan"":""gold""}",OPT_IN\r\n'
        " bo@example.com ,FALSE,,opt_out\r\n"
        "not-an-address,false,,OPT_IN\r\n"
        "ANA@example.com,true,,OPT_IN\r\n" + readers
    )
    version = drop(cloud, clients, key, body.encode())

    [notification] = inbox.wait_for(key)
    assert notification.topic_arn == cloud.endpoints.completed_topic_arn
    assert notification.first_line.startswith("SUCCEEDED: PUT into SES contact list 'E2eCsv'")
    assert "2 rows left out before import" in notification.first_line
    assert "Checked: 18 of 20 rows accepted, 2 left out (1 duplicate)" in notification.text
    assert addresses_in(notification.text) == [], "no e-mail address may appear in a notification"
    detail = notification.detail
    assert detail["records"] == {"processed": 18, "failed": 0}
    assert detail["source"]["versionId"] == version
    checks = detail["checks"]
    assert (checks["rowsTotal"], checks["rowsAccepted"], checks["rowsRejected"], checks["duplicates"]) == (20, 18, 2, 1)
    assert any("byte order mark" in note for note in checks["normalized"])

    contacts = clients["sesv2"].list_contacts(ContactListName="E2eCsv")["Contacts"]
    assert len(contacts) == 18
    bo = clients["sesv2"].get_contact(ContactListName="E2eCsv", EmailAddress="bo@example.com")
    assert bo["TopicPreferences"] == [{"TopicName": "weekly", "SubscriptionStatus": "OPT_OUT"}]
    ana = clients["sesv2"].get_contact(ContactListName="E2eCsv", EmailAddress="ana@example.com")
    assert json.loads(ana["AttributesData"]) == {"plan": "gold"}

    report = urllib.parse.urlparse(checks["report"])
    assert report.path.lstrip("/") == f"reports/{detail['trackingId']}/rejected-rows.csv"
    rows = clients["s3"].get_object(Bucket=report.netloc, Key=report.path.lstrip("/"))["Body"].read().decode()
    assert "4,emailAddress,n***,INVALID_EMAIL" in rows
    assert "5,emailAddress,A***@e***.com,DUPLICATE_ADDRESS" in rows
    assert addresses_in(rows) == []

    record = job_record(cloud, clients, key, version)
    assert record["status"] == "SUCCEEDED"
    assert (record["processedRecords"], record["failedRecords"]) == ("18", "0")


def test_records_the_provider_fails_are_copied_into_a_failure_report(cloud, clients, inbox):
    create_list(clients, "E2eDelete")
    key = "imports/ses/contact-lists/E2eDelete/delete/unknown.csv"
    drop(cloud, clients, key, "emailAddress\nnobody@example.com\n")
    [notification] = inbox.wait_for(key)
    assert notification.first_line.startswith("COMPLETED WITH 1 FAILED RECORD: DELETE from ")
    detail = notification.detail
    report = urllib.parse.urlparse(detail["failureReport"])
    assert report.path.lstrip("/").startswith(f"reports/{detail['trackingId']}/")
    copied = clients["s3"].get_object(Bucket=report.netloc, Key=report.path.lstrip("/"))["Body"].read().decode()
    assert "contact does not exist" in copied


def test_contact_list_json_lines_import(cloud, clients, inbox):
    create_list(clients, "E2eJson")
    key = "imports/ses/contact-lists/E2eJson/put/crm.ndjson"
    lines = [
        {
            "emailAddress": "dee@example.com",
            "unsubscribeAll": False,
            "attributesData": '{"tier": 2}',
            "topicPreferences": [{"topicName": "weekly", "subscriptionStatus": "OPT_IN"}],
        },
        {"emailAddress": "eli@example.com", "unsubscribeAll": True},
    ]
    drop(cloud, clients, key, "\n".join(json.dumps(line) for line in lines) + "\n")
    [notification] = inbox.wait_for(key)
    assert notification.first_line.startswith("SUCCEEDED: PUT into SES contact list 'E2eJson'")
    assert notification.detail["records"] == {"processed": 2, "failed": 0}
    dee = clients["sesv2"].get_contact(ContactListName="E2eJson", EmailAddress="dee@example.com")
    assert json.loads(dee["AttributesData"]) == {"tier": 2}


def test_suppression_list_put_then_delete(cloud, clients, inbox):
    put_key = "imports/ses/suppression-list/put/e2e-bounces.csv"
    drop(cloud, clients, put_key, "gone@example.com,BOUNCE\nmad@example.org,COMPLAINT\n")
    [put] = inbox.wait_for(put_key)
    assert put.detail["destination"]["type"] == "SES_SUPPRESSION_LIST"
    assert put.detail["records"] == {"processed": 2, "failed": 0}
    found = clients["sesv2"].get_suppressed_destination(EmailAddress="mad@example.org")
    assert found["SuppressedDestination"]["Reason"] == "COMPLAINT"

    delete_key = "imports/ses/suppression-list/delete/e2e-reinstate.jsonl"
    drop(cloud, clients, delete_key, '{"emailAddress": "mad@example.org"}\n')
    [deleted] = inbox.wait_for(delete_key)
    assert deleted.first_line.startswith("SUCCEEDED: DELETE from SES account suppression list as listed in s3://")
    with pytest.raises(clients["sesv2"].exceptions.NotFoundException):
        clients["sesv2"].get_suppressed_destination(EmailAddress="mad@example.org")
    # Other tests of the session suppress their own addresses too: look at this test's two only.
    suppressed = cloud.emulator("ses-import").suppression_list
    assert suppressed.get("gone@example.com") == "BOUNCE"
    assert "mad@example.org" not in suppressed


def test_a_rejected_file_is_reported_and_kept(cloud, clients, inbox, capsys):
    key = "imports/ses/contact-lists/E2eCsv/archive/my old list.csv"
    version = drop(cloud, clients, key, "emailAddress\nzed@example.com\n")
    [notification] = inbox.wait_for(key)
    assert notification.topic_arn == cloud.endpoints.failed_topic_arn
    assert notification.first_line.startswith("REJECTED: s3://")
    assert "'archive' is not an action" in notification.first_line
    assert notification.event["detail-type"] == "Import Rejected"
    assert notification.detail["reasonCode"] == "UNKNOWN_ACTION"
    head = clients["s3"].head_object(Bucket=cloud.endpoints.bucket, Key=key)
    assert head["VersionId"] == version, "a rejected object is never deleted"
    assert job_record(cloud, clients, key, version)["status"] == "REJECTED"
    # `listdrop jobs list`: it ended when it was rejected, and started no job
    where = ["--table", cloud.endpoints.table, "--endpoint-url", cloud.endpoint_url]
    assert listdrop(["jobs", "list", "--status", "REJECTED", "--limit", "0", "--output", "json", *where]) == 0
    tracking_id = tracking_id_for(cloud.endpoints.bucket, key, version)
    [job] = [job for job in map(json.loads, capsys.readouterr().out.splitlines()) if job["trackingId"] == tracking_id]
    assert (job["endedAt"], job["jobStartedAt"]) == (notification.detail["endedAt"], None)
    assert (job["startedAt"], job["reasonCode"]) == (notification.detail["startedAt"], "UNKNOWN_ACTION")


def test_duplicate_s3_events_start_one_job_and_send_one_notification(cloud, clients, inbox):
    create_list(clients, "E2eDup")
    key = "imports/ses/contact-lists/E2eDup/put/once.csv"
    version = drop(cloud, clients, key, "emailAddress\nfay@example.com\n")
    inbox.wait_for(key)
    jobs_before = len(clients["sesv2"].list_import_jobs(ImportDestinationType="CONTACT_LIST")["ImportJobs"])

    duplicate = {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": cloud.endpoints.bucket},
                    "object": {
                        "key": urllib.parse.quote_plus(key),
                        "size": 31,
                        "versionId": version,
                        "sequencer": "00FF",
                    },
                },
            }
        ]
    }
    for _ in range(3):
        clients["sqs"].send_message(QueueUrl=cloud.endpoints.queue_url, MessageBody=json.dumps(duplicate))
    inbox.settle(6)

    assert len(inbox.about(key)) == 1
    jobs_after = len(clients["sesv2"].list_import_jobs(ImportDestinationType="CONTACT_LIST")["ImportJobs"])
    assert jobs_after == jobs_before
    executions = clients["stepfunctions"].list_executions(stateMachineArn=cloud.endpoints.state_machine_arn)
    name = tracking_id_for(cloud.endpoints.bucket, key, version)
    assert [e["name"] for e in executions["executions"]].count(name) == 1


def test_a_new_version_of_a_key_is_a_new_upload(cloud, clients, inbox):
    create_list(clients, "E2eVersions")
    key = "imports/ses/contact-lists/E2eVersions/put/weekly.csv"
    drop(cloud, clients, key, "emailAddress\ngil@example.com\n")
    inbox.wait_for(key, count=1)
    drop(cloud, clients, key, "emailAddress\ngil@example.com\nhal@example.com\n")
    first, second = inbox.wait_for(key, count=2)
    assert first.detail["trackingId"] != second.detail["trackingId"]
    assert sorted(n.detail["records"]["processed"] for n in (first, second)) == [1, 2]


def test_folder_markers_are_ignored(cloud, clients, inbox):
    key = "imports/ses/contact-lists/E2eCsv/put/"
    drop(cloud, clients, key, b"")
    inbox.settle(4)
    assert inbox.about(key) == []


def test_a_job_that_fails_is_reported_with_the_providers_reason(cloud, clients, inbox):
    """SES itself fails the job (here: it may not read an unchecked upload, by the bucket policy)."""
    key = "imports/ses/suppression-list/put/unchecked.csv"
    drop(cloud, clients, key, "x@example.com,BOUNCE\n")
    inbox.wait_for(key)
    job_id = clients["sesv2"].create_import_job(
        ImportDestination={"SuppressionListDestination": {"SuppressionListImportAction": "PUT"}},
        ImportDataSource={"S3Url": f"s3://{cloud.endpoints.bucket}/{key}", "DataFormat": "CSV"},
    )["JobId"]
    _start_execution(cloud, clients, "e2e-job-fails", "imports/ses/direct/unchecked.csv", job_id, 60)
    [notification] = inbox.wait_for("imports/ses/direct/unchecked.csv", timeout=30)
    assert notification.event["detail-type"] == "Import Failed"
    assert notification.first_line.startswith("FAILED: PUT into SES account suppression list")
    assert notification.detail["reasonCode"] == "JOB_FAILED"
    assert "denied" in notification.detail["reason"].lower()


SUPPRESSION_LIST = {"type": "SES_SUPPRESSION_LIST", "name": None, "label": "SES account suppression list"}
ONE_ROW = {"rowsTotal": 1, "rowsAccepted": 1, "rowsRejected": 0, "duplicates": 0, "normalized": [], "report": None}


def _start_execution(cloud, clients, name, key, job_id, deadline_in):
    """A suppression-list import's workflow for a job started outside the starter (its file checked: one row)."""
    start_execution(
        cloud,
        clients,
        name,
        "ses-import",
        job_id,
        key,
        deadline_in=deadline_in,
        destination=SUPPRESSION_LIST,
        validation=ONE_ROW,
    )


def test_a_job_still_running_at_the_deadline_ends_as_timed_out(cloud, clients, inbox):
    key = "imports/ses/suppression-list/put/slow.csv"
    drop(cloud, clients, key, "slow@example.com,BOUNCE\n")
    inbox.wait_for(key)  # the pipeline's own job for this file is done; now start a slow one on it
    cloud.emulator("ses-import").complete_after = 30  # this job will outlive the workflow's deadline
    try:
        job_id = clients["sesv2"].create_import_job(
            ImportDestination={"SuppressionListDestination": {"SuppressionListImportAction": "PUT"}},
            ImportDataSource={"S3Url": f"s3://{cloud.endpoints.bucket}/{key}", "DataFormat": "CSV"},
        )["JobId"]
    finally:
        cloud.emulator("ses-import").complete_after = 0.5
    _start_execution(
        cloud,
        clients,
        "e2e-timeout",
        "imports/ses/suppression-list/put/slow-direct.csv",
        job_id,
        deadline_in=2,
    )
    [notification] = inbox.wait_for("imports/ses/suppression-list/put/slow-direct.csv", timeout=30)
    assert notification.event["detail-type"] == "Import Timed Out"
    assert notification.first_line.startswith("TIMED OUT:")


def test_a_status_that_cannot_be_read_still_ends_in_a_failure_event(cloud, clients, inbox):
    """The poller fails for good (here: no job id); the workflow's catch path builds and publishes the event
    once the status-unreadable window (20 s in the local cloud) has passed."""
    key = "imports/ses/suppression-list/put/unreadable.csv"
    _start_execution(cloud, clients, "e2e-unreadable", key, None, deadline_in=60)
    [notification] = inbox.wait_for(key, timeout=90)
    assert notification.event["detail-type"] == "Import Failed"
    assert notification.detail["reasonCode"] == "STATUS_UNREADABLE"
    assert notification.first_line.startswith("FAILED: PUT into SES account suppression list")
    detail = notification.detail
    assert detail["reason"].startswith("listdrop could not read the job status")
    # the same schema as every other outcome event, nulls included
    assert {"providerStatus", "failureReport", "durationSeconds", "records", "notice"} <= set(detail)
    assert detail["failureReport"] is None and detail["notice"]["reason"] == detail["reason"]


def test_the_make_run_examples_all_end_in_their_expected_notification(cloud):
    ids = demo.seed(cloud, json.loads((demo.EXAMPLES / "setup.json").read_text()))
    reader = demo.NotificationReader(cloud.client("sqs"), cloud.endpoints.notifications_queue_url)
    problems = demo.run_examples(cloud, reader, demo.load_phases(demo.EXAMPLES / "expected.json"), timeout=60, ids=ids)
    assert problems == []

"""A file over one SES job's record limit: several jobs in the local cloud, one upload, one outcome."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import drop, job_id_of, tracking_id

pytestmark = pytest.mark.e2e
DELETE_LIMIT = 10_000  # addresses per suppression-list DELETE job (validation/formats.py)


def addresses(prefix: str, rows: int) -> list[str]:
    return [f"{prefix}{n}@example.com" for n in range(rows)]


def delete_file(cloud, clients, inbox, name: str, listed: list[str], detail_type: str):
    """Drop a suppression-list DELETE file of these addresses: its tracking id and its one notification, which has
    this detail-type and went to the topic for it."""
    key = f"imports/ses/suppression-list/delete/{name}.csv"
    version = drop(cloud, clients, key, "".join(f"{address}\n" for address in listed))
    [notification] = inbox.wait_for(key)
    assert notification.event["detail-type"] == detail_type
    succeeded = detail_type.endswith("Succeeded")
    topic = cloud.endpoints.completed_topic_arn if succeeded else cloud.endpoints.failed_topic_arn
    assert notification.topic_arn == topic
    return tracking_id(cloud, key, version), notification


def test_a_delete_file_of_25000_addresses_is_three_jobs_and_one_success(cloud, clients, inbox):
    listed = addresses("split-ok-", 25_000)
    put_key = "imports/ses/suppression-list/put/split-ok.csv"
    drop(cloud, clients, put_key, "".join(f"{address},BOUNCE\n" for address in listed))
    [put] = inbox.wait_for(put_key)
    assert put.detail["outcome"] == "SUCCEEDED" and put.detail["parts"] is None, "100,000 per PUT job: one job"
    jobs_before = len(cloud.emulator("ses-import").jobs())

    tracking, notification = delete_file(cloud, clients, inbox, "split-ok", listed, "Import Succeeded")
    detail = notification.detail
    assert detail["records"] == {"processed": 25_000, "failed": 0}
    assert [(part["rows"], part["state"], part["processed"]) for part in detail["parts"]] == [
        ({"first": 1, "last": 10_000}, "SUCCEEDED", 10_000),
        ({"first": 10_001, "last": 20_000}, "SUCCEEDED", 10_000),
        ({"first": 20_001, "last": 25_000}, "SUCCEEDED", 5_000),
    ]
    assert detail["providerJobId"] == job_id_of(cloud, clients, tracking)
    assert detail["providerJobId"].startswith("split:")
    assert detail["notice"]["rows"] == "25,000 of 25,000 rows accepted, in 3 jobs of at most 10,000 rows"
    jobs = cloud.emulator("ses-import").jobs()[jobs_before:]
    assert len(jobs) == 3, "one SES job per part, no more"
    assert inbox.about(notification.detail["source"]["key"]) == [notification]


def test_one_part_that_fails_gives_one_failure_naming_the_rows_not_imported(cloud, clients, inbox):
    listed = addresses("split-fail-", 2 * DELETE_LIMIT + 1)  # not on the list: each job completes with them failed
    cloud.emulator("ses-import").fail_next("SES could not process this part")
    tracking, notification = delete_file(cloud, clients, inbox, "split-fail", listed, "Import Failed")
    detail = notification.detail
    assert detail["reasonCode"] == "JOB_FAILED"
    states = [part["state"] for part in detail["parts"]]
    assert sorted(states) == ["FAILED", "SUCCEEDED", "SUCCEEDED"]
    failed = detail["parts"][states.index("FAILED")]
    failed_rows = f"rows {failed['rows']['first']:,}-{failed['rows']['last']:,}"
    if failed["rows"]["first"] == failed["rows"]["last"]:
        failed_rows = f"row {failed['rows']['first']:,}"
    assert (
        f"Not imported: {failed_rows} (job {failed['jobId']}, FAILED: SES could not process this part)"
        in (detail["reason"])
    )
    assert "1 of the 3 jobs the file was split into did not succeed" in detail["reason"]
    assert notification.first_line.startswith("FAILED: DELETE from")
    assert "@" not in detail["reason"]
    # The parts that completed failed their addresses (none was listed): each one's SES report is copied.
    completed = [part["part"] for part in detail["parts"] if part["state"] == "SUCCEEDED"]
    folder = f"reports/{tracking}/"
    assert detail["failureReport"] == f"s3://{cloud.endpoints.bucket}/{folder}failed-records.csv"
    listed_reports = clients["s3"].list_objects_v2(Bucket=cloud.endpoints.bucket, Prefix=folder)["Contents"]
    assert sorted(item["Key"][len(folder) :] for item in listed_reports) == [
        "failed-records-part-" + f"{completed[1]:04d}.csv",
        "failed-records.csv",
    ]


def test_a_file_over_every_job_one_upload_may_start_is_rejected_before_any_job(cloud, clients, inbox):
    key = "imports/ses/suppression-list/delete/too-many.csv"
    jobs_before = len(cloud.emulator("ses-import").jobs())
    drop(cloud, clients, key, "".join(f"user{i}@example.com\n" for i in range(20 * DELETE_LIMIT + 1)))
    [notification] = inbox.wait_for(key)
    assert notification.topic_arn == cloud.endpoints.failed_topic_arn
    assert notification.detail["reasonCode"] == "TOO_MANY_RECORDS"
    assert "10,000" in notification.detail["reason"] and "at most 20 jobs" in notification.detail["reason"]
    assert notification.detail["providerJobId"] is None
    assert len(cloud.emulator("ses-import").jobs()) == jobs_before

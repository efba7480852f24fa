"""Every job API beyond SES imports, end to end in the local cloud: SES exports, Mail Manager address-list
imports and Pinpoint endpoint imports, each to success, failure, cancel or stop, and time-out."""

from __future__ import annotations

import csv
import io
import itertools
import json
import urllib.request

import pytest

from tests.e2e.helpers import cancel_with_the_cli, drop, job_id_of, start_execution, tracking_id, wait_until

pytestmark = pytest.mark.e2e

METRICS_REQUEST = {
    "ExportDataSource": {
        "MetricsDataSource": {
            "Namespace": "VDM",
            "Dimensions": {"EMAIL_IDENTITY": ["example.com"]},
            "Metrics": [{"Name": "SEND", "Aggregation": "VOLUME"}, {"Name": "DELIVERY", "Aggregation": "RATE"}],
            "StartDate": "2026-11-01",
            "EndDate": "2026-11-04",
        }
    },
    "ExportDestination": {"DataFormat": "CSV"},
}


@pytest.fixture(scope="module")
def seeded(cloud):
    cloud.emulator("ses-export").seed_metrics(
        [
            {"date": f"2026-11-0{day}", "dimensions": {"EMAIL_IDENTITY": "example.com"}, "counts": counts}
            for day, counts in ((1, {"SEND": 100, "DELIVERY": 90}), (2, {"SEND": 50, "DELIVERY": 50}))
        ]
        + [{"date": "2026-11-02", "dimensions": {"EMAIL_IDENTITY": "other.example"}, "counts": {"SEND": 7}}]
    )
    return cloud


# -- SES exports -----------------------------------------------------------------------------------


def test_an_export_request_ends_with_the_file_copied_into_the_bucket(seeded, clients, inbox):
    key = "exports/ses/weekly-metrics.json"
    drop(seeded, clients, key, json.dumps(METRICS_REQUEST))
    [notification] = inbox.wait_for(key, timeout=30)
    detail = notification.detail
    assert notification.event["detail-type"] == "Export Succeeded"
    assert detail["provider"] == "ses-export" and detail["providerStatus"] == "COMPLETED"
    result = detail["result"]
    assert result.startswith(f"s3://{seeded.endpoints.bucket}/exports/results/{detail['providerJobId']}/")
    assert detail["records"]["processed"] == 2  # two days of example.com; other.example is filtered out
    assert notification.first_line.startswith("SUCCEEDED: SES export 'weekly-metrics' from s3://")
    assert f"2 records exported to {result}" in notification.first_line
    assert f"Result file: {result}" in notification.text
    bucket, _, copied_key = result.removeprefix("s3://").partition("/")
    body = clients["s3"].get_object(Bucket=bucket, Key=copied_key)["Body"].read().decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(row["Date"], row["SEND_VOLUME"]) for row in rows] == [("2026-11-01", "100"), ("2026-11-02", "50")]
    assert float(rows[0]["DELIVERY_RATE"]) == pytest.approx(0.9)


def test_an_export_request_that_breaks_the_apis_rules_is_rejected_before_any_call(seeded, clients, inbox):
    request = json.loads(json.dumps(METRICS_REQUEST))
    request["ExportDataSource"]["MetricsDataSource"]["Dimensions"] = {
        "EMAIL_IDENTITY": ["a.example"],
        "CONFIGURATION_SET": ["c"],
        "ISP": ["Gmail"],
        "TENANT_NAME": ["t"],
    }
    jobs_before = len(seeded.emulator("ses-export").jobs())
    key = "exports/ses/too-many-dimensions.json"
    drop(seeded, clients, key, json.dumps(request))
    [notification] = inbox.wait_for(key, timeout=30)
    assert notification.event["detail-type"] == "Export Rejected"
    assert notification.detail["reasonCode"] == "INVALID_EXPORT_REQUEST"
    assert "at most 3" in notification.detail["reason"]
    assert len(seeded.emulator("ses-export").jobs()) == jobs_before


def test_an_export_that_fails_reports_the_services_failure_info(seeded, clients, inbox):
    seeded.emulator("ses-export").fail_next("The export could not be generated.")
    key = "exports/ses/failing.json"
    drop(seeded, clients, key, json.dumps(METRICS_REQUEST))
    [notification] = inbox.wait_for(key, timeout=30)
    assert notification.event["detail-type"] == "Export Failed"
    assert notification.detail["reasonCode"] == "JOB_FAILED"
    assert notification.detail["reason"] == "The export could not be generated."
    assert notification.detail["result"] is None


def test_a_running_export_cancelled_with_the_cli_is_reported_cancelled(seeded, clients, inbox, capsys):
    seeded.emulator("ses-export").hold(True)
    try:
        key = "exports/ses/to-cancel.json"
        version = drop(seeded, clients, key, json.dumps(METRICS_REQUEST))
        tracking = tracking_id(seeded, key, version)
        job_id = job_id_of(seeded, clients, tracking)
        printed = cancel_with_the_cli(seeded, tracking, capsys)
        assert job_id in printed
        [notification] = inbox.wait_for(key, timeout=30)
    finally:
        seeded.emulator("ses-export").hold(False)
    assert seeded.emulator("ses-export").job(job_id).status == "CANCELLED"
    assert notification.first_line.startswith("CANCELLED: SES export 'to-cancel' from s3://")
    assert notification.detail["reasonCode"] == "JOB_CANCELLED"


def test_a_burst_of_export_requests_keeps_to_one_create_per_second_and_loses_none(seeded, clients, inbox):
    keys = [f"exports/ses/burst/request-{n}.json" for n in range(4)]
    for key in keys:
        drop(seeded, clients, key, json.dumps(METRICS_REQUEST))
    notifications = [inbox.wait_for(key, timeout=60)[0] for key in keys]
    assert {n.detail["outcome"] for n in notifications} == {"SUCCEEDED"}
    job_ids = {n.detail["providerJobId"] for n in notifications}
    assert len(job_ids) == len(keys)
    created = sorted(job.created_at for job in seeded.emulator("ses-export").jobs() if job.job_id in job_ids)
    gaps = [later - earlier for earlier, later in itertools.pairwise(created)]
    assert min(gaps) >= 1.0, gaps


def test_an_export_running_past_the_time_limit_is_cancelled_and_reported(seeded, clients, inbox):
    seeded.emulator("ses-export").hold(True)
    try:
        job_id = clients["sesv2"].create_export_job(
            ExportDataSource={
                "MetricsDataSource": {
                    **METRICS_REQUEST["ExportDataSource"]["MetricsDataSource"],
                    "StartDate": "2026-11-01T00:00:00Z",
                    "EndDate": "2026-11-02T00:00:00Z",
                }
            },
            ExportDestination={"DataFormat": "CSV"},
        )["JobId"]
        key = "exports/ses/slow-direct.json"
        start_execution(seeded, clients, "e2e-export-timeout", "ses-export", job_id, key, deadline_in=2)
        [notification] = inbox.wait_for(key, timeout=30)
    finally:
        seeded.emulator("ses-export").hold(False)
    assert notification.event["detail-type"] == "Export Timed Out"
    assert "listdrop stopped it" in notification.detail["reason"]
    assert seeded.emulator("ses-export").job(job_id).status == "CANCELLED"


# -- Mail Manager ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def address_list(cloud):
    client = cloud.client("mailmanager")
    return client.create_address_list(AddressListName="e2e-allowed-senders")["AddressListId"]


def test_a_mail_manager_file_is_checked_streamed_to_the_job_and_applied(cloud, clients, inbox, address_list):
    key = f"imports/mail-manager/address-lists/{address_list}/partners.csv"
    good = [f"person{n}@partner.example" for n in range(12)]
    drop(cloud, clients, key, "\r\n".join(["Email", *good[:6], "not-an-address", *good[6:]]) + "\r\n")
    [notification] = inbox.wait_for(key, timeout=30)
    detail = notification.detail
    assert detail["outcome"] == "SUCCEEDED" and detail["provider"] == "mail-manager", detail["reason"]
    assert detail["records"] == {"processed": 12, "failed": 0}
    assert detail["checks"]["rowsRejected"] == 1  # the bad row never reached the job; it is in the report
    assert cloud.emulator("mail-manager").members(address_list) >= set(good)
    job = cloud.emulator("mail-manager").job(detail["providerJobId"])
    assert job.status == "COMPLETED"
    assert "@" not in notification.first_line


WILD_ITEMS = ("gus@partner.example", "*@wild.example", "*.wild.example")


@pytest.mark.parametrize(
    ("name", "body", "expected"),
    [
        (
            "partners.jsonl",
            '{"address": "ed@partner.example"}\n{"Email": "fay@partner.example"}\n',
            ("ed@partner.example", "fay@partner.example"),
        ),
        ("partners.json", json.dumps({"items": [{"address": a} for a in WILD_ITEMS]}, indent=2), WILD_ITEMS),
    ],
    ids=["json-lines", "items-document"],
)
def test_a_json_mail_manager_file_is_imported_in_the_documented_layout(
    cloud, clients, inbox, address_list, name, body, expected
):
    """The job is told CSV and gets the CSV with the header 'address': the emulator fails any other layout, as
    Mail Manager documents only that CSV and {"items": [...]}."""
    key = f"imports/mail-manager/address-lists/{address_list}/{name}"
    drop(cloud, clients, key, body)
    [notification] = inbox.wait_for(key, timeout=30)
    detail = notification.detail
    assert detail["outcome"] == "SUCCEEDED", detail["reason"]
    assert detail["records"] == {"processed": len(expected), "failed": 0}
    assert cloud.emulator("mail-manager").members(address_list) >= set(expected)
    assert cloud.emulator("mail-manager").job(detail["providerJobId"]).import_data_type == "CSV"
    staged_key = f"staging/mail-manager/{detail['trackingId']}.csv"
    staged = clients["s3"].get_object(Bucket=cloud.endpoints.bucket, Key=staged_key)["Body"].read().decode()
    assert staged.splitlines() == ["address", *expected]


def test_a_mail_manager_delete_key_is_reported_against_its_list(cloud, clients, inbox, address_list):
    key = f"imports/mail-manager/address-lists/{address_list}/delete/leavers.csv"
    drop(cloud, clients, key, "address\nana@partner.example\n")
    [notification] = inbox.wait_for(key, timeout=30)
    detail = notification.detail
    assert (detail["outcome"], detail["reasonCode"]) == ("REJECTED", "UNSUPPORTED_ACTION")
    assert detail["destination"]["label"] == f"Mail Manager address list {address_list}"
    assert f"Destination: Mail Manager address list {address_list}" in notification.text
    assert "no destination" not in notification.text


def test_a_mail_manager_file_for_an_unknown_list_is_rejected(cloud, clients, inbox):
    key = "imports/mail-manager/address-lists/al-does-not-exist/a.csv"
    drop(cloud, clients, key, "address\nana@partner.example\n")
    [notification] = inbox.wait_for(key, timeout=30)
    assert notification.detail["reasonCode"] == "UNKNOWN_ADDRESS_LIST"


def test_a_failed_mail_manager_job_reports_its_error(cloud, clients, inbox, address_list):
    cloud.emulator("mail-manager").fail_next("The input file could not be processed.")
    key = f"imports/mail-manager/address-lists/{address_list}/failing.json"
    drop(cloud, clients, key, '{"address": "cy@partner.example"}\n')
    [notification] = inbox.wait_for(key, timeout=30)
    assert notification.event["detail-type"] == "Import Failed"
    assert notification.detail["reason"] == "The input file could not be processed."


def test_a_mail_manager_job_stopped_with_the_cli_is_reported(cloud, clients, inbox, address_list, capsys):
    cloud.emulator("mail-manager").hold(True)
    try:
        key = f"imports/mail-manager/address-lists/{address_list}/to-stop.csv"
        version = drop(cloud, clients, key, "address\ndi@partner.example\n")
        tracking = tracking_id(cloud, key, version)
        job_id = job_id_of(cloud, clients, tracking)
        wait_until(lambda: cloud.emulator("mail-manager").job(job_id).status == "PROCESSING")
        cancel_with_the_cli(cloud, tracking, capsys)
        [notification] = inbox.wait_for(key, timeout=30)
    finally:
        cloud.emulator("mail-manager").hold(False)
    assert cloud.emulator("mail-manager").job(job_id).status == "STOPPED"
    assert notification.first_line.startswith("CANCELLED: PUT into Mail Manager address list")
    assert notification.detail["providerStatus"] == "STOPPED"


def test_a_mail_manager_job_past_the_time_limit_is_stopped(cloud, clients, inbox, address_list):
    client = cloud.client("mailmanager")
    cloud.emulator("mail-manager").hold(True)
    try:
        created = client.create_address_list_import_job(
            AddressListId=address_list, Name="slow", ImportDataFormat={"ImportDataType": "CSV"}
        )
        upload = urllib.request.Request(created["PreSignedUrl"], data=b"address\nslow@partner.example\n", method="PUT")
        upload.add_header("Content-Type", "text/csv")
        urllib.request.urlopen(upload).close()
        client.start_address_list_import_job(JobId=created["JobId"])
        key = f"imports/mail-manager/address-lists/{address_list}/slow-direct.csv"
        start_execution(cloud, clients, "e2e-mm-timeout", "mail-manager", created["JobId"], key, deadline_in=2)
        [notification] = inbox.wait_for(key, timeout=30)
    finally:
        cloud.emulator("mail-manager").hold(False)
    assert notification.event["detail-type"] == "Import Timed Out"
    assert "listdrop stopped it" in notification.detail["reason"]
    assert cloud.emulator("mail-manager").job(created["JobId"]).status == "STOPPED"


# -- Pinpoint --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def application(cloud):
    response = cloud.client("pinpoint").create_app(CreateApplicationRequest={"Name": "e2e"})
    return response["ApplicationResponse"]["Id"]


ENDPOINTS_CSV = "ChannelType,Address,User.UserId\nEMAIL,ana@shop.example,u1\nEMAIL,bo@shop.example,u2\n"


def test_a_pinpoint_file_defines_a_new_segment_through_the_import_role(cloud, clients, inbox, application):
    key = f"imports/pinpoint/{application}/new-segment/Winter buyers/endpoints.csv"
    drop(cloud, clients, key, ENDPOINTS_CSV)
    [notification] = inbox.wait_for(key, timeout=30)
    detail = notification.detail
    assert detail["outcome"] == "SUCCEEDED", detail["reason"]
    assert detail["records"] == {"processed": 2, "failed": 0}
    assert detail["providerProgress"]["completedPieces"] == detail["providerProgress"]["totalPieces"] == 1
    app_id, _, job_id = detail["providerJobId"].partition("/")
    assert app_id == application
    job = cloud.emulator("pinpoint-import").job(application, job_id)
    # the import read the checked copy, as the import role (which may read nothing else)
    assert job.describe()["Definition"]["S3Url"].startswith(f"s3://{cloud.endpoints.bucket}/staging/pinpoint-import/")
    segments = cloud.emulator("pinpoint-import").segments(application)
    assert [segment["Name"] for segment in segments.values()] == ["Winter buyers"]
    assert {e["Address"] for e in cloud.emulator("pinpoint-import").endpoints(application).values()} >= {
        "ana@shop.example"
    }


def test_a_failed_pinpoint_import_carries_its_first_failures(cloud, clients, inbox, application):
    cloud.emulator("pinpoint-import").fail_next("The file could not be read.")
    key = f"imports/pinpoint/{application}/endpoints/failing.csv"
    drop(cloud, clients, key, ENDPOINTS_CSV)
    [notification] = inbox.wait_for(key, timeout=30)
    detail = notification.detail
    assert notification.event["detail-type"] == "Import Failed"
    assert detail["providerStatus"] == "FAILED"
    assert "The file could not be read." in detail["reason"]
    assert detail["providerProgress"]["firstFailures"]


def test_a_pinpoint_file_for_an_unknown_segment_is_rejected(cloud, clients, inbox, application):
    key = f"imports/pinpoint/{application}/segment/no-such-segment/a.csv"
    drop(cloud, clients, key, ENDPOINTS_CSV)
    [notification] = inbox.wait_for(key, timeout=30)
    assert notification.detail["reasonCode"] == "UNKNOWN_SEGMENT"


def test_a_pinpoint_import_past_the_time_limit_times_out_without_a_stop_call(cloud, clients, inbox, application):
    cloud.emulator("pinpoint-import").hold(True)
    try:
        key = f"imports/pinpoint/{application}/endpoints/slow.csv"
        version = drop(cloud, clients, key, ENDPOINTS_CSV)
        job_id = job_id_of(cloud, clients, tracking_id(cloud, key, version))
        direct = f"imports/pinpoint/{application}/endpoints/slow-direct.csv"
        start_execution(cloud, clients, "e2e-pinpoint-timeout", "pinpoint-import", job_id, direct, deadline_in=2)
        [notification] = inbox.wait_for(direct, timeout=30)
    finally:
        cloud.emulator("pinpoint-import").hold(False)
    assert notification.event["detail-type"] == "Import Timed Out"
    assert notification.detail["reason"].endswith("listdrop stopped watching it.")

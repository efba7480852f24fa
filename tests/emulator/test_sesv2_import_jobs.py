"""The SES v2 import-job emulator, driven through moto's HTTP server with plain boto3 clients."""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.server import ThreadedMotoServer
from moto.sesv2.responses import SESV2Response

from localcloud.emulators.sesv2_import_jobs import SesImportJobEmulator
from localcloud.emulators.sesv2_import_jobs import files as sesv2_import_files

REGION = "us-east-1"
BUCKET = "listdrop-test-imports"
LIST = "newsletter"


# ------------------------------------------------------------------------------------------- helpers


def sesv2(url: str, **config: Any) -> Any:
    return boto3.client("sesv2", endpoint_url=url, region_name=REGION, config=Config(**config))


def s3(url: str) -> Any:
    return boto3.client("s3", endpoint_url=url, region_name=REGION)


def ses_read_policy(
    bucket: str, *, principal: Any = None, action: Any = "s3:GetObject", resource: str | None = None
) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": principal or {"Service": "ses.amazonaws.com"},
                "Action": action,
                "Resource": resource or f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


def put_source(url: str, key: str, body: str, *, policy: dict[str, Any] | None = None, grant: bool = True) -> str:
    """Upload an import file to BUCKET, then a bucket policy (granting SES unless told otherwise).

    The object goes first because moto enforces bucket policies on its own clients ignoring Principal, so a
    Deny meant for SES would also block the upload.
    """
    client = s3(url)
    client.create_bucket(Bucket=BUCKET)
    client.put_object(Bucket=BUCKET, Key=key, Body=body.encode())
    if policy is None and grant:
        policy = ses_read_policy(BUCKET)
    if policy is not None:
        client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    return f"s3://{BUCKET}/{key}"


def create_list(url: str, topics: tuple[str, ...] = ("news", "offers")) -> None:
    sesv2(url).create_contact_list(
        ContactListName=LIST,
        Topics=[{"TopicName": t, "DisplayName": t.title(), "DefaultSubscriptionStatus": "OPT_OUT"} for t in topics],
    )


def contact_job(url: str, s3_url: str, data_format: str, action: str = "PUT") -> str:
    destination = {"ContactListName": LIST, "ContactListImportAction": action}
    return sesv2(url).create_import_job(
        ImportDestination={"ContactListDestination": destination},
        ImportDataSource={"S3Url": s3_url, "DataFormat": data_format},
    )["JobId"]


def suppression_job(url: str, s3_url: str, data_format: str, action: str = "PUT") -> str:
    return sesv2(url).create_import_job(
        ImportDestination={"SuppressionListDestination": {"SuppressionListImportAction": action}},
        ImportDataSource={"S3Url": s3_url, "DataFormat": data_format},
    )["JobId"]


def wait_final(url: str, job_id: str, timeout: float = 5.0) -> dict[str, Any]:
    client = sesv2(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get_import_job(JobId=job_id)
        if job["JobStatus"] in ("COMPLETED", "FAILED"):
            return job
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not finish within {timeout} s")


def failed_rows(job: dict[str, Any]) -> list[dict[str, str]]:
    """The failed-records CSV, fetched through the pre-signed URL as a client of SES would."""
    with urllib.request.urlopen(job["FailureInfo"]["FailedRecordsS3Url"], timeout=5) as response:
        return list(csv.DictReader(io.StringIO(response.read().decode())))


def contacts(url: str) -> dict[str, dict[str, Any]]:
    listed = sesv2(url).list_contacts(ContactListName=LIST)["Contacts"]
    return {c["EmailAddress"]: c for c in listed}


# ---------------------------------------------------------------------------------- routing, install


def test_install_is_idempotent_wraps_dispatcher_once_and_leaves_moto_alone(emulator: SesImportJobEmulator) -> None:
    dispatcher = DomainDispatcherApplication.get_application
    emulator.install()
    assert DomainDispatcherApplication.get_application is dispatcher
    assert not hasattr(dispatcher.__wrapped__, "_listdrop_emulator_kit")
    assert not hasattr(SESV2Response, "create_import_job")  # served by the kit's route, not a patched method


def test_server_started_after_install_is_served_too(emulator: SesImportJobEmulator) -> None:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        client = sesv2(f"http://{host}:{port}")
        with pytest.raises(client.exceptions.NotFoundException):
            client.get_import_job(JobId=str(uuid.uuid4()))
    finally:
        server.stop()


def test_unknown_job_is_not_found(emulator: SesImportJobEmulator, moto_url: str) -> None:
    client = sesv2(moto_url)
    with pytest.raises(client.exceptions.NotFoundException) as error:
        client.get_import_job(JobId="no-such-job")
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_request_for_other_region_is_rejected(emulator: SesImportJobEmulator, moto_url: str) -> None:
    client = boto3.client("sesv2", endpoint_url=moto_url, region_name="eu-west-1")
    expected = "serves account 123456789012 in us-east-1"
    with pytest.raises(client.exceptions.BadRequestException, match=expected):
        client.list_import_jobs()


# ---------------------------------------------------------------------------------------- lifecycle


def test_status_goes_created_processing_completed(emulator: SesImportJobEmulator, moto_url: str) -> None:
    """Its own emulator with wide windows, so a loaded machine cannot skip a state between two polls."""
    slow = SesImportJobEmulator(endpoint_url=moto_url, processing_after=0.3, complete_after=0.8)
    slow.install()
    try:
        create_list(moto_url)
        s3_url = put_source(moto_url, "c.csv", "emailAddress\nalice@example.com\n")
        job_id = contact_job(moto_url, s3_url, "CSV")
        client = sesv2(moto_url)
        first = client.get_import_job(JobId=job_id)
        assert (first["JobStatus"], first["ProcessedRecordsCount"]) == ("CREATED", 0)
        assert "CompletedTimestamp" not in first
        seen = [first["JobStatus"]]
        while seen[-1] not in ("COMPLETED", "FAILED"):
            time.sleep(0.01)
            seen.append(client.get_import_job(JobId=job_id)["JobStatus"])
        assert list(dict.fromkeys(seen)) == ["CREATED", "PROCESSING", "COMPLETED"]
        final = client.get_import_job(JobId=job_id)
        assert final["CompletedTimestamp"] >= final["CreatedTimestamp"]
        assert slow.job(job_id).processed_records_count == 1
        with pytest.raises(KeyError):
            emulator.job(job_id)  # the session emulator was not serving while this one was installed
    finally:
        emulator.install()


def test_the_processed_count_moves_while_the_job_runs(emulator: SesImportJobEmulator, moto_url: str) -> None:
    """GetImportJob's ProcessedRecordsCount is "the current number of records processed": halfway through, half
    of the file's records (here held PROCESSING there), then the final count."""
    create_list(moto_url)
    s3_url = put_source(moto_url, "halfway.csv", CONTACT_CSV)
    emulator.hold()
    try:
        job_id = contact_job(moto_url, s3_url, "CSV")
        client, deadline = sesv2(moto_url), time.monotonic() + 5
        job = client.get_import_job(JobId=job_id)
        while job["ProcessedRecordsCount"] == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
            job = client.get_import_job(JobId=job_id)
        assert (job["JobStatus"], job["ProcessedRecordsCount"]) == ("PROCESSING", 7 // 2)  # of 2 good, 5 failed
    finally:
        emulator.hold(False)
    done = wait_final(moto_url, job_id)
    assert (done["ProcessedRecordsCount"], done["FailedRecordsCount"]) == (2, 5)


# ----------------------------------------------------------------------------------- contact lists


CONTACT_CSV = (
    "\n".join(
        [
            "emailAddress,unsubscribeAll,attributesData,topicPreferences.news,topicPreferences.offers",
            'alice@example.com,false,"{""name"": ""Alice""}",OPT_IN,OPT_OUT',
            "bob@example.com,TRUE,,OPT_OUT,",
            "",
            "not-an-email,false,,OPT_IN,",
            "carol@example.com,maybe,,,",
            "dave@example.com,false,{not json},,",
            "erin@example.com,false,,SOMETIMES,",
            "frank@example.com,false",
        ]
    )
    + "\n"
)


def test_contact_csv_put_applies_valid_rows_and_reports_the_rest(emulator: SesImportJobEmulator, moto_url: str) -> None:
    create_list(moto_url)
    job_id = contact_job(moto_url, put_source(moto_url, "contacts.csv", CONTACT_CSV), "CSV")
    job = wait_final(moto_url, job_id)

    assert job["JobStatus"] == "COMPLETED"
    assert (job["ProcessedRecordsCount"], job["FailedRecordsCount"]) == (2, 5)
    assert "ErrorMessage" not in job["FailureInfo"]
    stored = contacts(moto_url)
    assert set(stored) == {"alice@example.com", "bob@example.com"}
    alice = sesv2(moto_url).get_contact(ContactListName=LIST, EmailAddress="alice@example.com")
    assert json.loads(alice["AttributesData"]) == {"name": "Alice"}
    assert alice["UnsubscribeAll"] is False
    assert alice["TopicPreferences"] == [
        {"TopicName": "news", "SubscriptionStatus": "OPT_IN"},
        {"TopicName": "offers", "SubscriptionStatus": "OPT_OUT"},
    ]
    assert stored["bob@example.com"]["UnsubscribeAll"] is True

    rows = failed_rows(job)
    lines = CONTACT_CSV.split("\n")
    assert [row["lineNumber"] for row in rows] == ["5", "6", "7", "8", "9"]
    assert [row["record"] for row in rows] == [lines[n - 1] for n in (5, 6, 7, 8, 9)]
    errors = [row["error"] for row in rows]
    assert "not a valid email" in errors[0]
    assert "unsubscribeAll" in errors[1]
    assert "attributesData" in errors[2]
    assert "OPT_IN or OPT_OUT" in errors[3]
    assert "expected 5 fields" in errors[4]


def test_contact_json_put(emulator: SesImportJobEmulator, moto_url: str) -> None:
    create_list(moto_url)
    body = "\n".join(
        [
            json.dumps(
                {
                    "emailAddress": "alice@example.com",
                    "unsubscribeAll": False,
                    "attributesData": '{"tier": "gold"}',
                    "topicPreferences": [{"topicName": "news", "subscriptionStatus": "OPT_IN"}],
                }
            ),
            "",
            json.dumps({"emailAddress": "bob@example.com", "unsubscribeAll": True}),
            '["not", "an", "object"]',
            json.dumps(
                {
                    "emailAddress": "carol@example.com",
                    "topicPreferences": [{"topicName": "sports", "subscriptionStatus": "OPT_IN"}],
                }
            ),
            json.dumps({"emailAddress": "dave@example.com", "attributesData": "[1, 2]"}),
            "{broken json",
        ]
    )
    job = wait_final(moto_url, contact_job(moto_url, put_source(moto_url, "c.jsonl", body), "JSON"))

    assert (job["JobStatus"], job["ProcessedRecordsCount"], job["FailedRecordsCount"]) == ("COMPLETED", 2, 4)
    stored = contacts(moto_url)
    assert set(stored) == {"alice@example.com", "bob@example.com"}
    assert stored["alice@example.com"]["TopicPreferences"] == [{"TopicName": "news", "SubscriptionStatus": "OPT_IN"}]
    alice = sesv2(moto_url).get_contact(ContactListName=LIST, EmailAddress="alice@example.com")
    assert alice["AttributesData"] == '{"tier": "gold"}'
    rows = failed_rows(job)
    assert [row["lineNumber"] for row in rows] == ["4", "5", "6", "7"]
    assert "not a JSON object" in rows[0]["error"]
    assert rows[1]["error"] == "topic 'sports' is not a topic of the contact list"
    assert "JSON object" in rows[2]["error"]
    assert "not valid JSON" in rows[3]["error"]


def test_contact_put_overwrites_existing_contact(emulator: SesImportJobEmulator, moto_url: str) -> None:
    create_list(moto_url)
    sesv2(moto_url).create_contact(
        ContactListName=LIST, EmailAddress="alice@example.com", UnsubscribeAll=True, AttributesData="{}"
    )
    body = "emailAddress,topicPreferences.offers\nalice@example.com,OPT_IN\n"
    job = wait_final(moto_url, contact_job(moto_url, put_source(moto_url, "c.csv", body), "CSV"))
    assert (job["ProcessedRecordsCount"], job["FailedRecordsCount"]) == (1, 0)
    assert "FailureInfo" not in job
    alice = sesv2(moto_url).get_contact(ContactListName=LIST, EmailAddress="alice@example.com")
    assert alice["UnsubscribeAll"] is False
    assert "AttributesData" not in alice
    assert alice["TopicPreferences"] == [{"TopicName": "offers", "SubscriptionStatus": "OPT_IN"}]


def test_contact_delete(emulator: SesImportJobEmulator, moto_url: str) -> None:
    create_list(moto_url)
    client = sesv2(moto_url)
    for address in ("alice@example.com", "bob@example.com"):
        client.create_contact(ContactListName=LIST, EmailAddress=address)
    body = "emailAddress\nalice@example.com\nzoe@example.com\n"
    job = wait_final(moto_url, contact_job(moto_url, put_source(moto_url, "d.csv", body), "CSV", "DELETE"))
    assert (job["ProcessedRecordsCount"], job["FailedRecordsCount"]) == (1, 1)
    assert set(contacts(moto_url)) == {"bob@example.com"}
    expected = {"lineNumber": "3", "error": "contact does not exist", "record": "zoe@example.com"}
    assert failed_rows(job) == [expected]


def test_contact_json_delete(emulator: SesImportJobEmulator, moto_url: str) -> None:
    create_list(moto_url)
    sesv2(moto_url).create_contact(ContactListName=LIST, EmailAddress="alice@example.com")
    job = wait_final(
        moto_url,
        contact_job(
            moto_url, put_source(moto_url, "d.jsonl", '{"emailAddress": "alice@example.com"}\n'), "JSON", "DELETE"
        ),
    )
    assert (job["JobStatus"], job["ProcessedRecordsCount"]) == ("COMPLETED", 1)
    assert contacts(moto_url) == {}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("email,unsubscribeAll", "no emailAddress column"),
        ("emailAddress,nickname", "Unknown column 'nickname'"),
    ],
)
def test_bad_contact_csv_header_fails_the_job(
    emulator: SesImportJobEmulator, moto_url: str, header: str, message: str
) -> None:
    create_list(moto_url)
    s3_url = put_source(moto_url, "h.csv", f"{header}\na@example.com,x\n")
    job = wait_final(moto_url, contact_job(moto_url, s3_url, "CSV"))
    assert job["JobStatus"] == "FAILED"
    assert message in job["FailureInfo"]["ErrorMessage"]
    assert "FailedRecordsS3Url" not in job["FailureInfo"]
    assert contacts(moto_url) == {}


# -------------------------------------------------------------------------------- suppression list


def test_suppression_csv_put_and_delete(emulator: SesImportJobEmulator, moto_url: str) -> None:
    put_body = "a@example.com,BOUNCE\nb@example.com, COMPLAINT\nc@example.com,SPAM\nnot-an-address,BOUNCE\n"
    job = wait_final(moto_url, suppression_job(moto_url, put_source(moto_url, "s.csv", put_body), "CSV"))
    assert (job["ProcessedRecordsCount"], job["FailedRecordsCount"]) == (2, 2)
    assert emulator.suppression_list == {"a@example.com": "BOUNCE", "b@example.com": "COMPLAINT"}
    assert [row["lineNumber"] for row in failed_rows(job)] == ["3", "4"]

    client = sesv2(moto_url)
    found = client.get_suppressed_destination(EmailAddress="b@example.com")["SuppressedDestination"]
    assert found["Reason"] == "COMPLAINT"
    listed = client.list_suppressed_destinations(Reasons=["BOUNCE"])["SuppressedDestinationSummaries"]
    assert [entry["EmailAddress"] for entry in listed] == ["a@example.com"]

    delete_body = "a@example.com\nnobody@example.com\n"
    s3_url = put_source(moto_url, "d.csv", delete_body)
    job = wait_final(moto_url, suppression_job(moto_url, s3_url, "CSV", "DELETE"))
    assert (job["ProcessedRecordsCount"], job["FailedRecordsCount"]) == (1, 1)
    assert emulator.suppression_list == {"b@example.com": "COMPLAINT"}
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_suppressed_destination(EmailAddress="a@example.com")


def test_suppression_json_put_and_delete(emulator: SesImportJobEmulator, moto_url: str) -> None:
    put_body = "\n".join(
        [
            json.dumps({"emailAddress": "a@example.com", "reason": "BOUNCE"}),
            json.dumps({"emailAddress": "b@example.com", "reason": "COMPLAINT"}),
            json.dumps({"emailAddress": "c@example.com"}),
        ]
    )
    job = wait_final(moto_url, suppression_job(moto_url, put_source(moto_url, "s.jsonl", put_body), "JSON"))
    assert (job["ProcessedRecordsCount"], job["FailedRecordsCount"]) == (2, 1)
    assert "reason must be BOUNCE or COMPLAINT" in failed_rows(job)[0]["error"]

    job = wait_final(
        moto_url,
        suppression_job(
            moto_url, put_source(moto_url, "d.jsonl", '{"emailAddress": "b@example.com"}'), "JSON", "DELETE"
        ),
    )
    assert job["JobStatus"] == "COMPLETED"
    assert emulator.suppression_list == {"a@example.com": "BOUNCE"}


def test_list_suppressed_destinations_pages(emulator: SesImportJobEmulator, moto_url: str) -> None:
    body = "".join(f"user{n}@example.com,BOUNCE\n" for n in range(5))
    wait_final(moto_url, suppression_job(moto_url, put_source(moto_url, "s.csv", body), "CSV"))
    client = sesv2(moto_url)
    first = client.list_suppressed_destinations(PageSize=3)
    second = client.list_suppressed_destinations(PageSize=3, NextToken=first["NextToken"])
    addresses = [e["EmailAddress"] for e in first["SuppressedDestinationSummaries"]]
    addresses += [e["EmailAddress"] for e in second["SuppressedDestinationSummaries"]]
    assert addresses == [f"user{n}@example.com" for n in range(5)]
    assert "NextToken" not in second
    with pytest.raises(client.exceptions.InvalidNextTokenException):
        client.list_suppressed_destinations(NextToken="garbage")


def test_list_contacts_pages_and_filters_by_topic_as_documented(emulator: SesImportJobEmulator, moto_url: str) -> None:
    sesv2(moto_url).create_contact_list(
        ContactListName=LIST,
        Topics=[
            {"TopicName": "news", "DisplayName": "News", "DefaultSubscriptionStatus": "OPT_IN"},
            {"TopicName": "offers", "DisplayName": "Offers", "DefaultSubscriptionStatus": "OPT_OUT"},
        ],
    )
    client = sesv2(moto_url)
    preferences = {
        "in@example.com": [{"TopicName": "news", "SubscriptionStatus": "OPT_IN"}],
        "out@example.com": [{"TopicName": "news", "SubscriptionStatus": "OPT_OUT"}],
        "silent@example.com": [],
    }
    for address, chosen in preferences.items():
        client.create_contact(ContactListName=LIST, EmailAddress=address, TopicPreferences=chosen)

    first = client.list_contacts(ContactListName=LIST, PageSize=2)
    second = client.list_contacts(ContactListName=LIST, PageSize=2, NextToken=first["NextToken"])
    assert [c["EmailAddress"] for c in first["Contacts"] + second["Contacts"]] == list(preferences)
    assert "NextToken" not in second
    silent = second["Contacts"][0]
    assert silent["TopicPreferences"] == []
    assert {p["TopicName"]: p["SubscriptionStatus"] for p in silent["TopicDefaultPreferences"]} == {
        "news": "OPT_IN",
        "offers": "OPT_OUT",
    }

    def listed(**topic: Any) -> list[str]:
        contact_filter = {"FilteredStatus": "OPT_IN", "TopicFilter": {"TopicName": "news", **topic}}
        contacts = client.list_contacts(ContactListName=LIST, Filter=contact_filter)["Contacts"]
        return [c["EmailAddress"] for c in contacts]

    assert listed() == ["in@example.com"]
    assert listed(UseDefaultIfPreferenceUnavailable=True) == ["in@example.com", "silent@example.com"]
    with pytest.raises(client.exceptions.NotFoundException):
        client.list_contacts(ContactListName="nope")
    with pytest.raises(client.exceptions.BadRequestException):
        client.list_contacts(ContactListName=LIST, NextToken="garbage")


# -------------------------------------------------------------------------------------- validation


def test_request_validation(emulator: SesImportJobEmulator, moto_url: str) -> None:
    create_list(moto_url)
    unchecked = sesv2(moto_url, parameter_validation=False)
    source = {"S3Url": f"s3://{BUCKET}/x.csv", "DataFormat": "CSV"}
    put_contacts = {"ContactListName": LIST, "ContactListImportAction": "PUT"}
    put_suppression = {"SuppressionListImportAction": "PUT"}
    bad_requests = [
        ({"ImportDestination": {"ContactListDestination": put_contacts}}, "ImportDataSource"),
        (
            {
                "ImportDestination": {
                    "ContactListDestination": put_contacts,
                    "SuppressionListDestination": put_suppression,
                },
                "ImportDataSource": source,
            },
            "exactly one",
        ),
        ({"ImportDestination": {}, "ImportDataSource": source}, "exactly one"),
        (
            {
                "ImportDestination": {"SuppressionListDestination": put_suppression},
                "ImportDataSource": {**source, "DataFormat": "XML"},
            },
            "valid values: CSV, JSON",
        ),
        (
            {
                "ImportDestination": {"SuppressionListDestination": {"SuppressionListImportAction": "UPSERT"}},
                "ImportDataSource": source,
            },
            "SuppressionListImportAction",
        ),
        (
            {
                "ImportDestination": {"SuppressionListDestination": put_suppression},
                "ImportDataSource": {**source, "S3Url": "https://example.com/x.csv"},
            },
            "S3Url",
        ),
    ]
    for params, message in bad_requests:
        with pytest.raises(unchecked.exceptions.BadRequestException, match=message):
            unchecked.create_import_job(**params)
    with pytest.raises(unchecked.exceptions.NotFoundException, match="doesn't exist"):
        unchecked.create_import_job(
            ImportDestination={"ContactListDestination": {**put_contacts, "ContactListName": "missing"}},
            ImportDataSource=source,
        )
    with pytest.raises(unchecked.exceptions.BadRequestException, match="ImportDestinationType"):
        unchecked.list_import_jobs(ImportDestinationType="EVERYTHING")
    assert unchecked.list_import_jobs()["ImportJobs"] == []


def raw_post(url: str, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    """A SigV4-signed request botocore's serializer would refuse to build (unknown member, broken JSON)."""
    credentials = boto3.Session().get_credentials()
    headers = {"Content-Type": "application/json"}
    request = AWSRequest(method="POST", url=f"{url}{path}", data=body, headers=headers)
    SigV4Auth(credentials, "ses", REGION).add_auth(request)
    prepared = urllib.request.Request(request.url, data=body, method="POST", headers=dict(request.headers))
    try:
        with urllib.request.urlopen(prepared, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            json.dumps(
                {
                    "ImportDestination": {"SuppressionListDestination": {"SuppressionListImportAction": "PUT"}},
                    "ImportDataSource": {"S3Url": "s3://b/k.csv", "DataFormat": "CSV", "Extra": 1},
                }
            ).encode(),
            'Unknown parameter in ImportDataSource: "Extra"',
        ),
        (b"{not json", "The request body is not valid JSON."),
    ],
)
def test_malformed_request_gets_rest_json_bad_request(
    emulator: SesImportJobEmulator, moto_url: str, body: bytes, message: str
) -> None:
    status, headers, payload = raw_post(moto_url, "/v2/email/import-jobs", body)
    assert status == 400
    assert headers["x-amzn-ErrorType"] == "BadRequestException"
    assert message in json.loads(payload)["message"]


# ------------------------------------------------------------------------------- S3 access by SES


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (None, "does not allow ses.amazonaws.com s3:GetObject"),
        (ses_read_policy(BUCKET, principal={"Service": "lambda.amazonaws.com"}), "does not allow"),
        (ses_read_policy(BUCKET, action="s3:PutObject"), "does not allow"),
        (ses_read_policy(BUCKET, resource=f"arn:aws:s3:::{BUCKET}/other/*"), "does not allow"),
        (
            {
                "Statement": [
                    *ses_read_policy(BUCKET)["Statement"],
                    {**ses_read_policy(BUCKET)["Statement"][0], "Effect": "Deny"},
                ]
            },
            "explicitly denies",
        ),
        (
            {
                "Statement": [
                    {
                        **ses_read_policy(BUCKET)["Statement"][0],
                        "Condition": {"StringEquals": {"aws:SourceAccount": "999999999999"}},
                    }
                ]
            },
            "does not allow",
        ),
    ],
)
def test_bucket_policy_must_let_ses_read(
    emulator: SesImportJobEmulator, moto_url: str, policy: dict[str, Any] | None, expected: str
) -> None:
    s3_url = put_source(moto_url, "s.csv", "a@example.com,BOUNCE\n", policy=policy, grant=False)
    job = wait_final(moto_url, suppression_job(moto_url, s3_url, "CSV"))
    assert job["JobStatus"] == "FAILED"
    assert job["FailureInfo"]["ErrorMessage"].startswith(f"Access denied reading {s3_url}: the bucket policy")
    assert expected in job["FailureInfo"]["ErrorMessage"]
    assert emulator.suppression_list == {}


def test_wildcard_grant_with_conditions_reads_latest_version(emulator: SesImportJobEmulator, moto_url: str) -> None:
    policy = ses_read_policy(
        BUCKET,
        principal={"Service": ["ses.amazonaws.com"]},
        action=["s3:Get*"],
        resource=f"arn:aws:s3:::{BUCKET}/imports/*",
    )
    policy["Statement"][0]["Condition"] = {"StringEquals": {"aws:Referer": "123456789012"}}
    put_source(moto_url, "imports/s.csv", "old@example.com,BOUNCE\n", policy=policy)
    s3(moto_url).put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    s3_url = put_source(moto_url, "imports/s.csv", "new@example.com,COMPLAINT\n", policy=policy)
    job = wait_final(moto_url, suppression_job(moto_url, s3_url, "CSV"))
    assert job["JobStatus"] == "COMPLETED"
    assert emulator.suppression_list == {"new@example.com": "COMPLAINT"}


def test_a_policy_conditioned_on_a_key_ses_does_not_send_denies_the_read(
    emulator: SesImportJobEmulator, moto_url: str
) -> None:
    """Issue 12, defect 4: SES documents aws:Referer (the account id) for its bucket policy; a grant conditioned on
    aws:SourceAccount, even the right account, never matches SES's request."""
    policy = ses_read_policy(BUCKET)
    policy["Statement"][0]["Condition"] = {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    s3_url = put_source(moto_url, "s.csv", "a@example.com,BOUNCE\n", policy=policy, grant=False)
    job = wait_final(moto_url, suppression_job(moto_url, s3_url, "CSV"))
    assert job["JobStatus"] == "FAILED"
    assert "does not allow ses.amazonaws.com s3:GetObject" in job["FailureInfo"]["ErrorMessage"]


def test_missing_object_fails_the_job(emulator: SesImportJobEmulator, moto_url: str) -> None:
    put_source(moto_url, "present.csv", "a@example.com,BOUNCE\n")
    job = wait_final(moto_url, suppression_job(moto_url, f"s3://{BUCKET}/absent.csv", "CSV"))
    assert job["JobStatus"] == "FAILED"
    expected = f"Cannot read s3://{BUCKET}/absent.csv: the object does not exist"
    assert job["FailureInfo"]["ErrorMessage"] == expected
    assert (job["ProcessedRecordsCount"], job["FailedRecordsCount"]) == (0, 0)


# ------------------------------------------------------------------------------------------- limits


def test_record_limits_fail_the_job(
    emulator: SesImportJobEmulator, moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sesv2_import_files, "SUPPRESSION_DELETE_RECORD_LIMIT", 2)
    monkeypatch.setattr(sesv2_import_files, "CONTACT_LIST_RECORD_LIMIT", 2)
    create_list(moto_url)
    addresses = "a@example.com\nb@example.com\nc@example.com\n"
    delete_job = suppression_job(moto_url, put_source(moto_url, "d.csv", addresses), "CSV", "DELETE")
    two_rows = "emailAddress\na@example.com\nb@example.com\n"
    at_limit = contact_job(moto_url, put_source(moto_url, "ok.csv", two_rows), "CSV")
    over_limit = contact_job(moto_url, put_source(moto_url, "big.csv", f"emailAddress\n{addresses}"), "CSV")

    failed = wait_final(moto_url, delete_job)
    assert failed["JobStatus"] == "FAILED"
    assert "suppression list DELETE import accepts at most 2" in failed["FailureInfo"]["ErrorMessage"]
    assert wait_final(moto_url, at_limit)["JobStatus"] == "COMPLETED"  # the header is not a record
    over = wait_final(moto_url, over_limit)
    assert over["JobStatus"] == "FAILED"
    assert "contact list import accepts at most 2" in over["FailureInfo"]["ErrorMessage"]


# ------------------------------------------------------------------------------------- ListImportJobs


def test_list_import_jobs_filters_and_pages(emulator: SesImportJobEmulator, moto_url: str) -> None:
    create_list(moto_url)
    s3_url = put_source(moto_url, "c.csv", "emailAddress\na@example.com\n")
    contact_ids = [contact_job(moto_url, s3_url, "CSV") for _ in range(3)]
    suppression_ids = [suppression_job(moto_url, s3_url, "CSV") for _ in range(2)]
    client = sesv2(moto_url)

    first = client.list_import_jobs(ImportDestinationType="CONTACT_LIST", PageSize=2)
    second = client.list_import_jobs(ImportDestinationType="CONTACT_LIST", PageSize=2, NextToken=first["NextToken"])
    assert [j["JobId"] for j in first["ImportJobs"] + second["ImportJobs"]] == contact_ids
    assert "NextToken" not in second
    summary = first["ImportJobs"][0]
    assert set(summary) == {
        "JobId",
        "ImportDestination",
        "JobStatus",
        "CreatedTimestamp",
        "ProcessedRecordsCount",
        "FailedRecordsCount",
    }
    suppression = client.list_import_jobs(ImportDestinationType="SUPPRESSION_LIST")["ImportJobs"]
    assert [j["JobId"] for j in suppression] == suppression_ids
    assert len(client.list_import_jobs()["ImportJobs"]) == 5
    with pytest.raises(client.exceptions.BadRequestException):
        client.list_import_jobs(ImportDestinationType="SUPPRESSION_LIST", NextToken=first["NextToken"])
    for job_id in contact_ids + suppression_ids:
        assert emulator.job(job_id).wait(5)

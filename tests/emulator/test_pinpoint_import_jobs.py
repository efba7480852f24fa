"""The Pinpoint import-job emulator, driven through moto's HTTP server with plain boto3 clients."""

from __future__ import annotations

import gzip
import json
import time
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.pinpoint.responses import PinpointResponse
from moto.server import ThreadedMotoServer

from localcloud.emulators.pinpoint_import_jobs import FAILURE_TAIL, SUCCESS_PATH, PinpointImportJobEmulator

REGION = "us-east-1"
BUCKET = "listdrop-test-pinpoint"
PINPOINT_TRUST: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "pinpoint.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


# ------------------------------------------------------------------------------------------- helpers


def client(service: str, url: str, **config: Any) -> Any:
    return boto3.client(service, endpoint_url=url, region_name=REGION, config=Config(**config))


def create_app(url: str) -> str:
    response = client("pinpoint", url).create_app(CreateApplicationRequest={"Name": "listdrop"})
    return str(response["ApplicationResponse"]["Id"])


def read_policy(resource: str = f"arn:aws:s3:::{BUCKET}/*", action: Any = "s3:GetObject") -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}


def create_role(
    url: str,
    name: str = "pinpoint-import",
    *,
    trust: dict[str, Any] | None = None,
    inline: dict[str, Any] | None = None,
    managed: dict[str, Any] | None = None,
) -> str:
    """A role trusted by Pinpoint (unless ``trust`` says otherwise) with the given inline/managed policies."""
    iam = client("iam", url)
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust or PINPOINT_TRUST))["Role"]["Arn"]
    if inline is not None:
        iam.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=json.dumps(inline))
    if managed is not None:
        policy = iam.create_policy(PolicyName=f"{name}-managed", PolicyDocument=json.dumps(managed))["Policy"]
        iam.attach_role_policy(RoleName=name, PolicyArn=policy["Arn"])
    return str(arn)


def reader_role(url: str) -> str:
    return create_role(url, inline=read_policy())


def put(url: str, key: str, body: str | bytes) -> str:
    s3 = client("s3", url)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode() if isinstance(body, str) else body)
    return f"s3://{BUCKET}/{key}"


def start(url: str, app: str, s3_url: str, role: str, data_format: str = "CSV", **extra: Any) -> str:
    request = {"S3Url": s3_url, "RoleArn": role, "Format": data_format, **extra}
    response = client("pinpoint", url).create_import_job(ApplicationId=app, ImportJobRequest=request)
    return str(response["ImportJobResponse"]["Id"])


def wait_final(url: str, app: str, job_id: str, timeout: float = 5.0) -> dict[str, Any]:
    pinpoint = client("pinpoint", url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = pinpoint.get_import_job(ApplicationId=app, JobId=job_id)["ImportJobResponse"]
        if job["JobStatus"] in ("COMPLETED", "FAILED"):
            return dict(job)
        time.sleep(0.01)
    raise AssertionError(f"job {job_id} did not finish within {timeout} s")


def raw_request(url: str, method: str, path: str, body: bytes = b"") -> tuple[int, dict[str, Any]]:
    """A SigV4-signed request botocore's serializer would refuse to build (unknown member, broken JSON)."""
    credentials = boto3.Session().get_credentials()
    request = AWSRequest(method=method, url=f"{url}{path}", data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(credentials, "mobiletargeting", REGION).add_auth(request)
    prepared = urllib.request.Request(request.url, data=body or None, method=method, headers=dict(request.headers))
    try:
        with urllib.request.urlopen(prepared, timeout=5) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


CSV_BODY = (
    "ChannelType,Address,Id,User.UserId,Attributes.Interests,Attributes.Interests,"
    "User.UserAttributes.FirstName,Location.Country,Location.Latitude,Metrics.visits,OptOut\n"
    "EMAIL,alice@example.com,ep-alice,user-1,Science,Music,Alice,US,47.6,3,NONE\n"
    'SMS,+16045550182,ep-bob,user-2,"Travel, far",,Bob,CA,,,ALL\n'
    "\n"
    "PIGEON,coo@example.com,ep-x,,,,,,,,\n"
    "EMAIL,not-an-email,ep-y,,,,,,,,\n"
    "EMAIL,carol@example.com,ep-z,,,,,,north,,\n"
    "EMAIL,dave@example.com,ep-w,,,,,,,,MAYBE\n"
    "EMAIL,short@example.com\n"
    ",,,user-3,,,,,,,\n"
)


# ---------------------------------------------------------------------------------- routing, install


def test_install_is_idempotent_and_wraps_dispatcher_once(pinpoint_emulator: PinpointImportJobEmulator) -> None:
    dispatcher = DomainDispatcherApplication.get_application
    pinpoint_emulator.install()
    assert DomainDispatcherApplication.get_application is dispatcher
    assert getattr(dispatcher, "_listdrop_emulator_kit", False)
    assert not hasattr(dispatcher.__wrapped__, "_listdrop_emulator_kit")
    assert not hasattr(PinpointResponse, "create_import_job")  # served by the kit's route, not a patched method


def test_server_started_after_install_is_served_too(pinpoint_emulator: PinpointImportJobEmulator) -> None:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        app = create_app(url)
        assert client("pinpoint", url).get_import_jobs(ApplicationId=app)["ImportJobsResponse"]["Item"] == []
    finally:
        server.stop()


def test_unknown_app_and_unknown_job_are_not_found(pinpoint_emulator: PinpointImportJobEmulator, moto_url: str) -> None:
    pinpoint = client("pinpoint", moto_url)
    request = {"S3Url": f"s3://{BUCKET}/x.csv", "RoleArn": "arn:aws:iam::123456789012:role/r", "Format": "CSV"}
    with pytest.raises(pinpoint.exceptions.NotFoundException, match="Application not found") as error:
        pinpoint.create_import_job(ApplicationId="no-such-app", ImportJobRequest=request)
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_import_jobs(ApplicationId="no-such-app")
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_segments(ApplicationId="no-such-app")
    app = create_app(moto_url)
    with pytest.raises(pinpoint.exceptions.NotFoundException, match="Import job"):
        pinpoint.get_import_job(ApplicationId=app, JobId="no-such-job")
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_endpoint(ApplicationId=app, EndpointId="no-such-endpoint")
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_segment(ApplicationId=app, SegmentId="no-such-segment")
    assert pinpoint_emulator.jobs() == []


def test_request_for_other_region_is_rejected(pinpoint_emulator: PinpointImportJobEmulator, moto_url: str) -> None:
    pinpoint = boto3.client("pinpoint", endpoint_url=moto_url, region_name="eu-west-1")
    with pytest.raises(pinpoint.exceptions.BadRequestException, match="serves account 123456789012 in us-east-1"):
        pinpoint.get_import_jobs(ApplicationId="any")


# ---------------------------------------------------------------------------------------- lifecycle


def test_success_path_passes_through_every_status(pinpoint_emulator: PinpointImportJobEmulator, moto_url: str) -> None:
    """Its own emulator with wide steps, so a loaded machine cannot skip a status between two polls."""
    slow = PinpointImportJobEmulator(moto_url, step_seconds=0.12)
    slow.install()
    try:
        app = create_app(moto_url)
        role = reader_role(moto_url)
        s3_url = put(moto_url, "endpoints/a.csv", "ChannelType,Address\nEMAIL,alice@example.com\n")
        pinpoint = client("pinpoint", moto_url)
        created = pinpoint.create_import_job(
            ApplicationId=app,
            ImportJobRequest={"S3Url": s3_url, "RoleArn": role, "Format": "CSV", "RegisterEndpoints": True},
        )
        assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
        first = created["ImportJobResponse"]
        assert (first["JobStatus"], first["Type"], first["TotalPieces"]) == ("CREATED", "IMPORT", 0)
        assert first["Definition"] == {
            "S3Url": s3_url,
            "RoleArn": role,
            "Format": "CSV",
            "RegisterEndpoints": True,
            "DefineSegment": False,
            "ExternalId": "123456789012",
        }
        seen = [first["JobStatus"]]
        while seen[-1] not in ("COMPLETED", "FAILED"):
            time.sleep(0.005)
            status = pinpoint.get_import_job(ApplicationId=app, JobId=first["Id"])["ImportJobResponse"]["JobStatus"]
            if status != seen[-1]:
                seen.append(status)
        assert seen == list(SUCCESS_PATH)
        assert slow.job(app, first["Id"]).history == list(SUCCESS_PATH)

        final = pinpoint.get_import_job(ApplicationId=app, JobId=first["Id"])["ImportJobResponse"]
        counts = ("TotalPieces", "CompletedPieces", "FailedPieces", "TotalProcessed", "TotalFailures")
        assert [final[name] for name in counts] == [1, 1, 0, 1, 0]
        assert "Failures" not in final
        assert final["CompletionDate"] >= final["CreationDate"]
        (endpoint,) = slow.endpoints(app).values()
        assert (endpoint["ChannelType"], endpoint["Address"], endpoint["OptOut"]) == (
            "EMAIL",
            "alice@example.com",
            "NONE",
        )
        fetched = pinpoint.get_endpoint(ApplicationId=app, EndpointId=endpoint["Id"])["EndpointResponse"]
        assert fetched["Address"] == "alice@example.com"
        with pytest.raises(KeyError):
            pinpoint_emulator.job(app, first["Id"])  # the session emulator was not serving meanwhile
    finally:
        pinpoint_emulator.install()


def test_hold_keeps_jobs_processing_until_released(pinpoint_emulator: PinpointImportJobEmulator, moto_url: str) -> None:
    app, role = create_app(moto_url), reader_role(moto_url)
    pinpoint_emulator.hold(True)
    job_id = start(moto_url, app, put(moto_url, "a.csv", "ChannelType,Address\nEMAIL,a@example.com\n"), role)
    time.sleep(0.5)  # well past the whole success path at 0.03 s per step
    job = pinpoint_emulator.job(app, job_id)
    assert job.status == "PROCESSING"
    assert job.describe()["CompletedPieces"] == 1  # the work is done; only the status is held
    pinpoint_emulator.hold(False)
    assert wait_final(moto_url, app, job_id)["JobStatus"] == "COMPLETED"


def test_fail_next_fails_only_the_next_job(pinpoint_emulator: PinpointImportJobEmulator, moto_url: str) -> None:
    app, role = create_app(moto_url), reader_role(moto_url)
    s3_url = put(moto_url, "a.csv", "ChannelType,Address\nEMAIL,a@example.com\n")
    pinpoint_emulator.fail_next("Injected: Amazon Pinpoint had a bad day")
    failed = wait_final(moto_url, app, start(moto_url, app, s3_url, role))
    assert failed["JobStatus"] == "FAILED"
    assert failed["Failures"] == ["Injected: Amazon Pinpoint had a bad day"]
    assert pinpoint_emulator.job(app, failed["Id"]).history[-4:] == ["INITIALIZING", "PROCESSING", *FAILURE_TAIL]
    assert pinpoint_emulator.endpoints(app) == {}
    assert wait_final(moto_url, app, start(moto_url, app, s3_url, role))["JobStatus"] == "COMPLETED"


def test_reset_stops_running_jobs(pinpoint_emulator: PinpointImportJobEmulator, moto_url: str) -> None:
    app, role = create_app(moto_url), reader_role(moto_url)
    pinpoint_emulator.hold(True)
    job_id = start(moto_url, app, put(moto_url, "a.csv", "ChannelType,Address\nEMAIL,a@example.com\n"), role)
    job = pinpoint_emulator.job(app, job_id)
    pinpoint_emulator.reset()
    time.sleep(0.3)
    assert pinpoint_emulator.jobs() == []
    assert job.status not in ("COMPLETED", "FAILED")
    assert pinpoint_emulator.endpoints(app) == {}


# ---------------------------------------------------------------------------------- role and access


def test_role_without_s3_permission_fails_the_job(pinpoint_emulator: PinpointImportJobEmulator, moto_url: str) -> None:
    app = create_app(moto_url)
    role = create_role(moto_url, inline=read_policy(action="s3:ListBucket", resource=f"arn:aws:s3:::{BUCKET}"))
    job = wait_final(moto_url, app, start(moto_url, app, put(moto_url, "a.csv", "ChannelType,Address\n"), role))

    assert job["JobStatus"] == "FAILED"
    assert (job["TotalPieces"], job["CompletedPieces"], job["FailedPieces"]) == (1, 0, 1)
    (reason,) = job["Failures"]
    assert "Access denied reading s3://listdrop-test-pinpoint/a.csv" in reason
    assert "do not allow s3:GetObject" in reason
    assert pinpoint_emulator.job(app, job["Id"]).history[-3:] == ["PROCESSING", *FAILURE_TAIL]


def test_explicit_deny_wins_over_a_managed_allow(pinpoint_emulator: PinpointImportJobEmulator, moto_url: str) -> None:
    app = create_app(moto_url)
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "s3:Get*", "Resource": f"arn:aws:s3:::{BUCKET}/in/secret/*"}],
    }
    role = create_role(moto_url, inline=deny, managed=read_policy(action=["s3:Get*", "s3:List*"], resource="*"))
    put(moto_url, "in/secret/a.csv", "ChannelType,Address\nEMAIL,a@example.com\n")
    put(moto_url, "in/open/b.csv", "ChannelType,Address\nEMAIL,b@example.com\n")
    job = wait_final(moto_url, app, start(moto_url, app, f"s3://{BUCKET}/in/", role, RegisterEndpoints=True))

    assert job["JobStatus"] == "COMPLETED"  # one piece of two still imports
    assert (job["TotalPieces"], job["CompletedPieces"], job["FailedPieces"]) == (2, 1, 1)
    assert "explicitly deny s3:GetObject" in job["Failures"][0]
    assert [e["Address"] for e in pinpoint_emulator.endpoints(app).values()] == ["b@example.com"]


@pytest.mark.parametrize(
    ("trust", "reason"),
    [
        (
            {
                **PINPOINT_TRUST,
                "Statement": [{**PINPOINT_TRUST["Statement"][0], "Principal": {"Service": "lambda.amazonaws.com"}}],
            },
            "trust policy does not allow pinpoint.amazonaws.com",
        ),
        (
            {
                **PINPOINT_TRUST,
                "Statement": [
                    {
                        **PINPOINT_TRUST["Statement"][0],
                        "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:mobiletargeting:*:*:apps/another-app"}},
                    }
                ],
            },
            "trust policy does not allow pinpoint.amazonaws.com",
        ),
        (
            {
                **PINPOINT_TRUST,
                "Statement": [
                    PINPOINT_TRUST["Statement"][0],
                    {**PINPOINT_TRUST["Statement"][0], "Effect": "Deny", "Action": "sts:*"},
                ],
            },
            "trust policy denies",
        ),
    ],
    ids=["other-service", "other-app-source-arn", "explicit-deny"],
)
def test_role_pinpoint_cannot_assume_fails_the_job(
    pinpoint_emulator: PinpointImportJobEmulator, moto_url: str, trust: dict[str, Any], reason: str
) -> None:
    app = create_app(moto_url)
    role = create_role(moto_url, trust=trust, inline=read_policy())
    job = wait_final(moto_url, app, start(moto_url, app, put(moto_url, "a.csv", "ChannelType,Address\n"), role))

    assert job["JobStatus"] == "FAILED"
    assert (job["TotalPieces"], job["TotalProcessed"]) == (0, 0)
    (failure,) = job["Failures"]
    assert f"could not assume the role {role}" in failure
    assert reason in failure
    assert pinpoint_emulator.job(app, job["Id"]).history[-3:] == ["INITIALIZING", *FAILURE_TAIL]


def test_trust_scoped_to_this_app_and_account_is_accepted(
    pinpoint_emulator: PinpointImportJobEmulator, moto_url: str
) -> None:
    app = create_app(moto_url)
    statement = {
        **PINPOINT_TRUST["Statement"][0],
        "Condition": {
            "StringEquals": {"aws:SourceAccount": "123456789012"},
            "ArnLike": {"aws:SourceArn": f"arn:aws:mobiletargeting:us-east-1:123456789012:apps/{app}"},
        },
    }
    role = create_role(moto_url, trust={**PINPOINT_TRUST, "Statement": [statement]}, inline=read_policy())
    s3_url = put(moto_url, "a.csv", "ChannelType,Address\nEMAIL,a@example.com\n")
    assert wait_final(moto_url, app, start(moto_url, app, s3_url, role))["JobStatus"] == "COMPLETED"


def test_missing_role_or_bucket_or_files_fail_the_job(
    pinpoint_emulator: PinpointImportJobEmulator, moto_url: str
) -> None:
    app = create_app(moto_url)
    s3_url = put(moto_url, "a.csv", "ChannelType,Address\nEMAIL,a@example.com\n")
    missing_role = wait_final(moto_url, app, start(moto_url, app, s3_url, "arn:aws:iam::123456789012:role/ghost"))
    assert "the role does not exist" in missing_role["Failures"][0]
    other_account = wait_final(moto_url, app, start(moto_url, app, s3_url, "arn:aws:iam::210987654321:role/x"))
    assert "does not exist in account 123456789012" in other_account["Failures"][0]
    role = reader_role(moto_url)
    no_bucket = wait_final(moto_url, app, start(moto_url, app, "s3://no-such-bucket/a.csv", role))
    assert "bucket no-such-bucket does not exist" in no_bucket["Failures"][0]
    no_files = wait_final(moto_url, app, start(moto_url, app, f"s3://{BUCKET}/empty/", role))
    assert no_files["Failures"] == [f"No CSV files were found at s3://{BUCKET}/empty/"]
    for job in (missing_role, other_account, no_bucket, no_files):
        assert job["JobStatus"] == "FAILED"


# ----------------------------------------------------------------------------------------- records


def test_mixed_csv_rows_count_and_report_failures(pinpoint_emulator: PinpointImportJobEmulator, moto_url: str) -> None:
    app, role = create_app(moto_url), reader_role(moto_url)
    s3_url = put(moto_url, "endpoints.csv", CSV_BODY)
    job = wait_final(moto_url, app, start(moto_url, app, s3_url, role, RegisterEndpoints=True))

    assert job["JobStatus"] == "COMPLETED"
    counts = ("TotalPieces", "CompletedPieces", "FailedPieces", "TotalProcessed", "TotalFailures")
    assert [job[name] for name in counts] == [1, 1, 0, 8, 6]
    prefix = f"{s3_url} line "
    lines = [failure.split(": ", 1)[0] for failure in job["Failures"]]
    assert lines == [f"{prefix}{n}" for n in (5, 6, 7, 8, 9, 10)]
    reasons = [failure.split(": ", 1)[1] for failure in job["Failures"]]
    assert "PIGEON" in reasons[0]
    assert "not a valid email" in reasons[1]
    assert "Location.Latitude must be a number" in reasons[2]
    assert "OptOut must be ALL or NONE" in reasons[3]
    assert "expected 11 fields, found 2" in reasons[4]
    assert "needs Address and ChannelType" in reasons[5]

    endpoints = pinpoint_emulator.endpoints(app)
    assert set(endpoints) == {"ep-alice", "ep-bob"}
    alice = client("pinpoint", moto_url).get_endpoint(ApplicationId=app, EndpointId="ep-alice")["EndpointResponse"]
    assert alice["Attributes"] == {"Interests": ["Science", "Music"]}
    assert alice["User"] == {"UserId": "user-1", "UserAttributes": {"FirstName": ["Alice"]}}
    assert alice["Location"] == {"Country": "US", "Latitude": 47.6}
    assert alice["Metrics"] == {"visits": 3.0}
    assert endpoints["ep-bob"]["Attributes"] == {"Interests": ["Travel, far"]}
    assert (endpoints["ep-bob"]["Address"], endpoints["ep-bob"]["OptOut"]) == ("+16045550182", "ALL")


def test_json_rows_and_updates_of_existing_endpoints(
    pinpoint_emulator: PinpointImportJobEmulator, moto_url: str
) -> None:
    app, role = create_app(moto_url), reader_role(moto_url)
    first = "\n".join(
        json.dumps(item)
        for item in [
            {"Id": "ep-1", "ChannelType": "EMAIL", "Address": "a@example.com", "User": {"UserId": "u-1"}},
            {"ChannelType": "SMS", "Address": "+16045550182", "Location": {"Country": "CA"}},
        ]
    )
    job = wait_final(
        moto_url, app, start(moto_url, app, put(moto_url, "one.json", first), role, "JSON", RegisterEndpoints=True)
    )
    assert (job["JobStatus"], job["TotalProcessed"], job["TotalFailures"]) == ("COMPLETED", 2, 0)
    generated = next(key for key in pinpoint_emulator.endpoints(app) if key != "ep-1")
    assert len(generated) == 32

    second = "\n".join(
        [
            json.dumps({"Id": "ep-1", "Attributes": {"Plan": ["gold"]}}),  # update: Id alone is enough
            json.dumps({"Id": "ep-missing", "Attributes": {"Plan": ["gold"]}}),
            json.dumps({"ChannelType": "EMAIL", "Address": "b@example.com", "EndpointStatus": "INACTIVE"}),
            json.dumps({"ChannelType": "EMAIL", "Address": "c@example.com", "Attributes": {"Plan": "gold"}}),
            json.dumps({"ChannelType": "EMAIL", "Address": "d@example.com", "Attributes": {"Plan": ["x" * 101]}}),
            '["not", "an", "object"]',
            "{broken",
        ]
    )
    job = wait_final(
        moto_url, app, start(moto_url, app, put(moto_url, "two.json", second), role, "JSON", RegisterEndpoints=True)
    )
    assert (job["JobStatus"], job["TotalProcessed"], job["TotalFailures"]) == ("COMPLETED", 7, 6)
    reasons = [failure.split(": ", 1)[1] for failure in job["Failures"]]
    assert "endpoint ep-missing does not exist" in reasons[0]
    assert "unsupported attribute(s): EndpointStatus" in reasons[1]
    assert "Attributes.Plan" in reasons[2]
    assert "longer than 100 characters" in reasons[3]
    assert reasons[4:] == ["the line is not a JSON object", "the line is not valid JSON"]
    updated = pinpoint_emulator.endpoints(app)["ep-1"]
    assert (updated["Address"], updated["Attributes"], updated["User"]) == (
        "a@example.com",
        {"Plan": ["gold"]},
        {"UserId": "u-1"},
    )


def test_failures_list_is_capped_at_100(pinpoint_emulator: PinpointImportJobEmulator, moto_url: str) -> None:
    app, role = create_app(moto_url), reader_role(moto_url)
    body = "ChannelType,Address\n" + "".join(f"EMAIL,bad-{n}\n" for n in range(150)) + "EMAIL,ok@example.com\n"
    job = wait_final(moto_url, app, start(moto_url, app, put(moto_url, "many.csv", body), role))
    assert (job["TotalProcessed"], job["TotalFailures"], len(job["Failures"])) == (151, 150, 100)
    assert job["Failures"][0].endswith("line 2: Address is not a valid email address")


def test_bad_header_compressed_and_non_utf8_pieces_fail(
    pinpoint_emulator: PinpointImportJobEmulator, moto_url: str
) -> None:
    app, role = create_app(moto_url), reader_role(moto_url)
    put(moto_url, "mix/1-bad-header.csv", "ChannelType,Address,Shoe.Size\nEMAIL,a@example.com,9\n")
    put(moto_url, "mix/2-zipped.csv", gzip.compress(b"ChannelType,Address\nEMAIL,a@example.com\n"))
    put(moto_url, "mix/3-latin1.csv", "ChannelType,Address\nEMAIL,jos\u00e9@example.com\n".encode("latin-1"))
    job = wait_final(moto_url, app, start(moto_url, app, f"s3://{BUCKET}/mix/", role))

    assert job["JobStatus"] == "FAILED"  # every piece failed
    assert (job["TotalPieces"], job["FailedPieces"], job["TotalProcessed"]) == (3, 3, 0)
    assert "'Shoe.Size' is not a supported endpoint attribute" in job["Failures"][0]
    assert "cannot import compressed files" in job["Failures"][1]
    assert "not UTF-8" in job["Failures"][2]


def test_csv_headers_take_the_user_guides_import_attributes_and_not_endpoint_status(
    pinpoint_emulator: PinpointImportJobEmulator, moto_url: str
) -> None:
    """The user guide's "Supported attributes" table, every row once; EndpointStatus is not in it."""
    app, role = create_app(moto_url), reader_role(moto_url)
    demographic = ("AppVersion", "Locale", "Make", "Model", "ModelVersion", "Platform", "PlatformVersion", "Timezone")
    location = ("City", "Country", "Latitude", "Longitude", "PostalCode", "Region")
    header = [
        "Address",
        "Attributes.Interest",
        "ChannelType",
        *(f"Demographic.{name}" for name in demographic),
        "EffectiveDate",
        "Id",
        *(f"Location.{name}" for name in location),
        "Metrics.visits",
        "OptOut",
        "RequestId",
        "User.UserAttributes.FirstName",
        "User.UserId",
    ]
    values = {"Location.Latitude": "47.6", "Location.Longitude": "-122.3", "Metrics.visits": "3", "OptOut": "NONE"}
    row = [values.get(column, "x") for column in header]
    row[header.index("Address")], row[header.index("ChannelType")] = "a@example.com", "EMAIL"
    row[header.index("EffectiveDate")] = "2026-11-01T10:00:00Z"
    put(moto_url, "guide/1-all.csv", ",".join(header) + "\n" + ",".join(row) + "\n")
    put(moto_url, "guide/2-status.csv", "ChannelType,Address,EndpointStatus\nEMAIL,b@example.com,ACTIVE\n")
    job = wait_final(moto_url, app, start(moto_url, app, f"s3://{BUCKET}/guide/", role))

    assert (job["TotalPieces"], job["FailedPieces"], job["TotalProcessed"], job["TotalFailures"]) == (2, 1, 1, 0)
    assert "'EndpointStatus' is not a supported endpoint attribute" in job["Failures"][0]


# --------------------------------------------------------------------------------- pieces, segments


def test_prefix_with_two_files_makes_two_pieces(pinpoint_emulator: PinpointImportJobEmulator, moto_url: str) -> None:
    app, role = create_app(moto_url), reader_role(moto_url)
    put(moto_url, "batch/part-1.csv", "ChannelType,Address\nEMAIL,a@example.com\nEMAIL,b@example.com\n")
    put(moto_url, "batch/sub/part-2.csv", "ChannelType,Address\nEMAIL,c@example.com\n")
    put(moto_url, "batch/ignored.json", '{"ChannelType": "EMAIL", "Address": "json@example.com"}\n')
    put(moto_url, "batch-other/part-3.csv", "ChannelType,Address\nEMAIL,x@example.com\n")
    job = wait_final(moto_url, app, start(moto_url, app, f"s3://{BUCKET}/batch/", role, RegisterEndpoints=True))

    assert job["JobStatus"] == "COMPLETED"
    assert (job["TotalPieces"], job["CompletedPieces"], job["FailedPieces"], job["TotalProcessed"]) == (2, 2, 0, 3)
    addresses = sorted(e["Address"] for e in pinpoint_emulator.endpoints(app).values())
    assert addresses == ["a@example.com", "b@example.com", "c@example.com"]

    single = wait_final(moto_url, app, start(moto_url, app, f"s3://{BUCKET}/batch/part-1.csv", role))
    assert (single["TotalPieces"], single["TotalProcessed"]) == (1, 2)


def test_define_segment_then_add_to_it(pinpoint_emulator: PinpointImportJobEmulator, moto_url: str) -> None:
    app, role = create_app(moto_url), reader_role(moto_url)
    pinpoint = client("pinpoint", moto_url)
    first = put(moto_url, "s1.csv", "Id,ChannelType,Address\ne1,EMAIL,a@example.com\ne2,SMS,+16045550182\n")
    job = wait_final(
        moto_url, app, start(moto_url, app, first, role, DefineSegment=True, SegmentName="vip", RegisterEndpoints=False)
    )
    assert job["JobStatus"] == "COMPLETED"
    assert pinpoint_emulator.endpoints(app) == {}  # not registered, yet counted into the segment
    (segment,) = pinpoint.get_segments(ApplicationId=app)["SegmentsResponse"]["Item"]
    assert (segment["Name"], segment["SegmentType"], segment["Version"]) == ("vip", "IMPORT", 1)
    assert segment["Arn"].endswith(f":apps/{app}/segments/{segment['Id']}")
    assert segment["ImportDefinition"]["Size"] == 2
    assert segment["ImportDefinition"]["ChannelCounts"] == {"EMAIL": 1, "SMS": 1}
    assert pinpoint_emulator.job(app, job["Id"]).segment_id == segment["Id"]

    second = put(moto_url, "s2.csv", "Id,ChannelType,Address\ne2,SMS,+16045550182\ne3,EMAIL,c@example.com\n")
    job = wait_final(moto_url, app, start(moto_url, app, second, role, SegmentId=segment["Id"], RegisterEndpoints=True))
    assert job["JobStatus"] == "COMPLETED"
    updated = pinpoint.get_segment(ApplicationId=app, SegmentId=segment["Id"])["SegmentResponse"]
    assert (updated["Version"], updated["ImportDefinition"]["Size"]) == (2, 3)
    assert updated["ImportDefinition"]["S3Url"] == second
    assert "LastModifiedDate" in updated
    assert pinpoint_emulator.segments(app)[segment["Id"]]["EndpointIds"] == ["e1", "e2", "e3"]
    assert set(pinpoint_emulator.endpoints(app)) == {"e2", "e3"}
    assert len(pinpoint.get_segments(ApplicationId=app)["SegmentsResponse"]["Item"]) == 1

    with pytest.raises(pinpoint.exceptions.NotFoundException, match="Segment"):
        start(moto_url, app, second, role, SegmentId="no-such-segment")


# ------------------------------------------------------------------------------ pagination, validation


def test_get_import_jobs_pages(pinpoint_emulator: PinpointImportJobEmulator, moto_url: str) -> None:
    app, other_app, role = create_app(moto_url), create_app(moto_url), reader_role(moto_url)
    s3_url = put(moto_url, "a.csv", "ChannelType,Address\nEMAIL,a@example.com\n")
    pinpoint_emulator.hold(True)  # the listing does not depend on the jobs ending
    created = [start(moto_url, app, s3_url, role) for _ in range(5)]
    start(moto_url, other_app, s3_url, role)
    pinpoint = client("pinpoint", moto_url)

    seen, token, pages = [], None, 0
    while True:
        kwargs: dict[str, str] = {"Token": token} if token else {}
        page = pinpoint.get_import_jobs(ApplicationId=app, PageSize="2", **kwargs)["ImportJobsResponse"]
        seen += [job["Id"] for job in page["Item"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert (seen, pages) == (created, 3)
    everything = pinpoint.get_import_jobs(ApplicationId=app)["ImportJobsResponse"]
    assert len(everything["Item"]) == 5
    assert "NextToken" not in everything

    first = pinpoint.get_import_jobs(ApplicationId=app, PageSize="2")["ImportJobsResponse"]
    with pytest.raises(pinpoint.exceptions.BadRequestException, match="does not belong"):
        pinpoint.get_import_jobs(ApplicationId=other_app, Token=first["NextToken"])
    with pytest.raises(pinpoint.exceptions.BadRequestException, match="Token is not valid"):
        pinpoint.get_import_jobs(ApplicationId=app, Token="garbage")
    for size in ("0", "two"):
        with pytest.raises(pinpoint.exceptions.BadRequestException, match="PageSize"):
            pinpoint.get_import_jobs(ApplicationId=app, PageSize=size)


def test_model_invalid_requests_are_rejected(pinpoint_emulator: PinpointImportJobEmulator, moto_url: str) -> None:
    app = create_app(moto_url)
    unchecked = client("pinpoint", moto_url, parameter_validation=False)
    good = {"S3Url": f"s3://{BUCKET}/a.csv", "RoleArn": "arn:aws:iam::123456789012:role/r", "Format": "CSV"}
    bad_requests = [
        (
            {k: v for k, v in good.items() if k != "RoleArn"},
            'Missing required parameter in ImportJobRequest: "RoleArn"',
        ),
        ({**good, "Format": "XML"}, "valid values: CSV, JSON"),
        ({**good, "DefineSegment": "yes"}, "Invalid type for parameter ImportJobRequest.DefineSegment"),
        ({**good, "S3Url": "https://example.com/a.csv"}, "S3Url must be an s3://"),
        ({**good, "RoleArn": "arn:aws:iam::123456789012:user/bob"}, "RoleArn must be the ARN of an IAM role"),
        ({**good, "DefineSegment": True}, "SegmentName is required"),
    ]
    for request, message in bad_requests:
        with pytest.raises(unchecked.exceptions.BadRequestException, match=message):
            unchecked.create_import_job(ApplicationId=app, ImportJobRequest=request)

    path = f"/v1/apps/{app}/jobs/import"
    status, body = raw_request(moto_url, "POST", path, json.dumps({**good, "Extra": 1}).encode())
    assert status == 400
    assert 'Unknown parameter in ImportJobRequest: "Extra"' in body["Message"]
    status, body = raw_request(moto_url, "POST", path, b"{not json")
    assert (status, body["Message"]) == (400, "The request body is not valid JSON.")
    status, body = raw_request(moto_url, "POST", path)
    assert status == 400
    assert "ImportJobRequest" in body["Message"]
    assert pinpoint_emulator.jobs() == []

"""The Customer Profiles emulator (domains, upload jobs, the SSE-C upload URL), driven through moto's HTTP server
with plain boto3 clients and real HTTP PUTs, as listdrop's provider drives AWS.

Its rules are botocore's model (customer-profiles 2020-08-15), the Connect admin guide and S3's SSE-C rules; the
package docstring (localcloud/emulators/customer_profiles) lists the readings that are assumptions.
"""

from __future__ import annotations

import base64
import hashlib
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from localcloud import faults
from localcloud.emulators.customer_profiles import CustomerProfilesEmulator, UploadMapping, key_md5, read_upload
from localcloud.emulators.kit.errors import JobFailure

REGION = "us-east-1"
DOMAIN = "acme-marketing"
FINAL = ("SUCCEEDED", "PARTIALLY_SUCCEEDED", "FAILED", "STOPPED")
FIELDS = {
    "EmailAddress": {
        "Source": "_source.EmailAddress",
        "Target": "_profile.EmailAddress",
        "ContentType": "EMAIL_ADDRESS",
    },
    "FirstName": {"Source": "_source.FirstName", "Target": "_profile.FirstName", "ContentType": "NAME"},
    "City": {"Source": "_source.City", "Target": "_profile.Address.City", "ContentType": "STRING"},
    "Interest": {"Source": "_source.Interest", "Target": "_profile.Attributes.Interest", "ContentType": "STRING"},
}
HEADER = "EmailAddress,FirstName,City,Interest\n"


# ------------------------------------------------------------------------------------------- helpers


def cp(url: str, **config: Any) -> Any:
    return boto3.client("customer-profiles", endpoint_url=url, region_name=REGION, config=Config(**config))


def new_domain(url: str, name: str = DOMAIN) -> None:
    cp(url).create_domain(DomainName=name, DefaultExpirationDays=14)


def new_job(url: str, domain: str = DOMAIN, **overrides: Any) -> str:
    params = {"DomainName": domain, "DisplayName": "listdrop-1", "Fields": FIELDS, "UniqueKey": "EmailAddress"}
    return str(cp(url).create_upload_job(**(params | overrides))["JobId"])


def sse_c(token: str, **overrides: str) -> dict[str, str]:
    headers = {
        "x-amz-server-side-encryption-customer-algorithm": "AES256",
        "x-amz-server-side-encryption-customer-key": token,
        "x-amz-server-side-encryption-customer-key-MD5": key_md5(token),
    }
    return headers | overrides


def put(upload_url: str, body: bytes, headers: dict[str, str], method: str = "PUT") -> tuple[int, bytes]:
    """A real HTTP request to the upload URL, as the provider streams the file: with a Content-Length."""
    request = urllib.request.Request(upload_url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read()


def upload(url: str, job_id: str, body: str | bytes, domain: str = DOMAIN) -> None:
    path = cp(url).get_upload_job_path(DomainName=domain, JobId=job_id)
    data = body.encode() if isinstance(body, str) else body
    status, answer = put(path["Url"], data, sse_c(path["ClientToken"]) | {"Content-Type": "text/csv"})
    assert status == 200, answer


def job_with_path(url: str) -> tuple[str, dict[str, Any]]:
    """A new domain, a job in it and the job's upload path."""
    new_domain(url)
    job_id = new_job(url)
    return job_id, dict(cp(url).get_upload_job_path(DomainName=DOMAIN, JobId=job_id))


def start_held(url: str, emulator: CustomerProfilesEmulator, rows: int) -> str:
    """A started job of ``rows`` records, held IN_PROGRESS after its first half."""
    new_domain(url)
    emulator.hold()
    job_id = new_job(url)
    upload(url, job_id, HEADER + "".join(f"u{n}@shop.example,U,,\n" for n in range(rows)))
    cp(url).start_upload_job(DomainName=DOMAIN, JobId=job_id)
    return job_id


def wait_final(url: str, job_id: str, domain: str = DOMAIN, timeout: float = 5.0) -> dict[str, Any]:
    client = cp(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get_upload_job(DomainName=domain, JobId=job_id)
        if job["Status"] in FINAL:
            return dict(job)
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not end within {timeout} s")


def run_job(url: str, body: str | bytes, domain: str = DOMAIN, **overrides: Any) -> dict[str, Any]:
    job_id = new_job(url, domain, **overrides)
    upload(url, job_id, body, domain)
    cp(url).start_upload_job(DomainName=domain, JobId=job_id)
    return wait_final(url, job_id, domain)


def summary(job: dict[str, Any]) -> tuple[int, int, int]:
    results = job["ResultsSummary"]
    return results["CreatedRecords"], results["UpdatedRecords"], results["FailedRecords"]


def error_of(call: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as raised:  # whichever modelled subclass
        call()
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


# ---------------------------------------------------------------------------------- routing, install


def test_other_services_still_reach_moto(customer_profiles: CustomerProfilesEmulator, moto_url: str) -> None:
    """The routes claim Customer Profiles' paths and unsigned upload URLs only: S3 (even a bucket named like a
    Customer Profiles path) and other services are still moto's."""
    new_domain(moto_url)
    s3 = boto3.client("s3", endpoint_url=moto_url, region_name=REGION)
    s3.create_bucket(Bucket="domains")
    s3.put_object(Bucket="domains", Key=f"{DOMAIN}/upload-jobs", Body=b"kept")
    assert s3.get_object(Bucket="domains", Key=f"{DOMAIN}/upload-jobs")["Body"].read() == b"kept"
    assert cp(moto_url).get_domain(DomainName=DOMAIN)["DomainName"] == DOMAIN


def test_request_for_another_region_is_refused(customer_profiles: CustomerProfilesEmulator, moto_url: str) -> None:
    client = boto3.client("customer-profiles", endpoint_url=moto_url, region_name="eu-west-1")
    code, status, message = error_of(lambda: client.get_domain(DomainName=DOMAIN))
    assert (code, status) == ("BadRequestException", 400)
    assert "us-east-1" in message


# ------------------------------------------------------------------------------------------- domains


def test_domains_are_created_read_listed_and_deleted(
    customer_profiles: CustomerProfilesEmulator, moto_url: str
) -> None:
    client = cp(moto_url)
    created = client.create_domain(DomainName=DOMAIN, DefaultExpirationDays=30, Tags={"team": "crm"})
    assert created["DefaultExpirationDays"] == 30
    assert "Stats" not in created  # CreateDomainResponse has no Stats
    domain = client.get_domain(DomainName=DOMAIN)
    assert domain["Tags"] == {"team": "crm"}
    assert domain["Stats"] == {"ProfileCount": 0}
    assert domain["CreatedAt"] == created["CreatedAt"]
    assert error_of(lambda: client.create_domain(DomainName=DOMAIN, DefaultExpirationDays=14))[:2] == (
        "BadRequestException",
        400,
    )
    new_domain(moto_url, "second")
    first = client.list_domains(MaxResults=1)  # botocore has no paginator for ListDomains
    second = client.list_domains(MaxResults=1, NextToken=first["NextToken"])
    assert [item["DomainName"] for item in first["Items"] + second["Items"]] == [DOMAIN, "second"]
    assert "NextToken" not in second
    job_id = new_job(moto_url)
    assert client.delete_domain(DomainName=DOMAIN)["Message"]
    assert error_of(lambda: client.get_domain(DomainName=DOMAIN))[:2] == ("ResourceNotFoundException", 404)
    assert error_of(lambda: client.get_upload_job(DomainName=DOMAIN, JobId=job_id))[1] == 404
    assert [job.domain_name for job in customer_profiles.jobs()] == []


# ----------------------------------------------------------------------------------- the happy path


def test_an_upload_job_goes_created_in_progress_succeeded_and_imports_profiles(
    customer_profiles: CustomerProfilesEmulator, moto_url: str
) -> None:
    client = cp(moto_url)
    new_domain(moto_url)
    job_id = new_job(moto_url, DataExpiry=30)
    assert len(job_id) == 32
    created = client.get_upload_job(DomainName=DOMAIN, JobId=job_id)
    assert created["Status"] == "CREATED"
    assert "ResultsSummary" not in created
    assert (created["Fields"], created["UniqueKey"], created["DataExpiry"]) == (FIELDS, "EmailAddress", 30)

    path = client.get_upload_job_path(DomainName=DOMAIN, JobId=job_id)
    assert path["Url"].startswith(f"{moto_url}/_customer-profiles-uploads/{DOMAIN}/{job_id}?")
    assert len(base64.b64decode(path["ClientToken"])) == 32
    assert 14 * 60 < path["ValidUntil"].timestamp() - time.time() <= 15 * 60
    body = (HEADER + "ana@shop.example,Ana,Lisbon,boots\nbo@shop.example,Bo,,\n").encode()
    request = urllib.request.Request(path["Url"], data=body, method="PUT", headers=sse_c(path["ClientToken"]))
    with urllib.request.urlopen(request, timeout=5) as response:  # urllib's default Content-Type: body kept
        assert response.status == 200
        assert response.headers["x-amz-server-side-encryption-customer-key-MD5"] == key_md5(path["ClientToken"])
        assert response.headers["ETag"]

    client.start_upload_job(DomainName=DOMAIN, JobId=job_id)
    started = client.get_upload_job(DomainName=DOMAIN, JobId=job_id)
    assert started["Status"] == "IN_PROGRESS"
    assert summary(started) == (0, 0, 0)
    done = wait_final(moto_url, job_id)
    assert done["Status"] == "SUCCEEDED"
    assert summary(done) == (2, 0, 0)
    assert "StatusReason" not in done
    assert done["CompletedAt"] >= done["CreatedAt"]
    assert customer_profiles.profiles(DOMAIN) == {
        "ana@shop.example": {
            "EmailAddress": "ana@shop.example",
            "FirstName": "Ana",
            "Address.City": "Lisbon",
            "Attributes.Interest": "boots",
        },
        "bo@shop.example": {"EmailAddress": "bo@shop.example", "FirstName": "Bo"},  # empty cells set nothing
    }
    assert client.get_domain(DomainName=DOMAIN)["Stats"]["ProfileCount"] == 2
    [item] = client.list_upload_jobs(DomainName=DOMAIN)["Items"]
    assert item["Status"] == "SUCCEEDED"
    assert not {"Fields", "UniqueKey", "ResultsSummary"} & set(item)  # UploadJobItem has none of them


def test_a_second_job_updates_the_profiles_the_first_created(
    customer_profiles: CustomerProfilesEmulator, moto_url: str
) -> None:
    new_domain(moto_url)
    first = run_job(moto_url, HEADER + "ana@shop.example,Ana,Lisbon,boots\n")
    assert summary(first) == (1, 0, 0)
    second = run_job(moto_url, HEADER + "ANA@shop.example,,Porto,\ncy@shop.example,Cy,,\ncy@shop.example,,,hats\n")
    assert second["Status"] == "SUCCEEDED"
    # the e-mail key compares case-insensitively; a key seen earlier in the same file updates too
    assert summary(second) == (1, 2, 0)
    held = customer_profiles.profiles(DOMAIN)
    assert held["ana@shop.example"]["Address.City"] == "Porto"
    assert held["ana@shop.example"]["FirstName"] == "Ana"  # not in the second file: kept
    assert held["cy@shop.example"] == {
        "EmailAddress": "cy@shop.example",
        "FirstName": "Cy",
        "Attributes.Interest": "hats",
    }


def test_profiles_are_found_by_their_email_or_id_in_the_models_shape(
    customer_profiles: CustomerProfilesEmulator, moto_url: str
) -> None:
    client = cp(moto_url)
    new_domain(moto_url)
    run_job(moto_url, HEADER + "ana@shop.example,Ana,Lisbon,boots\nbo@shop.example,Bo,,\n")
    [ana] = client.search_profiles(DomainName=DOMAIN, KeyName="_email", Values=["ANA@shop.example"])["Items"]
    assert (ana["EmailAddress"], ana["FirstName"]) == ("ana@shop.example", "Ana")
    assert ana["Address"] == {"City": "Lisbon"} and ana["Attributes"] == {"Interest": "boots"}
    by_id = client.search_profiles(DomainName=DOMAIN, KeyName="_profileId", Values=[ana["ProfileId"]])["Items"]
    assert by_id == [ana]
    assert client.search_profiles(DomainName=DOMAIN, KeyName="_email", Values=["x@shop.example"])["Items"] == []
    assert error_of(lambda: client.search_profiles(DomainName=DOMAIN, KeyName="_phone", Values=["1"]))[0] == (
        "BadRequestException"
    )
    assert error_of(lambda: client.search_profiles(DomainName="nope", KeyName="_email", Values=["a"]))[:2] == (
        "ResourceNotFoundException",
        404,
    )


# ------------------------------------------------------------------------------- records and files


def test_failed_records_make_a_partial_success(customer_profiles: CustomerProfilesEmulator, moto_url: str) -> None:
    new_domain(moto_url)
    body = (
        HEADER
        + "ana@shop.example,Ana,,\n"
        + "not-an-address,Bo,,\n"  # EMAIL_ADDRESS field that is not an address
        + ",Cy,,\n"  # no unique-key value
        + "di@shop.example,Di,\n"  # 3 fields, the header 4
        + f"ed@shop.example,{'E' * 256},,\n"  # FirstName over the model's 255 characters
        + 'fi@shop.example,"Fi, Jr",,\n'  # quoted comma: one field
    )
    job = run_job(moto_url, body)
    assert job["Status"] == "PARTIALLY_SUCCEEDED"
    assert summary(job) == (2, 0, 4)
    assert set(customer_profiles.profiles(DOMAIN)) == {"ana@shop.example", "fi@shop.example"}


def test_a_job_whose_every_record_failed_fails(customer_profiles: CustomerProfilesEmulator, moto_url: str) -> None:
    new_domain(moto_url)
    job = run_job(moto_url, HEADER + "nope,Ana,,\n,Bo,,\n")
    assert (job["Status"], job["StatusReason"]) == ("FAILED", "VALIDATION_FAILURE")
    assert summary(job) == (0, 0, 2)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"", "empty"),
        (b"ana@shop.example,Ana,Lisbon,boots\n", "header row lacks"),  # no header row: the first row is data
        (b"\xef\xbb\xbf" + HEADER.encode() + b"ana@shop.example,Ana,,\n", "byte-order mark"),
        (b"EmailAddress,FirstName,Interest\nana@shop.example,Ana,boots\n", "City"),  # a mapped column missing
        (b"Email,FirstName,City,Interest\nana@shop.example,Ana,,\n", "EmailAddress"),  # the unique key's column
        (HEADER.encode() + b"ana@shop.example,\xff,,\n", "UTF-8"),
    ],
)
def test_a_file_it_cannot_read_fails_the_job(
    customer_profiles: CustomerProfilesEmulator, moto_url: str, body: bytes, why: str
) -> None:
    new_domain(moto_url)
    job = run_job(moto_url, body)
    assert (job["Status"], job["StatusReason"]) == ("FAILED", "VALIDATION_FAILURE")
    assert summary(job) == (0, 0, 0)
    assert why in str(customer_profiles.job(job["JobId"]).failure_message)
    assert customer_profiles.profiles(DOMAIN) == {}


def test_start_without_an_upload_fails_the_job(customer_profiles: CustomerProfilesEmulator, moto_url: str) -> None:
    new_domain(moto_url)
    job_id = new_job(moto_url)
    cp(moto_url).start_upload_job(DomainName=DOMAIN, JobId=job_id)
    job = wait_final(moto_url, job_id)
    assert (job["Status"], job["StatusReason"]) == ("FAILED", "VALIDATION_FAILURE")


def test_the_reader_on_its_own() -> None:
    mapping = UploadMapping.read(FIELDS, "EmailAddress")
    outcomes = read_upload((HEADER + "\nANA@Shop.example,Ana,,\r\n").encode(), mapping).outcomes  # blank line skipped
    assert [(record.key, record.values) for record in outcomes if record] == [
        ("ana@shop.example", {"EmailAddress": "ANA@Shop.example", "FirstName": "Ana"})
    ]
    with pytest.raises(JobFailure, match="Nothing was uploaded"):
        read_upload(None, mapping)


# ----------------------------------------------------------------------------------- the field mapping


@pytest.mark.parametrize(
    ("fields", "unique_key", "expected"),
    [
        (FIELDS, "Email", "UniqueKey 'Email' is not a key of Fields"),
        ({"E": {"Source": "EmailAddress", "Target": "_profile.EmailAddress"}}, "E", "Source must be _source."),
        ({"E": {"Source": "_source.a.b", "Target": "_profile.EmailAddress"}}, "E", "without dots"),
        ({"E": {"Source": "_source.E", "Target": "_profile.Email"}}, "E", "Target must be _profile."),
        ({"E": {"Source": "_source.E", "Target": "_profile.ProfileId"}}, "E", "Target must be"),  # not writable
        ({"E": {"Source": "_source.E", "Target": "_profile.Address.Street"}}, "E", "Target must be"),
        ({"E": {"Source": "_source.E", "Target": "_profile.Attributes"}}, "E", "Target must be"),  # no name
        ({"E": {"Source": "_source.E", "Target": "EmailAddress"}}, "E", "Target must be"),
        ({"E": {"Source": "_source.E"}}, "E", "needs a Source and a Target"),
    ],
)
def test_a_mapping_it_cannot_use_is_a_bad_request(
    customer_profiles: CustomerProfilesEmulator,
    moto_url: str,
    fields: dict[str, Any],
    unique_key: str,
    expected: str,
) -> None:
    new_domain(moto_url)
    code, status, message = error_of(lambda: new_job(moto_url, Fields=fields, UniqueKey=unique_key))
    assert (code, status) == ("BadRequestException", 400)
    assert expected in message


def test_standard_address_and_attribute_targets_are_accepted(
    customer_profiles: CustomerProfilesEmulator, moto_url: str
) -> None:
    new_domain(moto_url)
    fields = {
        "Key": {"Source": "_source.Key", "Target": "_profile.AccountNumber"},
        "Zip": {"Source": "_source.Zip", "Target": "_profile.ShippingAddress.PostalCode"},
        "Tier": {"Source": "_source.Tier", "Target": "_profile.Attributes.Tier"},
    }
    job = run_job(moto_url, "Key,Zip,Tier\nA-1,1000,gold\n", Fields=fields, UniqueKey="Key")
    assert job["Status"] == "SUCCEEDED"
    assert customer_profiles.profiles(DOMAIN) == {
        "A-1": {"AccountNumber": "A-1", "ShippingAddress.PostalCode": "1000", "Attributes.Tier": "gold"}
    }


# ------------------------------------------------------------------------------------ the upload URL


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 403, "AccessDenied"),  # no SSE-C at all: the bucket requires it
        ({"x-amz-server-side-encryption-customer-key-MD5": None}, 400, "InvalidArgument"),
        ({"x-amz-server-side-encryption-customer-key-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="}, 400, "InvalidArgument"),
        ({"x-amz-server-side-encryption-customer-algorithm": "aws:kms"}, 400, "InvalidEncryptionAlgorithmError"),
        ({"x-amz-server-side-encryption-customer-key": "c2hvcnQ="}, 400, "InvalidArgument"),  # not 256 bits
    ],
)
def test_a_put_without_the_right_sse_c_headers_is_refused_as_s3_would(
    customer_profiles: CustomerProfilesEmulator,
    moto_url: str,
    headers: dict[str, str | None],
    status: int,
    code: str,
) -> None:
    job_id, path = job_with_path(moto_url)
    sent = {} if not headers else sse_c(path["ClientToken"])
    for name, value in headers.items():
        sent.pop(name, None)
        if value is not None:
            sent[name] = value
    answer = put(path["Url"], b"EmailAddress\n", sent)
    assert answer[0] == status
    assert f"<Code>{code}</Code>".encode() in answer[1]
    assert customer_profiles.job(job_id).upload is None


def test_the_md5_is_of_the_key_bytes_and_the_key_must_be_the_jobs(
    customer_profiles: CustomerProfilesEmulator, moto_url: str
) -> None:
    job_id, path = job_with_path(moto_url)
    token = path["ClientToken"]
    md5_of_text = base64.b64encode(hashlib.md5(token.encode()).digest()).decode()  # the usual mistake
    wrong_md5 = put(path["Url"], b"x", sse_c(token, **{"x-amz-server-side-encryption-customer-key-MD5": md5_of_text}))
    assert wrong_md5[0] == 400
    assert b"<Code>InvalidArgument</Code>" in wrong_md5[1]
    other_key = base64.b64encode(uuid.uuid4().bytes * 2).decode()
    assert put(path["Url"], b"x", sse_c(other_key))[0] == 403
    assert customer_profiles.job(job_id).upload is None


def test_a_changed_url_another_method_or_chunked_body_is_refused(
    customer_profiles: CustomerProfilesEmulator, moto_url: str
) -> None:
    job_id, path = job_with_path(moto_url)
    headers = sse_c(path["ClientToken"])
    other_job = path["Url"].replace(job_id, new_job(moto_url))
    assert put(other_job, b"x", headers)[0] == 403  # signed for another job
    assert put(path["Url"].replace("expires=", "expires=9"), b"x", headers)[0] == 403  # a longer lifetime
    assert put(path["Url"], b"", headers, method="GET")[0] == 403  # signed for PUT
    assert put(path["Url"], b"", headers, method="DELETE")[0] == 403
    chunked = urllib.request.Request(
        path["Url"], data=iter([b"EmailAddress\n"]), method="PUT", headers=headers | {"Transfer-Encoding": "chunked"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(chunked, timeout=5)
    assert refused.value.code == 411
    assert customer_profiles.job(job_id).upload is None


def test_an_expired_url_is_refused_and_a_fresh_path_works(
    customer_profiles: CustomerProfilesEmulator, moto_url: str
) -> None:
    new_domain(moto_url)
    job_id = new_job(moto_url)
    customer_profiles.upload_url_ttl_seconds = 0.1
    expired = cp(moto_url).get_upload_job_path(DomainName=DOMAIN, JobId=job_id)
    time.sleep(0.2)
    status, answer = put(expired["Url"], b"EmailAddress\n", sse_c(expired["ClientToken"]))
    assert status == 403
    assert b"<Code>AccessDenied</Code><Message>Request has expired</Message>" in answer
    customer_profiles.upload_url_ttl_seconds = 60
    fresh = cp(moto_url).get_upload_job_path(DomainName=DOMAIN, JobId=job_id)
    assert fresh["Url"] != expired["Url"]
    assert fresh["ClientToken"] == expired["ClientToken"]  # one data key per job
    assert put(fresh["Url"], b"EmailAddress\n", sse_c(fresh["ClientToken"]))[0] == 200


def test_a_large_file_arrives_whole(customer_profiles: CustomerProfilesEmulator, moto_url: str) -> None:
    new_domain(moto_url)
    job_id = new_job(moto_url)
    body = (HEADER + "".join(f"user{n:07d}@shop.example,Ana,Lisbon,boots\n" for n in range(90_000))).encode()
    assert len(body) > 3_000_000
    upload(moto_url, job_id, body)
    assert customer_profiles.job(job_id).upload == body


def test_an_upload_after_the_start_is_accepted_and_not_read(
    customer_profiles: CustomerProfilesEmulator, moto_url: str
) -> None:
    new_domain(moto_url)
    customer_profiles.hold()
    job_id = new_job(moto_url)
    upload(moto_url, job_id, HEADER + "ana@shop.example,Ana,,\n")
    cp(moto_url).start_upload_job(DomainName=DOMAIN, JobId=job_id)
    upload(moto_url, job_id, HEADER + "bo@shop.example,Bo,,\nbo2@shop.example,Bo,,\n")
    customer_profiles.hold(False)
    assert summary(wait_final(moto_url, job_id)) == (1, 0, 0)


# ------------------------------------------------------------------------------------ start and stop


def test_start_and_stop_rules(customer_profiles: CustomerProfilesEmulator, moto_url: str) -> None:
    client = cp(moto_url)
    new_domain(moto_url)
    job_id = new_job(moto_url)
    client.stop_upload_job(DomainName=DOMAIN, JobId=job_id)  # CREATED -> STOPPED
    stopped = client.get_upload_job(DomainName=DOMAIN, JobId=job_id)
    assert stopped["Status"] == "STOPPED"
    assert stopped["CompletedAt"]
    assert "ResultsSummary" not in stopped
    for call in (client.start_upload_job, client.stop_upload_job):
        assert error_of(lambda call=call: call(DomainName=DOMAIN, JobId=job_id))[:2] == ("BadRequestException", 400)

    done = run_job(moto_url, HEADER + "ana@shop.example,Ana,,\n")
    for call in (client.start_upload_job, client.stop_upload_job):
        code = error_of(lambda call=call: call(DomainName=DOMAIN, JobId=done["JobId"]))[0]
        assert code == "BadRequestException"
    assert client.get_upload_job(DomainName=DOMAIN, JobId=done["JobId"])["Status"] == "SUCCEEDED"

    customer_profiles.hold()
    running = new_job(moto_url)
    upload(moto_url, running, HEADER + "bo@shop.example,Bo,,\n")
    client.start_upload_job(DomainName=DOMAIN, JobId=running)
    assert error_of(lambda: client.start_upload_job(DomainName=DOMAIN, JobId=running))[0] == "BadRequestException"


def test_stop_in_progress_keeps_what_was_ingested(customer_profiles: CustomerProfilesEmulator, moto_url: str) -> None:
    client = cp(moto_url)
    job_id = start_held(moto_url, customer_profiles, rows=4)
    wait_for(lambda: summary(client.get_upload_job(DomainName=DOMAIN, JobId=job_id))[0] == 2)
    client.stop_upload_job(DomainName=DOMAIN, JobId=job_id)
    customer_profiles.hold(False)
    time.sleep(0.3)
    job = client.get_upload_job(DomainName=DOMAIN, JobId=job_id)
    assert job["Status"] == "STOPPED"
    assert job["CompletedAt"]
    assert summary(job) == (2, 0, 0)
    assert len(customer_profiles.profiles(DOMAIN)) == 2


def wait_for(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.01)


# ------------------------------------------------------------------------------- test controls


def test_hold_keeps_a_job_in_progress_with_its_counts_growing(
    customer_profiles: CustomerProfilesEmulator, moto_url: str
) -> None:
    client = cp(moto_url)
    job_id = start_held(moto_url, customer_profiles, rows=5)
    wait_for(lambda: summary(client.get_upload_job(DomainName=DOMAIN, JobId=job_id)) == (3, 0, 0))
    time.sleep(0.3)  # past complete_after: still held
    assert client.get_upload_job(DomainName=DOMAIN, JobId=job_id)["Status"] == "IN_PROGRESS"
    customer_profiles.hold(False)
    job = wait_final(moto_url, job_id)
    assert (job["Status"], summary(job)) == ("SUCCEEDED", (5, 0, 0))


@pytest.mark.parametrize(
    ("message", "reason"), [("Injected failure", "INTERNAL_FAILURE"), ("VALIDATION_FAILURE", "VALIDATION_FAILURE")]
)
def test_fail_next_fails_one_job(
    customer_profiles: CustomerProfilesEmulator, moto_url: str, message: str, reason: str
) -> None:
    new_domain(moto_url)
    customer_profiles.fail_next(message)
    failed = run_job(moto_url, HEADER + "ana@shop.example,Ana,,\n")
    assert (failed["Status"], failed["StatusReason"]) == ("FAILED", reason)
    assert customer_profiles.job(failed["JobId"]).failure_message == message
    assert customer_profiles.profiles(DOMAIN) == {}
    assert run_job(moto_url, HEADER + "ana@shop.example,Ana,,\n")["Status"] == "SUCCEEDED"


def test_reset_forgets_everything(customer_profiles: CustomerProfilesEmulator, moto_url: str) -> None:
    _, path = job_with_path(moto_url)
    customer_profiles.hold()
    customer_profiles.fail_next("never used")
    customer_profiles.reset()
    assert customer_profiles.jobs() == []
    assert cp(moto_url).list_domains()["Items"] == []
    assert put(path["Url"], b"x", sse_c(path["ClientToken"]))[0] == 403  # the job is gone
    new_domain(moto_url)
    assert run_job(moto_url, HEADER + "ana@shop.example,Ana,,\n")["Status"] == "SUCCEEDED"  # neither held nor failed


# -------------------------------------------------------------------------- errors from the model


def test_missing_domains_and_jobs_are_not_found(customer_profiles: CustomerProfilesEmulator, moto_url: str) -> None:
    client = cp(moto_url)
    unknown = uuid.uuid4().hex
    assert error_of(lambda: new_job(moto_url, "nowhere"))[:2] == ("ResourceNotFoundException", 404)
    assert error_of(lambda: client.list_upload_jobs(DomainName="nowhere"))[1] == 404
    new_domain(moto_url)
    new_domain(moto_url, "other")
    job_id = new_job(moto_url)
    calls = [
        lambda: client.get_upload_job(DomainName=DOMAIN, JobId=unknown),
        lambda: client.get_upload_job_path(DomainName=DOMAIN, JobId=unknown),
        lambda: client.start_upload_job(DomainName=DOMAIN, JobId=unknown),
        lambda: client.stop_upload_job(DomainName=DOMAIN, JobId=unknown),
        lambda: client.get_upload_job(DomainName="other", JobId=job_id),  # the job is another domain's
    ]
    for call in calls:
        code, status, _ = error_of(call)
        assert (code, status) == ("ResourceNotFoundException", 404)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda c: c.get_domain(DomainName="bad name!"), "does not match ^[a-zA-Z0-9_-]+$"),
        (lambda c: c.get_domain(DomainName="d" * 65), "valid max length: 64"),
        (lambda c: c.create_domain(DomainName="d", DefaultExpirationDays=1099), "valid max value: 1098"),
        (lambda c: c.get_upload_job(DomainName=DOMAIN, JobId="not-a-uuid"), "does not match [a-f0-9]{32}"),
        (lambda c: c.start_upload_job(DomainName=DOMAIN, JobId="bad id!"), "does not match ^[a-zA-Z0-9_-]+$"),
        (lambda c: c.list_upload_jobs(DomainName=DOMAIN, MaxResults=501), "valid max value: 500"),
        (lambda c: c.list_domains(MaxResults=101), "valid max value: 100"),
        (lambda c: c.create_upload_job(**job(DisplayName="x" * 256)), "valid max length: 255"),
        (lambda c: c.create_upload_job(**job(DataExpiry=1099)), "valid max value: 1098"),
        (lambda c: c.create_upload_job(**job(UniqueKey="k" * 1001)), "valid max length: 1000"),
        (lambda c: c.create_upload_job(**job(Fields={"bad key!": FIELDS["City"]})), "Fields"),
        (lambda c: c.create_upload_job(**job(Fields={"E": {**FIELDS["City"], "ContentType": "EMAIL"}})), "EMAIL"),
    ],
)
def test_requests_breaking_the_model_are_bad_requests(
    customer_profiles: CustomerProfilesEmulator, moto_url: str, call: Any, expected: str
) -> None:
    new_domain(moto_url)
    code, status, message = error_of(lambda: call(cp(moto_url)))
    assert (code, status) == ("BadRequestException", 400)
    assert expected in message
    assert "_source" not in message  # Fields is sensitive in the model: its values are not echoed


def job(**overrides: Any) -> dict[str, Any]:
    params = {"DomainName": DOMAIN, "DisplayName": "listdrop-1", "Fields": FIELDS, "UniqueKey": "EmailAddress"}
    return params | overrides


def test_list_upload_jobs_paginates_per_domain(customer_profiles: CustomerProfilesEmulator, moto_url: str) -> None:
    client = cp(moto_url)
    new_domain(moto_url)
    new_domain(moto_url, "other")
    created = [new_job(moto_url, DisplayName=f"job-{n}") for n in range(25)]
    new_job(moto_url, "other")
    first = client.list_upload_jobs(DomainName=DOMAIN)
    assert len(first["Items"]) == 20  # the default page
    pages = client.get_paginator("list_upload_jobs").paginate(DomainName=DOMAIN, MaxResults=7)
    assert [item["JobId"] for item in pages.search("Items")] == created
    code, status, _ = error_of(lambda: client.list_upload_jobs(DomainName="other", NextToken=first["NextToken"]))
    assert (code, status) == ("BadRequestException", 400)


# ------------------------------------------------------------------------------------------ fault plans


def test_fault_plans_reach_its_operations_and_its_uploads(
    customer_profiles: CustomerProfilesEmulator, moto_url: str
) -> None:
    job_id, path = job_with_path(moto_url)
    plan = faults.FaultPlan.from_dict(
        {"api": [{"operations": ["customer-profiles:CreateUploadJob", "s3:PutObject"], "throttle": 1.0}]}
    )
    injector = faults.activate(plan)
    try:
        client = cp(moto_url, retries={"total_max_attempts": 1})
        assert error_of(lambda: client.create_upload_job(**job()))[0] == "ThrottlingException"
        status, answer = put(path["Url"], b"EmailAddress\n", sse_c(path["ClientToken"]))  # the upload is S3's PUT
        assert status == 503
        assert b"<Code>SlowDown</Code>" in answer
        assert client.get_upload_job(DomainName=DOMAIN, JobId=job_id)["Status"] == "CREATED"  # not in the plan
    finally:
        faults.activate(None)
    assert injector is not None
    assert injector.log.counts()["throttled customer-profiles:CreateUploadJob"] == 1
    assert injector.log.counts()["throttled s3:PutObject"] == 1
    assert customer_profiles.job(job_id).upload is None
    with pytest.raises(faults.FaultPlanError, match="no operation"):
        faults.FaultPlan.from_dict({"api": [{"operations": ["customer-profiles:CreateImportJob"], "throttle": 1.0}]})

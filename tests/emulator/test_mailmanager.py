"""The Mail Manager address-list emulator, driven through moto's HTTP server with plain boto3 clients.

The address file layouts, wildcard rules and maximums it must follow are the SES Developer Guide's ("Address
Lists", https://docs.aws.amazon.com/ses/latest/dg/eb-addlist.html); an undocumented layout fails the job.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.server import ThreadedMotoServer

from localcloud.emulators.mailmanager import (
    MAX_ADDRESS_LISTS_PER_REGION,
    MAX_MEMBERS_PER_ADDRESS_LIST,
    MailManagerEmulator,
    parse_import_file,
)
from localcloud.emulators.sesv2_import_jobs import SesImportJobEmulator

REGION = "us-east-1"
FINAL = ("COMPLETED", "FAILED", "STOPPED")


# ------------------------------------------------------------------------------------------- helpers


def mm(url: str, **config: Any) -> Any:
    return boto3.client("mailmanager", endpoint_url=url, region_name=REGION, config=Config(**config))


def new_list(url: str, name: str = "allow-list") -> str:
    return str(mm(url).create_address_list(AddressListName=name)["AddressListId"])


def new_job(url: str, list_id: str, data_type: str = "CSV", **extra: Any) -> dict[str, Any]:
    return dict(
        mm(url).create_address_list_import_job(
            AddressListId=list_id, Name="import-1", ImportDataFormat={"ImportDataType": data_type}, **extra
        )
    )


def upload(presigned_url: str, body: str | bytes, content_type: str = "text/csv") -> int:
    """A real HTTP PUT to the pre-signed URL, as a client of Mail Manager would do."""
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(presigned_url, data=data, method="PUT", headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=5) as response:
        return int(response.status)


def wait_final(url: str, job_id: str, timeout: float = 5.0) -> dict[str, Any]:
    client = mm(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get_address_list_import_job(JobId=job_id)
        if job["Status"] in FINAL:
            return dict(job)
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not end within {timeout} s")


def wait_status(url: str, job_id: str, status: str, timeout: float = 5.0) -> None:
    client = mm(url)
    deadline = time.monotonic() + timeout
    while client.get_address_list_import_job(JobId=job_id)["Status"] != status:
        assert time.monotonic() < deadline, f"job {job_id} never reached {status}"
        time.sleep(0.01)


def run_import(url: str, list_id: str, body: str, data_type: str = "CSV") -> dict[str, Any]:
    job = new_job(url, list_id, data_type)
    upload(job["PreSignedUrl"], body, "text/csv" if data_type == "CSV" else "application/json")
    mm(url).start_address_list_import_job(JobId=job["JobId"])
    return wait_final(url, job["JobId"])


def items(*addresses: str) -> str:
    """The documented JSON layout."""
    return json.dumps({"items": [{"address": address} for address in addresses]})


def member_addresses(url: str, list_id: str) -> set[str]:
    pages = mm(url).get_paginator("list_members_of_address_list").paginate(AddressListId=list_id)
    return {item["Address"] for page in pages for item in page["Addresses"]}


# ---------------------------------------------------------------------------------- routing, install


def test_ses_v1_and_sesv2_still_work_on_the_same_server(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    list_id = new_list(moto_url)
    ses = boto3.client("ses", endpoint_url=moto_url, region_name=REGION)
    ses.verify_email_identity(EmailAddress="sender@example.com")
    assert ses.list_identities()["Identities"] == ["sender@example.com"]
    sesv2 = boto3.client("sesv2", endpoint_url=moto_url, region_name=REGION)
    sesv2.create_contact_list(ContactListName="newsletter")
    assert [c["ContactListName"] for c in sesv2.list_contact_lists()["ContactLists"]] == ["newsletter"]
    assert mm(moto_url).get_address_list(AddressListId=list_id)["AddressListName"] == "allow-list"


def test_install_is_idempotent_in_either_order_with_the_ses_emulator(
    mailmanager: MailManagerEmulator, moto_url: str
) -> None:
    ses = SesImportJobEmulator(endpoint_url=moto_url)
    ses.install()
    mailmanager.install()
    dispatcher = DomainDispatcherApplication.get_application
    mailmanager.install()
    ses.install()
    assert DomainDispatcherApplication.get_application is dispatcher
    assert getattr(dispatcher, "_listdrop_emulator_kit", False)  # the kit's one wrapper, on top
    assert not hasattr(dispatcher.__wrapped__, "_listdrop_emulator_kit")
    list_id = new_list(moto_url)
    with pytest.raises(boto3.client("sesv2", endpoint_url=moto_url, region_name=REGION).exceptions.NotFoundException):
        boto3.client("sesv2", endpoint_url=moto_url, region_name=REGION).get_import_job(JobId="nope")
    assert mm(moto_url).get_address_list(AddressListId=list_id)["AddressListName"] == "allow-list"


def test_server_started_after_install_is_served_too(mailmanager: MailManagerEmulator) -> None:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        client = mm(f"http://{host}:{port}")
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.get_address_list_import_job(JobId="no-such-job")
    finally:
        server.stop()


def test_request_for_other_region_is_rejected(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    client = boto3.client("mailmanager", endpoint_url=moto_url, region_name="eu-west-1")
    with pytest.raises(client.exceptions.ValidationException, match="serves account 123456789012 in us-east-1"):
        client.list_address_lists()


def test_operation_it_does_not_serve_is_named(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    client = mm(moto_url)
    with pytest.raises(client.exceptions.ClientError, match="does not serve ListRuleSets"):
        client.list_rule_sets()


# ------------------------------------------------------------------------------------- address lists


def test_address_list_crud_and_members(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    client = mm(moto_url)
    list_id = new_list(moto_url)
    described = client.get_address_list(AddressListId=list_id)
    assert described["AddressListArn"] == f"arn:aws:ses:{REGION}:123456789012:mailmanager-address-list/{list_id}"
    assert [a["AddressListId"] for a in client.list_address_lists()["AddressLists"]] == [list_id]
    with pytest.raises(client.exceptions.ConflictException):
        client.create_address_list(AddressListName="allow-list")

    client.register_member_to_address_list(AddressListId=list_id, Address="alice@example.com")
    client.register_member_to_address_list(AddressListId=list_id, Address="*.example.org")
    first = client.get_member_of_address_list(AddressListId=list_id, Address="alice@example.com")
    client.register_member_to_address_list(AddressListId=list_id, Address="alice@example.com")  # idempotent
    again = client.get_member_of_address_list(AddressListId=list_id, Address="alice@example.com")
    assert again["CreatedTimestamp"] == first["CreatedTimestamp"]
    assert mailmanager.members(list_id) == {"alice@example.com", "*.example.org"}
    for refused in ("not-an-address", "@example.org", "ab*@example.org", "user@*.com"):
        with pytest.raises(client.exceptions.ValidationException):
            client.register_member_to_address_list(AddressListId=list_id, Address=refused)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.register_member_to_address_list(AddressListId="al-missing", Address="bob@example.com")

    client.deregister_member_from_address_list(AddressListId=list_id, Address="alice@example.com")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_member_of_address_list(AddressListId=list_id, Address="alice@example.com")
    client.delete_address_list(AddressListId=list_id)
    client.delete_address_list(AddressListId=list_id)  # the model has no ResourceNotFoundException here
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_address_list(AddressListId=list_id)


def test_create_address_list_is_idempotent_on_client_token(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    client = mm(moto_url)
    first = client.create_address_list(AddressListName="a", ClientToken="t-1")["AddressListId"]
    assert client.create_address_list(AddressListName="a", ClientToken="t-1")["AddressListId"] == first
    with pytest.raises(client.exceptions.ConflictException, match="ClientToken"):
        client.create_address_list(AddressListName="b", ClientToken="t-1")


# ---------------------------------------------------------------------------------------- happy path


def test_csv_import_goes_created_processing_completed_and_applies_members(
    mailmanager: MailManagerEmulator, moto_url: str
) -> None:
    slow = MailManagerEmulator(moto_url, processing_after=0.3, complete_after=0.8)
    slow.install()
    try:
        client = mm(moto_url)
        list_id = new_list(moto_url)
        job = new_job(moto_url, list_id)
        assert job["PreSignedUrl"].startswith(f"{moto_url}/listdrop-localcloud-mailmanager-imports/")
        assert upload(job["PreSignedUrl"], "address\nalice@example.com\nbob@example.com\n*.example.org\n") == 200
        created = client.get_address_list_import_job(JobId=job["JobId"])
        assert created["Status"] == "CREATED"
        assert "StartTimestamp" not in created
        client.start_address_list_import_job(JobId=job["JobId"])
        seen = [client.get_address_list_import_job(JobId=job["JobId"])["Status"]]
        while seen[-1] not in FINAL:
            time.sleep(0.01)
            seen.append(client.get_address_list_import_job(JobId=job["JobId"])["Status"])
        assert list(dict.fromkeys(seen)) == ["CREATED", "PROCESSING", "COMPLETED"]
        final = client.get_address_list_import_job(JobId=job["JobId"])
        assert (final["ImportedItemsCount"], final["FailedItemsCount"]) == (3, 0)
        assert final["CreatedTimestamp"] <= final["StartTimestamp"] <= final["CompletedTimestamp"]
        assert final["ImportDataFormat"] == {"ImportDataType": "CSV"}
        assert "Error" not in final
        expected = {"alice@example.com", "bob@example.com", "*.example.org"}
        assert member_addresses(moto_url, list_id) == expected == slow.members(list_id)
        assert slow.job(job["JobId"]).status == "COMPLETED"
    finally:
        mailmanager.install()


@pytest.mark.parametrize(
    ("data_type", "body"),
    [
        ("CSV", "address\nalice@example.com\nbob@example.com\n"),
        ("CSV", "address\r\nalice@example.com\r\n\r\nbob@example.com"),
        ("JSON", items("alice@example.com", "bob@example.com")),
        ("JSON", json.dumps({"items": [{"address": "alice@example.com"}, {"address": "bob@example.com"}]}, indent=2)),
    ],
    ids=["csv", "csv-crlf-blank-line", "json-items", "json-items-pretty"],
)
def test_documented_layouts_are_imported(
    mailmanager: MailManagerEmulator, moto_url: str, data_type: str, body: str
) -> None:
    list_id = new_list(moto_url)
    final = run_import(moto_url, list_id, body, data_type)
    assert (final["Status"], final["ImportedItemsCount"], final["FailedItemsCount"]) == ("COMPLETED", 2, 0)
    assert mailmanager.members(list_id) == {"alice@example.com", "bob@example.com"}


@pytest.mark.parametrize(
    ("data_type", "body", "error"),
    [
        ("CSV", "alice@example.com\nbob@example.com\n", "header row 'address'"),
        ("CSV", "email\nalice@example.com\n", "header row 'address'"),
        ("CSV", "Address\nalice@example.com\n", "header row 'address'"),
        ("CSV", "address,name\nalice@example.com,Alice\n", "header row 'address'"),
        ("JSON", '{"address": "alice@example.com"}\n{"address": "bob@example.com"}\n', "JSON lines"),
        ("JSON", '{"address": "alice@example.com"}\n', '{"items"'),
        ("JSON", '[{"address": "alice@example.com"}]', '{"items"'),
        ("JSON", '["alice@example.com"]', '{"items"'),
        ("JSON", '{"addresses": [{"address": "alice@example.com"}]}', '{"items"'),
        ("JSON", '{"items": [{"address": "alice@example.com"}], "owner": "x"}', '{"items"'),
        ("JSON", '{"items": {"address": "alice@example.com"}}', '{"items"'),
        ("CSV", items("alice@example.com"), "header row 'address'"),
        ("JSON", "address\nalice@example.com\n", "not valid JSON"),
    ],
    ids=[
        "csv-no-header",
        "csv-other-header",
        "csv-header-capitalized",
        "csv-extra-column",
        "json-lines",
        "json-one-line-object",
        "json-array-of-objects",
        "json-array-of-strings",
        "json-other-field",
        "json-items-and-more",
        "json-items-not-a-list",
        "json-declared-csv",
        "csv-declared-json",
    ],
)
def test_undocumented_layouts_fail_the_whole_job(
    mailmanager: MailManagerEmulator, moto_url: str, data_type: str, body: str, error: str
) -> None:
    """What the real service would do with them is not documented; the emulator refuses anything but the two
    documented layouts, so a client that sends another one fails here first."""
    list_id = new_list(moto_url)
    final = run_import(moto_url, list_id, body, data_type)
    assert final["Status"] == "FAILED"
    assert error in final["Error"]
    assert "alice" not in final["Error"], "the error quotes no address"
    assert mailmanager.members(list_id) == set()


ACCEPTED_WILDCARDS = (
    "*@domain.com",
    "123*@domain.com",
    "1234567890123456789*@domain.com",
    "local@*.domain1.com",
    "local@*.domain8.domain7.domain6.domain5.domain4.domain3.domain2.domain1.com",
    "*.domain1.com",
    "*.domain8.domain7.domain6.domain5.domain4.domain3.domain2.domain1.com",
)
REFUSED_WILDCARDS = (
    "*@*.domain.com",
    "12*@domain.com",
    "12345678901234567890*@domain.com",
    "ab*cd@domain.com",
    "local@sub.*.domain.com",
    "local@*domain.com",
    "local@*.com",
    "local@*.d9.d8.d7.d6.d5.d4.d3.d2.d1.com",
    "*.com",
    "*",
)


def test_wildcard_entries_follow_the_documented_rules(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    list_id = new_list(moto_url)
    final = run_import(moto_url, list_id, "\n".join(["address", *ACCEPTED_WILDCARDS, *REFUSED_WILDCARDS]))
    assert (final["Status"], final["ImportedItemsCount"], final["FailedItemsCount"]) == (
        "COMPLETED",
        len(ACCEPTED_WILDCARDS),
        len(REFUSED_WILDCARDS),
    )
    assert mailmanager.members(list_id) == set(ACCEPTED_WILDCARDS)


def test_mixed_rows_are_counted(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    client = mm(moto_url)
    list_id = new_list(moto_url)
    client.register_member_to_address_list(AddressListId=list_id, Address="old@example.com")
    rows = [
        "address",
        "old@example.com",  # already a member: imported (idempotent upsert)
        "new@example.com",
        "new@example.com",  # repeated in the file: imported again, one member
        "not-an-email",
        "@",
        "@example.net",  # a bare domain is not a documented entry
        "x" * 65 + "@example.com",  # local part too long
        "",  # blank lines are skipped, not items
        "*.example.net",
        "a,b",  # two cells under a one-column header
    ]
    final = run_import(moto_url, list_id, "\n".join(rows))
    assert (final["Status"], final["ImportedItemsCount"], final["FailedItemsCount"]) == ("COMPLETED", 4, 5)
    assert mailmanager.members(list_id) == {"old@example.com", "new@example.com", "*.example.net"}


def test_mixed_json_items_are_counted(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    list_id = new_list(moto_url)
    body = json.dumps(
        {
            "items": [
                {"address": "a@example.com"},
                {"email": "b@example.com"},
                {"address": "c@example.com", "name": "C"},
                "d@example.com",
                42,
                {"address": 7},
                {"address": "*@example.org"},
            ]
        }
    )
    final = run_import(moto_url, list_id, body, "JSON")
    assert (final["ImportedItemsCount"], final["FailedItemsCount"]) == (2, 5)
    assert mailmanager.members(list_id) == {"a@example.com", "*@example.org"}


@pytest.mark.parametrize(
    ("data_type", "body", "error"),
    [
        ("CSV", "email,name\nalice@example.com,Alice\n", "header row 'address'"),
        ("CSV", "", "empty"),
        ("CSV", "\n\n", "no header"),
        ("JSON", '{"items": [{"address": "alice@example.com"}', "not valid JSON"),
        ("CSV", b"address\n\xff\xfe@example.com\n", "not valid UTF-8"),
    ],
    ids=["wrong-header", "empty", "blank", "bad-json", "not-utf8"],
)
def test_unreadable_file_fails_the_job(
    mailmanager: MailManagerEmulator, moto_url: str, data_type: str, body: Any, error: str
) -> None:
    list_id = new_list(moto_url)
    job = new_job(moto_url, list_id, data_type)
    upload(job["PreSignedUrl"], body)
    mm(moto_url).start_address_list_import_job(JobId=job["JobId"])
    final = wait_final(moto_url, job["JobId"])
    assert final["Status"] == "FAILED"
    assert error in final["Error"]
    assert "CompletedTimestamp" in final
    assert mailmanager.members(list_id) == set()


def test_parser_ignores_a_utf8_bom() -> None:
    parsed = parse_import_file("\ufeffaddress\nalice@example.com\n".encode(), "CSV")
    assert (parsed.addresses, parsed.failed) == (["alice@example.com"], 0)


# ---------------------------------------------------------------------------------- documented maximums


def test_an_address_list_holds_at_most_100000_addresses(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    """SES Developer Guide, Address Lists: "A maximum of 100,000 addresses per Address List is supported"."""
    assert MAX_MEMBERS_PER_ADDRESS_LIST == 100_000
    client = mm(moto_url)
    list_id = new_list(moto_url)
    full = [f"user{n}@example.com" for n in range(MAX_MEMBERS_PER_ADDRESS_LIST)]
    final = run_import(moto_url, list_id, "\n".join(["address", *full[:-1], full[0]]))  # a repeat is one member
    assert (final["Status"], final["ImportedItemsCount"]) == ("COMPLETED", MAX_MEMBERS_PER_ADDRESS_LIST)
    client.register_member_to_address_list(AddressListId=list_id, Address=full[-1])  # the last free place
    client.register_member_to_address_list(AddressListId=list_id, Address=full[-1])  # already a member: fine
    with pytest.raises(client.exceptions.ServiceQuotaExceededException) as refused:
        client.register_member_to_address_list(AddressListId=list_id, Address="one.more@example.com")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 402
    over = run_import(moto_url, list_id, "address\nuser0@example.com\none.more@example.com\n")
    assert over["Status"] == "FAILED"
    assert "100,000" in over["Error"]
    assert len(mailmanager.members(list_id)) == MAX_MEMBERS_PER_ADDRESS_LIST
    assert "one.more@example.com" not in mailmanager.members(list_id)


def test_a_region_holds_at_most_100_address_lists(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    """SES Developer Guide, Address Lists: "A maximum of 100 Address Lists per region is supported"."""
    assert MAX_ADDRESS_LISTS_PER_REGION == 100
    client = mm(moto_url)
    ids = [new_list(moto_url, f"list-{n}") for n in range(MAX_ADDRESS_LISTS_PER_REGION)]
    with pytest.raises(client.exceptions.ServiceQuotaExceededException):
        client.create_address_list(AddressListName="one-more")
    client.delete_address_list(AddressListId=ids[0])
    assert new_list(moto_url, "one-more")


# ---------------------------------------------------------------------------- create/start/stop rules


def test_create_job_is_idempotent_on_client_token(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    client = mm(moto_url)
    list_id = new_list(moto_url)
    first = new_job(moto_url, list_id, ClientToken="retry-1")
    time.sleep(1.1)  # a new signing second, so the fresh URL differs
    second = new_job(moto_url, list_id, ClientToken="retry-1")
    assert second["JobId"] == first["JobId"]
    assert second["PreSignedUrl"] != first["PreSignedUrl"]
    assert len(mailmanager.jobs()) == 1
    upload(second["PreSignedUrl"], "address\na@example.com\n")
    with pytest.raises(client.exceptions.ValidationException, match="ClientToken"):
        new_job(moto_url, list_id, "JSON", ClientToken="retry-1")
    client.start_address_list_import_job(JobId=first["JobId"])
    assert wait_final(moto_url, first["JobId"])["ImportedItemsCount"] == 1


def test_create_job_for_unknown_list_is_not_found(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    client = mm(moto_url)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        new_job(moto_url, "al-does-not-exist")
    assert mailmanager.jobs() == []


def test_start_rules(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    client = mm(moto_url)
    list_id = new_list(moto_url)
    job = new_job(moto_url, list_id)
    with pytest.raises(client.exceptions.ValidationException, match="Nothing has been uploaded"):
        client.start_address_list_import_job(JobId=job["JobId"])
    assert client.get_address_list_import_job(JobId=job["JobId"])["Status"] == "CREATED"
    upload(job["PreSignedUrl"], "address\na@example.com\n")
    client.start_address_list_import_job(JobId=job["JobId"])
    with pytest.raises(client.exceptions.ConflictException):
        client.start_address_list_import_job(JobId=job["JobId"])
    wait_final(moto_url, job["JobId"])
    with pytest.raises(client.exceptions.ConflictException):
        client.start_address_list_import_job(JobId=job["JobId"])
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.start_address_list_import_job(JobId=str(uuid.uuid4()))


def test_stop_a_processing_job(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    client = mm(moto_url)
    list_id = new_list(moto_url)
    job = new_job(moto_url, list_id)
    upload(job["PreSignedUrl"], "address\na@example.com\n")
    mailmanager.hold(True)
    client.start_address_list_import_job(JobId=job["JobId"])
    wait_status(moto_url, job["JobId"], "PROCESSING")
    time.sleep(0.3)  # past complete_after: held, it is still processing
    assert client.get_address_list_import_job(JobId=job["JobId"])["Status"] == "PROCESSING"
    with pytest.raises(client.exceptions.ConflictException):
        client.delete_address_list(AddressListId=list_id)
    client.stop_address_list_import_job(JobId=job["JobId"])
    mailmanager.hold(False)
    time.sleep(0.1)
    stopped = client.get_address_list_import_job(JobId=job["JobId"])
    assert stopped["Status"] == "STOPPED"
    assert "CompletedTimestamp" not in stopped
    assert mailmanager.members(list_id) == set()
    with pytest.raises(client.exceptions.ConflictException, match="already ended"):
        client.stop_address_list_import_job(JobId=job["JobId"])


def test_stop_created_job_and_finished_job(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    client = mm(moto_url)
    list_id = new_list(moto_url)
    created = new_job(moto_url, list_id)
    client.stop_address_list_import_job(JobId=created["JobId"])
    assert client.get_address_list_import_job(JobId=created["JobId"])["Status"] == "STOPPED"
    upload(created["PreSignedUrl"], "address\na@example.com\n")
    with pytest.raises(client.exceptions.ConflictException):
        client.start_address_list_import_job(JobId=created["JobId"])
    final = run_import(moto_url, list_id, "address\nb@example.com\n")
    with pytest.raises(client.exceptions.ConflictException):
        client.stop_address_list_import_job(JobId=final["JobId"])


def test_release_completes_held_jobs(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    list_id = new_list(moto_url)
    job = new_job(moto_url, list_id)
    upload(job["PreSignedUrl"], "address\na@example.com\n")
    mailmanager.hold()
    mm(moto_url).start_address_list_import_job(JobId=job["JobId"])
    assert not mailmanager.job(job["JobId"]).wait(0.4)
    mailmanager.hold(False)
    assert mailmanager.job(job["JobId"]).wait(2)
    assert mailmanager.job(job["JobId"]).status == "COMPLETED"
    assert mailmanager.members(list_id) == {"a@example.com"}


def test_fail_next_fails_one_job(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    list_id = new_list(moto_url)
    mailmanager.fail_next("Injected failure")
    failed = run_import(moto_url, list_id, "address\na@example.com\n")
    assert (failed["Status"], failed["Error"]) == ("FAILED", "Injected failure")
    assert mailmanager.members(list_id) == set()
    assert run_import(moto_url, list_id, "address\na@example.com\n")["Status"] == "COMPLETED"


# ---------------------------------------------------------------------------------------- pagination


def test_list_import_jobs_paginates(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    client = mm(moto_url)
    list_id, other = new_list(moto_url), new_list(moto_url, "other")
    created = [new_job(moto_url, list_id)["JobId"] for _ in range(5)]
    new_job(moto_url, other)
    first = client.list_address_list_import_jobs(AddressListId=list_id, PageSize=2)
    assert [j["JobId"] for j in first["ImportJobs"]] == created[:2]
    assert first["ImportJobs"][0]["Status"] == "CREATED"
    pages = client.get_paginator("list_address_list_import_jobs").paginate(
        AddressListId=list_id, PaginationConfig={"PageSize": 2}
    )
    assert [j["JobId"] for page in pages for j in page["ImportJobs"]] == created
    with pytest.raises(client.exceptions.ValidationException, match="NextToken"):
        client.list_address_list_import_jobs(AddressListId=other, NextToken=first["NextToken"])
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.list_address_list_import_jobs(AddressListId="al-missing")


def test_list_members_paginates_and_filters(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    client = mm(moto_url)
    list_id = new_list(moto_url)
    addresses = [f"user{i}@example.com" for i in range(5)] + ["zed@example.org"]
    final = run_import(moto_url, list_id, items(*addresses), "JSON")
    assert final["ImportedItemsCount"] == 6
    first = client.list_members_of_address_list(AddressListId=list_id, PageSize=4)
    assert len(first["Addresses"]) == 4
    rest = client.list_members_of_address_list(AddressListId=list_id, PageSize=4, NextToken=first["NextToken"])
    assert "NextToken" not in rest
    assert [m["Address"] for m in first["Addresses"] + rest["Addresses"]] == sorted(addresses)
    pages = client.get_paginator("list_members_of_address_list").paginate(
        AddressListId=list_id, Filter={"AddressPrefix": "user"}, PaginationConfig={"PageSize": 2}
    )
    assert [m["Address"] for page in pages for m in page["Addresses"]] == addresses[:5]


def test_list_address_lists_paginates(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    ids = [new_list(moto_url, f"list-{i}") for i in range(3)]
    pages = mm(moto_url).get_paginator("list_address_lists").paginate(PaginationConfig={"PageSize": 2})
    assert [a["AddressListId"] for page in pages for a in page["AddressLists"]] == ids


# --------------------------------------------------------------------------- model-invalid requests


@pytest.mark.parametrize(
    ("operation", "params", "message"),
    [
        ("list_address_list_import_jobs", {"AddressListId": "al-1", "PageSize": 51}, "valid max value: 50"),
        ("list_address_list_import_jobs", {"AddressListId": "al-1", "PageSize": 0}, "valid min value: 1"),
        ("list_members_of_address_list", {"AddressListId": "al-1", "PageSize": 1001}, "valid max value: 1000"),
        ("create_address_list", {"AddressListName": "bad name!"}, "does not match"),
        ("create_address_list", {"AddressListName": "x" * 256}, "valid max length: 255"),
        (
            "create_address_list_import_job",
            {"AddressListId": "al-1", "Name": "n", "ImportDataFormat": {"ImportDataType": "XML"}},
            "valid values: CSV, JSON",
        ),
        ("create_address_list_import_job", {"AddressListId": "al-1", "Name": "n"}, "Missing required parameter"),
        ("get_address_list_import_job", {"JobId": "a/b"}, "does not match"),
        ("register_member_to_address_list", {"AddressListId": "al-1", "Address": "ab"}, "valid min length: 3"),
        ("list_address_lists", {"PageSize": "5"}, "Invalid type"),
    ],
)
def test_model_invalid_requests_are_rejected_by_the_server(
    mailmanager: MailManagerEmulator, moto_url: str, operation: str, params: dict[str, Any], message: str
) -> None:
    client = mm(moto_url, parameter_validation=False)
    with pytest.raises(client.exceptions.ValidationException, match=message) as error:
        getattr(client, operation)(**params)
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize(
    ("body", "message"),
    [(b'{"JobId": "j", "Extra": 1}', "Unknown parameter"), (b"{not json", "not valid JSON"), (b"[]", "JSON object")],
)
def test_raw_requests_the_sdk_would_not_send_are_rejected(
    mailmanager: MailManagerEmulator, moto_url: str, body: bytes, message: str
) -> None:
    headers = {"X-Amz-Target": "MailManagerSvc.GetAddressListImportJob", "Content-Type": "application/x-amz-json-1.0"}
    request = urllib.request.Request(moto_url, data=body, method="POST", headers=headers)
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=5)
    assert error.value.code == 400
    payload = json.loads(error.value.read())
    assert payload["__type"] == "ValidationException"
    assert message in payload["Message"]


def test_unknown_job_is_not_found_with_404(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    client = mm(moto_url)
    for call in (client.get_address_list_import_job, client.stop_address_list_import_job):
        with pytest.raises(client.exceptions.ResourceNotFoundException) as error:
            call(JobId="no-such-job")
        assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_reset_forgets_everything(mailmanager: MailManagerEmulator, moto_url: str) -> None:
    list_id = new_list(moto_url)
    job = new_job(moto_url, list_id)
    mailmanager.hold()
    mailmanager.fail_next("never used")
    mailmanager.reset()
    assert mailmanager.jobs() == []
    with pytest.raises(KeyError):
        mailmanager.members(list_id)
    with pytest.raises(KeyError):
        mailmanager.job(job["JobId"])
    list_id = new_list(moto_url)
    assert run_import(moto_url, list_id, "address\na@example.com\n")["Status"] == "COMPLETED"

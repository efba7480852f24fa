"""Amazon Connect Customer Profiles upload jobs, end to end in the local cloud: a file checked, uploaded to the
job's pre-signed URL with its SSE-C key and imported into the domain's profiles; a job that fails; one stopped
with the CLI; one past the time limit, stopped by the workflow; and the refusals before any job."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import cancel_with_the_cli, drop, job_id_of, start_execution, tracking_id, wait_until

pytestmark = pytest.mark.e2e

PROVIDER = "customer-profiles"
CONTACTS = "EmailAddress,FirstName,Interest\nana@shop.example,Ana,boots\nbo@shop.example,Bo,hats\n"


@pytest.fixture(scope="module")
def domain(cloud):
    name = "e2e-shop"
    cloud.client("customer-profiles").create_domain(DomainName=name, DefaultExpirationDays=14)
    return name


def emulator(cloud):
    return cloud.emulator(PROVIDER)


def upload_job(cloud, provider_job_id):
    _, _, job_id = provider_job_id.partition("/")
    return emulator(cloud).job(job_id)


def test_a_file_is_checked_uploaded_with_its_key_and_imported_into_the_domain(cloud, clients, inbox, domain):
    key = f"imports/customer-profiles/{domain}/expiry-days/30/crm/contacts.csv"
    people = [f"person{n}@shop.example,Person {n},boots" for n in range(20)]
    rows = [
        "E-mail,First Name,Interest",  # spellings people use, read as EmailAddress and FirstName
        *people[:10],
        "not-an-address,Nobody,none",  # left out, under the 10% invalid-row policy
        *people[10:],
        "PERSON0@shop.example,Again,hats",  # a duplicate of the first address: left out
    ]
    drop(cloud, clients, key, "\r\n".join(rows) + "\r\n")
    [notification] = inbox.wait_for(key, timeout=30)
    detail = notification.detail
    assert detail["outcome"] == "SUCCEEDED" and detail["provider"] == PROVIDER, detail["reason"]
    assert detail["records"] == {"processed": 20, "failed": 0}
    assert detail["checks"]["rowsRejected"] == 2
    assert detail["providerJobId"].startswith(f"{domain}/")
    job = upload_job(cloud, detail["providerJobId"])
    assert job.status == "SUCCEEDED"
    assert job.data_expiry == 30
    profiles = emulator(cloud).profiles(domain)
    assert profiles["person0@shop.example"] == {
        "EmailAddress": "person0@shop.example",
        "FirstName": "Person 0",
        "Attributes.Interest": "boots",
    }
    assert {f"person{n}@shop.example" for n in range(20)} <= set(profiles)
    assert detail["destination"]["label"] == f"Customer Profiles domain {domain} (profiles expire after 30 days)"
    assert "@" not in notification.text.split("Event (JSON)")[0]


def test_a_second_file_updates_the_profiles_the_first_created(cloud, clients, inbox, domain):
    first = f"imports/customer-profiles/{domain}/first.csv"
    drop(cloud, clients, first, "EmailAddress,FirstName\ncy@shop.example,Cy\n")
    [created] = inbox.wait_for(first, timeout=30)
    second = f"imports/customer-profiles/{domain}/second.csv"
    drop(cloud, clients, second, "EmailAddress,FirstName\ncy@shop.example,Cyrus\n")
    [updated] = inbox.wait_for(second, timeout=30)
    assert created.detail["outcome"] == updated.detail["outcome"] == "SUCCEEDED"
    assert created.detail["providerProgress"]["createdRecords"] == 1
    assert updated.detail["providerProgress"]["updatedRecords"] == 1
    assert emulator(cloud).profiles(domain)["cy@shop.example"]["FirstName"] == "Cyrus"


def test_a_failed_upload_job_reports_the_services_reason(cloud, clients, inbox, domain):
    emulator(cloud).fail_next("INTERNAL_FAILURE")
    key = f"imports/customer-profiles/{domain}/failing.csv"
    drop(cloud, clients, key, CONTACTS)
    [notification] = inbox.wait_for(key, timeout=30)
    detail = notification.detail
    assert notification.event["detail-type"] == "Import Failed"
    assert detail["providerStatus"] == "FAILED"
    assert "INTERNAL_FAILURE" in detail["reason"]


def test_an_upload_job_stopped_with_the_cli_is_reported_cancelled(cloud, clients, inbox, domain, capsys):
    emulator(cloud).hold(True)
    try:
        key = f"imports/customer-profiles/{domain}/to-stop.csv"
        version = drop(cloud, clients, key, CONTACTS)
        tracking = tracking_id(cloud, key, version)
        provider_job_id = job_id_of(cloud, clients, tracking)
        wait_until(lambda: upload_job(cloud, provider_job_id).status == "IN_PROGRESS")
        cancel_with_the_cli(cloud, tracking, capsys)
        [notification] = inbox.wait_for(key, timeout=30)
    finally:
        emulator(cloud).hold(False)
    assert upload_job(cloud, provider_job_id).status == "STOPPED"
    assert notification.first_line.startswith(f"CANCELLED: PUT into Customer Profiles domain {domain}")
    assert notification.detail["providerStatus"] == "STOPPED"


def test_an_upload_job_past_the_time_limit_is_stopped(cloud, clients, inbox, domain):
    emulator(cloud).hold(True)
    try:
        key = f"imports/customer-profiles/{domain}/slow.csv"
        version = drop(cloud, clients, key, CONTACTS)
        provider_job_id = job_id_of(cloud, clients, tracking_id(cloud, key, version))
        wait_until(lambda: upload_job(cloud, provider_job_id).status == "IN_PROGRESS")
        direct = f"imports/customer-profiles/{domain}/slow-direct.csv"
        start_execution(cloud, clients, "e2e-profiles-timeout", PROVIDER, provider_job_id, direct, deadline_in=2)
        [notification] = inbox.wait_for(direct, timeout=30)
    finally:
        emulator(cloud).hold(False)
    assert notification.event["detail-type"] == "Import Timed Out"
    assert "listdrop stopped it" in notification.detail["reason"]
    assert upload_job(cloud, provider_job_id).status == "STOPPED"


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("imports/customer-profiles/no-such-domain/a.csv", "UNKNOWN_DOMAIN"),
        ("imports/customer-profiles/e2e-shop/delete/leavers.csv", "UNSUPPORTED_ACTION"),
    ],
    ids=["unknown-domain", "delete"],
)
def test_a_file_the_domain_cannot_take_is_rejected_before_any_job(cloud, clients, inbox, domain, key, code):
    jobs_before = len(emulator(cloud).jobs())
    drop(cloud, clients, key, CONTACTS)
    [notification] = inbox.wait_for(key, timeout=30)
    assert (notification.detail["outcome"], notification.detail["reasonCode"]) == ("REJECTED", code)
    assert len(emulator(cloud).jobs()) == jobs_before

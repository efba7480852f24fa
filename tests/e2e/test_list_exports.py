"""List exports end to end in the local cloud: a request file asks for the suppression list or a contact list, the
workflow pages it across several polls, and the file it writes imports back to the same list."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from listdrop.providers.ses_export import list_export
from tests.e2e.helpers import drop, job_id_of, python, terminal, tracking_id, wait_until

pytestmark = pytest.mark.e2e

BOUNCED = {f"bounced-{n:04d}@example.com": "BOUNCE" for n in range(2_300)}
COMPLAINED = {f"complained-{n:03d}@example.org": "COMPLAINT" for n in range(40)}
SEEDED_AT = datetime(2021, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def one_page_per_poll(monkeypatch):
    """Each poll reads one page (1,000 entries) and leaves the rest to the next, as a list too long for one poll
    would: the local cloud runs the poller in this process."""
    monkeypatch.setattr(list_export, "SECONDS_PER_POLL", 0.0)


def checkpoint(cloud, clients, job_id):
    """A list export's saved state (providers/ses_export/list_export.py); {} before the starter wrote it."""
    try:
        body = (
            clients["s3"]
            .get_object(Bucket=cloud.endpoints.bucket, Key=f"staging/jobs/{job_id}/checkpoint.json")["Body"]
            .read()
        )
    except clients["s3"].exceptions.NoSuchKey:
        return {}
    return json.loads(body)


def result_rows(clients, uri):
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return clients["s3"].get_object(Bucket=bucket, Key=key)["Body"].read().decode()


def test_the_suppression_list_exports_across_polls_and_imports_back_whole(cloud, clients, inbox, one_page_per_poll):
    """The end-to-end tests share one local cloud whose suppression list others change too: these addresses are
    dated in 2021, and the export asks for that day only (so, also, the dates reach SES as the API's timestamps)."""
    suppression = cloud.emulator("ses-import")
    suppression.seed_suppressed({**BOUNCED, **COMPLAINED}, updated_at=SEEDED_AT.timestamp())
    try:
        body = _export_and_reimport(cloud, clients, inbox, suppression)
    finally:
        suppression.unsuppress({**BOUNCED, **COMPLAINED})
    assert dict(csv.reader(io.StringIO(body))) == BOUNCED  # the suppression-list PUT layout: address,reason


def _export_and_reimport(cloud, clients, inbox, suppression) -> str:
    key = "exports/ses/lists/bounces.json"
    window = {"Reasons": ["BOUNCE"], "StartDate": "2021-03-01", "EndDate": "2021-03-02"}
    drop(cloud, clients, key, json.dumps({"ListSuppressedDestinations": window}))

    [notification] = inbox.wait_for(key, timeout=60)
    detail = notification.detail
    assert notification.event["detail-type"] == "Export Succeeded", notification.text
    assert detail["records"]["processed"] == len(BOUNCED)
    assert detail["providerJobId"].startswith("list-export-")
    assert detail["result"].endswith(f"/exports/results/{detail['providerJobId']}/suppression-list.csv")
    assert notification.first_line.startswith("SUCCEEDED: SES export 'bounces' from s3://")
    assert "SUPPRESSION_LIST (BOUNCE); added 2021-03-01 00:00 to 2021-03-02 00:00 UTC" in notification.text
    assert "@" not in notification.text.replace(detail["source"]["uri"], "")
    body = result_rows(clients, detail["result"])

    state = checkpoint(cloud, clients, detail["providerJobId"])
    assert state["pages"] == 3 and state["steps"] == 2  # three polls of one page each: two left more to read

    # The file imports back: clear the bounces, drop the export as a PUT import, and they are all back.
    suppression.unsuppress(BOUNCED)
    assert not set(suppression.suppression_list) & set(BOUNCED)
    back = "imports/ses/suppression-list/put/restored-bounces.csv"
    drop(cloud, clients, back, body)
    [imported] = inbox.wait_for(back, timeout=60)
    assert imported.detail["outcome"] == "SUCCEEDED", imported.text
    assert imported.detail["records"]["processed"] == len(BOUNCED)
    listed = suppression.suppression_list
    assert {address: listed.get(address) for address in BOUNCED} == BOUNCED
    return body


def test_a_contact_list_exports_with_its_topics_and_filter_in_the_import_layout(cloud, clients, inbox):
    ses = clients["sesv2"]
    ses.create_contact_list(
        ContactListName="exported",
        Topics=[
            {"TopicName": "weekly", "DisplayName": "Weekly", "DefaultSubscriptionStatus": "OPT_OUT"},
            {"TopicName": "offers", "DisplayName": "Offers", "DefaultSubscriptionStatus": "OPT_IN"},
        ],
    )
    contacts = {
        "in@example.com": ([{"TopicName": "weekly", "SubscriptionStatus": "OPT_IN"}], False),
        "out@example.com": ([{"TopicName": "weekly", "SubscriptionStatus": "OPT_OUT"}], False),
        "both@example.com": (
            [
                {"TopicName": "weekly", "SubscriptionStatus": "OPT_IN"},
                {"TopicName": "offers", "SubscriptionStatus": "OPT_OUT"},
            ],
            True,
        ),
        "none@example.com": ([], False),
    }
    for address, (preferences, unsubscribed) in contacts.items():
        ses.create_contact(
            ContactListName="exported", EmailAddress=address, TopicPreferences=preferences, UnsubscribeAll=unsubscribed
        )

    whole = "exports/ses/lists/exported-all.json"
    drop(cloud, clients, whole, json.dumps({"ListContacts": {"ContactListName": "exported"}}))
    weekly = "exports/ses/lists/exported-weekly.json"
    request = {
        "ListContacts": {
            "ContactListName": "exported",
            "Filter": {"FilteredStatus": "OPT_IN", "TopicFilter": {"TopicName": "weekly"}},
        }
    }
    drop(cloud, clients, weekly, json.dumps(request))

    [everyone] = inbox.wait_for(whole, timeout=60)
    assert everyone.event["detail-type"] == "Export Succeeded", everyone.text
    rows = list(csv.DictReader(io.StringIO(result_rows(clients, everyone.detail["result"]))))
    assert [list(row) for row in rows[:1]] == [
        ["emailAddress", "unsubscribeAll", "topicPreferences.weekly", "topicPreferences.offers"]
    ]
    assert {
        row["emailAddress"]: (row["unsubscribeAll"], row["topicPreferences.weekly"], row["topicPreferences.offers"])
        for row in rows
    } == {
        "in@example.com": ("false", "OPT_IN", ""),
        "out@example.com": ("false", "OPT_OUT", ""),
        "both@example.com": ("true", "OPT_IN", "OPT_OUT"),
        "none@example.com": ("false", "", ""),
    }
    [subscribed] = inbox.wait_for(weekly, timeout=60)
    assert subscribed.detail["records"]["processed"] == 2
    assert "CONTACT_LIST contact list 'exported', OPT_IN to topic 'weekly'" in subscribed.text

    # The whole export imports into a new list with the same topics and gives the same contacts back.
    ses.create_contact_list(
        ContactListName="restored",
        Topics=[
            {"TopicName": "weekly", "DisplayName": "Weekly", "DefaultSubscriptionStatus": "OPT_OUT"},
            {"TopicName": "offers", "DisplayName": "Offers", "DefaultSubscriptionStatus": "OPT_IN"},
        ],
    )
    back = "imports/ses/contact-lists/restored/put/from-export.csv"
    drop(cloud, clients, back, result_rows(clients, everyone.detail["result"]))
    [imported] = inbox.wait_for(back, timeout=60)
    assert imported.detail["outcome"] == "SUCCEEDED", imported.text
    restored = {
        contact["EmailAddress"]: (
            sorted((p["TopicName"], p["SubscriptionStatus"]) for p in contact["TopicPreferences"]),
            contact["UnsubscribeAll"],
        )
        for contact in ses.list_contacts(ContactListName="restored")["Contacts"]
    }
    assert restored == {
        address: (sorted((p["TopicName"], p["SubscriptionStatus"]) for p in preferences), unsubscribed)
        for address, (preferences, unsubscribed) in contacts.items()
    }


def test_an_export_of_a_missing_contact_list_fails_naming_it(cloud, clients, inbox):
    key = "exports/ses/lists/missing.json"
    drop(cloud, clients, key, json.dumps({"ListContacts": {"ContactListName": "no-such-list"}}))
    [notification] = inbox.wait_for(key, timeout=60)
    assert notification.event["detail-type"] in ("Export Failed", "Export Rejected"), notification.text
    assert "The contact list 'no-such-list' does not exist." in notification.detail["reason"]


def test_a_list_export_request_with_paging_members_is_rejected_before_any_call(cloud, clients, inbox):
    key = "exports/ses/lists/paged.json"
    drop(cloud, clients, key, json.dumps({"ListSuppressedDestinations": {"PageSize": 10}}))
    [notification] = inbox.wait_for(key, timeout=60)
    assert notification.event["detail-type"] == "Export Rejected"
    assert notification.detail["reasonCode"] == "INVALID_EXPORT_REQUEST"
    assert "listdrop pages the list itself" in notification.detail["reason"]


def test_a_running_list_export_cancelled_from_a_terminal_ends_cancelled(
    cloud, clients, inbox, one_page_per_poll, tmp_path
):
    """`listdrop jobs cancel` in a terminal without the functions' settings: it finds the bucket in the stack's
    outputs, and the next poll sees the cancel."""
    suppression = cloud.emulator("ses-import")
    many = {f"long-{n:05d}@example.net": "BOUNCE" for n in range(60_000)}  # sixty polls of one page each
    suppression.seed_suppressed(many)
    try:
        key = "exports/ses/lists/long.json"
        version = drop(cloud, clients, key, json.dumps({"ListSuppressedDestinations": {}}))
        tracking = tracking_id(cloud, key, version)
        job_id = job_id_of(cloud, clients, tracking)
        wait_until(lambda: checkpoint(cloud, clients, job_id).get("pages", 0) >= 2, timeout=60)
        cancelled = python(terminal(cloud, tmp_path), "-m", "listdrop.cli", "jobs", "cancel", tracking)
        assert cancelled.returncode == 0, cancelled.stderr
        assert job_id in cancelled.stdout
        [notification] = inbox.wait_for(key, timeout=60)
    finally:
        suppression.unsuppress(many)
    assert notification.event["detail-type"] == "Export Failed", notification.text
    assert notification.first_line.startswith("CANCELLED: SES export 'long' from s3://")
    assert notification.detail["reasonCode"] == "JOB_CANCELLED"
    assert 0 < notification.detail["records"]["processed"] < len(many)

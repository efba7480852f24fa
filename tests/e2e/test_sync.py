"""Contact-list syncs end to end in the local cloud: a sync/ file makes the list match it (added, updated, removed),
a sync that would remove too much of the list is refused having changed nothing, and the key can say it means it."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import drop

pytestmark = pytest.mark.e2e

LIST = "synced"
TOPICS = [{"TopicName": "weekly", "DisplayName": "Weekly", "DefaultSubscriptionStatus": "OPT_OUT"}]


def contacts(clients) -> dict[str, list[tuple[str, str]]]:
    listed = clients["sesv2"].list_contacts(ContactListName=LIST)["Contacts"]
    return {
        c["EmailAddress"]: sorted((p["TopicName"], p["SubscriptionStatus"]) for p in c["TopicPreferences"])
        for c in listed
    }


def csv_of(addresses: list[str], status: str = "OPT_IN") -> str:
    return "emailAddress,topicPreferences.weekly\n" + "".join(f"{address},{status}\n" for address in addresses)


@pytest.fixture
def synced_list(clients):
    ses = clients["sesv2"]
    ses.create_contact_list(ContactListName=LIST, Topics=TOPICS)
    members = [f"member-{n:02d}@example.com" for n in range(20)]
    for address in members:
        ses.create_contact(ContactListName=LIST, EmailAddress=address)
    yield members
    ses.delete_contact_list(ContactListName=LIST)


def test_a_sync_adds_updates_and_removes_to_match_the_file(cloud, clients, inbox, synced_list):
    wanted = [*synced_list[:18], "newcomer@example.com", "second-newcomer@example.com"]
    key = f"imports/ses/contact-lists/{LIST}/sync/crm.csv"
    drop(cloud, clients, key, csv_of(wanted))
    [notification] = inbox.wait_for(key, timeout=60)
    detail = notification.detail
    assert notification.event["detail-type"] == "Import Succeeded", notification.text
    assert detail["action"] == "SYNC" and detail["providerJobId"].startswith("sync-")
    assert detail["sync"] == {"listed": 20, "added": 2, "updated": 18, "removed": 2}
    assert notification.first_line.startswith(f"SUCCEEDED: SYNC SES contact list '{LIST}' with s3://"), (
        notification.first_line
    )
    assert "2 added, 18 updated, 2 removed" in notification.first_line
    assert contacts(clients) == {address: [("weekly", "OPT_IN")] for address in wanted}


def test_a_sync_that_would_remove_too_much_is_refused_and_changes_nothing(cloud, clients, inbox, synced_list):
    before = contacts(clients)
    key = f"imports/ses/contact-lists/{LIST}/sync/half.csv"
    drop(cloud, clients, key, csv_of(synced_list[:10]))
    [notification] = inbox.wait_for(key, timeout=60)
    assert notification.event["detail-type"] == "Import Failed", notification.text
    assert notification.detail["reasonCode"] == "JOB_REMOVES_TOO_MANY"
    assert "would remove 10 contacts of 20 (50%)" in notification.detail["reason"]
    assert "sync/allow-large-removal/" in notification.detail["reason"]
    assert notification.detail["sync"] == {"listed": 20, "added": 0, "updated": 10, "removed": 10}
    assert contacts(clients) == before

    meant = f"imports/ses/contact-lists/{LIST}/sync/allow-large-removal/half.csv"
    drop(cloud, clients, meant, csv_of(synced_list[:10]))
    [done] = inbox.wait_for(meant, timeout=60)
    assert done.event["detail-type"] == "Import Succeeded", done.text
    assert sorted(contacts(clients)) == sorted(synced_list[:10])


def test_a_sync_of_the_suppression_list_is_refused_naming_why(cloud, clients, inbox):
    key = "imports/ses/suppression-list/sync/all.csv"
    drop(cloud, clients, key, "someone@example.com,BOUNCE\n")
    [notification] = inbox.wait_for(key, timeout=60)
    assert notification.detail["reasonCode"] == "UNSUPPORTED_ACTION"
    assert "sync/ makes a contact list match the file" in notification.detail["reason"]


def test_a_mail_manager_address_list_sync_imports_the_file_and_deregisters_the_rest(cloud, clients, inbox):
    mail = cloud.client("mailmanager")
    list_id = mail.create_address_list(AddressListName="synced-partners")["AddressListId"]
    members = [f"partner-{n:02d}@example.com" for n in range(12)]
    for address in members:
        mail.register_member_to_address_list(AddressListId=list_id, Address=address)
    wanted = [*members[:11], "new-partner@example.com"]
    key = f"imports/mail-manager/address-lists/{list_id}/sync/partners.csv"
    drop(cloud, clients, key, "address\n" + "".join(f"{address}\n" for address in wanted))
    [notification] = inbox.wait_for(key, timeout=90)
    assert notification.event["detail-type"] == "Import Succeeded", notification.text
    assert notification.detail["sync"] == {"listed": 12, "added": 1, "updated": 11, "removed": 1}
    assert "1 added, 11 updated, 1 removed" in notification.first_line
    listed = mail.list_members_of_address_list(AddressListId=list_id)["Addresses"]
    assert sorted(member["Address"] for member in listed) == sorted(wanted)

    half = f"imports/mail-manager/address-lists/{list_id}/sync/half.csv"
    drop(cloud, clients, half, "address\n" + "".join(f"{address}\n" for address in wanted[:6]))
    [refused] = inbox.wait_for(half, timeout=90)
    assert refused.detail["reasonCode"] == "JOB_REMOVES_TOO_MANY", refused.text
    assert "would remove 6 members of 12 (50%)" in refused.detail["reason"]
    mail.delete_address_list(AddressListId=list_id)

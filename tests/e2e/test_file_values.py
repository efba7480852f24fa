"""Files as people have them, through the local cloud: international domains, extra columns, and the suppression
exports of other e-mail services."""

from __future__ import annotations

import json
import re
import urllib.parse

import pytest

from tests.e2e.helpers import drop

pytestmark = pytest.mark.e2e
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def _report(clients, location: str) -> str:
    report = urllib.parse.urlparse(location)
    return clients["s3"].get_object(Bucket=report.netloc, Key=report.path.lstrip("/"))["Body"].read().decode()


def test_international_domains_are_imported_in_punycode_and_a_non_ascii_local_part_is_left_out(cloud, clients, inbox):
    clients["sesv2"].create_contact_list(ContactListName="E2eIdn")
    key = "imports/ses/contact-lists/E2eIdn/put/international.csv"
    others = "".join(f"reader{i}@example.com\n" for i in range(8))
    drop(cloud, clients, key, ("emailAddress\nana@bücher.de\njürgen@bücher.de\n" + others).encode())

    [notification] = inbox.wait_for(key)
    assert notification.first_line.startswith("SUCCEEDED: PUT into SES contact list 'E2eIdn'")
    checks = notification.detail["checks"]
    assert (checks["rowsAccepted"], checks["rowsRejected"]) == (9, 1)
    assert "wrote the international domain in Punycode in 1 row" in checks["normalized"]
    assert EMAIL.findall(notification.text) == [] and "bücher" not in notification.text
    contact = clients["sesv2"].get_contact(ContactListName="E2eIdn", EmailAddress="ana@xn--bcher-kva.de")
    assert contact["EmailAddress"] == "ana@xn--bcher-kva.de"
    report = _report(clients, checks["report"])
    assert "NON_ASCII_LOCAL_PART" in report and "jürgen" not in report


def test_extra_columns_go_into_attributes_data_when_the_upload_asks(cloud, clients, inbox):
    clients["sesv2"].create_contact_list(ContactListName="E2eExtra")
    key = "imports/ses/contact-lists/E2eExtra/put/extra-as-attributes/crm.csv"
    drop(cloud, clients, key, b'Email,First Name,Company\nana@example.com,Ana,"Acme, ""Inc."""\n')
    [notification] = inbox.wait_for(key)
    assert notification.first_line.startswith("SUCCEEDED: PUT into SES contact list 'E2eExtra'")
    assert (
        "wrote 2 extra columns ('First Name', 'Company') into attributesData"
        in notification.detail["checks"]["normalized"]
    )
    assert notification.detail["destination"]["options"] == {"extraColumns": "attributesData"}
    contact = clients["sesv2"].get_contact(ContactListName="E2eExtra", EmailAddress="ana@example.com")
    assert json.loads(contact["AttributesData"]) == {"First Name": "Ana", "Company": 'Acme, "Inc."'}

    rejected_key = "imports/ses/contact-lists/E2eExtra/put/crm.csv"
    drop(cloud, clients, rejected_key, b"Email,Name\nbo@example.com,Bo\n")
    [rejected] = inbox.wait_for(rejected_key)
    assert rejected.detail["reasonCode"] == "UNKNOWN_COLUMN"
    assert "1 column ('Name')" in rejected.text


def test_esp_suppression_exports_are_imported_with_ses_reasons(cloud, clients, inbox):
    mailgun = "imports/ses/suppression-list/put/e2e-mailgun-complaints.csv"
    drop(cloud, clients, mailgun, b'address,created_at\nfbl@example.com,"Thu, 01 Oct 2026 10:00:00 UTC"\n')
    sendgrid = "imports/ses/suppression-list/put/e2e-sendgrid-bounces.csv"
    drop(cloud, clients, sendgrid, b'created,email,reason,status\n1790000000,hard@example.com,"550 5.1.1",5.1.1\n')
    unsubscribes = "imports/ses/suppression-list/put/e2e-mailgun-unsubscribes.csv"
    drop(cloud, clients, unsubscribes, b"address,tags,created_at\nbye@example.com,*,\n")

    [complaints] = inbox.wait_for(mailgun)
    assert complaints.detail["records"] == {"processed": 1, "failed": 0}
    assert any(note.startswith("read a Mailgun complaint export") for note in complaints.detail["checks"]["normalized"])
    [bounces] = inbox.wait_for(sendgrid)
    assert any("SendGrid bounce or block export" in note for note in bounces.detail["checks"]["normalized"])
    suppressed = cloud.emulator("ses-import").suppression_list
    assert (suppressed.get("fbl@example.com"), suppressed.get("hard@example.com")) == ("COMPLAINT", "BOUNCE")

    [refused] = inbox.wait_for(unsubscribes)
    assert refused.detail["reasonCode"] == "UNSUBSCRIBE_EXPORT" and "unsubscribeAll" in refused.text
    assert "bye@example.com" not in suppressed
    assert EMAIL.findall(refused.text + complaints.text + bounces.text) == []

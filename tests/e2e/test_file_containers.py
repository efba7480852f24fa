"""Files as people have them, end to end: what wraps the rows (the delimiter, duplicates, compression, the
encoding) is undone before the job reads the checked copy, and the notification says what was done."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile

import pytest

from tests.e2e.helpers import drop

pytestmark = pytest.mark.e2e


def create_list(clients, name):
    clients["sesv2"].create_contact_list(
        ContactListName=name,
        Topics=[{"TopicName": "weekly", "DisplayName": "weekly", "DefaultSubscriptionStatus": "OPT_OUT"}],
    )


def staged_rows(clients, detail) -> list[list[str]]:
    """The checked copy the job read (the starter's staging key for an SES CSV import)."""
    key = f"staging/ses-import/{detail['trackingId']}.csv"
    body = clients["s3"].get_object(Bucket=detail["source"]["bucket"], Key=key)["Body"].read().decode()
    return list(csv.reader(io.StringIO(body)))


def test_a_semicolon_separated_export_reaches_ses_as_a_comma_separated_file(cloud, clients, inbox):
    create_list(clients, "E2eSemicolon")
    key = "imports/ses/contact-lists/E2eSemicolon/put/crm export.csv"
    body = (
        "E-mail;attributesData;topicPreferences.weekly\r\n"
        'ana@example.com;"{""name"": ""Doe, Ana""}";OPT_IN\r\n'
        "bo@example.com;;opt_out\r\n"
    )
    drop(cloud, clients, key, body.encode("utf-8"))

    [notification] = inbox.wait_for(key)
    assert notification.first_line.startswith("SUCCEEDED: PUT into SES contact list 'E2eSemicolon'")
    assert "Checked: 2 of 2 rows accepted (read as semicolon-separated)" in notification.text
    detail = notification.detail
    assert detail["records"] == {"processed": 2, "failed": 0}
    assert detail["checks"]["delimiter"] == "semicolon"
    assert any("read semicolon-separated values" in note for note in detail["checks"]["normalized"])
    assert staged_rows(clients, detail) == [
        ["emailAddress", "attributesData", "topicPreferences.weekly"],
        ["ana@example.com", '{"name": "Doe, Ana"}', "OPT_IN"],
        ["bo@example.com", "", "OPT_OUT"],
    ]
    ana = clients["sesv2"].get_contact(ContactListName="E2eSemicolon", EmailAddress="ana@example.com")
    assert json.loads(ana["AttributesData"]) == {"name": "Doe, Ana"}


def test_case_different_duplicates_are_reported_as_duplicates_not_invalid_rows(cloud, clients, inbox):
    create_list(clients, "E2eDuplicates")
    key = "imports/ses/contact-lists/E2eDuplicates/put/merged.csv"
    # 3 of 6 rows repeat an address in another case: left out as duplicates, under a 10% invalid-row policy.
    addresses = ["ana@example.com", "bo@example.com", "cy@example.com", "ANA@example.com", "Bo@Example.com"]
    body = "emailAddress\n" + "".join(f"{address}\n" for address in [*addresses, "CY@EXAMPLE.COM"])
    drop(cloud, clients, key, body.encode())

    [notification] = inbox.wait_for(key)
    assert notification.first_line.startswith("SUCCEEDED: PUT into SES contact list 'E2eDuplicates'")
    assert "Checked: 3 of 6 rows accepted, 3 left out (3 duplicates)" in notification.text
    checks = notification.detail["checks"]
    assert (checks["rowsRejected"], checks["rowsInvalid"], checks["duplicates"]) == (3, 0, 3)
    report_key = checks["report"].split("/", 3)[3]
    report = clients["s3"].get_object(Bucket=cloud.endpoints.bucket, Key=report_key)["Body"].read().decode()
    assert [row["code"] for row in csv.DictReader(io.StringIO(report))] == ["DUPLICATE_ADDRESS"] * 3
    assert len(clients["sesv2"].list_contacts(ContactListName="E2eDuplicates")["Contacts"]) == 3


def test_a_gzip_upload_is_decompressed_as_it_is_read_and_the_job_reads_the_checked_copy(cloud, clients, inbox):
    create_list(clients, "E2eGzip")
    key = "imports/ses/contact-lists/E2eGzip/put/weekly export.csv.gz"
    rows = "".join(f"reader{i}@example.com,OPT_IN\n" for i in range(500))
    drop(cloud, clients, key, gzip.compress(f"emailAddress,topicPreferences.weekly\n{rows}".encode()))

    [notification] = inbox.wait_for(key)
    assert notification.first_line.startswith("SUCCEEDED: PUT into SES contact list 'E2eGzip'")
    detail = notification.detail
    assert detail["records"] == {"processed": 500, "failed": 0}
    assert "decompressed the gzip file" in detail["checks"]["normalized"]
    assert staged_rows(clients, detail)[:2] == [
        ["emailAddress", "topicPreferences.weekly"],
        ["reader0@example.com", "OPT_IN"],
    ]


def test_a_zip_upload_is_read_through_ranged_gets_and_one_with_two_files_is_refused(cloud, clients, inbox):
    create_list(clients, "E2eZip")
    one, two = io.BytesIO(), io.BytesIO()
    with zipfile.ZipFile(one, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("contacts/list.csv", "emailAddress\nzed@example.com\nyan@example.com\n")
        archive.writestr("__MACOSX/contacts/._list.csv", b"\x00\x05\x16\x07")
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr("list.csv", "emailAddress\nzed@example.com\n")
        archive.writestr("more.csv", "emailAddress\nyan@example.com\n")
    key_one = "imports/ses/contact-lists/E2eZip/put/list.csv.zip"
    key_two = "imports/ses/contact-lists/E2eZip/put/two.csv.zip"
    drop(cloud, clients, key_one, one.getvalue())
    drop(cloud, clients, key_two, two.getvalue())

    [imported] = inbox.wait_for(key_one)
    assert imported.first_line.startswith("SUCCEEDED: PUT into SES contact list 'E2eZip'")
    assert imported.detail["records"] == {"processed": 2, "failed": 0}
    assert "read 'contacts/list.csv', the zip archive's one file" in imported.detail["checks"]["normalized"]
    [refused] = inbox.wait_for(key_two)
    assert refused.detail["reasonCode"] == "ARCHIVE_MEMBERS"
    assert "holds 2 files: 'list.csv', 'more.csv'" in refused.detail["reason"]


def test_a_windows_1252_file_is_imported_when_its_upload_declares_the_encoding(cloud, clients, inbox):
    create_list(clients, "E2eEncoding")
    body = 'emailAddress,attributesData\nines@example.com,"{""city"": ""Málaga""}"\n'.encode("cp1252")
    declared = "imports/ses/contact-lists/E2eEncoding/put/excel-1252.csv"
    undeclared = "imports/ses/contact-lists/E2eEncoding/put/excel-undeclared.csv"
    clients["s3"].put_object(
        Bucket=cloud.endpoints.bucket, Key=declared, Body=body, Metadata={"charset": "windows-1252"}
    )
    drop(cloud, clients, undeclared, body)

    [imported] = inbox.wait_for(declared)
    assert imported.first_line.startswith("SUCCEEDED: PUT into SES contact list 'E2eEncoding'")
    assert "decoded from cp1252, as declared, to UTF-8" in imported.detail["checks"]["normalized"]
    ines = clients["sesv2"].get_contact(ContactListName="E2eEncoding", EmailAddress="ines@example.com")
    assert json.loads(ines["AttributesData"]) == {"city": "Málaga"}
    [refused] = inbox.wait_for(undeclared)
    assert refused.detail["reasonCode"] == "NOT_UTF8"
    assert "charset=windows-1252" in refused.detail["reason"]

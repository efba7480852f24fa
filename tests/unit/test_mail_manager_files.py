"""Mail Manager address files: the layouts listdrop reads, the one documented layout it stages and sends, the
documented wildcard entries and the per-list maximum, and a `delete/` key reported against its list.

The layout and the rules come from the SES Developer Guide, "Address Lists"
(https://docs.aws.amazon.com/ses/latest/dg/eb-addlist.html): a CSV whose header `address` is required, or JSON
`{"items": [{"address": "..."}, ...]}`; one `*` directly before or after the @ (local part 0 or 3-19 characters
besides it; 2-9 domain levels besides it); at most 100,000 addresses per address list.
"""

from __future__ import annotations

import csv
import io
import json

import boto3
import pytest
from botocore.stub import Stubber

from listdrop.models import DataFormat
from listdrop.providers.mail_manager import MailManagerProvider
from listdrop.routing import route
from listdrop.settings import StarterSettings
from listdrop.starter import Result, Starter
from listdrop.upload import tracking_id_for
from listdrop.validation import RowPolicy, check_records, staged_format
from listdrop.validation.formats import MAIL_MANAGER_RECORD_LIMIT
from listdrop.validation.report import ReportWriter
from tests.unit.conftest import BUCKET
from tests.unit.fakes import FakeStepFunctions, MemorySink, s3_event

LIST_ID = "al-7f3c0d9e12"
MM_CSV = f"imports/mail-manager/address-lists/{LIST_ID}/team.csv"
MM_JSON = f"imports/mail-manager/address-lists/{LIST_ID}/team.json"
CONTACTS = "imports/ses/contact-lists/L/put/a.csv"
SUPPRESS_PUT = "imports/ses/suppression-list/put/a.csv"
SUPPRESS_DELETE_JSON = "imports/ses/suppression-list/delete/a.jsonl"


class Reader:
    """A file read at most `chunk` bytes per call, whatever the checker asks for: blocks end anywhere."""

    def __init__(self, content: bytes, chunk: int | None = None) -> None:
        self._stream = io.BytesIO(content)
        self._chunk = chunk
        self.exhausted = False

    def read(self, amount: int) -> bytes:
        data = self._stream.read(amount if self._chunk is None else min(amount, self._chunk))
        self.exhausted = self.exhausted or not data
        return data


class Checked:
    def __init__(self, key: str, content: bytes, *, chunk: int | None = None, percent: float = 100) -> None:
        self.output, self.report = MemorySink(), MemorySink()
        self.result = check_records(
            Reader(content, chunk).read,
            route(key),
            output=self.output,
            report=ReportWriter(self.report),
            policy=RowPolicy(percent),
        )

    @property
    def staged(self) -> str:
        assert self.output.closed, "the file was rejected"
        return self.output.text

    @property
    def report_rows(self) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self.report.text))) if self.report.closed else []

    @property
    def rejection_code(self) -> str | None:
        return None if self.result.rejection is None else self.result.rejection.code


def staged_csv(*addresses: str) -> str:
    return "".join(f"{line}\n" for line in ("address", *addresses))


# -- every input layout is staged as the one documented layout -----------------------------------------------

ADDRESSES = ("ana@partner.example", "bo@partner.example", "cy@partner.example")
ITEMS_DOCUMENT = json.dumps({"items": [{"address": a} for a in ADDRESSES]}, indent=2).encode()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.csv", b"address\nana@partner.example\nbo@partner.example\ncy@partner.example\n"),
        ("a.csv", b"\xef\xbb\xbfEmail\r\n ana@partner.example\r\nbo@partner.example\r\ncy@partner.example"),
        (
            "a.jsonl",
            b'{"address": "ana@partner.example"}\n{"Email": "bo@partner.example"}\n{"address": "cy@partner.example"}\n',
        ),
        (
            "a.ndjson",
            b'{"address": "ana@partner.example"}\n\n{"address": "bo@partner.example"}\n'
            b'{"address": "cy@partner.example"}',  # no line end at the end
        ),
        ("a.json", json.dumps([{"address": a} for a in ADDRESSES]).encode()),
        ("a.json", ITEMS_DOCUMENT),
        ("a.json", json.dumps({"items": [{"address": a} for a in ADDRESSES]}).encode()),  # on one line
        (
            "a.json",
            b'  {"Items" :[ {"address":"ana@partner.example"},{"address":"bo@partner.example"},\n'
            b'{"address":"cy@partner.example"} ] }\n',
        ),
    ],
    ids=[
        "csv",
        "csv-alias-bom-crlf",
        "json-lines",
        "ndjson-blank-line",
        "json-array",
        "items-document",
        "items-document-one-line",
        "items-document-spacing",
    ],
)
def test_every_accepted_layout_is_staged_as_csv_with_the_address_header(name, content):
    checked = Checked(f"imports/mail-manager/address-lists/{LIST_ID}/{name}", content)
    assert checked.result.rejection is None, checked.result.rejection
    assert checked.staged == staged_csv(*ADDRESSES)
    assert (checked.result.total_rows, checked.result.accepted_rows) == (3, 3)


@pytest.mark.parametrize("name", ["a.csv", "a.json", "a.jsonl", "a.ndjson", "put/a.JSON"])
def test_the_staged_format_is_csv_for_every_mail_manager_upload(name):
    assert staged_format(route(f"imports/mail-manager/address-lists/{LIST_ID}/{name}")) is DataFormat.CSV


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("imports/ses/contact-lists/L/put/a.jsonl", DataFormat.JSON),
        ("imports/ses/contact-lists/L/put/a.csv", DataFormat.CSV),
        ("imports/ses/suppression-list/delete/a.json", DataFormat.JSON),
        ("imports/pinpoint/0123456789abcdef0123456789abcdef/endpoints/a.json", DataFormat.JSON),
    ],
)
def test_other_destinations_are_staged_in_their_upload_format(key, expected):
    assert staged_format(route(key)) is expected


def test_a_json_upload_says_it_was_converted_to_the_documented_csv():
    notes = " | ".join(Checked(MM_JSON, ITEMS_DOCUMENT).result.normalizations)
    assert "converted JSON to CSV with the header 'address'" in notes


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, None])
def test_the_items_document_is_read_across_any_block_boundary(chunk):
    addresses = [f"user{n}@partner.example" for n in range(300)]
    document = json.dumps({"items": [{"address": a} for a in addresses]}, indent=4).encode()
    checked = Checked(MM_JSON, document, chunk=chunk)
    assert checked.result.rejection is None, checked.result.rejection
    assert checked.staged == staged_csv(*addresses)


def test_the_items_document_is_streamed_not_held_whole():
    addresses = [f"user{n}@partner.example" for n in range(20_000)]
    document = ('{"items": [' + ",".join(json.dumps({"address": a}) for a in addresses) + "]}").encode()
    reader = Reader(document)
    written_before_the_end = []
    output = MemorySink(on_write=lambda: written_before_the_end.append(not reader.exhausted))
    result = check_records(
        reader.read, route(MM_JSON), output=output, report=ReportWriter(MemorySink()), policy=RowPolicy(0)
    )
    assert result.rejection is None
    assert len(document) > 3 * 256 * 1024, "larger than a few read blocks"
    assert sum(written_before_the_end) > 1, "rows were written out while the file was still being read"
    assert output.text == staged_csv(*addresses)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b'{"items": [{"address": "ana@partner.example"}], "owner": "x"}', "INVALID_JSON_DOCUMENT"),
        (b'{"items": [{"address": "ana@partner.example"}]', "INVALID_JSON_DOCUMENT"),
        (b'{"items": [{"address": "ana@partner.example"}]}\n{"items": []}\n', "INVALID_JSON_DOCUMENT"),
        (b'{"items": [{"address": "ana@partner.example"}', "INVALID_JSON_ARRAY"),
        (b'{"items": [{"address": "ana@partner.example"} {"address": "bo@partner.example"}]}', "INVALID_JSON_ARRAY"),
        (b'{"items": [{"address": "ana@partner.example"}, {broken}]}', "INVALID_JSON_ARRAY"),
        (b'{"items": []}', "NO_RECORDS"),
    ],
    ids=["other-field", "not-closed", "two-documents", "array-not-closed", "missing-comma", "broken-item", "empty"],
)
def test_a_broken_items_document_is_rejected_with_a_specific_code(content, code):
    checked = Checked(MM_JSON, content)
    assert checked.rejection_code == code
    assert checked.output.aborted and not checked.output.closed
    assert "@" not in checked.result.rejection.reason


def test_bad_items_are_rows_left_out_with_their_own_codes():
    document = {
        "items": [
            {"address": "ana@partner.example"},
            "bo@partner.example",
            {"address": "cy@partner.example", "name": "Cy"},
            {"mail": "di@partner.example", "address": "di@partner.example"},
            {},
            {"address": "not an address"},
            {"address": "ana@PARTNER.example"},
        ]
    }
    checked = Checked(MM_JSON, json.dumps(document).encode())
    assert checked.staged == staged_csv("ana@partner.example")
    codes = [(row["row"], row["code"]) for row in checked.report_rows]
    assert codes == [
        ("2", "NOT_AN_OBJECT"),
        ("3", "UNKNOWN_FIELD"),
        ("4", "DUPLICATE_FIELD"),
        ("5", "MISSING_FIELD"),
        ("6", "INVALID_EMAIL"),
        ("7", "DUPLICATE_ADDRESS"),
    ]
    assert "partner" not in checked.report.text


# -- wildcard entries: the documented rules, for Mail Manager only ---------------------------------------------

ACCEPTED_WILDCARDS = [
    "*@domain.com",
    "123*@domain.com",
    "1234567890123456789*@domain.com",
    "john.*@domain.com",
    "local@*.domain1.com",
    "local@*.domain8.domain7.domain6.domain5.domain4.domain3.domain2.domain1.com",  # 9 levels
    "*.domain1.com",
    "*.domain8.domain7.domain6.domain5.domain4.domain3.domain2.domain1.com",
]
REFUSED_WILDCARDS = [
    "*@*.domain.com",  # two wildcards
    "**@domain.com",
    "a*@domain.com",  # 1 character before the *
    "ab*@domain.com",  # 2
    "12345678901234567890*@domain.com",  # 20
    "ab*cd@domain.com",  # not directly before the @
    "*abc@domain.com",
    "user@sub.*.domain.com",  # not directly after the @
    "user@*domain.com",  # the * is not a whole label
    "user@*.com",  # 1 domain level
    "user@*.d9.d8.d7.d6.d5.d4.d3.d2.d1.com",  # 10 domain levels
    "*.com",
    "*.d9.d8.d7.d6.d5.d4.d3.d2.d1.com",
    "*domain.com",
    "domain.*",
    "*",
    "*@",
    "123*@domain",  # not a domain
    "user@*.-bad.com",
]


@pytest.mark.parametrize("fast", [True, False], ids=["csv", "json-lines"])
def test_documented_wildcard_entries_are_accepted(fast):
    if fast:
        checked = Checked(MM_CSV, staged_csv(*ACCEPTED_WILDCARDS).encode(), percent=0)
    else:
        lines = "".join(json.dumps({"address": entry}) + "\n" for entry in ACCEPTED_WILDCARDS)
        checked = Checked(f"imports/mail-manager/address-lists/{LIST_ID}/a.jsonl", lines.encode(), percent=0)
    assert checked.result.rejection is None, checked.report_rows
    assert checked.staged == staged_csv(*ACCEPTED_WILDCARDS)


@pytest.mark.parametrize("entry", REFUSED_WILDCARDS)
def test_wildcards_against_the_documented_rules_are_refused(entry):
    checked = Checked(MM_CSV, staged_csv("ana@partner.example", entry).encode())
    [row] = checked.report_rows
    assert row["code"] in {"INVALID_WILDCARD", "INVALID_EMAIL"}, row
    if entry.count("*") == 1 and entry not in {"*", "*@"}:
        assert row["code"] == "INVALID_WILDCARD", row
    assert checked.staged == staged_csv("ana@partner.example")


def test_a_wildcard_in_a_block_of_valid_rows_is_not_waved_through_by_the_fast_path():
    rows = [f"user{n}@partner.example" for n in range(500)]
    rows[250] = "ab*cd@partner.example"  # a valid e-mail address to SES (* is allowed), not a valid wildcard
    checked = Checked(MM_CSV, staged_csv(*rows).encode())
    assert [(r["row"], r["code"]) for r in checked.report_rows] == [("252", "INVALID_WILDCARD")]


def test_wildcard_refusals_say_which_rule():
    reasons = {
        entry: Checked(MM_CSV, staged_csv("ana@partner.example", entry).encode()).report_rows[0]["reason"]
        for entry in ("*@*.domain.com", "ab*@domain.com", "ab*cd@domain.com", "user@*.com", "*domain.com")
    }
    assert "one '*'" in reasons["*@*.domain.com"]
    assert "3 to 19" in reasons["ab*@domain.com"]
    assert "directly before the @" in reasons["ab*cd@domain.com"]
    assert "2 to 9" in reasons["user@*.com"]
    assert "*.example.com" in reasons["*domain.com"]


@pytest.mark.parametrize(
    ("key", "line"),
    [
        (CONTACTS, "emailAddress\n{}\n"),
        (SUPPRESS_PUT, "{},BOUNCE\n"),
        (SUPPRESS_DELETE_JSON, '{{"emailAddress": "{}"}}\n'),
    ],
)
@pytest.mark.parametrize("entry", ["user@*.domain.com", "*.domain.com", "*@*.domain.com"])
def test_ses_files_keep_refusing_wildcard_entries(key, line, entry):
    checked = Checked(key, line.format(entry).encode())
    codes = [row["code"] for row in checked.report_rows]
    assert codes == ["INVALID_EMAIL"], checked.report_rows


def test_wildcard_duplicates_are_found_case_insensitively():
    checked = Checked(
        MM_CSV, staged_csv("*@Domain.com", "user@*.Partner.example", "*@domain.COM", "USER@*.partner.EXAMPLE").encode()
    )
    assert [(r["row"], r["code"]) for r in checked.report_rows] == [
        ("4", "DUPLICATE_ADDRESS"),
        ("5", "DUPLICATE_ADDRESS"),
    ]
    assert checked.staged == staged_csv("*@Domain.com", "user@*.Partner.example")


@pytest.mark.parametrize(
    "entry",
    ["ab*cd@secret-partner.example", "jane@*.secret-partner.example", "jane.doe*@*.secret-partner.example"],
)
def test_the_report_masks_wildcard_entries_too(entry):
    # Twice: a valid entry is reported as a duplicate the second time, with its value shown (masked).
    csv_report = Checked(MM_CSV, staged_csv("ana@partner.example", entry, entry).encode()).report.text
    json_report = Checked(
        MM_JSON, json.dumps({"items": [{"address": entry, "x": 1}, {"address": "a@b.example"}]}).encode()
    ).report.text
    broken_line = Checked(
        f"imports/mail-manager/address-lists/{LIST_ID}/a.jsonl", f'{{"address": "{entry}"\n'.encode()
    ).report.text
    for report in (csv_report, json_report, broken_line):
        assert report, "a row was reported"
        assert "secret-partner" not in report and "jane" not in report, report


# -- the documented maximum: 100,000 addresses per address list ---------------------------------------------


def test_the_record_limit_is_the_documented_per_list_maximum():
    assert MAIL_MANAGER_RECORD_LIMIT == 100_000


@pytest.mark.parametrize(("name", "encode"), [("a.csv", None), ("a.json", "items")])
def test_a_file_over_the_per_list_maximum_is_rejected_before_any_call(name, encode):
    addresses = [f"u{n}@partner.example" for n in range(MAIL_MANAGER_RECORD_LIMIT + 1)]
    key = f"imports/mail-manager/address-lists/{LIST_ID}/{name}"

    def content(rows):
        if encode is None:
            return staged_csv(*rows).encode()
        return ('{"items":[' + ",".join(f'{{"address":"{a}"}}' for a in rows) + "]}").encode()

    at_limit = Checked(key, content([*addresses[:-1], "U0@PARTNER.example"]))  # a duplicate does not count
    assert at_limit.result.rejection is None
    assert at_limit.result.accepted_rows == MAIL_MANAGER_RECORD_LIMIT
    over = Checked(key, content(addresses))
    assert over.rejection_code == "TOO_MANY_RECORDS"
    reason = over.result.rejection.reason
    assert "100,000" in reason and "address list" in reason and "eb-addlist" not in reason
    assert over.output.aborted


# -- the starter and the provider: what is staged is what is declared and sent ---------------------------------

PRESIGNED = "https://mail-manager-import.s3.amazonaws.com/job-1?X-Amz-Signature=abc"


class RecordingHttp:
    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def request(self, method, url, *, body=None, headers=None, preload_content=True):
        self.bodies.append(b"".join(body))
        return type("Response", (), {"status": 200})()


def mail_manager_client():
    client = boto3.client("mailmanager", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


ADDRESS_LIST = {
    "AddressListId": LIST_ID,
    "AddressListArn": f"arn:aws:ses:us-east-1:123456789012:mailmanager-address-list/{LIST_ID}",
    "AddressListName": "partners",
    "CreatedTimestamp": "2026-11-22T09:00:00Z",
    "LastUpdatedTimestamp": "2026-11-22T09:00:00Z",
}


def job(status):
    return {
        "JobId": "job-1",
        "Name": "n",
        "Status": status,
        "PreSignedUrl": PRESIGNED,
        "ImportDataFormat": {"ImportDataType": "CSV"},
        "AddressListId": LIST_ID,
        "CreatedTimestamp": "2026-11-22T09:00:00Z",
    }


def starter_for(aws, provider, sfn):
    settings = StarterSettings.from_env({"JOBS_TABLE_NAME": "jobs", "STATE_MACHINE_ARN": "arn:sm"})
    return Starter(settings, aws["store"], aws["s3"], sfn, lambda name: provider)


def drop(aws, key, body):
    version = aws["s3"].put_object(Bucket=BUCKET, Key=key, Body=body)["VersionId"]
    return s3_event(BUCKET, key, version, len(body)), tracking_id_for(BUCKET, key, version)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("partners.csv", b"Email\nana@partner.example\nbo@partner.example\n"),
        ("partners.jsonl", b'{"address": "ana@partner.example"}\n{"address": "bo@partner.example"}\n'),
        ("partners.json", b'[{"address": "ana@partner.example"}, {"address": "bo@partner.example"}]'),
        ("partners.json", b'{"items": [{"address": "ana@partner.example"}, {"address": "bo@partner.example"}]}'),
    ],
    ids=["csv", "json-lines", "json-array", "items-document"],
)
def test_the_starter_stages_sends_and_declares_one_documented_layout(aws, name, body):
    key = f"imports/mail-manager/address-lists/{LIST_ID}/{name}"
    client, stubber = mail_manager_client()
    event, tracking_id = drop(aws, key, body)
    for _ in ("before reading", "after reading"):  # the starter checks the destination both times
        stubber.add_response("get_address_list", ADDRESS_LIST, {"AddressListId": LIST_ID})
    stubber.add_response(
        "create_address_list_import_job",
        {"JobId": "job-1", "PreSignedUrl": PRESIGNED},
        {
            "ClientToken": tracking_id,
            "AddressListId": LIST_ID,
            "Name": f"listdrop-{tracking_id}",
            "ImportDataFormat": {"ImportDataType": "CSV"},  # whatever the upload's own format
        },
    )
    stubber.add_response("get_address_list_import_job", job("CREATED"), {"JobId": "job-1"})
    stubber.add_response("start_address_list_import_job", {}, {"JobId": "job-1"})
    http = RecordingHttp()
    sfn = FakeStepFunctions()
    with stubber:
        [result] = starter_for(aws, MailManagerProvider(client, aws["s3"], http=http), sfn).handle_notification(event)
        stubber.assert_no_pending_responses()
    assert result.result == Result.STARTED
    staged_key = f"staging/mail-manager/{tracking_id}.csv"
    staged = aws["s3"].get_object(Bucket=BUCKET, Key=staged_key)
    assert staged["ContentType"] == "text/csv"
    expected = b"address\nana@partner.example\nbo@partner.example\n"
    assert staged["Body"].read() == expected
    assert http.bodies == [expected], "the job receives exactly the staged CSV"


def test_a_delete_key_is_rejected_against_its_address_list_before_any_call(aws):
    key = f"imports/mail-manager/address-lists/{LIST_ID}/delete/old.csv"
    client, stubber = mail_manager_client()  # no response queued: any AWS call fails the test
    event, tracking_id = drop(aws, key, b"address\nana@partner.example\n")
    sfn = FakeStepFunctions()
    with stubber:
        [result] = starter_for(
            aws, MailManagerProvider(client, aws["s3"], http=RecordingHttp()), sfn
        ).handle_notification(event)
    assert result.result == Result.REJECTED
    detail = json.loads(sfn.executions[tracking_id])["outcome"]["detail"]
    assert detail["reasonCode"] == "UNSUPPORTED_ACTION"
    assert detail["destination"]["label"] == f"Mail Manager address list {LIST_ID}"
    assert detail["destination"]["name"] == LIST_ID
    assert detail["provider"] == "mail-manager"
    assert "only add" in detail["reason"]
    assert aws["s3"].list_objects_v2(Bucket=BUCKET, Prefix="staging/").get("KeyCount", 0) == 0

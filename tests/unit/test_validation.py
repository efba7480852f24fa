"""The one-pass checker: what it accepts, normalizes, reports and rejects, and that hostile input never breaks it."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from listdrop.routing import route
from listdrop.validation import RowPolicy, spec_for
from listdrop.validation.engine import RecordChecker
from listdrop.validation.formats import EMAIL, FAST_EMAIL_MAX_LENGTH, FAST_EMAIL_PATTERN, HYPHEN_AT_LABEL_EDGE
from listdrop.validation.layouts.addresses import AddressLayout
from listdrop.validation.report import ReportWriter, mask_address, neutralize
from listdrop.validation.source import TextBlocks
from tests.unit.fakes import MemorySink

CONTACTS = "imports/ses/contact-lists/L/put/a.csv"
CONTACTS_JSON = "imports/ses/contact-lists/L/put/a.jsonl"
SUPPRESS_PUT = "imports/ses/suppression-list/put/a.csv"
SUPPRESS_DELETE = "imports/ses/suppression-list/delete/a.csv"
SUPPRESS_PUT_JSON = "imports/ses/suppression-list/put/a.json"


@dataclasses.dataclass
class Checked:
    result: object
    output: MemorySink
    report: MemorySink

    @property
    def report_rows(self) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self.report.text))) if self.report.closed else []

    @property
    def output_rows(self) -> list[list[str]]:
        return list(csv.reader(io.StringIO(self.output.text)))


def check(key: str, content: bytes, *, percent: float = 100, block_bytes: int = 1 << 20, limit=None, fast=True):
    spec = spec_for(route(key))
    if limit is not None:
        spec = dataclasses.replace(spec, record_limit=limit)
    output, report = MemorySink(), MemorySink()
    checker = RecordChecker(AddressLayout(spec), output=output, report=ReportWriter(report), policy=RowPolicy(percent))
    if not fast:
        checker._fast_csv_block = lambda text: False  # type: ignore[method-assign]
    stream = io.BytesIO(content)
    source = TextBlocks(stream.read, block_bytes=block_bytes, unsplit_if_starts_with="[" if "json" in key else None)
    return Checked(checker.run(source), output, report)


def rejected(key: str, content: bytes, **options) -> str:
    checked = check(key, content, **options)
    assert checked.result.rejection is not None, "expected the file to be rejected"
    assert checked.output.aborted and not checked.output.closed, "a rejected file must leave no staged copy"
    assert "@" not in checked.result.rejection.reason, "reasons must not echo addresses"
    return checked.result.rejection.code


# -- valid files ---------------------------------------------------------------------------------------


def test_a_canonical_contact_list_is_staged_as_read():
    content = (
        b'emailAddress,unsubscribeAll,attributesData,topicPreferences.weekly\na@example.com,false,"{""n"":1}",OPT_IN\n'
    )
    checked = check(CONTACTS, content)
    assert checked.result.rejection is None
    assert (checked.result.total_rows, checked.result.accepted_rows, checked.result.rejected_rows) == (1, 1, 0)
    assert checked.output.text == content.decode()
    assert checked.result.topics == ("weekly",)
    assert checked.output.closed and checked.report.aborted, "no report when no row is left out"


def test_what_people_upload_is_normalized_to_what_the_api_reads():
    content = (
        "\ufeffEmail Address , Unsubscribe_All,topicpreferences.News\r\n"
        "  Ann@Example.com ,TRUE, opt_in\r\n"
        "\r\n"
        "b@example.org,,OPT_OUT\r\n"
    ).encode()
    checked = check(CONTACTS, content)
    assert checked.result.rejection is None
    assert checked.output_rows == [
        ["emailAddress", "unsubscribeAll", "topicPreferences.News"],
        ["Ann@Example.com", "true", "OPT_IN"],
        ["b@example.org", "", "OPT_OUT"],
    ]
    notes = " | ".join(checked.result.normalizations)
    for expected in ("byte order mark", "CRLF", "'Email Address' as 'emailAddress'", "skipped 1 blank line", "spaces"):
        assert expected in notes


def test_utf16_with_a_byte_order_mark_is_converted():
    checked = check(CONTACTS, "emailAddress\na@example.com\n".encode("utf-16"))
    assert checked.result.rejection is None
    assert checked.output_rows == [["emailAddress"], ["a@example.com"]]
    assert any("UTF-16" in note for note in checked.result.normalizations)


def test_suppression_files_have_no_header_and_a_stray_one_is_removed():
    checked = check(SUPPRESS_PUT, b"email,reason\na@example.com, bounce\nb@example.org,COMPLAINT\n")
    assert checked.result.rejection is None
    assert checked.output_rows == [["a@example.com", "BOUNCE"], ["b@example.org", "COMPLAINT"]]
    assert check(SUPPRESS_DELETE, b"a@example.com\n").output_rows == [["a@example.com"]]


def test_json_lines_are_checked_record_by_record_and_written_canonically():
    content = (
        b'{"email": " a@example.com ", "unsubscribeAll": "false", "attributesData": {"n": 1},'
        b' "topicPreferences": [{"topicName": "t1", "subscriptionStatus": "opt_in"}]}\n'
        b"\n"
        b'{"emailAddress": "b@example.com"}\n'
    )
    checked = check(CONTACTS_JSON, content)
    assert checked.result.rejection is None
    records = [json.loads(line) for line in checked.output.text.splitlines()]
    assert records == [
        {
            "emailAddress": "a@example.com",
            "unsubscribeAll": False,
            "attributesData": '{"n":1}',
            "topicPreferences": [{"topicName": "t1", "subscriptionStatus": "OPT_IN"}],
        },
        {"emailAddress": "b@example.com"},
    ]
    assert checked.result.topics == ("t1",)


@pytest.mark.parametrize("block_bytes", [5, 64, 1 << 20])
def test_a_json_array_is_streamed_into_json_lines_whatever_the_block_size(block_bytes):
    records = [{"emailAddress": f"u{i}@example.com", "reason": "BOUNCE"} for i in range(50)]
    checked = check(SUPPRESS_PUT_JSON, json.dumps(records).encode(), block_bytes=block_bytes)
    assert checked.result.rejection is None
    assert [json.loads(line) for line in checked.output.text.splitlines()] == records
    assert "converted a JSON array to JSON lines" in checked.result.normalizations


@pytest.mark.parametrize("block_bytes", [3, 17, 100])
def test_quoted_values_spanning_lines_and_blocks_are_read_whole(block_bytes):
    content = b'emailAddress,attributesData\na@example.com,"{""note"":""x""}"\nb@example.com,"{""a"":\n1}"\n'
    checked = check(CONTACTS, content, block_bytes=block_bytes)
    assert checked.result.rejection is None, checked.result.rejection
    assert [row[0] for row in checked.output_rows[1:]] == ["a@example.com", "b@example.com"]


# -- rows left out, and the report ----------------------------------------------------------------------


def test_invalid_rows_are_left_out_and_reported_with_row_column_masked_value_and_reason():
    content = (
        b"emailAddress,unsubscribeAll,attributesData,topicPreferences.t\n"
        b"good@example.com,false,,OPT_IN\n"
        b"not-an-address,false,,OPT_IN\n"
        b"jane.doe@example.com,maybe,,OPT_IN\n"
        b"c@example.com,false,{broken,OPT_IN\n"
        b"d@example.com,false,,SOMETIMES\n"
        b"e@example.com,false\n"
        b"GOOD@example.com,true,,OPT_OUT\n"
    )
    checked = check(CONTACTS, content)
    assert checked.result.rejection is None
    assert (checked.result.accepted_rows, checked.result.rejected_rows, checked.result.duplicate_rows) == (1, 6, 1)
    assert [row[0] for row in checked.output_rows[1:]] == ["good@example.com"]
    report = checked.report_rows
    assert [(r["row"], r["column"], r["code"]) for r in report] == [
        ("3", "emailAddress", "INVALID_EMAIL"),
        ("4", "unsubscribeAll", "INVALID_BOOLEAN"),
        ("5", "attributesData", "INVALID_ATTRIBUTES"),
        ("6", "topicPreferences.t", "INVALID_SUBSCRIPTION_STATUS"),
        ("7", "", "WRONG_COLUMN_COUNT"),
        ("8", "emailAddress", "DUPLICATE_ADDRESS"),
    ]
    assert "@example.com" not in checked.report.text, "no address appears in full in the report"
    assert report[5]["value"] == "G***@e***.com"


def test_the_policy_rejects_the_whole_file_above_the_invalid_row_threshold():
    content = b"emailAddress\na@example.com\nb@example.com\nbad\n"
    assert check(CONTACTS, content, percent=50).result.rejection is None
    assert rejected(CONTACTS, content, percent=25) == "TOO_MANY_INVALID_ROWS"
    assert rejected(CONTACTS, b"emailAddress\nbad\n", percent=100) == "NO_VALID_ROWS"


def test_report_cells_cannot_run_as_spreadsheet_formulas():
    checked = check(CONTACTS, b'emailAddress,unsubscribeAll\na@example.com,=HYPERLINK("http://x")\n')
    (row,) = checked.report_rows
    assert row["value"].startswith("'=")
    assert [neutralize(v)[0] for v in ("=1", "+1", "-1", "@x", "\tx")] == ["'"] * 5
    assert neutralize("plain") == "plain"


def test_masking_keeps_enough_to_find_the_row_and_no_more():
    assert mask_address("jane.doe@mail.example.com") == "j***@m***.com"
    assert mask_address("no-at-sign") == "n***"


# -- whole-file rejections -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "content", "code"),
    [
        (CONTACTS, b"", "EMPTY_FILE"),
        (CONTACTS, b"\n \n\r\n", "NO_RECORDS"),
        (CONTACTS, b"emailAddress,unsubscribeAll\n", "NO_RECORDS"),
        (CONTACTS, b"a@example.com,false\n", "MISSING_HEADER"),
        (CONTACTS, b"unsubscribeAll\ntrue\n", "MISSING_EMAIL_COLUMN"),
        (CONTACTS, b"emailAddress,firstName\n", "UNKNOWN_COLUMN"),
        (CONTACTS, b"emailAddress,Email\n", "DUPLICATE_COLUMN"),
        (CONTACTS, b"emailAddress\ncaf\xe9@example.com\n", "NOT_UTF8"),
        (CONTACTS, b"emailAddress\na@example.com\x00\n", "BINARY_CONTENT"),
        (CONTACTS, b"\x00\x00\xfe\xffxxxx", "UNSUPPORTED_ENCODING"),
        (CONTACTS, b'emailAddress,attributesData\na@example.com,"{never closed\n', "UNTERMINATED_QUOTE"),
        (SUPPRESS_PUT, b"a@example.com\n", "NO_VALID_ROWS"),
        (CONTACTS_JSON, b'[{"emailAddress": "a@example.com"}', "INVALID_JSON_ARRAY"),
        (CONTACTS_JSON, b'[{"emailAddress": "a@example.com"}] trailing', "INVALID_JSON_ARRAY"),
        (CONTACTS_JSON, b"[" + b"[" * 100_000, "NESTED_TOO_DEEPLY"),
    ],
)
def test_rejects_the_file_with_a_specific_code(key, content, code):
    assert rejected(key, content) == code


def test_more_valid_records_than_one_job_takes_is_split_or_rejected_before_any_job(monkeypatch):
    content = b"emailAddress\n" + b"".join(f"u{i}@example.com\n".encode() for i in range(5))
    assert check(CONTACTS, content, limit=5).result.jobs == 1
    assert check(CONTACTS, content, limit=4).result.jobs == 2  # tests/unit/test_split_files.py: the parts
    monkeypatch.setattr("listdrop.validation.layouts.addresses.MAX_JOBS_PER_UPLOAD", 1)
    assert check(CONTACTS, content, limit=5).result.rejection is None
    assert rejected(CONTACTS, content, limit=4) == "TOO_MANY_RECORDS"
    assert rejected(CONTACTS, content, limit=4, fast=False) == "TOO_MANY_RECORDS"


# -- hostile input ---------------------------------------------------------------------------------------


def test_a_ten_megabyte_line_is_one_bad_row_not_ten_megabytes_of_memory():
    content = b"emailAddress\na@example.com\n" + b"x" * (10 * 1024 * 1024) + b"\nb@example.com\n"
    checked = check(CONTACTS, content)
    assert checked.result.rejection is None
    assert [r["code"] for r in checked.report_rows] == ["ROW_TOO_LONG"]
    assert [row[0] for row in checked.output_rows[1:]] == ["a@example.com", "b@example.com"]


def test_deeply_nested_json_in_a_line_or_an_attribute_is_a_row_error():
    deep = "[" * 50_000 + "]" * 50_000
    lines = [json.dumps({"emailAddress": "a@example.com", "attributesData": deep}), deep, '{"emailAddress": "b@x.io"}']
    checked = check(CONTACTS_JSON, "\n".join(lines).encode())
    assert checked.result.rejection is None
    assert sorted(r["code"] for r in checked.report_rows) == ["INVALID_ATTRIBUTES", "NESTED_TOO_DEEPLY"]


def test_a_million_blank_lines_are_skipped():
    checked = check(CONTACTS, b"emailAddress\n" + b"\n" * 1_000_000 + b"a@example.com\n")
    assert checked.result.accepted_rows == 1
    assert checked.result.blank_lines == 1_000_000


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=st.binary(max_size=2000), key=st.sampled_from([CONTACTS, CONTACTS_JSON, SUPPRESS_PUT, SUPPRESS_DELETE]))
def test_arbitrary_bytes_never_crash_the_checker(content, key):
    checked = check(key, content, block_bytes=64)
    result = checked.result
    assert result.total_rows == result.accepted_rows + result.rejected_rows or result.rejection is not None


_CELL = st.sampled_from(["", "true", "false", "TRUE", " false", "maybe", "OPT_IN", "opt_out", '{"a":1}', "{x", "=1"])
_ADDRESS = st.sampled_from(
    ["a@example.com", "A@Example.com", "b.c@d-e.org", "x@-y.com", "bad", "", " z@example.io", "a@b.c0m", "q@1.2"]
)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(_ADDRESS, _CELL, _CELL, _CELL), min_size=1, max_size=40))
def test_the_block_fast_path_decides_exactly_like_the_row_by_row_path(rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["emailAddress", "unsubscribeAll", "attributesData", "topicPreferences.t"])
    writer.writerows(rows)
    content = out.getvalue().encode()
    fast, exact = check(CONTACTS, content, block_bytes=97), check(CONTACTS, content, block_bytes=97, fast=False)
    assert (fast.result.rejection is None) == (exact.result.rejection is None)
    assert fast.output_rows == exact.output_rows
    assert [r["row"] for r in fast.report_rows] == [r["row"] for r in exact.report_rows]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab0.-@_+'", min_size=1, max_size=30))
def test_the_fast_address_pattern_never_accepts_what_the_exact_one_rejects(candidate):
    import re

    fast = re.fullmatch(FAST_EMAIL_PATTERN, candidate)
    guarded = len(candidate) <= FAST_EMAIL_MAX_LENGTH and not any(m in candidate + "\n" for m in HYPHEN_AT_LABEL_EDGE)
    if fast and guarded:
        assert EMAIL.fullmatch(candidate)

"""The Pinpoint endpoint checker: what it accepts, normalizes, reports and rejects, in bounded memory."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import tracemalloc

import botocore.session
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from listdrop.models import DataFormat
from listdrop.validation import RowPolicy
from listdrop.validation.endpoint_attributes import endpoint_schema
from listdrop.validation.engine import RecordChecker, check_file
from listdrop.validation.layouts.endpoints import EndpointLayout
from listdrop.validation.report import ReportWriter
from listdrop.validation.sinks import NullSink
from listdrop.validation.source import TextBlocks
from tests.unit.fakes import MemorySink

CSV, JSON = DataFormat.CSV, DataFormat.JSON


@dataclasses.dataclass
class Checked:
    result: object
    output: MemorySink
    report: MemorySink

    @property
    def report_rows(self) -> list[tuple[str, str, str]]:
        rows = csv.DictReader(io.StringIO(self.report.text)) if self.report.closed else []
        return [(r["row"], r["column"], r["code"]) for r in rows]

    @property
    def output_rows(self) -> list[list[str]]:
        return list(csv.reader(io.StringIO(self.output.text)))

    @property
    def output_records(self) -> list[dict]:
        return [json.loads(line) for line in self.output.text.splitlines()]


def check(
    data_format: DataFormat,
    content: bytes,
    *,
    percent: float = 100,
    block_bytes: int | None = None,
    fast: bool = True,
    **limits,
):
    output, report = MemorySink(), MemorySink()
    stream = io.BytesIO(content)
    if block_bytes is None:
        result = check_file(
            stream.read,
            EndpointLayout(data_format, **limits),
            output=output,
            report=ReportWriter(report),
            policy=RowPolicy(percent),
        )
    else:
        checker = RecordChecker(
            EndpointLayout(data_format, **limits), output=output, report=ReportWriter(report), policy=RowPolicy(percent)
        )
        if not fast:
            checker._fast_csv_block = lambda text: False  # type: ignore[method-assign]
        result = checker.run(TextBlocks(stream.read, block_bytes=block_bytes))
    return Checked(result, output, report)


def rejected(data_format: DataFormat, content: bytes, **options) -> str:
    checked = check(data_format, content, **options)
    rejection = checked.result.rejection
    assert rejection is not None, "expected the file to be rejected"
    assert checked.output.aborted and not checked.output.closed, "a rejected file must leave no staged copy"
    assert checked.result.accepted_rows == 0
    assert "@" not in rejection.reason and "2065550" not in rejection.reason, "reasons must not echo contacts"
    return rejection.code


# -- the layout ----------------------------------------------------------------------------------------


def test_channel_types_and_attribute_names_come_from_the_pinpoint_model():
    model = botocore.session.get_session().get_service_model("pinpoint")
    schema = endpoint_schema()
    assert schema.channel_types == frozenset(model.shape_for("ChannelType").enum)
    assert {"EMAIL", "SMS", "VOICE", "APNS", "GCM"} <= schema.channel_types
    assert schema.column("location.country")[:2] == ("Location.Country", "TEXT")
    assert schema.column("User.UserAttributes.first.name") == (
        "User.UserAttributes.first.name",
        "ATTRIBUTE",
        "first.name",
    )
    assert schema.column("Metrics.visits")[1] == "NUMBER"
    assert schema.column("Location") is None, "a structure is not a column; its fields are"
    assert schema.column("Location.Floor") is None
    assert schema.column("Attributes.") is None


# The Amazon Pinpoint User Guide, "Importing segments", "Supported attributes" (the attributes an import takes):
# https://docs.aws.amazon.com/pinpoint/latest/userguide/segments-importing.html#segments-importing-available-attributes
# `<name>` marks the guide's custom_attribute rows.
USER_GUIDE_IMPORT_ATTRIBUTES = {
    "Address",
    "Attributes.<name>",
    "ChannelType",
    *(
        f"Demographic.{name}"
        for name in ("AppVersion", "Locale", "Make", "Model", "ModelVersion", "Platform", "PlatformVersion", "Timezone")
    ),
    "EffectiveDate",
    "Id",
    *(f"Location.{name}" for name in ("City", "Country", "Latitude", "Longitude", "PostalCode", "Region")),
    "Metrics.<name>",
    "OptOut",
    "RequestId",
    "User.UserAttributes.<name>",
    "User.UserId",
}


def test_the_checker_takes_exactly_the_attributes_the_user_guide_lists_for_imports():
    fields = endpoint_schema().fields.values()
    columns = {f.path if f.form.value == "LEAF" else f"{f.path}.<name>" for f in fields if f.form.value != "STRUCTURE"}
    assert columns == USER_GUIDE_IMPORT_ATTRIBUTES


@pytest.mark.parametrize("spelled", ["EndpointStatus", " endpointstatus "])
def test_an_endpoint_status_column_is_refused_before_any_job_as_the_import_job_would(spelled):
    checked = check(CSV, f"ChannelType,Address,{spelled}\nEMAIL,a@example.com,ACTIVE\n".encode())
    rejection = checked.result.rejection
    assert rejection is not None and rejection.code == "UNKNOWN_COLUMN"
    assert "Column 3 ('EndpointStatus')" in rejection.reason and "import jobs do not take" in rejection.reason


def test_an_endpoint_status_field_leaves_its_json_line_out():
    content = (
        b'{"ChannelType": "EMAIL", "Address": "a@example.com"}\n'
        b'{"ChannelType": "EMAIL", "Address": "b@example.com", "endpointStatus": "INACTIVE"}\n'
    )
    checked = check(JSON, content)
    assert checked.result.rejection is None
    assert [record["Address"] for record in checked.output_records] == ["a@example.com"]
    assert checked.report_rows == [("2", "EndpointStatus", "UNKNOWN_FIELD")]
    assert "import jobs do not take EndpointStatus" in checked.report.text


# -- valid files ---------------------------------------------------------------------------------------


def test_the_guides_csv_example_is_staged_as_read():
    content = (
        b"ChannelType,Address,Location.Country,Demographic.Platform,Demographic.Make,User.UserId\n"
        b"SMS,12065550182,CN,Android,LG,example-user-id-1\n"
        b"APNS,1a2b3c4d5e6f7g8h9i0j1a2b3c4d5e6f,US,iOS,Apple,example-user-id-2\n"
        b"EMAIL,john.stiles@example.com,US,iOS,Apple,example-user-id-2\n"
    )
    checked = check(CSV, content)
    result = checked.result
    assert result.rejection is None
    assert (result.total_rows, result.accepted_rows, result.rejected_rows, result.duplicate_rows) == (3, 3, 0, 0)
    assert result.topics == ()
    assert checked.output.text == content.decode()
    assert checked.output.closed and checked.report.aborted, "no report when no row is left out"


def test_what_people_upload_is_normalized_to_what_the_job_reads():
    content = (
        "\ufeffchanneltype, ADDRESS ,Id,optout,Location.Latitude,Attributes.Interests,"
        "user.userattributes.FirstName\r\n"
        " email , Ann@Example.com ,,none,47.6,Music,Ann\r\n"
        "\r\n"
        ",,existing-endpoint-7,ALL,,,\r\n"
        'sms,+12065550100,,,-3.5,"Science, Travel",\r\n'
    ).encode()
    checked = check(CSV, content)
    assert checked.result.rejection is None
    assert checked.output_rows == [
        [
            "ChannelType",
            "Address",
            "Id",
            "OptOut",
            "Location.Latitude",
            "Attributes.Interests",
            "User.UserAttributes.FirstName",
        ],
        ["EMAIL", "Ann@Example.com", "", "NONE", "47.6", "Music", "Ann"],
        ["", "", "existing-endpoint-7", "ALL", "", "", ""],
        ["SMS", "+12065550100", "", "", "-3.5", "Science, Travel", ""],
    ]
    assert (checked.result.total_rows, checked.result.accepted_rows, checked.result.blank_lines) == (3, 3, 1)
    notes = " | ".join(checked.result.normalizations)
    for expected in ("byte order mark", "CRLF", "'channeltype' as 'ChannelType'", "skipped 1 blank line", "in 2 rows"):
        assert expected in notes


def test_utf16_with_a_byte_order_mark_is_converted():
    checked = check(CSV, "ChannelType,Address\r\nEMAIL,a@example.com\r\n".encode("utf-16"))
    assert checked.result.rejection is None
    assert checked.output.text == "ChannelType,Address\nEMAIL,a@example.com\n"
    assert any("UTF-16" in note for note in checked.result.normalizations)
    assert any("CRLF" in note for note in checked.result.normalizations)


def test_json_lines_are_checked_record_by_record_and_written_compactly():
    content = (
        b'{"ChannelType": "sms", "Address": "+12065550182", "Location": {"Country": "CAN", "latitude": "47.6"},'
        b' "Demographic": {"Platform": "Android"}, "User": {"UserId": "u1", "UserAttributes": {"Tier": "gold"}},'
        b' "Attributes": {"Interests": ["Music", "Travel"]}, "Metrics": {"visits": 3}, "OptOut": null}\r\n'
        b"\r\n"
        b'{"Id": "existing-endpoint-7", "OptOut": "all"}\n'
    )
    checked = check(JSON, content)
    assert checked.result.rejection is None
    assert (checked.result.total_rows, checked.result.accepted_rows, checked.result.blank_lines) == (2, 2, 1)
    assert checked.output.text.splitlines()[1] == '{"Id":"existing-endpoint-7","OptOut":"ALL"}'
    assert checked.output_records[0] == {
        "ChannelType": "SMS",
        "Address": "+12065550182",
        "Location": {"Country": "CAN", "Latitude": 47.6},
        "Demographic": {"Platform": "Android"},
        "User": {"UserId": "u1", "UserAttributes": {"Tier": ["gold"]}},
        "Attributes": {"Interests": ["Music", "Travel"]},
        "Metrics": {"visits": 3},
    }


@pytest.mark.parametrize("block_bytes", [3, 17, 100])
def test_quoted_values_spanning_lines_and_blocks_are_read_whole(block_bytes):
    content = b'ChannelType,Address,Attributes.Note\nEMAIL,a@example.com,"two\nlines"\nEMAIL,b@example.com,x\n'
    checked = check(CSV, content, block_bytes=block_bytes)
    assert checked.result.rejection is None, checked.result.rejection
    assert checked.output_rows[1:] == [["EMAIL", "a@example.com", "two\nlines"], ["EMAIL", "b@example.com", "x"]]


# -- rows left out, and the report ----------------------------------------------------------------------


def test_each_kind_of_bad_csv_row_is_reported_with_its_own_code_and_row():
    content = (
        b"ChannelType,Address,Id,OptOut,EffectiveDate,Location.Longitude,Metrics.m,Attributes.a\n"
        b"EMAIL,good@example.com,,,2024-01-31T10:00:00Z,,,\n"  # 2: valid
        b"FAX,a@example.com,,,,,,\n"  # 3
        b",a@example.com,,,,,,\n"  # 4
        b"EMAIL,,,,,,,\n"  # 5
        b"EMAIL,jane.doe@@example.com,,,,,,\n"  # 6
        b"SMS,206-555-0100,,,,,,\n"  # 7
        b"VOICE,+0123456789,,,,,,\n"  # 8
        b"EMAIL,b@example.com,,SOME,,,,\n"  # 9
        b"EMAIL,b@example.com,,,31/01/2024,,,\n"  # 10
        b"EMAIL,b@example.com,,,,181,,\n"  # 11
        b"EMAIL,b@example.com,,,,,many,\n"  # 12
        b"EMAIL,b@example.com,,,,,," + b"x" * 101 + b"\n"  # 13
        b"EMAIL,b@example.com\n"  # 14
        b"PUSH,token,,,,,,\n"  # 15: valid, push tokens are not checked for shape
    )
    checked = check(CSV, content)
    assert checked.result.rejection is None
    assert (checked.result.total_rows, checked.result.accepted_rows, checked.result.rejected_rows) == (14, 2, 12)
    assert [row[1] for row in checked.output_rows[1:]] == ["good@example.com", "token"]
    assert checked.report_rows == [
        ("3", "ChannelType", "INVALID_CHANNEL_TYPE"),
        ("4", "ChannelType", "MISSING_CHANNEL_TYPE"),
        ("5", "Address", "MISSING_ADDRESS"),
        ("6", "Address", "INVALID_EMAIL"),
        ("7", "Address", "INVALID_PHONE_NUMBER"),
        ("8", "Address", "INVALID_PHONE_NUMBER"),
        ("9", "OptOut", "INVALID_OPT_OUT"),
        ("10", "EffectiveDate", "INVALID_DATE"),
        ("11", "Location.Longitude", "INVALID_NUMBER"),
        ("12", "Metrics.m", "INVALID_NUMBER"),
        ("13", "Attributes.a", "VALUE_TOO_LONG"),
        ("14", "", "WRONG_COLUMN_COUNT"),
    ]
    report = checked.report.text
    assert "@example.com" not in report and "555-0100" not in report, "no contact appears in full in the report"
    assert "j***@e***.com" in report and "2***" in report


def test_each_kind_of_bad_json_line_is_reported_with_its_own_code_and_row():
    lines = [
        '{"ChannelType": "EMAIL", "Address": "good@example.com"}',
        '[{"ChannelType": "EMAIL", "Address": "a@example.com"}]',
        "not json at all +12065550100",
        '"just a string"',
        '{"ChannelType": "EMAIL", "Address": "a@example.com", "Nickname": "x"}',
        '{"ChannelType": "EMAIL", "Address": "a@example.com", "Location": {"Floor": 3}}',
        '{"ChannelType": "EMAIL", "Address": "a@example.com", "Location": "Paris"}',
        '{"ChannelType": "EMAIL", "Address": 12065550100}',
        '{"ChannelType": "EMAIL", "Address": "a@example.com", "Attributes": {"a": [1, 2]}}',
        '{"ChannelType": "EMAIL", "Address": "a@example.com", "Attributes": {"' + "n" * 51 + '": ["x"]}}',
        '{"ChannelType": "EMAIL", "Address": "a@example.com", "channeltype": "SMS"}',
        '{"ChannelType": "SMS", "Address": "+12065550100", "Location.Country": "US"}',
        '{"Address": "a@example.com"}',
        "[" * 100_000 + "]" * 100_000,
    ]
    checked = check(JSON, "\n".join(lines).encode())
    assert checked.result.rejection is None
    assert (checked.result.accepted_rows, checked.result.rejected_rows) == (1, 13)
    assert checked.report_rows == [
        ("2", "", "NOT_AN_OBJECT"),
        ("3", "", "NOT_JSON"),
        ("4", "", "NOT_AN_OBJECT"),
        ("5", "Nickname", "UNKNOWN_FIELD"),
        ("6", "Location.Floor", "UNKNOWN_FIELD"),
        ("7", "Location", "WRONG_TYPE"),
        ("8", "Address", "WRONG_TYPE"),
        ("9", "Attributes.a", "WRONG_TYPE"),
        ("10", "Attributes." + "n" * 51, "INVALID_ATTRIBUTE_NAME"),
        ("11", "ChannelType", "DUPLICATE_FIELD"),
        ("12", "Location.Country", "UNKNOWN_FIELD"),
        ("13", "ChannelType", "MISSING_CHANNEL_TYPE"),
        ("14", "", "NESTED_TOO_DEEPLY"),
    ]
    assert "2065550100" not in checked.report.text and "@example.com" not in checked.report.text


def test_the_policy_rejects_the_whole_file_above_the_invalid_row_threshold():
    content = b"ChannelType,Address\nEMAIL,a@example.com\nEMAIL,b@example.com\nEMAIL,bad\n"
    assert check(CSV, content, percent=50).result.rejection is None
    assert rejected(CSV, content, percent=25) == "TOO_MANY_INVALID_ROWS"
    assert rejected(CSV, b"ChannelType,Address\nEMAIL,bad\n") == "NO_VALID_ROWS"


# -- whole-file rejections -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data_format", "content", "code"),
    [
        (CSV, b"", "EMPTY_FILE"),
        (JSON, b"", "EMPTY_FILE"),
        (CSV, b"\n \n\r\n", "NO_RECORDS"),
        (JSON, b"\n\n", "NO_RECORDS"),
        (CSV, b"ChannelType,Address\n", "NO_RECORDS"),
        (CSV, b"EMAIL,a@example.com\n", "MISSING_HEADER"),
        (CSV, b"SMS,+12065550100\n", "MISSING_HEADER"),
        (CSV, b"ChannelType,Address,FirstName\nEMAIL,a@example.com,Ann\n", "UNKNOWN_COLUMN"),
        (CSV, b"ChannelType,Address,Location\n", "UNKNOWN_COLUMN"),
        (CSV, b"ChannelType,Address,\n", "UNKNOWN_COLUMN"),
        (CSV, b"ChannelType,Address,channeltype\n", "DUPLICATE_COLUMN"),
        (CSV, b"ChannelType,User.UserId\nEMAIL,u1\n", "MISSING_REQUIRED_COLUMN"),
        (CSV, b"ChannelType,Address,Attributes." + b"n" * 51 + b"\n", "INVALID_COLUMN_NAME"),
        (CSV, b"ChannelType,Address\nEMAIL,caf\xe9@example.com\n", "NOT_UTF8"),
        (CSV, b"ChannelType,Address\nEMAIL,a@example.com\x00\n", "BINARY_CONTENT"),
        (CSV, b'ChannelType,Address,Attributes.a\nEMAIL,a@example.com,"never closed\n', "UNTERMINATED_QUOTE"),
    ],
)
def test_rejects_the_file_with_a_specific_code(data_format, content, code):
    assert rejected(data_format, content) == code


def test_an_unknown_column_is_named_but_a_contact_in_the_header_is_not_echoed():
    checked = check(CSV, b"ChannelType,Address,FirstName\n")
    assert "'FirstName'" in checked.result.rejection.reason
    assert "Column 3" in checked.result.rejection.reason


def test_record_and_byte_limits_reject_before_any_job():
    content = b"ChannelType,Address\n" + b"".join(f"EMAIL,u{i}@example.com\n".encode() for i in range(5))
    assert check(CSV, content, record_limit=5).result.rejection is None
    assert rejected(CSV, content, record_limit=4) == "TOO_MANY_RECORDS"
    assert rejected(CSV, content, byte_limit=len(content) - 1) == "FILE_TOO_LARGE"
    assert check(CSV, content, byte_limit=len(content)).result.rejection is None


# -- size and hostile input ------------------------------------------------------------------------------


def test_a_ten_megabyte_line_is_one_bad_row():
    content = b"ChannelType,Address\nEMAIL,a@example.com\n" + b"x" * (10 * 1024 * 1024) + b"\nEMAIL,b@example.com\n"
    checked = check(CSV, content)
    assert checked.result.rejection is None
    assert checked.report_rows == [("3", "", "ROW_TOO_LONG")]
    assert [row[1] for row in checked.output_rows[1:]] == ["a@example.com", "b@example.com"]


class _Generated:
    """A file of `rows` endpoints produced on demand, so the test itself holds no whole file either."""

    def __init__(self, rows: int) -> None:
        self._lines = (
            f"{'SMS' if i % 2 else 'EMAIL'},{f'+1206{i:07d}' if i % 2 else f'user{i}@example.com'},"
            f"US,user-{i},{i % 97}\n"
            for i in range(rows)
        )
        self._buffer = b"ChannelType,Address,Location.Country,User.UserId,Metrics.visits\n"

    def read(self, size: int) -> bytes:
        while len(self._buffer) < size:
            chunk = "".join(line for _, line in zip(range(2000), self._lines, strict=False)).encode()
            if not chunk:
                break
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def test_two_hundred_thousand_rows_are_checked_in_bounded_memory():
    source, output, report = _Generated(200_000), NullSink(), MemorySink()
    endpoint_schema()  # the botocore model is loaded once per process, not per file
    tracemalloc.start()
    try:
        result = check_file(
            source.read, EndpointLayout(CSV), output=output, report=ReportWriter(report), policy=RowPolicy(0)
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.rejection is None
    assert (result.total_rows, result.accepted_rows, result.rejected_rows) == (200_000, 200_000, 0)
    assert output.bytes_written > 8_000_000
    assert peak < 20 * 1024 * 1024, f"peak {peak:,} bytes"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=st.binary(max_size=2000), data_format=st.sampled_from([CSV, JSON]))
def test_arbitrary_bytes_never_raise_and_always_return_a_result(content, data_format):
    result = check(data_format, content, block_bytes=64).result
    assert result.rejection is not None or result.total_rows == result.accepted_rows + result.rejected_rows


_COLUMNS = st.sampled_from(["ChannelType", "Address", "Id", "OptOut", "Metrics.m", "Attributes.a"])
_CELLS = st.sampled_from(["", "EMAIL", "sms", "a@example.com", "+12065550100", "1e999", "NONE", "=1", '"', "{"])


@settings(max_examples=200, deadline=None)
@given(
    header=st.lists(
        st.sampled_from(["ChannelType", "Address", "Id", "OptOut", "Metrics.m", "Attributes.a"]), min_size=1
    ),
    cells=st.lists(st.lists(_CELLS, min_size=1, max_size=6), max_size=20),
    data_format=st.sampled_from([CSV, JSON]),
)
def test_plausible_files_never_raise_and_every_row_is_counted_once(header, cells, data_format):
    if data_format is CSV:
        content = (",".join(header) + "\n" + "".join(",".join(row) + "\n" for row in cells)).encode()
    else:
        content = "".join(json.dumps(dict(zip(header, row, strict=False))) + "\n" for row in cells).encode()
    checked = check(data_format, content, block_bytes=50)
    result = checked.result
    if result.rejection is None:
        assert result.total_rows == result.accepted_rows + result.rejected_rows
        assert len(checked.report_rows) == result.rejected_rows


_FAST_CELLS = {
    "ChannelType": st.sampled_from(["EMAIL", "SMS", "VOICE", "APNS", "APNS_SANDBOX", "email", " SMS", "FAX", ""]),
    "Address": st.sampled_from(
        ["a@example.com", "x@-y.com", "a@b.c0m", " b@example.org", "+12065550100", "12065550182", "+0206", "tok", ""]
    ),
    "Id": st.sampled_from(["", "id-1", " id-2", "id 3 "]),
    "OptOut": st.sampled_from(["", "ALL", "NONE", "none", "SOME"]),
    "EffectiveDate": st.sampled_from(["", "2024-01-31", "2024-13-01", "2024-01-31T10:00:00Z"]),
    "Location.Latitude": st.sampled_from(["", "47.6", "-90", "90.0", "90.5", "91", "1e2", "nan", "-0.000"]),
    "Location.Longitude": st.sampled_from(["", "179.9", "-180", "180.1", "200", ".5"]),
    "Metrics.m": st.sampled_from(["", "3", "-2.5", "1e999", "x", "0123456789012345"]),
    "Attributes.a": st.sampled_from(["", "Music", "a b", " pad", "x" * 100, "x" * 101, "=1"]),
}


@settings(max_examples=100, deadline=None)
@given(
    data=st.data(),
    columns=st.lists(st.sampled_from(sorted(_FAST_CELLS)), min_size=1, max_size=6, unique=True),
)
def test_the_block_fast_path_decides_exactly_like_the_row_by_row_path(data, columns):
    required = ["ChannelType", "Address"]
    columns = data.draw(st.permutations([*required, *[c for c in columns if c not in required]]))
    rows = data.draw(st.lists(st.tuples(*[_FAST_CELLS[c] for c in columns]), min_size=1, max_size=20))
    header = ",".join(columns) + "\n"
    # each row alone (so the fast path gets its chance at every row), then all of them across small blocks
    files = [header + ",".join(row) + "\n" for row in rows] + [header + "".join(",".join(r) + "\n" for r in rows)]
    for content in files:
        fast = check(CSV, content.encode(), block_bytes=97)
        exact = check(CSV, content.encode(), block_bytes=97, fast=False)
        assert (fast.result.rejection is None) == (exact.result.rejection is None), content
        assert fast.output.text == exact.output.text, content
        assert fast.report_rows == exact.report_rows, content
        assert fast.result.accepted_rows == exact.result.accepted_rows, content


def test_the_fast_path_takes_a_canonical_block_whole():
    content = b"ChannelType,Address,Location.Latitude,Metrics.m\n" + b"EMAIL,a@example.com,47.6,3\n" * 50
    checker_calls: list[str] = []
    output, report = MemorySink(), MemorySink()
    checker = RecordChecker(EndpointLayout(CSV), output=output, report=ReportWriter(report), policy=RowPolicy(0))
    checker._exact_csv_block = lambda text, first: checker_calls.append(text)  # type: ignore[method-assign]
    result = checker.run(TextBlocks(io.BytesIO(content).read))
    assert result.rejection is None and result.accepted_rows == 50
    assert checker_calls == [], "a canonical block never needs the row-by-row path"
    assert output.text == content.decode()

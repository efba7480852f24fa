"""A file over one job's record limit: the checker writes its checked copy as one part per job, in one pass."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest

from listdrop.routing import route
from listdrop.validation import RowPolicy, spec_for
from listdrop.validation.engine import RecordChecker
from listdrop.validation.formats import MAX_JOBS_PER_UPLOAD
from listdrop.validation.layouts.addresses import AddressLayout
from listdrop.validation.report import ReportWriter
from listdrop.validation.sinks import PartedS3Sink
from listdrop.validation.source import TextBlocks
from tests.unit.conftest import BUCKET
from tests.unit.fakes import MemorySink

CONTACTS = "imports/ses/contact-lists/L/put/a.csv"
DELETE = "imports/ses/suppression-list/delete/a.csv"
DELETE_JSON = "imports/ses/suppression-list/delete/a.jsonl"
MAIL_MANAGER = "imports/mail-manager/address-lists/al-1/put/a.csv"


def check(key: str, content: bytes, *, limit: int, fast: bool = True, block_bytes: int = 1 << 20, output=None):
    spec = dataclasses.replace(spec_for(route(key)), record_limit=limit)
    output = output if output is not None else MemorySink()
    checker = RecordChecker(
        AddressLayout(spec), output=output, report=ReportWriter(MemorySink()), policy=RowPolicy(100)
    )
    if not fast:
        checker._fast_csv_block = lambda text: False  # type: ignore[method-assign]
    source = TextBlocks(io.BytesIO(content).read, block_bytes=block_bytes)
    return checker.run(source), output


def addresses(rows: int) -> list[str]:
    return [f"u{n}@example.com" for n in range(rows)]


def contacts(rows: int) -> bytes:
    return ("emailAddress\n" + "".join(f"{a}\n" for a in addresses(rows))).encode()


@pytest.mark.parametrize("fast", [True, False])
def test_a_file_at_the_exact_limit_is_one_part(fast):
    result, output = check(CONTACTS, contacts(4), limit=4, fast=fast)
    assert (result.rejection, result.jobs, result.rows_per_job) == (None, 1, None)
    assert output.part_starts == [] and output.closed


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("block_bytes", [16, 1 << 20])
def test_one_row_over_the_limit_starts_a_second_part_with_the_header_again(fast, block_bytes):
    result, output = check(CONTACTS, contacts(5), limit=4, fast=fast, block_bytes=block_bytes)
    assert (result.rejection, result.accepted_rows, result.jobs, result.rows_per_job) == (None, 5, 2, 4)
    first, second = output.part_texts
    assert first == "emailAddress\n" + "".join(f"{a}\n" for a in addresses(4))
    assert second == "emailAddress\nu4@example.com\n"


def test_parts_hold_the_limit_each_and_the_rest_last_and_rows_left_out_take_no_place():
    rows = [*addresses(9), "not an address", "u0@example.com"]  # one invalid row, one duplicate
    content = ("".join(f"{row}\n" for row in rows)).encode()
    result, output = check(DELETE, content, limit=4)
    assert (result.accepted_rows, result.rejected_rows, result.jobs) == (9, 2, 3)
    parts = [list(csv.reader(io.StringIO(text))) for text in output.part_texts]
    assert [len(part) for part in parts] == [4, 4, 1]  # suppression files have no header
    assert [row for part in parts for [row] in part] == addresses(9)


def test_json_lines_parts_are_each_valid_json_lines():
    content = "".join(json.dumps({"emailAddress": a}) + "\n" for a in addresses(7)).encode()
    result, output = check(DELETE_JSON, content, limit=3)
    assert result.jobs == 3
    parts = [[json.loads(line)["emailAddress"] for line in text.splitlines()] for text in output.part_texts]
    assert parts == [addresses(7)[0:3], addresses(7)[3:6], addresses(7)[6:7]]


@pytest.mark.parametrize("fast", [True, False])
def test_a_file_over_every_job_the_upload_may_start_is_rejected(fast):
    result, output = check(DELETE, "".join(f"{a}\n" for a in addresses(2 * MAX_JOBS_PER_UPLOAD + 1)).encode(), limit=2)
    assert result.rejection is not None and result.rejection.code == "TOO_MANY_RECORDS"
    assert f"at most {MAX_JOBS_PER_UPLOAD} jobs" in result.rejection.reason
    assert output.aborted and not output.closed
    at_most, _ = check(DELETE, "".join(f"{a}\n" for a in addresses(2 * MAX_JOBS_PER_UPLOAD)).encode(), limit=2)
    assert (at_most.rejection, at_most.jobs) == (None, MAX_JOBS_PER_UPLOAD)


def test_a_mail_manager_file_is_never_split_since_its_limit_is_the_lists_own():
    result, output = check(MAIL_MANAGER, b"address\na@x.example\nb@x.example\nc@x.example\n", limit=2)
    assert result.rejection is not None and result.rejection.code == "TOO_MANY_RECORDS"
    assert "address list holds at most 2" in result.rejection.reason
    assert output.part_starts == []


# -- the S3 parts ------------------------------------------------------------------------------------------


def parted(s3, *writes: str) -> PartedS3Sink:
    """A sink of two parts' keys; each write after the first starts the next part (with no header)."""
    sink = PartedS3Sink(s3, BUCKET, lambda n: "staging/t.csv" if n == 1 else f"staging/t.part-{n:04d}.csv", "text/csv")
    for number, text in enumerate(writes):
        if number:
            sink.next_part("")
        sink.write(text)
    return sink


def staged_keys(s3) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix="staging/").get("Contents", [])]


def test_the_s3_parts_are_one_object_each_and_only_once_all_are_written(aws):
    s3 = aws["s3"]
    sink = parted(s3, "h\na\n")
    sink.next_part("h\n")
    sink.write("b\n")
    assert staged_keys(s3) == [], "nothing visible before close()"
    sink.close()
    objects = sink.objects
    assert [o.key for o in objects] == ["staging/t.csv", "staging/t.part-0002.csv"]
    assert [s3.get_object(Bucket=BUCKET, Key=o.key)["Body"].read() for o in objects] == [b"h\na\n", b"h\nb\n"]
    assert [o.size for o in objects] == [4, 4]


def test_aborted_s3_parts_leave_nothing(aws):
    s3 = aws["s3"]
    parted(s3, "a\n", "b\n").abort()
    assert staged_keys(s3) == []
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


def test_one_part_is_the_single_object_written_as_before(aws):
    s3 = aws["s3"]
    sink = parted(s3, "a\n")
    sink.close()
    [staged] = sink.objects
    assert staged.key == "staging/t.csv" and staged.version_id is not None
    assert s3.get_object(Bucket=BUCKET, Key=staged.key)["Body"].read() == b"a\n"

"""gzip and zip uploads: decompressed as they are read, one file per zip, a limit on what they decompress to, and
hostile archives refused with a reason."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from listdrop import keys
from listdrop.errors import RejectedFile
from listdrop.keys import Compression
from listdrop.models import DataFormat
from listdrop.routing import route
from listdrop.s3_ranges import WINDOW_BYTES, windowed
from listdrop.validation import RowPolicy, check_records
from listdrop.validation.archives import MAX_DIRECTORY_BYTES, unpacked_reader
from listdrop.validation.report import ReportWriter
from tests.unit.fakes import MemorySink

CONTACTS = "imports/ses/contact-lists/L/put/a.csv"
CSV = b"emailAddress,unsubscribeAll\na@example.com,TRUE\nb@example.com,false\n"
LIMIT = 10 * 1024 * 1024


def zipped(*members: tuple[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=method) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def checked(content: bytes, compression: Compression, *, max_bytes: int = LIMIT, key: str = CONTACTS):
    """What the starter does with an upload: unpack it, then check what it holds; (result, staged text)."""
    output = MemorySink()
    read, note = unpacked_reader(io.BytesIO(content), compression, max_bytes=max_bytes)
    result = check_records(
        read,
        route(key),
        output=output,
        report=ReportWriter(MemorySink()),
        policy=RowPolicy(),
        notes=(note,) if note else (),
    )
    return result, output.text


def refusal(content: bytes, compression: Compression, **options) -> RejectedFile:
    try:
        result, _ = checked(content, compression, **options)
    except RejectedFile as refused:  # refused as the archive is opened
        return refused
    assert result.rejection is not None, "expected the upload to be refused"
    return result.rejection


# -- keys -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data_format", "compression"),
    [
        ("list.csv.gz", DataFormat.CSV, Compression.GZIP),
        ("list.JSONL.GZ", DataFormat.JSON, Compression.GZIP),
        ("list.csv.zip", DataFormat.CSV, Compression.ZIP),
        ("list.ndjson.zip", DataFormat.JSON, Compression.ZIP),
        ("list.csv", DataFormat.CSV, None),
    ],
)
def test_the_key_says_the_format_then_the_compression(name, data_format, compression):
    assert keys.data_format(f"folder/{name}") is data_format
    assert keys.compression(name) is compression


@pytest.mark.parametrize("name", ["list.gz", "list.zip", "list.txt.gz", ".zip"])
def test_a_compressed_file_whose_name_does_not_say_its_format_is_refused_with_the_name_to_use(name):
    with pytest.raises(RejectedFile) as refused:
        keys.data_format(name)
    assert refused.value.code == "UNSUPPORTED_EXTENSION"
    assert ".csv." in refused.value.reason


# -- gzip -------------------------------------------------------------------------------------------------


def test_a_gzip_file_is_checked_as_the_file_it_holds_and_says_so():
    result, staged = checked(gzip.compress(CSV), Compression.GZIP)
    assert result.rejection is None and result.accepted_rows == 2
    assert staged == "emailAddress,unsubscribeAll\na@example.com,true\nb@example.com,false\n"
    assert "decompressed the gzip file" in result.normalizations


def test_every_member_of_a_multi_member_gzip_file_is_read():
    content = gzip.compress(CSV[:40]) + gzip.compress(CSV[40:])
    result, _ = checked(content, Compression.GZIP)
    assert result.accepted_rows == 2


@pytest.mark.parametrize(
    "content",
    [
        CSV,  # not gzip at all
        gzip.compress(CSV)[:-12],  # cut off
        gzip.compress(CSV)[:-8] + b"\x00\x00\x00\x00" + gzip.compress(CSV)[-4:],  # a wrong CRC
    ],
    ids=["not-gzip", "cut-off", "bad-crc"],
)
def test_a_damaged_gzip_file_is_refused_as_corrupt(content):
    refused = refusal(content, Compression.GZIP)
    assert refused.code == "CORRUPT_ARCHIVE" and "gzip" in refused.reason


def test_a_gzip_bomb_stops_at_the_decompressed_size_limit():
    bomb = gzip.compress(b"emailAddress\n" + b"\n" * (200 * 1024 * 1024), compresslevel=9)  # 200 MiB in ~200 KB
    assert len(bomb) < 1024 * 1024
    refused = refusal(bomb, Compression.GZIP, max_bytes=LIMIT)
    assert refused.code == "FILE_TOO_LARGE" and "decompresses to more than 10,485,760 bytes" in refused.reason


# -- zip --------------------------------------------------------------------------------------------------


def test_a_zip_with_one_file_is_checked_as_that_file_folders_and_macos_metadata_aside():
    content = zipped(("export/", b""), ("export/list.csv", CSV), ("__MACOSX/export/._list.csv", b"\x00\x05"))
    result, staged = checked(content, Compression.ZIP)
    assert result.rejection is None and result.accepted_rows == 2
    assert staged.startswith("emailAddress,unsubscribeAll\n")
    assert "read 'export/list.csv', the zip archive's one file" in result.normalizations


def test_a_stored_zip_member_is_read_too():
    result, _ = checked(zipped(("list.csv", CSV), method=zipfile.ZIP_STORED), Compression.ZIP)
    assert result.accepted_rows == 2


def test_a_zip_with_several_files_or_none_says_what_it_found_without_addresses():
    refused = refusal(zipped(("a.csv", CSV), ("ana@example.com.csv", CSV)), Compression.ZIP)
    assert refused.code == "ARCHIVE_MEMBERS"
    assert "holds 2 files: 'a.csv', '" in refused.reason and "ana@example.com" not in refused.reason
    assert refusal(zipped(("folder/", b"")), Compression.ZIP).code == "ARCHIVE_MEMBERS"


def test_an_encrypted_zip_member_is_refused():
    content = bytearray(zipped(("list.csv", CSV)))
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # local header and directory entry
        at = content.find(signature)
        content[at + flag_at] |= 0x1
    refused = refusal(bytes(content), Compression.ZIP)
    assert refused.code == "ENCRYPTED_ARCHIVE"


def test_a_member_compressed_another_way_is_refused():
    refused = refusal(zipped(("list.csv", CSV), method=zipfile.ZIP_BZIP2), Compression.ZIP)
    assert refused.code == "UNSUPPORTED_ARCHIVE" and "stored or deflated" in refused.reason


def _end_record_patched(content: bytes, **fields: int) -> bytes:
    at = content.rfind(b"PK\x05\x06")
    names = ("disk", "directory_disk", "on_disk", "entries", "directory_size", "offset")
    values = dict(zip(names, struct.unpack_from("<4H2L", content, at + 4), strict=True))
    values.update(fields)
    return content[: at + 4] + struct.pack("<4H2L", *values.values()) + content[at + 20 :]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"entries": 0xFFFF, "on_disk": 0xFFFF}, "UNSUPPORTED_ARCHIVE"),  # zip64
        ({"directory_size": 0xFFFFFFFF}, "UNSUPPORTED_ARCHIVE"),  # zip64
        ({"disk": 1}, "UNSUPPORTED_ARCHIVE"),  # spans disks
        ({"directory_size": MAX_DIRECTORY_BYTES + 1}, "ARCHIVE_MEMBERS"),  # a directory too large to hold
    ],
)
def test_odd_or_oversized_zip_directories_are_refused_before_they_are_read(fields, code):
    assert refusal(_end_record_patched(zipped(("list.csv", CSV)), **fields), Compression.ZIP).code == code


def test_a_zip_member_declared_or_found_over_the_limit_is_refused():
    content = zipped(("list.csv", b"emailAddress\n" + b"\n" * 100_000))
    refused = refusal(content, Compression.ZIP, max_bytes=50_000)
    assert refused.code == "FILE_TOO_LARGE" and "'list.csv' in the zip archive is 100,013 bytes" in refused.reason


def test_a_damaged_zip_member_is_refused_as_corrupt():
    content = bytearray(zipped(("list.csv", CSV * 100)))
    content[60] ^= 0xFF  # inside the deflated data
    assert refusal(bytes(content), Compression.ZIP).code == "CORRUPT_ARCHIVE"
    assert refusal(b"PK not really a zip", Compression.ZIP).code == "CORRUPT_ARCHIVE"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    content=st.one_of(
        st.binary(max_size=600),
        st.builds(lambda data, cut: gzip.compress(data)[:cut], st.binary(max_size=300), st.integers(0, 400)),
        st.builds(
            lambda data, at, byte: (lambda z: z[:at] + bytes([byte]) + z[at + 1 :])(zipped(("a.csv", data))),
            st.binary(max_size=300),
            st.integers(0, 500),
            st.integers(0, 255),
        ),
    ),
    compression=st.sampled_from([Compression.GZIP, Compression.ZIP]),
)
def test_arbitrary_archives_are_read_or_refused_never_crash(content, compression):
    try:
        result, _ = checked(content, compression, max_bytes=4096)
    except RejectedFile:
        return
    assert result.total_rows >= result.accepted_rows


# -- reading a zip from S3 by ranges ----------------------------------------------------------------------


def test_a_zip_is_read_from_s3_in_a_few_ranged_requests_and_one_window_of_memory():
    rows = b"".join(b"user%d@example%d.com,false\n" % (i, i % 97) for i in range(400_000))
    content = zipped(("list.csv", b"emailAddress,unsubscribeAll\n" + rows), method=zipfile.ZIP_STORED)
    assert len(content) > WINDOW_BYTES
    ranges: list[tuple[int, int]] = []

    def get(header: str) -> bytes:
        first, last = map(int, header.removeprefix("bytes=").split("-"))
        ranges.append((first, last))
        return content[first : last + 1]

    stream = windowed(get, len(content))
    read, _ = unpacked_reader(stream, Compression.ZIP, max_bytes=LIMIT * 10)
    result = check_records(
        read, route(CONTACTS), output=MemorySink(), report=ReportWriter(MemorySink()), policy=RowPolicy()
    )
    assert result.rejection is None and result.accepted_rows == 400_000
    assert max(last - first + 1 for first, last in ranges) <= WINDOW_BYTES
    # A few small reads of the archive's end (its directory), then the data, a window at a time, in order.
    data_ranges = [(first, last) for first, last in ranges if last - first + 1 > 64 * 1024 + 22]
    assert data_ranges == [(0, WINDOW_BYTES - 1), (WINDOW_BYTES, len(content) - 1)]
    assert len(ranges) - len(data_ranges) <= 4

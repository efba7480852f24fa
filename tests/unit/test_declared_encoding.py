"""A declared encoding: a file that is not UTF-8 is decoded as its upload declares (S3 metadata or Content-Type),
never guessed, and the job reads UTF-8."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from listdrop.cli import main
from listdrop.errors import RejectedFile
from listdrop.routing import route
from listdrop.validation import RowPolicy, check_records
from listdrop.validation.report import ReportWriter
from listdrop.validation.source import declared_encoding
from tests.unit.fakes import MemorySink

CONTACTS = "imports/ses/contact-lists/L/put/a.csv"
LATIN = 'emailAddress,attributesData\nana@example.com,"{""city"": ""Málaga"", ""note"": ""€""}"\n'


def checked(content: bytes, encoding: str | None):
    output = MemorySink()
    result = check_records(
        io.BytesIO(content).read,
        route(CONTACTS),
        output=output,
        report=ReportWriter(MemorySink()),
        policy=RowPolicy(),
        encoding=encoding,
    )
    return result, output.text


@pytest.mark.parametrize(
    ("content_type", "metadata", "encoding"),
    [
        (None, {}, None),
        ("text/csv", {}, None),
        ("text/csv; charset=windows-1252", {}, "cp1252"),
        ('text/csv; charset="ISO-8859-1"', {}, "iso8859-1"),
        ("binary/octet-stream", {"charset": "Windows-1252"}, "cp1252"),
        (None, {"Encoding": "latin-1"}, "iso8859-1"),
        ("text/csv; charset=utf-8", {"charset": "UTF8"}, None),  # UTF-8 declared is the default
        ("text/csv; charset=cp1252", {"charset": "windows-1252"}, "cp1252"),  # two names of one encoding agree
        (None, {"other": "windows-1252"}, None),  # only charset and encoding declare one
        (None, {"charset": "UTF-16LE"}, "utf-16-le"),
    ],
)
def test_the_encoding_is_read_from_the_metadata_or_the_content_type(content_type, metadata, encoding):
    assert declared_encoding(content_type, metadata) == encoding


@pytest.mark.parametrize(
    ("content_type", "metadata", "code"),
    [
        ("text/csv; charset=klingon", {}, "UNKNOWN_ENCODING"),
        (None, {"charset": "base64"}, "UNKNOWN_ENCODING"),  # a codec, but not of text
        (None, {"charset": "utf\x00-8"}, "UNKNOWN_ENCODING"),
        ("text/csv; charset=utf-8", {"charset": "windows-1252"}, "CONFLICTING_ENCODING"),
    ],
)
def test_an_unknown_or_conflicting_declaration_is_refused(content_type, metadata, code):
    with pytest.raises(RejectedFile) as refused:
        declared_encoding(content_type, metadata)
    assert refused.value.code == code


def test_a_windows_1252_file_declared_as_such_is_staged_as_utf8_and_says_so():
    result, staged = checked(LATIN.encode("cp1252"), "cp1252")
    assert result.rejection is None and result.accepted_rows == 1
    assert staged == LATIN
    assert "decoded from cp1252, as declared, to UTF-8" in result.normalizations


def test_without_a_declaration_the_file_is_refused_with_how_to_declare_it():
    result, _ = checked(LATIN.encode("cp1252"), None)
    assert result.rejection is not None and result.rejection.code == "NOT_UTF8"
    assert "Line 2 is not valid UTF-8" in result.rejection.reason
    assert "charset=windows-1252" in result.rejection.reason and "--encoding" in result.rejection.reason


def test_bytes_the_declared_encoding_does_not_have_are_refused_with_their_line():
    result, _ = checked(b"emailAddress\na@example.com\n\x81@example.com\n", "cp1252")  # 0x81 is unassigned
    assert result.rejection is not None and result.rejection.code == "NOT_DECLARED_ENCODING"
    assert result.rejection.reason.startswith("Line 3 is not valid cp1252")


def test_a_byte_order_mark_wins_over_a_declaration():
    result, staged = checked("emailAddress\nzoe@example.com\n".encode("utf-16"), "cp1252")  # with its mark
    assert "converted from UTF-16 to UTF-8" in result.normalizations
    assert staged.startswith("emailAddress\n")


def test_a_declared_encoding_still_refuses_binary_content():
    result, _ = checked(b"emailAddress\na@example.com\x00\n", "iso8859-1")
    assert result.rejection is not None and result.rejection.code == "BINARY_CONTENT"


def test_listdrop_validate_takes_the_encoding(tmp_path, capsys):
    source = tmp_path / "export.csv"
    source.write_bytes(LATIN.encode("cp1252"))
    normalized = tmp_path / "out.csv"
    to = "ses/contact-lists/Newsletter/put"
    assert main(["validate", str(source), "--to", to]) == 1
    assert "charset=windows-1252" in capsys.readouterr().out
    assert main(["validate", str(source), "--to", to, "--encoding", "windows-1252", "--output", str(normalized)]) == 0
    assert "normalized: decoded from cp1252, as declared, to UTF-8" in capsys.readouterr().out
    assert normalized.read_text(encoding="utf-8") == LATIN
    assert main(["validate", str(source), "--to", to, "--encoding", "klingon"]) == 2
    assert "listdrop: --encoding: The declared encoding 'klingon'" in capsys.readouterr().err


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=st.binary(max_size=800), encoding=st.sampled_from(["cp1252", "utf-16-le", "iso8859-1", "shift_jis"]))
def test_arbitrary_bytes_in_a_declared_encoding_never_crash_the_checker(content, encoding):
    result, staged = checked(content, encoding)
    assert result.rejection is not None or result.total_rows == result.accepted_rows + result.rejected_rows
    staged.encode("utf-8")  # what the job reads is UTF-8: no lone surrogate got through

"""Semicolon- and tab-separated uploads: the delimiter is told by the first line, and the job reads commas."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listdrop.errors import RejectedFile
from listdrop.validation.csv_text import detect_delimiter
from tests.unit.test_validation import CONTACTS, SUPPRESS_PUT, check, rejected


@pytest.mark.parametrize(
    ("line", "delimiter"),
    [
        ("emailAddress,unsubscribeAll", ","),
        ("emailAddress;unsubscribeAll", ";"),
        ("emailAddress\tunsubscribeAll", "\t"),
        ("emailAddress", ","),  # one column
        ("emailAddress\t", ","),  # whitespace at the end names no column
        ('emailAddress,"topicPreferences.a;b"', ","),  # a comma outside quotes: a comma file, as always
        ('emailAddress;"attributes, as JSON"', ";"),  # what is quoted does not count
        ("emailAddress,unsubscribeAll;x\ty", ","),  # a comma wins: every file read before still reads the same
        ("a@example.com;BOUNCE", ";"),  # a headerless file's first record
    ],
)
def test_the_delimiter_is_told_by_what_stands_outside_quotes_on_the_first_line(line, delimiter):
    assert detect_delimiter(line) == delimiter


def test_a_first_line_with_both_semicolons_and_tabs_and_no_comma_is_refused():
    with pytest.raises(RejectedFile) as refused:
        detect_delimiter("emailAddress;unsubscribeAll\ttopicPreferences.t")
    assert refused.value.code == "AMBIGUOUS_DELIMITER"
    assert rejected(CONTACTS, b"emailAddress;unsubscribeAll\tx\na@example.com;true\t1\n") == "AMBIGUOUS_DELIMITER"


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolon"), ("\t", "tab")])
def test_a_semicolon_or_tab_file_is_staged_comma_separated_and_says_so(delimiter, name):
    rows = [["Email", "unsubscribeAll", "topicPreferences.weekly"], ["a@example.com", "false", "OPT_IN"]]
    rows += [["b@example.com", "TRUE", "opt_out"]]
    content = "".join(delimiter.join(row) + "\n" for row in rows).encode()
    checked = check(CONTACTS, content)
    assert checked.result.rejection is None and checked.result.accepted_rows == 2
    assert checked.output.text == (
        "emailAddress,unsubscribeAll,topicPreferences.weekly\na@example.com,false,OPT_IN\nb@example.com,true,OPT_OUT\n"
    )
    assert checked.result.delimiter == name
    assert checked.result.to_dict()["delimiter"] == name
    assert any(f"read {name}-separated values" in note for note in checked.result.normalizations)


def test_a_comma_file_says_comma_and_adds_no_note():
    checked = check(CONTACTS, b"emailAddress\na@example.com\n")
    assert checked.result.delimiter == "comma"
    assert not any("separated" in note for note in checked.result.normalizations)


def test_values_holding_commas_or_quotes_are_quoted_in_the_comma_copy():
    content = b'emailAddress;attributesData\na@example.com;"{""name"": ""Doe, Jane""}"\nb@example.com;{"plan":"pro"}\n'
    checked = check(CONTACTS, content, block_bytes=16)
    assert checked.result.rejection is None, checked.report.text
    assert checked.output_rows == [
        ["emailAddress", "attributesData"],
        ["a@example.com", '{"name": "Doe, Jane"}'],
        ["b@example.com", '{"plan":"pro"}'],
    ]


def test_a_headerless_suppression_file_with_semicolons_is_read():
    checked = check(SUPPRESS_PUT, b"a@example.com;bounce\nb@example.com;COMPLAINT\n")
    assert checked.result.rejection is None
    assert checked.output.text == "a@example.com,BOUNCE\nb@example.com,COMPLAINT\n"


def test_rows_of_a_semicolon_file_are_reported_with_their_own_line_numbers():
    content = b"emailAddress;unsubscribeAll\na@example.com;false\nnot-an-address;true\nc@example.com;maybe;x\n"
    checked = check(CONTACTS, content, block_bytes=8)
    assert [(r["row"], r["code"]) for r in checked.report_rows] == [("3", "INVALID_EMAIL"), ("4", "WRONG_COLUMN_COUNT")]


_CELL = st.sampled_from(["", "true", "FALSE", "maybe", "OPT_IN", "x,y", 'say "hi"', '{"a":1}', "; in it", " spaced"])
_ADDRESS = st.sampled_from(["a@example.com", "A@Example.com", "b.c@d-e.org", "bad", "", " z@example.io"])


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.tuples(_ADDRESS, _CELL, _CELL), min_size=1, max_size=30),
    block_bytes=st.sampled_from([7, 64, 1 << 20]),
)
def test_a_semicolon_file_decides_exactly_like_the_same_file_with_commas(rows, block_bytes):
    def written(delimiter: str) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
        writer.writerow(["emailAddress", "unsubscribeAll", "attributesData"])
        writer.writerows(rows)
        return out.getvalue().encode()

    commas = check(CONTACTS, written(","), block_bytes=block_bytes)
    semicolons = check(CONTACTS, written(";"), block_bytes=block_bytes)
    assert (semicolons.result.rejection is None) == (commas.result.rejection is None)
    assert semicolons.output.text == commas.output.text
    reported = [(r["row"], r["code"]) for r in semicolons.report_rows]
    assert reported == [(r["row"], r["code"]) for r in commas.report_rows]


def test_the_notification_says_which_delimiter_was_read_unless_comma():
    from listdrop.wording import checks_lines

    checks = {"rowsTotal": 2, "rowsAccepted": 2, "rowsRejected": 0, "duplicates": 0, "delimiter": "semicolon"}
    assert checks_lines(checks)["rows"] == "2 of 2 rows accepted (read as semicolon-separated)"
    assert checks_lines({**checks, "delimiter": "comma"})["rows"] == "2 of 2 rows accepted"

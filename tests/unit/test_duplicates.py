"""Duplicates are reported as duplicates: left out and listed, but not invalid rows under the invalid-row policy."""

from __future__ import annotations

from tests.unit.test_validation import CONTACTS, CONTACTS_JSON, SUPPRESS_PUT, check, rejected


def _contacts(valid: int, duplicates: int, invalid: int) -> bytes:
    rows = [f"u{i}@example.com" for i in range(valid)]
    rows += [f"U{i % valid}@Example.com" for i in range(duplicates)]  # case-different repeats
    rows += [f"not-an-address-{i}" for i in range(invalid)]
    return ("emailAddress\n" + "".join(f"{row}\n" for row in rows)).encode()


def test_case_different_duplicates_do_not_count_toward_the_invalid_row_threshold():
    # 10 of 20 rows are repeats: left out as duplicates, and the file is imported under a 10% policy.
    checked = check(CONTACTS, _contacts(valid=10, duplicates=10, invalid=0), percent=10)
    result = checked.result
    assert result.rejection is None
    assert (result.total_rows, result.accepted_rows, result.rejected_rows) == (20, 10, 10)
    assert (result.duplicate_rows, result.invalid_rows) == (10, 0)
    assert result.to_dict()["rowsInvalid"] == 0 and result.to_dict()["duplicates"] == 10


def test_the_share_of_invalid_rows_is_taken_of_the_rows_that_are_not_duplicates():
    # 1 invalid of 10 rows that are not duplicates is 10%: allowed; with one fewer valid row, 1 of 9 is not.
    assert check(CONTACTS, _contacts(valid=9, duplicates=30, invalid=1), percent=10).result.rejection is None
    checked = check(CONTACTS, _contacts(valid=8, duplicates=30, invalid=1), percent=10)
    assert checked.result.rejection is not None
    assert checked.result.rejection.code == "TOO_MANY_INVALID_ROWS"
    assert checked.result.rejection.reason.startswith("1 of 9 rows (besides 30 duplicates) are invalid")
    assert rejected(CONTACTS, _contacts(valid=1, duplicates=0, invalid=1), percent=10) == "TOO_MANY_INVALID_ROWS"


def test_the_report_still_lists_each_duplicate_and_says_it_is_not_invalid():
    checked = check(CONTACTS, _contacts(valid=2, duplicates=2, invalid=1), percent=100)
    codes = [(row["row"], row["code"]) for row in checked.report_rows]
    assert codes == [("4", "DUPLICATE_ADDRESS"), ("5", "DUPLICATE_ADDRESS"), ("6", "INVALID_EMAIL")]
    assert "not counted as invalid" in checked.report_rows[0]["reason"]


def test_duplicates_in_json_lines_and_suppression_files_are_left_out_of_the_threshold_too():
    lines = b'{"emailAddress": "a@example.com"}\n{"emailAddress": "A@EXAMPLE.COM"}\n'
    json_result = check(CONTACTS_JSON, lines, percent=0).result
    assert json_result.rejection is None and (json_result.duplicate_rows, json_result.invalid_rows) == (1, 0)
    suppression = check(SUPPRESS_PUT, b"a@example.com,BOUNCE\na@example.com,COMPLAINT\n", percent=0).result
    assert suppression.rejection is None and suppression.duplicate_rows == 1


def test_a_file_of_one_address_repeated_imports_that_address_once():
    checked = check(CONTACTS, b"emailAddress\n" + b"same@example.com\n" * 1000, percent=0)
    assert checked.result.rejection is None
    assert checked.result.accepted_rows == 1 and checked.result.duplicate_rows == 999

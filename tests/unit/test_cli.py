"""`listdrop validate`: the same checks as the pipeline, on a local file, with an exit status scripts can use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from listdrop.cli import main

CONTACTS = "imports/ses/contact-lists/Newsletter/put/"


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_a_good_file_is_accepted_and_its_normalized_copy_written(tmp_path, capsys):
    source = write(tmp_path, "list.csv", b"\xef\xbb\xbfEmail\r\na@example.com\r\n")
    normalized = tmp_path / "out.csv"
    assert main(["validate", str(source), "--to", CONTACTS, "--output", str(normalized)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("ACCEPTED: SES contact list 'Newsletter'")
    assert "normalized: removed the UTF-8 byte order mark" in printed
    assert normalized.read_text() == "emailAddress\na@example.com\n"


def test_rows_left_out_are_listed_and_a_rejected_file_exits_1(tmp_path, capsys):
    source = write(tmp_path, "list.csv", b"emailAddress\na@example.com\njane.doe@@example.com\n")
    assert main(["validate", str(source), "--to", "ses/contact-lists/Newsletter/put"]) == 1
    printed = capsys.readouterr().out
    assert "REJECTED (TOO_MANY_INVALID_ROWS)" in printed
    assert "3,emailAddress,j***@e***.com,INVALID_EMAIL" in printed
    assert "jane.doe" not in printed
    assert main(["validate", str(source), "--to", CONTACTS, "--max-invalid-percent", "50"]) == 0


def test_the_full_report_can_be_written_to_a_file(tmp_path, capsys):
    rows = b"".join(b"bad%d\n" % i for i in range(30)) + b"a@example.com\n" * 1
    source = write(tmp_path, "list.csv", b"emailAddress\n" + rows)
    report = tmp_path / "report.csv"
    assert main(["validate", str(source), "--to", CONTACTS, "--report", str(report)]) == 1
    assert len(report.read_text().splitlines()) == 31  # header and the 30 bad rows
    assert f"report: {report}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--to", "ses/nowhere/put"], "Unknown SES destination"),
        (["--to", CONTACTS, "--max-invalid-percent", "150"], "between 0 and 100"),
    ],
)
def test_usage_errors_exit_2_with_the_reason(tmp_path, capsys, arguments, message):
    source = write(tmp_path, "list.csv", b"emailAddress\na@example.com\n")
    assert main(["validate", str(source), *arguments]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "code"),
    [("notes.txt", "UNSUPPORTED_EXTENSION"), ("ana@example.com.csv", "KEY_CONTAINS_ADDRESS")],
)
def test_a_file_the_key_rules_refuse_exits_1_with_the_reason_not_blaming_to(tmp_path, capsys, name, code):
    source = write(tmp_path, name, b"emailAddress\na@example.com\n")
    assert main(["validate", str(source), "--to", CONTACTS]) == 1
    printed = capsys.readouterr()
    assert printed.out.startswith(f"REJECTED ({code})") and "--to" not in printed.err
    assert "@" not in printed.out


def test_a_missing_file_exits_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.csv"), "--to", CONTACTS]) == 2


def test_the_command_runs_as_a_module(tmp_path):
    source = write(tmp_path, "list.jsonl", b'{"emailAddress": "a@example.com"}\n')
    completed = subprocess.run(
        [sys.executable, "-m", "listdrop.cli", "validate", str(source), "--to", CONTACTS],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(Path(__file__).resolve().parents[2] / "functions"), "PATH": "/usr/bin:/bin"},
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("ACCEPTED")


def test_a_reader_that_closes_the_pipe_gets_no_traceback(tmp_path):
    """`listdrop ... | head`: the reader goes away before the command writes; it stops quietly."""
    rows = b"".join(b"not-an-address-%d\n" % n for n in range(50))
    source = write(tmp_path, "bad.csv", b"emailAddress\n" + rows)
    process = subprocess.Popen(
        [sys.executable, "-m", "listdrop.cli", "validate", str(source), "--to", CONTACTS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PYTHONPATH": str(Path(__file__).resolve().parents[2] / "functions"), "PATH": "/usr/bin:/bin"},
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # before the interpreter has even started: its first write finds no reader
    errors = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1
    assert "Traceback" not in errors and "BrokenPipeError" not in errors, errors


MAIL_MANAGER = "imports/mail-manager/address-lists/al-1/"


def test_a_mail_manager_json_document_is_checked_and_written_as_the_csv_the_job_gets(tmp_path, capsys):
    source = write(tmp_path, "partners.json", b'{"items": [{"address": "a@example.com"}, {"address": "*@b.example"}]}')
    normalized = tmp_path / "out.csv"
    assert main(["validate", str(source), "--to", MAIL_MANAGER, "--output", str(normalized)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("ACCEPTED: Mail Manager address list al-1")
    assert "normalized: converted JSON to CSV with the header 'address'" in printed
    assert normalized.read_text() == "address\na@example.com\n*@b.example\n"


def test_a_mail_manager_delete_prefix_is_refused(tmp_path, capsys):
    source = write(tmp_path, "old.csv", b"address\na@example.com\n")
    assert main(["validate", str(source), "--to", MAIL_MANAGER + "delete/"]) == 2
    assert "only add addresses" in capsys.readouterr().err


def test_the_delimiter_read_is_printed_and_the_output_is_comma_separated(tmp_path, capsys):
    source = write(tmp_path, "export.csv", b"Email;unsubscribeAll\na@example.com;TRUE\n")
    normalized = tmp_path / "out.csv"
    assert main(["validate", str(source), "--to", CONTACTS, "--output", str(normalized)]) == 0
    printed = capsys.readouterr().out
    assert "  delimiter: semicolon\n" in printed
    assert "normalized: read semicolon-separated values" in printed
    assert normalized.read_text() == "emailAddress,unsubscribeAll\na@example.com,true\n"


def test_duplicates_are_left_out_without_counting_against_the_invalid_row_policy(tmp_path, capsys):
    source = write(tmp_path, "list.csv", b"emailAddress\na@example.com\nA@EXAMPLE.COM\n")
    assert main(["validate", str(source), "--to", CONTACTS, "--max-invalid-percent", "0"]) == 0
    printed = capsys.readouterr().out
    assert "1 left out (1 duplicate)" in printed and "DUPLICATE_ADDRESS" in printed


def test_gzip_and_zip_files_are_checked_as_the_file_they_hold(tmp_path, capsys):
    import gzip
    import io
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("list.csv", "emailAddress\na@example.com\n")
    for name, content in (
        ("list.csv.gz", gzip.compress(b"emailAddress\na@example.com\n")),
        ("list.csv.zip", archive.getvalue()),
    ):
        normalized = tmp_path / f"{name}.out"
        source = write(tmp_path, name, content)
        assert main(["validate", str(source), "--to", CONTACTS, "--output", str(normalized)]) == 0
        assert "rows: 1 checked, 1 would be imported" in capsys.readouterr().out
        assert normalized.read_text() == "emailAddress\na@example.com\n"


def test_an_archive_that_cannot_be_opened_or_decompresses_past_the_limit_is_rejected(tmp_path, capsys):
    import gzip

    source = write(tmp_path, "list.csv.zip", b"not a zip")
    assert main(["validate", str(source), "--to", CONTACTS]) == 1
    assert "REJECTED (CORRUPT_ARCHIVE): list.csv.zip" in capsys.readouterr().out
    bomb = write(tmp_path, "bomb.csv.gz", gzip.compress(b"emailAddress\n" + b"\n" * 10_000_000))
    assert main(["validate", str(bomb), "--to", CONTACTS, "--max-bytes", "1000000"]) == 1
    assert "REJECTED (FILE_TOO_LARGE)" in capsys.readouterr().out


def test_a_file_over_one_jobs_limit_says_how_many_jobs_it_would_be_split_into(tmp_path, capsys):
    source = write(tmp_path, "many.csv", "".join(f"u{n}@example.com\n" for n in range(25_001)).encode())
    assert main(["validate", str(source), "--to", "ses/suppression-list/delete"]) == 0
    out = capsys.readouterr().out
    assert "ACCEPTED" in out
    assert "  jobs: more rows than one job takes, so in 3 jobs of at most 10,000 rows\n" in out

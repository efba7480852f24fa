"""Progress of long work: on stderr only, on a terminal by default, forced by --progress, silenced by
--no-progress; throttled by a clock (a fake one here: no test waits)."""

from __future__ import annotations

import io
import json
import re
import sys

import boto3
import pytest

from listdrop.cli import main, progress
from listdrop.cli.progress import ProgressLine, size_text

from .conftest import TABLE

CONTACTS = "imports/ses/contact-lists/Newsletter/put/"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_terminal_gets_one_line_rewritten_at_most_once_an_interval():
    clock, err = FakeClock(), Terminal()
    line = ProgressLine(err, wanted=None, clock=clock)
    assert line.enabled and not line.due()  # quick work shows nothing
    clock.now += progress.TERMINAL_INTERVAL_SECONDS
    assert line.due()
    line.show("checked 1,000 rows")
    assert not line.due()  # not again within the interval
    clock.now += progress.TERMINAL_INTERVAL_SECONDS
    assert line.due()
    line.show("checked 2 rows")
    line.done("all 3 rows")
    assert err.getvalue() == "\rchecked 1,000 rows\rchecked 2 rows    \rall 3 rows    \n"


def test_a_forced_report_into_a_log_is_one_line_each_and_rarer():
    clock, err = FakeClock(), io.StringIO()
    assert not ProgressLine(err, wanted=None, clock=clock).enabled  # not a terminal: nothing by default
    line = ProgressLine(err, wanted=True, clock=clock)
    clock.now += progress.TERMINAL_INTERVAL_SECONDS
    assert not line.due()
    clock.now += progress.LOG_INTERVAL_SECONDS
    assert line.due()
    line.show("moved 10")
    line.done("moved 12")
    assert err.getvalue() == "moved 10\nmoved 12\n"


def test_no_progress_silences_even_a_terminal_and_unshown_work_prints_nothing_at_the_end():
    clock, err = FakeClock(), Terminal()
    line = ProgressLine(err, wanted=False, clock=clock)
    clock.now += 3600
    assert not line.enabled and not line.due()
    line.done("final")
    ProgressLine(err, wanted=True, clock=clock).done("final")  # nothing was due: no final line either
    assert err.getvalue() == ""


def test_a_reporter_describes_the_work_only_when_a_report_is_due():
    clock, err, described = FakeClock(), io.StringIO(), []

    def describe(rows: int, read: int) -> str:
        described.append(rows)
        return f"checked {rows} rows, {read} bytes"

    report = ProgressLine(err, wanted=True, clock=clock).reporter(describe)
    report(1, 10)
    clock.now += progress.LOG_INTERVAL_SECONDS
    report(2, 20)
    report(3, 30)
    assert described == [2] and err.getvalue() == "checked 2 rows, 20 bytes\n"


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 bytes"), (900, "900 bytes"), (1024, "1.0 KiB"), (512 * 2**20, "512 MiB"), (2**30, "1.0 GiB")],
)
def test_sizes_read_in_binary_units(size, text):
    assert size_text(size) == text


@pytest.fixture
def every_block(monkeypatch):
    """A report at every chance: the checker's every 256 KiB block, redrive's every batch."""
    monkeypatch.setattr(progress, "LOG_INTERVAL_SECONDS", 0.0)
    monkeypatch.setattr(progress, "TERMINAL_INTERVAL_SECONDS", 0.0)


def test_validate_reports_rows_and_bytes_on_stderr_and_keeps_stdout_for_the_verdict(tmp_path, capsys, every_block):
    rows = 60_000
    source = tmp_path / "big.csv"
    source.write_bytes(b"emailAddress\n" + b"".join(b"user%d@example.com\n" % n for n in range(rows)))
    size = source.stat().st_size
    assert size > 4 * 256 * 1024
    assert main(["validate", str(source), "--to", CONTACTS, "--progress"]) == 0
    printed = capsys.readouterr()
    assert printed.out.startswith("ACCEPTED: SES contact list 'Newsletter'") and "%)" not in printed.out
    lines = printed.err.splitlines()
    assert len(lines) >= 4
    shape = re.compile(r"checked [\d,]+ rows \([\d.,]+ (KiB|MiB) of 1\.\d MiB, (\d+)%\)")
    shares = [int(shape.fullmatch(line).group(2)) for line in lines]  # type: ignore[union-attr]
    assert shares == sorted(shares) and shares[0] < 50
    assert lines[-1] == f"checked {rows:,} rows ({size_text(size)} of {size_text(size)}, 100%)"
    assert "@" not in printed.err


def test_validate_shows_no_progress_with_no_progress_nor_by_default_off_a_terminal(
    tmp_path, capsys, monkeypatch, every_block
):
    source = tmp_path / "list.csv"
    source.write_bytes(b"emailAddress\n" + b"".join(b"u%d@example.com\n" % n for n in range(40_000)))
    assert main(["validate", str(source), "--to", CONTACTS]) == 0
    assert capsys.readouterr().err == ""
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["validate", str(source), "--to", CONTACTS, "--no-progress"]) == 0
    assert terminal.getvalue() == ""
    assert main(["validate", str(source), "--to", CONTACTS]) == 0  # a terminal: shown by default
    assert terminal.getvalue().startswith("\rchecked ") and terminal.getvalue().endswith("100%)\n")


def test_redrive_reports_messages_moved_of_the_approximate_count_on_stderr(aws, capsys, every_block):
    sqs = boto3.client("sqs", region_name="us-east-1")
    dlq = sqs.create_queue(QueueName="ingest-dlq")["QueueUrl"]
    queue = sqs.create_queue(QueueName="ingest")["QueueUrl"]
    for number in range(23):
        sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps({"n": number}))
    assert main(["redrive", "--dead-letter-queue-url", dlq, "--queue-url", queue, "--progress"]) == 0
    printed = capsys.readouterr()
    assert printed.err.splitlines() == [
        "moved 10 of about 23 messages",
        "moved 20 of about 23 messages",
        "moved 23 of about 23 messages",
        "moved 23 of about 23 messages",  # the final figures
    ]
    assert "moved" not in printed.out
    assert "Moved 23 messages; 0 left in the dead-letter queue." in printed.out


def test_a_forced_scan_progress_goes_to_stderr_off_a_terminal_too(aws, capsys):
    table = aws["table"]
    for number in range(4):
        table.put_item(Item={"trackingId": f"{number:040d}", "status": "CLAIMED", "createdAt": "2026-11-30"})
    assert main(["jobs", "list", "--table", TABLE, "--page-size", "1", "--progress"]) == 0
    printed = capsys.readouterr()
    assert printed.err.splitlines()[-1] == "scanning the job table: 4 pages, 4 items read, 4 matching"
    assert "scanning" not in printed.out
    assert main(["jobs", "list", "--table", TABLE, "--page-size", "1", "--no-progress"]) == 0
    assert capsys.readouterr().err == ""

"""The smoke test's checks: one row each, with its result and the time it took, and the table at the end.

A check body raises CheckFailed (or lets an AWS ClientError through) to fail, Skipped when this account cannot
be checked that way; anything else it returns is a pass. Every sentence printed goes through redact_emails.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

from listdrop.privacy import redact_emails

PASS = "PASS"  # noqa: S105 - a check result, not a password
FAIL = "FAIL"
SKIP = "SKIP"
MAX_DETAIL = 160  # characters of detail per table row; the line printed when the check ran holds it all


class CheckFailed(Exception):
    """The check found something wrong; the message says what (and, where it can, what to do)."""


class Skipped(Exception):
    """This check cannot be made here (a feature the account lacks, an option); the message says why."""


@dataclass(frozen=True)
class Check:
    phase: int
    name: str
    status: str
    seconds: float
    detail: str


class Row:
    """What a running check reports: a detail line, and after the block whether it passed."""

    def __init__(self) -> None:
        self.detail = ""
        self.status = PASS

    @property
    def passed(self) -> bool:
        return self.status == PASS


class Report:
    def __init__(self, out: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self._out = out
        self._clock = clock
        self._phase = 0
        self._progress_shown = False
        self.checks: list[Check] = []

    def phase(self, number: int, title: str) -> None:
        self.progress_done()
        self._phase = number
        self._write(f"\n== {number}. {title} ==\n")

    @contextmanager
    def check(self, name: str) -> Iterator[Row]:
        """Time the block and record its result; a failure inside ends the block, not the run."""
        row = Row()
        started = self._clock()
        try:
            yield row
        except CheckFailed as failure:
            row.status, row.detail = FAIL, str(failure)
        except Skipped as skipped:
            row.status, row.detail = SKIP, str(skipped)
        except Exception as error:
            if not _is_client_error(error):
                raise
            row.status, row.detail = FAIL, describe_client_error(error)
        self.record(name, row.status, self._clock() - started, row.detail)

    def record(self, name: str, status: str, seconds: float, detail: str = "") -> None:
        self.progress_done()
        check = Check(self._phase, name, status, max(seconds, 0.0), redact_emails(detail))
        self.checks.append(check)
        suffix = f": {check.detail}" if check.detail else ""
        self._write(f"  {check.status}  {name} ({_duration(check.seconds)}){suffix}\n")

    def note(self, text: str) -> None:
        self.progress_done()
        self._write(f"  {redact_emails(text)}\n")

    def now(self) -> float:
        return self._clock()

    def progress(self, text: str, changed: bool) -> None:
        """A progress line: rewritten in place on a terminal; elsewhere (a log, CI) printed when it changed."""
        if self._out.isatty():
            self._progress_shown = True
            self._write(f"\r  {text}".ljust(79))
        elif changed:
            self._write(f"  {text}\n")

    def progress_done(self) -> None:
        if self._progress_shown:
            self._write("\n")
            self._progress_shown = False

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if check.status == FAIL]

    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def table(self) -> str:
        header = ["CHECK", "RESULT", "TIME", "DETAIL"]
        rows = [
            [f"{c.phase}. {c.name}", c.status, _duration(c.seconds), _shorten(c.detail, MAX_DETAIL)]
            for c in self.checks
        ]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
        lines = [
            "  ".join([*(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])), row[3]]).rstrip()
            for row in [header, *rows]
        ]
        return "\n".join(lines) + "\n" + self.summary() + "\n"

    def summary(self) -> str:
        counts = {status: sum(1 for c in self.checks if c.status == status) for status in (PASS, FAIL, SKIP)}
        skipped = f", {counts[SKIP]} skipped (not verified, see why above)" if counts[SKIP] else ""
        if self.failed:
            names = ", ".join(c.name for c in self.failed)
            return f"Smoke test FAILED: {counts[FAIL]} of {len(self.checks)} checks failed ({names}){skipped}."
        return f"Smoke test PASSED: {counts[PASS]} checks passed{skipped}."

    def _write(self, text: str) -> None:
        self._out.write(text)
        self._out.flush()


class Progress:
    """The progress line while the smoke test waits: what has arrived, and for how long it has waited."""

    def __init__(self, report: Report, status: Callable[[], str], started: float, timeout: float) -> None:
        self._report = report
        self._status = status
        self._started = started
        self._timeout = timeout
        self._last = ""

    def __call__(self) -> None:
        status = self._status()
        elapsed = self._report.now() - self._started
        self._report.progress(
            f"waiting: {status}, {elapsed:.0f} s of at most {self._timeout:g} s", status != self._last
        )
        self._last = status

    def done(self) -> None:
        self._report.progress_done()


def _is_client_error(error: BaseException) -> bool:
    from botocore.exceptions import ClientError

    return isinstance(error, ClientError)


def describe_client_error(error: Any) -> str:
    """`Code: message (Operation)`, the way AWS said it: an AccessDenied names the missing permission."""
    info = error.response.get("Error", {})
    code = info.get("Code") or "Error"
    message = info.get("Message") or str(error)
    return redact_emails(f"{code}: {message} ({error.operation_name})")


def _duration(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 100 else f"{seconds / 60:.1f} min"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."

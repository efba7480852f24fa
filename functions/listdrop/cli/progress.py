"""Progress of long work, on stderr, so that stdout holds only the result.

Shown by default only when stderr is a terminal: one line, rewritten in place, at most once a second.
`--progress` forces it elsewhere too (a log, CI): one line per report, at most one every ten seconds.
`--no-progress` silences it. A report that is not due costs one clock read, so the work is not slowed.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import ParamSpec, TextIO

Args = ParamSpec("Args")

TERMINAL_INTERVAL_SECONDS = 1.0
LOG_INTERVAL_SECONDS = 10.0


def add_progress_option(parser: argparse.ArgumentParser, what: str) -> None:
    """--progress / --no-progress (default: only on a terminal)."""
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"report {what} on stderr; by default only when stderr is a terminal (--no-progress: never)",
    )


class ProgressLine:
    """Reports of one piece of long work: `line.reporter(describe)` as its callback (or `if line.due():
    line.show(text)`), then `line.done(final figures)`."""

    def __init__(
        self,
        err: TextIO,
        *,
        wanted: bool | None,
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._err = err
        self._terminal = err.isatty()
        self.enabled = self._terminal if wanted is None else wanted
        if interval is None:
            interval = TERMINAL_INTERVAL_SECONDS if self._terminal else LOG_INTERVAL_SECONDS
        self._interval = interval
        self._clock = clock
        self._last = clock()  # the first report comes one interval in: quick work shows none
        self._width = 0
        self._shown = False

    def due(self) -> bool:
        """Whether a report is wanted now (then the caller formats it and calls show)."""
        if not self.enabled:
            return False
        now = self._clock()
        if now - self._last < self._interval:
            return False
        self._last = now
        return True

    def show(self, text: str) -> None:
        if self._terminal:
            self._err.write("\r" + text.ljust(self._width))  # padded over a longer previous line
            self._width = len(text)
        else:
            self._err.write(text + "\n")
        self._err.flush()
        self._shown = True

    def reporter(self, describe: Callable[Args, str]) -> Callable[Args, None]:
        """A progress callback for long work: each call reports when a report is due, described only then."""

        def report(*args: Args.args, **kwargs: Args.kwargs) -> None:
            if self.due():
                self.show(describe(*args, **kwargs))

        return report

    def done(self, final: str | None = None) -> None:
        """The work ended: once anything was shown, the final figures (if given), and the line ended."""
        if not self._shown:
            return
        if final is not None:
            self.show(final)
        if self._terminal:
            self._err.write("\n")
            self._err.flush()


def size_text(size: int) -> str:
    """`900 bytes`, `512 KiB`, `1.5 MiB`, `1.0 GiB`: two or three figures, for a progress line."""
    if size < 1024:
        return f"{size:,} bytes"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            break
    return f"{value:.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"

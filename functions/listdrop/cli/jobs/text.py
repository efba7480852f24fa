"""How `listdrop jobs` prints: tables, times, counts; every line through privacy.redact_emails."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TextIO

from listdrop.job_records import Job
from listdrop.job_store import Attribute
from listdrop.privacy import redact_emails


def write(stream: TextIO, text: str) -> None:
    """Every line the command prints: with anything shaped like an e-mail address replaced."""
    stream.write(redact_emails(text))


def print_table(out: TextIO, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        write(out, "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() + "\n")


def newest(items: Iterator[Any], limit: int | None, *, key: Callable[[Any], Any]) -> list[Any]:
    """The `limit` largest by key, largest first, holding no more than `limit` items (0 or None: all)."""
    if not limit:
        return sorted(items, key=key, reverse=True)
    return heapq.nlargest(limit, items, key=key)


def status_text(job: Job) -> str:
    provider_status = job.get(Attribute.PROVIDER_STATUS)
    if provider_status and provider_status != job.status:
        return f"{job.status} ({provider_status})"
    return job.status


def records_text(records: tuple[int | None, int | None] | None, *, long: bool = False) -> str:
    if records is None:
        return "-" if not long else "none reported"
    processed, failed = records
    if long:
        return f"{processed or 0:,} processed, {failed or 0:,} failed"
    return f"{processed or 0:,}/{failed or 0:,}"


def short_time(value: Any) -> str:
    moment = _time(value)
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def long_time(value: Any) -> str:
    moment = _time(value)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z") if moment else "-"


def json_default(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)

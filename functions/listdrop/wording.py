"""How counts, actions and checks read in the sentences people see: the event's summary and notice, and so every
notification (infra/constructs/notifications.py). The event's own fields stay numbers."""

from __future__ import annotations

from typing import Any

from listdrop.models import Action

NONE_TEXT = "none"


def count(number: int, noun: str) -> str:
    """`1 row`, `2 rows`, `50,000 rows`: the number with thousands separators and the noun agreeing with it."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def one_line(text: str) -> str:
    """The text with its line breaks made spaces: each notification line holds exactly one value (see
    infra/constructs/notifications.py), so the summary comes first and the event's JSON line last."""
    return " ".join(text.splitlines())


def what_happened(action: str, destination: dict[str, Any], uri: str) -> str:
    """The action, where it went and the file it came from, with the preposition each action takes: records are
    PUT into a destination from a file, and deleted from it as a file lists them; an export request asks for an
    export of SES data (the destination's label names it) from the request file. For a key whose action is not
    known: the file, and the destination when the key named one."""
    where = destination.get("label") or NONE_TEXT
    if action == Action.PUT.value:
        return f"PUT into {where} from {uri}"
    if action == Action.DELETE.value:
        return f"DELETE from {where} as listed in {uri}"  # noqa: S608 (a sentence for people, not SQL)
    if action == Action.SYNC.value:
        return f"SYNC {where} with {uri}"
    if action == Action.EXPORT.value:
        return f"{where} from {uri}"
    return f"{uri} for {where}" if destination.get("type") else uri


def checks_lines(checks: dict[str, Any] | None) -> dict[str, str]:
    """The notification's `Checked:` and `Rows left out:` lines (notice.rows, notice.rowReport) for what reading
    the file found (the event's `checks`): `1,000 of 1,010 rows accepted, 10 left out (2 duplicates)`, an export's
    `request: ...`, or `none` when the file was not read."""
    if checks and "request" in checks:
        return {"rows": one_line(f"request: {checks['request']}"), "rowReport": NONE_TEXT}
    if not checks or "rowsTotal" not in checks:
        return {"rows": NONE_TEXT, "rowReport": NONE_TEXT}
    rows = f"{checks['rowsAccepted']:,} of {count(checks['rowsTotal'], 'row')} accepted"
    left_out = checks["rowsRejected"]
    if left_out:
        rows += f", {left_out:,} left out ({count(checks['duplicates'], 'duplicate')})"
    delimiter = checks.get("delimiter")
    if delimiter not in (None, "comma"):
        rows += f" (read as {delimiter}-separated)"
    if (checks.get("jobs") or 1) > 1:
        rows += f", {in_jobs(checks['jobs'], checks['rowsPerJob'])}"
    return {"rows": rows, "rowReport": checks.get("report") or NONE_TEXT}


def in_jobs(jobs: int, rows_per_job: int) -> str:
    """How a file over one job's limit is imported: `in 3 jobs of at most 10,000 rows`."""
    return f"in {jobs:,} jobs of at most {count(rows_per_job, 'row')}"


def row_range(first: int, last: int) -> str:
    """`row 7` or `rows 10,001-20,000`: rows of the checked copy (the accepted rows, in the file's order)."""
    return f"row {first:,}" if first == last else f"rows {first:,}-{last:,}"


def split_outcome(
    jobs: int, imported: list[tuple[int, int]], not_imported: list[tuple[int, int, str, str, str | None]]
) -> str:
    """The reason of a split upload whose jobs did not all succeed: which rows of the checked copy were imported
    (ranges), and which were not (ranges, each with its job id, the job's status and its own reason)."""
    done = "; ".join(row_range(first, last) for first, last in imported) or "none"
    failed = "; ".join(
        f"{row_range(first, last)} ({f'job {job_id}, ' if job_id else ''}{status}{': ' + reason if reason else ''})"
        for first, last, job_id, status, reason in not_imported
    )
    return (
        f"{len(not_imported):,} of the {jobs:,} jobs the file was split into did not succeed. "
        f"Imported: {done}. Not imported: {failed}. Rows are those of the checked copy, in the file's order."
    )

"""`listdrop validate FILE --to DESTINATION`: the starter's checks, on a local file, before it is uploaded.

Progress (rows checked, bytes read of the file's size) goes to stderr: by default only on a terminal, and only
once a check takes more than a second.

Exit status: 0 when the file would be imported (possibly with rows left out), 1 when it would be rejected, 2 on a
usage error.
"""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path
from typing import TextIO

from listdrop import keys, routing
from listdrop.cli.progress import ProgressLine, add_progress_option, size_text
from listdrop.errors import RejectedFile
from listdrop.export_request import MAX_REQUEST_BYTES, parse_export_request
from listdrop.models import InputKind, Route
from listdrop.privacy import redact_emails
from listdrop.validation import RowPolicy, ValidationResult, check_records
from listdrop.validation.archives import unpacked_reader
from listdrop.validation.report import ReportWriter
from listdrop.validation.sinks import FileSink, NullSink, RecordSink, TextSink
from listdrop.validation.source import declared_encoding
from listdrop.wording import count, in_jobs

DEFAULT_MAX_BYTES = 1024**3
SHOWN_REPORT_ROWS = 20


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = commands.add_parser("validate", help="check a file locally, as the pipeline will, before uploading it")
    check.add_argument("file", type=Path)
    check.add_argument(
        "--to",
        required=True,
        metavar="DESTINATION",
        help="where it would be uploaded: the key prefix, e.g. "
        + ", ".join(_example_prefixes())
        + " ('imports/' may be left out)",
    )
    check.add_argument("--max-invalid-percent", type=float, default=10.0, help="the invalid-row policy (default 10)")
    check.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help="the size limit (default 1 GiB)")
    check.add_argument(
        "--encoding",
        help="the encoding the file is in when it is not UTF-8 (e.g. windows-1252), as its upload would declare it "
        "(S3 metadata charset, or Content-Type '...; charset=...')",
    )
    check.add_argument("--output", type=Path, help="write the normalized file the job would read here")
    check.add_argument("--report", type=Path, help="write the full rejected-rows report (CSV) here")
    add_progress_option(check, "the rows checked so far")
    check.set_defaults(run=run)


def _example_prefixes() -> list[str]:
    """Each provider's example keys without their file name (ProviderSpec.routes)."""
    from listdrop.providers.registry import SPECS

    examples = [example for spec in SPECS for routes in spec.routes for example in routes.example.split(", ")]
    return [example.rsplit("/", 1)[0] + "/" for example in examples]


def run(args: argparse.Namespace, *, out: TextIO, err: TextIO) -> int:
    path: Path = args.file
    if not path.is_file():
        err.write(f"listdrop: {path}: no such file\n")
        return 2
    prefix = args.to.strip("/")
    if not prefix.startswith((routing.IMPORTS_PREFIX, routing.EXPORTS_PREFIX)):
        prefix = routing.IMPORTS_PREFIX + prefix
    try:
        route = routing.route(f"{prefix}/{path.name}")
    except RejectedFile as error:
        if _routes_somewhere(prefix):  # the destination is fine: the file's own name is what S3 would refuse
            out.write(f"REJECTED ({error.code}): {redact_emails(path.name)}\n  {error.reason}\n")
            return 1
        err.write(f"listdrop: --to {args.to}: {error.reason}\n")
        return 2
    try:
        routing.refuse_unsupported_action(route)
        policy = RowPolicy(args.max_invalid_percent)
    except RejectedFile as error:
        err.write(f"listdrop: --to {args.to}: {error.reason}\n")
        return 2
    except ValueError as error:
        err.write(f"listdrop: {error}\n")
        return 2
    try:
        encoding = declared_encoding(None, {"charset": args.encoding} if args.encoding else {})
    except RejectedFile as error:
        err.write(f"listdrop: --encoding: {error.reason}\n")
        return 2
    if route.kind is InputKind.REQUEST:
        return _validate_request(path, route, out)
    size = path.stat().st_size
    if size > args.max_bytes:
        out.write(f"REJECTED (FILE_TOO_LARGE): {size:,} bytes; the limit is {args.max_bytes:,}.\n")
        return 1
    report_lines: list[str] = []
    report_sink: TextSink = FileSink(args.report) if args.report else _Collect(report_lines)
    output: RecordSink = FileSink(args.output) if args.output else NullSink()
    line = ProgressLine(err, wanted=args.progress)
    with path.open("rb") as stream:
        try:
            read, note = unpacked_reader(stream, keys.compression(path.name), max_bytes=args.max_bytes)
        except RejectedFile as error:  # an archive that cannot be opened, as the starter refuses it
            out.write(f"REJECTED ({error.code}): {redact_emails(path.name)}\n  {error.reason}\n")
            return 1
        result = check_records(
            read,
            route,
            output=output,
            report=ReportWriter(report_sink),
            policy=policy,
            progress=line.reporter(partial(progress_text, size=size)) if line.enabled else None,
            notes=(note,) if note else (),
            encoding=encoding,
        )
    # the final figures when the whole file was read; a rejection may have stopped the check early
    line.done(progress_text(result.total_rows, size, size=size) if result.rejection is None else None)
    _print(result, out, route_label=route.destination.label, report_lines=report_lines, report_path=args.report)
    return 0 if result.accepted else 1


def _routes_somewhere(prefix: str) -> bool:
    """Whether some file under the prefix would route (a CSV or a JSON file: every destination takes one)."""
    for probe in ("file.csv", "file.json"):
        try:
            routing.route(f"{prefix}/{probe}")
        except RejectedFile:
            continue
        return True
    return False


def _validate_request(path: Path, route: Route, out: TextIO) -> int:
    """An export request: the same checks as before any CreateExportJob call."""
    try:
        request = parse_export_request(path.read_bytes()[: MAX_REQUEST_BYTES + 1])
    except RejectedFile as rejection:
        out.write(f"REJECTED ({rejection.code}): {route.destination.label}\n  {rejection.reason}\n")
        return 1
    out.write(f"ACCEPTED: {route.destination.label}\n  request: {request.summary}\n")
    return 0


def _print(
    result: ValidationResult, out: TextIO, *, route_label: str, report_lines: list[str], report_path: Path | None
) -> None:
    verdict = "ACCEPTED" if result.rejection is None else f"REJECTED ({result.rejection.code})"
    out.write(f"{verdict}: {route_label}\n")
    if result.rejection is not None:
        out.write(f"  {result.rejection.reason}\n")
    out.write(
        f"  rows: {result.total_rows:,} checked, {result.accepted_rows:,} would be imported, "
        f"{result.rejected_rows:,} left out ({count(result.duplicate_rows, 'duplicate')})\n"
    )
    if result.delimiter is not None:
        out.write(f"  delimiter: {result.delimiter}\n")
    if result.jobs > 1 and result.rows_per_job is not None:
        out.write(f"  jobs: more rows than one job takes, so {in_jobs(result.jobs, result.rows_per_job)}\n")
    for note in result.normalizations:
        out.write(f"  normalized: {note}\n")
    if result.rejected_rows and report_path is not None:
        out.write(f"  report: {report_path}\n")
    elif result.rejected_rows:
        rows = "".join(report_lines).splitlines()
        out.write("  report (row, column, value, code, reason):\n")
        for line in rows[1 : SHOWN_REPORT_ROWS + 1]:
            out.write(f"    {line}\n")
        if len(rows) - 1 > SHOWN_REPORT_ROWS:
            out.write(f"    ... and {len(rows) - 1 - SHOWN_REPORT_ROWS:,} more (use --report FILE for all)\n")


class _Collect:
    """Keeps the report in memory, for printing; only the first rows are kept, whatever the file."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines
        self._kept = 0

    def write(self, text: str) -> None:
        if self._kept < 1 << 16:
            self._lines.append(text)
            self._kept += len(text)

    def close(self) -> None:
        return None

    def abort(self) -> None:
        return None


def progress_text(rows: int, bytes_read: int, *, size: int) -> str:
    """`checked 1,200,000 rows (512 MiB of 1.0 GiB, 50%)`: what the checker's progress callback (rows, bytes read)
    reports. bench/validation.py measures what the callback costs."""
    share = min(100, bytes_read * 100 // max(size, 1))
    return f"checked {count(rows, 'row')} ({size_text(bytes_read)} of {size_text(size)}, {share}%)"

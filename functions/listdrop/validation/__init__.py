"""Reads a whole file once, before any job starts: checks every row against the destination's documented
format, writes the normalized file the job will read, and a report of every row it left out.

One engine (engine.py) reads every file; a layout (layout.py, layouts/) supplies what differs between
destinations. Memory stays bounded whatever the file size: the file is read in blocks, written out in parts,
and the only structure that grows is the duplicate-address set, which is capped by the most records one upload
may hold (a job's limit times the jobs a file may be split into, formats.MAX_JOBS_PER_UPLOAD).
"""

from collections.abc import Callable

from listdrop.models import DataFormat, Route
from listdrop.validation.engine import Progress, RecordChecker, ValidationResult, check_file
from listdrop.validation.formats import FileSpec, spec_for
from listdrop.validation.layout import Layout
from listdrop.validation.policy import RowPolicy
from listdrop.validation.report import ReportWriter
from listdrop.validation.sinks import RecordSink

__all__ = [
    "FileSpec",
    "Layout",
    "RecordChecker",
    "RowPolicy",
    "ValidationResult",
    "check_records",
    "layout_for",
    "spec_for",
    "staged_format",
]


def layout_for(route: Route) -> Layout:
    """The layout of the files a route's destination takes, as its provider's spec names it (ProviderSpec.layout)."""
    # The registry imports the providers, which import the layouts: read it when called, not at import.
    from listdrop.providers.registry import spec_of

    layout = spec_of(route.provider).layout
    if layout is None:
        raise ValueError(f"the {route.provider} provider takes a request file, not records")
    return layout(route)


def staged_format(route: Route) -> DataFormat:
    """The format of the checked copy a job reads, which its provider declares to the API: the upload's own,
    except for Mail Manager, whose copy is always the documented CSV (formats.MAIL_MANAGER_STAGED_FORMAT)."""
    return layout_for(route).staged_format


def check_records(
    read: Callable[[int], bytes],
    route: Route,
    *,
    output: RecordSink,
    report: ReportWriter,
    policy: RowPolicy,
    progress: Progress | None = None,
    notes: tuple[str, ...] = (),
    encoding: str | None = None,
) -> ValidationResult:
    """Check a records file against its destination's layout, in one pass; `notes` say what was done to it before
    (decompressed, archives.py); `encoding` is the one it declares (source.declared_encoding), None for UTF-8."""
    layout = layout_for(route)
    return check_file(
        read, layout, output=output, report=report, policy=policy, progress=progress, notes=notes, encoding=encoding
    )

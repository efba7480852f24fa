"""Reads a whole file once, before any job starts: checks every row against the destination's documented
format, writes the normalized file the job will read, and a report of every row it left out.

Memory stays bounded whatever the file size: the file is read in blocks, written out in parts, and the only
structure that grows is the duplicate-address set, which is capped by the destination's record limit.
"""

from collections.abc import Callable

from listdrop.models import DestinationType, Route
from listdrop.validation.checker import Checker, Progress, ValidationResult, validate
from listdrop.validation.endpoints import validate_endpoints
from listdrop.validation.formats import FileSpec, spec_for
from listdrop.validation.policy import RowPolicy
from listdrop.validation.report import ReportWriter
from listdrop.validation.sinks import TextSink

__all__ = ["Checker", "FileSpec", "RowPolicy", "ValidationResult", "check_records", "spec_for", "validate"]


def check_records(
    read: Callable[[int], bytes],
    route: Route,
    *,
    output: TextSink,
    report: ReportWriter,
    policy: RowPolicy,
    progress: Progress | None = None,
) -> ValidationResult:
    """Check a records file against its destination's layout: Pinpoint endpoints have their own checker,
    every other destination a FileSpec."""
    if route.destination.type is DestinationType.PINPOINT_APPLICATION:
        return validate_endpoints(
            read, route.data_format, output=output, report=report, policy=policy, progress=progress
        )
    return validate(read, spec_for(route), output=output, report=report, policy=policy, progress=progress)

"""Reads a whole file once, before any job starts: checks every row against the destination's documented
format, writes the normalized file the job will read, and a report of every row it left out.

Memory stays bounded whatever the file size: the file is read in blocks, written out in parts, and the only
structure that grows is the duplicate-address set, which is capped by the destination's record limit.
"""

from collections.abc import Callable

from listdrop.models import DataFormat, DestinationType, Route
from listdrop.validation.checker import Checker, Progress, ValidationResult, validate
from listdrop.validation.endpoints import validate_endpoints
from listdrop.validation.formats import FileSpec, spec_for
from listdrop.validation.policy import RowPolicy
from listdrop.validation.report import ReportWriter
from listdrop.validation.sinks import TextSink

__all__ = [
    "Checker",
    "FileSpec",
    "RowPolicy",
    "ValidationResult",
    "check_records",
    "spec_for",
    "staged_format",
    "validate",
]


def staged_format(route: Route) -> DataFormat:
    """The format of the checked copy a job reads, which its provider declares to the API: the upload's own,
    except for Mail Manager, whose copy is always the documented CSV (formats.MAIL_MANAGER_STAGED_FORMAT)."""
    if route.destination.type is DestinationType.PINPOINT_APPLICATION:
        return route.data_format
    return spec_for(route).staged_format


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

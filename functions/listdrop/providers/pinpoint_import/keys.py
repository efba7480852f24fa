"""imports/pinpoint/<ApplicationId>/<mode>/<any/path/>name.csv|.json|.jsonl, where <mode> is one of
endpoints/ | new-segment/<Name>/ | segment/<SegmentId>/ | new-segment-only/<Name>/ | segment-only/<SegmentId>/
('-only': the segment only, the endpoints are not registered)."""

from __future__ import annotations

import re

from listdrop import keys
from listdrop.errors import RejectedFile
from listdrop.models import Action, Destination, DestinationType, PinpointSegment, Route

PROVIDER = "pinpoint-import"
PREFIX = "imports/pinpoint/"
EXAMPLE = "imports/pinpoint/<ApplicationId>/new-segment/<Name>/<file>.csv"

# Application ids are 32 hex characters; segment ids as the README says ("Key layout": an assumption, no pattern
# in the botocore model).
_APPLICATION_ID = re.compile(r"^[0-9a-fA-F]{32}$")
_SEGMENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MODES = (
    "Use endpoints/, new-segment/<Name>/, segment/<SegmentId>/, new-segment-only/<Name>/ or segment-only/<SegmentId>/."
)


def route(parts: list[str]) -> Route:
    """The parts of the key after imports/pinpoint/."""
    if len(parts) < 3:
        raise keys.no_route(
            f"A Pinpoint key needs an application id, what to do with the endpoints and a file. {_MODES}"
        )
    application_id, mode, rest = parts[0], parts[1], parts[2:]
    if not _APPLICATION_ID.match(application_id):
        raise RejectedFile(
            "INVALID_APPLICATION_ID", f"'{application_id}' is not a Pinpoint application id (32 hex characters)."
        )
    if mode == "endpoints":
        segment = PinpointSegment()
    elif mode in {"new-segment", "segment", "new-segment-only", "segment-only"}:
        if len(rest) < 2 or not rest[0]:
            raise keys.no_route(f"'{mode}/' is followed by the segment's name or id, then the file. {_MODES}")
        segment, rest = _segment(mode, rest[0]), rest[1:]
    else:
        raise keys.no_route(f"Unknown Pinpoint import mode '{mode}'. {_MODES}")
    destination = Destination(
        DestinationType.PINPOINT_APPLICATION, application_id, segment, label=_label(application_id, segment)
    )
    with keys.refusals_name(PROVIDER, destination):
        return Route(PROVIDER, destination, Action.PUT, keys.data_format("/".join(rest)))


def _segment(mode: str, value: str) -> PinpointSegment:
    register = not mode.endswith("-only")
    if mode.startswith("new-segment"):
        if len(value) > 64:
            raise RejectedFile("INVALID_SEGMENT_NAME", "A segment name has at most 64 characters here.")
        return PinpointSegment(new_name=value, register_endpoints=register)
    if not _SEGMENT_ID.match(value):
        raise RejectedFile("INVALID_SEGMENT_ID", f"'{value}' is not a Pinpoint segment id.")
    return PinpointSegment(existing_id=value, register_endpoints=register)


def _label(application_id: str, segment: PinpointSegment) -> str:
    endpoints = "endpoints" if segment.register_endpoints else "endpoints not registered"
    return f"Pinpoint application {application_id} ({endpoints}, {segment.label})"

"""A list export request: SES has no export job for its lists (CreateExportJob exports metrics and message insights
only), so listdrop pages the listing API itself and writes what it finds in the layout it imports.

The file names the listing API and holds that API's own request members, so the SES API Reference describes them:

    {"ListSuppressedDestinations": {"Reasons": ["BOUNCE"], "StartDate": "2026-01-01", "EndDate": "2026-11-01"}}
    {"ListContacts": {"ContactListName": "newsletter",
                      "Filter": {"FilteredStatus": "OPT_IN", "TopicFilter": {"TopicName": "weekly"}}}}

Every member is optional except ContactListName. The suppression list may take a relative window instead of its
dates (`"Window": {"LastWholeUtcDays": 7, "Before": ...}`, as scheduled exports write it). listdrop pages on its
own, so NextToken and PageSize are refused, and TenantName too: the export is of the account-level list.
A contact-list filter names both a subscription status and a topic: SES documents FilteredStatus as "the status by
which you are filtering" and TopicFilter as "filtering by a specific topic preference" (botocore's sesv2 model,
ListContactsFilter), and says nothing of a status without a topic, so listdrop does not send one.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from botocore.model import StructureShape

from listdrop.errors import RejectedFile
from listdrop.privacy import redact_emails
from listdrop.request_fields import INVALID, WINDOW, shape_problems, timestamp, window_dates
from listdrop.service_models import service_model

SUPPRESSED = "ListSuppressedDestinations"
CONTACTS = "ListContacts"
LIST_OPERATIONS = (SUPPRESSED, CONTACTS)
SOURCE_TYPES = {SUPPRESSED: "SUPPRESSION_LIST", CONTACTS: "CONTACT_LIST"}
# Members listdrop sets itself, or that would export something other than the account's own lists.
_REFUSED = {
    "NextToken": "listdrop pages the list itself; leave NextToken out",
    "PageSize": "listdrop pages the list itself; leave PageSize out",
    "TenantName": "a list export is of the account-level suppression list; leave TenantName out",
}


@cache
def input_shape(operation: str) -> StructureShape:
    """The listing operation's input from the sesv2 model that ships with the code."""
    shape = service_model("sesv2").operation_model(operation).input_shape
    assert isinstance(shape, StructureShape)
    return shape


def parse_list_request(document: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
    """The checked request as `{operation: its parameters}` (dates as datetimes), its source type and a summary."""
    operations = [name for name in LIST_OPERATIONS if name in document]
    unknown = sorted(set(document) - {*LIST_OPERATIONS, WINDOW})
    if len(operations) != 1 or unknown:
        raise RejectedFile(
            INVALID,
            f"A list export request holds exactly one of {' or '.join(LIST_OPERATIONS)}"
            + (f" (and an optional Window); not {', '.join(unknown)}." if unknown else "."),
        )
    operation = operations[0]
    members = document[operation]
    if not isinstance(members, dict):
        raise RejectedFile(INVALID, f"{operation} must be an object of the API's request members.")
    for member, why in _REFUSED.items():
        if member in members:
            raise RejectedFile(INVALID, f"{operation}.{member}: {why}.")
    parameters = _suppression_dates(members, document.get(WINDOW)) if operation == SUPPRESSED else dict(members)
    if operation == CONTACTS:
        if WINDOW in document:
            raise RejectedFile(INVALID, "A Window applies to ListSuppressedDestinations only (contacts have no dates).")
        _check_filter(parameters.get("Filter"))
    problems = shape_problems(input_shape(operation), parameters)
    if problems:
        raise RejectedFile(INVALID, redact_emails("; ".join(f"{operation}.{problem}" for problem in problems[:5])))
    return {operation: parameters}, SOURCE_TYPES[operation], _summary(operation, parameters)


def _suppression_dates(members: dict[str, Any], window: Any) -> dict[str, Any]:
    parameters: dict[str, Any] = json.loads(json.dumps(members))
    if window is not None:
        if {"StartDate", "EndDate"} & set(parameters):
            raise RejectedFile(INVALID, f"A Window replaces {SUPPRESSED}.StartDate and EndDate: give one or the other.")
        parameters["StartDate"], parameters["EndDate"] = window_dates(window)
        return parameters
    for field in ("StartDate", "EndDate"):
        if field in parameters:
            parameters[field] = timestamp(f"{SUPPRESSED}.{field}", parameters[field])
    start, end = parameters.get("StartDate"), parameters.get("EndDate")
    if start is not None and end is not None and start >= end:
        raise RejectedFile(INVALID, f"{SUPPRESSED}.StartDate must be before its EndDate.")
    return parameters


def _check_filter(value: Any) -> None:
    if value is None:
        return
    topic = value.get("TopicFilter") if isinstance(value, dict) else None
    if (
        not isinstance(value, dict)
        or "FilteredStatus" not in value
        or not isinstance(topic, dict)
        or not topic.get("TopicName")
    ):
        raise RejectedFile(
            INVALID,
            f"{CONTACTS}.Filter names both FilteredStatus (OPT_IN or OPT_OUT) and TopicFilter.TopicName: SES "
            "documents the filter as a subscription status for a topic.",
        )


def _summary(operation: str, parameters: dict[str, Any]) -> str:
    """What the request asks for, in words; names of lists and topics only (never an address)."""
    if operation == SUPPRESSED:
        reasons = ", ".join(parameters.get("Reasons") or ["BOUNCE", "COMPLAINT"])
        start, end = parameters.get("StartDate"), parameters.get("EndDate")
        added = (
            f"; added {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"
            if start and end
            else f"; added since {start:%Y-%m-%d %H:%M} UTC"
            if start
            else f"; added before {end:%Y-%m-%d %H:%M} UTC"
            if end
            else ""
        )
        return f"SUPPRESSION_LIST ({reasons}){added}; CSV"
    shown = f"contact list '{parameters['ContactListName']}'"
    contact_filter = parameters.get("Filter")
    if contact_filter:
        topic = contact_filter["TopicFilter"]
        default = " or by default" if topic.get("UseDefaultIfPreferenceUnavailable") else ""
        shown += f", {contact_filter['FilteredStatus']} to topic '{topic['TopicName']}'{default}"
    return redact_emails(f"CONTACT_LIST {shown}; CSV")

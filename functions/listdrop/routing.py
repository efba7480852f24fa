"""The key convention: an object's key alone says where its records go and what to do with them.

imports/ses/contact-lists/<ContactListName>/put/<any/path/>name.csv|.json|.jsonl|.ndjson
imports/ses/contact-lists/<ContactListName>/delete/...
imports/ses/suppression-list/put/...
imports/ses/suppression-list/delete/...
imports/mail-manager/address-lists/<AddressListId>/<any/path/>name.csv|.json|.jsonl   (adds addresses; a
                                                                 delete/ folder routes, then is refused)
imports/pinpoint/<ApplicationId>/<mode>/<any/path/>name.csv|.json|.jsonl              (see _pinpoint_route)
exports/ses/<any/path/>name.json                                                       (an SES export request)
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from listdrop.errors import RejectedFile
from listdrop.models import Action, DataFormat, Destination, DestinationType, InputKind, PinpointSegment, Route
from listdrop.privacy import contains_email

IMPORTS_PREFIX = "imports/"
EXPORTS_PREFIX = "exports/"
EXPORT_RESULTS_PREFIX = "exports/results/"
SES_IMPORT_PROVIDER = "ses-import"
SES_EXPORT_PROVIDER = "ses-export"
MAIL_MANAGER_PROVIDER = "mail-manager"
PINPOINT_PROVIDER = "pinpoint-import"

EXTENSIONS: dict[str, DataFormat] = {
    ".csv": DataFormat.CSV,
    ".json": DataFormat.JSON,
    ".jsonl": DataFormat.JSON,
    ".ndjson": DataFormat.JSON,
}

# SES does not publish a pattern for contact list names; these are the characters its console accepts,
# and they keep the name safe inside an IAM ARN and a notification.
_CONTACT_LIST_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# The patterns of the botocore models (mailmanager AddressListId; Pinpoint ids are 32 hex characters).
_ADDRESS_LIST_ID = re.compile(r"^[a-zA-Z0-9-]{1,255}$")
_APPLICATION_ID = re.compile(r"^[0-9a-fA-F]{32}$")
_SEGMENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MODES = (
    "Use endpoints/, new-segment/<Name>/, segment/<SegmentId>/, new-segment-only/<Name>/ or segment-only/<SegmentId>/."
)

EXAMPLES = (
    "imports/ses/contact-lists/<ContactListName>/put/<file>.csv, imports/ses/suppression-list/delete/<file>.json, "
    "imports/mail-manager/address-lists/<AddressListId>/<file>.csv, "
    "imports/pinpoint/<ApplicationId>/new-segment/<Name>/<file>.csv, exports/ses/<name>.json"
)


def decode_key(raw_key: str) -> str:
    """S3 event notifications URL-encode keys (a space arrives as '+')."""
    return unquote_plus(raw_key)


def is_folder_marker(key: str, size: int) -> bool:
    """Zero-byte keys ending in '/' are what consoles create for 'folders': nothing to import."""
    return key.endswith("/") and size == 0


def route(key: str) -> Route:
    """Decide destination, action and format from a decoded key, or reject the file with the reason."""
    if contains_email(key):
        raise RejectedFile(
            "KEY_CONTAINS_ADDRESS",
            "The object key contains an e-mail address. Keys appear in notifications and logs, "
            "so rename the file without personal data.",
        )
    if key.startswith(EXPORTS_PREFIX):
        return _export_route(key[len(EXPORTS_PREFIX) :].split("/"))
    if not key.startswith(IMPORTS_PREFIX):
        raise _no_route(f"The key starts with neither '{IMPORTS_PREFIX}' nor '{EXPORTS_PREFIX}'.")
    parts = key[len(IMPORTS_PREFIX) :].split("/")
    if parts[0] == "mail-manager":
        return _mail_manager_route(parts[1:])
    if parts[0] == "pinpoint":
        return _pinpoint_route(parts[1:])
    if len(parts) < 2 or parts[0] != "ses":
        raise _no_route("Imports go under 'imports/ses/', 'imports/mail-manager/' or 'imports/pinpoint/'.")

    if parts[1] == "contact-lists":
        if len(parts) < 5:
            raise _no_route("A contact-list key needs a list name, an action and a file name.")
        list_name, action_part, file_parts = parts[2], parts[3], parts[4:]
        if not _CONTACT_LIST_NAME.match(list_name):
            raise RejectedFile(
                "INVALID_CONTACT_LIST_NAME",
                f"'{list_name}' is not a valid contact list name (1-64 letters, digits, '-' or '_').",
            )
        destination = Destination(DestinationType.SES_CONTACT_LIST, list_name)
    elif parts[1] == "suppression-list":
        if len(parts) < 4:
            raise _no_route("A suppression-list key needs an action and a file name.")
        action_part, file_parts = parts[2], parts[3:]
        destination = Destination(DestinationType.SES_SUPPRESSION_LIST)
    else:
        raise _no_route(f"Unknown SES destination '{parts[1]}'.")

    action = _action(action_part)
    data_format = _data_format("/".join(file_parts))
    return Route(SES_IMPORT_PROVIDER, destination, action, data_format)


def refuse_unsupported_action(route: Route) -> None:
    """Raise UNSUPPORTED_ACTION for a key whose job API cannot do its action (Mail Manager only adds).

    The key routes first, so the refusal is reported against its destination, not as "no destination".
    """
    if route.provider == MAIL_MANAGER_PROVIDER and route.action is not Action.PUT:
        raise RejectedFile(
            "UNSUPPORTED_ACTION",
            "Mail Manager address-list import jobs only add addresses; there is no bulk delete. Remove "
            "addresses one at a time (DeregisterMemberFromAddressList).",
        )


def _mail_manager_route(parts: list[str]) -> Route:
    """imports/mail-manager/address-lists/<AddressListId>/<any/path/>name.csv: the import adds addresses.
    A delete/ folder routes with Action.DELETE; refuse_unsupported_action() then refuses it."""
    if len(parts) < 3 or parts[0] != "address-lists":
        raise _no_route("A Mail Manager key needs 'address-lists/', the address list id and a file name.")
    list_id, file_parts = parts[1], parts[2:]
    if not _ADDRESS_LIST_ID.match(list_id):
        raise RejectedFile(
            "INVALID_ADDRESS_LIST_ID",
            f"'{list_id}' is not a Mail Manager address list id (1-255 letters, digits or '-').",
        )
    action = Action.PUT
    if file_parts[0].lower() in {"put", "delete"} and len(file_parts) > 1:
        action = _action(file_parts[0])
        file_parts = file_parts[1:]
    destination = Destination(DestinationType.MAIL_MANAGER_ADDRESS_LIST, list_id)
    return Route(MAIL_MANAGER_PROVIDER, destination, action, _data_format("/".join(file_parts)))


def _pinpoint_route(parts: list[str]) -> Route:
    """imports/pinpoint/<ApplicationId>/<mode>/<any/path/>name.csv, where <mode> is one of
    endpoints/ | new-segment/<Name>/ | segment/<SegmentId>/ | new-segment-only/<Name>/ | segment-only/<SegmentId>/
    ('-only': the segment only, the endpoints are not registered)."""
    if len(parts) < 3:
        raise _no_route(f"A Pinpoint key needs an application id, what to do with the endpoints and a file. {_MODES}")
    application_id, mode, rest = parts[0], parts[1], parts[2:]
    if not _APPLICATION_ID.match(application_id):
        raise RejectedFile(
            "INVALID_APPLICATION_ID", f"'{application_id}' is not a Pinpoint application id (32 hex characters)."
        )
    if mode == "endpoints":
        segment = PinpointSegment()
    elif mode in {"new-segment", "segment", "new-segment-only", "segment-only"}:
        if len(rest) < 2 or not rest[0]:
            raise _no_route(f"'{mode}/' is followed by the segment's name or id, then the file. {_MODES}")
        value, rest = rest[0], rest[1:]
        register = not mode.endswith("-only")
        if mode.startswith("new-segment"):
            if len(value) > 64:
                raise RejectedFile("INVALID_SEGMENT_NAME", "A segment name has at most 64 characters here.")
            segment = PinpointSegment(new_name=value, register_endpoints=register)
        else:
            if not _SEGMENT_ID.match(value):
                raise RejectedFile("INVALID_SEGMENT_ID", f"'{value}' is not a Pinpoint segment id.")
            segment = PinpointSegment(existing_id=value, register_endpoints=register)
    else:
        raise _no_route(f"Unknown Pinpoint import mode '{mode}'. {_MODES}")
    destination = Destination(DestinationType.PINPOINT_APPLICATION, application_id, segment)
    return Route(PINPOINT_PROVIDER, destination, Action.PUT, _data_format("/".join(rest)))


def _export_route(parts: list[str]) -> Route:
    """exports/ses/<any/path/>name.json: one SES export request (exports/results/ is where results land)."""
    if len(parts) < 2 or parts[0] != "ses":
        raise _no_route("Export requests go under 'exports/ses/'; listdrop writes results under 'exports/results/'.")
    name = parts[-1]
    if not name.lower().endswith(".json") or len(name) <= len(".json"):
        raise RejectedFile("UNSUPPORTED_EXTENSION", "An export request is one JSON object in a .json file.")
    destination = Destination(DestinationType.SES_EXPORT, name[: -len(".json")])
    return Route(SES_EXPORT_PROVIDER, destination, Action.EXPORT, DataFormat.JSON, InputKind.REQUEST)


def _action(segment: str) -> Action:
    try:
        return Action(segment.upper())
    except ValueError:
        raise RejectedFile(
            "UNKNOWN_ACTION", f"'{segment}' is not an action: use 'put' (add or update) or 'delete'."
        ) from None


def _data_format(file_path: str) -> DataFormat:
    name = file_path.rsplit("/", 1)[-1]
    if not name:
        raise _no_route("The key has no file name.")
    dot = name.rfind(".")
    extension = name[dot:].lower() if dot > 0 else ""
    if extension not in EXTENSIONS:
        shown = extension or "(none)"
        raise RejectedFile(
            "UNSUPPORTED_EXTENSION",
            f"Unsupported file extension {shown}: use .csv, .json, .jsonl or .ndjson.",
        )
    return EXTENSIONS[extension]


def _no_route(detail: str) -> RejectedFile:
    return RejectedFile("NO_ROUTE", f"{detail} Keys look like {EXAMPLES}.")

"""The key convention: an object's key alone says where its records go and what to do with them.

imports/ses/contact-lists/<ContactListName>/put/<any/path/>name.csv|.json|.jsonl|.ndjson
imports/ses/contact-lists/<ContactListName>/delete/...
imports/ses/suppression-list/put/...
imports/ses/suppression-list/delete/...
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from listdrop.errors import RejectedFile
from listdrop.models import Action, DataFormat, Destination, DestinationType, Route
from listdrop.privacy import contains_email

IMPORTS_PREFIX = "imports/"
SES_IMPORT_PROVIDER = "ses-import"

EXTENSIONS: dict[str, DataFormat] = {
    ".csv": DataFormat.CSV,
    ".json": DataFormat.JSON,
    ".jsonl": DataFormat.JSON,
    ".ndjson": DataFormat.JSON,
}

# SES does not publish a pattern for contact list names; these are the characters its console accepts,
# and they keep the name safe inside an IAM ARN and a notification.
_CONTACT_LIST_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

EXAMPLES = "imports/ses/contact-lists/<ContactListName>/put/<file>.csv, imports/ses/suppression-list/delete/<file>.json"


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
    if not key.startswith(IMPORTS_PREFIX):
        raise _no_route(f"The key does not start with '{IMPORTS_PREFIX}'.")
    parts = key[len(IMPORTS_PREFIX) :].split("/")
    if len(parts) < 2 or parts[0] != "ses":
        raise _no_route("Only 'imports/ses/...' destinations exist.")

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

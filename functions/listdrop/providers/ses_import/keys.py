"""imports/ses/contact-lists/<ContactListName>/<put|delete|sync>/<any/path/>name.csv|.json|.jsonl|.ndjson
imports/ses/contact-lists/<ContactListName>/put/extra-as-attributes/<any/path/>name.csv
imports/ses/contact-lists/<ContactListName>/sync/allow-large-removal/<any/path/>name.csv|...
imports/ses/suppression-list/<put|delete>/<any/path/>name.csv|.json|.jsonl|.ndjson"""

from __future__ import annotations

import re

from listdrop import keys
from listdrop.errors import RejectedFile
from listdrop.models import (
    EXTRA_COLUMNS,
    EXTRA_COLUMNS_AS_ATTRIBUTES,
    Action,
    DataFormat,
    Destination,
    DestinationType,
    Route,
)

PROVIDER = "ses-import"
PREFIX = "imports/ses/"
EXAMPLE = "imports/ses/contact-lists/<ContactListName>/put/<file>.csv, imports/ses/suppression-list/delete/<file>.json"
SUPPRESSION_LIST_LABEL = "SES account suppression list"
# The folder after put/ that asks for a CSV's extra columns to be written into attributesData.
EXTRA_AS_ATTRIBUTES_FOLDER = "extra-as-attributes"

# SES does not publish a pattern for contact list names; these are the characters its console accepts,
# and they keep the name safe inside an IAM ARN and a notification.
_CONTACT_LIST_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def route(parts: list[str]) -> Route:
    """The parts of the key after imports/ses/."""
    if parts[0] == "contact-lists":
        if len(parts) < 4:
            raise keys.no_route("A contact-list key needs a list name, an action and a file name.")
        list_name, action_part, file_parts = parts[1], parts[2], parts[3:]
        if not _CONTACT_LIST_NAME.match(list_name):
            raise RejectedFile(
                "INVALID_CONTACT_LIST_NAME",
                f"'{list_name}' is not a valid contact list name (1-64 letters, digits, '-' or '_').",
            )
        destination = Destination(DestinationType.SES_CONTACT_LIST, list_name, label=f"SES contact list '{list_name}'")
    elif parts[0] == "suppression-list":
        if len(parts) < 3:
            raise keys.no_route("A suppression-list key needs an action and a file name.")
        action_part, file_parts = parts[1], parts[2:]
        destination = Destination(DestinationType.SES_SUPPRESSION_LIST, label=SUPPRESSION_LIST_LABEL)
    else:
        raise keys.no_route(f"Unknown SES destination '{parts[0]}'.")
    with keys.refusals_name(PROVIDER, destination):
        action, data_format = keys.action(action_part), keys.data_format("/".join(file_parts))
        if file_parts[0] == EXTRA_AS_ATTRIBUTES_FOLDER and len(file_parts) > 1:
            destination = _extra_as_attributes(destination, action, data_format)
        if action is Action.SYNC:
            destination = _sync(destination, allow_large_removal=file_parts[0] == keys.ALLOW_LARGE_REMOVAL_FOLDER)
        return Route(PROVIDER, destination, action, data_format)


def _sync(destination: Destination, *, allow_large_removal: bool) -> Destination:
    """A sync/ key: contact lists only (the suppression list has no members to match a file with)."""
    if destination.type is not DestinationType.SES_CONTACT_LIST:
        raise RejectedFile(
            "UNSUPPORTED_ACTION",
            "sync/ makes a contact list match the file; the suppression list takes put/ and delete/ files.",
        )
    return keys.meaning_large_removal(destination) if allow_large_removal else destination


def _extra_as_attributes(destination: Destination, action: Action, data_format: DataFormat) -> Destination:
    """The destination of a key with the extra-as-attributes/ folder: a contact-list put/ of a CSV file only."""
    if destination.type is not DestinationType.SES_CONTACT_LIST or action is not Action.PUT:
        raise RejectedFile(
            "UNSUPPORTED_OPTION",
            f"'{EXTRA_AS_ATTRIBUTES_FOLDER}/' writes a CSV's extra columns into contacts' attributesData: it "
            "applies to contact-list put/ files only.",
        )
    if data_format is not DataFormat.CSV:
        raise RejectedFile(
            "UNSUPPORTED_OPTION",
            f"'{EXTRA_AS_ATTRIBUTES_FOLDER}/' applies to CSV files; a JSON record gives its attributesData itself.",
        )
    return Destination(
        destination.type,
        destination.name,
        label=f"{destination.label} (extra columns into attributesData)",
        options=((EXTRA_COLUMNS, EXTRA_COLUMNS_AS_ATTRIBUTES),),
    )

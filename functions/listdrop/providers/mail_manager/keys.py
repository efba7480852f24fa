"""imports/mail-manager/address-lists/<AddressListId>/<any/path/>name.csv|.json|.jsonl: the import adds
addresses. A delete/ folder routes with Action.DELETE, so `refuse_unsupported_action` refuses it against its
address list (the job API has no bulk delete), not as a key that leads nowhere. A sync/ folder (optionally
sync/allow-large-removal/) makes the list match the file (providers/syncs.py)."""

from __future__ import annotations

import re

from listdrop import keys
from listdrop.errors import RejectedFile
from listdrop.models import Action, Destination, DestinationType, Route

PROVIDER = "mail-manager"
PREFIX = "imports/mail-manager/"
EXAMPLE = "imports/mail-manager/address-lists/<AddressListId>/<file>.csv"

# The pattern of botocore's mailmanager model (shape AddressListId).
_ADDRESS_LIST_ID = re.compile(r"^[a-zA-Z0-9-]{1,255}$")


def route(parts: list[str]) -> Route:
    """The parts of the key after imports/mail-manager/."""
    if len(parts) < 3 or parts[0] != "address-lists":
        raise keys.no_route("A Mail Manager key needs 'address-lists/', the address list id and a file name.")
    list_id, file_parts = parts[1], parts[2:]
    if not _ADDRESS_LIST_ID.match(list_id):
        raise RejectedFile(
            "INVALID_ADDRESS_LIST_ID",
            f"'{list_id}' is not a Mail Manager address list id (1-255 letters, digits or '-').",
        )
    destination = Destination(
        DestinationType.MAIL_MANAGER_ADDRESS_LIST, list_id, label=f"Mail Manager address list {list_id}"
    )
    action = Action.PUT
    with keys.refusals_name(PROVIDER, destination):
        if file_parts[0].lower() in keys.ACTION_FOLDERS and len(file_parts) > 1:
            action = keys.action(file_parts[0])
            file_parts = file_parts[1:]
        if action is Action.SYNC and file_parts[0] == keys.ALLOW_LARGE_REMOVAL_FOLDER and len(file_parts) > 1:
            destination = keys.meaning_large_removal(destination)
        return Route(PROVIDER, destination, action, keys.data_format("/".join(file_parts)))


def refuse_unsupported_action(route: Route) -> None:
    """Mail Manager address-list import jobs only add addresses (a sync removes the others itself)."""
    if route.action not in (Action.PUT, Action.SYNC):
        raise RejectedFile(
            "UNSUPPORTED_ACTION",
            "Mail Manager address-list import jobs only add addresses; there is no bulk delete. Remove "
            "addresses one at a time (DeregisterMemberFromAddressList), or upload the list as it should be under "
            "sync/.",
        )

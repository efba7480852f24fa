"""Mail Manager imports: a scratch address list, two members, then the list must hold them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from listdrop.cli.connection import Connection
from listdrop.cli.smoke.cases import SmokeCase
from listdrop.cli.smoke.drops import ADDRESSES, SUCCEEDED, Drop, all_there, lines


def create(connection: Connection, name: str) -> tuple[str, str]:
    address_list_id = str(connection.client("mailmanager").create_address_list(AddressListName=name)["AddressListId"])
    return address_list_id, f"{name} ({address_list_id})"


def remove(connection: Connection, address_list_id: str) -> None:
    connection.client("mailmanager").delete_address_list(AddressListId=address_list_id)


def drop(address_list_id: str | None, folder: str, today: datetime) -> Drop | None:
    if address_list_id is None:
        return None

    def landed(connection: Connection, event: dict[str, Any]) -> str:
        mailmanager = connection.client("mailmanager")
        found: set[str] = set()
        token: str | None = None
        while True:
            page = mailmanager.list_members_of_address_list(
                AddressListId=address_list_id, **({"NextToken": token} if token else {})
            )
            found |= {member["Address"].lower() for member in page.get("Addresses", [])}
            token = page.get("NextToken")
            if not token:
                break
        return all_there(found, ADDRESSES, f"members of {address_list_id}", event)

    return Drop(
        label="Mail Manager import",
        provider="mail-manager",
        key=f"imports/mail-manager/address-lists/{address_list_id}/{folder}/members.csv",
        # The bulk layout the SES developer guide documents for address lists: a CSV with an `address` header.
        body=lines("address", *ADDRESSES),
        content_type="text/csv",
        outcome=SUCCEEDED,
        topic="completed",
        landed=landed,
    )


CASE = SmokeCase(label="Mail Manager address list", drop=drop, create=create, remove=remove)

"""SES contact-list imports: a scratch contact list, two contacts, then the list must hold them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from listdrop.cli.connection import Connection
from listdrop.cli.smoke.cases import SmokeCase
from listdrop.cli.smoke.drops import ADDRESSES, SUCCEEDED, Drop, all_there, lines
from listdrop.cli.smoke.report import Skipped

# SES allows one contact list per account: https://docs.aws.amazon.com/ses/latest/dg/sending-email-list-management.html
ONE_CONTACT_LIST = (
    "SES allows only one contact list per account and this account already has one "
    "(https://docs.aws.amazon.com/ses/latest/dg/sending-email-list-management.html); the smoke test never "
    "imports into your own lists, so the SES contact-list import is not checked here"
)
NOT_ALLOWED = "this deployment imports only into its listdrop:allowedContactLists"


def create(connection: Connection, name: str) -> tuple[str, str]:
    from botocore.exceptions import ClientError

    try:
        connection.client("sesv2").create_contact_list(
            ContactListName=name, Description="listdrop smoke test: removed when the test ends"
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "LimitExceededException":
            raise Skipped(ONE_CONTACT_LIST) from None
        raise
    return name, name


def remove(connection: Connection, contact_list: str) -> None:
    connection.client("sesv2").delete_contact_list(ContactListName=contact_list)


def drop(contact_list: str | None, folder: str, today: datetime) -> Drop | None:
    if contact_list is None:
        return None

    def landed(connection: Connection, event: dict[str, Any]) -> str:
        ses = connection.client("sesv2")
        found: set[str] = set()
        token: str | None = None
        while True:  # botocore has no paginator for ListContacts
            page = ses.list_contacts(ContactListName=contact_list, **({"NextToken": token} if token else {}))
            found |= {contact["EmailAddress"].lower() for contact in page.get("Contacts", [])}
            token = page.get("NextToken")
            if not token:
                break
        return all_there(found, ADDRESSES, f"contacts in {contact_list}", event)

    return Drop(
        label="SES contact-list import",
        provider="ses-import",
        key=f"imports/ses/contact-lists/{contact_list}/put/{folder}/contacts.csv",
        body=lines("emailAddress", *ADDRESSES),
        content_type="text/csv",
        outcome=SUCCEEDED,
        topic="completed",
        landed=landed,
    )


CASE = SmokeCase(
    label="SES contact list",
    drop=drop,
    create=create,
    remove=remove,
    skip_reasons={"CONTACT_LIST_NOT_ALLOWED": NOT_ALLOWED},
)

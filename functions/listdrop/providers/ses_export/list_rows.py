"""The rows of a list export, in exactly the layouts listdrop imports (validation/formats.py), so the file can be
dropped back in as an import or compared with one:

- the suppression list as a suppression-list PUT file: CSV without a header, `address,BOUNCE|COMPLAINT`;
- a contact list as a contact-list CSV: `emailAddress,unsubscribeAll,topicPreferences.<topic>...`, one column per
  topic of the list (GetContactList's Topics, in the list's order), holding the contact's own OPT_IN or OPT_OUT for
  that topic and empty where the contact has none (the topic's default applies, as it would on import).

ListContacts returns no attributesData (botocore's sesv2 model: Contact has EmailAddress, TopicPreferences,
TopicDefaultPreferences, UnsubscribeAll, LastUpdatedTimestamp), so the file has no attributesData column: reading
it would take one GetContact per contact, at one request per second.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from listdrop.list_export_request import CONTACTS, SUPPRESSED
from listdrop.validation.csv_text import csv_line

# Mail Manager's member listing (botocore mailmanager model: ListMembersOfAddressList, PageSize 1-1000), which only
# a Mail Manager sync reads, written in the address-list import layout: the header `address`, one address a line.
MEMBERS = "ListMembersOfAddressList"
RESULT_KEYS = {SUPPRESSED: "SuppressedDestinationSummaries", CONTACTS: "Contacts", MEMBERS: "Addresses"}
# The header line of each operation's file that does not depend on the list (a contact list's names its topics).
FIXED_HEADERS = {SUPPRESSED: "", MEMBERS: "address\n"}
TOPIC_COLUMN = "topicPreferences."


def contact_header(topics: Iterable[str]) -> str:
    return csv_line(["emailAddress", "unsubscribeAll", *(f"{TOPIC_COLUMN}{topic}" for topic in topics)])


def rows_text(operation: str, items: list[dict[str, Any]], topics: list[str]) -> str:
    if operation == SUPPRESSED:
        return "".join(csv_line([item["EmailAddress"], item["Reason"]]) for item in items)
    if operation == MEMBERS:
        return "".join(csv_line([item["Address"]]) for item in items)
    return "".join(_contact_line(item, topics) for item in items)


def _contact_line(contact: dict[str, Any], topics: list[str]) -> str:
    # A preference for a topic the list no longer has (deleted after the export began) has no column to go to.
    preferences = contact.get("TopicPreferences") or []
    chosen = {preference["TopicName"]: preference["SubscriptionStatus"] for preference in preferences}
    unsubscribed = "true" if contact.get("UnsubscribeAll") else "false"
    return csv_line([contact["EmailAddress"], unsubscribed, *(chosen.get(topic, "") for topic in topics)])

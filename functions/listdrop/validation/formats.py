"""What each destination's import API accepts, per file format: columns, values and limits.

Sources: the SES v2 CreateImportJob documentation (contact-list and suppression-list file layouts) and
../shared/reference/FACTS.md. Header names are matched leniently (case, spaces, '_' and '-' ignored, and a
few common aliases) and written back in the API's exact spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from listdrop.models import Action, DataFormat, DestinationType, Route


class Kind(StrEnum):
    EMAIL = "EMAIL"
    BOOLEAN = "BOOLEAN"
    JSON_OBJECT = "JSON_OBJECT"
    SUBSCRIPTION = "SUBSCRIPTION"
    REASON = "REASON"


EMAIL_ADDRESS = "emailAddress"
UNSUBSCRIBE_ALL = "unsubscribeAll"
ATTRIBUTES_DATA = "attributesData"
TOPIC_PREFIX = "topicPreferences."
REASON = "reason"
TOPIC_PREFERENCES = "topicPreferences"

BOOLEANS = {"true": "true", "false": "false"}
SUBSCRIPTIONS = ("OPT_IN", "OPT_OUT")
REASONS = ("BOUNCE", "COMPLAINT")

# One address, as SES accepts it: an ASCII dot-atom local part of at most 64 characters and a domain of
# dot-separated labels (letters, digits, inner hyphens; at most 63 characters each) ending in a label that
# is not all digits. Possessive and atomic groups keep the regular expression linear on hostile input.
_LOCAL = r"(?=[^@\n]{1,64}+@)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]++(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]++)*+"
_LABEL = r"(?>[A-Za-z0-9](?>[A-Za-z0-9-]{0,62}+)(?<=[A-Za-z0-9]))"
_DOMAIN = rf"(?>{_LABEL}\.)++(?=[0-9-]*+[A-Za-z])" + _LABEL
EMAIL_PATTERN = rf"{_LOCAL}@{_DOMAIN}"
EMAIL = re.compile(EMAIL_PATTERN)

# The block fast path's cheaper form of EMAIL. It accepts a superset only in ways the fast path rules out
# separately (addresses over 64 characters and hyphens at a label's edge go to the exact check), so anything
# the fast path lets through, EMAIL accepts too; a property test holds the two to it.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]++"
FAST_EMAIL_PATTERN = rf"{_ATOM}(?:\.{_ATOM})*+@(?:[A-Za-z0-9-]++\.)++(?=[0-9-]*+[A-Za-z])[A-Za-z0-9-]++"
FAST_EMAIL_MAX_LENGTH = 64
HYPHEN_AT_LABEL_EDGE = ("@-", ".-", "-.", "-\n")
MAX_EMAIL_LENGTH = 254

_ALIASES = {
    "emailaddress": EMAIL_ADDRESS,
    "email": EMAIL_ADDRESS,
    "e-mail": EMAIL_ADDRESS,
    "mail": EMAIL_ADDRESS,
    "address": EMAIL_ADDRESS,
    "emailaddresses": EMAIL_ADDRESS,
    "unsubscribeall": UNSUBSCRIBE_ALL,
    "unsubscribe": UNSUBSCRIBE_ALL,
    "unsubscribed": UNSUBSCRIBE_ALL,
    "attributesdata": ATTRIBUTES_DATA,
    "attributes": ATTRIBUTES_DATA,
    "reason": REASON,
    "suppressionreason": REASON,
    "topicpreferences": TOPIC_PREFERENCES,
}


def canonical_name(raw: str) -> str | None:
    """The API's spelling of a header name people wrote their own way, or None if it is not one we know."""
    name = raw.strip()
    if name.lower().startswith(TOPIC_PREFIX.lower()) and len(name) > len(TOPIC_PREFIX):
        return TOPIC_PREFIX + name[len(TOPIC_PREFIX) :].strip()
    squashed = re.sub(r"[\s_-]+", "", name).lower()
    if squashed in _ALIASES:
        return _ALIASES[squashed]
    return _ALIASES.get(name.lower())


@dataclass(frozen=True)
class FileSpec:
    """The layout one import API expects for one destination, action and format."""

    destination_type: DestinationType
    action: Action
    data_format: DataFormat
    has_header: bool
    columns: tuple[str, ...]  # headerless CSV: the fixed column order; otherwise the allowed fields
    required: tuple[str, ...]
    record_limit: int
    allows_topics: bool
    # Where the API spells a column differently from listdrop's name for it (Mail Manager's 'address').
    wire_names: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        if self.destination_type is DestinationType.SES_CONTACT_LIST:
            return f"contact-list {self.action.value} {self.data_format.value}"
        if self.destination_type is DestinationType.MAIL_MANAGER_ADDRESS_LIST:
            return f"Mail Manager address-list {self.data_format.value}"
        return f"suppression-list {self.action.value} {self.data_format.value}"

    def wire(self, column: str) -> str:
        """The column's name in the file the job reads."""
        return dict(self.wire_names).get(column, column)

    @property
    def header_example(self) -> str:
        if self.destination_type is DestinationType.MAIL_MANAGER_ADDRESS_LIST:
            return MAIL_MANAGER_ADDRESS
        return "emailAddress,unsubscribeAll,attributesData,topicPreferences.<Topic>"

    def kind_of(self, column: str) -> Kind:
        if column == EMAIL_ADDRESS:
            return Kind.EMAIL
        if column == UNSUBSCRIBE_ALL:
            return Kind.BOOLEAN
        if column == ATTRIBUTES_DATA:
            return Kind.JSON_OBJECT
        if column == REASON:
            return Kind.REASON
        return Kind.SUBSCRIPTION


CONTACT_LIST_RECORD_LIMIT = 1_000_000
SUPPRESSION_PUT_RECORD_LIMIT = 100_000
SUPPRESSION_DELETE_RECORD_LIMIT = 10_000
# Mail Manager address files: one column (CSV header) or field (JSON) named 'address'. No per-file record
# limit is documented; an address list holds at most 1,000,000 addresses (Mail Manager quotas).
MAIL_MANAGER_ADDRESS = "address"
MAIL_MANAGER_RECORD_LIMIT = 1_000_000


def spec_for(route: Route) -> FileSpec:
    if route.destination.type is DestinationType.MAIL_MANAGER_ADDRESS_LIST:
        return FileSpec(
            destination_type=route.destination.type,
            action=route.action,
            data_format=route.data_format,
            has_header=route.data_format is DataFormat.CSV,
            columns=(EMAIL_ADDRESS,),
            required=(EMAIL_ADDRESS,),
            record_limit=MAIL_MANAGER_RECORD_LIMIT,
            allows_topics=False,
            wire_names=((EMAIL_ADDRESS, MAIL_MANAGER_ADDRESS),),
        )
    if route.destination.type is DestinationType.SES_CONTACT_LIST:
        return FileSpec(
            destination_type=route.destination.type,
            action=route.action,
            data_format=route.data_format,
            has_header=route.data_format is DataFormat.CSV,
            columns=(EMAIL_ADDRESS, UNSUBSCRIBE_ALL, ATTRIBUTES_DATA, TOPIC_PREFERENCES),
            required=(EMAIL_ADDRESS,),
            record_limit=CONTACT_LIST_RECORD_LIMIT,
            allows_topics=True,
        )
    if route.action is Action.PUT:
        return FileSpec(
            destination_type=route.destination.type,
            action=route.action,
            data_format=route.data_format,
            has_header=False,
            columns=(EMAIL_ADDRESS, REASON),
            required=(EMAIL_ADDRESS, REASON),
            record_limit=SUPPRESSION_PUT_RECORD_LIMIT,
            allows_topics=False,
        )
    return FileSpec(
        destination_type=route.destination.type,
        action=route.action,
        data_format=route.data_format,
        has_header=False,
        columns=(EMAIL_ADDRESS,),
        required=(EMAIL_ADDRESS,),
        record_limit=SUPPRESSION_DELETE_RECORD_LIMIT,
        allows_topics=False,
    )

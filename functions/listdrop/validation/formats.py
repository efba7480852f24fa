"""What each destination's import API accepts, per file format: columns, values and limits.

Sources: the SES v2 CreateImportJob documentation (contact-list and suppression-list file layouts), the SES
Developer Guide's "Address Lists" page for Mail Manager (https://docs.aws.amazon.com/ses/latest/dg/eb-addlist.html:
the address file layouts, wildcard entries and the per-list maximum) and ../shared/reference/FACTS.md. Header
names are matched leniently (case, spaces, '_' and '-' ignored, and a few common aliases) and written back in
the API's exact spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from listdrop.models import EXTRA_COLUMNS, EXTRA_COLUMNS_AS_ATTRIBUTES, Action, DataFormat, DestinationType, Route


class Kind(StrEnum):
    EMAIL = "EMAIL"
    BOOLEAN = "BOOLEAN"
    JSON_OBJECT = "JSON_OBJECT"
    SUBSCRIPTION = "SUBSCRIPTION"
    REASON = "REASON"
    MEMBER = "MEMBER"  # a Mail Manager address-list entry: an address, or a documented wildcard entry


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

# Mail Manager wildcard entries, as the SES Developer Guide's "Address Lists" page states them
# (https://docs.aws.amazon.com/ses/latest/dg/eb-addlist.html): one '*' per entry, "either before or after @"
# (every example puts it directly before the @, 123*@domain.com, or directly after it as a whole label,
# local@*.domain1.com; a domain entry starts with it, *.domain1.com); "when * is in the local part, the local
# part can be zero or 3 to 19 characters excluding the *"; "when * is in the domain, the subdomain level can be
# 2 to 9 excluding the *". rows.member() applies them; what is left of the entry follows the address rules.
WILDCARD = "*"
WILDCARD_PREFIX_LENGTHS = (0, *range(3, 20))
WILDCARD_DOMAIN_LEVELS = range(2, 10)
_ATEXT = r"[A-Za-z0-9!#$%&'+/=?^_`{|}~-]"  # atext without '*', which is the wildcard here
LOCAL_PART = re.compile(rf"{_ATEXT}++(?:\.{_ATEXT}++)*+")
# What comes before a trailing '*': a dot-atom that may end in a dot ('john.*' matches 'john.smith').
WILDCARD_PREFIX = re.compile(rf"{_ATEXT}++(?:\.{_ATEXT}++)*+\.?+")
DOMAIN = re.compile(_DOMAIN)

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

    destination_type: str  # a DestinationType
    action: Action
    data_format: DataFormat
    has_header: bool
    columns: tuple[str, ...]  # headerless CSV: the fixed column order; otherwise the allowed fields
    required: tuple[str, ...]
    record_limit: int
    allows_topics: bool
    # Where the API spells a column differently from listdrop's name for it (Mail Manager's 'address').
    wire_names: tuple[tuple[str, str], ...] = ()
    # The layout written for the job when it differs from the upload's (Mail Manager: always CSV).
    staged_as: DataFormat | None = None
    # Also read a JSON document {"items": [...]} (Mail Manager's documented JSON layout), streamed.
    items_document: bool = False
    # Addresses may be wildcard entries (Mail Manager).
    allows_wildcards: bool = False
    # Why the record limit is what it is, for the TOO_MANY_RECORDS reason (default: one job's maximum).
    record_limit_reason: str = ""
    # The record limit is one job's, so a larger file is split into several jobs (up to MAX_JOBS_PER_UPLOAD);
    # False where it is the destination's own (a Mail Manager address list's maximum number of members).
    splits: bool = True
    # CSV columns the layout does not name are written into attributesData, as a JSON object of strings by
    # header name (SES contact lists, opted in by the upload's key: models.EXTRA_COLUMNS).
    extra_as_attributes: bool = False

    @property
    def staged_format(self) -> DataFormat:
        """The format of the checked copy the job reads."""
        return self.staged_as or self.data_format

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
            return Kind.MEMBER if self.allows_wildcards else Kind.EMAIL
        if column == UNSUBSCRIBE_ALL:
            return Kind.BOOLEAN
        if column == ATTRIBUTES_DATA:
            return Kind.JSON_OBJECT
        if column == REASON:
            return Kind.REASON
        return Kind.SUBSCRIPTION


# Per job, so a file over one is split into several jobs: "up to 1,000,000 contacts" in one contact-list import
# job (../shared/reference/FACTS.md); "a bulk add limit of 100,000 addresses in an Amazon S3 object per API call"
# and "a bulk delete limit of 10,000 addresses in an Amazon S3 object per API call", while "there is no limit to
# the number of addresses you can add to the account-level suppression list" (SES Developer Guide, "Using the
# account-level suppression list", https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list.html).
CONTACT_LIST_RECORD_LIMIT = 1_000_000
SUPPRESSION_PUT_RECORD_LIMIT = 100_000
SUPPRESSION_DELETE_RECORD_LIMIT = 10_000
# A listdrop choice, not an AWS limit: one upload starts at most this many jobs, so a mistaken file cannot start
# hundreds (20 DELETE jobs are 200,000 addresses; 20 contact-list jobs, 20,000,000 contacts).
MAX_JOBS_PER_UPLOAD = 20
# Mail Manager address files (SES Developer Guide, "Address Lists",
# https://docs.aws.amazon.com/ses/latest/dg/eb-addlist.html): "a CSV or JSON file"; the CSV's header 'address'
# "is required", the JSON is {"items": [{"address": "..."}, ...]}. listdrop always stages the CSV, the simpler
# layout to stream, and declares ImportDataType=CSV. "A maximum of 100,000 addresses per Address List is
# supported": a file with more valid addresses cannot fit any list, so it is refused before any call.
MAIL_MANAGER_ADDRESS = "address"
MAIL_MANAGER_STAGED_FORMAT = DataFormat.CSV
MAIL_MANAGER_RECORD_LIMIT = 100_000
_MAIL_MANAGER_LIMIT_REASON = (
    "The file has more than {limit:,} valid addresses; a Mail Manager address list holds at most {limit:,} "
    "(SES Developer Guide, Address Lists), so no address list can take this file. Split the addresses over "
    "several address lists."
)


_SYNC_LIMIT_REASON = (
    "The file has more than {limit:,} valid records; a sync imports its file in one SES job of at most {limit:,} "
    "contacts (the members it leaves out are removed, so it cannot be split). Keep a synced list within that."
)


def spec_for(route: Route) -> FileSpec:
    if route.destination.type is DestinationType.MAIL_MANAGER_ADDRESS_LIST:
        return FileSpec(
            destination_type=route.destination.type,
            action=Action.PUT if route.action is Action.SYNC else route.action,  # a sync's file is a put file
            data_format=route.data_format,
            has_header=route.data_format is DataFormat.CSV,
            columns=(EMAIL_ADDRESS,),
            required=(EMAIL_ADDRESS,),
            record_limit=MAIL_MANAGER_RECORD_LIMIT,
            allows_topics=False,
            wire_names=((EMAIL_ADDRESS, MAIL_MANAGER_ADDRESS),),
            staged_as=MAIL_MANAGER_STAGED_FORMAT,
            items_document=True,
            allows_wildcards=True,
            record_limit_reason=_MAIL_MANAGER_LIMIT_REASON,
            splits=False,  # the list's own maximum: more jobs into the same list cannot hold more
        )
    if route.destination.type is DestinationType.SES_CONTACT_LIST:
        sync = route.action is Action.SYNC
        return FileSpec(
            destination_type=route.destination.type,
            # A sync's file is a put file (listdrop imports it with PUT, then removes the rest): one job, unsplit,
            # since what it leaves out is what the list must lose.
            action=Action.PUT if sync else route.action,
            data_format=route.data_format,
            has_header=route.data_format is DataFormat.CSV,
            columns=(EMAIL_ADDRESS, UNSUBSCRIBE_ALL, ATTRIBUTES_DATA, TOPIC_PREFERENCES),
            required=(EMAIL_ADDRESS,),
            record_limit=CONTACT_LIST_RECORD_LIMIT,
            allows_topics=True,
            extra_as_attributes=route.destination.option(EXTRA_COLUMNS) == EXTRA_COLUMNS_AS_ATTRIBUTES,
            splits=not sync,
            record_limit_reason=_SYNC_LIMIT_REASON if sync else "",
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

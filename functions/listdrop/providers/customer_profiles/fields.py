"""From a CSV header to CreateUploadJob's `Fields` and `UniqueKey`: one function (`upload_mapping`) that the file
layout uses to check a header and the job uses to build its call, so the two never disagree.

What the sources say, and what listdrop assumes where they say nothing:
- `Fields` is "the mapping between CSV Columns and Profile Object attributes. A map of the name and ObjectType
  field"; its keys match ^[a-zA-Z0-9_.-]+$, 1-64 characters; each value has `Source` ("for example
  _source.FirstName"), `Target` ("for example _profile.Address.PostalCode") and `ContentType` (STRING, NUMBER,
  PHONE_NUMBER, EMAIL_ADDRESS or NAME) (botocore's customer-profiles 2020-08-15 model, CreateUploadJobRequest
  and ObjectTypeField).
- Headers map to standard profile attributes, custom ones as `Attributes.<name>`; the console maps "up to 25
  attributes"; a header row is required (Amazon Connect admin guide, "Create segments from imported files",
  https://docs.aws.amazon.com/connect/latest/adminguide/customer-segments-imported-files.html). "Customer
  Profiles does not support ingesting data from CSV headers that contain dot notation" ("Create and ingest
  customer data", https://docs.aws.amazon.com/connect/latest/adminguide/customer-profiles-object-type-mappings.html).
- Not documented, assumed (docs/design/customer-profiles.md, open question 1): the `Fields` keys are the CSV
  header names, `Source` is `_source.<header>`, and `UniqueKey` names one `Fields` key. listdrop's unique key is
  the e-mail address, so `EmailAddress` is a required column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from listdrop.errors import RejectedFile
from listdrop.privacy import redact_emails

EMAIL_ADDRESS = "EmailAddress"
UNIQUE_KEY = EMAIL_ADDRESS
MAX_COLUMNS = 25

# The standard profile's text fields that a CSV column can set: the members of the model's Profile (and
# CreateProfileRequest) of shape sensitiveString1To255. The enumerations (Gender, PartyType), the structures
# (Address, ...) and Attributes are left out: a dotted column cannot reach a structure's members, and a column of
# any other name becomes a custom attribute. ContentType "used for determining equality when searching" (model,
# ObjectTypeField): an address, a phone number or a name where the field is one.
STANDARD_FIELDS: dict[str, str] = {
    "AccountNumber": "STRING",
    "BusinessName": "NAME",
    "FirstName": "NAME",
    "MiddleName": "NAME",
    "LastName": "NAME",
    "BirthDate": "STRING",
    "GenderString": "STRING",
    "PartyTypeString": "STRING",
    "PhoneNumber": "PHONE_NUMBER",
    "MobilePhoneNumber": "PHONE_NUMBER",
    "HomePhoneNumber": "PHONE_NUMBER",
    "BusinessPhoneNumber": "PHONE_NUMBER",
    EMAIL_ADDRESS: "EMAIL_ADDRESS",
    "PersonalEmailAddress": "EMAIL_ADDRESS",
    "BusinessEmailAddress": "EMAIL_ADDRESS",
}
EMAIL_FIELDS = frozenset(name for name, content in STANDARD_FIELDS.items() if content == "EMAIL_ADDRESS")
ATTRIBUTE_CONTENT_TYPE = "STRING"

# A header name as a `Fields` key can hold it, without the dots the service refuses in headers.
_COLUMN_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SQUASH = re.compile(r"[\s_-]+")
# Other spellings people give the standard fields: the squashed names (case, spaces, '_' and '-' ignored), and a
# few common words, as the address layouts read 'email' and 'Email Address' (validation/formats.py).
_ALIASES: dict[str, str] = {
    **{name.lower(): name for name in STANDARD_FIELDS},
    "email": EMAIL_ADDRESS,
    "mail": EMAIL_ADDRESS,
    "phone": "PhoneNumber",
    "mobile": "MobilePhoneNumber",
}


@dataclass(frozen=True)
class UploadMapping:
    """CreateUploadJob's `Fields` and `UniqueKey` for one header."""

    fields: dict[str, dict[str, str]]
    unique_key: str

    def call_parameters(self) -> dict[str, Any]:
        return {"Fields": self.fields, "UniqueKey": self.unique_key}


def canonical_column(raw: str, notes: list[str]) -> str:
    """The column a header cell names: a standard field in the model's spelling (with a note when the file spelled
    it another way), or the name as written, for a custom attribute."""
    name = raw.strip()
    standard = _ALIASES.get(_SQUASH.sub("", name).lower())
    if standard is None:
        return name
    if standard != name:
        notes.append(f"read column '{redact_emails(name)[:80]}' as '{standard}'")
    return standard


def upload_mapping(columns: Sequence[str]) -> UploadMapping:
    """The mapping of a header whose names are already canonical (canonical_column); RejectedFile when the header
    cannot be mapped."""
    if len(columns) > MAX_COLUMNS:
        raise RejectedFile(
            "TOO_MANY_COLUMNS",
            f"The header has {len(columns)} columns; a Customer Profiles import maps at most {MAX_COLUMNS}.",
        )
    for position, name in enumerate(columns, start=1):
        _check_name(position, name)
    if len(set(columns)) != len(columns):
        raise RejectedFile("DUPLICATE_COLUMN", "The header names the same column twice.")
    if EMAIL_ADDRESS not in columns:
        raise RejectedFile(
            "MISSING_REQUIRED_COLUMN",
            f"The header has no {EMAIL_ADDRESS} (or 'email') column: profiles are matched on the e-mail address.",
        )
    return UploadMapping({name: _field(name) for name in columns}, UNIQUE_KEY)


def _check_name(position: int, name: str) -> None:
    if not name:
        raise RejectedFile("INVALID_HEADER", f"Column {position} of the header has no name.")
    if "." in name:
        raise RejectedFile(
            "INVALID_HEADER",
            f"Column {position} ('{redact_emails(name)[:80]}') has a dot: Customer Profiles does not read CSV "
            "headers with dot notation. Custom attributes are plain names (they become Attributes.<name>).",
        )
    if not _COLUMN_NAME.match(name):
        raise RejectedFile(
            "INVALID_HEADER",
            f"Column {position} ('{redact_emails(name)[:80]}') is not a name Customer Profiles maps: use 1-64 "
            "letters, digits, '_' or '-'.",
        )


def _field(name: str) -> dict[str, str]:
    content_type = STANDARD_FIELDS.get(name)
    if content_type is not None:
        return {"Source": f"_source.{name}", "Target": f"_profile.{name}", "ContentType": content_type}
    return {
        "Source": f"_source.{name}",
        "Target": f"_profile.Attributes.{name}",
        "ContentType": ATTRIBUTE_CONTENT_TYPE,
    }

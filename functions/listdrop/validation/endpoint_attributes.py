"""What an Amazon Pinpoint endpoint import takes: its attributes (from the service model) and their values.

What the import job reads, and so what is enforced here:
- CSV or newline-delimited JSON, UTF-8, uncompressed, at most 1 GB per job; each row or line is one endpoint
  definition with the EndpointRequest attributes (developer guide, "Importing endpoints into Amazon Pinpoint").
- A new endpoint needs ChannelType and Address; an update needs the endpoint's Id (user guide, "Importing
  segments"). ChannelType values, the attribute names and their types come from botocore's pinpoint model
  (EndpointBatchItem, which is EndpointRequest plus Id); CSV columns are those names dotted, as in the guides'
  examples (Location.Country, User.UserId, Attributes.<name>, User.UserAttributes.<name>, Metrics.<name>).
- Only the attributes the user guide lists as importable are taken: its "Supported attributes" table
  (https://docs.aws.amazon.com/pinpoint/latest/userguide/segments-importing.html#segments-importing-available-attributes)
  names every member of EndpointBatchItem except EndpointStatus, and the text above it says EndpointStatus is
  not supported when importing. That text names EffectiveDate too, but the table lists it: EffectiveDate is
  accepted, as the table says (an assumption, see the README).
- Documented in the API reference: SMS addresses in E.164 form, EMAIL addresses as e-mail addresses,
  OptOut ALL or NONE, EffectiveDate in ISO 8601, custom attribute names of at most 50 characters and values of
  at most 100.
"""

from __future__ import annotations

import functools
import math
import re
import sys
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from listdrop.privacy import redact_contacts
from listdrop.service_models import service_model
from listdrop.validation import rows
from listdrop.validation.layout import CellProblem

NO_RECORD_LIMIT = sys.maxsize  # Pinpoint documents no record count per job, only the 1 GB below
MAX_IMPORT_BYTES = 1_000_000_000  # "Each import job can transfer up to 1 GB of data."
MAX_ATTRIBUTE_NAME = 50
MAX_ATTRIBUTE_VALUE = 100

CHANNEL_TYPE = "ChannelType"
ADDRESS = "Address"
ID = "Id"
PHONE_CHANNELS = frozenset({"SMS", "VOICE"})
EMAIL_CHANNEL = "EMAIL"
# Members of the API's EndpointBatchItem that an import job does not take (user guide, "Supported attributes").
NOT_IMPORTABLE = frozenset({"EndpointStatus"})
NOT_IMPORTABLE_REASON = (
    "Pinpoint import jobs do not take {name} (the user guide's list of supported import attributes leaves it out)."
)

# E.164: at most 15 digits, no leading 0. The guide's own CSV example writes the number without '+'.
PHONE = re.compile(r"\+?[1-9][0-9]{6,14}")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_TOO_LONG = f"A custom attribute value has at most {MAX_ATTRIBUTE_VALUE} characters."


class Kind(StrEnum):
    TEXT = "TEXT"
    CHANNEL = "CHANNEL"
    ADDRESS = "ADDRESS"
    DATE = "DATE"
    OPT_OUT = "OPT_OUT"
    NUMBER = "NUMBER"
    LATITUDE = "LATITUDE"
    LONGITUDE = "LONGITUDE"
    ATTRIBUTE = "ATTRIBUTE"  # one value of a custom attribute (a list of strings in the API)


class Form(StrEnum):
    LEAF = "LEAF"
    STRUCTURE = "STRUCTURE"
    MAP = "MAP"


_SPECIAL_KINDS = {
    CHANNEL_TYPE: Kind.CHANNEL,
    ADDRESS: Kind.ADDRESS,
    "EffectiveDate": Kind.DATE,
    "OptOut": Kind.OPT_OUT,
    "Location.Latitude": Kind.LATITUDE,
    "Location.Longitude": Kind.LONGITUDE,
}
_ENUMS = {Kind.OPT_OUT: ("ALL", "NONE")}
_RANGES = {Kind.LATITUDE: 90.0, Kind.LONGITUDE: 180.0}


@dataclass(frozen=True)
class Field:
    path: str  # the API's spelling, dotted: "Location.Country", "User.UserAttributes"
    form: Form
    kind: Kind  # for a map, the kind of each value


@dataclass(frozen=True)
class EndpointSchema:
    channel_types: frozenset[str]
    fields: dict[str, Field]  # lower-cased path -> field

    def column(self, name: str) -> tuple[str, Kind, str] | None:
        """A CSV header cell as (the API's spelling, its kind, the custom name in it or ""), or None if unknown."""
        found = self.fields.get(name.lower())
        if found is not None:
            return (found.path, found.kind, "") if found.form is Form.LEAF else None
        head, dot, custom = name.rpartition(".")
        while dot:
            found = self.fields.get(head.lower())
            if found is not None:
                return (f"{found.path}.{custom}", found.kind, custom) if found.form is Form.MAP and custom else None
            # custom names may hold dots: try the next shorter prefix ("User.UserAttributes" before "User")
            head, dot, rest = head.rpartition(".")
            custom = f"{rest}.{custom}"
        return None

    def member(self, parent: str, key: str) -> Field | None:
        """A JSON key inside `parent` ("" at the top level); keys are matched without regard to case."""
        if "." in key:
            return None
        return self.fields.get(f"{parent}.{key}".lower() if parent else key.lower())


@functools.cache
def endpoint_schema() -> EndpointSchema:
    """Attribute names and types from the pinpoint model (the one that ships with the code, see
    listdrop.service_models), so they follow the API, not a copy of it."""
    model = service_model("pinpoint")
    fields: dict[str, Field] = {}

    def visit(prefix: str, shape: Any) -> None:
        for name, member in shape.members.items():
            path = prefix + name
            if path in NOT_IMPORTABLE:
                continue
            if member.type_name == "structure":
                fields[path.lower()] = Field(path, Form.STRUCTURE, Kind.TEXT)
                visit(path + ".", member)
            elif member.type_name == "map":
                kind = Kind.NUMBER if member.value.type_name == "double" else Kind.ATTRIBUTE
                fields[path.lower()] = Field(path, Form.MAP, kind)
            else:
                kind = _SPECIAL_KINDS.get(path, Kind.NUMBER if member.type_name == "double" else Kind.TEXT)
                fields[path.lower()] = Field(path, Form.LEAF, kind)

    visit("", model.shape_for("EndpointBatchItem"))
    channel_types = frozenset(str(value) for value in model.shape_for("ChannelType").enum)
    return EndpointSchema(channel_types=channel_types, fields=fields)


def not_importable(name: str) -> str:
    """The API's spelling of a column or top-level field the import job does not take, or "" if it is not one."""
    wanted = name.strip().lower()
    return next((refused for refused in NOT_IMPORTABLE if refused.lower() == wanted), "")


# -- values --------------------------------------------------------------------------------------------------


def text_value(kind: Kind, raw: str, channels: frozenset[str]) -> str | None:
    """One value as the API reads it, or None when empty (left out); raises RowProblem."""
    value = raw.strip()
    if not value:
        return None
    if kind is Kind.CHANNEL:
        upper = value.upper()
        if upper not in channels:
            raise rows.RowProblem("INVALID_CHANNEL_TYPE", f"ChannelType must be one of {', '.join(sorted(channels))}.")
        return upper
    if kind in _ENUMS:
        upper = value.upper()
        if upper not in _ENUMS[kind]:
            raise rows.RowProblem(f"INVALID_{kind.value}", f"The value must be {' or '.join(_ENUMS[kind])}.")
        return upper
    if kind is Kind.DATE:
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise rows.RowProblem("INVALID_DATE", "EffectiveDate must be an ISO 8601 date and time.") from None
        return value
    if kind in (Kind.NUMBER, Kind.LATITUDE, Kind.LONGITUDE):
        if not _NUMBER.fullmatch(value):
            raise rows.RowProblem("INVALID_NUMBER", "The value must be a number.")
        number_value(kind, float(value))
        return value
    if kind is Kind.ATTRIBUTE and len(value) > MAX_ATTRIBUTE_VALUE:
        raise rows.RowProblem(
            "VALUE_TOO_LONG", f"A custom attribute value has at most {MAX_ATTRIBUTE_VALUE} characters."
        )
    return value


def number_value(kind: Kind, number: float) -> float:
    if not math.isfinite(number):
        raise rows.RowProblem("INVALID_NUMBER", "The value must be a finite number.")
    limit = _RANGES.get(kind)
    if limit is not None and abs(number) > limit:
        raise rows.RowProblem("INVALID_NUMBER", f"The value must be between -{limit:g} and {limit:g}.")
    return number


def json_value(kind: Kind, value: Any, channels: frozenset[str]) -> Any:
    """A JSON leaf as the API reads it, or None when empty (left out); raises RowProblem."""
    if value is None:
        return None
    if kind in (Kind.NUMBER, Kind.LATITUDE, Kind.LONGITUDE):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise rows.RowProblem("WRONG_TYPE", "The value must be a number.")
        if isinstance(value, str):
            text = text_value(kind, value, channels)
            return None if text is None else float(text)
        try:
            number_value(kind, float(value))
        except OverflowError:
            raise rows.RowProblem("INVALID_NUMBER", "The value must be a finite number.") from None
        return value
    if kind is Kind.ATTRIBUTE:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(item, str) for item in values):
            raise rows.RowProblem("WRONG_TYPE", "A custom attribute must be a list of strings.")
        if any(len(item) > MAX_ATTRIBUTE_VALUE for item in values):
            raise rows.RowProblem("VALUE_TOO_LONG", _TOO_LONG)
        return values
    if not isinstance(value, str):
        raise rows.RowProblem("WRONG_TYPE", "The value must be a string.")
    return text_value(kind, value, channels)


def endpoint_rules(channel: str | None, address: str | None, endpoint_id: str | None) -> str | None:
    """The whole-row rules: what a new endpoint needs, and an address that fits its channel.

    Returns the normalized address; raises CellProblem naming the column it concerns.
    """
    if endpoint_id is None:
        if channel is None:
            raise CellProblem(
                CHANNEL_TYPE, "", "MISSING_CHANNEL_TYPE", "A new endpoint needs a ChannelType (or give its Id)."
            )
        if address is None:
            raise CellProblem(ADDRESS, "", "MISSING_ADDRESS", "A new endpoint needs an Address (or give its Id).")
    if address is None or channel is None:
        return address
    if channel == EMAIL_CHANNEL:
        try:
            return rows.email(address)
        except rows.RowProblem as problem:
            raise CellProblem(ADDRESS, "", problem.code, problem.reason) from None
    if channel in PHONE_CHANNELS and not PHONE.fullmatch(address):
        raise CellProblem(
            ADDRESS,
            "",
            "INVALID_PHONE_NUMBER",
            f"A {channel} address must be a phone number in E.164 form: an optional '+', then up to 15 digits.",
        )
    return address


def redact(text: str) -> str:
    """Neither e-mail addresses nor phone numbers leave the checker in a message or a report cell."""
    return redact_contacts(text)

"""How Customer Profiles reads an upload job's CSV against the job's field mapping (``Fields``, ``UniqueKey``).

What AWS states: ``Fields`` is "the mapping between CSV Columns and Profile Object attributes", each value an
``ObjectTypeField`` whose ``Source`` is "a field of a ProfileObject. For example: ``_source.FirstName``" and whose
``Target`` is "the location of the data in the standard ProfileObject model. For example:
``_profile.Address.PostalCode``"; ``UniqueKey`` is "the unique key columns for de-duping the profiles" (botocore
customer-profiles 2020-08-15, ``CreateUploadJobRequest``, ``ObjectTypeField``). The file must have a header row and
UTF-8 "without BOM" (Connect admin guide, "Create segments from imported files",
https://docs.aws.amazon.com/connect/latest/adminguide/customer-segments-imported-files.html); "Customer Profiles
does not support ingesting data from CSV headers that contain dot notation" (Connect admin guide, object type
mappings, https://docs.aws.amazon.com/connect/latest/adminguide/customer-profiles-object-type-mappings.html).
The readings of these that are assumptions are listed in the package docstring.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from botocore.model import Shape

from localcloud.emulators.kit import constraints
from localcloud.emulators.kit.errors import JobFailure
from localcloud.emulators.kit.records import RecordError, SourceLine, csv_fields, decode_utf8, is_email, source_lines
from localcloud.emulators.kit.service import service_model

SOURCE_PREFIX = "_source."
TARGET_PREFIX = "_profile."
EMAIL_ADDRESS = "EMAIL_ADDRESS"


@cache  # one Shape each: botocore resolves a shape's members once per instance
def _profile_input() -> Shape:
    """The writable profile fields: botocore's ``CreateProfileRequest`` (its ``DomainName`` is the URI's)."""
    return service_model("customer-profiles").shape_for("CreateProfileRequest")


@cache
def _profile() -> Shape:
    """A stored profile (botocore's ``Profile``): each imported record must keep its constraints."""
    return service_model("customer-profiles").shape_for("Profile")


@dataclass(frozen=True)
class FieldMapping:
    """One ``Fields`` entry: the CSV column it reads and the profile field it writes."""

    name: str  # the Fields key
    column: str  # Source without "_source."
    target: str  # Target without "_profile.": "EmailAddress", "Address.PostalCode", "Attributes.<name>"
    content_type: str | None


@dataclass(frozen=True)
class UploadMapping:
    """A job's ``Fields`` and ``UniqueKey``, read once when the job is created."""

    fields: tuple[FieldMapping, ...]
    unique_key: FieldMapping

    @classmethod
    def read(cls, fields: Mapping[str, Mapping[str, Any]], unique_key: str) -> UploadMapping:
        """ValueError (the message of a BadRequestException) when a mapping or the unique key cannot be used."""
        mappings = tuple(_field_mapping(name, field) for name, field in fields.items())
        by_name = {mapping.name: mapping for mapping in mappings}
        if unique_key not in by_name:
            raise ValueError(f"UniqueKey {unique_key!r} is not a key of Fields.")
        return cls(mappings, by_name[unique_key])

    def key_of(self, value: str) -> str:
        """The unique-key value as profiles are matched on it: e-mail addresses compare case-insensitively
        (``ContentType`` is "used for determining equality when searching", botocore ``ObjectTypeField``)."""
        return value.lower() if self.unique_key.content_type == EMAIL_ADDRESS else value


def _field_mapping(name: str, field: Mapping[str, Any]) -> FieldMapping:
    source, target = field.get("Source"), field.get("Target")
    if not isinstance(source, str) or not isinstance(target, str):
        raise ValueError(f"Fields.{name} needs a Source and a Target.")
    column = source.removeprefix(SOURCE_PREFIX)
    if not source.startswith(SOURCE_PREFIX) or not column or "." in column:
        raise ValueError(f"Fields.{name}.Source must be {SOURCE_PREFIX}<CSV column>, a column without dots.")
    path = target.removeprefix(TARGET_PREFIX)
    if not target.startswith(TARGET_PREFIX) or not _is_profile_path(path):
        raise ValueError(
            f"Fields.{name}.Target must be {TARGET_PREFIX}<field> of the standard profile "
            f"({TARGET_PREFIX}EmailAddress, {TARGET_PREFIX}Address.PostalCode, {TARGET_PREFIX}Attributes.<name>)."
        )
    return FieldMapping(name, column, path, field.get("ContentType"))


def _is_profile_path(path: str) -> bool:
    """A string field of the profile, a string field of one of its structures (an address), or an attribute."""
    head, _, rest = path.partition(".")
    member = _profile_input().members.get(head)
    if member is None or member.serialization.get("location"):
        return False  # not a profile field, or DomainName (the URI's)
    if member.type_name == "string":
        return not rest
    if member.type_name == "structure":
        inner = member.members.get(rest)
        return inner is not None and inner.type_name == "string"
    return member.type_name == "map" and bool(rest)


@dataclass(frozen=True)
class ProfileRecord:
    """One record that goes in: its unique-key value (as matched) and the profile fields it sets."""

    key: str
    values: dict[str, str]  # FieldMapping.target -> value; empty cells are left out


@dataclass(frozen=True)
class UploadFile:
    """Each record in file order: the profile it writes, or None when it failed."""

    outcomes: list[ProfileRecord | None]


def read_upload(data: bytes | None, mapping: UploadMapping) -> UploadFile:
    """Read the uploaded CSV; JobFailure (the job FAILS with VALIDATION_FAILURE) when it cannot be read at all."""
    if data is None:
        raise JobFailure("Nothing was uploaded to the job's URL before it started.")
    if data.startswith(codecs.BOM_UTF8):
        raise JobFailure("The file starts with a byte-order mark (UTF-8 with BOM is not supported).")
    lines = source_lines(decode_utf8(data, "The uploaded file"))
    if not lines:
        raise JobFailure("The file is empty: it has no header row.")
    try:
        header = csv_fields(lines[0].text)
    except RecordError as exc:
        raise JobFailure(f"The header row is not valid CSV: {exc}.") from exc
    missing = sorted({field.column for field in mapping.fields} - set(header))
    if missing:
        raise JobFailure(f"The header row lacks the column(s) the job's Fields map: {', '.join(missing)}.")
    columns = {name: index for index, name in reversed(list(enumerate(header)))}  # the first of equal names
    return UploadFile([_outcome(line, len(header), columns, mapping) for line in lines[1:]])


def _outcome(line: SourceLine, width: int, columns: dict[str, int], mapping: UploadMapping) -> ProfileRecord | None:
    try:
        return _record(line, width, columns, mapping)
    except RecordError:
        return None


def _record(line: SourceLine, width: int, columns: dict[str, int], mapping: UploadMapping) -> ProfileRecord:
    cells = csv_fields(line.text)
    if len(cells) != width:
        raise RecordError(f"line {line.number} has {len(cells)} fields, the header {width}")
    values = {field.target: cells[columns[field.column]] for field in mapping.fields if cells[columns[field.column]]}
    key = cells[columns[mapping.unique_key.column]]
    if not key:
        raise RecordError(f"line {line.number} has no unique-key value")
    for field in mapping.fields:
        if field.content_type == EMAIL_ADDRESS and field.target in values and not is_email(values[field.target]):
            raise RecordError(f"line {line.number}: {field.name} is not an e-mail address")
    if constraints.problems(_profile(), _nested(values)):
        raise RecordError(f"line {line.number} does not make a valid profile")
    return ProfileRecord(mapping.key_of(key), values)


def _nested(values: Mapping[str, str]) -> dict[str, Any]:
    """``{"Address.City": "x"}`` as the profile structure ``{"Address": {"City": "x"}}``."""
    nested: dict[str, Any] = {}
    for path, value in values.items():
        head, _, rest = path.partition(".")
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            nested[head] = value
    return nested

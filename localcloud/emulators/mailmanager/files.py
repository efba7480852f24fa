"""How Mail Manager reads an address-list import file, and which entries it accepts.

The layouts are the SES Developer Guide's, "Address Lists" (https://docs.aws.amazon.com/ses/latest/dg/eb-addlist.html),
"Bulk upload"; the package docstring spells out the rules and the readings of them that are assumptions.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from typing import Any

from localcloud.emulators.kit.errors import JobFailure
from localcloud.emulators.kit.records import decode_utf8, is_email

# The page's "Bulk upload": the CSV header and the JSON document's one field.
CSV_HEADER = "address"
JSON_ITEMS = "items"
LAYOUTS = 'a CSV whose first row is the header \'address\', or JSON {"items": [{"address": "..."}, ...]}'
_DOMAIN_RE = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
_LOCAL_RE = re.compile(r"[A-Za-z0-9!#$%&'+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'+/=?^_`{|}~-]+)*")
_WILDCARD_PREFIX_RE = re.compile(r"[A-Za-z0-9!#$%&'+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'+/=?^_`{|}~-]+)*\.?")


def is_valid_member(value: str) -> bool:
    """An email address or a documented wildcard entry (see the module docstring), 3-320 characters."""
    if not 3 <= len(value) <= 320:
        return False
    if "*" not in value:
        return is_email(value)
    if value.count("*") != 1:
        return False
    local, at, domain = value.rpartition("@")
    if not at:
        return value.startswith("*.") and _is_wildcard_domain(value[2:])
    if local.endswith("*"):
        prefix = local[:-1]
        prefix_ok = prefix == "" or (3 <= len(prefix) <= 19 and _WILDCARD_PREFIX_RE.fullmatch(prefix) is not None)
        return prefix_ok and _DOMAIN_RE.fullmatch(domain) is not None
    if domain.startswith("*."):
        return len(local) <= 64 and _LOCAL_RE.fullmatch(local) is not None and _is_wildcard_domain(domain[2:])
    return False


def _is_wildcard_domain(rest: str) -> bool:
    """What follows a leading ``*.``: a domain of 2 to 9 levels."""
    return 2 <= rest.count(".") + 1 <= 9 and _DOMAIN_RE.fullmatch(rest) is not None


@dataclass(frozen=True)
class ParsedFile:
    """The valid addresses in file order, and how many items failed."""

    addresses: list[str]
    failed: int


def parse_import_file(data: bytes, import_data_type: str) -> ParsedFile:
    """Parse an uploaded address file in the documented layout of its ``ImportDataType`` (module docstring).

    Raises JobFailure when the file as a whole is not that layout. Messages never quote the file's content.
    """
    if not data:
        raise JobFailure(
            "The uploaded import file is empty. (moto keeps no body for a PUT sent with Content-Type "
            "application/x-www-form-urlencoded, urllib's default: send text/csv or application/json.)"
        )
    text = decode_utf8(data, "The import file")
    items = _csv_items(text) if import_data_type == "CSV" else _json_items(text)
    addresses: list[str] = []
    failed = 0
    for item in items:
        if isinstance(item, str) and is_valid_member(item.strip()):
            addresses.append(item.strip())
        else:
            failed += 1
    return ParsedFile(addresses, failed)


def _csv_items(text: str) -> list[Any]:
    try:
        rows = [row for row in csv.reader(text.splitlines(), strict=True) if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise JobFailure(f"The import file is not valid CSV: {exc}") from exc
    if not rows:
        raise JobFailure(f"The CSV file has no header row 'address' and no addresses. Expected {LAYOUTS}.")
    if [cell.strip() for cell in rows[0]] != [CSV_HEADER]:
        raise JobFailure(
            f"The CSV file does not start with the header row '{CSV_HEADER}' (one column, spelled so), which is "
            f"required. Expected {LAYOUTS}."
        )
    return [row[0] if len(row) == 1 else None for row in rows[1:]]


def _json_items(text: str) -> list[Any]:
    try:
        document = json.loads(text)
    except ValueError:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > 1 and all(_is_json(line) for line in lines):
            raise JobFailure(f"The JSON file is JSON lines, not one document. Expected {LAYOUTS}.") from None
        raise JobFailure(f"The import file is not valid JSON. Expected {LAYOUTS}.") from None
    if not isinstance(document, dict) or set(document) != {JSON_ITEMS} or not isinstance(document[JSON_ITEMS], list):
        raise JobFailure(
            f'The JSON file is not one object {{"{JSON_ITEMS}": [...]}} with no other field. Expected {LAYOUTS}.'
        )
    return [_json_address(item) for item in document[JSON_ITEMS]]


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def _json_address(item: Any) -> Any:
    """The address of an item ``{"address": "..."}``; None (a failed item) for any other shape."""
    if isinstance(item, dict) and set(item) == {CSV_HEADER}:
        return item[CSV_HEADER]
    return None

"""Row-by-row checks and normalization: the exact path, used for every row the block fast path cannot vouch for.

Each function returns the normalized value or raises RowProblem with a specific code and reason.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from listdrop.validation.formats import (
    BOOLEANS,
    DOMAIN,
    EMAIL,
    LOCAL_PART,
    MAX_EMAIL_LENGTH,
    REASONS,
    SUBSCRIPTIONS,
    WILDCARD,
    WILDCARD_DOMAIN_LEVELS,
    WILDCARD_PREFIX,
    WILDCARD_PREFIX_LENGTHS,
    Kind,
)

MAX_TOPIC_NAME = 1000
# The note for rows whose international domain was written in Punycode (email(), below).
PUNYCODE_NOTE = "wrote the international domain in Punycode in {rows}"
# Distinct international domains whose Punycode form is kept (each at most 254 characters: under 2 MiB in all).
IDNA_CACHE_SIZE = 4096


class RowProblem(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def email(value: Any) -> str:
    if not isinstance(value, str):
        raise RowProblem("INVALID_EMAIL", "The address is not text.")
    address = value.strip()
    if not address:
        raise RowProblem("MISSING_EMAIL", "The address is empty.")
    if not address.isascii():
        address = _punycode(address)
    if len(address) > MAX_EMAIL_LENGTH:
        raise RowProblem("INVALID_EMAIL", f"The address is longer than {MAX_EMAIL_LENGTH} characters.")
    if not EMAIL.fullmatch(address):
        raise RowProblem(
            "INVALID_EMAIL",
            "Not a valid e-mail address (a name, then @, then a domain such as example.com; ASCII only).",
        )
    return address


def punycode_note(value: Any) -> str:
    """The note for a valid address as given: only a non-ASCII one was changed (to Punycode)."""
    return "" if not isinstance(value, str) or value.isascii() else PUNYCODE_NOTE


def _punycode(address: str) -> str:
    """An address whose domain is international, with the domain in Punycode (IDNA 2008 with the UTS #46
    mapping, as registries and browsers read domains), as SES requires: its API reference (botocore's sesv2
    model, shape Destination) says SES "does not support the SMTPUTF8 extension", so "the local part ... may
    only contain 7-bit ASCII characters" and a domain part with "non-ASCII characters ... must be encoded
    using Punycode". Only rows with non-ASCII characters come here; the block fast path never does."""
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise RowProblem("INVALID_EMAIL", "Not a valid e-mail address (a name, then @, then a domain).")
    if not local.isascii():
        raise RowProblem(
            "NON_ASCII_LOCAL_PART",
            "The part before the @ has non-ASCII characters; SES takes only 7-bit ASCII there (it does not "
            "support SMTPUTF8, RFC 6531), so the address cannot be imported.",
        )
    if len(domain) > MAX_EMAIL_LENGTH:  # before IDNA, which is not meant for hostile lengths
        raise RowProblem("INVALID_EMAIL", f"The address is longer than {MAX_EMAIL_LENGTH} characters.")
    ascii_domain = _ascii_domain(domain)
    if ascii_domain is None:
        raise RowProblem(
            "INVALID_DOMAIN",
            "The international domain is not a valid IDNA 2008 domain, so it has no Punycode form SES takes.",
        )
    return f"{local}@{ascii_domain}"


@lru_cache(maxsize=IDNA_CACHE_SIZE)
def _ascii_domain(domain: str) -> str | None:
    """The domain's Punycode form, None when IDNA 2008 refuses it. Cached: the idna package converts ~7,000
    domains a second, and a file's international addresses share few domains."""
    import idna  # here, not at the top: ~7 ms of import that only files with an international domain pay

    try:
        return str(idna.encode(domain, uts46=True).decode("ascii"))
    except idna.IDNAError:  # its subclasses too (a code point IDNA 2008 does not allow)
        return None


def member(value: Any) -> str:
    """A Mail Manager address-list entry: an e-mail address, or a wildcard entry by the documented rules
    (formats.py: one '*', directly before the @, directly after it, or first in a domain entry)."""
    if not isinstance(value, str) or WILDCARD not in value:
        return email(value)
    entry = value.strip()
    if len(entry) > MAX_EMAIL_LENGTH:
        raise RowProblem("INVALID_EMAIL", f"The address is longer than {MAX_EMAIL_LENGTH} characters.")
    if entry.count(WILDCARD) > 1:
        raise _wildcard("A wildcard entry holds one '*' only.")
    local, at, domain = entry.rpartition("@")
    if not at:
        if not entry.startswith(WILDCARD + "."):
            raise _wildcard("A domain entry's '*' must be its whole first label, as in *.example.com.")
        _wildcard_domain(entry[2:])
    elif local.endswith(WILDCARD):
        prefix = local[: -len(WILDCARD)]
        if len(prefix) not in WILDCARD_PREFIX_LENGTHS:
            raise _wildcard("Before a '*' at the end of the local part come 0 or 3 to 19 characters.")
        if prefix and not WILDCARD_PREFIX.fullmatch(prefix):
            raise _wildcard("The characters before the '*' are not valid in an address.")
        if not DOMAIN.fullmatch(domain):
            raise _wildcard("The domain after the @ is not valid (a domain such as example.com).")
    elif domain.startswith(WILDCARD + "."):
        if len(local) > 64 or not LOCAL_PART.fullmatch(local):
            raise _wildcard("The part before the @ is not valid in an address.")
        _wildcard_domain(domain[2:])
    else:
        raise _wildcard(
            "The '*' must come directly before the @ (123*@example.com), directly after it as a whole label "
            "(user@*.example.com), or first in a domain entry (*.example.com)."
        )
    return entry


def _wildcard_domain(rest: str) -> None:
    """The domain after a leading '*.': 2 to 9 levels besides the '*'."""
    if rest.count(".") + 1 not in WILDCARD_DOMAIN_LEVELS:
        raise _wildcard("After '*.' come 2 to 9 domain levels (example.com has 2).")
    if not DOMAIN.fullmatch(rest):
        raise _wildcard("After '*.' comes a domain such as example.com.")


def _wildcard(reason: str) -> RowProblem:
    return RowProblem("INVALID_WILDCARD", f"{reason} (Mail Manager wildcard rules.)")


def boolean(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if not text:
            return None
        if text in BOOLEANS:
            return text == "true"
    raise RowProblem("INVALID_BOOLEAN", "unsubscribeAll must be true or false.")


def subscription(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip().upper()
        if not text:
            return None
        if text in SUBSCRIPTIONS:
            return text
    raise RowProblem("INVALID_SUBSCRIPTION_STATUS", "A topic preference must be OPT_IN or OPT_OUT.")


def reason(value: Any) -> str:
    if isinstance(value, str) and value.strip().upper() in REASONS:
        return value.strip().upper()
    raise RowProblem("INVALID_REASON", "The suppression reason must be BOUNCE or COMPLAINT.")


def attributes(value: Any) -> str | None:
    """attributesData travels as a string holding a JSON object; an object given directly is serialized."""
    if value is None:
        return None
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if not isinstance(value, str):
        raise RowProblem("INVALID_ATTRIBUTES", "attributesData must be a JSON object written as a string.")
    text = value.strip()
    if not text:
        return None
    try:
        parsed = json.loads(text)
    except RecursionError:
        raise RowProblem("INVALID_ATTRIBUTES", "attributesData is nested too deeply.") from None
    except ValueError:
        raise RowProblem("INVALID_ATTRIBUTES", "attributesData is not valid JSON.") from None
    if not isinstance(parsed, dict):
        raise RowProblem("INVALID_ATTRIBUTES", "attributesData must be a JSON object ({...}).")
    return text


def topic_preferences(value: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RowProblem("INVALID_TOPIC_PREFERENCES", "topicPreferences must be a list.")
    result = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("topicName"), str):
            raise RowProblem(
                "INVALID_TOPIC_PREFERENCES", "Each topic preference needs a topicName and a subscriptionStatus."
            )
        name = item["topicName"].strip()
        status = subscription(item.get("subscriptionStatus"))
        if not name or len(name) > MAX_TOPIC_NAME or status is None or set(item) - {"topicName", "subscriptionStatus"}:
            raise RowProblem(
                "INVALID_TOPIC_PREFERENCES", "Each topic preference needs a topicName and a subscriptionStatus."
            )
        result.append({"topicName": name, "subscriptionStatus": status})
    return result


def csv_cell(kind: Kind, value: str) -> str:
    """A CSV cell checked and written the way the API reads it."""
    if kind is Kind.EMAIL:
        return email(value)
    if kind is Kind.MEMBER:
        return member(value)
    if kind is Kind.BOOLEAN:
        flag = boolean(value)
        return "" if flag is None else ("true" if flag else "false")
    if kind is Kind.SUBSCRIPTION:
        return subscription(value) or ""
    if kind is Kind.REASON:
        return reason(value)
    return attributes(value) or ""

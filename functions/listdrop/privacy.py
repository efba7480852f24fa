"""Keeps e-mail addresses (and, for Pinpoint, phone numbers) out of logs, events and notifications."""

from __future__ import annotations

import re

_EMAIL_LIKE = re.compile(r"[^\s@/,;:\"'<>()\[\]]+@[^\s@/,;:\"'<>()\[\]]+")

PHONE_MARKER = "<redacted-number>"
# A phone number standing alone: 7 to 15 digits (E.164 has at most 15), an optional leading '+', single
# separators ('+1 (206) 555-0100'). It may not touch a letter, digit or '_' on either side, nor continue a path,
# an address or an id: digits inside a hex id, a UUID, a file name or a key are not phone numbers.
_PHONE_CANDIDATE = re.compile(
    r"(?<![\w/@.+-])"  # not the tail of a token, a path, an address, a decimal or a signed number
    r"\+?\(?\d(?:[ ().-]{1,2}\d|\d)+"  # digits, with one or two separators between groups
    r"(?![\w/@]|[.-]\w)"  # not followed by more of a token ('...0100.csv', '...0100-a', '...0100abc')
)
# s3:// URIs are kept whole: their keys are the uploader's names and tracking ids, listed so they can be found.
_S3_URI = re.compile(r"s3://\S+")
_DATE_OR_TIME = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}")
_DECIMAL = re.compile(r"\+?\d+\.\d+")


def contains_email(text: str) -> bool:
    return _EMAIL_LIKE.search(text) is not None


def redact_emails(text: str) -> str:
    """Replace anything shaped like an e-mail address with a fixed marker."""
    return _EMAIL_LIKE.sub("<redacted-address>", text)


def redact_phone_numbers(text: str) -> str:
    """Replace each phone number standing alone with a fixed marker; digits inside s3:// URIs, ids, file names
    and other tokens, dates, times and decimals are left as they are."""
    parts: list[str] = []
    start = 0
    for uri in _S3_URI.finditer(text):
        parts.append(_PHONE_CANDIDATE.sub(_phone_or_not, text[start : uri.start()]))
        parts.append(uri.group())
        start = uri.end()
    parts.append(_PHONE_CANDIDATE.sub(_phone_or_not, text[start:]))
    return "".join(parts)


def redact_contacts(text: str) -> str:
    """Neither e-mail addresses nor phone numbers: for text that may quote a Pinpoint endpoint."""
    return redact_phone_numbers(redact_emails(text))


def _phone_or_not(match: re.Match[str]) -> str:
    found = match.group()
    digits = sum(char.isdigit() for char in found)
    if not 7 <= digits <= 15 or _DATE_OR_TIME.search(found) or _DECIMAL.fullmatch(found):
        return found
    return PHONE_MARKER

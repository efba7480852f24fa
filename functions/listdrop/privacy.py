"""Keeps e-mail addresses out of logs, events and notifications."""

from __future__ import annotations

import re

_EMAIL_LIKE = re.compile(r"[^\s@/,;:\"'<>()\[\]]+@[^\s@/,;:\"'<>()\[\]]+")


def contains_email(text: str) -> bool:
    return _EMAIL_LIKE.search(text) is not None


def redact_emails(text: str) -> str:
    """Replace anything shaped like an e-mail address with a fixed marker."""
    return _EMAIL_LIKE.sub("<redacted-address>", text)

"""The vocabulary of the local cloud's permission checks: a call a principal makes, and the accesses it needs.

The operation table (operations.py) maps the calls of services moto serves; each emulator package maps its own
service's calls in its `iam.py` (`RULES`), with these types, so adding an emulated service touches no shared
table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# A named lookup the local cloud provides for resources a request names only indirectly (a Mail Manager import
# job's address list): name -> function(id) -> the resource's own id, or None when unknown.
Lookups = Mapping[str, Callable[[str], str | None]]


@dataclass(frozen=True)
class Call:
    service: str  # botocore's service name: s3, sesv2, mailmanager, ...
    operation: str  # CreateImportJob
    params: Mapping[str, Any]
    account: str
    region: str
    partition: str = "aws"
    lookups: Lookups = field(default_factory=dict)

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"

    def look_up(self, name: str, key: str) -> str:
        lookup = self.lookups.get(name)
        found = lookup(key) if lookup is not None else None
        return found if found is not None else f"<unknown {key}>"


@dataclass(frozen=True)
class Access:
    """One authorization a call needs: `action` on `resource`, with these extra condition keys."""

    action: str
    resource: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)


Rule = Callable[[Call], list[Access]]

# Requests from a listdrop function reach AWS over HTTPS: TLS-only denies do not apply to them.
TLS: Mapping[str, str] = {"aws:SecureTransport": "true", "s3:TlsVersion": "1.3"}


def one(action: str, resource: Callable[[Call], str], **context: str) -> Rule:
    """The rule of a call that needs one action on one resource."""
    return lambda call: [Access(action, resource(call), {**TLS, **context})]

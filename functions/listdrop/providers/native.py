"""The shapes every provider's native job listing shares (`listdrop jobs list --native PROVIDER`), and the
pagination helpers the listings use. Each provider's own listing lives in its package (`listing.py`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class NativeQuery:
    """The filters of a native listing: the status and page size every listing takes, and the provider's own
    options (its spec's NativeListing.options, by flag: {'address-list-id': '...'})."""

    status: str | None = None
    page_size: int | None = None
    options: Mapping[str, str] = field(default_factory=dict)

    def option(self, flag: str) -> str | None:
        return self.options.get(flag) or None

    def required(self, flag: str, why: str) -> str:
        value = self.option(flag)
        if not value:
            raise ValueError(f"this listing needs --{flag}: {why}")
        return value


@dataclass(frozen=True)
class NativeJob:
    provider: str
    job_id: str
    status: str
    created: datetime | None
    summary: str  # where the job writes (or, for exports, what it reads)
    processed: int | None = None
    failed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "jobId": self.job_id,
            "status": self.status,
            "createdAt": self.created.isoformat() if self.created else None,
            "summary": self.summary,
            "records": {"processed": self.processed, "failed": self.failed},
        }


@dataclass(frozen=True)
class NativeOption:
    """A filter of the provider's own job listing, offered as `listdrop jobs list --native NAME --<flag>`."""

    flag: str  # without dashes: 'address-list-id'
    help: str


@dataclass(frozen=True)
class NativeListing:
    """The job API's own job list, for jobs started outside listdrop."""

    jobs: Callable[[Any, NativeQuery], Iterator[NativeJob]]
    options: tuple[NativeOption, ...] = ()


def token_pages(
    call: Callable[..., dict[str, Any]], params: dict[str, Any], items_path: str, token_path: str, token_param: str
) -> Iterator[dict[str, Any]]:
    """Follow a NextToken-style API to its last page (for the APIs botocore has no paginator for)."""
    token: str | None = None
    while True:
        response = call(**params, **({token_param: token} if token else {}))
        yield from _at(response, items_path) or []
        token = _at(response, token_path)
        if not token:
            return


def one_of(option: str, value: str, allowed: tuple[str, ...]) -> str:
    """`value` as the API spells it (upper case, '_' for '-'), or ValueError naming the allowed values."""
    normalized = value.upper().replace("-", "_")
    if normalized not in allowed:
        raise ValueError(f"--{option} must be one of {', '.join(allowed)} (got {value!r})")
    return normalized


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 timestamp in a string field (Pinpoint's dates), UTC when it has no zone."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _at(response: dict[str, Any], path: str) -> Any:
    value: Any = response
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value

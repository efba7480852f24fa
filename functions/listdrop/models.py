"""Typed values shared by the starter, the poller and the providers. No AWS calls here."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Action(StrEnum):
    PUT = "PUT"
    DELETE = "DELETE"


class DataFormat(StrEnum):
    CSV = "CSV"
    JSON = "JSON"


class DestinationType(StrEnum):
    SES_CONTACT_LIST = "SES_CONTACT_LIST"
    SES_SUPPRESSION_LIST = "SES_SUPPRESSION_LIST"


@dataclass(frozen=True)
class Destination:
    type: DestinationType
    name: str | None = None

    @property
    def label(self) -> str:
        if self.type is DestinationType.SES_CONTACT_LIST:
            return f"SES contact list '{self.name}'"
        return "SES account suppression list"

    def to_dict(self) -> dict[str, str | None]:
        return {"type": self.type.value, "name": self.name, "label": self.label}


@dataclass(frozen=True)
class Route:
    """Where a file goes and what to do with it, decided by its key alone."""

    provider: str
    destination: Destination
    action: Action
    data_format: DataFormat


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str
    version_id: str | None
    size: int

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def to_dict(self) -> dict[str, object]:
        return {
            "bucket": self.bucket,
            "key": self.key,
            "versionId": self.version_id,
            "uri": self.uri,
            "sizeBytes": self.size,
        }


@dataclass(frozen=True)
class FileShape:
    """What reading the file told us that the provider's destination check needs."""

    topics: tuple[str, ...] = field(default_factory=tuple)


class JobState(StrEnum):
    """Provider statuses normalized to the four states the workflow acts on."""

    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def is_final(self) -> bool:
        return self is not JobState.RUNNING


@dataclass(frozen=True)
class JobStatus:
    state: JobState
    provider_status: str
    processed: int = 0
    failed: int = 0
    failed_records_url: str | None = None
    error_message: str | None = None
    completed_at: str | None = None


class Outcome(StrEnum):
    """Final outcome of one upload; each has its own EventBridge detail-type."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    REJECTED = "REJECTED"
    TIMED_OUT = "TIMED_OUT"

    @property
    def detail_type(self) -> str:
        return DETAIL_TYPES[self]


DETAIL_TYPES: dict[Outcome, str] = {
    Outcome.SUCCEEDED: "Import Succeeded",
    Outcome.FAILED: "Import Failed",
    Outcome.REJECTED: "Import Rejected",
    Outcome.TIMED_OUT: "Import Timed Out",
}

EVENT_SOURCE = "listdrop"
EVENT_SCHEMA_VERSION = "1"

"""Typed values shared by the starter, the poller and the providers. No AWS calls here."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Action(StrEnum):
    PUT = "PUT"
    DELETE = "DELETE"
    # Make the destination match the file: put its records, then remove the members it does not list.
    SYNC = "SYNC"
    EXPORT = "EXPORT"


class DataFormat(StrEnum):
    CSV = "CSV"
    JSON = "JSON"


class DestinationType(StrEnum):
    SES_CONTACT_LIST = "SES_CONTACT_LIST"
    SES_SUPPRESSION_LIST = "SES_SUPPRESSION_LIST"
    SES_EXPORT = "SES_EXPORT"
    MAIL_MANAGER_ADDRESS_LIST = "MAIL_MANAGER_ADDRESS_LIST"
    PINPOINT_APPLICATION = "PINPOINT_APPLICATION"


class InputKind(StrEnum):
    """What the dropped file holds: records for an import job, or one request (an export's parameters)."""

    RECORDS = "RECORDS"
    REQUEST = "REQUEST"


@dataclass(frozen=True)
class PinpointSegment:
    """What a Pinpoint import does besides the endpoints: define a new segment, or update one, or neither."""

    new_name: str | None = None
    existing_id: str | None = None
    register_endpoints: bool = True

    @property
    def label(self) -> str:
        if self.new_name:
            return f"new segment '{self.new_name}'"
        if self.existing_id:
            return f"segment {self.existing_id}"
        return "no segment"


# A Destination option (SES contact lists, the key folder .../put/extra-as-attributes/): what the CSV columns the
# layout does not name become. Opt-in per deployment too (listdrop:extraColumnsAsAttributes, the starter's setting).
EXTRA_COLUMNS = "extraColumns"
EXTRA_COLUMNS_AS_ATTRIBUTES = "attributesData"
# A Destination option (the key folder .../sync/allow-large-removal/): the upload means a sync that removes more than
# the deployment's share of the list (listdrop:syncMaxRemovalPercent).
SYNC_REMOVALS = "syncRemovals"
SYNC_REMOVALS_ANY = "any"


@dataclass(frozen=True)
class Destination:
    """Where a file's records go. `type` is one of its provider's destination types (DestinationType lists
    those of the first providers; a provider may name its own); `label` is how people read it, set by the
    provider's key routes (providers/*/keys.py). `options` are what else the key said, as its provider reads
    it (Customer Profiles' expiry-days/<N>/), so the provider's job call can use them."""

    type: str
    name: str | None = None
    segment: PinpointSegment | None = None
    label: str = field(default="", compare=False)
    options: tuple[tuple[str, str], ...] = ()

    def option(self, name: str) -> str | None:
        return dict(self.options).get(name)

    def to_dict(self) -> dict[str, Any]:
        described: dict[str, Any] = {"type": str(self.type), "name": self.name, "label": self.label}
        if self.options:
            described["options"] = dict(self.options)
        if self.segment is not None:
            described["segment"] = {
                "newName": self.segment.new_name,
                "existingId": self.segment.existing_id,
                "registerEndpoints": self.segment.register_endpoints,
            }
        return described


@dataclass(frozen=True)
class Route:
    """Where a file goes and what to do with it, decided by its key alone."""

    provider: str
    destination: Destination
    action: Action
    data_format: DataFormat
    kind: InputKind = InputKind.RECORDS


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
    # A result the job produced behind a short-lived link (an export's file), copied into the bucket.
    result_url: str | None = None
    result_name: str | None = None
    # A result already in the bucket (an s3:// URI): a list export writes its file there itself.
    result_uri: str | None = None
    # The poll itself did the job's work (a list export's pages, a bounded step per poll) and more is left:
    # poll again at once rather than wait for a job that only runs while it is polled.
    poll_again_now: bool = False
    # A contact-list sync's counts: listed (before), added, updated, removed (providers/ses_import/sync.py).
    sync: dict[str, int] | None = None
    # The provider's own progress and first failures, when it reports them (Pinpoint's pieces).
    progress: dict[str, Any] | None = None
    # The share of the job done (0 to 1) in the API's own measure, where it documents one that moves while the job
    # runs (Pinpoint's pieces "as of the time of the request"); None elsewhere.
    share_reported: float | None = None
    # Each job's own status, for an upload split into several jobs (providers/split_jobs.py); empty for one job.
    parts: tuple[dict[str, Any], ...] = ()
    # The other parts' failed-records files of a split upload, (file name, link), copied next to the first.
    more_failed_records: tuple[tuple[str, str], ...] = ()

    def share_done(self, records_handed: int | None) -> float | None:
        """How much of the job is done, for the poll schedule: the API's own measure, else the records it has
        processed or failed out of those listdrop handed it (None when that is not known: exports, requests)."""
        if self.share_reported is not None:
            return self.share_reported
        if not records_handed:
            return None
        return min(1.0, (self.processed + self.failed) / records_handed)


class JobKind(StrEnum):
    """What a file started: an import of its records, or an export it asked for."""

    IMPORT = "Import"
    EXPORT = "Export"


class Outcome(StrEnum):
    """Final outcome of one upload; with the job's kind, it names the EventBridge detail-type."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    REJECTED = "REJECTED"
    TIMED_OUT = "TIMED_OUT"

    def detail_type(self, kind: JobKind = JobKind.IMPORT) -> str:
        """'Import Succeeded', 'Export Failed', ...: what the notification rules match (infra/constants.py)."""
        return f"{kind.value} {OUTCOME_WORDS[self]}"


OUTCOME_WORDS: dict[Outcome, str] = {
    Outcome.SUCCEEDED: "Succeeded",
    Outcome.FAILED: "Failed",
    Outcome.REJECTED: "Rejected",
    Outcome.TIMED_OUT: "Timed Out",
}

EVENT_SOURCE = "listdrop"
EVENT_SCHEMA_VERSION = "1"

"""A sync: make a list (an SES contact list, a Mail Manager address list) match a file. listdrop runs it as a job of
its own, in phases, each poll doing the next bit of work (as a list export does, whose engine reads the list):

1. LISTING: the list's members are exported to `<staging>jobs/` (providers/ses_export/list_export.py), over as
   many polls as that takes;
2. then, in one poll: the members the file leaves out are written, one a line under the target's header, beside the
   checked copy (`<checked copy>.sync-removals.csv`), and counted (sync_diff.py). A sync that would remove more
   than `max_removal_percent` of the list stops here, having changed nothing, unless the upload's key said it means
   it (`sync/allow-large-removal/`);
3. IMPORTING: the destination's import job PUTs the checked copy (adds and updates);
4. REMOVING: once that has succeeded, the target removes the left-out members its own way (an SES DELETE import
   job; Mail Manager, member by member), over as many polls as that takes. If the PUT fails, nothing is removed.

Each job start first looks for a job an earlier, interrupted poll started for the same file (or relies on the API's
client token), so a poll that dies never starts a job twice. The state is a checkpoint under `<staging>jobs/<job
id>/` (providers/job_state.py); job ids start with `sync-`. The targets: providers/ses_import/sync.py,
providers/mail_manager/sync.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from listdrop.clock import utc_now
from listdrop.errors import ProviderRequestRejected
from listdrop.models import Action, DataFormat, Destination, DestinationType, JobState, JobStatus, Route, S3Object
from listdrop.providers import sync_diff
from listdrop.providers.base import ImportRequest, call_api
from listdrop.providers.clients import Clients
from listdrop.providers.job_state import JobStateStore, folder
from listdrop.providers.ses_export.list_export import QUICK_STEPS, ListExports
from listdrop.validation import staged_format
from listdrop.validation.sinks import S3Sink
from listdrop.wording import count

JOB_ID_PREFIX = "sync-"
LISTING, IMPORTING, REMOVING, COMPLETED, FAILED, CANCELLED = (
    "LISTING",
    "IMPORTING",
    "REMOVING",
    "COMPLETED",
    "FAILED",
    "CANCELLED",
)
STATES = {
    LISTING: JobState.RUNNING,
    IMPORTING: JobState.RUNNING,
    REMOVING: JobState.RUNNING,
    COMPLETED: JobState.SUCCEEDED,
    FAILED: JobState.FAILED,
    CANCELLED: JobState.CANCELLED,
}
REMOVES_TOO_MANY = "REMOVES_TOO_MANY"
CHECKPOINT = "checkpoint.json"
# The share of a list a sync may remove unless its key says it means more (listdrop:syncMaxRemovalPercent).
DEFAULT_MAX_REMOVAL_PERCENT = 10.0
# How far before the sync began an import job it started may be stamped (clocks differ between Lambda and the API).
CLOCK_SKEW = timedelta(minutes=5)


def is_sync(job_id: str) -> bool:
    return job_id.startswith(JOB_ID_PREFIX)


class ImportJobs(Protocol):
    """What a sync asks of its destination's provider: start an import job (or find one an interrupted poll
    started), and read a job's status."""

    def start(self, request: ImportRequest) -> str: ...

    def find_started(self, request: ImportRequest, *, since: datetime) -> str | None: ...

    def status(self, job_id: str) -> JobStatus: ...


@dataclass
class SyncCheckpoint:
    tracking_id: str
    destination_type: str
    destination: str
    data_format: str
    staged_bucket: str
    staged_key: str
    staged_size: int
    allow_any_share: bool
    started_at: str
    phase: str = LISTING
    provider_status: str = LISTING
    list_job: str | None = None
    import_job: str | None = None
    remove_job: str | None = None  # the target's removal job, if it removes with one
    removed: int = 0  # members removed so far, for a target that removes them one by one
    quick_polls: int = 0  # polls that asked to be polled again at once (at most list_export.QUICK_STEPS)
    counts: dict[str, int] | None = None
    processed: int = 0
    failed: int = 0
    error: str | None = None
    completed_at: str | None = None

    def request(self, provider: str, action: Action, key: str, data_format: str) -> ImportRequest:
        """An import job's request for a file of this sync (its checked copy, or its removals). The destination's
        type is the enumeration member again (providers compare it by identity), as the route had it."""
        kind = DestinationType(self.destination_type)
        route = Route(provider, Destination(kind, self.destination), action, DataFormat(data_format))
        size = self.staged_size if key == self.staged_key else 0
        return ImportRequest(self.tracking_id, route, S3Object(self.staged_bucket, key, None, size))

    @property
    def removals_key(self) -> str:
        return f"{self.staged_key.rsplit('.', 1)[0]}.sync-removals.csv"


@dataclass(frozen=True)
class RemovalStep:
    """Where removing stands after one poll: `state` RUNNING, SUCCEEDED or FAILED; members removed so far."""

    state: JobState
    removed: int = 0
    failed: int = 0
    error: str | None = None
    remove_job: str | None = None
    poll_again_now: bool = False


class SyncTarget(Protocol):
    """What a sync needs to know of its destination's API."""

    provider: str
    member: str  # what a member of the list is called, in the refusal (a count adds the s): contact, member
    listing_operation: str  # the list export operation that reads the list (list_export.PAGERS)
    address_column: str  # the checked copy's address column or field
    removals_header: str  # the first line of the removals file

    def listing(self, destination: str) -> dict[str, Any]:
        """The list export's parameters: `{operation: its members}`."""

    def remove(self, checkpoint: SyncCheckpoint, imports: ImportJobs) -> RemovalStep:
        """One poll's work of removing the members listed in `checkpoint.removals_key`."""


def start_or_adopt(imports: ImportJobs, checkpoint: SyncCheckpoint, request: ImportRequest) -> str:
    """An import job for one of the sync's files: the one an interrupted poll started, or a new one."""
    since = datetime.fromisoformat(checkpoint.started_at) - CLOCK_SKEW
    return imports.find_started(request, since=since) or imports.start(request)


class SyncsOnDemand:
    """A provider's syncs, built the first time one is asked for (most uploads are not syncs), driving that
    provider's own import jobs."""

    def __init__(self, build: Callable[[ImportJobs], Syncs] | None, provider: ImportJobs, name: str) -> None:
        self._build, self._provider, self._name = build, provider, name
        self._built: Syncs | None = None

    def __call__(self) -> Syncs:
        if self._build is None:
            raise ProviderRequestRejected(f"this {self._name} provider was built without syncs")
        if self._built is None:
            self._built = self._build(self._provider)
        return self._built


def build_syncs(clients: Clients, target: SyncTarget, list_api: str, imports: ImportJobs) -> Syncs:
    """Syncs of one destination, from the poller's settings: their state, and the copy of the list they read, with
    listdrop's other jobs (job_state.py); `list_api` the service whose client reads the list."""
    s3 = clients.aws("s3")
    store = JobStateStore(s3, clients.environment("BUCKET_NAME"), folder(clients))
    lists = ListExports(clients.job_api(list_api), s3, store, folder(clients))
    limit = float(clients.environment("SYNC_MAX_REMOVAL_PERCENT") or DEFAULT_MAX_REMOVAL_PERCENT)
    return Syncs(target, imports, s3, store, lists, limit)


class Syncs:
    def __init__(
        self,
        target: SyncTarget,
        imports: ImportJobs,
        s3: Any,
        store: JobStateStore,
        lists: ListExports,
        max_removal_percent: float,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._target, self._imports, self._s3, self._store, self._lists = target, imports, s3, store, lists
        self._max_removal_percent = max_removal_percent
        self._clock = clock

    def start(self, request: ImportRequest, *, allow_any_share: bool) -> str:
        """Begin with the listing; the file is imported only once the sync is known to be within its bounds."""
        job_id = f"{JOB_ID_PREFIX}{request.tracking_id}"
        destination = str(request.route.destination.name)
        checkpoint = SyncCheckpoint(
            tracking_id=request.tracking_id,
            destination_type=str(request.route.destination.type),
            destination=destination,
            data_format=staged_format(request.route).value,
            staged_bucket=request.source.bucket,
            staged_key=request.source.key,
            staged_size=request.source.size,
            allow_any_share=allow_any_share,
            started_at=self._clock().isoformat(),
            list_job=self._lists.start(job_id, self._target.listing(destination)),
        )
        self._save(job_id, checkpoint)
        return job_id

    def status(self, job_id: str) -> JobStatus:
        checkpoint = self._load(job_id)
        if checkpoint is None:
            return JobStatus(JobState.FAILED, "NOT_FOUND", error_message="The sync's checkpoint is gone.")
        if checkpoint.phase == LISTING:
            return self._listing(job_id, checkpoint)
        if checkpoint.phase == IMPORTING:
            return self._importing(job_id, checkpoint)
        if checkpoint.phase == REMOVING:
            return self._removing(job_id, checkpoint)
        return self._status_of(checkpoint)

    def cancel(self, job_id: str) -> None:
        checkpoint = self._load(job_id)
        if checkpoint is None:
            raise ProviderRequestRejected("The sync does not exist.")
        if checkpoint.phase != LISTING or checkpoint.list_job is None:
            raise ProviderRequestRejected(
                f"The sync is {checkpoint.phase}: it changes the list now, and runs to its end."
            )
        self._lists.cancel(checkpoint.list_job)

    # -- the phases ------------------------------------------------------------------------------------

    def _listing(self, job_id: str, checkpoint: SyncCheckpoint) -> JobStatus:
        listing = self._lists.status(str(checkpoint.list_job))
        if not listing.state.is_final:
            progress = {"phase": LISTING, "listed": listing.processed}
            return self._running(job_id, checkpoint, listing.poll_again_now, progress)
        if listing.state is JobState.CANCELLED:
            return self._end(job_id, checkpoint, CANCELLED, "The sync was cancelled while the list was being read.")
        if listing.state is not JobState.SUCCEEDED or not listing.result_uri:
            return self._end(job_id, checkpoint, FAILED, f"Reading the list failed: {listing.error_message}")
        counts = self._compare(checkpoint, listing.result_uri)
        checkpoint = replace(checkpoint, counts=counts.to_dict())
        refusal = self._refusal(counts, checkpoint.allow_any_share, self._target.member)
        if refusal:
            return self._end(job_id, checkpoint, FAILED, refusal, provider_status=REMOVES_TOO_MANY)
        request = checkpoint.request(self._target.provider, Action.PUT, checkpoint.staged_key, checkpoint.data_format)
        checkpoint = replace(
            checkpoint, phase=IMPORTING, provider_status=IMPORTING, import_job=self._start(checkpoint, request)
        )
        self._save(job_id, checkpoint)
        return self._running(job_id, checkpoint, False, {"phase": IMPORTING, **counts.to_dict()})

    def _importing(self, job_id: str, checkpoint: SyncCheckpoint) -> JobStatus:
        put = self._imports.status(str(checkpoint.import_job))
        checkpoint = replace(checkpoint, processed=put.processed, failed=put.failed)
        if not put.state.is_final:
            return self._running(job_id, checkpoint, False, {"phase": IMPORTING, **(checkpoint.counts or {})})
        if put.state is not JobState.SUCCEEDED:
            reason = f"The file's import ended {put.provider_status} ({put.error_message}); nothing was removed."
            return self._end(job_id, checkpoint, FAILED, reason, report=put.failed_records_url)
        if not (checkpoint.counts or {}).get("removed"):
            return self._end(job_id, checkpoint, COMPLETED, report=put.failed_records_url)
        checkpoint = replace(checkpoint, phase=REMOVING, provider_status=REMOVING)
        self._save(job_id, checkpoint)
        return self._removing(job_id, checkpoint)

    def _removing(self, job_id: str, checkpoint: SyncCheckpoint) -> JobStatus:
        step = self._target.remove(checkpoint, self._imports)
        checkpoint = replace(checkpoint, remove_job=step.remove_job or checkpoint.remove_job, removed=step.removed)
        if not step.state.is_final:
            self._save(job_id, checkpoint)
            progress = {"phase": REMOVING, **(checkpoint.counts or {}), "removedSoFar": step.removed}
            return self._running(job_id, checkpoint, step.poll_again_now, progress)
        put = self._imports.status(str(checkpoint.import_job))  # a fresh link to its failed-records file
        checkpoint = replace(checkpoint, processed=put.processed + step.removed, failed=put.failed + step.failed)
        if step.state is not JobState.SUCCEEDED:
            reason = f"The file was imported, but removing the members it leaves out failed ({step.error})."
            return self._end(job_id, checkpoint, FAILED, reason, report=put.failed_records_url)
        return self._end(job_id, checkpoint, COMPLETED, report=put.failed_records_url)

    # -- the work between ------------------------------------------------------------------------------

    def _compare(self, checkpoint: SyncCheckpoint, listing_uri: str) -> sync_diff.SyncCounts:
        """Write the removals file and count what the sync will do."""
        staged = self._body(checkpoint.staged_bucket, checkpoint.staged_key)
        addresses = sync_diff.staged_addresses(staged, checkpoint.data_format, self._target.address_column)
        kept = sync_diff.file_digests(addresses)
        bucket, _, key = listing_uri.removeprefix("s3://").partition("/")
        sink = S3Sink(self._s3, checkpoint.staged_bucket, checkpoint.removals_key, "text/csv")
        sink.write(self._target.removals_header)
        listed = removed = 0
        for address, leaves in sync_diff.removals(sync_diff.listed_addresses(self._body(bucket, key)), kept):
            listed += 1
            if leaves:
                removed += 1
                sink.write(sync_diff.csv_row(address))
        sink.close()
        updated = listed - removed
        return sync_diff.SyncCounts(listed=listed, added=len(kept) - updated, updated=updated, removed=removed)

    def _refusal(self, counts: sync_diff.SyncCounts, allow_any_share: bool, member: str) -> str | None:
        limit = self._max_removal_percent
        if allow_any_share or not counts.listed or counts.removed * 100 <= limit * counts.listed:
            return None
        share = counts.removed * 100 / counts.listed
        return (
            f"The sync would remove {count(counts.removed, member)} of {counts.listed:,} ({share:.0f}%), more than "
            f"listdrop:syncMaxRemovalPercent ({limit:g}%); nothing was changed. If you mean it, upload the file under "
            "sync/allow-large-removal/."
        )

    def _start(self, checkpoint: SyncCheckpoint, request: ImportRequest) -> str:
        return start_or_adopt(self._imports, checkpoint, request)

    def _body(self, bucket: str, key: str) -> Any:
        response = call_api(self._s3.get_object, "GetObject", Bucket=bucket, Key=key)
        return sync_diff.text_lines(response["Body"])

    # -- state ---------------------------------------------------------------------------------------------

    def _running(self, job_id: str, checkpoint: SyncCheckpoint, again_now: bool, progress: dict[str, Any]) -> JobStatus:
        """Still running. A poll that did work and left more is followed at once, QUICK_STEPS times in all phases
        together (the workflow's history budget counts that many: infra/config.py); later ones wait."""
        again_now = again_now and checkpoint.quick_polls < QUICK_STEPS
        if again_now:
            checkpoint = replace(checkpoint, quick_polls=checkpoint.quick_polls + 1)
            self._save(job_id, checkpoint)
        return JobStatus(
            JobState.RUNNING,
            checkpoint.provider_status,
            processed=checkpoint.processed,
            failed=checkpoint.failed,
            progress=progress,
            poll_again_now=again_now,
        )

    def _end(
        self,
        job_id: str,
        checkpoint: SyncCheckpoint,
        phase: str,
        error: str | None = None,
        *,
        provider_status: str | None = None,
        report: str | None = None,
    ) -> JobStatus:
        ended = replace(
            checkpoint,
            phase=phase,
            provider_status=provider_status or phase,
            error=error,
            completed_at=self._clock().isoformat(),
        )
        self._save(job_id, ended)
        return replace(self._status_of(ended), failed_records_url=report)

    @staticmethod
    def _status_of(checkpoint: SyncCheckpoint) -> JobStatus:
        return JobStatus(
            state=STATES[checkpoint.phase],
            provider_status=checkpoint.provider_status,
            processed=checkpoint.processed,
            failed=checkpoint.failed,
            error_message=checkpoint.error,
            completed_at=checkpoint.completed_at,
            sync=checkpoint.counts,
        )

    def _load(self, job_id: str) -> SyncCheckpoint | None:
        body = self._store.read(job_id, CHECKPOINT)
        return None if body is None else SyncCheckpoint(**json.loads(body))

    def _save(self, job_id: str, checkpoint: SyncCheckpoint) -> None:
        self._store.write(job_id, CHECKPOINT, json.dumps(asdict(checkpoint)).encode())

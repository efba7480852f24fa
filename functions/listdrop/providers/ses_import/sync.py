"""A contact-list sync: make an SES contact list match a file. listdrop runs it as a job of its own, in phases, each
poll doing the next bit of work (as a list export does, whose engine it uses for the listing):

1. LISTING: the list's contacts are exported to `<staging>jobs/` (providers/ses_export/list_export.py), over as
   many polls as that takes;
2. then, in one poll: the contacts the file leaves out are written as a contact-list DELETE file next to the checked
   copy (`staging/ses-import/<tracking id>.sync-removals.csv`, where SES may read), and counted (sync_diff.py). A
   sync that would remove more than `max_removal_percent` of the list stops here, having changed nothing, unless the
   upload's key said it means it (`sync/allow-large-removal/`);
3. IMPORTING: an SES import job PUTs the checked copy (adds and updates);
4. REMOVING: once it has succeeded, an SES import job DELETEs the left-out contacts (one job, not one call per
   contact). If the PUT fails, nothing is removed.

Each job start first looks for a job an earlier, interrupted poll started for the same file (SES import jobs take no
client token: SesImportProvider.find_started), so a poll that dies never starts a job twice. The state is a
checkpoint under `<staging>jobs/<job id>/` (providers/job_state.py); job ids start with `sync-`.
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
from listdrop.providers.base import ImportRequest, call_api
from listdrop.providers.job_state import JobStateStore
from listdrop.providers.ses_export.list_export import ListExports
from listdrop.providers.ses_import import sync_diff
from listdrop.validation.sinks import S3Sink
from listdrop.wording import count

JOB_ID_PREFIX = "sync-"
PROVIDER = "ses-import"
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
# How far before the sync began an import job it started may be stamped (clocks differ between Lambda and SES).
CLOCK_SKEW = timedelta(minutes=5)
CHECKPOINT = "checkpoint.json"


def is_sync(job_id: str) -> bool:
    return job_id.startswith(JOB_ID_PREFIX)


class ImportJobs(Protocol):
    """What a sync asks of the SES import provider: start a PUT or DELETE job (or find one an interrupted poll
    started), and read a job's status."""

    def start(self, request: ImportRequest) -> str: ...

    def find_started(self, request: ImportRequest, *, since: datetime) -> str | None: ...

    def status(self, job_id: str) -> JobStatus: ...


@dataclass
class SyncCheckpoint:
    tracking_id: str
    contact_list: str
    data_format: str
    staged_bucket: str
    staged_key: str
    allow_any_share: bool
    started_at: str
    phase: str = LISTING
    provider_status: str = LISTING
    list_job: str | None = None
    import_job: str | None = None
    remove_job: str | None = None
    counts: dict[str, int] | None = None
    processed: int = 0
    failed: int = 0
    error: str | None = None
    completed_at: str | None = None

    @property
    def is_final(self) -> bool:
        return STATES[self.phase].is_final


class ContactListSyncs:
    def __init__(
        self,
        imports: ImportJobs,
        s3: Any,
        store: JobStateStore,
        lists: ListExports,
        max_removal_percent: float,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._imports, self._s3, self._store, self._lists = imports, s3, store, lists
        self._max_removal_percent = max_removal_percent
        self._clock = clock

    def start(self, request: ImportRequest, *, allow_any_share: bool) -> str:
        """Begin with the listing; the file is imported only once the sync is known to be within its bounds."""
        job_id = f"{JOB_ID_PREFIX}{request.tracking_id}"
        contact_list = str(request.route.destination.name)
        checkpoint = SyncCheckpoint(
            tracking_id=request.tracking_id,
            contact_list=contact_list,
            data_format=request.route.data_format.value,
            staged_bucket=request.source.bucket,
            staged_key=request.source.key,
            allow_any_share=allow_any_share,
            started_at=self._clock().isoformat(),
            list_job=self._lists.start(job_id, {"ListContacts": {"ContactListName": contact_list}}),
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
                f"The sync is {checkpoint.phase}: SES import jobs cannot be cancelled, so it runs to its end."
            )
        self._lists.cancel(checkpoint.list_job)

    # -- the phases ------------------------------------------------------------------------------------

    def _listing(self, job_id: str, checkpoint: SyncCheckpoint) -> JobStatus:
        listing = self._lists.status(str(checkpoint.list_job))
        if not listing.state.is_final:
            return self._running(checkpoint, listing.poll_again_now, {"phase": LISTING, "listed": listing.processed})
        if listing.state is JobState.CANCELLED:
            return self._end(job_id, checkpoint, CANCELLED, "The sync was cancelled while the list was being read.")
        if listing.state is not JobState.SUCCEEDED or not listing.result_uri:
            return self._end(job_id, checkpoint, FAILED, f"Reading the contact list failed: {listing.error_message}")
        counts = self._compare(checkpoint, listing.result_uri)
        checkpoint = replace(checkpoint, counts=counts.to_dict())
        refusal = self._refusal(counts, checkpoint.allow_any_share)
        if refusal:
            return self._end(job_id, checkpoint, FAILED, refusal, provider_status=REMOVES_TOO_MANY)
        request = self._request(checkpoint, Action.PUT, checkpoint.staged_key, checkpoint.data_format)
        checkpoint = replace(
            checkpoint, phase=IMPORTING, provider_status=IMPORTING, import_job=self._start(checkpoint, request)
        )
        self._save(job_id, checkpoint)
        return self._running(checkpoint, False, {"phase": IMPORTING, **counts.to_dict()})

    def _importing(self, job_id: str, checkpoint: SyncCheckpoint) -> JobStatus:
        put = self._imports.status(str(checkpoint.import_job))
        checkpoint = replace(checkpoint, processed=put.processed, failed=put.failed)
        if not put.state.is_final:
            return self._running(checkpoint, False, {"phase": IMPORTING, **(checkpoint.counts or {})})
        if put.state is not JobState.SUCCEEDED:
            reason = f"The file's import ended {put.provider_status} ({put.error_message}); no contact was removed."
            return self._end(job_id, checkpoint, FAILED, reason, report=put.failed_records_url)
        if not (checkpoint.counts or {}).get("removed"):
            return self._end(job_id, checkpoint, COMPLETED, report=put.failed_records_url)
        request = self._request(checkpoint, Action.DELETE, self._removals_key(checkpoint), DataFormat.CSV.value)
        checkpoint = replace(
            checkpoint, phase=REMOVING, provider_status=REMOVING, remove_job=self._start(checkpoint, request)
        )
        self._save(job_id, checkpoint)
        return self._running(checkpoint, False, {"phase": REMOVING, **(checkpoint.counts or {})})

    def _removing(self, job_id: str, checkpoint: SyncCheckpoint) -> JobStatus:
        delete = self._imports.status(str(checkpoint.remove_job))
        if not delete.state.is_final:
            return self._running(checkpoint, False, {"phase": REMOVING, **(checkpoint.counts or {})})
        put = self._imports.status(str(checkpoint.import_job))  # a fresh link to its failed-records file
        checkpoint = replace(checkpoint, processed=put.processed + delete.processed, failed=put.failed + delete.failed)
        if delete.state is not JobState.SUCCEEDED:
            reason = (
                f"The file was imported, but removing the contacts it leaves out ended {delete.provider_status} "
                f"({delete.error_message})."
            )
            return self._end(job_id, checkpoint, FAILED, reason, report=put.failed_records_url)
        return self._end(job_id, checkpoint, COMPLETED, report=put.failed_records_url or delete.failed_records_url)

    # -- the work between ------------------------------------------------------------------------------

    def _compare(self, checkpoint: SyncCheckpoint, listing_uri: str) -> sync_diff.SyncCounts:
        """Write the removal file and count what the sync will do."""
        staged = self._body(checkpoint.staged_bucket, checkpoint.staged_key)
        kept = sync_diff.file_digests(sync_diff.staged_addresses(staged, checkpoint.data_format))
        bucket, _, key = listing_uri.removeprefix("s3://").partition("/")
        sink = S3Sink(self._s3, checkpoint.staged_bucket, self._removals_key(checkpoint), "text/csv")
        sink.write(sync_diff.removal_header())
        listed = removed = 0
        for address, leaves in sync_diff.removals(sync_diff.listed_addresses(self._body(bucket, key)), kept):
            listed += 1
            if leaves:
                removed += 1
                sink.write(sync_diff.removal_line(address))
        sink.close()
        updated = listed - removed
        return sync_diff.SyncCounts(listed=listed, added=len(kept) - updated, updated=updated, removed=removed)

    def _refusal(self, counts: sync_diff.SyncCounts, allow_any_share: bool) -> str | None:
        limit = self._max_removal_percent
        if allow_any_share or not counts.listed or counts.removed * 100 <= limit * counts.listed:
            return None
        share = counts.removed * 100 / counts.listed
        return (
            f"The sync would remove {count(counts.removed, 'contact')} of {counts.listed:,} ({share:.0f}%), more than "
            f"listdrop:syncMaxRemovalPercent ({limit:g}%); nothing was changed. If you mean it, upload the file under "
            "sync/allow-large-removal/."
        )

    def _request(self, checkpoint: SyncCheckpoint, action: Action, key: str, data_format: str) -> ImportRequest:
        destination = Destination(DestinationType.SES_CONTACT_LIST, checkpoint.contact_list)
        route = Route(PROVIDER, destination, action, DataFormat(data_format))
        return ImportRequest(checkpoint.tracking_id, route, S3Object(checkpoint.staged_bucket, key, None, 0))

    def _start(self, checkpoint: SyncCheckpoint, request: ImportRequest) -> str:
        """An import job for this file: the one an interrupted poll started, or a new one."""
        since = datetime.fromisoformat(checkpoint.started_at) - CLOCK_SKEW
        return self._imports.find_started(request, since=since) or self._imports.start(request)

    @staticmethod
    def _removals_key(checkpoint: SyncCheckpoint) -> str:
        stem = checkpoint.staged_key.rsplit(".", 1)[0]
        return f"{stem}.sync-removals.csv"

    def _body(self, bucket: str, key: str) -> Any:
        response = call_api(self._s3.get_object, "GetObject", Bucket=bucket, Key=key)
        return sync_diff.text_lines(response["Body"])

    # -- state ---------------------------------------------------------------------------------------------

    def _running(self, checkpoint: SyncCheckpoint, again_now: bool, progress: dict[str, Any]) -> JobStatus:
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

    def _status_of(self, checkpoint: SyncCheckpoint) -> JobStatus:
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

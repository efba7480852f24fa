"""A list export: listdrop's own job, which pages ListSuppressedDestinations or ListContacts into one CSV file in the
layout listdrop imports (listdrop/providers/ses_export/list_rows.py), so an export can be imported again or diffed.

SES runs no job for this, so the workflow runs it: the starter writes the job's first checkpoint, and each poll
(`advance`) reads pages for at most `SECONDS_PER_POLL`, then saves where it stopped and asks to be polled again at
once, until the list ends. A list of any length therefore never overruns one Lambda's time, and memory stays
bounded: the file is a multipart upload of `PART_BYTES` parts, and what is read between two parts (less than a
part) is carried to the next poll in an object of its own.

A contact list's topics (the file's header) are read at the first poll. State lives under
`<staging>jobs/<job id>/` (providers/job_state.py; the staging prefix expires, so it cleans itself up):
`checkpoint.json`, `carry-<generation>.csv` (each save writes a new generation, so a poll that dies before its
checkpoint is saved leaves the previous one whole, and the next poll repeats its pages: S3 keeps only the last
upload of a part number), and `cancel-requested` (written by `cancel`, seen by the next poll). The file goes to
`exports/results/<job id>/`.

AWS facts relied on, with their sources:
- All SES API actions but SendEmail and SendRawEmail are throttled at one request per second: an assumption (README),
  from an AWS re:Post answer reviewed by AWS Support that cites "Service quotas in Amazon SES"
  (https://repost.aws/questions/QUJvthkKTJRFyUSH9MHCl7iA); calls are paced `MIN_CALL_INTERVAL_SECONDS` apart, and a
  throttled page ends the step and the poll schedule backs off.
- Neither listing documents a largest PageSize (botocore's sesv2 model: MaxItems is a bare integer); listdrop asks
  for `PAGE_SIZE` (an assumption, stated in the README) and follows NextToken until there is none.
- S3 multipart parts are at least 5 MiB except the last (Amazon S3 User Guide, "Amazon S3 multipart upload limits").
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from listdrop.clock import utc_now
from listdrop.errors import ProviderRequestRejected, ProviderUnavailable
from listdrop.list_export_request import CONTACTS, SUPPRESSED
from listdrop.models import JobState, JobStatus
from listdrop.providers.base import call_api
from listdrop.providers.job_state import JobStateStore
from listdrop.providers.ses_export.list_rows import FIXED_HEADERS, MEMBERS, RESULT_KEYS, contact_header, rows_text

JOB_ID_PREFIX = "list-export-"
PAGE_SIZE = 1000
MIN_CALL_INTERVAL_SECONDS = 1.0
# One poll's work: inside the poller's 180 s timeout (infra/constructs/poller.py) with room for a slow last call and
# the writes after it, and long enough that a list export's polls stay within the workflow's history budget
# (infra/config.py counts one per SECONDS_PER_POLL up to the job's time limit).
SECONDS_PER_POLL = 60.0
PART_BYTES = 8 * 1024 * 1024
# Polls that follow a step after a second; later ones wait as the poll schedule says (reading as long each time), so
# an execution's polls stay within Step Functions' history quota whatever the job's time limit (infra/config.py).
# 300 polls of a minute read about 18 million entries at one call a second.
QUICK_STEPS = 300
CHECKPOINT = "checkpoint.json"
RESULT_NAMES = {SUPPRESSED: "suppression-list.csv", CONTACTS: "contact-list.csv", MEMBERS: "address-list.csv"}
# The client method of each listing (the client is the listing's API's: sesv2, or mailmanager for MEMBERS).
PAGERS = {
    SUPPRESSED: "list_suppressed_destinations",
    CONTACTS: "list_contacts",
    MEMBERS: "list_members_of_address_list",
}

PROCESSING, COMPLETING, COMPLETED, FAILED, CANCELLED = "PROCESSING", "COMPLETING", "COMPLETED", "FAILED", "CANCELLED"
STATES = {
    PROCESSING: JobState.RUNNING,
    COMPLETING: JobState.RUNNING,
    COMPLETED: JobState.SUCCEEDED,
    FAILED: JobState.FAILED,
    CANCELLED: JobState.CANCELLED,
}


def is_list_export(job_id: str) -> bool:
    return job_id.startswith(JOB_ID_PREFIX)


@dataclass
class Checkpoint:
    """Where a list export stands; saved after every step (parameters' dates as ISO 8601 text)."""

    operation: str
    parameters: dict[str, Any]
    result_key: str
    header: str = ""
    topics: list[str] = field(default_factory=list)
    state: str = PROCESSING
    next_token: str | None = None
    upload_id: str | None = None
    parts: list[dict[str, Any]] = field(default_factory=list)
    records: int = 0
    pages: int = 0
    carry: int = 0  # the generation whose carry object holds the rows read since the last part (0: none)
    generation: int = 0
    steps: int = 0  # polls that ended with more to read
    error: str | None = None
    completed_at: str | None = None

    @property
    def is_final(self) -> bool:
        return STATES[self.state].is_final

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, body: bytes) -> Checkpoint:
        return cls(**json.loads(body))


class ListExports:
    """Starts, advances and cancels list exports (the ses-export provider hands them their job ids)."""

    def __init__(
        self,
        ses: Any,
        s3: Any,
        store: JobStateStore,
        results_prefix: str,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._ses, self._s3, self._store = ses, s3, store
        self._results_prefix = results_prefix
        self._clock, self._monotonic, self._sleep = clock, monotonic, sleep
        self._last_call: float | None = None

    def start(self, tracking_id: str, parameters: dict[str, Any]) -> str:
        """Write the export's first checkpoint (again, if an earlier attempt did: no poll has read it yet)."""
        job_id = f"{JOB_ID_PREFIX}{tracking_id}"
        (operation, members), *_ = parameters.items()
        checkpoint = Checkpoint(
            operation=operation,
            parameters=json.loads(json.dumps(members, default=_iso)),
            result_key=f"{self._results_prefix}{job_id}/{RESULT_NAMES[operation]}",
        )
        self._save(job_id, checkpoint)
        return job_id

    def _topics(self, contact_list: str) -> list[str]:
        """The list's topics, in its order, for the file's topicPreferences.<topic> columns."""
        try:
            response = self._call(
                self._ses.get_contact_list,
                "GetContactList",
                expected=frozenset({"NotFoundException"}),
                ContactListName=contact_list,
            )
        except ClientError:
            raise ProviderRequestRejected(f"The contact list '{contact_list}' does not exist.") from None
        return [str(topic["TopicName"]) for topic in response.get("Topics") or []]

    def status(self, job_id: str) -> JobStatus:
        """Advance the export by one step, unless it has ended, and say where it stands."""
        checkpoint = self._load(job_id)
        if checkpoint is None:
            return JobStatus(JobState.FAILED, "NOT_FOUND", error_message="The list export's checkpoint is gone.")
        if not checkpoint.is_final:
            checkpoint = self._advance(job_id, checkpoint)
        return self._status_of(checkpoint)

    def cancel(self, job_id: str) -> None:
        checkpoint = self._load(job_id)
        if checkpoint is None:
            raise ProviderRequestRejected("The list export does not exist.")
        if checkpoint.is_final:
            raise ProviderRequestRejected(f"The list export has already ended ({checkpoint.state}).")
        self._store.request_cancel(job_id)

    # -- one step ----------------------------------------------------------------------------------------

    def _advance(self, job_id: str, checkpoint: Checkpoint) -> Checkpoint:
        if self._store.cancel_requested(job_id):
            return self._end(job_id, checkpoint, CANCELLED, "The list export was cancelled.")
        if checkpoint.state == COMPLETING:
            return self._complete(job_id, checkpoint)
        buffer = bytearray(self._store.carried(job_id, checkpoint.carry))
        step_ends = self._monotonic() + SECONDS_PER_POLL
        try:
            if not checkpoint.pages and not checkpoint.header:
                checkpoint = self._begin(checkpoint, buffer)
            if checkpoint.pages and checkpoint.next_token is None:  # the list was read; writing the file failed
                return self._finish(job_id, checkpoint, bytes(buffer))
            while True:
                checkpoint = self._read(checkpoint, self._page(checkpoint), buffer)
                while len(buffer) >= PART_BYTES:  # part by part, so a failed upload loses nothing it read
                    checkpoint = self._upload_part(checkpoint, bytes(buffer[:PART_BYTES]))
                    del buffer[:PART_BYTES]
                if checkpoint.next_token is None:
                    return self._finish(job_id, checkpoint, bytes(buffer))
                if self._monotonic() >= step_ends:
                    break
        except ProviderUnavailable as throttled:
            checkpoint = replace(checkpoint, error=str(throttled))  # kept until the next good step
        except ProviderRequestRejected as refused:
            return self._end(job_id, checkpoint, FAILED, str(refused))
        else:
            checkpoint = replace(checkpoint, error=None)
        return self._save_step(job_id, checkpoint, bytes(buffer))

    def _begin(self, checkpoint: Checkpoint, buffer: bytearray) -> Checkpoint:
        """The file's first line, if its layout has one: a contact list's names the list's topics, read at the first
        poll (the poller may read contact lists; the starter only starts exports)."""
        if checkpoint.operation != CONTACTS:
            buffer += FIXED_HEADERS[checkpoint.operation].encode()
            return replace(checkpoint, header=FIXED_HEADERS[checkpoint.operation])
        topics = self._topics(str(checkpoint.parameters["ContactListName"]))
        header = contact_header(topics)
        buffer += header.encode()
        return replace(checkpoint, topics=topics, header=header)

    def _page(self, checkpoint: Checkpoint) -> dict[str, Any]:
        operation = checkpoint.operation
        method = getattr(self._ses, PAGERS[operation])
        parameters = {**_with_datetimes(checkpoint.parameters), "PageSize": PAGE_SIZE}
        if checkpoint.next_token:
            parameters["NextToken"] = checkpoint.next_token
        return self._call(method, operation, **parameters)

    def _call(
        self,
        method: Callable[..., dict[str, Any]],
        operation: str,
        *,
        expected: frozenset[str] = frozenset(),
        **parameters: Any,
    ) -> dict[str, Any]:
        """One call, paced to one a second (SES's rate; Mail Manager documents none, and is read as carefully)."""
        if self._last_call is not None:
            self._sleep(max(0.0, self._last_call + MIN_CALL_INTERVAL_SECONDS - self._monotonic()))
        try:
            return call_api(method, operation, expected=expected, **parameters)
        finally:
            self._last_call = self._monotonic()

    @staticmethod
    def _read(checkpoint: Checkpoint, page: dict[str, Any], buffer: bytearray) -> Checkpoint:
        items = page.get(RESULT_KEYS[checkpoint.operation]) or []
        buffer += rows_text(checkpoint.operation, items, checkpoint.topics).encode()
        return replace(
            checkpoint,
            records=checkpoint.records + len(items),
            pages=checkpoint.pages + 1,
            next_token=page.get("NextToken") or None,
        )

    def _upload_part(self, checkpoint: Checkpoint, body: bytes) -> Checkpoint:
        bucket, key = self._store.bucket, checkpoint.result_key
        upload_id = checkpoint.upload_id or str(
            call_api(
                self._s3.create_multipart_upload,
                "CreateMultipartUpload",
                Bucket=bucket,
                Key=key,
                ContentType="text/csv",
            )["UploadId"]
        )
        number = len(checkpoint.parts) + 1
        response = call_api(
            self._s3.upload_part,
            "UploadPart",
            Bucket=bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=body,
        )
        return replace(
            checkpoint,
            upload_id=upload_id,
            parts=[*checkpoint.parts, {"PartNumber": number, "ETag": response["ETag"]}],
        )

    def _save_step(self, job_id: str, checkpoint: Checkpoint, carried: bytes) -> Checkpoint:
        generation = checkpoint.generation + 1
        if carried:
            self._store.carry(job_id, generation, carried)
        checkpoint = replace(
            checkpoint, generation=generation, carry=generation if carried else 0, steps=checkpoint.steps + 1
        )
        self._save(job_id, checkpoint)
        return checkpoint

    # -- the end -----------------------------------------------------------------------------------------

    def _finish(self, job_id: str, checkpoint: Checkpoint, rest: bytes) -> Checkpoint:
        """The list has ended: the file is the rows in one object, or the parts and the rest as the last one."""
        if checkpoint.upload_id is None:
            call_api(
                self._s3.put_object,
                "PutObject",
                Bucket=self._store.bucket,
                Key=checkpoint.result_key,
                Body=rest,
                ContentType="text/csv",
            )
            return self._end(job_id, checkpoint, COMPLETED)
        if rest:
            checkpoint = self._upload_part(checkpoint, rest)
        checkpoint = replace(checkpoint, state=COMPLETING, generation=checkpoint.generation + 1, carry=0)
        self._save(job_id, checkpoint)  # a poll that dies from here on completes the same parts
        return self._complete(job_id, checkpoint)

    def _complete(self, job_id: str, checkpoint: Checkpoint) -> Checkpoint:
        self._on_upload(
            self._s3.complete_multipart_upload,
            "CompleteMultipartUpload",
            checkpoint,
            MultipartUpload={"Parts": checkpoint.parts},
        )
        return self._end(job_id, checkpoint, COMPLETED)

    def _end(self, job_id: str, checkpoint: Checkpoint, state: str, error: str | None = None) -> Checkpoint:
        if state != COMPLETED and checkpoint.upload_id is not None:
            self._abort(checkpoint)
        ended = replace(
            checkpoint,
            state=state,
            error=error,
            completed_at=self._clock().isoformat(),
            generation=checkpoint.generation + 1,
            carry=0,
        )
        self._save(job_id, ended)
        return ended

    def _abort(self, checkpoint: Checkpoint) -> None:
        self._on_upload(self._s3.abort_multipart_upload, "AbortMultipartUpload", checkpoint)

    def _on_upload(
        self, method: Callable[..., dict[str, Any]], operation: str, checkpoint: Checkpoint, **parameters: Any
    ) -> None:
        """Complete or abort the file's multipart upload. NoSuchUpload means it has ended already: completed by a
        poll that died before it could save so (S3 forgets an upload once complete), or aborted."""
        with contextlib.suppress(ClientError):
            call_api(
                method,
                operation,
                expected=frozenset({"NoSuchUpload"}),
                Bucket=self._store.bucket,
                Key=checkpoint.result_key,
                UploadId=checkpoint.upload_id,
                **parameters,
            )

    def _load(self, job_id: str) -> Checkpoint | None:
        body = self._store.read(job_id, CHECKPOINT)
        return None if body is None else Checkpoint.from_json(body)

    def _save(self, job_id: str, checkpoint: Checkpoint) -> None:
        self._store.write(job_id, CHECKPOINT, checkpoint.to_json())

    def _status_of(self, checkpoint: Checkpoint) -> JobStatus:
        state = STATES[checkpoint.state]
        succeeded = state is JobState.SUCCEEDED
        return JobStatus(
            state=state,
            provider_status=checkpoint.state,
            processed=checkpoint.records,
            error_message=checkpoint.error,
            completed_at=checkpoint.completed_at,
            result_uri=f"s3://{self._store.bucket}/{checkpoint.result_key}" if succeeded else None,
            progress={"pagesRead": checkpoint.pages, "recordsExported": checkpoint.records},
            poll_again_now=not state.is_final and checkpoint.error is None and checkpoint.steps < QUICK_STEPS,
        )


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _with_datetimes(parameters: dict[str, Any]) -> dict[str, Any]:
    """The saved parameters with their dates as datetimes again (botocore sends them as the API's timestamps)."""
    return {
        name: datetime.fromisoformat(value) if name in ("StartDate", "EndDate") else value
        for name, value in parameters.items()
    }

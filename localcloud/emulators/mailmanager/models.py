"""Mail Manager address lists, their members and address-list import jobs: the state and the service's rules.

A job is CREATED until it is started (after its file was PUT to the pre-signed URL), PROCESSING from
``processing_after`` seconds after the start, and at ``complete_after`` imports the file and ends COMPLETED or
FAILED, unless it was STOPPED. ``hold`` keeps started jobs PROCESSING; ``fail_next`` fails the next job processed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from localcloud.emulators.kit import dispatch
from localcloud.emulators.kit.errors import ApiError, JobFailure
from localcloud.emulators.kit.lifecycle import TimedJob
from localcloud.emulators.kit.routes import TargetRoutes
from localcloud.emulators.kit.service import Emulator, service_model
from localcloud.emulators.mailmanager.files import ParsedFile, is_valid_member, parse_import_file
from localcloud.emulators.mailmanager.iam import ADDRESS_LIST_OF_JOB
from localcloud.emulators.mailmanager.responses import OPERATIONS, MailManagerResponses

LOGGER = logging.getLogger(__name__)

PRESIGNED_URL_TTL_SECONDS = 3600
# SES Developer Guide, "Address Lists" (https://docs.aws.amazon.com/ses/latest/dg/eb-addlist.html), "Best
# Practices and Considerations": "A maximum of 100 Address Lists per region is supported" and "A maximum of
# 100,000 addresses per Address List is supported".
MAX_ADDRESS_LISTS_PER_REGION = 100
MAX_MEMBERS_PER_ADDRESS_LIST = 100_000


@dataclass
class AddressList:
    """One address list; ``members`` maps each address to the time it was added."""

    address_list_id: str
    name: str
    arn: str
    created_at: float
    updated_at: float
    members: dict[str, float] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """The AddressList shape, which is also GetAddressList's output."""
        return {
            "AddressListId": self.address_list_id,
            "AddressListArn": self.arn,
            "AddressListName": self.name,
            "CreatedTimestamp": self.created_at,
            "LastUpdatedTimestamp": self.updated_at,
        }

    def add(self, addresses: Iterable[str]) -> None:
        """An address already a member keeps its first CreatedTimestamp (the import is an idempotent upsert)."""
        now = time.time()
        for address in addresses:
            self.members.setdefault(address, now)
        self.updated_at = now


@dataclass(kw_only=True)
class AddressListImportJob(TimedJob):
    """One import job; tests read it through ``MailManagerEmulator.job``."""

    name: str
    address_list_id: str
    import_data_type: str
    object_key: str
    presigned_url: str
    client_token: str | None = None
    fingerprint: str = ""
    started_at: float | None = None
    imported_items_count: int = 0
    failed_items_count: int = 0
    error: str | None = None

    def finish(self, status: str, *, imported: int = 0, failed: int = 0, error: str | None = None) -> None:
        """Record the end of the job; a STOPPED job gets no CompletedTimestamp."""
        with self._lock:
            self.imported_items_count = imported
            self.failed_items_count = failed
            self.error = error
        self.end(status, completed=status in ("COMPLETED", "FAILED"))

    def describe(self) -> dict[str, Any]:
        """The ImportJob shape, which is also GetAddressListImportJob's output."""
        status = self.status
        described: dict[str, Any] = {
            "JobId": self.job_id,
            "Name": self.name,
            "Status": status,
            "PreSignedUrl": self.presigned_url,
            "ImportDataFormat": {"ImportDataType": self.import_data_type},
            "AddressListId": self.address_list_id,
            "CreatedTimestamp": self.created_at,
        }
        if status in ("COMPLETED", "FAILED", "STOPPED") or self.started_at is not None:
            described["ImportedItemsCount"] = self.imported_items_count
            described["FailedItemsCount"] = self.failed_items_count
        optional = {"StartTimestamp": self.started_at, "CompletedTimestamp": self.completed_at, "Error": self.error}
        described.update({key: value for key, value in optional.items() if value})
        return described


def fingerprint(params: dict[str, Any]) -> str:
    """The request without its ClientToken: a retry with the same token must ask for the same thing."""
    without_token = {key: value for key, value in params.items() if key != "ClientToken"}
    return hashlib.sha256(json.dumps(without_token, sort_keys=True).encode()).hexdigest()


class MailManagerEmulator(Emulator[AddressListImportJob]):
    """Mail Manager address lists, members and address-list import jobs on moto's server."""

    title = "Mail Manager"

    def __init__(
        self,
        endpoint_url: str,
        account_id: str = "123456789012",
        region: str = "us-east-1",
        processing_after: float = 0.3,
        complete_after: float = 1.0,
        imports_bucket: str = "listdrop-localcloud-mailmanager-imports",
    ) -> None:
        super().__init__(endpoint_url, account_id, region, processing_after, complete_after)
        self.imports_bucket = imports_bucket
        self._lists: dict[str, AddressList] = {}
        self._list_tokens: dict[str, tuple[str, str]] = {}
        self._job_tokens: dict[str, str] = {}

    def route(self) -> dispatch.Route:
        model = service_model("mailmanager")
        return MailManagerResponses(self, OPERATIONS).route(TargetRoutes(model))

    def _forget(self) -> None:
        with self._lock:
            self._lists.clear()
            self._list_tokens.clear()
            self._job_tokens.clear()

    def iam_lookups(self) -> dict[str, Callable[[str], str | None]]:
        return {ADDRESS_LIST_OF_JOB: self._address_list_of_job}

    def _address_list_of_job(self, job_id: str) -> str | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job.address_list_id if job is not None else None

    def members(self, address_list_id: str) -> set[str]:
        """The addresses in the list (a copy); KeyError if there is no such list."""
        with self._lock:
            return set(self._lists[address_list_id].members)

    # --------------------------------------------------------------------------------- address lists

    def address_list(self, address_list_id: str) -> AddressList:
        with self._lock:
            address_list = self._lists.get(address_list_id)
        if address_list is None:
            raise ApiError("ResourceNotFoundException", f"Address list {address_list_id} does not exist.")
        return address_list

    def address_lists(self) -> list[AddressList]:
        with self._lock:
            return list(self._lists.values())

    def create_address_list(self, params: dict[str, Any]) -> str:
        """Same ClientToken and request: the same list; same token, another request: ConflictException."""
        name, token, request = params["AddressListName"], params.get("ClientToken"), fingerprint(params)
        with self._lock:
            if token and token in self._list_tokens:
                known_request, known_id = self._list_tokens[token]
                if known_request != request:
                    raise ApiError("ConflictException", "The ClientToken was already used with different parameters.")
                return known_id
            if any(existing.name == name for existing in self._lists.values()):
                raise ApiError("ConflictException", f"An address list named {name} already exists.")
            if len(self._lists) >= MAX_ADDRESS_LISTS_PER_REGION:
                raise ApiError(
                    "ServiceQuotaExceededException",
                    f"A region holds at most {MAX_ADDRESS_LISTS_PER_REGION} address lists.",
                )
            list_id = f"al-{uuid.uuid4().hex}"
            now = time.time()
            arn = f"arn:aws:ses:{self.region}:{self.account_id}:mailmanager-address-list/{list_id}"
            self._lists[list_id] = AddressList(list_id, name, arn, now, now)
            if token:
                self._list_tokens[token] = (request, list_id)
        return list_id

    def delete_address_list(self, list_id: str) -> None:
        """Deleting a list that does not exist succeeds (the model lists no ResourceNotFoundException);
        deleting one with an import job under way is a ConflictException (an assumption)."""
        with self._lock:
            running = [
                job.job_id
                for job in self._jobs.values()
                if job.address_list_id == list_id and job.started_at is not None and job.final_status is None
            ]
            if running:
                raise ApiError(
                    "ConflictException", f"Address list {list_id} has an import job in progress ({running[0]})."
                )
            self._lists.pop(list_id, None)

    def register_member(self, list_id: str, address: str) -> None:
        """Registering an address that is already a member succeeds and keeps its CreatedTimestamp."""
        if not is_valid_member(address):
            raise ApiError("ValidationException", "Address must be an email address or a documented wildcard entry.")
        with self._lock:
            address_list = self.address_list(list_id)
            if address not in address_list.members and len(address_list.members) >= MAX_MEMBERS_PER_ADDRESS_LIST:
                raise ApiError(
                    "ServiceQuotaExceededException",
                    f"An address list holds at most {MAX_MEMBERS_PER_ADDRESS_LIST:,} addresses.",
                )
            address_list.add([address])

    def member(self, list_id: str, address: str) -> float:
        with self._lock:
            created = self.address_list(list_id).members.get(address)
        if created is None:
            raise ApiError("ResourceNotFoundException", "The address is not a member of the address list.")
        return created

    def member_entries(self, list_id: str) -> list[tuple[str, float]]:
        with self._lock:
            return sorted(self.address_list(list_id).members.items())

    def deregister_member(self, list_id: str, address: str) -> None:
        """Deregistering an address that is not a member succeeds (an assumption)."""
        with self._lock:
            address_list = self.address_list(list_id)
            if address_list.members.pop(address, None) is not None:
                address_list.updated_at = time.time()

    # ----------------------------------------------------------------------------------- import jobs

    def find(self, job_id: str) -> AddressListImportJob:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise ApiError("ResourceNotFoundException", f"Import job {job_id} does not exist.")
        return job

    def create_import_job(self, params: dict[str, Any]) -> AddressListImportJob:
        """Same ClientToken and parameters: the same job with a fresh PreSignedUrl. Same ClientToken and
        other parameters: ValidationException (the operation models no ConflictException)."""
        token, request = params.get("ClientToken"), fingerprint(params)
        with self._lock:  # held throughout, so two retries with one token cannot both create a job
            self.address_list(params["AddressListId"])
            known = self._jobs.get(self._job_tokens.get(token, "")) if token else None
            if known is not None:
                if known.fingerprint != request:
                    raise ApiError("ValidationException", "The ClientToken was already used with different parameters.")
                known.presigned_url = self._upload_url(known.object_key)
                return known
            job_id = str(uuid.uuid4())
            object_key = f"address-list-import-jobs/{job_id}"
            job = AddressListImportJob(
                job_id=job_id,
                name=params["Name"],
                address_list_id=params["AddressListId"],
                import_data_type=params["ImportDataFormat"]["ImportDataType"],
                object_key=object_key,
                presigned_url=self._upload_url(object_key),
                created_at=time.time(),
                client_token=token,
                fingerprint=request,
            )
            self._jobs[job_id] = job
            if token:
                self._job_tokens[token] = job_id
        LOGGER.info("Mail Manager import job %s created for %s", job_id, params["AddressListId"])
        return job

    def start_import_job(self, job: AddressListImportJob) -> None:
        self._check_not_started(job)
        if self.s3.get(self.imports_bucket, job.object_key) is None:
            raise ApiError(
                "ValidationException",
                f"Nothing has been uploaded for import job {job.job_id}: PUT the file to its PreSignedUrl first.",
            )
        with self._lock:
            self._check_not_started(job)
            job.started_at = time.time()
            job.processing_at = job.started_at + self.processing_after
        self.lifecycle.schedule(job.job_id, self.complete_after, lambda: self._run_job(job))

    @staticmethod
    def _check_not_started(job: AddressListImportJob) -> None:
        if job.final_status or job.started_at is not None:
            raise ApiError(
                "ConflictException", f"Import job {job.job_id} has already been started or has ended ({job.status})."
            )

    def stop_import_job(self, job: AddressListImportJob) -> None:
        with self._lock:
            if job.final_status:
                raise ApiError("ConflictException", f"Import job {job.job_id} has already ended ({job.final_status}).")
            job.finish("STOPPED")
        self.lifecycle.cancel(job.job_id)

    def import_jobs(self, list_id: str) -> list[AddressListImportJob]:
        with self._lock:
            self.address_list(list_id)
            return [job for job in self._jobs.values() if job.address_list_id == list_id]

    # ------------------------------------------------------------------------------------ processing

    def _run_job(self, job: AddressListImportJob) -> None:
        """Due: read and parse the upload, then apply it unless the job was stopped meanwhile."""
        with self._lock:
            if job.final_status or self._jobs.get(job.job_id) is not job:
                return
        forced = self.lifecycle.take_failure()
        try:
            if forced is not None:
                raise JobFailure(forced)
            data = self.s3.get(self.imports_bucket, job.object_key)
            if data is None:
                raise JobFailure("The uploaded import file is no longer available.")
            parsed = parse_import_file(data, job.import_data_type)
        except JobFailure as exc:
            self._end(job, error=str(exc))
            return
        except Exception as exc:  # keep the job observable instead of leaving it PROCESSING forever
            LOGGER.error("Mail Manager import job %s: unexpected %s", job.job_id, type(exc).__name__)
            self._end(job, error=f"Internal emulator error ({type(exc).__name__})")
            return
        self._apply(job, parsed)

    def _apply(self, job: AddressListImportJob, parsed: ParsedFile) -> None:
        with self._lock:
            if job.final_status or self._jobs.get(job.job_id) is not job:
                return
            address_list = self._lists.get(job.address_list_id)
            if address_list is None:
                job.finish("FAILED", error=f"Address list {job.address_list_id} no longer exists.")
                return
            new = set(parsed.addresses) - set(address_list.members)
            if len(address_list.members) + len(new) > MAX_MEMBERS_PER_ADDRESS_LIST:
                job.finish(
                    "FAILED",
                    error=f"The import would take address list {job.address_list_id} past its maximum of "
                    f"{MAX_MEMBERS_PER_ADDRESS_LIST:,} addresses ({len(address_list.members):,} members, "
                    f"{len(new):,} new in the file); nothing was imported.",
                )
                return
            address_list.add(parsed.addresses)
            job.finish("COMPLETED", imported=len(parsed.addresses), failed=parsed.failed)
        LOGGER.info(
            "Mail Manager import job %s COMPLETED: %d imported, %d failed",
            job.job_id,
            len(parsed.addresses),
            parsed.failed,
        )

    def _end(self, job: AddressListImportJob, *, error: str) -> None:
        with self._lock:
            if not job.final_status:
                job.finish("FAILED", error=error)
        LOGGER.info("Mail Manager import job %s %s: %s", job.job_id, job.final_status, job.error)

    def _upload_url(self, key: str) -> str:
        """A one-hour PUT URL for ``key`` in the emulator's bucket in moto's S3 (created when missing)."""
        self.s3.ensure_bucket(self.imports_bucket)
        return self.s3.presigned_url("put_object", self.imports_bucket, key, PRESIGNED_URL_TTL_SECONDS)

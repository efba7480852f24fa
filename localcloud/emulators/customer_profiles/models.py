"""Customer Profiles domains, the profiles they hold, and upload jobs: the state and the service's rules.

An upload job is CREATED until ``StartUploadJob``, then IN_PROGRESS at once. ``processing_after`` seconds after
the start it reads the uploaded file (one it cannot read ends the job FAILED with ``VALIDATION_FAILURE``) and
ingests the first half of the records, so ``ResultsSummary`` grows while IN_PROGRESS; at ``complete_after`` it
ingests the rest and ends SUCCEEDED, PARTIALLY_SUCCEEDED (some records failed, some went in) or FAILED (records,
none of which went in). ``hold`` keeps started jobs IN_PROGRESS after their first half; ``fail_next`` fails the
next job when it reads its file. ``StopUploadJob`` ends a CREATED or IN_PROGRESS job STOPPED, with
``CompletedAt``; what it ingested stays. The package docstring lists which of these rules are assumptions.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from localcloud.emulators.customer_profiles.files import ProfileRecord, UploadMapping, read_upload
from localcloud.emulators.customer_profiles.responses import OPERATIONS, CustomerProfilesResponses
from localcloud.emulators.customer_profiles.upload import UploadEndpoint, UploadSlot, new_client_token
from localcloud.emulators.kit import dispatch
from localcloud.emulators.kit.errors import ApiError, JobFailure
from localcloud.emulators.kit.lifecycle import TimedJob
from localcloud.emulators.kit.routes import RestRoutes
from localcloud.emulators.kit.service import Emulator, service_model

LOGGER = logging.getLogger(__name__)

# "If not provided, the system default of 2 weeks is used" (botocore CreateUploadJobRequest.DataExpiry).
DEFAULT_DATA_EXPIRY_DAYS = 14
# How long an upload URL is valid is not documented: 15 minutes, an assumption (tests set it shorter).
UPLOAD_URL_TTL_SECONDS = 900.0
# botocore StatusReason: VALIDATION_FAILURE ("unable to complete the profile data ingestion"), INTERNAL_FAILURE
# ("Failure caused from service side").
VALIDATION_FAILURE = "VALIDATION_FAILURE"
INTERNAL_FAILURE = "INTERNAL_FAILURE"
FINAL_STATUSES = frozenset({"SUCCEEDED", "PARTIALLY_SUCCEEDED", "FAILED", "STOPPED"})
# CreateDomain's members GetDomain echoes (Matching, RuleBasedMatching and DataStore are accepted, not kept).
_DOMAIN_SETTINGS = ("DefaultExpirationDays", "DefaultEncryptionKey", "DeadLetterQueueUrl", "Tags")


# The profile fields SearchProfiles' `_email` key covers.
EMAIL_SEARCH_FIELDS = ("EmailAddress", "PersonalEmailAddress", "BusinessEmailAddress")


def profile_id(domain_name: str, key: str) -> str:
    """A profile's stable id: the model's `uuid` shape ([a-f0-9]{32})."""
    return hashlib.md5(f"{domain_name}\n{key}".encode(), usedforsecurity=False).hexdigest()


def profile_shape(profile: str, fields: dict[str, str]) -> dict[str, Any]:
    """The model's Profile: top-level fields as they are, `Attributes.<name>` in Attributes, `Address.<f>` (and
    the other addresses) nested."""
    shape: dict[str, Any] = {"ProfileId": profile}
    for name, value in fields.items():
        group, _, member = name.partition(".")
        if member:
            shape.setdefault(group, {})[member] = value
        else:
            shape[name] = value
    return shape


@dataclass
class Domain:
    """One domain; ``profiles`` maps each unique-key value to the profile fields imported for it."""

    name: str
    settings: dict[str, Any]
    created_at: float
    updated_at: float
    profiles: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def item(self) -> dict[str, Any]:
        """The ListDomainItem shape."""
        item = {"DomainName": self.name, "CreatedAt": self.created_at, "LastUpdatedAt": self.updated_at}
        return item | ({"Tags": self.settings["Tags"]} if "Tags" in self.settings else {})

    def describe(self) -> dict[str, Any]:
        """GetDomain's output (and CreateDomain's, without Stats)."""
        return self.settings | self.item() | {"Stats": {"ProfileCount": len(self.profiles)}}

    def ingest(self, record: ProfileRecord) -> bool:
        """Create or update the record's profile; True when it created one."""
        profile = self.profiles.get(record.key)
        self.updated_at = time.time()
        if profile is None:
            self.profiles[record.key] = dict(record.values)
            return True
        profile.update(record.values)
        return False


@dataclass(kw_only=True)
class UploadJob(TimedJob):
    """One upload job; tests read it through ``CustomerProfilesEmulator.job``."""

    domain_name: str
    display_name: str
    fields: dict[str, Any]
    unique_key: str
    data_expiry: int
    mapping: UploadMapping
    client_token: str = field(repr=False)  # a key: kept out of reprs and logs
    upload: bytes | None = field(default=None, repr=False)  # the customer's records
    started_at: float | None = None
    created_records: int = 0
    updated_records: int = 0
    failed_records: int = 0
    status_reason: str | None = None
    failure_message: str | None = None  # why the emulator failed it (never in an answer: AWS gives no message)

    @property
    def status(self) -> str:
        """TimedJob's PROCESSING is Customer Profiles' IN_PROGRESS (botocore UploadJobStatus)."""
        status = super().status
        return "IN_PROGRESS" if status == "PROCESSING" else status

    def item(self) -> dict[str, Any]:
        """The UploadJobItem shape (ListUploadJobs)."""
        item: dict[str, Any] = {
            "JobId": self.job_id,
            "DisplayName": self.display_name,
            "Status": self.status,
            "CreatedAt": self.created_at,
            "DataExpiry": self.data_expiry,
        }
        optional = {"StatusReason": self.status_reason, "CompletedAt": self.completed_at}
        return item | {key: value for key, value in optional.items() if value is not None}

    def describe(self) -> dict[str, Any]:
        """GetUploadJob's output; ResultsSummary once the job has started."""
        described = self.item() | {"Fields": self.fields, "UniqueKey": self.unique_key}
        if self.started_at is not None:
            described["ResultsSummary"] = {
                "CreatedRecords": self.created_records,
                "UpdatedRecords": self.updated_records,
                "FailedRecords": self.failed_records,
            }
        return described


class CustomerProfilesEmulator(Emulator[UploadJob]):
    """Customer Profiles domains and upload jobs on moto's server, and the upload URLs' endpoint."""

    title = "Customer Profiles"

    def __init__(
        self,
        endpoint_url: str,
        account_id: str = "123456789012",
        region: str = "us-east-1",
        processing_after: float = 0.3,
        complete_after: float = 1.0,
        upload_url_ttl_seconds: float = UPLOAD_URL_TTL_SECONDS,
    ) -> None:
        super().__init__(endpoint_url, account_id, region, processing_after, complete_after)
        self.upload_url_ttl_seconds = upload_url_ttl_seconds
        self.uploads = UploadEndpoint(self.endpoint_url, self._upload_slot, time.time)
        self._domains: dict[str, Domain] = {}

    def route(self) -> dispatch.Route:
        model = service_model("customer-profiles")
        return CustomerProfilesResponses(self, OPERATIONS).route(RestRoutes(model, OPERATIONS))

    def install(self) -> None:
        """Serve the operations and the upload URLs (two routes of the kit's dispatcher)."""
        super().install()
        dispatch.register(self.uploads.route())

    def _forget(self) -> None:
        with self._lock:
            self._domains.clear()

    # ------------------------------------------------------------------------------------ test helpers

    def profiles(self, domain_name: str) -> dict[str, dict[str, str]]:
        """What the domain holds (a copy): unique-key value -> the profile's fields, named by their Target
        without ``_profile.`` (``EmailAddress``, ``Address.City``, ``Attributes.<name>``); KeyError if no domain."""
        with self._lock:
            return {key: dict(values) for key, values in self._domains[domain_name].profiles.items()}

    # ----------------------------------------------------------------------------------------- domains

    def domain(self, name: str) -> Domain:
        with self._lock:
            found = self._domains.get(name)
        if found is None:
            raise ApiError("ResourceNotFoundException", f"Domain {name} does not exist.")
        return found

    def domains(self) -> list[Domain]:
        with self._lock:
            return list(self._domains.values())

    def search_profiles(self, domain_name: str, key_name: str, values: list[str]) -> list[dict[str, Any]]:
        """SearchProfiles by `_email` (the search key over EmailAddress, PersonalEmailAddress and
        BusinessEmailAddress: Connect admin guide, "Standard profile definition",
        https://docs.aws.amazon.com/connect/latest/adminguide/standard-profile-definition.html) or `_profileId`.
        Other keys are not emulated (BadRequestException says so). Addresses compare case aside, as the profiles'
        e-mail unique keys do here (an assumption)."""
        domain = self.domain(domain_name)
        wanted = {value.lower() for value in values}
        with self._lock:
            profiles = [(profile_id(domain_name, key), dict(fields)) for key, fields in domain.profiles.items()]
        if key_name == "_email":
            hits = [(pid, f) for pid, f in profiles if {f.get(n, "").lower() for n in EMAIL_SEARCH_FIELDS} & wanted]
        elif key_name == "_profileId":
            hits = [(pid, f) for pid, f in profiles if pid in wanted]
        else:
            raise ApiError("BadRequestException", f"The emulator searches by _email or _profileId, not {key_name}.")
        return [profile_shape(pid, fields) for pid, fields in hits]

    def create_domain(self, params: dict[str, Any]) -> Domain:
        """A name already taken is a BadRequestException (an assumption: not documented)."""
        name = params["DomainName"]
        with self._lock:
            if name in self._domains:
                raise ApiError("BadRequestException", f"Domain {name} already exists.")
            now = time.time()
            settings = {key: params[key] for key in _DOMAIN_SETTINGS if key in params}
            domain = self._domains[name] = Domain(name, settings, now, now)
        return domain

    def delete_domain(self, name: str) -> None:
        """The domain goes with its profiles and upload jobs; their pending work is dropped."""
        with self._lock:
            self.domain(name)
            del self._domains[name]
            gone = [job_id for job_id, job in self._jobs.items() if job.domain_name == name]
            for job_id in gone:
                del self._jobs[job_id]
        for job_id in gone:
            self.lifecycle.cancel(job_id)

    # ------------------------------------------------------------------------------------- upload jobs

    def create_upload_job(self, params: dict[str, Any]) -> UploadJob:
        """A UniqueKey that is not a Fields key, or a mapping the profile cannot take: BadRequestException."""
        self.domain(params["DomainName"])
        try:
            mapping = UploadMapping.read(params["Fields"], params["UniqueKey"])
        except ValueError as exc:
            raise ApiError("BadRequestException", str(exc)) from exc
        job = UploadJob(
            job_id=uuid.uuid4().hex,  # botocore shape uuid: [a-f0-9]{32}
            created_at=time.time(),
            domain_name=params["DomainName"],
            display_name=params["DisplayName"],
            fields=params["Fields"],
            unique_key=params["UniqueKey"],
            data_expiry=params.get("DataExpiry", DEFAULT_DATA_EXPIRY_DAYS),
            mapping=mapping,
            client_token=new_client_token(),
        )
        with self._lock:
            self.domain(job.domain_name)
            self._jobs[job.job_id] = job
        LOGGER.info("Customer Profiles upload job %s created in %s", job.job_id, job.domain_name)
        return job

    def find(self, domain_name: str, job_id: str) -> UploadJob:
        with self._lock:
            self.domain(domain_name)
            job = self._jobs.get(job_id)
        if job is None or job.domain_name != domain_name:
            raise ApiError("ResourceNotFoundException", f"Upload job {job_id} does not exist in {domain_name}.")
        return job

    def jobs_of(self, domain_name: str) -> list[UploadJob]:
        """The domain's jobs in creation order (the order is not documented)."""
        with self._lock:
            self.domain(domain_name)
            return [job for job in self._jobs.values() if job.domain_name == domain_name]

    def upload_path(self, job: UploadJob) -> dict[str, Any]:
        """GetUploadJobPath's output: a fresh URL valid for ``upload_url_ttl_seconds``, and the job's one key."""
        valid_until = time.time() + self.upload_url_ttl_seconds
        url = self.uploads.url(job.domain_name, job.job_id, valid_until)
        return {"Url": url, "ClientToken": job.client_token, "ValidUntil": valid_until}

    def start_upload_job(self, job: UploadJob) -> None:
        """Only a CREATED job starts (BadRequestException otherwise); without an upload it fails when processed."""
        with self._lock:
            if job.status != "CREATED":
                raise ApiError("BadRequestException", f"Upload job {job.job_id} is {job.status}: it cannot start.")
            job.started_at = job.processing_at = time.time()
        # Not holdable: a held job waits IN_PROGRESS with its first half ingested.
        self.lifecycle.schedule(job.job_id, self.processing_after, lambda: self._first_half(job), holdable=False)

    def stop_upload_job(self, job: UploadJob) -> None:
        """CREATED or IN_PROGRESS -> STOPPED; a job that has ended: BadRequestException."""
        with self._lock:
            if job.final_status:
                raise ApiError("BadRequestException", f"Upload job {job.job_id} has ended ({job.final_status}).")
            job.end("STOPPED")
        self.lifecycle.cancel(job.job_id)
        LOGGER.info("Customer Profiles upload job %s STOPPED", job.job_id)

    # -------------------------------------------------------------------------------------- processing

    def _upload_slot(self, domain_name: str, job_id: str) -> UploadSlot | None:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.domain_name != domain_name:
            return None
        return UploadSlot(job.client_token, lambda body: self._receive(job, body))

    def _receive(self, job: UploadJob, body: bytes) -> None:
        """S3 takes any PUT; the job reads what was uploaded before it started (a later upload is ignored)."""
        with self._lock:
            if job.started_at is None and not job.final_status:
                job.upload = body

    def _live(self, job: UploadJob) -> bool:
        return not job.final_status and self._jobs.get(job.job_id) is job

    def _first_half(self, job: UploadJob) -> None:
        with self._lock:
            if not self._live(job):
                return
        forced = self.lifecycle.take_failure()
        if forced is not None:  # fail_next("VALIDATION_FAILURE") picks the reason; any other message: INTERNAL
            self._fail(job, forced if forced in (VALIDATION_FAILURE, INTERNAL_FAILURE) else INTERNAL_FAILURE, forced)
            return
        try:
            outcomes = read_upload(job.upload, job.mapping).outcomes
        except JobFailure as exc:
            self._fail(job, VALIDATION_FAILURE, str(exc))
            return
        except Exception as exc:  # keep the job observable instead of leaving it IN_PROGRESS forever
            LOGGER.error("Customer Profiles upload job %s: unexpected %s", job.job_id, type(exc).__name__)
            self._fail(job, INTERNAL_FAILURE, f"Internal emulator error ({type(exc).__name__})")
            return
        half = (len(outcomes) + 1) // 2
        self._ingest(job, outcomes[:half])
        rest = outcomes[half:]
        self.lifecycle.schedule(
            job.job_id, self.complete_after - self.processing_after, lambda: self._second_half(job, rest)
        )

    def _second_half(self, job: UploadJob, rest: list[ProfileRecord | None]) -> None:
        with self._lock:
            if not self._ingest(job, rest):
                return
            went_in = job.created_records + job.updated_records
            if job.failed_records and not went_in:
                job.status_reason = VALIDATION_FAILURE
                job.end("FAILED")
            else:
                job.end("PARTIALLY_SUCCEEDED" if job.failed_records else "SUCCEEDED")
        LOGGER.info(
            "Customer Profiles upload job %s %s: %d created, %d updated, %d failed",
            job.job_id,
            job.final_status,
            job.created_records,
            job.updated_records,
            job.failed_records,
        )

    def _ingest(self, job: UploadJob, outcomes: list[ProfileRecord | None]) -> bool:
        """Apply records to the job's domain unless the job has ended meanwhile; False when it has."""
        with self._lock:
            if not self._live(job):
                return False
            domain = self._domains[job.domain_name]
            for record in outcomes:
                if record is None:
                    job.failed_records += 1
                elif domain.ingest(record):
                    job.created_records += 1
                else:
                    job.updated_records += 1
        return True

    def _fail(self, job: UploadJob, reason: str, message: str) -> None:
        with self._lock:
            if not self._live(job):
                return
            job.status_reason, job.failure_message = reason, message
            job.end("FAILED")
        LOGGER.info("Customer Profiles upload job %s FAILED (%s): %s", job.job_id, reason, message)

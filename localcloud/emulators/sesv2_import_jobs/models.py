"""SES v2 import jobs and the account-level suppression list: the state and SES's rules.

A job is CREATED, PROCESSING from ``processing_after`` seconds on, and ends COMPLETED or FAILED at
``complete_after``: SES reads the file from S3 as ``ses.amazonaws.com`` (so the bucket policy must let it:
``localcloud/iam/services.py``), applies the valid records one by one and reports the others in a CSV behind a
pre-signed URL. Halfway between the two, ``ProcessedRecordsCount`` shows half of the file's records: the API
reference words it "the current number of records processed", the one count of its kind that says it moves while
the job runs (Mail Manager's and Customer Profiles' counts say no such thing). Contact lists are moto's (its sesv2
backend); the suppression list, which moto does not keep, is this emulator's. ``hold`` keeps jobs PROCESSING (with
their count halfway); ``fail_next`` fails the next job processed.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from localcloud.emulators.kit import dispatch
from localcloud.emulators.kit.errors import ApiError, JobFailure
from localcloud.emulators.kit.lifecycle import TimedJob
from localcloud.emulators.kit.records import RecordError, SourceLine
from localcloud.emulators.kit.routes import RestRoutes, moto_lacks
from localcloud.emulators.kit.s3 import S3Location
from localcloud.emulators.kit.service import Emulator, service_model
from localcloud.emulators.sesv2_import_jobs import files
from localcloud.emulators.sesv2_import_jobs.files import ContactRecord, FailedRecord, JobSpec, Record, SuppressionRecord
from localcloud.emulators.sesv2_import_jobs.responses import (
    EMULATED_OPERATIONS,
    FALLBACK_OPERATIONS,
    SesImportResponses,
)
from localcloud.iam import services

LOGGER = logging.getLogger(__name__)

SES_SERVICE_PRINCIPAL = "ses.amazonaws.com"
PRESIGNED_URL_TTL_SECONDS = 3600
DESTINATION_KINDS = ("ContactListDestination", "SuppressionListDestination")


@dataclass(kw_only=True)
class EmulatedImportJob(TimedJob):
    """One import job; tests read it through ``SesImportJobEmulator.job``. ``processed_records_count`` counts
    records applied, ``failed_records_count`` the others, so the two add up to the records in the file."""

    destination: dict[str, Any]
    source: dict[str, Any]
    processed_records_count: int = 0
    failed_records_count: int = 0
    error_message: str | None = None
    failed_records_key: str | None = None

    @property
    def destination_type(self) -> str:
        return "CONTACT_LIST" if "ContactListDestination" in self.destination else "SUPPRESSION_LIST"

    def finish(
        self,
        *,
        status: str,
        processed: int = 0,
        failed: int = 0,
        error: str | None = None,
        report_key: str | None = None,
    ) -> None:
        with self._lock:
            self.processed_records_count = processed
            self.failed_records_count = failed
            self.error_message = error
            self.failed_records_key = report_key
        self.end(status)

    def advance(self, processed: int) -> None:
        """Records processed so far, while the job runs."""
        with self._lock:
            if not self.final_status:
                self.processed_records_count = processed

    def summary(self) -> dict[str, Any]:
        """The ImportJobSummary shape (no data source, no failure info)."""
        status = self.status
        with self._lock:
            return {
                "JobId": self.job_id,
                "ImportDestination": copy.deepcopy(self.destination),
                "JobStatus": status,
                "CreatedTimestamp": self.created_at,
                "ProcessedRecordsCount": self.processed_records_count,
                "FailedRecordsCount": self.failed_records_count,
            }

    def describe(self, failed_records_url: str | None) -> dict[str, Any]:
        """The GetImportJob output shape."""
        description = self.summary()
        description["ImportDataSource"] = copy.deepcopy(self.source)
        with self._lock:
            if self.completed_at is not None:
                description["CompletedTimestamp"] = self.completed_at
            failure = {"FailedRecordsS3Url": failed_records_url, "ErrorMessage": self.error_message}
        failure = {key: value for key, value in failure.items() if value}
        if failure:
            description["FailureInfo"] = failure
        return description


class ContactListTarget:
    """Applies contact records to a contact list held by moto's sesv2 backend."""

    def __init__(self, contact_list: Any, action: str) -> None:
        self._list = contact_list
        self._action = action

    def apply(self, record: Record) -> None:
        assert isinstance(record, ContactRecord)
        contacts: dict[str, Any] = self._list.contacts
        if self._action == "DELETE":
            if contacts.pop(record.email, None) is None:
                raise RecordError("contact does not exist")
            return
        previous = contacts.get(record.email)
        self._list.create_contact(
            self._list.contact_list_name,
            {
                "EmailAddress": record.email,
                "UnsubscribeAll": record.unsubscribe_all,
                "AttributesData": record.attributes_data,
                "TopicPreferences": [
                    {"TopicName": topic, "SubscriptionStatus": status} for topic, status in record.topic_preferences
                ],
            },
        )
        if previous is not None:  # an overwrite keeps the contact's creation time, as an update would
            contacts[record.email].created_timestamp = previous.created_timestamp


class SuppressionListTarget:
    """Applies suppression records to the emulator's account-level suppression list."""

    def __init__(self, entries: dict[str, tuple[str, float]], lock: threading.Lock, action: str) -> None:
        self._entries = entries
        self._lock = lock
        self._action = action

    def apply(self, record: Record) -> None:
        assert isinstance(record, SuppressionRecord)
        with self._lock:
            if self._action == "DELETE":
                if self._entries.pop(record.email, None) is None:
                    raise RecordError("address is not on the suppression list")
            else:
                self._entries[record.email] = (str(record.reason), time.time())


def ses_read_denial(policy: Any, location: S3Location, account_id: str) -> str | None:
    """Why SES (the service principal) may not GetObject, or None if the bucket policy lets it.

    SES's import jobs read as ses.amazonaws.com and send aws:Referer = the account id, the one condition key SES's
    documentation puts in the bucket policy it asks for (localcloud/iam/services.py has the sources); a policy that
    tests another key, aws:SourceAccount say, does not let SES read.
    """
    prefix = f"Access denied reading {location.url}: the bucket policy"
    try:
        document = json.loads(policy) if policy else None
    except ValueError:
        document = None
    if not isinstance(document, dict):
        return f"{prefix} does not allow {SES_SERVICE_PRINCIPAL} s3:GetObject (no usable bucket policy)"
    decision = services.ses_may_read(document, location.arn, account_id)
    if decision:
        return None
    if "explicit deny" in decision.reason:
        return f"{prefix} explicitly denies {SES_SERVICE_PRINCIPAL} s3:GetObject"
    return f"{prefix} does not allow {SES_SERVICE_PRINCIPAL} s3:GetObject"


class SesImportJobEmulator(Emulator[EmulatedImportJob]):
    """SES v2 import jobs (and, while moto lacks them, suppression-list reads) on moto's server."""

    title = "SES"

    def __init__(
        self,
        *,
        endpoint_url: str,
        account_id: str = "123456789012",
        region: str = "us-east-1",
        processing_after: float = 0.3,
        complete_after: float = 1.0,
        reports_bucket: str = "listdrop-localcloud-ses-failed-records",
    ) -> None:
        super().__init__(endpoint_url, account_id, region, processing_after, complete_after)
        self.reports_bucket = reports_bucket
        self._suppressed: dict[str, tuple[str, float]] = {}
        self._suppression_lock = threading.Lock()

    def route(self) -> dispatch.Route:
        from moto.sesv2.responses import SESV2Response

        served = (*EMULATED_OPERATIONS, *(op for op in FALLBACK_OPERATIONS if moto_lacks(SESV2Response, op)))
        responses = SesImportResponses(self, served)
        return responses.route(RestRoutes(service_model("sesv2"), served))

    def _forget(self) -> None:
        with self._lock, self._suppression_lock:
            self._suppressed.clear()

    @property
    def suppression_list(self) -> dict[str, str]:
        """The local account-level suppression list: address -> BOUNCE|COMPLAINT (a copy)."""
        with self._suppression_lock:
            return {address: reason for address, (reason, _) in self._suppressed.items()}

    # ------------------------------------------------------------------------------------ operations

    def create_import_job(self, destination: dict[str, Any], source: dict[str, Any]) -> EmulatedImportJob:
        if sum(kind in destination for kind in DESTINATION_KINDS) != 1:
            raise ApiError(
                "BadRequestException",
                "ImportDestination must contain exactly one of ContactListDestination and SuppressionListDestination.",
            )
        contacts = destination.get("ContactListDestination")
        if contacts and self._contact_list(contacts["ContactListName"]) is None:
            raise ApiError("NotFoundException", f"List with name: {contacts['ContactListName']} doesn't exist.")
        now = time.time()
        job = EmulatedImportJob(
            job_id=str(uuid.uuid4()),
            destination=copy.deepcopy(destination),
            source=copy.deepcopy(source),
            created_at=now,
            processing_at=now + self.processing_after,
        )
        with self._lock:
            self._jobs[job.job_id] = job
        # Not holdable: a held job shows its count halfway, as a job SES is slow to finish would.
        halfway = (self.processing_after + self.complete_after) / 2
        self.lifecycle.schedule(job.job_id, halfway, lambda: self._count_halfway(job), holdable=False)
        LOGGER.info("SES import job %s created (%s %s)", job.job_id, job.destination_type, source["DataFormat"])
        return job

    def find(self, job_id: str) -> EmulatedImportJob:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise ApiError("NotFoundException", f"Import job {job_id} does not exist.")
        return job

    def failed_records_url(self, job: EmulatedImportJob) -> str | None:
        """A fresh one-hour GET URL per call, like SES hands out on each GetImportJob."""
        key = job.failed_records_key
        if not key:
            return None
        return self.s3.presigned_url("get_object", self.reports_bucket, key, PRESIGNED_URL_TTL_SECONDS)

    def seed_suppressed(self, reasons: dict[str, str], updated_at: float | None = None) -> None:
        """Put addresses on the local suppression list directly (test data: SES fills it from bounces and
        complaints, which the local cloud does not send)."""
        at = time.time() if updated_at is None else updated_at
        with self._suppression_lock:
            self._suppressed.update({address: (reason, at) for address, reason in reasons.items()})

    def unsuppress(self, addresses: Iterable[str]) -> None:
        """Take addresses off the local suppression list directly (test data, as seed_suppressed)."""
        with self._suppression_lock:
            for address in addresses:
                self._suppressed.pop(address, None)

    def suppressed(self, address: str) -> tuple[str, float] | None:
        with self._suppression_lock:
            return self._suppressed.get(address)

    def suppressed_between(
        self, reasons: list[str], start: datetime | None, end: datetime | None
    ) -> list[dict[str, Any]]:
        """SuppressedDestinationSummary entries with one of the reasons, updated within [start, end]."""
        with self._suppression_lock:
            return [
                {"EmailAddress": address, "Reason": reason, "LastUpdateTime": updated}
                for address, (reason, updated) in self._suppressed.items()
                if reason in reasons
                and (start is None or updated >= start.timestamp())
                and (end is None or updated <= end.timestamp())
            ]

    def contacts(self, name: str, contact_filter: dict[str, Any]) -> list[dict[str, Any]]:
        """ListContacts' Contact entries of one list, in the order they were added, filtered as the API documents:
        `TopicFilter` names a topic and `FilteredStatus` the subscription status to it; with
        `UseDefaultIfPreferenceUnavailable`, a contact without a preference for the topic counts with the topic's
        default (botocore's sesv2 model, ListContactsFilter and TopicFilter)."""
        contact_list = self._contact_list(name)
        if contact_list is None:
            raise ApiError("NotFoundException", f"List with name: {name} doesn't exist.")
        defaults = {topic["TopicName"]: topic["DefaultSubscriptionStatus"] for topic in contact_list.topics or []}
        wanted = _contact_filter(contact_filter)
        entries = []
        for contact in list(contact_list.contacts.values()):
            chosen = {p["TopicName"]: p["SubscriptionStatus"] for p in contact.topic_preferences or []}
            if wanted is not None:
                topic, status, use_default = wanted
                if chosen.get(topic, defaults.get(topic) if use_default else None) != status:
                    continue
            entries.append(
                {
                    "EmailAddress": contact.email_address,
                    "TopicPreferences": [{"TopicName": t, "SubscriptionStatus": v} for t, v in chosen.items()],
                    "TopicDefaultPreferences": [
                        {"TopicName": t, "SubscriptionStatus": v} for t, v in defaults.items() if t not in chosen
                    ],
                    "UnsubscribeAll": bool(contact.unsubscribe_all),
                    "LastUpdatedTimestamp": datetime.fromisoformat(contact.last_updated_timestamp).timestamp(),
                }
            )
        return entries

    # ------------------------------------------------------------------------------------ processing

    def _run_job(self, job: EmulatedImportJob) -> None:
        """Due: process the job exactly once, then record how it ended."""
        with self._lock:
            if self._jobs.get(job.job_id) is not job:  # reset() dropped it
                return
        forced = self.lifecycle.take_failure()
        try:
            if forced is not None:
                raise JobFailure(forced)
            processed, failed, report_key = self._process(job)
        except JobFailure as exc:
            job.finish(status="FAILED", error=str(exc))
        except Exception as exc:  # keep the job observable instead of leaving it PROCESSING forever
            LOGGER.error("SES import job %s: unexpected %s", job.job_id, type(exc).__name__)
            job.finish(status="FAILED", error=f"Internal emulator error ({type(exc).__name__})")
        else:
            job.finish(status="COMPLETED", processed=processed, failed=failed, report_key=report_key)
        LOGGER.info(
            "SES import job %s %s: %d processed, %d failed",
            job.job_id,
            job.final_status,
            job.processed_records_count,
            job.failed_records_count,
        )

    def _count_halfway(self, job: EmulatedImportJob) -> None:
        """Halfway: half of the file's records processed, and the rest due at ``complete_after``. A file SES cannot
        read shows none; the job fails at the end, when it is processed."""
        with self._lock:
            if self._jobs.get(job.job_id) is not job:  # reset() dropped it
                return
        rest = self.complete_after - (self.processing_after + self.complete_after) / 2
        try:
            _, records, failed = self._read(job)
        except JobFailure:
            records, failed = [], []
        finally:  # the job ends whatever happened here
            self.lifecycle.schedule(job.job_id, rest, lambda: self._run_job(job))
        job.advance((len(records) + len(failed)) // 2)

    def _read(
        self, job: EmulatedImportJob
    ) -> tuple[ContactListTarget | SuppressionListTarget, list[tuple[SourceLine, Record]], list[FailedRecord]]:
        """The job's target and its file's records, as SES reads them (JobFailure when it cannot)."""
        spec = JobSpec.of(job.destination, job.source)
        target, topics = self._target(spec)
        location = S3Location.parse(job.source["S3Url"])
        data = self.s3.read(location, lambda policy, where: ses_read_denial(policy, where, self.account_id))
        records, failed = files.read_records(spec, data, topics)
        return target, records, failed

    def _process(self, job: EmulatedImportJob) -> tuple[int, int, str | None]:
        target, records, failed = self._read(job)
        applied = 0
        for line, record in records:
            try:
                target.apply(record)
                applied += 1
            except RecordError as exc:
                failed.append(FailedRecord(line, str(exc)))
        failed.sort(key=lambda item: item.line.number)
        report_key = self._store_report(job.job_id, failed) if failed else None
        return applied, len(failed), report_key

    def _target(self, spec: JobSpec) -> tuple[ContactListTarget | SuppressionListTarget, frozenset[str]]:
        if spec.destination_type == "SUPPRESSION_LIST":
            return SuppressionListTarget(self._suppressed, self._suppression_lock, spec.action), frozenset()
        contact_list = self._contact_list(str(spec.contact_list_name))
        if contact_list is None:
            raise JobFailure(f"The contact list {spec.contact_list_name} no longer exists")
        topics = frozenset(topic.get("TopicName") for topic in contact_list.topics or [])
        return ContactListTarget(contact_list, spec.action), topics

    def _contact_list(self, name: str) -> Any:
        from moto.sesv2.models import sesv2_backends

        backend = sesv2_backends[self.account_id][self.region]
        return backend.core_backend.contacts_lists.get(name)

    def _store_report(self, job_id: str, failed: list[FailedRecord]) -> str:
        """Write the failed-records CSV to the reports bucket; return its key."""
        key = f"{job_id}/failed-records.csv"
        self.s3.put(self.reports_bucket, key, files.failed_records_csv(failed))
        return key


def _contact_filter(contact_filter: dict[str, Any]) -> tuple[str, str, bool] | None:
    """The topic, status and default rule a ListContacts filter names (None: no filter)."""
    if not contact_filter:
        return None
    topic = contact_filter.get("TopicFilter") or {}
    if "FilteredStatus" not in contact_filter or not topic.get("TopicName"):
        # SES documents the filter only as a status for a topic; what it does with one half is not modelled here.
        raise ApiError("BadRequestException", "The local cloud models ListContacts filters by topic and status only.")
    return topic["TopicName"], contact_filter["FilteredStatus"], bool(topic.get("UseDefaultIfPreferenceUnavailable"))

"""The job table: one item per uploaded object version, keyed by its tracking id.

The item is the idempotency record (a conditional put claims the upload, so a duplicate S3 event
starts no second job) and the job's history (status, counts, outcome) for people and tools. This module
writes it; job_records.py reads it for `listdrop jobs`, through the same attribute names (Attribute).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from listdrop.models import JobStatus
from listdrop.upload import Upload

# Items that are not uploads: the start-rate gates of providers with an account-wide rate.
GATE_PREFIX = "gate#"


class Attribute:
    """The item's attribute names, for the writer here, the reader (job_records.py) and the workflow's own
    DynamoDB task that writes the outcome when the poller cannot (infra/constructs/workflow.py)."""

    TRACKING_ID = "trackingId"  # the partition key
    STATUS = "status"  # a ClaimStatus until the upload ends, then its Outcome (models.py)
    CLAIM_EXPIRES_AT = "claimExpiresAt"  # epoch seconds
    MAY_HAVE_JOB = "mayHaveJob"
    CREATED_AT = "createdAt"  # when the first delivery claimed the upload (ISO 8601 UTC)
    UPDATED_AT = "updatedAt"
    PROVIDER = "provider"
    DESTINATION_TYPE = "destinationType"
    DESTINATION_NAME = "destinationName"
    DESTINATION_LABEL = "destinationLabel"
    ACTION = "action"
    SOURCE_URI = "sourceUri"
    SOURCE_VERSION_ID = "sourceVersionId"
    SIZE_BYTES = "sizeBytes"
    PROVIDER_JOB_ID = "providerJobId"
    EXECUTION_INPUT = "executionInput"  # the workflow's input, as JSON text
    JOB_STARTED_AT = "jobStartedAt"  # when the provider's job was started; absent when none was
    PROVIDER_STATUS = "providerStatus"
    PROCESSED_RECORDS = "processedRecords"
    FAILED_RECORDS = "failedRecords"
    PROVIDER_PROGRESS = "providerProgress"  # JSON text
    LAST_POLLED_AT = "lastPolledAt"
    REASON_CODE = "reasonCode"
    REASON = "reason"
    FAILURE_REPORT = "failureReport"
    ENDED_AT = "endedAt"  # when the upload ended: its job's end, or its rejection (or the API's refusal)
    OUTCOME_DETAIL = "outcomeDetail"  # the outcome event's detail, as JSON text
    LAST_START_MS = "lastStartMs"  # on a start-rate gate item only


class ClaimStatus:
    CLAIMED = "CLAIMED"
    STARTED = "STARTED"
    REJECTED = "REJECTED"


@dataclass(frozen=True)
class JobRecord:
    tracking_id: str
    status: str
    claim_expires_at: int
    execution_input: str | None
    provider_job_id: str | None
    created_at: str | None = None  # when the first delivery claimed the upload
    # False only when every attempt so far is known to have started no provider job (it was throttled):
    # a takeover may then skip looking for one. Missing means it may: a crash leaves no word.
    may_have_job: bool = True

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> JobRecord:
        return cls(
            tracking_id=str(item[Attribute.TRACKING_ID]),
            status=str(item[Attribute.STATUS]),
            claim_expires_at=int(item.get(Attribute.CLAIM_EXPIRES_AT, 0)),
            execution_input=item.get(Attribute.EXECUTION_INPUT),
            provider_job_id=item.get(Attribute.PROVIDER_JOB_ID),
            created_at=item.get(Attribute.CREATED_AT),
            may_have_job=bool(item.get(Attribute.MAY_HAVE_JOB, True)),
        )


class JobStore:
    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, tracking_id: str) -> JobRecord | None:
        item = self._table.get_item(Key=_key(tracking_id), ConsistentRead=True).get("Item")
        return JobRecord.from_item(item) if item else None

    def claim(self, upload: Upload, *, now: int, lease_seconds: int) -> bool:
        """Create the record if no delivery of this upload has; False when one already has."""
        item = {
            Attribute.TRACKING_ID: upload.tracking_id,
            Attribute.STATUS: ClaimStatus.CLAIMED,
            Attribute.CLAIM_EXPIRES_AT: now + lease_seconds,
            Attribute.CREATED_AT: upload.started_at,
            Attribute.UPDATED_AT: upload.started_at,
            **_upload_attributes(upload),
        }
        try:
            self._table.put_item(Item=item, ConditionExpression=f"attribute_not_exists({Attribute.TRACKING_ID})")
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
        return True

    def take_over(self, record: JobRecord, *, now: int, lease_seconds: int) -> bool:
        """Take an expired claim (its holder crashed); False when another delivery took it first."""
        try:
            self._table.update_item(
                Key=_key(record.tracking_id),
                # this attempt may crash too: it may leave a job behind
                UpdateExpression=f"SET {Attribute.CLAIM_EXPIRES_AT} = :new REMOVE {Attribute.MAY_HAVE_JOB}",
                ConditionExpression=f"#s = :claimed AND {Attribute.CLAIM_EXPIRES_AT} = :old",
                ExpressionAttributeNames={"#s": Attribute.STATUS},
                ExpressionAttributeValues={
                    ":new": now + lease_seconds,
                    ":old": record.claim_expires_at,
                    ":claimed": ClaimStatus.CLAIMED,
                },
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
        return True

    def release(self, tracking_id: str, *, now: int, may_have_job: bool) -> None:
        """End a live claim early (the job API throttled or failed), so the next delivery may take over at once.

        The record stays. With may_have_job, the takeover first looks for a job the failed call may have
        created; without (the API refused the call before acting on it), it starts one straight away.
        """
        try:
            self._table.update_item(
                Key=_key(tracking_id),
                UpdateExpression=f"SET {Attribute.CLAIM_EXPIRES_AT} = :now, {Attribute.MAY_HAVE_JOB} = :may",
                ConditionExpression="#s = :claimed",
                ExpressionAttributeNames={"#s": Attribute.STATUS},
                ExpressionAttributeValues={":now": now, ":may": may_have_job, ":claimed": ClaimStatus.CLAIMED},
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise

    def take_start_slot(self, provider: str, *, now_ms: int, interval_ms: int) -> bool:
        """Claim the right to call the provider's start now, at most once per interval across every copy of
        the starter (one item per provider, `gate#<provider>`; `listdrop jobs` skips it). False: wait."""
        try:
            self._table.update_item(
                Key=_key(f"{GATE_PREFIX}{provider}"),
                UpdateExpression=f"SET {Attribute.LAST_START_MS} = :now",
                ConditionExpression=(
                    f"attribute_not_exists({Attribute.LAST_START_MS}) OR {Attribute.LAST_START_MS} <= :earliest"
                ),
                ExpressionAttributeValues={":now": now_ms, ":earliest": now_ms - interval_ms},
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
        return True

    def mark_started(self, upload: Upload, execution_input: str, at: str) -> None:
        self._table.update_item(
            Key=_key(upload.tracking_id),
            UpdateExpression=(
                f"SET #s = :started, {Attribute.PROVIDER_JOB_ID} = :job, {Attribute.EXECUTION_INPUT} = :input, "
                f"{Attribute.JOB_STARTED_AT} = :at, {Attribute.UPDATED_AT} = :at"
            ),
            ExpressionAttributeNames={"#s": Attribute.STATUS},
            ExpressionAttributeValues={
                ":started": ClaimStatus.STARTED,
                ":job": upload.job_id,
                ":input": execution_input,
                ":at": at,
            },
        )

    def mark_not_started(
        self, upload: Upload, *, status: str, code: str, reason: str, execution_input: str, ended_at: str
    ) -> None:
        """The upload ends before any job runs (rejected, or refused by the job API): it ended at `ended_at` (its
        outcome event's endedAt) and has no jobStartedAt, as no job was started."""
        self._table.put_item(
            Item={
                Attribute.TRACKING_ID: upload.tracking_id,
                Attribute.STATUS: status,
                Attribute.CREATED_AT: upload.started_at,
                Attribute.UPDATED_AT: ended_at,
                Attribute.ENDED_AT: ended_at,
                Attribute.REASON_CODE: code,
                Attribute.REASON: reason,
                Attribute.EXECUTION_INPUT: execution_input,
                **_upload_attributes(upload),
            }
        )

    def record_progress(self, tracking_id: str, status: JobStatus, at: str) -> None:
        self._table.update_item(
            Key=_key(tracking_id),
            UpdateExpression=(
                f"SET {Attribute.PROVIDER_STATUS} = :ps, {Attribute.PROCESSED_RECORDS} = :p, "
                f"{Attribute.FAILED_RECORDS} = :f, {Attribute.PROVIDER_PROGRESS} = :progress, "
                f"{Attribute.LAST_POLLED_AT} = :at, {Attribute.UPDATED_AT} = :at"
            ),
            ExpressionAttributeValues={
                ":ps": status.provider_status,
                ":p": status.processed,
                ":f": status.failed,
                ":progress": json.dumps(status.progress) if status.progress else None,
                ":at": at,
            },
        )

    def mark_finished(self, tracking_id: str, detail: dict[str, Any]) -> None:
        self._table.update_item(
            Key=_key(tracking_id),
            UpdateExpression=(
                f"SET #s = :outcome, {Attribute.PROVIDER_STATUS} = :ps, {Attribute.PROCESSED_RECORDS} = :p, "
                f"{Attribute.FAILED_RECORDS} = :f, {Attribute.FAILURE_REPORT} = :report, {Attribute.REASON} = :reason, "
                f"{Attribute.REASON_CODE} = :code, {Attribute.ENDED_AT} = :end, {Attribute.UPDATED_AT} = :end, "
                f"{Attribute.OUTCOME_DETAIL} = :detail"
            ),
            ExpressionAttributeNames={"#s": Attribute.STATUS},
            ExpressionAttributeValues={
                ":outcome": detail["outcome"],
                ":ps": detail["providerStatus"],
                ":p": detail["records"]["processed"],
                ":f": detail["records"]["failed"],
                ":report": detail["failureReport"],
                ":reason": detail["reason"],
                ":code": detail["reasonCode"],
                ":end": detail["endedAt"],
                ":detail": json.dumps(detail, default=_json_default),
            },
        )


def _key(tracking_id: str) -> dict[str, str]:
    return {Attribute.TRACKING_ID: tracking_id}


def _upload_attributes(upload: Upload) -> dict[str, Any]:
    return {
        Attribute.PROVIDER: upload.provider,
        Attribute.DESTINATION_TYPE: upload.destination.get("type"),
        Attribute.DESTINATION_NAME: upload.destination.get("name"),
        Attribute.DESTINATION_LABEL: upload.destination.get("label"),
        Attribute.ACTION: upload.action,
        Attribute.SOURCE_URI: upload.source["uri"],
        Attribute.SOURCE_VERSION_ID: upload.source.get("versionId"),
        Attribute.SIZE_BYTES: upload.source.get("sizeBytes", 0),
    }


def _is_condition_failure(error: ClientError) -> bool:
    return bool(error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")

"""The job table: one item per uploaded object version, keyed by its tracking id.

The item is the idempotency record (a conditional put claims the upload, so a duplicate S3 event
starts no second job) and the job's history (status, counts, outcome) for people and tools.
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
            tracking_id=str(item["trackingId"]),
            status=str(item["status"]),
            claim_expires_at=int(item.get("claimExpiresAt", 0)),
            execution_input=item.get("executionInput"),
            provider_job_id=item.get("providerJobId"),
            created_at=item.get("createdAt"),
            may_have_job=bool(item.get("mayHaveJob", True)),
        )


class JobStore:
    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, tracking_id: str) -> JobRecord | None:
        item = self._table.get_item(Key={"trackingId": tracking_id}, ConsistentRead=True).get("Item")
        return JobRecord.from_item(item) if item else None

    def claim(self, upload: Upload, *, now: int, lease_seconds: int) -> bool:
        """Create the record if no delivery of this upload has; False when one already has."""
        item = {
            "trackingId": upload.tracking_id,
            "status": ClaimStatus.CLAIMED,
            "claimExpiresAt": now + lease_seconds,
            "createdAt": upload.started_at,
            "updatedAt": upload.started_at,
            **_upload_attributes(upload),
        }
        try:
            self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(trackingId)")
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
        return True

    def take_over(self, record: JobRecord, *, now: int, lease_seconds: int) -> bool:
        """Take an expired claim (its holder crashed); False when another delivery took it first."""
        try:
            self._table.update_item(
                Key={"trackingId": record.tracking_id},
                UpdateExpression="SET claimExpiresAt = :new REMOVE mayHaveJob",  # this attempt may crash too
                ConditionExpression="#s = :claimed AND claimExpiresAt = :old",
                ExpressionAttributeNames={"#s": "status"},
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
                Key={"trackingId": tracking_id},
                UpdateExpression="SET claimExpiresAt = :now, mayHaveJob = :may",
                ConditionExpression="#s = :claimed",
                ExpressionAttributeNames={"#s": "status"},
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
                Key={"trackingId": f"{GATE_PREFIX}{provider}"},
                UpdateExpression="SET lastStartMs = :now",
                ConditionExpression="attribute_not_exists(lastStartMs) OR lastStartMs <= :earliest",
                ExpressionAttributeValues={":now": now_ms, ":earliest": now_ms - interval_ms},
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
        return True

    def mark_started(self, upload: Upload, execution_input: str, at: str) -> None:
        self._table.update_item(
            Key={"trackingId": upload.tracking_id},
            UpdateExpression=(
                "SET #s = :started, providerJobId = :job, executionInput = :input, jobStartedAt = :at, updatedAt = :at"
            ),
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":started": ClaimStatus.STARTED,
                ":job": upload.job_id,
                ":input": execution_input,
                ":at": at,
            },
        )

    def mark_not_started(self, upload: Upload, *, status: str, code: str, reason: str, execution_input: str) -> None:
        """The upload ends before any job runs (rejected, or refused by the job API)."""
        self._table.put_item(
            Item={
                "trackingId": upload.tracking_id,
                "status": status,
                "createdAt": upload.started_at,
                "updatedAt": upload.started_at,
                "reasonCode": code,
                "reason": reason,
                "executionInput": execution_input,
                **_upload_attributes(upload),
            }
        )

    def record_progress(self, tracking_id: str, status: JobStatus, at: str) -> None:
        self._table.update_item(
            Key={"trackingId": tracking_id},
            UpdateExpression=(
                "SET providerStatus = :ps, processedRecords = :p, failedRecords = :f, "
                "providerProgress = :progress, lastPolledAt = :at, updatedAt = :at"
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
            Key={"trackingId": tracking_id},
            UpdateExpression=(
                "SET #s = :outcome, providerStatus = :ps, processedRecords = :p, failedRecords = :f, "
                "failureReport = :report, reason = :reason, endedAt = :end, updatedAt = :end, "
                "outcomeDetail = :detail"
            ),
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":outcome": detail["outcome"],
                ":ps": detail["providerStatus"],
                ":p": detail["records"]["processed"],
                ":f": detail["records"]["failed"],
                ":report": detail["failureReport"],
                ":reason": detail["reason"],
                ":end": detail["endedAt"],
                ":detail": json.dumps(detail, default=_json_default),
            },
        )


def _upload_attributes(upload: Upload) -> dict[str, Any]:
    return {
        "provider": upload.provider,
        "destinationType": upload.destination.get("type"),
        "destinationName": upload.destination.get("name"),
        "destinationLabel": upload.destination.get("label"),
        "action": upload.action,
        "sourceUri": upload.source["uri"],
        "sourceVersionId": upload.source.get("versionId"),
        "sizeBytes": upload.source.get("sizeBytes", 0),
    }


def _is_condition_failure(error: ClientError) -> bool:
    return bool(error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")

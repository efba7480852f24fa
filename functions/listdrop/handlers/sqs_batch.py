"""SQS partial batch responses (ReportBatchItemFailures,
https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html), as Powertools'
BatchProcessor(EventType.SQS) with process_partial_response gave them: each record is handled on its own; one
whose handler raises is reported by its messageId, so SQS delivers it again; a batch whose every record failed
raises, so the invocation counts as failed and SQS delivers them all again.

A loop of our own because importing Powertools' batch utility (asyncio, and the data classes of every event
source) cost about 50 ms of each cold start (bench/coldstart.py) for these few lines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

from listdrop.observability import logger

SqsRecord = dict[str, Any]  # one of the event's Records, as Lambda delivers it


class ItemFailure(TypedDict):
    itemIdentifier: str


class PartialBatchResponse(TypedDict):
    batchItemFailures: list[ItemFailure]


class BatchFailed(Exception):
    """Every record of the batch failed."""


def process_partial_batch(event: dict[str, Any], handle: Callable[[SqsRecord], None]) -> PartialBatchResponse:
    records: list[SqsRecord] = event["Records"]
    failures: list[ItemFailure] = []
    first_error: Exception | None = None
    for record in records:
        try:
            handle(record)
        except Exception as error:  # any failure sends the record back; a crash (BaseException) ends the batch
            # The type only, at debug as Powertools logged it: a message may name a key or a list.
            logger.debug("Record failed", extra={"messageId": record["messageId"], "error": type(error).__name__})
            failures.append({"itemIdentifier": record["messageId"]})
            first_error = first_error or error
    if records and len(failures) == len(records):
        raise BatchFailed(f"All {len(records)} records failed; SQS delivers them again.") from first_error
    return {"batchItemFailures": failures}

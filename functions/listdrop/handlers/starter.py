"""SQS (S3 event notifications) -> Starter. Failed messages are reported one by one (partial batch)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from listdrop.errors import ProviderUnavailable, RetryLater
from listdrop.handlers.sqs_batch import PartialBatchResponse, SqsRecord, process_partial_batch
from listdrop.job_store import JobStore
from listdrop.observability import logger, metrics
from listdrop.providers.registry import get_provider
from listdrop.requeue import Requeue
from listdrop.settings import StarterSettings
from listdrop.starter import Result, Starter

_METRICS = {
    Result.STARTED: "ImportsStarted",
    Result.REJECTED: "FilesRejected",
    Result.REFUSED: "ImportsRefused",
    Result.DUPLICATE: "DuplicateDeliveries",
}


@cache
def _starter() -> Starter:
    settings = StarterSettings.from_env()
    session = boto3.session.Session()
    return Starter(
        settings=settings,
        store=JobStore(session.resource("dynamodb").Table(settings.jobs_table)),
        s3=session.client("s3"),
        sfn=session.client("stepfunctions"),
        providers=lambda name: get_provider(name, session),
    )


@cache
def _requeue() -> Requeue:
    return Requeue(boto3.client("sqs"))


def record_handler(record: SqsRecord) -> None:
    try:
        results = _starter().handle_notification(json.loads(record["body"]))
    except ProviderUnavailable as throttled:
        attempt, delay = _requeue().later(
            queue_arn=record["eventSourceARN"],
            body=record["body"],
            message_attributes=record.get("messageAttributes") or {},
        )
        logger.info(
            "Throttled; sent back to the queue",
            extra={"reason": str(throttled), "attempt": attempt, "delaySeconds": delay},
        )
        metrics.add_metric(name="ThrottledRequeues", unit=MetricUnit.Count, value=1)
        return
    except RetryLater as later:
        logger.info("Will retry later", extra={"reason": str(later)})
        metrics.add_metric(name="RetriesScheduled", unit=MetricUnit.Count, value=1)
        raise
    for result in results:
        if result.result in _METRICS:
            metrics.add_metric(name=_METRICS[result.result], unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialBatchResponse:
    return process_partial_batch(event, record_handler)

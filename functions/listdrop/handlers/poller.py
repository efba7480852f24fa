"""Step Functions task: one poll of a provider job (see listdrop.poller)."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from listdrop.job_store import JobStore
from listdrop.observability import logger, metrics
from listdrop.poller import Poller
from listdrop.providers.registry import get_provider
from listdrop.reports import ReportCopier
from listdrop.settings import PollerSettings


@cache
def _poller() -> Poller:
    settings = PollerSettings.from_env()
    session = boto3.session.Session()
    return Poller(
        store=JobStore(session.resource("dynamodb").Table(settings.jobs_table)),
        reports=ReportCopier(session.client("s3"), settings.bucket, settings.reports_prefix),
        results=ReportCopier(session.client("s3"), settings.bucket, settings.export_results_prefix),
        providers=lambda name: get_provider(name, session),
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(tracking_id=event.get("upload", {}).get("trackingId"))
    state = _poller().poll(event)
    outcome = state.get("outcome")
    if outcome is not None:
        detail = outcome["detail"]
        metrics.add_metric(name=f"Imports{detail['outcome'].title().replace('_', '')}", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="RecordsProcessed", unit=MetricUnit.Count, value=detail["records"]["processed"])
        metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=detail["records"]["failed"])
        metrics.add_metric(name="SecondsToOutcome", unit=MetricUnit.Seconds, value=detail["durationSeconds"])
    return state

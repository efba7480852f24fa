"""What `listdrop smoke` creates (phase 2) and removes (phase 5), all named `listdrop-smoke-<run id>`.

Each thing is written down in a Scratch as soon as it exists, so the removal in the runner's `finally` finds
it after a failure or Ctrl-C too. The user's own resources are only ever read.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from listdrop.cli.connection import Connection
from listdrop.cli.smoke.deployment import Deployment
from listdrop.cli.smoke.report import CheckFailed, Report, Row, describe_client_error
from listdrop.cli.subscriber_queue import SubscriberQueue
from listdrop.upload import tracking_id_for

NAME_PREFIX = "listdrop-smoke-"
# Where the pipeline writes what it derives from an upload (functions/listdrop/settings.py defaults).
STAGING_PREFIX = "staging/"
REPORTS_PREFIX = "reports/"


def new_run_id(now: datetime | None = None) -> str:
    """UTC time and 6 random hex digits: sortable, unique, and valid in every name it goes into (SQS queue,
    S3 key, and each scratch destination: SES contact list, Mail Manager address list, ...)."""
    moment = now or datetime.now(UTC)
    return f"{moment:%Y%m%d%H%M%S}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Uploaded:
    """A key the run uploads to (written down before the upload, so a half-finished one is removed too)."""

    key: str
    provider: str | None  # the provider whose staging folder may hold a checked copy of it


@dataclass
class Scratch:
    """Everything this run created, in creation order."""

    run_id: str
    queue_url: str | None = None
    queue_arn: str | None = None
    subscriptions: list[str] = field(default_factory=list)
    # Each provider's scratch destination (its smoke case made it): provider -> the destination's id.
    destinations: dict[str, str] = field(default_factory=dict)
    uploads: list[Uploaded] = field(default_factory=list)
    result_prefixes: list[str] = field(default_factory=list)  # export results the poller copied

    @property
    def name(self) -> str:
        return f"{NAME_PREFIX}{self.run_id}"


# -- phase 2: create --------------------------------------------------------------------------------


def create_queue(connection: Connection, scratch: Scratch, deployment: Deployment) -> str:
    queue = SubscriberQueue(scratch.name)
    try:
        queue.create(connection.client("sqs"), list(deployment.topics.values()))
    finally:
        scratch.queue_url, scratch.queue_arn = queue.url, queue.arn
    return scratch.name


def subscribe(connection: Connection, scratch: Scratch, deployment: Deployment) -> str:
    """The queue owner subscribes it, so no confirmation is needed (SNS's guide, subscriber_queue.py)."""
    queue = SubscriberQueue(scratch.name, scratch.queue_url, scratch.queue_arn, scratch.subscriptions)
    queue.subscribe(connection.client("sns"), list(deployment.topics.values()))
    return f"the {', '.join(deployment.topics)} topics"


# -- phase 5: remove --------------------------------------------------------------------------------


def remove_all(connection: Connection, scratch: Scratch, deployment: Deployment | None, report: Report) -> None:
    """Remove, in reverse order, each thing the run created; each removal is its own check, so one that fails
    (it says what is left to remove by hand) does not keep the others from running."""
    if deployment is not None and scratch.uploads:
        with _removal(report, "uploaded files and their copies", f"s3://{deployment.bucket}") as row:
            removed = _remove_objects(connection.client("s3"), deployment.bucket, scratch)
            row.detail = f"{removed} object version(s): the uploads, their staged copies, reports and results"
    from listdrop.cli.smoke.cases import case_of

    for provider, destination in reversed(scratch.destinations.items()):
        case = case_of(provider)
        if case is not None and case.remove is not None:
            with _removal(report, case.label, f"the {case.label} {destination}") as row:
                case.remove(connection, destination)
                row.detail = destination
    if scratch.subscriptions:
        with _removal(report, "subscriptions", f"the subscriptions of queue {scratch.name}") as row:
            sns = connection.client("sns")
            for arn in scratch.subscriptions:
                sns.unsubscribe(SubscriptionArn=arn)
            row.detail = f"{len(scratch.subscriptions)} subscription(s)"
    if scratch.queue_url:
        with _removal(report, "temporary queue", f"queue {scratch.name}") as row:
            connection.client("sqs").delete_queue(QueueUrl=scratch.queue_url)
            row.detail = scratch.name


@contextmanager
def _removal(report: Report, what: str, by_hand: str) -> Iterator[Row]:
    from botocore.exceptions import ClientError

    with report.check(f"remove {what}") as row:
        try:
            yield row
        except ClientError as error:
            raise CheckFailed(f"{describe_client_error(error)}; remove {by_hand} by hand") from None


def _remove_objects(s3: Any, bucket: str, scratch: Scratch) -> int:
    """Every version (and delete marker) of each uploaded key, of its staged copy and reports, and of the export
    results the poller copied; deleting by version id removes them for good."""
    versions: list[dict[str, str]] = []
    for upload in scratch.uploads:
        uploaded = _versions(s3, bucket, upload.key, exact=True)
        versions += uploaded
        # Each version of the key is one upload, tracked (and staged, and reported) under its own id.
        for tracking_id in {tracking_id_for(bucket, upload.key, item["VersionId"]) for item in uploaded}:
            if upload.provider:
                versions += _versions(s3, bucket, f"{STAGING_PREFIX}{upload.provider}/{tracking_id}")
            versions += _versions(s3, bucket, f"{REPORTS_PREFIX}{tracking_id}/")
    for prefix in scratch.result_prefixes:
        versions += _versions(s3, bucket, prefix)
    for start in range(0, len(versions), 1000):
        response = s3.delete_objects(Bucket=bucket, Delete={"Objects": versions[start : start + 1000], "Quiet": True})
        if response.get("Errors"):
            first = response["Errors"][0]
            raise CheckFailed(f"{len(response['Errors'])} not deleted, e.g. {first.get('Key')}: {first.get('Code')}")
    return len(versions)


def _versions(s3: Any, bucket: str, prefix: str, *, exact: bool = False) -> list[dict[str, str]]:
    found = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            if not exact or item["Key"] == prefix:
                found.append({"Key": item["Key"], "VersionId": item["VersionId"]})
    return found

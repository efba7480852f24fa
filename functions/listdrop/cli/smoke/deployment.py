"""Phase 1 of `listdrop smoke`: read-only checks of what the stack's outputs name. Nothing is changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from listdrop.cli.connection import Connection
from listdrop.cli.smoke.report import CheckFailed, Report
from listdrop.cli.stack import (
    BUCKET_OUTPUT,
    COMPLETED_TOPIC_OUTPUT,
    DEAD_LETTER_ALARM_OUTPUT,
    DEAD_LETTER_QUEUE_OUTPUT,
    ENABLED_PROVIDERS_OUTPUT,
    FAILED_TOPIC_OUTPUT,
    OPERATIONS_TOPIC_OUTPUT,
    QUEUE_OUTPUT,
    TABLE_OUTPUT,
    stack_outputs,
)
from listdrop.providers.registry import PROVIDERS

# The stack outputs phase 1 needs.
REQUIRED_OUTPUTS = (
    BUCKET_OUTPUT,
    QUEUE_OUTPUT,
    DEAD_LETTER_QUEUE_OUTPUT,
    TABLE_OUTPUT,
    COMPLETED_TOPIC_OUTPUT,
    FAILED_TOPIC_OUTPUT,
    OPERATIONS_TOPIC_OUTPUT,
    DEAD_LETTER_ALARM_OUTPUT,
    ENABLED_PROVIDERS_OUTPUT,
)
KNOWN_PROVIDERS = tuple(PROVIDERS)


@dataclass(frozen=True)
class Deployment:
    """What the stack's outputs name."""

    stack: str
    bucket: str
    queue_url: str
    dead_letter_queue_url: str
    table: str
    completed_topic: str
    failed_topic: str
    operations_topic: str
    dead_letter_alarm: str
    providers: tuple[str, ...]

    @classmethod
    def from_outputs(cls, stack: str, outputs: dict[str, str]) -> Deployment:
        missing = [name for name in REQUIRED_OUTPUTS if not outputs.get(name)]
        if missing:
            raise CheckFailed(
                f"stack {stack} has no output {', '.join(missing)}: is it a listdrop stack, deployed from this "
                "version (the smoke test needs the outputs added with it)?"
            )
        providers = tuple(p.strip() for p in outputs[ENABLED_PROVIDERS_OUTPUT].split(",") if p.strip())
        unknown = sorted(set(providers) - set(KNOWN_PROVIDERS))
        if unknown or not providers:
            raise CheckFailed(f"output {ENABLED_PROVIDERS_OUTPUT} names unknown providers {unknown or providers}")
        return cls(
            stack=stack,
            bucket=outputs[BUCKET_OUTPUT],
            queue_url=outputs[QUEUE_OUTPUT],
            dead_letter_queue_url=outputs[DEAD_LETTER_QUEUE_OUTPUT],
            table=outputs[TABLE_OUTPUT],
            completed_topic=outputs[COMPLETED_TOPIC_OUTPUT],
            failed_topic=outputs[FAILED_TOPIC_OUTPUT],
            operations_topic=outputs[OPERATIONS_TOPIC_OUTPUT],
            dead_letter_alarm=outputs[DEAD_LETTER_ALARM_OUTPUT],
            providers=providers,
        )

    @property
    def topics(self) -> dict[str, str]:
        """The topics the smoke test listens to, by the name used in its messages."""
        return {"completed": self.completed_topic, "failed": self.failed_topic, "operations": self.operations_topic}


def read_only_checks(connection: Connection, report: Report, stack: str) -> Deployment | None:
    """Phase 1. Returns the deployment, or None when its outputs cannot be read (nothing else can be checked)."""
    deployment: Deployment | None = None
    with report.check("stack outputs") as row:
        outputs = stack_outputs(connection, stack)
        deployment = Deployment.from_outputs(stack, outputs)
        row.detail = f"stack {stack}: {len(outputs)} outputs"
    if deployment is None:
        return None
    with report.check("upload bucket") as row:
        connection.client("s3").head_bucket(Bucket=deployment.bucket)
        row.detail = deployment.bucket
    sns = connection.client("sns")
    for label, arn in deployment.topics.items():
        with report.check(f"{label} topic") as row:
            attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
            encrypted = "KMS-encrypted" if attributes.get("KmsMasterKeyId") else "not encrypted (no KMS key)"
            row.detail = f"{encrypted}, {attributes.get('SubscriptionsConfirmed', '0')} confirmed subscription(s)"
    sqs = connection.client("sqs")
    with report.check("ingest queue") as row:
        sqs.get_queue_attributes(QueueUrl=deployment.queue_url, AttributeNames=["QueueArn"])
        row.detail = deployment.queue_url.rsplit("/", 1)[-1]
    with report.check("dead-letter queue") as row:
        attributes = sqs.get_queue_attributes(
            QueueUrl=deployment.dead_letter_queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        waiting = int(attributes.get("ApproximateNumberOfMessages", 0))
        row.detail = "empty" if not waiting else f"{waiting} dead letter(s) waiting: see `listdrop redrive`"
    with report.check("job table") as row:
        status = connection.client("dynamodb").describe_table(TableName=deployment.table)["Table"]["TableStatus"]
        if status != "ACTIVE":
            raise CheckFailed(f"{deployment.table} is {status}, not ACTIVE")
        row.detail = deployment.table
    with report.check("dead-letter alarm") as row:
        row.detail = _alarm_detail(connection.client("cloudwatch"), deployment)
    with report.check("enabled providers") as row:
        row.detail = ", ".join(deployment.providers)
    return deployment


def describe_alarm(cloudwatch: Any, name: str) -> dict[str, Any]:
    alarms = cloudwatch.describe_alarms(AlarmNames=[name], AlarmTypes=["MetricAlarm"])["MetricAlarms"]
    if not alarms:
        raise CheckFailed(f"no CloudWatch alarm named {name}")
    alarm: dict[str, Any] = alarms[0]
    return alarm


def _alarm_detail(cloudwatch: Any, deployment: Deployment) -> str:
    alarm = describe_alarm(cloudwatch, deployment.dead_letter_alarm)
    if deployment.operations_topic not in alarm.get("AlarmActions", []):
        raise CheckFailed(f"alarm {deployment.dead_letter_alarm} does not notify the operations topic")
    if alarm.get("ActionsEnabled") is False:
        raise CheckFailed(f"alarm {deployment.dead_letter_alarm} has its actions disabled")
    return f"{deployment.dead_letter_alarm}, state {alarm.get('StateValue')}, notifies the operations topic"

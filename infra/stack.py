"""The listdrop stack: storage, job table, notifications, workflow and ingest, wired together."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import constants, nag
from infra.config import ListdropConfig
from infra.constructs.dependencies import DependenciesLayer
from infra.constructs.function import powertools_layer
from infra.constructs.ingest import Ingest
from infra.constructs.job_apis import JobApis
from infra.constructs.job_table import JobTable
from infra.constructs.notifications import Notifications
from infra.constructs.operations import Operations
from infra.constructs.poller import Poller
from infra.constructs.storage import UploadStorage
from infra.constructs.workflow import JobWorkflow


class ListdropStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: ListdropConfig, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        retention = _retention(config.log_retention_days)
        layer = powertools_layer(self, config.powertools_layer_arn)

        storage = UploadStorage(self, "Storage", noncurrent_version_expiry_days=config.noncurrent_version_expiry_days)
        jobs = JobTable(self, "JobTable")
        notifications = Notifications(
            self, "Notifications", emails=config.notification_emails, chat_topic=config.chat_topic
        )
        poller = Poller(
            self,
            "Poller",
            bucket=storage.bucket,
            table=jobs.table,
            powertools_layer=layer,
            log_retention=retention,
        )
        workflow = JobWorkflow(
            self,
            "Workflow",
            poller=poller.function.function,
            bus=notifications.bus,
            table=jobs.table,
            config=config,
            log_retention=retention,
        )
        notifications.watch_state_machine(workflow.state_machine)
        ingest = Ingest(
            self,
            "Ingest",
            bucket=storage.bucket,
            table=jobs.table,
            state_machine=workflow.state_machine,
            config=config,
            powertools_layer=layer,
            dependencies_layer=DependenciesLayer(self, "Dependencies").layer,
            log_retention=retention,
        )

        JobApis(
            self,
            "JobApis",
            bucket=storage.bucket,
            starter=ingest.starter,
            poller=poller.function,
            config=config,
        )

        operations = Operations(
            self,
            "Operations",
            dead_letter_queue=ingest.dead_letter_queue,
            ingest_queue=ingest.queue,
            state_machine=workflow.state_machine,
            starter=ingest.starter.function,
            poller=poller.function.function,
            key=notifications.key,
            emails=config.operations_emails,
        )

        self._acknowledge_bucket_notifications_handler()

        outputs = {
            constants.OUTPUT_BUCKET: storage.bucket.bucket_name,
            constants.OUTPUT_QUEUE: ingest.queue.queue_url,
            constants.OUTPUT_DLQ: ingest.dead_letter_queue.queue_url,
            constants.OUTPUT_TABLE: jobs.table.table_name,
            constants.OUTPUT_STATE_MACHINE: workflow.state_machine.state_machine_arn,
            constants.OUTPUT_EVENT_BUS: notifications.bus.event_bus_name,
            constants.OUTPUT_COMPLETED_TOPIC: notifications.completed_topic.topic_arn,
            constants.OUTPUT_FAILED_TOPIC: notifications.failed_topic.topic_arn,
            constants.OUTPUT_OPERATIONS_TOPIC: operations.topic.topic_arn,
            constants.OUTPUT_DASHBOARD: operations.dashboard.dashboard_name,
            constants.OUTPUT_DEAD_LETTER_ALARM: _alarm(operations, "DeadLetterQueueAlarm").alarm_name,
            constants.OUTPUT_ENABLED_PROVIDERS: ",".join(config.enabled_providers),
        }
        if notifications.chat_topic is not None:
            outputs[constants.OPTIONAL_OUTPUT_CHAT_TOPIC] = notifications.chat_topic.topic_arn
        for output_id, value in outputs.items():
            CfnOutput(self, output_id, value=value)

    def _acknowledge_bucket_notifications_handler(self) -> None:
        """CDK's own singleton function that writes the bucket's notification configuration."""
        for child in self.node.children:
            if child.node.id.startswith("BucketNotificationsHandler"):
                nag.acknowledge(
                    child,
                    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                    "AWSLambdaBasicExecutionRole]",
                    "CDK's built-in BucketNotificationsHandler (it sets the S3 -> SQS notification at deploy "
                    "time) comes with this managed policy; it only writes its own logs.",
                )


_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    731: logs.RetentionDays.TWO_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def _alarm(operations: Operations, construct_id: str) -> cloudwatch.Alarm:
    """One of the operations alarms, by its construct id (`listdrop smoke` sets the dead-letter one)."""
    alarm = operations.node.find_child(construct_id)
    assert isinstance(alarm, cloudwatch.Alarm)
    return alarm


def _retention(days: int) -> logs.RetentionDays:
    if days not in _RETENTION:
        raise ValueError(f"listdrop:logRetentionDays must be one of {sorted(_RETENTION)}, got {days}")
    return _RETENTION[days]

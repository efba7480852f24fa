"""What the people who run listdrop watch: alarms to an operations topic, and one dashboard."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from .topic_access import allow_alarms_to_publish

# The Powertools metrics of the handlers (functions/listdrop/observability.py): namespace and service dimension.
NAMESPACE = "listdrop"
DIMENSIONS = {"service": "listdrop"}
PERIOD = Duration.minutes(5)


def listdrop_metric(name: str, statistic: str = "Sum", label: str | None = None) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=NAMESPACE,
        metric_name=name,
        dimensions_map=DIMENSIONS,
        statistic=statistic,
        period=PERIOD,
        label=label or name,
    )


class Operations(Construct):
    """Alarms for what needs a person (messages in the dead-letter queue, failed or timed-out executions,
    function errors) on one operations topic, and a dashboard of jobs, records and time to outcome."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dead_letter_queue: sqs.IQueue,
        ingest_queue: sqs.IQueue,
        state_machine: sfn.IStateMachine,
        starter: lambda_.IFunction,
        poller: lambda_.IFunction,
        key: kms.IKey,
        emails: tuple[str, ...],
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self, "Topic", display_name="listdrop: operations alarms", master_key=key, enforce_ssl=True
        )
        # The alarms publish to it: the topic policy and the key must let CloudWatch do so (topic_access.py).
        allow_alarms_to_publish(self.topic, key)
        for email in emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))

        self.alarms = [
            self._alarm(
                "DeadLetterQueueAlarm",
                dead_letter_queue.metric_approximate_number_of_messages_visible(
                    period=Duration.minutes(1), statistic="Maximum"
                ),
                "Uploads are in listdrop's dead-letter queue: they failed 5 times and have no outcome yet. "
                "Fix the cause, then run `listdrop redrive` (see the README's Operations section).",
            ),
            self._alarm(
                "ExecutionsFailedAlarm",
                state_machine.metric_failed(period=PERIOD),
                "A listdrop workflow execution failed: its outcome event may not have been published.",
            ),
            self._alarm(
                "ExecutionsTimedOutAlarm",
                state_machine.metric_timed_out(period=PERIOD),
                "A listdrop workflow execution reached its own time limit without publishing an outcome.",
            ),
            self._alarm(
                "StarterErrorsAlarm",
                starter.metric_errors(period=PERIOD),
                "The starter function failed whole invocations (crash or timeout); their messages are retried "
                "and end in the dead-letter queue after 5 receives.",
            ),
            self._alarm(
                "PollerErrorsAlarm",
                poller.metric_errors(period=PERIOD),
                "The poller function failed whole invocations; the workflow keeps polling with backoff for "
                "statusUnreadableSeconds, then reports the job as failed (STATUS_UNREADABLE).",
            ),
        ]
        self.dashboard = self._dashboard(ingest_queue, dead_letter_queue, state_machine)

    def _alarm(self, construct_id: str, metric: cloudwatch.IMetric, description: str) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        alarm.add_ok_action(actions.SnsAction(self.topic))
        return alarm

    def _dashboard(
        self, ingest_queue: sqs.IQueue, dead_letter_queue: sqs.IQueue, state_machine: sfn.IStateMachine
    ) -> cloudwatch.Dashboard:
        dashboard = cloudwatch.Dashboard(self, "Dashboard", default_interval=Duration.days(1))
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Jobs",
                left=[
                    listdrop_metric("ImportsStarted", label="started"),
                    listdrop_metric("ImportsSucceeded", label="succeeded"),
                    listdrop_metric("ImportsFailed", label="failed"),
                    listdrop_metric("ImportsTimedOut", label="timed out"),
                    listdrop_metric("FilesRejected", label="rejected before any job"),
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Records",
                left=[
                    listdrop_metric("RecordsProcessed", label="processed"),
                    listdrop_metric("RecordsFailed", label="failed"),
                ],
                width=12,
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Time to outcome (seconds)",
                left=[
                    listdrop_metric("SecondsToOutcome", "p50", "median"),
                    listdrop_metric("SecondsToOutcome", "p90", "p90"),
                    listdrop_metric("SecondsToOutcome", "Maximum", "max"),
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Ingest",
                left=[
                    ingest_queue.metric_approximate_number_of_messages_visible(label="waiting uploads"),
                    dead_letter_queue.metric_approximate_number_of_messages_visible(label="dead letters"),
                ],
                right=[
                    listdrop_metric("ThrottledRequeues", label="throttled, requeued"),
                    listdrop_metric("DuplicateDeliveries", label="duplicate deliveries"),
                    state_machine.metric_failed(label="executions failed"),
                ],
                width=12,
            ),
        )
        dashboard.add_widgets(cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24))
        return dashboard

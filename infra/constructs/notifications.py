"""Outcome events on a custom bus; rules publish them to the completed and failed topics."""

from __future__ import annotations

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.constants import COMPLETED_DETAIL_TYPES, EVENT_SOURCE, FAILED_DETAIL_TYPES


def notification_text() -> events.RuleTargetInput:
    """What a person reads in the e-mail: the summary line first, the structured event last."""
    field = events.EventField.from_path
    return events.RuleTargetInput.from_multiline_text(
        "\n".join(
            [
                field("$.detail.summary"),
                "",
                f"Destination: {field('$.detail.notice.destination')}",
                f"File: {field('$.detail.source.uri')}",
                f"Checked: {field('$.detail.notice.rows')}",
                f"Rows left out: {field('$.detail.notice.rowReport')}",
                f"Records: {field('$.detail.notice.records')}",
                f"Failure report: {field('$.detail.notice.report')}",
                f"Result file: {field('$.detail.notice.result')}",
                f"Reason: {field('$.detail.notice.reason')}",
                f"Tracking id: {field('$.detail.trackingId')}",
                "",
                "Event (JSON):",
                "<aws.events.event.json>",
            ]
        )
    )


def allow_service_to_publish(key: kms.IKey, service: str, sid: str) -> None:
    """Let an AWS service (for this account only) use the topics' key, so it can publish to them."""
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid=sid,
            principals=[iam.ServicePrincipal(service)],
            actions=["kms:GenerateDataKey*", "kms:Decrypt"],
            resources=["*"],  # in a key policy "*" means this key
            conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
        )
    )


class Notifications(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, emails: tuple[str, ...]) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(self, "Bus", description="listdrop outcome events")
        self.key = self._build_key()
        self.completed_topic = self._build_topic("Completed", "listdrop: imports completed")
        self.failed_topic = self._build_topic("Failed", "listdrop: imports failed, rejected or timed out")
        self._route(COMPLETED_DETAIL_TYPES, self.completed_topic, "CompletedRule")
        self._route(FAILED_DETAIL_TYPES, self.failed_topic, "FailedRule")
        for email in emails:
            self.completed_topic.add_subscription(subscriptions.EmailSubscription(email))
            self.failed_topic.add_subscription(subscriptions.EmailSubscription(email))

    def _build_key(self) -> kms.Key:
        key = kms.Key(
            self,
            "TopicKey",
            description="Encrypts the listdrop notification topics",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # EventBridge publishes to the encrypted topics, so it must be able to use the key.
        allow_service_to_publish(key, "events.amazonaws.com", "AllowEventBridgeToPublishToEncryptedTopics")
        return key

    def _build_topic(self, construct_id: str, display_name: str) -> sns.Topic:
        return sns.Topic(self, construct_id, display_name=display_name, master_key=self.key, enforce_ssl=True)

    def _route(self, detail_types: list[str], topic: sns.Topic, construct_id: str) -> None:
        events.Rule(
            self,
            construct_id,
            event_bus=self.bus,
            event_pattern=events.EventPattern(source=[EVENT_SOURCE], detail_type=detail_types),
            targets=[targets.SnsTopic(topic, message=notification_text())],
        )

    def watch_state_machine(self, state_machine: sfn.IStateMachine) -> None:
        """Backstop: a workflow that itself fails, times out or is stopped still reaches the failed topic.

        The workflow catches every job error and publishes an outcome, so this fires only when publishing
        itself failed or someone stopped an execution by hand.
        """
        field = events.EventField.from_path
        events.Rule(
            self,
            "WorkflowBackstopRule",
            event_pattern=events.EventPattern(
                source=["aws.states"],
                detail_type=["Step Functions Execution Status Change"],
                detail={
                    "status": ["FAILED", "TIMED_OUT", "ABORTED"],
                    "stateMachineArn": [state_machine.state_machine_arn],
                },
            ),
            targets=[
                targets.SnsTopic(
                    self.failed_topic,
                    message=events.RuleTargetInput.from_multiline_text(
                        "\n".join(
                            [
                                f"WORKFLOW {field('$.detail.status')}: listdrop could not report the outcome "
                                f"of upload {field('$.detail.name')}; check the job table and the execution.",
                                "",
                                f"Execution: {field('$.detail.executionArn')}",
                                "",
                                "Event (JSON):",
                                "<aws.events.event.json>",
                            ]
                        )
                    ),
                )
            ],
        )

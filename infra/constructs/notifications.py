"""Outcome events on a custom bus; rules publish them to the completed and failed topics."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ..constants import COMPLETED_DETAIL_TYPES, EVENT_SOURCE, FAILED_DETAIL_TYPES
from .chat import ChatOutput
from .topic_access import EncryptedTopicTarget

# EventBridge's input transformer, as documented
# (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html):
# - a template that is not a JSON object is text, and "for strings, quotes are required": CDK's multi-line text
#   is one JSON string per line; EventBridge fills the placeholders and delivers the lines as written, so each
#   line reaches SNS (and the e-mail) inside its double quotes;
# - values from InputPathsMap are placed as they are, not escaped; a JSON object or array placed inside a string
#   loses its quotes;
# - <aws.events.event> and <aws.events.event.json> "can only be used as a value for a JSON field, as its contents
#   are not escaped": never inside a string. So a text message cannot embed the event. The workflow puts a JSON
#   copy of the outcome into the event instead (`detail.eventJson`, a string; infra/constructs/workflow.py), and
#   the last line carries it: JSON text placed inside a string arrives as is, quotes and all.
# localcloud/patches.py renders templates by these rules and refuses the others.
EVENT_LINE_LABEL = "Event (JSON): "


def notification_text() -> events.RuleTargetInput:
    """What a person reads first (the summary, then one labelled line each) and a machine reads last (the outcome
    as one line of JSON). Every value is a single line (listdrop.wording.one_line)."""
    field = events.EventField.from_path
    return events.RuleTargetInput.from_multiline_text(
        "\n".join(
            [
                field("$.detail.summary"),
                f"Destination: {field('$.detail.notice.destination')}",
                f"File: {field('$.detail.source.uri')}",
                f"Checked: {field('$.detail.notice.rows')}",
                f"Rows left out: {field('$.detail.notice.rowReport')}",
                f"Records: {field('$.detail.notice.records')}",
                f"Failure report: {field('$.detail.notice.report')}",
                f"Result file: {field('$.detail.notice.result')}",
                f"Reason: {field('$.detail.notice.reason')}",
                f"Tracking id: {field('$.detail.trackingId')}",
                f"{EVENT_LINE_LABEL}{field('$.detail.eventJson')}",
            ]
        )
    )


def workflow_failure_text() -> events.RuleTargetInput:
    """The backstop's message. Step Functions' own event cannot be embedded in text either (see above), so its
    lines name what an operator needs to find it: the status, the execution, the upload's tracking id."""
    field = events.EventField.from_path
    return events.RuleTargetInput.from_multiline_text(
        "\n".join(
            [
                f"WORKFLOW {field('$.detail.status')}: listdrop could not report the outcome of upload "
                f"{field('$.detail.name')}; check the job table and the execution.",
                f"Execution: {field('$.detail.executionArn')}",
                f"Tracking id: {field('$.detail.name')}",
            ]
        )
    )


class Notifications(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        emails: tuple[str, ...],
        key: kms.IKey | None = None,
        completed_topic: sns.ITopic | None = None,
        failed_topic: sns.ITopic | None = None,
        chat_topic: bool | str = False,
    ) -> None:
        """`key`, `completed_topic`, `failed_topic`: existing ones to use instead of creating them (the topics both or
        neither). The key encrypts the topics created here; for existing topics, pass the key they are encrypted
        with, if any, so the rules' publishing is granted on it (topic_access.py). `chat_topic`: the optional chat
        output (listdrop:chatTopic): True creates its topic, an ARN uses that topic, False adds nothing."""
        super().__init__(scope, construct_id)
        if (completed_topic is None) != (failed_topic is None):
            raise ValueError("pass both completed_topic and failed_topic, or neither")
        self.bus = events.EventBus(self, "Bus", description="listdrop outcome events")
        self.key = key or self._build_key()
        self.completed_topic = completed_topic or self._build_topic("Completed", "listdrop: imports completed")
        self.failed_topic = failed_topic or self._build_topic(
            "Failed", "listdrop: imports failed, rejected or timed out"
        )
        self._route(COMPLETED_DETAIL_TYPES, self.completed_topic, "CompletedRule")
        self._route(FAILED_DETAIL_TYPES, self.failed_topic, "FailedRule")
        for email in emails:
            self.completed_topic.add_subscription(subscriptions.EmailSubscription(email))
            self.failed_topic.add_subscription(subscriptions.EmailSubscription(email))
        self.chat_topic = self._build_chat(chat_topic)

    def _build_chat(self, setting: bool | str) -> sns.ITopic | None:
        """The optional chat output (infra/constructs/chat.py): a topic of this stack, encrypted like the others,
        or an existing topic (its ARN)."""
        if setting is False:
            return None
        if setting is True:
            topic: sns.ITopic = self._build_topic("ChatTopic", "listdrop: outcomes for chat channels")
            ChatOutput(self, "Chat", bus=self.bus, topic=topic, key=self.key)
        else:
            topic = sns.Topic.from_topic_arn(self, "ChatTopic", setting)
            ChatOutput(self, "Chat", bus=self.bus, topic=topic, key=None)
        return topic

    def _build_key(self) -> kms.Key:
        # Who may use it, and for which topics: infra/constructs/topic_access.py.
        return kms.Key(
            self,
            "TopicKey",
            description="Encrypts the listdrop notification topics",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _build_topic(self, construct_id: str, display_name: str) -> sns.Topic:
        return sns.Topic(self, construct_id, display_name=display_name, master_key=self.key, enforce_ssl=True)

    def _route(self, detail_types: list[str], topic: sns.ITopic, construct_id: str) -> None:
        events.Rule(
            self,
            construct_id,
            event_bus=self.bus,
            event_pattern=events.EventPattern(source=[EVENT_SOURCE], detail_type=detail_types),
            targets=[EncryptedTopicTarget(topic, self.key, message=notification_text())],
        )

    def watch_state_machine(self, state_machine: sfn.IStateMachine) -> None:
        """Backstop: a workflow that itself fails, times out or is stopped still reaches the failed topic.

        The workflow catches every job error and publishes an outcome, so this fires only when publishing
        itself failed or someone stopped an execution by hand.
        """
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
                EncryptedTopicTarget(
                    self.failed_topic,
                    self.key,
                    message=workflow_failure_text(),
                )
            ],
        )

"""Which AWS services may publish to listdrop's KMS-encrypted topics, written out statement by statement.

A topic policy (AWS::SNS::TopicPolicy) replaces the topic's default policy, and a customer-managed key lets no
service use it unless the key policy says so, so each service that publishes needs both:

- **EventBridge** (the outcome rules): the topic policy allows `events.amazonaws.com` `sns:Publish` without a
  condition, because "You can't use Condition blocks in Amazon SNS topic policies for EventBridge"
  (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions).
  The key policy allows it `kms:GenerateDataKey*` and `kms:Decrypt`
  (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html, "Enable compatibility between event
  sources from AWS services and encrypted topics"), which also says: "Adding the aws:SourceAccount,
  aws:SourceArn, and aws:SourceOrgID to a AWS KMS policy is not supported for EventBridge-to-encrypted topics".
  So the grant is scoped by the encryption context SNS sends with its KMS requests instead,
  `kms:EncryptionContext:aws:sns:topicArn`, to this stack's topics (AWS shows that key-policy condition in
  https://docs.aws.amazon.com/gamelift/latest/flexmatchguide/queue-notification-sns-sse.html).
- **CloudWatch alarms** (the operations topic): both policies allow `cloudwatch.amazonaws.com` only on behalf of this
  account's alarms (`aws:SourceArn`, `aws:SourceAccount`), as
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/US_SetupSNS.html ("Preventing confused deputy
  issues") recommends.

CDK's own `aws_events_targets.SnsTopic` grants EventBridge the key without any condition (Topic.grantPublish), which
is why the rules use `EncryptedTopicTarget` instead.
"""

from __future__ import annotations

import jsii
from aws_cdk import Aws
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk.interfaces.aws_events import IRuleRef

EVENTBRIDGE = "events.amazonaws.com"
CLOUDWATCH = "cloudwatch.amazonaws.com"
SNS_KEY_ACTIONS = ["kms:GenerateDataKey*", "kms:Decrypt"]


def stack_topics_pattern() -> str:
    """The ARNs of this stack's topics. CloudFormation names a topic without TopicName
    `<stack name>-<logical id>-<random>`; the key policy cannot name the topics' own ARNs, since each topic
    already refers to the key (a dependency cycle)."""
    return f"arn:{Aws.PARTITION}:sns:{Aws.REGION}:{Aws.ACCOUNT_ID}:{Aws.STACK_NAME}-*"


def this_accounts_alarms() -> str:
    return f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:*"


def _topic_context() -> dict[str, dict[str, str]]:
    return {"StringLike": {"kms:EncryptionContext:aws:sns:topicArn": stack_topics_pattern()}}


def allow_eventbridge_to_publish(topic: sns.ITopic, key: kms.IKey) -> None:
    topic.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowEventBridgeRulesToPublish",
            principals=[iam.ServicePrincipal(EVENTBRIDGE)],
            actions=["sns:Publish"],
            resources=[topic.topic_arn],
        )
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowEventBridgeToPublishToThisStacksTopics",
            principals=[iam.ServicePrincipal(EVENTBRIDGE)],
            actions=SNS_KEY_ACTIONS,
            resources=["*"],  # in a key policy, "*" is this key
            conditions=_topic_context(),
        )
    )


def allow_alarms_to_publish(topic: sns.ITopic, key: kms.IKey) -> None:
    from_this_accounts_alarms = {
        "ArnLike": {"aws:SourceArn": this_accounts_alarms()},
        "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
    }
    topic.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowThisAccountsAlarmsToPublish",
            principals=[iam.ServicePrincipal(CLOUDWATCH)],
            actions=["sns:Publish"],
            resources=[topic.topic_arn],
            conditions=from_this_accounts_alarms,
        )
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowThisAccountsAlarmsToPublishToThisStacksTopics",
            principals=[iam.ServicePrincipal(CLOUDWATCH)],
            actions=SNS_KEY_ACTIONS,
            resources=["*"],
            conditions={**from_this_accounts_alarms, **_topic_context()},
        )
    )


@jsii.implements(events.IRuleTarget)
class EncryptedTopicTarget:
    """An EventBridge rule target that publishes `message` to an encrypted topic, with the two grants above."""

    def __init__(self, topic: sns.ITopic, key: kms.IKey, message: events.RuleTargetInput) -> None:
        self._topic = topic
        self._key = key
        self._message = message

    def bind(self, _rule: IRuleRef, _id: str | None = None) -> events.RuleTargetConfig:
        allow_eventbridge_to_publish(self._topic, self._key)  # identical statements are merged by CDK
        return events.RuleTargetConfig(arn=self._topic.topic_arn, input=self._message)

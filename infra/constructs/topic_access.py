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

import re

import jsii
from aws_cdk import Annotations, Aws
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


def _topic_context(topic_arn: str | None = None) -> dict[str, dict[str, str]]:
    return {"StringLike": {"kms:EncryptionContext:aws:sns:topicArn": topic_arn or stack_topics_pattern()}}


def _is_created_here(topic: sns.ITopic) -> bool:
    """A topic this stack creates (named after the stack), not one passed in from elsewhere."""
    return isinstance(topic, sns.Topic)


def _add(
    resource: sns.ITopic | kms.IKey, what: str, statement: iam.PolicyStatement, result: iam.AddToResourcePolicyResult
) -> None:
    """An imported topic or key is not this stack's: CDK adds nothing to its policy. Say what its owner must add."""
    if not result.statement_added:
        Annotations.of(resource).add_warning_v2(
            f"listdrop:resourcePolicy:{statement.sid}",
            f"This {what} is not owned by this stack, so its policy cannot be changed here: add the statement "
            f"{statement.sid} yourself (see the Listdrop construct's docstring).",
        )


def allow_eventbridge_to_publish(topic: sns.ITopic, key: kms.IKey) -> None:
    publish = iam.PolicyStatement(
        sid="AllowEventBridgeRulesToPublish",
        principals=[iam.ServicePrincipal(EVENTBRIDGE)],
        actions=["sns:Publish"],
        resources=[topic.topic_arn],
    )
    _add(topic, "topic", publish, topic.add_to_resource_policy(publish))
    # The topics created here share one statement (their names start with the stack's); another by its own ARN.
    created = _is_created_here(topic)
    use_key = iam.PolicyStatement(
        sid="AllowEventBridgeToPublishToThisStacksTopics"
        if created
        else "AllowEventBridgeToPublishTo" + re.sub("[^A-Za-z0-9]", "", topic.node.id),
        principals=[iam.ServicePrincipal(EVENTBRIDGE)],
        actions=SNS_KEY_ACTIONS,
        resources=["*"],  # in a key policy, "*" is this key
        conditions=_topic_context(None if created else topic.topic_arn),
    )
    _add(key, "KMS key", use_key, key.add_to_resource_policy(use_key))


def allow_alarms_to_publish(topic: sns.ITopic, key: kms.IKey) -> None:
    from_this_accounts_alarms = {
        "ArnLike": {"aws:SourceArn": this_accounts_alarms()},
        "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
    }
    publish = iam.PolicyStatement(
        sid="AllowThisAccountsAlarmsToPublish",
        principals=[iam.ServicePrincipal(CLOUDWATCH)],
        actions=["sns:Publish"],
        resources=[topic.topic_arn],
        conditions=from_this_accounts_alarms,
    )
    _add(topic, "topic", publish, topic.add_to_resource_policy(publish))
    use_key = iam.PolicyStatement(
        sid="AllowThisAccountsAlarmsToPublishToThisStacksTopics",
        principals=[iam.ServicePrincipal(CLOUDWATCH)],
        actions=SNS_KEY_ACTIONS,
        resources=["*"],
        conditions={**from_this_accounts_alarms, **_topic_context()},
    )
    _add(key, "KMS key", use_key, key.add_to_resource_policy(use_key))


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

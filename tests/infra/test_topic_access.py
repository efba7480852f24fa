"""Every topic against every service that publishes to it, through its topic policy and the key policy, evaluated
by the local cloud's IAM evaluator on the synthesized template with the condition keys each service sends
(localcloud/iam/services.py)."""

import pytest

from localcloud.iam.enforcement import Enforcer
from localcloud.iam.services import CLOUDWATCH, EVENTBRIDGE, publish_to_topic
from localcloud.iam.store import PolicyStore
from localcloud.template import Resolver
from tests.infra.helpers import resources

ACCOUNT, REGION = "123456789012", "us-east-1"
pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def stack(template):
    resolver = Resolver(template, ACCOUNT, REGION)
    topics = {
        fragment: resolver.get_att(logical_id, "Arn")
        for logical_id in resources(template, "AWS::SNS::Topic")
        for fragment in ("Completed", "Failed", "Operations")
        if fragment in logical_id
    }
    rules = {logical_id: resolver.get_att(logical_id, "Arn") for logical_id in resources(template, "AWS::Events::Rule")}
    return Enforcer(PolicyStore.from_template(resolver)), topics, rules


def alarm(name="listdrop-dead-letters", account=ACCOUNT):
    return f"arn:aws:cloudwatch:{REGION}:{account}:alarm:{name}"


def test_cloudwatch_alarms_can_publish_to_the_operations_topic(stack):
    """Issue 12, defect 2: the operations topic's policy held only the TLS deny, so every alarm fired into nothing."""
    enforcer, topics, _ = stack
    decision = publish_to_topic(CLOUDWATCH, topics["Operations"], alarm(), enforcer)
    assert decision, decision.reason


def test_only_this_accounts_alarms_may_publish(stack):
    enforcer, topics, _ = stack
    assert not publish_to_topic(CLOUDWATCH, topics["Operations"], alarm(account="999999999999"), enforcer)


@pytest.mark.parametrize("topic", ["Completed", "Failed"])
def test_eventbridge_rules_can_publish_to_the_outcome_topics(stack, topic):
    enforcer, topics, rules = stack
    for rule in rules.values():
        decision = publish_to_topic(EVENTBRIDGE, topics[topic], rule, enforcer)
        assert decision, decision.reason


def test_each_service_publishes_only_where_it_must(stack):
    enforcer, topics, rules = stack
    assert not publish_to_topic(EVENTBRIDGE, topics["Operations"], next(iter(rules.values())), enforcer)
    assert not publish_to_topic(CLOUDWATCH, topics["Completed"], alarm(), enforcer)
    assert not publish_to_topic("s3.amazonaws.com", topics["Failed"], "arn:aws:s3:::some-bucket", enforcer)


def test_eventbridges_key_grant_is_scoped_to_this_stacks_topics_and_tests_no_key_eventbridge_omits(template):
    """Issue 12, defect 9: CDK's SnsTopic target added an unconditioned grant to events.amazonaws.com, next to one
    conditioned on aws:SourceAccount, a key EventBridge does not send to KMS (so that one never matched)."""
    [key] = resources(template, "AWS::KMS::Key").values()
    grants = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Principal") == {"Service": EVENTBRIDGE}]
    assert len(grants) == 1
    condition = grants[0]["Condition"]
    assert list(condition) == ["StringLike"]
    assert list(condition["StringLike"]) == ["kms:EncryptionContext:aws:sns:topicArn"]


def test_a_key_grant_eventbridge_cannot_match_is_caught(template):
    """The evaluator is what would have caught the old grant: conditioned on aws:SourceAccount alone, it denies."""
    resolver = Resolver(template, ACCOUNT, REGION)
    store = PolicyStore.from_template(resolver)
    [key_arn] = {arn for arn in store.resource if ":kms:" in arn}
    old_grant = {
        "Effect": "Allow",
        "Principal": {"Service": EVENTBRIDGE},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    }
    root_only = [s for s in store.resource[key_arn]["Statement"] if "AWS" in s.get("Principal", {})]
    store.resource[key_arn] = {"Version": "2012-10-17", "Statement": [*root_only, old_grant]}
    topic = next(arn for arn in store.topic_keys if "completed" in arn)
    assert not publish_to_topic(EVENTBRIDGE, topic, None, Enforcer(store))

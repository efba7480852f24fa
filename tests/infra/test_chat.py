"""The optional chat output (infra/constructs/chat.py): custom notifications for Amazon Q Developer in chat
applications, whose schema is documented at https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html
("Event schema"). Rendered by the local cloud's EventBridge input transformer (localcloud/input_transformer.py),
which follows EventBridge's documented rules."""

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra import constants
from infra.config import ListdropConfig
from infra.constructs.notifications import Notifications
from listdrop.errors import RejectedFile
from listdrop.models import JobState, JobStatus, Outcome, S3Object
from listdrop.outcome import build_event
from listdrop.routing import route
from listdrop.upload import Upload
from localcloud import input_transformer
from localcloud.iam.enforcement import Enforcer
from localcloud.iam.services import EVENTBRIDGE, publish_to_topic
from localcloud.iam.store import PolicyStore
from localcloud.template import Resolver
from tests.infra.helpers import one, resources

pytestmark = pytest.mark.infra
ROOT = Path(__file__).resolve().parents[2]
ACCOUNT, REGION = "123456789012", "us-east-1"
STARTED = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
# A file name as a user may write it: quotes, a line break, non-ASCII, markdown and JSON-looking text.
AWKWARD_KEY = 'imports/ses/contact-lists/News/put/"Q4" *list*\nnaïve \u2013 ünïcødé {"a": 1} \\ end.csv'


def chat_rules(template: dict) -> dict[str, dict]:
    """Rules whose target renders a custom notification, by logical id."""
    return {
        logical_id: rule
        for logical_id, rule in resources(template, "AWS::Events::Rule").items()
        if '"source":"custom"' in json.dumps(rule["Properties"].get("Targets", [{}])[0].get("InputTransformer", {}))
        or '\\"source\\":\\"custom\\"' in json.dumps(rule["Properties"].get("Targets", [{}])[0])
    }


def delivered(detail_type: str, detail: dict) -> dict:
    """The event as EventBridge delivers it to a rule's target."""
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": detail_type,
        "source": "listdrop",
        "account": ACCOUNT,
        "time": "2026-11-30T06:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": detail,
    }


def outcome(kind: str, key: str = AWKWARD_KEY) -> dict:
    source = S3Object("uploads", key, "v1", 10)
    ended = STARTED + timedelta(seconds=42)
    if kind == "rejected":
        try:
            known = route(key)
        except RejectedFile:
            known = None
        upload = Upload.rejected("b" * 40, known, source, STARTED.isoformat())
        return build_event(
            upload=upload,
            outcome=Outcome.REJECTED,
            ended_at=ended,
            reason_code="MISSING_HEADER",
            reason='Row 1 is "ana@example.com", not a header.\nAdd one.',
        )
    upload = Upload.accepted("a" * 40, route(key), source, STARTED.isoformat()).with_job("job-1")
    if kind == "succeeded":
        status = JobStatus(JobState.SUCCEEDED, "COMPLETED", processed=50_000, failed=1)
        return build_event(upload=upload, outcome=Outcome.SUCCEEDED, ended_at=ended, status=status)
    status = JobStatus(JobState.FAILED, "FAILED", error_message="Access denied for <ana@example.com>")
    return build_event(upload=upload, outcome=Outcome.FAILED, ended_at=ended, status=status, reason_code="JOB_FAILED")


def render(template: dict, event: dict) -> tuple[str, str]:
    """(the matching chat rule's logical id, the message it sends) for this event."""
    matching = [
        (logical_id, rule)
        for logical_id, rule in chat_rules(template).items()
        if event["detail-type"] in rule["Properties"]["EventPattern"]["detail-type"]
    ]
    assert len(matching) == 1, [logical_id for logical_id, _ in matching]
    logical_id, rule = matching[0]
    transformer = rule["Properties"]["Targets"][0]["InputTransformer"]
    input_transformer.check(transformer)  # what EventBridge would refuse at PutTargets
    return logical_id, input_transformer.render(transformer, event)


def test_with_the_chat_output_off_nothing_is_added(template):
    assert not [logical_id for logical_id in resources(template, "AWS::SNS::Topic") if "Chat" in logical_id]
    assert not chat_rules(template)
    assert constants.OPTIONAL_OUTPUT_CHAT_TOPIC not in template["Outputs"]


def test_with_it_on_an_encrypted_chat_topic_gets_every_outcome_from_three_rules(chat_template):
    topic_id, topic = one(chat_template, "AWS::SNS::Topic", "ChatTopic")
    key_id, _ = one(chat_template, "AWS::KMS::Key", "TopicKey")
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    rules = chat_rules(chat_template)
    assert len(rules) == 3
    routed = [t for rule in rules.values() for t in rule["Properties"]["EventPattern"]["detail-type"]]
    assert sorted(routed) == sorted(constants.COMPLETED_DETAIL_TYPES + constants.FAILED_DETAIL_TYPES), "once each"
    for rule in rules.values():
        assert rule["Properties"]["EventPattern"]["source"] == [constants.EVENT_SOURCE]
        assert [target["Arn"] for target in rule["Properties"]["Targets"]] == [{"Ref": topic_id}]
    assert chat_template["Outputs"][constants.OPTIONAL_OUTPUT_CHAT_TOPIC]["Value"] == {"Ref": topic_id}


def test_eventbridge_may_publish_to_the_chat_topic_through_its_policy_and_the_keys(chat_template):
    resolver = Resolver(chat_template, ACCOUNT, REGION)
    enforcer = Enforcer(PolicyStore.from_template(resolver))
    topic_id, _ = one(chat_template, "AWS::SNS::Topic", "ChatTopic")
    for rule_id in chat_rules(chat_template):
        decision = publish_to_topic(
            EVENTBRIDGE, resolver.get_att(topic_id, "Arn"), resolver.get_att(rule_id, "Arn"), enforcer
        )
        assert decision, decision.reason
    assert not publish_to_topic("s3.amazonaws.com", resolver.get_att(topic_id, "Arn"), "arn:aws:s3:::b", enforcer)


def test_cfn_lint_finds_nothing_with_the_chat_output_on(chat_template):
    """cdk-nag ran at its synthesis (it fails synthesis on a finding)."""
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "cfn-lint"), chat_template["_path"]], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("kind", ["succeeded", "failed", "rejected"])
@pytest.mark.parametrize("key", [AWKWARD_KEY, "imports/ses/suppression-list/delete/bounces.csv"])
def test_each_outcome_renders_as_a_documented_custom_notification(chat_template, kind, key):
    built = outcome(kind, key)
    detail = built["detail"]
    rule_id, message = render(chat_template, delivered(built["detailType"], detail))
    assert {"succeeded": "Completed", "failed": "Failed", "rejected": "Rejected"}[kind] in rule_id
    notification = json.loads(message)  # valid JSON, whatever the file name holds
    assert notification["version"] == "1.0" and notification["source"] == "custom"  # both "Required"
    assert notification["id"] == detail["trackingId"]
    content = notification["content"]
    assert content["textType"] == "client-markdown"
    assert content["title"] == f"listdrop: {built['detailType']}"
    assert content["description"] == detail["summary"], "the notification's first line, exactly"
    assert content["keywords"] == [detail["outcome"], detail["provider"], detail["action"]]
    assert content["nextSteps"] and all(isinstance(step, str) and step for step in content["nextSteps"])
    assert all(isinstance(value, str) for value in notification["metadata"]["additionalContext"].values())
    assert notification["metadata"]["eventType"] == built["detailType"]
    assert notification["metadata"]["additionalContext"]["file"] == detail["source"]["uri"]
    assert "@" not in message, "no e-mail address: the summary and the reason are redacted"
    if kind != "rejected":
        assert f"`listdrop jobs show {detail['trackingId']}`" in " ".join(content["nextSteps"])


def test_an_awkward_file_name_arrives_whole_in_the_chat_message(chat_template):
    built = outcome("succeeded")
    _, message = render(chat_template, delivered(built["detailType"], built["detail"]))
    notification = json.loads(message)
    assert "ünïcødé" in notification["content"]["description"] and '"Q4"' in notification["content"]["description"]
    assert "\n" in notification["metadata"]["additionalContext"]["file"], "escaped in the JSON, kept in the value"
    assert "50,000 records processed, 1 failed" in notification["content"]["description"]


def test_an_existing_topic_gets_the_rules_and_no_topic_is_created():
    """`listdrop:chatTopic` set to a topic ARN: its owner lets EventBridge publish (README); the stack adds rules."""
    arn = "arn:aws:sns:us-east-1:123456789012:team-chat"
    assert ListdropConfig.from_context(cdk.App(context={"listdrop:chatTopic": arn}).node).chat_topic == arn
    assert ListdropConfig.from_context(cdk.App(context={"listdrop:chatTopic": "false"}).node).chat_topic is False
    stack = cdk.Stack(cdk.App(), "S")
    Notifications(stack, "Notifications", emails=(), chat_topic=arn)
    synthesized = Template.from_stack(stack).to_json()
    assert len(resources(synthesized, "AWS::SNS::Topic")) == 2, "only the completed and failed topics"
    rules = chat_rules(synthesized)
    assert len(rules) == 3
    assert {rule["Properties"]["Targets"][0]["Arn"] for rule in rules.values()} == {arn}


def test_the_local_cloud_reads_a_chat_message_apart_from_the_email_text(chat_template):
    """With the option on in cdk.json, `make run`'s notifications queue gets the chat copy too (it subscribes to every
    topic): the reader tells it apart instead of failing to find the outcome's JSON line."""
    from localcloud.notifications import Notification

    built = outcome("failed")
    _, message = render(chat_template, delivered(built["detailType"], built["detail"]))
    chat = Notification("arn:aws:sns:us-east-1:123456789012:Listdrop-ChatTopic", message)
    assert chat.chat is not None and chat.chat["id"] == built["detail"]["trackingId"]
    assert Notification("arn", '"FAILED: a"\n"Tracking id: t1"').chat is None


def test_checkov_and_parliament_accept_the_chat_topic_as_they_do_the_other_topics(chat_template):
    from tests.infra.validators import (
        accepted_findings,
        checkov_findings,
        parliament_findings,
        policy_documents,
        unaccepted,
    )

    accepted = accepted_findings()
    findings, summary = checkov_findings([Path(chat_template["_path"])])
    assert summary["passed"] > 50, summary  # checkov really ran its CloudFormation checks on the one template
    assert unaccepted(findings, accepted) == []
    assert unaccepted(parliament_findings(policy_documents(chat_template)), accepted) == []

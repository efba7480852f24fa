"""The local cloud's EventBridge input transformer against AWS's documented rules and examples
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html, "Input transform
examples"; https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html)."""

import json
import re

import boto3
import pytest
from botocore.exceptions import ClientError

from localcloud import input_transformer, patches
from localcloud.input_transformer import TemplateRefused, check, render
from localcloud.notifications import NotANotification, Notification

# The user guide's example event and input paths.
EC2_EVENT = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "123456789012",
    "time": "2015-11-11T21:29:54Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
    "detail": {"instance-id": "i-0123456789", "state": "RUNNING"},
}
PATHS = {"timestamp": "$.time", "instance": "$.detail.instance-id", "state": "$.detail.state"}
RULE = {"rule_arn": "arn:aws:events:us-east-2:123456789012:rule/example", "rule_name": "example"}


def transform(template, paths=PATHS, event=EC2_EVENT):
    return render({"InputPathsMap": paths, "InputTemplate": template}, event, **RULE)


@pytest.mark.parametrize(
    ("template", "output"),
    [
        ('"instance <instance> is in <state>"', '"instance i-0123456789 is in RUNNING"'),
        ('"instance \\"<instance>\\" is in <state>"', '"instance \\"i-0123456789\\" is in RUNNING"'),
        ('"<aws.events.rule-name> triggered"', '"example triggered"'),
    ],
)
def test_text_templates_are_delivered_as_written_values_in_place(template, output):
    assert transform(template) == output


@pytest.mark.parametrize(
    ("template", "output"),
    [
        ('{\n  "instance" : <instance>,\n  "state": <state>\n}', {"instance": "i-0123456789", "state": "RUNNING"}),
        (
            '{"instance" : <instance>, "state": "<state>",'
            ' "instanceStatus": "instance \\"<instance>\\" is in <state>"}',
            {"instance": "i-0123456789", "state": "RUNNING", "instanceStatus": 'instance "i-0123456789" is in RUNNING'},
        ),
        (
            '{"instance" : <instance>, "state": [ 9, <state>, true ], "Transformed" : "Yes"}',
            {"instance": "i-0123456789", "state": [9, "RUNNING", True], "Transformed": "Yes"},
        ),
    ],
)
def test_json_templates_quote_string_variables_in_value_positions(template, output):
    assert json.loads(transform(template)) == output


def test_reserved_variables_in_json_give_the_rule_and_the_event():
    template = (
        '{"instance" : <instance>, "ruleArn" : <aws.events.rule-arn>, "ruleName" : <aws.events.rule-name>,'
        ' "originalEvent" : <aws.events.event>, "whole": <aws.events.event.json>}'
    )
    output = json.loads(transform(template))
    assert (output["ruleArn"], output["ruleName"]) == (RULE["rule_arn"], "example")
    assert output["originalEvent"] == {k: v for k, v in EC2_EVENT.items() if k != "detail"}, "without detail"
    assert output["whole"] == EC2_EVENT


def test_values_are_not_escaped_and_objects_inside_strings_lose_their_quotes():
    paths = {"detail": "$.detail", "quoted": "$.detail.note"}
    event = {**EC2_EVENT, "detail": {"state": "RUNNING", "note": 'say "hi"'}}
    assert transform('"<quoted>"', paths, event) == '"say "hi""'
    assert transform('"Detail is <detail>"', paths, event) == '"Detail is {state:RUNNING,note:say hi}"'


def test_a_path_missing_from_the_event_leaves_nothing_in_its_place():
    assert transform('"a <gone> b"', {"gone": "$.detail.nothing"}) == '"a  b"'


def test_array_indices_and_wildcards_select_as_documented():
    assert transform('"<resource>"', {"resource": "$.resources[0]"}) == f'"{EC2_EVENT["resources"][0]}"'
    assert json.loads(transform('{"all": <all>}', {"all": "$.detail.*"})) == {"all": ["i-0123456789", "RUNNING"]}


LISTDROP_TEMPLATE_BEFORE_ISSUE_12 = "\n".join(
    [
        '"<detail-summary>"',
        '""',
        '"Tracking id: <detail-trackingId>"',
        '""',
        '"Event (JSON):"',
        '"<aws.events.event.json>"',
    ]
)


@pytest.mark.parametrize(
    ("template", "paths", "why"),
    [
        (
            LISTDROP_TEMPLATE_BEFORE_ISSUE_12,
            {"detail-summary": "$.detail.summary", "detail-trackingId": "$.detail.trackingId"},
            "only be the value of a JSON field",
        ),
        ('{"event": "<aws.events.event.json>"}', {}, "not part of a string"),
        ('{"event": "before <aws.events.event> after"}', {}, "not part of a string"),
        ("{<instance>: 1}", PATHS, "object key"),
        ('{"<instance>": 1}', PATHS, "object key"),
        ("instance <instance> is in <state>", PATHS, "quotes are required"),
        ('"fine"\nnot quoted', {}, "line 2"),
        ('"<nothing>"', PATHS, "invalid placeholder nothing"),
        ('{"a": <instance>,}', PATHS, "not valid JSON"),
        ('"' + "x" * 8191 + '"', {}, "1 to 8192 characters"),
        ('"<a>"', {"a": "$['a']"}, "not a JSON path"),
        ('"<a>"', {"a": "$." + "a" * 256}, "not a JSON path"),
        ('"x"', {"AWS.thing": "$.a"}, "not a valid variable name"),
        ('"x"', {f"v{i}": "$.a" for i in range(101)}, "more than 100"),
    ],
)
def test_templates_eventbridge_does_not_allow_are_refused(template, paths, why):
    with pytest.raises(TemplateRefused, match=why):
        check({"InputPathsMap": paths, "InputTemplate": template})


def test_listdrop_notification_round_trip_through_the_local_reader():
    """What a person reads and what a machine parses, from the shape infra/constructs/notifications.py makes."""
    paths = {"detail-summary": "$.detail.summary", "detail-trackingId": "$.detail.trackingId"}
    paths["detail-eventJson"] = "$.detail.eventJson"
    template = '"<detail-summary>"\n"Tracking id: <detail-trackingId>"\n"Event (JSON): <detail-eventJson>"'
    outcome = {"detailType": "Import Failed", "detail": {"summary": 'FAILED: "a.csv": bad', "trackingId": "t1"}}
    event = {**EC2_EVENT, "detail": {**outcome["detail"], "eventJson": json.dumps(outcome)}}
    text = transform(template, paths, event)
    assert text.split("\n")[0] == '"FAILED: "a.csv": bad"', "delivered as written, quotes and all"
    notification = Notification("arn:aws:sns:us-east-1:123456789012:failed", text)
    assert notification.first_line == 'FAILED: "a.csv": bad'
    assert notification.event == {"detail-type": "Import Failed", "source": "listdrop", "detail": outcome["detail"]}
    assert notification.body == '"FAILED: "a.csv": bad"\n"Tracking id: t1"'
    with pytest.raises(NotANotification):
        _ = Notification("arn", '"WORKFLOW FAILED: listdrop could not report the outcome"').event


@pytest.fixture
def events_with_put_targets_checked(aws, monkeypatch):
    from moto.events.models import EventsBackend

    monkeypatch.setattr(EventsBackend, "put_targets", EventsBackend.put_targets)  # undone after the test
    patches._patch_eventbridge_put_targets()
    client = boto3.client("events", region_name="us-east-1")
    client.put_rule(Name="outcomes", EventPattern=json.dumps({"source": ["listdrop"]}))
    return client


def test_the_local_cloud_refuses_such_a_template_when_the_rule_is_provisioned(events_with_put_targets_checked):
    target = {"Id": "Target0", "Arn": "arn:aws:sns:us-east-1:123456789012:failed"}
    transformer = {"InputPathsMap": {"detail-summary": "$.detail.summary"}, "InputTemplate": '"<detail-summary>"'}
    events_with_put_targets_checked.put_targets(Rule="outcomes", Targets=[{**target, "InputTransformer": transformer}])
    refused = {**transformer, "InputTemplate": '"<detail-summary>"\n"<aws.events.event.json>"'}
    with pytest.raises(ClientError) as error:
        events_with_put_targets_checked.put_targets(Rule="outcomes", Targets=[{**target, "InputTransformer": refused}])
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert "Target0" in error.value.response["Error"]["Message"]


def test_render_input_passes_constant_input_and_input_paths_through():
    assert patches.render_input({"Input": '{"a": 1}'}, EC2_EVENT) == '{"a": 1}'
    assert patches.render_input({"InputPath": "$.detail"}, EC2_EVENT) == json.dumps(EC2_EVENT["detail"])
    assert json.loads(patches.render_input({}, EC2_EVENT)) == EC2_EVENT
    assert input_transformer.lookup(EC2_EVENT, "$.detail.nothing") == (False, None)


def test_the_notification_of_a_listdrop_rule_before_issue_12_is_not_rendered_but_refused():
    """Before, the local cloud filled the event's JSON into a quoted line, where AWS does not allow it."""
    paths = {"detail-summary": "$.detail.summary", "detail-trackingId": "$.detail.trackingId"}
    target = {
        "Id": "Target0",
        "InputTransformer": {"InputPathsMap": paths, "InputTemplate": LISTDROP_TEMPLATE_BEFORE_ISSUE_12},
    }
    with pytest.raises(TemplateRefused, match=r"aws\.events\.event\.json"):
        patches.render_input(target, EC2_EVENT)


@pytest.fixture
def bus_to_queue(aws, monkeypatch):
    """A rule on the default bus whose SNS target the local cloud's patch delivers, the topic's copy read from SQS."""
    from moto.events.models import Rule

    monkeypatch.setattr(Rule, "send_to_targets", Rule.send_to_targets)  # undone after the test
    patches._patch_eventbridge_sns_targets()
    sns, sqs, events = (boto3.client(name, region_name="us-east-1") for name in ("sns", "sqs", "events"))
    topic = sns.create_topic(Name="outcomes")["TopicArn"]
    queue = sqs.create_queue(QueueName="outcomes")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    events.put_rule(Name="outcomes", EventPattern=json.dumps({"source": ["listdrop"]}))
    template = '{"event": <aws.events.event.json>, "received": <aws.events.event.ingestion-time>}'
    transformer = {"InputPathsMap": {}, "InputTemplate": template}
    events.put_targets(Rule="outcomes", Targets=[{"Id": "T", "Arn": topic, "InputTransformer": transformer}])
    return events, sqs, queue


def test_a_put_event_reaches_its_targets_with_awss_iso_8601_time_not_mokos_epoch_float(bus_to_queue):
    """EventBridge's events carry "time": "2015-11-11T21:29:54Z" and the ingestion time is "an ISO 8601 timestamp"
    (the user guide's input transformation page); moto 5.2.5 stamps both as epoch seconds."""
    events, sqs, queue = bus_to_queue
    events.put_events(Entries=[{"Source": "listdrop", "DetailType": "Import Succeeded", "Detail": '{"a": 1}'}])
    [message] = sqs.receive_message(QueueUrl=queue)["Messages"]
    delivered = json.loads(message["Body"])
    iso = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"
    assert re.match(iso, delivered["event"]["time"]), delivered["event"]["time"]
    assert re.match(iso, delivered["received"])
    assert "ingestion-time" not in delivered["event"], "moto's own field is no part of an AWS event"
    assert delivered["event"]["detail"] == {"a": 1}


def test_iso_time_keeps_a_time_given_as_text_and_formats_epoch_seconds():
    assert patches.iso_time(0) == "1970-01-01T00:00:00Z"
    assert patches.iso_time(1764482400.25) == "2025-11-30T06:00:00Z"
    assert patches.iso_time("2026-11-30T06:00:00Z") == "2026-11-30T06:00:00Z"

"""Alarms and the dashboard: what operators get, and that it watches what the code actually emits."""

import json
import re
from pathlib import Path

import pytest

from listdrop.models import Outcome
from tests.infra.helpers import flat, one, resources

pytestmark = pytest.mark.infra
HANDLERS = Path(__file__).resolve().parents[2] / "functions" / "listdrop" / "handlers"


def alarms(template):
    return {lid: r["Properties"] for lid, r in resources(template, "AWS::CloudWatch::Alarm").items()}


def alarm(template, fragment):
    [(_, properties)] = [(lid, p) for lid, p in alarms(template).items() if fragment in lid]
    return properties


def test_every_alarm_notifies_the_operations_topic_when_raised_and_when_cleared(template):
    topic_id, _ = one(template, "AWS::SNS::Topic", "Operations")
    assert len(alarms(template)) == 5
    for properties in alarms(template).values():
        assert properties["AlarmActions"] == [{"Ref": topic_id}]
        assert properties["OKActions"] == [{"Ref": topic_id}]
        assert properties["TreatMissingData"] == "notBreaching"
        assert properties["AlarmDescription"]


def test_a_single_dead_letter_raises_the_alarm_within_a_minute(template):
    dlq_id, _ = one(template, "AWS::SQS::Queue", "DeadLetterQueue")
    properties = alarm(template, "DeadLetterQueue")
    assert properties["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert properties["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id, "QueueName"]}}]
    assert (properties["Threshold"], properties["Period"], properties["EvaluationPeriods"]) == (1, 60, 1)
    assert properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert "listdrop redrive" in properties["AlarmDescription"]


@pytest.mark.parametrize(
    ("fragment", "namespace", "metric"),
    [
        ("ExecutionsFailed", "AWS/States", "ExecutionsFailed"),
        ("ExecutionsTimedOut", "AWS/States", "ExecutionsTimedOut"),
        ("StarterErrors", "AWS/Lambda", "Errors"),
        ("PollerErrors", "AWS/Lambda", "Errors"),
    ],
)
def test_workflow_and_function_failures_raise_alarms(template, fragment, namespace, metric):
    properties = alarm(template, fragment)
    assert (properties["Namespace"], properties["MetricName"], properties["Threshold"]) == (namespace, metric, 1)


def test_the_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use(template):
    _, topic = one(template, "AWS::SNS::Topic", "Operations")
    key_id, key = one(template, "AWS::KMS::Key")
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    [statement] = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert statement["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert "aws:SourceAccount" in flat(statement["Condition"])


def emitted_metric_names() -> set[str]:
    names = set()
    for source in HANDLERS.glob("*.py"):
        text = source.read_text()
        names.update(re.findall(r'"((?:Imports|Files|Records|Seconds|Throttled|Duplicate|Retries)[A-Za-z]+)"', text))
    # the poller names outcome metrics after the outcome: ImportsSucceeded, ImportsFailed, ImportsTimedOut...
    names.update(f"Imports{o.value.title().replace('_', '')}" for o in Outcome)
    return names


def dashboard_body(template) -> dict:
    _, dashboard = one(template, "AWS::CloudWatch::Dashboard")
    parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    return json.loads("".join(p if isinstance(p, str) else "PLACEHOLDER" for p in parts))


def test_the_dashboard_charts_metrics_the_handlers_emit(template):
    lines = [
        line
        for widget in dashboard_body(template)["widgets"]
        for line in widget["properties"].get("metrics", [])
        if line[0] == "listdrop"
    ]
    charted = {line[1] for line in lines}
    required = {"ImportsStarted", "ImportsSucceeded", "ImportsFailed", "RecordsProcessed", "RecordsFailed"}
    assert required | {"SecondsToOutcome"} <= charted, charted
    assert charted <= emitted_metric_names(), charted - emitted_metric_names()
    assert all(line[2:4] == ["service", "listdrop"] for line in lines), "Powertools adds the service dimension"
    assert {line[-1]["stat"] for line in lines if line[1] == "SecondsToOutcome"} == {"p50", "p90", "Maximum"}

"""`listdrop notifications tail`: its own queue, each notification printed as it arrives, everything removed after."""

from __future__ import annotations

import io
import json
import threading
import time
from typing import Any

import boto3
import pytest

from infra import constants
from listdrop.cli import main
from listdrop.cli import notifications as tail_command
from listdrop.cli.stack import COMPLETED_TOPIC_OUTPUT, FAILED_TOPIC_OUTPUT, OPERATIONS_TOPIC_OUTPUT
from listdrop.notification import Notification

from .authorization_reference import ACCOUNT, REGION, arn_patterns, has_action
from .fakes import register_stack

# The stand-in stack holds one placeholder resource, which moto parses with a warning.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS")

OUTCOME = {"detailType": "Import Succeeded", "detail": {"trackingId": "abc", "outcome": "SUCCEEDED"}}
TEXT = (
    '"SUCCEEDED: PUT into SES contact list \'Newsletter\'"\n"Tracking id: abc"\n"Event (JSON): '
    + json.dumps(OUTCOME)
    + '"'
)


def envelope(message: str, topic: str = "arn:aws:sns:us-east-1:123456789012:Listdrop-completed") -> str:
    return json.dumps({"Type": "Notification", "TopicArn": topic, "Message": message})


class FakeSqs:
    """Hands out the queued bodies, a few per receive, and records every call in order."""

    def __init__(self, bodies: list[str], per_receive: int = 2) -> None:
        self._bodies = list(bodies)
        self._per_receive = per_receive
        self.calls: list[tuple[str, Any]] = []

    def receive_message(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("receive", params["MaxNumberOfMessages"]))
        taken = min(self._per_receive, params["MaxNumberOfMessages"])
        batch, self._bodies = self._bodies[:taken], self._bodies[taken:]
        return {"Messages": [{"Body": body, "ReceiptHandle": f"h-{body[-12:]}"} for body in batch]}

    def delete_message(self, **params: Any) -> None:
        self.calls.append(("delete", params["ReceiptHandle"]))


def test_each_message_is_deleted_only_after_it_was_shown():
    sqs = FakeSqs([envelope(TEXT), envelope("second"), envelope("third")])
    shown: list[Notification] = []
    tail = tail_command.Tail(
        sqs, "url", lambda notification: (shown.append(notification), sqs.calls.append(("show", 0)))
    )
    assert tail.run(count=3) == 3
    assert [call[0] for call in sqs.calls] == [
        "receive",
        "show",
        "delete",
        "show",
        "delete",
        "receive",
        "show",
        "delete",
    ]
    assert sqs.calls[5] == ("receive", 1), "never more messages than --count still wants"
    assert shown[0].event["detail"] == OUTCOME["detail"]


def test_the_timeout_ends_the_tail():
    sqs = FakeSqs([])
    clock = iter([0.0, 0.0, 2.5, 5.1])
    tail = tail_command.Tail(sqs, "url", lambda notification: None, clock=lambda: next(clock))
    assert tail.run(timeout=5) == 0
    assert len([call for call in sqs.calls if call[0] == "receive"]) == 2


def test_json_lines_are_the_outcome_event_or_the_message_itself():
    out = io.StringIO()
    tail_command._json_line(Notification("arn:aws:sns:r:1:completed", TEXT), out)
    tail_command._json_line(Notification("arn:aws:sns:r:1:failed", '"WORKFLOW FAILED: x"\n"Tracking id: abc"'), out)
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first == {"detail-type": "Import Succeeded", "source": "listdrop", "detail": OUTCOME["detail"]}
    assert second == {"topicArn": "arn:aws:sns:r:1:failed", "message": '"WORKFLOW FAILED: x"\n"Tracking id: abc"'}


def test_text_is_what_a_person_reads_without_the_json_line():
    out = io.StringIO()
    tail_command._text(Notification("arn:aws:sns:r:1:Listdrop-completed", TEXT), out)
    assert out.getvalue() == (
        "--- notification on Listdrop-completed ---\n"
        '"SUCCEEDED: PUT into SES contact list \'Newsletter\'"\n"Tracking id: abc"\n\n'
    )


@pytest.fixture
def stack(aws):
    """Three topics and a stack whose outputs name them, as the deployed stack's do."""
    sns = boto3.client("sns", region_name="us-east-1")
    arns = {name: sns.create_topic(Name=f"Listdrop-{name}")["TopicArn"] for name in ("completed", "failed", "ops")}
    outputs = {
        COMPLETED_TOPIC_OUTPUT: arns["completed"],
        FAILED_TOPIC_OUTPUT: arns["failed"],
        OPERATIONS_TOPIC_OUTPUT: arns["ops"],
    }
    register_stack(outputs)
    return arns


def tail_in_thread(arguments: list[str]) -> tuple[threading.Thread, dict[str, Any]]:
    result: dict[str, Any] = {}
    out, err = io.StringIO(), io.StringIO()

    def tail() -> None:
        parser_args = tail_command_args(arguments)
        result["code"] = tail_command.run(parser_args, out=out, err=err)
        result["out"], result["err"] = out.getvalue(), err.getvalue()

    thread = threading.Thread(target=tail)
    thread.start()
    result["err_stream"] = err
    return thread, result


def tail_command_args(arguments: list[str]) -> Any:
    import argparse

    parser = argparse.ArgumentParser()
    tail_command.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["notifications", "tail", *arguments])


def wait_until_listening(result: dict[str, Any]) -> None:
    deadline = time.monotonic() + 10
    while "Listening on" not in result["err_stream"].getvalue() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_it_subscribes_its_own_queue_prints_and_removes_everything(stack):
    sns, sqs = boto3.client("sns", region_name="us-east-1"), boto3.client("sqs", region_name="us-east-1")
    thread, result = tail_in_thread(["--count", "2", "--timeout", "20", "--json"])
    wait_until_listening(result)
    [queue_url] = sqs.list_queues(QueueNamePrefix=tail_command.QUEUE_PREFIX)["QueueUrls"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert attributes["SqsManagedSseEnabled"] == "true"
    [statement] = json.loads(attributes["Policy"])["Statement"]
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": [stack["completed"], stack["failed"]]}}
    subscribed = {s["TopicArn"]: s for s in sns.list_subscriptions()["Subscriptions"]}
    assert set(subscribed) == {stack["completed"], stack["failed"]}, "not the operations topic unless asked"
    raw = sns.get_subscription_attributes(SubscriptionArn=subscribed[stack["completed"]]["SubscriptionArn"])
    assert raw["Attributes"].get("RawMessageDelivery", "false") == "false"

    sns.publish(TopicArn=stack["completed"], Message=TEXT)
    sns.publish(TopicArn=stack["failed"], Message='"WORKFLOW TIMED_OUT: x"')
    thread.join(timeout=30)
    assert result["code"] == 0
    lines = [json.loads(line) for line in result["out"].splitlines()]
    assert lines[0]["detail"] == OUTCOME["detail"]
    assert lines[1] == {"topicArn": stack["failed"], "message": '"WORKFLOW TIMED_OUT: x"'}
    assert sqs.list_queues(QueueNamePrefix=tail_command.QUEUE_PREFIX).get("QueueUrls", []) == []
    assert sns.list_subscriptions()["Subscriptions"] == []


def test_a_timeout_before_count_exits_1_and_still_cleans_up(stack):
    sns = boto3.client("sns", region_name="us-east-1")
    thread, result = tail_in_thread(["--count", "1", "--timeout", "1", "--operations"])
    wait_until_listening(result)
    assert len(sns.list_subscriptions()["Subscriptions"]) == 3
    thread.join(timeout=30)
    assert result["code"] == 1
    assert sns.list_subscriptions()["Subscriptions"] == []


def test_a_stack_without_the_topics_is_refused(aws, capsys):
    register_stack({"X": "y"}, name="Other")
    assert main(["notifications", "tail", "--stack", "Other", "--timeout", "1"]) == 2
    assert f"stack Other has no output {COMPLETED_TOPIC_OUTPUT}, {FAILED_TOPIC_OUTPUT}" in capsys.readouterr().err
    assert boto3.client("sqs", region_name="us-east-1").list_queues().get("QueueUrls", []) == []


@pytest.mark.parametrize(("arguments", "message"), [(["--count", "0"], "--count"), (["--timeout", "0"], "--timeout")])
def test_usage_errors_exit_2(capsys, arguments, message):
    assert main(["notifications", "tail", *arguments]) == 2
    assert message in capsys.readouterr().err


def test_the_topic_outputs_are_infras():
    assert (COMPLETED_TOPIC_OUTPUT, FAILED_TOPIC_OUTPUT, OPERATIONS_TOPIC_OUTPUT) == (
        constants.OUTPUT_COMPLETED_TOPIC,
        constants.OUTPUT_FAILED_TOPIC,
        constants.OUTPUT_OPERATIONS_TOPIC,
    )


def test_every_permission_it_names_exists_on_the_resource_it_names():
    resources = {
        "the stack": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/Listdrop/1",
        f"the queue (arn:aws:sqs:<region>:<account>:{tail_command.QUEUE_PREFIX}*)": (
            f"arn:aws:sqs:{REGION}:{ACCOUNT}:{tail_command.QUEUE_PREFIX}20261130-abcdef"
        ),
        "the topics": f"arn:aws:sns:{REGION}:{ACCOUNT}:Listdrop-completed",
    }
    assert set(tail_command.PERMISSIONS) == set(resources)
    for resource, actions in tail_command.PERMISSIONS.items():
        for action in actions:
            assert has_action(action), action
            patterns = arn_patterns(*action.split(":"))
            assert patterns and any(p.fullmatch(resources[resource]) for p in patterns), (action, resource)

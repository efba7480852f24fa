"""`listdrop redrive`: dead letters go back to the ingest queue, none lost, none doubled."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from listdrop.cli import main
from listdrop.cli.redrive import Redrive
from listdrop.cli.stack import DEAD_LETTER_QUEUE_OUTPUT, QUEUE_OUTPUT
from listdrop.requeue import ATTEMPT_ATTRIBUTE


@pytest.fixture
def queues(aws):
    sqs = boto3.client("sqs", region_name="us-east-1")
    dlq = sqs.create_queue(QueueName="ingest-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue = sqs.create_queue(
        QueueName="ingest",
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})},
    )["QueueUrl"]
    return sqs, dlq, queue


def bodies(sqs, url):
    found = []
    while messages := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=60
    ).get("Messages"):
        found.extend(messages)
    return found


def test_every_dead_letter_moves_back_once_with_its_attributes_less_the_throttle_count(queues):
    sqs, dlq, queue = queues
    for number in range(23):
        sqs.send_message(
            QueueUrl=dlq,
            MessageBody=json.dumps({"Records": [{"n": number}]}),
            MessageAttributes={
                ATTEMPT_ATTRIBUTE: {"DataType": "Number", "StringValue": "4"},
                "origin": {"DataType": "String", "StringValue": "s3"},
            },
        )
    progress = []
    result = Redrive(sqs, dead_letter_queue_url=dlq, queue_url=queue).run(progress=progress.append)
    assert (result.moved, result.failed, result.left) == (23, 0, 0)
    assert progress[-1] == 23
    moved = bodies(sqs, queue)
    assert sorted(json.loads(m["Body"])["Records"][0]["n"] for m in moved) == list(range(23))
    assert all(set(m["MessageAttributes"]) == {"origin"} for m in moved)
    assert bodies(sqs, dlq) == []


def test_a_limit_moves_no_more_than_asked(queues):
    sqs, dlq, queue = queues
    for number in range(15):
        sqs.send_message(QueueUrl=dlq, MessageBody=str(number))
    result = Redrive(sqs, dead_letter_queue_url=dlq, queue_url=queue).run(limit=12)
    assert result.moved == 12 and result.left == 3
    assert len(bodies(sqs, queue)) == 12


def test_a_message_the_ingest_queue_refuses_stays_in_the_dead_letter_queue():
    """Sent first, deleted only after: a refused send deletes nothing (shapes checked by botocore's model)."""
    sqs = boto3.client("sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    dlq, queue = "https://sqs.us-east-1.amazonaws.com/1/dlq", "https://sqs.us-east-1.amazonaws.com/1/q"
    with Stubber(sqs) as stub:
        stub.add_response(
            "receive_message",
            {
                "Messages": [
                    {"MessageId": "a", "ReceiptHandle": "ra", "Body": "one"},
                    {"MessageId": "b", "ReceiptHandle": "rb", "Body": "two"},
                ]
            },
        )
        stub.add_response(
            "send_message_batch",
            {
                "Successful": [{"Id": "0", "MessageId": "n", "MD5OfMessageBody": "x"}],
                "Failed": [{"Id": "1", "SenderFault": False, "Code": "InternalError"}],
            },
            {"QueueUrl": queue, "Entries": [{"Id": "0", "MessageBody": "one"}, {"Id": "1", "MessageBody": "two"}]},
        )
        stub.add_response(
            "delete_message_batch",
            {"Successful": [{"Id": "0"}], "Failed": []},
            {"QueueUrl": dlq, "Entries": [{"Id": "0", "ReceiptHandle": "ra"}]},
        )
        stub.add_response("receive_message", {"Messages": []})
        stub.add_response(
            "get_queue_attributes",
            {"Attributes": {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "1"}},
        )
        result = Redrive(sqs, dead_letter_queue_url=dlq, queue_url=queue).run()
    assert (result.moved, result.failed, result.left) == (1, 1, 1)


def test_the_command_reports_and_exits_zero_once_the_dead_letter_queue_is_empty(queues, capsys):
    sqs, dlq, queue = queues
    sqs.send_message(QueueUrl=dlq, MessageBody="{}")
    assert main(["redrive", "--dead-letter-queue-url", dlq, "--queue-url", queue]) == 0
    assert "Moved 1 message; 0 left in the dead-letter queue." in capsys.readouterr().out


def test_the_command_finds_the_queues_from_the_stack_outputs(queues, capsys):
    sqs, dlq, queue = queues
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {QUEUE_OUTPUT: {"Value": queue}, DEAD_LETTER_QUEUE_OUTPUT: {"Value": dlq}},
    }
    cloudformation.create_stack(StackName="Listdrop", TemplateBody=json.dumps(template))
    sqs.send_message(QueueUrl=dlq, MessageBody="{}")
    assert main(["redrive"]) == 0
    assert f"Moving messages from {dlq}" in capsys.readouterr().out
    assert len(bodies(sqs, queue)) == 1


def test_half_a_queue_pair_is_a_usage_error(capsys):
    assert main(["redrive", "--queue-url", "https://q"]) == 2
    assert "give both" in capsys.readouterr().err

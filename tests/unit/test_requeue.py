"""Throttled messages return as delayed copies that carry their attempt count (moto's SQS)."""

from __future__ import annotations

import boto3
from hypothesis import given
from hypothesis import strategies as st

from listdrop.requeue import ATTEMPT_ATTRIBUTE, MAX_DELAY_SECONDS, Requeue, attempts_so_far, backoff_seconds


@given(st.integers(min_value=1, max_value=10_000), st.floats(min_value=0, max_value=1))
def test_backoff_is_full_jitter_under_a_growing_cap(attempt, fraction):
    delay = backoff_seconds(attempt, uniform=lambda low, high: low + (high - low) * fraction)
    assert 1 <= delay <= min(MAX_DELAY_SECONDS, 2 * 2**attempt)


def test_the_cap_doubles_then_stops_at_sqs_maximum():
    highest = [backoff_seconds(attempt, uniform=lambda low, high: high) for attempt in range(1, 12)]
    assert highest[:4] == [4, 8, 16, 32]
    assert highest[-1] == MAX_DELAY_SECONDS


def test_attempts_come_from_the_lambda_event_and_bad_values_count_as_none():
    assert attempts_so_far({}) == 0
    assert attempts_so_far({ATTEMPT_ATTRIBUTE: {"stringValue": "3", "dataType": "Number"}}) == 3
    assert attempts_so_far({ATTEMPT_ATTRIBUTE: {"stringValue": "x", "dataType": "Number"}}) == 0


def _lambda_attributes(message):
    return {
        name: {"stringValue": value["StringValue"], "dataType": value["DataType"]}
        for name, value in message.get("MessageAttributes", {}).items()
    }


def test_a_copy_is_sent_delayed_with_the_next_attempt_number(aws):
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="ingest")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    requeue = Requeue(sqs, uniform=lambda low, high: 0)  # no wait, so the test can receive the copy at once

    assert requeue.later(queue_arn=arn, body='{"Records": []}', message_attributes={}) == (1, 1)
    [copy] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], WaitTimeSeconds=2)["Messages"]
    assert copy["Body"] == '{"Records": []}'
    attempt, _ = requeue.later(queue_arn=arn, body=copy["Body"], message_attributes=_lambda_attributes(copy))
    assert attempt == 2
    [second] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], WaitTimeSeconds=2)["Messages"]
    assert second["MessageAttributes"][ATTEMPT_ATTRIBUTE]["StringValue"] == "2"

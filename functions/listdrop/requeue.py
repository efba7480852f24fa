"""Throttled uploads go back to the ingest queue as a fresh, delayed copy, so throttling alone never uses up
the queue's receive count (and never lands a file in the dead-letter queue).

A failed SQS message returns after the visibility timeout and counts towards maxReceiveCount. A throttled
job API is not a broken message, so instead the handler sends a copy with an exponential, fully jittered
delay (AWS's "full jitter": uniform between 0 and the capped exponential) and lets the original succeed.
If the handler dies between the two, both copies arrive; the starter's claim makes that harmless.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

ATTEMPT_ATTRIBUTE = "listdropThrottledAttempts"
BASE_DELAY_SECONDS = 2
MAX_DELAY_SECONDS = 900  # the largest DelaySeconds SQS accepts


def backoff_seconds(attempt: int, *, uniform: Callable[[float, float], float] = random.uniform) -> int:
    """Delay before throttled attempt number `attempt` (1 for the first retry), at least one second."""
    ceiling = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** min(attempt, 20))
    return max(1, round(uniform(0, ceiling)))


def attempts_so_far(message_attributes: dict[str, Any]) -> int:
    """Throttled attempts recorded on a message, from the Lambda SQS event's messageAttributes."""
    value = (message_attributes or {}).get(ATTEMPT_ATTRIBUTE, {}).get("stringValue")
    try:
        return max(0, int(value)) if value is not None else 0
    except ValueError:
        return 0


class Requeue:
    def __init__(self, sqs: Any, *, uniform: Callable[[float, float], float] = random.uniform) -> None:
        self._sqs = sqs
        self._uniform = uniform
        self._urls: dict[str, str] = {}

    def later(self, *, queue_arn: str, body: str, message_attributes: dict[str, Any]) -> tuple[int, int]:
        """Send a delayed copy of the message; returns (attempt number, delay in seconds)."""
        attempt = attempts_so_far(message_attributes) + 1
        delay = backoff_seconds(attempt, uniform=self._uniform)
        self._sqs.send_message(
            QueueUrl=self._url(queue_arn),
            MessageBody=body,
            DelaySeconds=delay,
            MessageAttributes={ATTEMPT_ATTRIBUTE: {"DataType": "Number", "StringValue": str(attempt)}},
        )
        return attempt, delay

    def _url(self, queue_arn: str) -> str:
        if queue_arn not in self._urls:
            _, _, _, _, account, name = queue_arn.split(":", 5)
            response = self._sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)
            self._urls[queue_arn] = str(response["QueueUrl"])
        return self._urls[queue_arn]

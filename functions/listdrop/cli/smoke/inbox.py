"""What reaches the smoke test's own queue: the topics' notifications, in SNS's envelope.

The queue is subscribed without raw message delivery, so every SQS message is SNS's JSON envelope, whose
`TopicArn` says which topic delivered it and whose `Message` is what was published
(https://docs.aws.amazon.com/sns/latest/dg/sns-sqs-as-subscriber.html). A listdrop outcome notification is
text that ends with the outcome event as JSON; a CloudWatch alarm notification is a JSON object with
`AlarmName`, `NewStateValue`, ... (see alarm_state).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

EVENT_MARKER = "Event (JSON):"


@dataclass(frozen=True)
class Received:
    topic_arn: str
    message: str
    at: float  # the clock reading when the smoke test read it

    def event(self) -> dict[str, Any] | None:
        """The listdrop outcome event this notification carries, or None if it carries none."""
        return outcome_event(self.message)

    def alarm_state(self) -> tuple[str, str] | None:
        """(alarm name, new state) of a CloudWatch alarm notification, or None for any other message."""
        try:
            body = json.loads(self.message)
        except ValueError:
            return None
        if isinstance(body, dict) and isinstance(body.get("AlarmName"), str) and body.get("NewStateValue"):
            return body["AlarmName"], str(body["NewStateValue"])
        return None


def outcome_event(message: str) -> dict[str, Any] | None:
    """The outcome in a notification, as `{"detail": {...}}`: found after the `Event (JSON):` label, or anywhere
    in the message, as the first JSON object holding an outcome's detail (tolerant of how the text around it,
    and the event's wrapping, are laid out)."""
    decoder = json.JSONDecoder()
    marker = message.find(EVENT_MARKER)
    starts = [message.find("{", marker)] if marker >= 0 else []
    starts += [index for index, char in enumerate(message) if char == "{"]
    for start in starts:
        if start < 0:
            continue
        try:
            value, _ = decoder.raw_decode(message, start)
        except ValueError:
            continue
        detail = _find_detail(value)
        if detail is not None:
            return {"detail": detail}
    return None


def _find_detail(value: Any, depth: int = 0) -> dict[str, Any] | None:
    """The outcome detail (it has `trackingId` and `outcome`) in a decoded value, or in JSON text within it."""
    if depth > 4:
        return None
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("trackingId"), str) and "outcome" in value:
        return value
    for child in value.values():
        found = _find_detail(child, depth + 1)
        if found is not None:
            return found
    return None


class Inbox:
    def __init__(self, sqs: Any, queue_url: str, clock: Callable[[], float] = time.monotonic) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._clock = clock
        self.received: list[Received] = []

    def poll(self, wait_seconds: int) -> list[Received]:
        """One long poll: every message read is kept here and deleted from the queue."""
        response = self._sqs.receive_message(
            QueueUrl=self._queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=max(0, min(20, wait_seconds))
        )
        new = []
        for message in response.get("Messages", []):
            self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
            try:
                envelope = json.loads(message["Body"])
                new.append(Received(str(envelope["TopicArn"]), str(envelope["Message"]), self._clock()))
            except (ValueError, KeyError, TypeError):
                continue  # not an SNS notification: nothing the smoke test waits for
        self.received.extend(new)
        return new

    def wait(self, done: Callable[[], bool], deadline: float, progress: Callable[[], None]) -> bool:
        """Poll until `done()` or the deadline; `progress()` after every poll. Returns `done()`."""
        while not done() and self._clock() < deadline:
            self.poll(wait_seconds=int(min(5, max(1, deadline - self._clock()))))
            progress()
        return done()

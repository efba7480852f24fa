"""Reads the notifications that reach the local notifications queue (subscribed to both topics).

A notification is what EventBridge's input transformer makes of the outcome event
(infra/constructs/notifications.py): one line per template line, each inside the double quotes of the text
template, as AWS delivers it; the last line is `"Event (JSON): {...}"`, the JSON copy of the outcome that the
workflow put into the event (`detail.eventJson`: `{"detailType": ..., "detail": {...}}`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

EVENT_LINE_START = '"Event (JSON): '


class NotANotification(ValueError):
    """The message does not end with the outcome's JSON line (the backstop's messages do not, for one)."""


@dataclass(frozen=True)
class Notification:
    topic_arn: str
    text: str  # what a person reads (the e-mail body), exactly as EventBridge delivers it

    @property
    def lines(self) -> list[str]:
        """The message's lines without the quotes the text template puts around each."""
        return [line[1:-1] if len(line) >= 2 and line[0] == line[-1] == '"' else line for line in self.text.split("\n")]

    @property
    def first_line(self) -> str:
        """The outcome sentence, without its quotes."""
        return self.lines[0]

    @property
    def body(self) -> str:
        """The message without its JSON line: what a person reads."""
        head, _, _ = self.text.rpartition("\n" + EVENT_LINE_START)
        return head or self.text

    @property
    def event(self) -> dict[str, Any]:
        """The outcome the message ends with, shaped as the event's `detail-type`, `source` and `detail`."""
        _, marker, tail = self.text.rpartition(EVENT_LINE_START)
        line = tail.split("\n", 1)[0]
        if not marker or not line.endswith('"'):
            raise NotANotification(f'no outcome line ({EVENT_LINE_START}...") ends this message: {self.text[:200]!r}')
        outcome = json.loads(line[:-1])
        return {"detail-type": outcome["detailType"], "source": "listdrop", "detail": outcome["detail"]}

    @property
    def chat(self) -> dict[str, Any] | None:
        """The message as the custom notification the chat output sends (infra/constructs/chat.py, with
        `listdrop:chatTopic` on: one JSON object, `source` "custom"), or None for the e-mail text."""
        try:
            message = json.loads(self.text)
        except ValueError:
            return None
        return message if isinstance(message, dict) and message.get("source") == "custom" else None

    @property
    def detail(self) -> dict[str, Any]:
        detail: dict[str, Any] = self.event["detail"]
        return detail


class NotificationReader:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def receive(self, wait_seconds: int = 1) -> list[Notification]:
        response = self._sqs.receive_message(
            QueueUrl=self._queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
        )
        notifications = []
        for message in response.get("Messages", []):
            envelope = json.loads(message["Body"])
            notifications.append(Notification(envelope["TopicArn"], envelope["Message"]))
            self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
        return notifications

    def collect(self, count: int, timeout: float = 60.0) -> list[Notification]:
        """Wait until `count` notifications arrived (or the timeout passed); return what came."""
        received: list[Notification] = []
        deadline = time.monotonic() + timeout
        while len(received) < count and time.monotonic() < deadline:
            received.extend(self.receive())
        return received

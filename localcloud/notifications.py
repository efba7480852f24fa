"""Reads the notifications that reach the local notifications queue (subscribed to both topics)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

EVENT_MARKER = "Event (JSON):\n"


@dataclass(frozen=True)
class Notification:
    topic_arn: str
    text: str  # what a person reads (the e-mail body)

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0]

    @property
    def event(self) -> dict[str, Any]:
        """The structured event that ends every notification."""
        _, _, tail = self.text.partition(EVENT_MARKER)
        event: dict[str, Any] = json.loads(tail)
        return event

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

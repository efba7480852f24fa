"""Reads the notifications that reach the local notifications queue (subscribed to every topic).

What a notification holds, and how its outcome is parsed, is listdrop.notification's (the CLI's
`listdrop notifications tail` reads them the same way); this module only reads `make run`'s own queue.
"""

from __future__ import annotations

import time
from typing import Any

from listdrop.notification import NotANotification, Notification

__all__ = ["NotANotification", "Notification", "NotificationReader"]


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
            notifications.append(Notification.from_envelope(message["Body"]))
            self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
        return notifications

    def collect(self, count: int, timeout: float = 60.0) -> list[Notification]:
        """Wait until `count` notifications arrived (or the timeout passed); return what came."""
        received: list[Notification] = []
        deadline = time.monotonic() + timeout
        while len(received) < count and time.monotonic() < deadline:
            received.extend(self.receive())
        return received

"""One embedded local cloud per test process, provisioned from the synthesized stack."""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict

import pytest

from localcloud.cloud import LocalCloud, free_port
from localcloud.notifications import Notification, NotificationReader

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")


class Inbox:
    """Every notification the local notifications queue delivered, by the source key it is about."""

    def __init__(self, reader: NotificationReader) -> None:
        self._reader = reader
        self._by_key: dict[str, list[Notification]] = defaultdict(list)
        self._lock = threading.Lock()

    def _drain(self) -> None:
        for notification in self._reader.receive(wait_seconds=1):
            self._by_key[notification.detail["source"]["key"]].append(notification)

    def wait_for(self, key: str, count: int = 1, timeout: float = 60) -> list[Notification]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._by_key[key]) < count and time.monotonic() < deadline:
                self._drain()
            found = list(self._by_key[key])
        assert len(found) >= count, f"expected {count} notification(s) for {key}, got {len(found)}"
        return found

    def settle(self, seconds: float) -> None:
        """Keep reading for a while, so late duplicates would be seen."""
        deadline = time.monotonic() + seconds
        with self._lock:
            while time.monotonic() < deadline:
                self._drain()

    def about(self, key: str) -> list[Notification]:
        return list(self._by_key[key])


@pytest.fixture(scope="session")
def cloud():
    local = LocalCloud(port=free_port(), ses_processing_after=0.2, ses_complete_after=0.5).start()
    yield local
    unmapped = list(local.iam.unmapped) if local.iam else []
    local.stop()
    assert unmapped == [], f"operations no IAM mapping covers (localcloud/iam/operations.py): {unmapped}"


@pytest.fixture(scope="session")
def inbox(cloud) -> Inbox:
    return Inbox(NotificationReader(cloud.client("sqs"), cloud.endpoints.notifications_queue_url))


@pytest.fixture(scope="session")
def clients(cloud):
    return {name: cloud.client(name) for name in ("s3", "sesv2", "sqs", "dynamodb", "stepfunctions")}

"""Moves the messages of the dead-letter queue back to the ingest queue (`listdrop redrive`).

Each message is sent to the ingest queue first and deleted from the dead-letter queue only once the send
succeeded, so a message is never lost. If the command stops between the two, the message is in both
queues; that is safe, because the starter keys its work on the upload (the tracking id), not on the
message: the second copy is a duplicate delivery and starts no second job and sends no second notification.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from listdrop.requeue import ATTEMPT_ATTRIBUTE

# Long enough to send and delete a batch; a message not deleted in that time goes back to the dead letters.
RECEIVE_VISIBILITY_SECONDS = 120


@dataclass(frozen=True)
class RedriveResult:
    moved: int
    failed: int  # sends the ingest queue refused; those messages stay in the dead-letter queue
    left: int  # messages still in the dead-letter queue at the end (in flight elsewhere, or refused)


class Redrive:
    def __init__(self, sqs: Any, *, dead_letter_queue_url: str, queue_url: str) -> None:
        self._sqs = sqs
        self._dlq = dead_letter_queue_url
        self._queue = queue_url

    def run(self, *, limit: int | None = None, progress: Callable[[int], None] | None = None) -> RedriveResult:
        moved = failed = 0
        while limit is None or moved + failed < limit:
            wanted = 10 if limit is None else max(1, min(10, limit - moved - failed))
            messages = self._sqs.receive_message(
                QueueUrl=self._dlq,
                MaxNumberOfMessages=wanted,
                WaitTimeSeconds=1,
                VisibilityTimeout=RECEIVE_VISIBILITY_SECONDS,
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                break
            sent, refused = self._move(messages)
            moved += sent
            failed += refused
            if progress is not None:
                progress(moved)
            if refused and not sent:
                break  # the ingest queue refuses everything: stop rather than spin
        return RedriveResult(moved=moved, failed=failed, left=self.depth())

    def _move(self, messages: list[dict[str, Any]]) -> tuple[int, int]:
        entries = [
            {"Id": str(index), "MessageBody": message["Body"], **_attributes(message)}
            for index, message in enumerate(messages)
        ]
        response = self._sqs.send_message_batch(QueueUrl=self._queue, Entries=entries)
        sent = {entry["Id"] for entry in response.get("Successful", [])}
        done = [
            {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
            for index, message in enumerate(messages)
            if str(index) in sent
        ]
        if done:
            self._sqs.delete_message_batch(QueueUrl=self._dlq, Entries=done)
        return len(done), len(messages) - len(done)

    def depth(self) -> int:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self._dlq,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes.get("ApproximateNumberOfMessages", 0)) + int(
            attributes.get("ApproximateNumberOfMessagesNotVisible", 0)
        )


def _attributes(message: dict[str, Any]) -> dict[str, Any]:
    """The message's own attributes, less the throttling count: a redriven upload starts its backoff anew."""
    kept = {}
    for name, value in message.get("MessageAttributes", {}).items():
        if name == ATTEMPT_ATTRIBUTE:
            continue
        attribute = {"DataType": value["DataType"]}
        for field in ("StringValue", "BinaryValue"):
            if field in value:
                attribute[field] = value[field]
        kept[name] = attribute
    return {"MessageAttributes": kept} if kept else {}

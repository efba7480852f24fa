"""`listdrop redrive`: moves the messages of the dead-letter queue back to the ingest queue, once the cause is fixed.

    listdrop redrive [--stack Listdrop] [--limit N] [--progress | --no-progress]
    listdrop redrive --dead-letter-queue-url URL --queue-url URL

Each message is sent to the ingest queue first and deleted from the dead-letter queue only once the send
succeeded, so a message is never lost. If the command stops between the two, the message is in both
queues; that is safe, because the starter keys its work on the upload (the tracking id), not on the
message: the second copy is a duplicate delivery and starts no second job and sends no second notification.

Progress (messages moved, of the queue's approximate count) goes to stderr: by default only on a terminal.

Exit status: 0 when the dead-letter queue was emptied, 1 when messages are left in it, 2 on a usage error or when
AWS could not be reached.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TextIO

from listdrop.cli.connection import ENDPOINT_ENV, ENDPOINT_HELP, REGION_HELP, Connection, connect
from listdrop.cli.progress import ProgressLine, add_progress_option
from listdrop.cli.stack import DEAD_LETTER_QUEUE_OUTPUT, QUEUE_OUTPUT, stack_outputs
from listdrop.requeue import ATTEMPT_ATTRIBUTE
from listdrop.wording import count

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


# -- the command ----------------------------------------------------------------------------------


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    redrive = commands.add_parser(
        "redrive", help="move the dead-letter queue's messages back to the ingest queue, to be processed again"
    )
    redrive.add_argument(
        "--stack", default="Listdrop", help="the deployed stack whose queues to use (default Listdrop)"
    )
    redrive.add_argument("--dead-letter-queue-url", help="instead of --stack: the dead-letter queue")
    redrive.add_argument("--queue-url", help="instead of --stack: the ingest queue")
    redrive.add_argument("--limit", type=int, help="move at most this many messages")
    redrive.add_argument(
        "--endpoint-url",
        default=os.environ.get(ENDPOINT_ENV) or None,
        help=ENDPOINT_HELP,
    )
    redrive.add_argument("--region", help=REGION_HELP)
    add_progress_option(redrive, "the messages moved so far")
    redrive.set_defaults(run=run)


def run(args: argparse.Namespace, *, out: TextIO, err: TextIO) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    if bool(args.dead_letter_queue_url) != bool(args.queue_url):
        err.write("listdrop: give both --dead-letter-queue-url and --queue-url, or neither (to use --stack)\n")
        return 2
    connection = connect(args)
    try:
        if args.queue_url:
            dlq_url, queue_url = args.dead_letter_queue_url, args.queue_url
        else:
            dlq_url, queue_url = _stack_queues(connection, args.stack)
        redrive = Redrive(connection.client("sqs"), dead_letter_queue_url=dlq_url, queue_url=queue_url)
        out.write(f"Moving messages from {dlq_url}\n  to {queue_url}\n")
        line = ProgressLine(err, wanted=args.progress)
        waiting = redrive.depth() if line.enabled else 0
        expected = waiting if args.limit is None else min(args.limit, waiting)
        result = redrive.run(limit=args.limit, progress=line.reporter(partial(_progress_text, expected=expected)))
        line.done(_progress_text(result.moved, expected=expected))
    except (BotoCoreError, ClientError, LookupError) as error:
        err.write(f"listdrop: redrive failed: {error}\n")
        return 2
    out.write(f"Moved {count(result.moved, 'message')}; {result.left:,} left in the dead-letter queue.\n")
    if result.failed:
        out.write(f"  {result.failed:,} could not be sent to the ingest queue and stay in the dead-letter queue.\n")
    return 0 if result.left == 0 and result.failed == 0 else 1


def _progress_text(moved: int, *, expected: int) -> str:
    """`moved 1,200 of about 5,000 messages`: SQS counts a queue's messages approximately (botocore's sqs model,
    GetQueueAttributes: "the approximate number of messages available for retrieval", consistent "at least 1 minute
    after the producers stop sending"), so more may be moved than counted."""
    return f"moved {moved:,} of about {count(max(expected, moved), 'message')}"


def _stack_queues(connection: Connection, stack: str) -> tuple[str, str]:
    outputs = stack_outputs(connection, stack)
    try:
        return outputs[DEAD_LETTER_QUEUE_OUTPUT], outputs[QUEUE_OUTPUT]
    except KeyError as missing:
        raise LookupError(f"stack {stack} has no output {missing}; is it a listdrop stack?") from None

"""`listdrop notifications tail`: every notification as it arrives, from a queue of its own.

    listdrop notifications tail [--stack Listdrop] [--operations] [--json] [--count N] [--timeout SECONDS]

Reading a queue someone else reads (`make run`'s, a colleague's) races with them: each message goes to one reader.
So the command makes its own queue, `listdrop-tail-<run id>` (subscriber_queue.py: SSE-SQS, a policy that lets only
sns.amazonaws.com send to it, only from the topics), subscribes it to the completed and failed topics (and the
operations topic with --operations) that the stack's outputs name, long-polls it and prints each notification:
its text as e-mail subscribers get it, or with --json one line of JSON each, the outcome event the message ends
with (listdrop.notification), or `{"topicArn", "message"}` for a message that carries none (the workflow's
backstop, an alarm). A message is deleted only once it is printed. On the way out (--count reached, --timeout
passed, Ctrl-C, an error) the subscriptions and the queue are removed.

Exit status: 0 when done (--count reached, or --timeout passed or Ctrl-C without --count); 1 when --timeout passed
before --count notifications arrived; 2 on a usage error or when AWS cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from listdrop.cli.connection import ENDPOINT_HELP, REGION_HELP, Connection, connect
from listdrop.cli.smoke.resources import new_run_id
from listdrop.cli.stack import COMPLETED_TOPIC_OUTPUT, FAILED_TOPIC_OUTPUT, OPERATIONS_TOPIC_OUTPUT, stack_outputs
from listdrop.cli.subscriber_queue import SubscriberQueue
from listdrop.notification import NotANotification, Notification

QUEUE_PREFIX = "listdrop-tail-"
# "The maximum long polling wait time is 20 seconds" (SQS developer guide, best-practices-setting-up-long-polling);
# botocore's default read timeout (60 s) is longer, as the ReceiveMessage reference asks. At most 10 messages a
# receive (botocore's sqs model, MaxNumberOfMessages: "Valid values: 1 to 10").
MAX_WAIT_SECONDS = 20
# What the person running it needs, by resource (each action checked in the Service Authorization Reference by
# tests/unit/test_notifications_cli.py). The topics' policy grants no one sns:Subscribe; within the topics' account
# an identity policy allowing it is enough (IAM's single-account evaluation: either policy may allow).
PERMISSIONS = {
    "the stack": ("cloudformation:DescribeStacks",),
    f"the queue (arn:aws:sqs:<region>:<account>:{QUEUE_PREFIX}*)": (
        "sqs:CreateQueue",
        "sqs:GetQueueAttributes",
        "sqs:SetQueueAttributes",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:DeleteQueue",
    ),
    "the topics": ("sns:Subscribe", "sns:Unsubscribe"),
}
RETENTION_SECONDS = 3600  # a queue left behind by a killed run holds nothing for long


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    notifications = commands.add_parser(
        "notifications",
        help="print the notifications as they arrive, from a queue of the command's own",
        description="Read the notifications without racing anyone else's reader. Exit status: 0 when done; 1 when "
        "--timeout passed before --count notifications arrived; 2 on a usage error or when AWS cannot be reached.",
    )
    subcommands = notifications.add_subparsers(dest="notifications_command", required=True)
    tail = subcommands.add_parser(
        "tail",
        help="subscribe a queue of its own to the topics and print each notification as it arrives",
        description="Creates its own SQS queue (listdrop-tail-<run id>), subscribes it to the completed and failed "
        "topics the stack's outputs name, prints each notification as it arrives, and removes the subscriptions "
        "and the queue on the way out (--count, --timeout, Ctrl-C or an error). Needs "
        + "; ".join(f"{', '.join(actions)} on {resource}" for resource, actions in PERMISSIONS.items())
        + ".",
    )
    tail.add_argument("--stack", default="Listdrop", help="the deployed stack whose topics to read (default Listdrop)")
    tail.add_argument("--operations", action="store_true", help="the operations topic (alarms) too")
    tail.add_argument(
        "--output", choices=("text", "json"), default="text", help="text as e-mailed (default), or one JSON line each"
    )
    tail.add_argument("--json", dest="output", action="store_const", const="json", help="the same as --output json")
    tail.add_argument("--count", type=int, metavar="N", help="stop after N notifications")
    tail.add_argument("--timeout", type=float, metavar="SECONDS", help="stop after this long")
    tail.add_argument("--endpoint-url", help=ENDPOINT_HELP)
    tail.add_argument("--region", help=REGION_HELP)
    tail.set_defaults(run=run)


def run(args: argparse.Namespace, *, out: TextIO, err: TextIO, connection: Connection | None = None) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    if args.count is not None and args.count < 1:
        err.write("listdrop: notifications tail: --count must be at least 1\n")
        return 2
    if args.timeout is not None and args.timeout <= 0:
        err.write("listdrop: notifications tail: --timeout must be a positive number of seconds\n")
        return 2
    connection = connection or connect(args)
    received = 0
    try:
        topics = _topics(connection, args.stack, operations=args.operations)
        with _stopped_by_sigterm(), subscribed(connection, topics) as queue:
            names = ", ".join(arn.rsplit(":", 1)[-1] for arn in topics)
            err.write(f"Listening on {names} (queue {queue.name}); Ctrl-C to stop.\n")
            err.flush()
            write = _json_line if args.output == "json" else _text
            tail = Tail(connection.client("sqs"), str(queue.url), lambda notification: write(notification, out))
            received = tail.run(count=args.count, timeout=args.timeout)
    except KeyboardInterrupt:
        pass  # before the first poll: the queue, if made, is removed all the same
    except (BotoCoreError, ClientError, LookupError) as error:
        err.write(f"listdrop: notifications tail failed: {error}\n")
        return 2
    return 1 if args.count is not None and received < args.count else 0


class Tail:
    """Long-polls the queue and hands each notification to `show`; deletes a message only once it was shown."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        show: Callable[[Notification], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._show = show
        self._clock = clock

    def run(self, *, count: int | None = None, timeout: float | None = None) -> int:
        """Until `count` notifications were shown or `timeout` seconds passed (or Ctrl-C); how many were shown."""
        shown = 0
        deadline = None if timeout is None else self._clock() + timeout
        try:
            while count is None or shown < count:
                left = None if deadline is None else deadline - self._clock()
                if left is not None and left <= 0:
                    break
                wanted = 10 if count is None else min(10, count - shown)
                wait = MAX_WAIT_SECONDS if left is None else min(MAX_WAIT_SECONDS, math.ceil(left))
                shown += self._poll(wanted, wait)
        except KeyboardInterrupt:
            pass
        return shown

    def _poll(self, wanted: int, wait_seconds: int) -> int:
        response = self._sqs.receive_message(
            QueueUrl=self._queue_url, MaxNumberOfMessages=wanted, WaitTimeSeconds=wait_seconds
        )
        shown = 0
        for message in response.get("Messages", []):
            try:
                notification = Notification.from_envelope(message["Body"])
            except (KeyError, ValueError):
                notification = Notification("", str(message["Body"]))  # not SNS's envelope: shown as it came
            self._show(notification)
            self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
            shown += 1
        return shown


@contextmanager
def subscribed(connection: Connection, topic_arns: list[str]) -> Iterator[SubscriberQueue]:
    """A queue of its own subscribed to the topics for the block; its subscriptions and the queue are removed
    after it, however it ends."""
    queue = SubscriberQueue(f"{QUEUE_PREFIX}{new_run_id()}")
    sqs, sns = connection.client("sqs"), connection.client("sns")
    try:
        queue.create(sqs, topic_arns, retention_seconds=RETENTION_SECONDS)
        queue.subscribe(sns, topic_arns)
        yield queue
    finally:
        for arn in queue.subscriptions:
            sns.unsubscribe(SubscriptionArn=arn)
        if queue.url:
            sqs.delete_queue(QueueUrl=queue.url)


def _topics(connection: Connection, stack: str, *, operations: bool) -> list[str]:
    outputs = stack_outputs(connection, stack)
    names = [COMPLETED_TOPIC_OUTPUT, FAILED_TOPIC_OUTPUT] + ([OPERATIONS_TOPIC_OUTPUT] if operations else [])
    missing = [name for name in names if name not in outputs]
    if missing:
        raise LookupError(f"stack {stack} has no output {', '.join(missing)}; is it a listdrop stack?")
    return [outputs[name] for name in names]


def _text(notification: Notification, out: TextIO) -> None:
    out.write(notification.as_text() + "\n\n")
    out.flush()


def _json_line(notification: Notification, out: TextIO) -> None:
    """The outcome event the message ends with; a message without one as its topic and text."""
    try:
        line: dict[str, Any] = notification.event
    except (NotANotification, ValueError, KeyError):
        line = {"topicArn": notification.topic_arn, "message": notification.text}
    out.write(json.dumps(line, ensure_ascii=False) + "\n")
    out.flush()


@contextmanager
def _stopped_by_sigterm() -> Iterator[None]:
    """SIGTERM (a script's `kill`) ends the tail as Ctrl-C does, so the queue is still removed."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread (an in-process caller's worker thread)
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)

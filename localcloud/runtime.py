"""Runs the Lambda handlers in-process, and feeds SQS messages to them as Lambda's event source would."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from localcloud import faults
from localcloud.iam.enforcement import acting_as

log = logging.getLogger("localcloud.runtime")


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that Powertools and the handlers read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: int
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _deadline: float = field(default=0.0)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _fresh_handler(handler: str) -> Callable[[Any, Any], Any]:
    """A new copy of the handler's module, as a new execution environment loads it: its module-level state
    (cached clients, the batch processor) belongs to this environment alone. The listdrop package it
    imports is shared, as the code on disk is."""
    module_name, _, attribute = handler.rpartition(".")
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.loader is None:
        raise ImportError(f"no module {module_name!r} for handler {handler!r}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    entry: Callable[[Any, Any], Any] = getattr(module, attribute)
    return entry


@dataclass
class LocalFunction:
    """One Lambda function with up to `concurrency` execution environments, each running one invocation
    at a time (as in AWS); an invocation waits for a free one. An environment whose invocation crashed is
    thrown away, and the next invocation starts a new one."""

    name: str
    arn: str
    handler: str  # module.path.function, as in the template's Handler property
    environment: dict[str, str]
    timeout_seconds: int
    memory_mb: int
    concurrency: int = 1
    role_arn: str | None = None  # its execution role: every AWS call the handler makes is checked against it
    _idle: queue.SimpleQueue[Callable[[Any, Any], Any] | None] = field(default_factory=queue.SimpleQueue)

    def __post_init__(self) -> None:
        for _ in range(self.concurrency):
            self._idle.put(None)  # started on first use (a cold start)

    @property
    def kind(self) -> str:
        """The handler's module name (starter, poller): what fault plans call the function."""
        return self.handler.rsplit(".", 2)[-2]

    def invoke(self, event: Any) -> Any:
        entry = self._idle.get()
        try:
            with acting_as(self.role_arn):
                if entry is None:
                    entry = _fresh_handler(self.handler)
                return self._run(entry, event)
        except FunctionCrashed:
            entry = None  # the runtime died with its environment
            raise
        finally:
            _forget_unpublished_metrics()
            self._idle.put(entry)

    def _run(self, entry: Callable[[Any, Any], Any], event: Any) -> Any:
        context = LambdaContext(self.name, self.arn, self.memory_mb, self.timeout_seconds)
        with faults.running(self.kind, event):
            try:
                return entry(event, context)
            except faults.SimulatedCrash as crash:
                # What the caller of a Lambda whose runtime exited sees: a failed invocation, nothing more.
                raise FunctionCrashed(f"{self.name}: {crash}") from None


def _forget_unpublished_metrics() -> None:
    """The local cloud disables Powertools metrics (no CloudWatch here), but Powertools then keeps every
    value it was given, across invocations, and prints them all once a metric reaches 100 values. Forget
    them after each invocation, as a flush would."""
    from aws_lambda_powertools.metrics.functions import is_metrics_disabled

    if is_metrics_disabled():
        from listdrop.observability import metrics

        metrics.clear_metrics()


class FunctionCrashed(RuntimeError):
    """The function's runtime exited mid-invocation (here: a crash point of the fault plan fired)."""


class SqsEventSource(threading.Thread):
    """Lambda's SQS event source mapping: receive a batch, invoke, delete what succeeded.

    Messages the function reports as failed (ReportBatchItemFailures), and every message of a batch whose
    invocation failed, become visible again after `retry_after_seconds`: the queue's visibility timeout, as
    in AWS. Redrive to the dead-letter queue after maxReceiveCount works as configured.
    """

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        function: LocalFunction,
        batch_size: int,
        region: str,
        retry_after_seconds: int,
    ) -> None:
        super().__init__(name=f"sqs-source-{function.name}", daemon=True)
        self._sqs = sqs
        self._queue_url = queue_url
        self._queue_arn = queue_arn
        self._function = function
        self._batch_size = min(batch_size, 10)
        self._region = region
        self._retry_after = retry_after_seconds
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self._poll_once()
            except Exception:
                if self._stop_event.is_set():
                    return
                log.exception("SQS event source for %s failed; retrying", self._function.name)
                time.sleep(1)

    def _poll_once(self) -> None:
        response = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=self._batch_size,
            WaitTimeSeconds=1,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if not messages:
            return
        event = {"Records": [self._record(message) for message in messages]}
        try:
            result = self._function.invoke(event) or {}
            failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
        except FunctionCrashed as crash:
            log.warning("%s; its batch of %d will be retried", crash, len(messages))
            failed = {message["MessageId"] for message in messages}
        except Exception:
            log.exception("%s failed for a whole batch; every message will be retried", self._function.name)
            failed = {message["MessageId"] for message in messages}
        for message in messages:
            if message["MessageId"] in failed:
                self._sqs.change_message_visibility(
                    QueueUrl=self._queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=self._retry_after,
                )
            else:
                self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        body = message["Body"]
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": body,
            "attributes": message.get("Attributes", {}),
            "messageAttributes": _lambda_message_attributes(message.get("MessageAttributes", {})),
            "md5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - the SQS wire format
            "eventSource": "aws:sqs",
            "eventSourceARN": self._queue_arn,
            "awsRegion": self._region,
        }


def _lambda_message_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """SQS's ReceiveMessage spelling (StringValue, DataType) in the Lambda event's (stringValue, dataType)."""
    return {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": value.get("BinaryListValues", []),
            "dataType": value.get("DataType"),
        }
        for name, value in attributes.items()
    }

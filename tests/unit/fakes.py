"""Fakes for the starter's and poller's collaborators: small, honest, with the behaviour the logic relies on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any

from botocore.exceptions import ClientError

from listdrop.errors import RejectedFile
from listdrop.models import FileShape, JobState, JobStatus, Route
from listdrop.providers.base import ImportRequest


@dataclass
class FakeStepFunctions:
    """Start-execution semantics that matter here: a name is used once, ever."""

    executions: dict[str, str] = field(default_factory=dict)
    calls: int = 0
    fail_next: bool = False

    def start_execution(self, *, stateMachineArn: str, name: str, input: str) -> dict[str, Any]:
        self.calls += 1
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("simulated crash before the execution started")
        if name in self.executions:
            raise ClientError({"Error": {"Code": "ExecutionAlreadyExists", "Message": name}}, "StartExecution")
        self.executions[name] = input
        return {"executionArn": f"{stateMachineArn}:{name}"}


@dataclass
class FakeProvider:
    name: str = "ses-import"
    min_start_interval_seconds: float = 0.0
    cancelled: list[str] = field(default_factory=list)
    cancel_error: Exception | None = None
    started: list[ImportRequest] = field(default_factory=list)
    statuses: list[JobStatus] = field(default_factory=list)
    missing_lists: set[str] = field(default_factory=set)
    start_error: Exception | None = None

    def verify_destination(self, route: Route, shape: FileShape) -> None:
        if route.destination.name in self.missing_lists:
            raise RejectedFile(
                "UNKNOWN_CONTACT_LIST", f"The SES contact list '{route.destination.name}' does not exist."
            )

    crash_after_start: Exception | None = None  # the job is created, then the caller dies before hearing of it
    lookups: list[datetime] = field(default_factory=list)
    find_error: Exception | None = None

    def start(self, request: ImportRequest) -> str:
        if self.start_error is not None:
            raise self.start_error
        self.started.append(request)
        if self.crash_after_start is not None:
            crash, self.crash_after_start = self.crash_after_start, None
            raise crash
        return f"job-{len(self.started)}"

    def find_started(self, request: ImportRequest, *, since: datetime) -> str | None:
        self.lookups.append(since)
        if self.find_error is not None:
            raise self.find_error
        for number, earlier in enumerate(self.started, start=1):
            if earlier.source.uri == request.source.uri:
                return f"job-{number}"
        return None

    def status(self, job_id: str) -> JobStatus:
        return self.statuses.pop(0) if self.statuses else JobStatus(JobState.RUNNING, "PROCESSING")

    def cancel(self, job_id: str) -> None:
        self.cancelled.append(job_id)
        if self.cancel_error is not None:
            raise self.cancel_error


@dataclass
class FakeReports:
    copied: list[tuple[str, str]] = field(default_factory=list)
    file_names: list[str] = field(default_factory=list)
    error: Exception | None = None

    def copy(self, url: str, tracking_id: str, file_name: str = "failed-records.csv") -> str:
        if self.error is not None:
            raise self.error
        self.copied.append((url, tracking_id))
        self.file_names.append(file_name)
        return f"s3://bucket/reports/{tracking_id}/{file_name}"


def s3_event(bucket: str, key: str, version: str | None = "v1", size: int = 10, name: str = "ObjectCreated:Put"):
    from urllib.parse import quote_plus

    obj: dict[str, Any] = {"key": quote_plus(key), "size": size, "sequencer": "00A1"}
    if version:
        obj["versionId"] = version
    return {"Records": [{"eventName": name, "s3": {"bucket": {"name": bucket}, "object": obj}}]}


class MemorySink:
    """A sink (listdrop.validation.sinks) that keeps what was written; `on_write` runs before each write."""

    def __init__(self, on_write=None) -> None:
        self.parts: list[str] = []
        self.part_starts: list[int] = []
        self.closed = self.aborted = False
        self._on_write = on_write

    def write(self, text: str) -> None:
        if self._on_write is not None:
            self._on_write()
        self.parts.append(text)

    def next_part(self, header: str) -> None:
        self.part_starts.append(len(self.parts))
        self.write(header)

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def part_texts(self) -> list[str]:
        """The text of each part the checker started (RecordSink.next_part)."""
        bounds = [0, *self.part_starts, len(self.parts)]
        return ["".join(self.parts[start:end]) for start, end in pairwise(bounds)]


def register_stack(outputs: dict[str, str], name: str = "Listdrop") -> None:
    """A CloudFormation stack (moto) whose outputs are `outputs`, as a deployed stack's are; no real resources."""
    import json

    import boto3

    template = {
        "Resources": {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation", region_name="us-east-1").create_stack(
        StackName=name, TemplateBody=json.dumps(template)
    )

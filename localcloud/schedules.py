"""EventBridge Scheduler's schedules of the template, run on demand: what Scheduler does when one comes due.

Only the target listdrop synthesizes (infra/constructs/schedules.py) is run: the S3 PutObject universal target. The
context attributes Scheduler substitutes in a target's Input ("Adding context attributes",
https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html) get the values of
this run (the scheduled time is now, to the second, as in the page's example 2022-03-22T18:59:43Z), and the call is
made as the schedule's role, so the local IAM enforcement judges it as AWS would judge Scheduler's.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from infra.export_schedules import SCHEDULED_PREFIX
from localcloud.iam.enforcement import acting_as
from localcloud.template import Resolver

PUT_OBJECT = ":scheduler:::aws-sdk:s3:putObject"


class ScheduleNotFound(KeyError):
    pass


class LocalSchedules:
    def __init__(self, resolver: Resolver, s3_client: Callable[[], Any]) -> None:
        self._resolver = resolver
        self._s3_client = s3_client
        self._schedules = {
            _name(resolver, logical_id): resource
            for logical_id, resource in resolver.of_type("AWS::Scheduler::Schedule").items()
        }

    def describe(self) -> list[dict[str, str]]:
        return [
            {"name": name, "schedule": str(resource["Properties"]["ScheduleExpression"])}
            for name, resource in sorted(self._schedules.items())
        ]

    def run(self, name: str, now: datetime | None = None) -> dict[str, str]:
        """PutObject as the schedule's target would; answers the name, the scheduled time and the key written."""
        if name not in self._schedules:
            raise ScheduleNotFound(name)
        target = self._resolver.resolve(self._schedules[name]["Properties"]["Target"])
        if not str(target["Arn"]).endswith(PUT_OBJECT):
            raise ValueError(f"schedule {name!r}: only the S3 PutObject universal target runs here")
        scheduled = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        execution_id = uuid.uuid4().hex[:16]
        text = str(target["Input"])
        for attribute, value in (
            ("scheduled-time", scheduled),
            ("execution-id", execution_id),
            ("attempt-number", "1"),
            (
                "schedule-arn",
                f"arn:aws:scheduler:{self._resolver.region}:{self._resolver.account}:schedule/default/{name}",
            ),
        ):
            text = text.replace(f"<aws.scheduler.{attribute}>", value)
        parameters = json.loads(text)
        parameters["Body"] = parameters["Body"].encode()
        with acting_as(str(target["RoleArn"])):
            self._s3_client().put_object(**parameters)
        return {"name": name, "scheduledTime": scheduled, "key": parameters["Key"]}


def _name(resolver: Resolver, logical_id: str) -> str:
    """The schedule's name in listdrop:exportSchedules: the folder its target writes to."""
    target = resolver.resolve(resolver.of_type("AWS::Scheduler::Schedule")[logical_id]["Properties"]["Target"])
    key = str(json.loads(target["Input"])["Key"])
    return key.split(SCHEDULED_PREFIX, 1)[1].split("/", 1)[0]  # <name>/<execution id>/<name>.json

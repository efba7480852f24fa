"""The few places where moto 5.2.5 differs from AWS in ways the pipeline depends on, mended in-process.

1. S3 event notifications lack `versionId` and `sequencer`, which real S3 sends (listdrop keys its
   idempotency on the object version).
2. EventBridge rules cannot target SNS topics (moto refuses the target type): deliver to moto's SNS backend,
   applying the target's input transformer by EventBridge's documented rules (localcloud/input_transformer.py);
   PutTargets refuses a transformer those rules do not allow, as AWS does (moto stores any).
3. Lambda invocations (here: the Step Functions task that calls the poller) need Docker: dispatch them
   to the in-process runtime instead.
4. SetAlarmState changes an alarm's state but runs none of its actions: publish to the alarm's SNS actions
   as CloudWatch does (deliver_alarm_actions).
5. Step Functions' States.ALL catches States.Runtime and States.DataLimitExceeded in moto, not in AWS: they
   fail the execution here too.
Each patch is applied once per process and is idempotent.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from localcloud import input_transformer
from localcloud.iam import services

_applied = False
_lock = threading.Lock()

# function name -> callable(event) -> result; filled by localcloud.runtime
LAMBDA_DISPATCH: dict[str, Callable[[Any], Any]] = {}


def apply() -> None:
    global _applied
    with _lock:
        if _applied:
            return
        _patch_s3_events()
        _patch_eventbridge_sns_targets()
        _patch_lambda_invoke()
        _patch_eventbridge_put_targets()
        _patch_stepfunctions_uncatchable_errors()
        _patch_cloudwatch_alarm_actions()
        _applied = True


# -- 1. S3 event notifications ---------------------------------------------------------------------


def _patch_s3_events() -> None:
    from moto.s3 import notifications

    original = notifications._get_s3_event
    sequence = itertools.count(1)

    def get_s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
        event = original(event_name, bucket, key, notification_id)
        s3_object = event["Records"][0]["s3"]["object"]
        if getattr(bucket, "is_versioned", False) and getattr(key, "version_id", None):
            s3_object["versionId"] = key.version_id
        s3_object["sequencer"] = f"{next(sequence):016X}"
        return event

    notifications._get_s3_event = get_s3_event


# -- 2. EventBridge -> SNS ------------------------------------------------------------------------


def iso_time(moment: Any) -> str:
    """EventBridge's timestamp layout, `2026-11-30T06:00:00Z`: the event's `time` ("time": "2015-11-11T21:29:54Z"
    in the events of https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html) and
    `aws.events.event.ingestion-time` ("an ISO 8601 timestamp", same page). moto 5.2.5's PutEvents stamps both as
    epoch seconds (a float); a time given as text is kept."""
    if isinstance(moment, str) and not moment.replace(".", "", 1).isdigit():
        return moment
    return datetime.fromtimestamp(float(moment), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_delivered(event: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The event as EventBridge delivers it (its `time` in ISO 8601, without moto's own `ingestion-time` field,
    which no AWS event has), and its ingestion time for the input transformer."""
    delivered = {name: value for name, value in event.items() if name != "ingestion-time"}
    if "time" in delivered:
        delivered["time"] = iso_time(delivered["time"])
    return delivered, iso_time(event.get("ingestion-time", event.get("time", 0)))


def render_input(target: dict[str, Any], event: dict[str, Any], *, rule_arn: str = "", rule_name: str = "") -> str:
    """What EventBridge sends to a target: its constant input, the part of the event its input path selects, its
    input transformer's rendering by EventBridge's rules (localcloud/input_transformer.py; it raises on a
    template EventBridge refuses), or the event itself (as_delivered: AWS's timestamps)."""
    event, ingestion_time = as_delivered(event)
    if "Input" in target:
        return str(target["Input"])
    if "InputPath" in target:
        found, value = input_transformer.lookup(event, target["InputPath"])
        return json.dumps(value if found else None)
    transformer = target.get("InputTransformer")
    if not transformer:
        return json.dumps(event)
    return input_transformer.render(
        transformer, event, rule_arn=rule_arn, rule_name=rule_name, ingestion_time=ingestion_time
    )


def _patch_eventbridge_put_targets() -> None:
    """PutTargets refuses an input transformer that breaks EventBridge's rules; moto 5.2.5 stores any. Refuse it
    here, when the local cloud provisions the rule, with the error AWS answers (ValidationException)."""
    from moto.events.exceptions import ValidationException
    from moto.events.models import EventsBackend

    original = EventsBackend.put_targets

    def put_targets(self: Any, name: str, event_bus_arn: str | None, targets: list[dict[str, Any]]) -> None:
        for target in targets:
            if target.get("InputTransformer"):
                try:
                    input_transformer.check(target["InputTransformer"], str(target.get("Id", "")))
                except input_transformer.TemplateRefused as refused:
                    raise ValidationException(str(refused)) from None
        original(self, name, event_bus_arn, targets)

    EventsBackend.put_targets = put_targets  # type: ignore[method-assign]  # patching moto on purpose


def _patch_eventbridge_sns_targets() -> None:
    from moto.events import models as events_models
    from moto.sns.models import sns_backends
    from moto.utilities.arns import parse_arn

    original = events_models.Rule.send_to_targets

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        sns_targets = [t for t in self.targets if parse_arn(t["Arn"]).service == "sns"]
        if sns_targets and self.event_pattern.matches_event(original_event):
            for target in sns_targets:
                if not services.publish_to_topic(services.EVENTBRIDGE, target["Arn"], self.arn):
                    continue  # AWS would count a failed invocation; nothing reaches the topic
                arn = parse_arn(target["Arn"])
                message = render_input(target, original_event, rule_arn=self.arn, rule_name=self.name)
                sns_backends[arn.account][arn.region].publish(message=message, arn=target["Arn"])
        others = [t for t in self.targets if parse_arn(t["Arn"]).service != "sns"]
        if others:
            saved = self.targets
            self.targets = others
            try:
                original(self, original_event, transform_input)
            finally:
                self.targets = saved

    events_models.Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]  # patching moto on purpose


# -- 3. Lambda invoke -----------------------------------------------------------------------------


def _patch_lambda_invoke() -> None:
    from moto.awslambda_simple.models import LambdaSimpleBackend

    original = LambdaSimpleBackend.invoke

    def invoke(
        self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
    ) -> bytes | str | None:
        name = function_name.split(":function:")[-1].split(":")[0]
        handler = LAMBDA_DISPATCH.get(name)
        if handler is None:
            return original(self, function_name, qualifier, body, headers, response_headers)
        event = json.loads(body) if body else {}
        try:
            result = handler(event)
        except Exception as error:  # the Lambda runtime reports any exception as a function error
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(
                {
                    "errorMessage": str(error),
                    "errorType": type(error).__name__,
                    "stackTrace": traceback.format_tb(error.__traceback__),
                }
            ).encode()
        return json.dumps(result).encode()

    LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]  # patching moto on purpose


# -- 4. CloudWatch alarm actions ------------------------------------------------------------------


def _patch_cloudwatch_alarm_actions() -> None:
    """SetAlarmState: "When the updated state differs from the previous value, the action configured for the
    appropriate state is invoked" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html).
    moto 5.2.5 (moto/cloudwatch/models.py, CloudWatchBackend.set_alarm_state) only records the new state."""
    from moto.cloudwatch.models import CloudWatchBackend

    original = CloudWatchBackend.set_alarm_state

    def set_alarm_state(self: Any, alarm_name: str, reason: str, reason_data: str, state_value: str) -> None:
        alarm = self.alarms.get(alarm_name)
        previous = alarm.state_value if alarm is not None else None
        original(self, alarm_name, reason, reason_data, state_value)
        if previous is not None and previous != state_value:
            deliver_alarm_actions(self.alarms[alarm_name], previous, self.account_id, self.region_name)

    CloudWatchBackend.set_alarm_state = set_alarm_state  # type: ignore[method-assign]  # patching moto on purpose


def deliver_alarm_actions(alarm: Any, previous_state: str, account_id: str, region: str) -> None:
    """What CloudWatch does when an alarm changes state: publish the alarm notification to each SNS topic among
    the new state's actions (other action types are not emulated). The one place where CloudWatch, as the
    principal cloudwatch.amazonaws.com, publishes to a topic.

    The message is CloudWatch's JSON alarm notification. AWS documents no schema for it; the fields and their
    layout follow AWS's own sample payload in aws-lambda-go (events/sns.go, CloudWatchAlarmSNSPayload, and
    events/testdata/cloudwatch-alarm-sns-payload-single-metric.json), the subject `ALARM: "<name>" in <Region
    name>` the notifications CloudWatch sends. A failed delivery is logged, as CloudWatch records it in the
    alarm's history; it never fails the state change.
    """
    if not alarm.actions_enabled:
        return
    actions = {
        "ALARM": alarm.alarm_actions,
        "OK": alarm.ok_actions,
        "INSUFFICIENT_DATA": alarm.insufficient_data_actions,
    }[alarm.state_value]
    from moto.sns.models import sns_backends
    from moto.utilities.arns import parse_arn

    region_name = _region_name(region)
    message = {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": account_id,
        "AlarmConfigurationUpdatedTimestamp": _alarm_time(alarm.configuration_updated_timestamp),
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": _alarm_time(alarm.state_updated_timestamp),
        "Region": region_name,
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": previous_state,
        "OKActions": list(alarm.ok_actions),
        "AlarmActions": list(alarm.alarm_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
        "Trigger": {
            "MetricName": alarm.metric_name,
            "Namespace": alarm.namespace,
            "StatisticType": "ExtendedStatistic" if alarm.extended_statistic else "Statistic",
            "Statistic": (alarm.extended_statistic or alarm.statistic or "").upper(),
            "Unit": alarm.unit,
            "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
            "Period": alarm.period,
            "EvaluationPeriods": alarm.evaluation_periods,
            "ComparisonOperator": alarm.comparison_operator,
            "Threshold": float(alarm.threshold) if alarm.threshold is not None else None,
            "TreatMissingData": alarm.treat_missing_data or "",
            "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile or "",
        },
    }
    subject = f'{alarm.state_value}: "{alarm.name}" in {region_name}'[:100]  # SNS subjects hold 100 characters
    for action in actions:
        arn = parse_arn(action)
        if arn.service != "sns":
            continue
        if not services.publish_to_topic(services.CLOUDWATCH, action, alarm.alarm_arn):
            logging.getLogger("localcloud").warning("alarm %s: not authorized to publish to %s", alarm.name, action)
            continue  # CloudWatch records the failed action in the alarm's history
        try:
            sns_backends[arn.account][arn.region].publish(message=json.dumps(message), arn=action, subject=subject)
        except Exception as error:  # CloudWatch keeps the alarm's state and records the failed action
            logging.getLogger("localcloud").warning("alarm %s: action %s failed: %s", alarm.name, action, error)


def _alarm_time(moment: Any) -> str:
    """CloudWatch's timestamp layout in alarm notifications: 2026-11-29T22:39:21.123+0000."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}+0000"


def _region_name(region: str) -> str:
    """The region's long name ("US East (N. Virginia)"), as the notification's Region field and subject give it."""
    import botocore.session

    for partition in botocore.session.get_session().get_data("endpoints")["partitions"]:
        if region in partition["regions"]:
            return str(partition["regions"][region].get("description", region))
    return region


# -- 5. Step Functions: errors that States.ALL does not catch ------------------------------------------

# "States.ALL ... can't catch the States.DataLimitExceeded terminal error or the Runtime error types", and "a
# States.Runtime error isn't retriable, and will always cause the execution to fail"
# (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). moto 5.2.5's engine lets
# States.ALL match them (moto/stepfunctions/parser/asl/component/common/error_name/error_equals_decl.py), and
# reports a JSONPath missing from a Task's Parameters as the service's own error (DynamoDB.AmazonDynamoDBException,
# a catchable one), where AWS fails with States.Runtime. Both are mended here, so a workflow whose catch path hides
# a missing JSONPath fails here as it would in AWS.


def _patch_stepfunctions_uncatchable_errors() -> None:
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_factory,  # noqa: F401 - loads every Task class, so each is mended below
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.parser.asl.utils.json_path import NoSuchJsonPathError

    runtime = StatesErrorNameType.StatesRuntime
    data_limit = StatesErrorNameType.StatesStatesDataLimitExceeded
    original_match = ErrorEqualsDecl._eval_body

    def match(self: Any, env: Any) -> None:
        error = env.stack[-1]  # what the retrier or catcher is asked to match (original_match pops it)
        kind = error.typ if isinstance(error, StatesErrorName) else None
        matches_all = any(
            isinstance(name, StatesErrorName) and name.typ is StatesErrorNameType.StatesALL for name in self.error_names
        )
        if kind is runtime or (kind is data_limit and matches_all):
            env.stack.pop()
            env.stack.append(False)
            return
        original_match(self, env)

    ErrorEqualsDecl._eval_body = match  # type: ignore[method-assign]  # patching moto on purpose

    def runtime_failure(env: Any, cause: str) -> Any:
        return FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=runtime),
            event_type=HistoryEventType.TaskFailed,
            # moto declares every key of EventDetails required; its own states pass only theirs, as here.
            event_details=EventDetails(  # type: ignore[typeddict-item]
                taskFailedEventDetails=TaskFailedEventDetails(error=runtime.to_name(), cause=cause)
            ),
        )

    def mend(state_class: Any) -> None:
        own = state_class.__dict__.get("_from_error")
        if own is not None:

            def from_error(self: Any, env: Any, ex: Exception, _own: Any = own) -> Any:
                if isinstance(ex, NoSuchJsonPathError):
                    return runtime_failure(env, f"The JSONPath could not be found in the input: {ex}")
                if isinstance(ex, FailureEventException) and getattr(ex.failure_event.error_name, "typ", None) in (
                    runtime,
                    data_limit,
                ):
                    return ex.failure_event
                return _own(self, env, ex)

            state_class._from_error = from_error
        for subclass in state_class.__subclasses__():
            mend(subclass)

    mend(ExecutionState)

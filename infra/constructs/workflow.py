"""The state machine that polls a job to its end and publishes exactly one outcome event.

Its paths, each ending in one published event (tests/infra/test_pipeline_shape.py walks them):

- the starter already decided the outcome (a rejected file, a refused job): publish it;
- wait, poll, wait longer, poll, ... until the poller returns a final state: publish its outcome;
- the poller itself fails (a crash, a timeout): note it, back off (the blind wait the poller precomputed for its
  next poll, `poll.backoffSeconds`, then twice that each time, up to the cap), poll again, within the same
  status-unreadable window as an unreadable job status and never past the deadline. The poller precomputes when
  that is (`poll.giveUpAt`, see listdrop.poll_schedule.give_up_at), since Step Functions can compare times but not
  add to them. Past it, build a STATUS_UNREADABLE outcome here, record it in the job table, publish it.

Before publishing, the outcome is serialized into the event itself (`detail.eventJson`): the notifications'
templates may not embed the event (infra/constructs/notifications.py), so they carry this copy instead.

Step Functions rules this relies on (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html):
`States.ALL` catches neither `States.Runtime` (for example a JSONPath that is not in the input) nor
`States.DataLimitExceeded` (a payload over 256 KiB). No path may depend on catching them: every field that may be
missing is tested with IsPresent before it is read, and the state stays far below 256 KiB (the caught error's
Cause, up to 32 KiB, is dropped right after the catch). The local cloud fails executions on them as AWS does
(localcloud/patches.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from listdrop.job_store import Attribute, ClaimStatus
from listdrop.poll_schedule import BACKOFF_SECONDS as POLL_BACKOFF_SECONDS
from listdrop.poll_schedule import GIVE_UP_AT as POLL_GIVE_UP_AT
from listdrop.poll_schedule import MAX_WAIT_SECONDS as POLL_MAX_WAIT_SECONDS
from listdrop.poll_schedule import POLL
from listdrop.poll_schedule import RUNNING as POLL_RUNNING
from listdrop.poll_schedule import STATE as POLL_STATUS
from listdrop.poll_schedule import WAIT_SECONDS as POLL_WAIT_SECONDS

from .. import nag
from ..config import HistoryCosts, ListdropConfig, check_history_limit
from ..constants import EVENT_SOURCE

JsonPath = sfn.JsonPath
Condition = sfn.Condition

# A JSON null in Parameters: CDK drops None values, and a literal null is part of the event schema.
NULL = "States.StringToJson('null')"

WAIT_STATE = "Wait for job"
POLL_STATE = "Poll job"
BUILD_UNREADABLE_STATE = "Build status-unreadable outcome"
RECORD_STATE = "Record the outcome"
PUBLISH_STATE = "Publish outcome"

# Where the workflow reads the poll schedule's state (listdrop.poll_schedule owns it: the starter seeds it, each poll
# returns the next one). The failure loop below waits the backoff and doubles it up to the cap itself.
POLL_PATH = f"$.{POLL}"
POLL_STATUS_PATH = f"{POLL_PATH}.{POLL_STATUS}"
WAIT_SECONDS_PATH = f"{POLL_PATH}.{POLL_WAIT_SECONDS}"
MAX_WAIT_SECONDS_PATH = f"{POLL_PATH}.{POLL_MAX_WAIT_SECONDS}"
GIVE_UP_AT_PATH = f"{POLL_PATH}.{POLL_GIVE_UP_AT}"
BACKOFF_SECONDS_PATH = f"{POLL_PATH}.{POLL_BACKOFF_SECONDS}"


class JobWorkflow(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        poller: lambda_.IFunction,
        bus: events.IEventBus,
        table: dynamodb.ITableV2,
        config: ListdropConfig,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        self._bus = bus
        self._table = table
        self._config = config
        publish = self._build_publish_outcome()

        wait = sfn.Wait(self, WAIT_STATE, time=sfn.WaitTime.seconds_path(WAIT_SECONDS_PATH))
        poll = self._build_poll(poller)
        poll.add_catch(self._build_poller_failure_loop(wait, publish), errors=["States.ALL"], result_path="$.error")
        decide = (
            sfn.Choice(self, "Job finished?")
            .when(Condition.string_equals(POLL_STATUS_PATH, POLL_RUNNING), wait)
            .otherwise(publish)
        )
        # An execution input written before the backoff existed (a starter's stored input, resumed) gets the first
        # wait as its backoff, so the failure loop never reads a missing field (a States.Runtime error).
        fill_backoff = sfn.Pass(
            self, "Start the backoff at the first wait", input_path=WAIT_SECONDS_PATH, result_path=BACKOFF_SECONDS_PATH
        )
        fill_backoff.next(wait)
        start = (
            sfn.Choice(self, "Ended before any job?")
            .when(Condition.is_present("$.outcome"), publish)
            .when(Condition.is_present(BACKOFF_SECONDS_PATH), wait)
            .otherwise(fill_backoff)
        )
        wait.next(poll).next(decide)

        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
        # Polling ends by the deadline (jobMaxDurationSeconds); a poller that never answered is given the
        # status-unreadable window from its first failure. An hour more for the last waits and the publishing.
        longest = max(config.job_max_duration_seconds, config.status_unreadable_seconds)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            comment="listdrop: poll one import job to its end and publish its outcome",
            definition_body=sfn.DefinitionBody.from_chainable(start),
            state_machine_type=sfn.StateMachineType.STANDARD,
            timeout=Duration.seconds(longest).plus(Duration.hours(1)),
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
        )
        # Step Functions fails a Standard execution whose history reaches 25,000 events: refuse settings that
        # could, counting on the very definition deployed.
        check_history_limit(config, history_costs(self._definition()))
        nag.wildcard(
            self.state_machine.role,
            "*",
            f"{nag.XRAY} CloudWatch Logs delivery actions (logs:CreateLogDelivery and the like) that Step "
            "Functions needs for execution logging also support no resource-level permissions.",
        )
        nag.wildcard(
            self.state_machine.role,
            f"{nag.arn_of(poller)}:*",
            "CDK's Lambda task grants invoke on the poller's versions and aliases as well as the function.",
        )

    def _definition(self) -> dict[str, Any]:
        """The state machine's definition as synthesized, with the ARNs it joins in left as placeholders."""
        cfn = self.state_machine.node.default_child
        assert isinstance(cfn, sfn.CfnStateMachine)
        joined = Stack.of(self).resolve(cfn.definition_string)
        parts = joined["Fn::Join"][1] if isinstance(joined, dict) else [joined]
        definition: dict[str, Any] = json.loads("".join(p if isinstance(p, str) else "ARN" for p in parts))
        return definition

    def _build_poll(self, poller: lambda_.IFunction) -> tasks.LambdaInvoke:
        # Lambda's own transient errors are retried here (CDK's retry of Lambda service exceptions). Every other
        # failure of the poller (a crash, a timeout, the job table unreachable) goes to the failure loop, which
        # backs off like the polling itself and gives up only past the status-unreadable window or the deadline.
        return tasks.LambdaInvoke(
            self,
            POLL_STATE,
            lambda_function=poller,
            payload=sfn.TaskInput.from_json_path_at("$"),
            output_path="$.Payload",
            retry_on_service_exceptions=True,
        )

    def _build_poller_failure_loop(self, wait: sfn.Wait, publish: sfn.IChainable) -> sfn.IChainable:
        """Note the failure, give up when its time has come, else back off and poll again.

        `pollerFailure` holds when the poller first failed (`since`), the last failure (`at`, `error`), and the
        seconds of waiting scheduled since the first one (`waitedSeconds`). The poller drops it when it runs again.
        """
        failure = {
            "since.$": "$.pollerFailure.since",
            "waitedSeconds.$": "$.pollerFailure.waitedSeconds",
            "at.$": "$$.State.EnteredTime",
            "error.$": "$.error.Error",
            # Wait the backoff (the blind wait the poller precomputed) and double it for the next failure, up to the
            # longest (Step Functions has no min()). Doubling keeps each wait at least the blind one at its time,
            # which infra/config.py's worst_case_polls relies on.
            "doubled": {
                f"{POLL_WAIT_SECONDS}.$": BACKOFF_SECONDS_PATH,
                f"{POLL_BACKOFF_SECONDS}.$": f"States.MathAdd({BACKOFF_SECONDS_PATH}, {BACKOFF_SECONDS_PATH})",
            },
            "longest": {
                f"{POLL_WAIT_SECONDS}.$": MAX_WAIT_SECONDS_PATH,
                f"{POLL_BACKOFF_SECONDS}.$": MAX_WAIT_SECONDS_PATH,
            },
        }
        count = sfn.Pass(self, "Note the poller failure", parameters=failure, result_path="$.pollerFailure")
        first = sfn.Pass(
            self,
            "Note the first poller failure",
            parameters={"since.$": "$$.State.EnteredTime", "waitedSeconds": 0},
            result_path="$.pollerFailure",
        ).next(count)
        failed_before = (
            sfn.Choice(self, "Poller failed before?")
            .when(Condition.is_present("$.pollerFailure.since"), count)
            .otherwise(first)
        )

        def back_off(construct_id: str, wait_field: str) -> sfn.Chain:
            return sfn.Pass(
                self,
                construct_id,
                # The whole state, rebuilt: the catch's error (with its Cause, up to 32 KiB) is left behind.
                parameters={
                    "upload.$": "$.upload",
                    f"{POLL}.$": f"States.JsonMerge({POLL_PATH}, $.pollerFailure.{wait_field}, false)",
                    "pollerFailure": {
                        "since.$": "$.pollerFailure.since",
                        "at.$": "$.pollerFailure.at",
                        "error.$": "$.pollerFailure.error",
                        "waitedSeconds.$": (
                            "States.MathAdd($.pollerFailure.waitedSeconds, "
                            f"$.pollerFailure.{wait_field}.{POLL_WAIT_SECONDS})"
                        ),
                    },
                },
            ).next(wait)

        backing_off = (
            sfn.Choice(self, "Back off how far?")
            .when(
                Condition.number_greater_than_json_path(
                    f"$.pollerFailure.doubled.{POLL_WAIT_SECONDS}", MAX_WAIT_SECONDS_PATH
                ),
                back_off("Wait the longest", "longest"),
            )
            .otherwise(back_off("Wait the backoff", "doubled"))
        )
        give_up = self._build_status_unreadable_outcome(publish)
        # Both are UTC ISO 8601 times that agree up to the seconds ('2026-11-29T10:15:00Z' from the poller,
        # '2026-11-29T10:15:00.123Z' from Step Functions), so comparing them as strings compares the times.
        past_window = (
            sfn.Choice(self, "Past the window or the deadline?")
            .when(Condition.string_greater_than_equals_json_path("$.pollerFailure.at", GIVE_UP_AT_PATH), give_up)
            .otherwise(backing_off)
        )
        time_up = (
            sfn.Choice(self, "Stop waiting for the poller?")
            .when(Condition.is_present(GIVE_UP_AT_PATH), past_window)
            # The poller never answered for this upload, so it precomputed nothing: count the waits instead.
            .when(
                Condition.number_greater_than_equals(
                    "$.pollerFailure.waitedSeconds", self._config.status_unreadable_seconds
                ),
                give_up,
            )
            .otherwise(backing_off)
        )
        count.next(time_up)
        return failed_before

    def _build_publish_outcome(self) -> sfn.IChainable:
        copy = sfn.Pass(
            self,
            "Copy the outcome for the notifications",
            parameters={"eventJson.$": "States.JsonToString($.outcome)"},
            result_path="$.notification",
        )
        attach = sfn.Pass(
            self,
            "Attach the copy to the event",
            parameters={
                "detailType.$": "$.outcome.detailType",
                "detail.$": "States.JsonMerge($.outcome.detail, $.notification, false)",
            },
            result_path="$.outcome",
        )
        publish = tasks.EventBridgePutEvents(
            self,
            PUBLISH_STATE,
            entries=[
                tasks.EventBridgePutEventsEntry(
                    event_bus=self._bus,
                    source=EVENT_SOURCE,
                    detail_type=JsonPath.string_at("$.outcome.detailType"),
                    detail=sfn.TaskInput.from_json_path_at("$.outcome.detail"),
                )
            ],
            result_path=JsonPath.DISCARD,
        )
        publish.add_retry(errors=["States.ALL"], interval=Duration.seconds(2), backoff_rate=2, max_attempts=6)
        return copy.next(attach).next(publish).next(sfn.Succeed(self, "Outcome published"))

    def _build_status_unreadable_outcome(self, publish: sfn.IChainable) -> sfn.IChainable:
        """The poller failed for good: build the failure outcome here, since the poller cannot, and record it."""
        # The sentence parts and checked-rows lines the starter precomputed (listdrop.upload.Upload.to_state,
        # `notice`). An execution input written before they existed (a redelivery restarting a stored input) has
        # none, and a JSONPath into a missing field would be a States.Runtime error that no catch can handle: such
        # an input gets the plain wording instead.
        show_checks = sfn.Pass(
            self,
            "Show the checks",
            parameters={
                "what.$": "$.upload.notice.what",
                "rows.$": "$.upload.notice.rows",
                "rowReport.$": "$.upload.notice.rowReport",
            },
            result_path="$.noticeLines",
        )
        no_checks = sfn.Pass(
            self,
            "No checks to show",
            parameters={
                "what": JsonPath.format(
                    "{} into {} from {}",
                    JsonPath.string_at("$.upload.action"),
                    JsonPath.string_at("$.upload.destination.label"),
                    JsonPath.string_at("$.upload.source.uri"),
                ),
                "rows": "none",
                "rowReport": "none",
            },
            result_path="$.noticeLines",
        )
        reason = JsonPath.format(
            "listdrop could not read the job status: its poller kept failing from {} to {} (last error: {}).",
            JsonPath.string_at("$.pollerFailure.since"),
            JsonPath.string_at("$.pollerFailure.at"),
            JsonPath.string_at("$.pollerFailure.error"),
        )
        build = sfn.Pass(
            self,
            BUILD_UNREADABLE_STATE,
            parameters={
                "upload.$": "$.upload",
                "outcome": {
                    "detailType.$": "States.Format('{} Failed', $.upload.jobKind)",
                    "detail": {
                        "schemaVersion": "1",
                        "trackingId.$": "$.upload.trackingId",
                        "outcome": "FAILED",
                        "provider.$": "$.upload.provider",
                        "providerJobId.$": "$.upload.jobId",
                        "providerStatus.$": NULL,
                        "destination.$": "$.upload.destination",
                        "action.$": "$.upload.action",
                        "dataFormat.$": "$.upload.dataFormat",
                        "source.$": "$.upload.source",
                        "records": {"processed": 0, "failed": 0},
                        "parts.$": NULL,
                        "sync.$": NULL,
                        "failureReport.$": NULL,
                        "result.$": NULL,
                        "providerProgress.$": NULL,
                        "checks.$": "$.upload.validation",
                        "startedAt.$": "$.upload.startedAt",
                        "endedAt.$": "$$.State.EnteredTime",
                        "durationSeconds.$": NULL,
                        "reasonCode": "STATUS_UNREADABLE",
                        "reason": reason,
                        # Only fields the starter always sets: States.Format fails on a null argument.
                        "summary": JsonPath.format(
                            "FAILED: {}: the job status could not be read.", JsonPath.string_at("$.noticeLines.what")
                        ),
                        "notice": {
                            "destination.$": "$.upload.destination.label",
                            "records": "unknown",
                            "report": "none",
                            "result": "none",
                            "reason": reason,
                            "rows.$": "$.noticeLines.rows",
                            "rowReport.$": "$.noticeLines.rowReport",
                        },
                    },
                },
            },
        )
        show_checks.next(build)
        no_checks.next(build)
        build.next(self._build_record_outcome(publish))
        return (
            sfn.Choice(self, "Checks to show?")
            .when(Condition.is_present("$.upload.notice.what"), show_checks)
            .otherwise(no_checks)
        )

    def _build_record_outcome(self, publish: sfn.IChainable) -> tasks.DynamoUpdateItem:
        """Write the outcome to the job table as the poller does (listdrop.job_store.JobStore.mark_finished), so
        `listdrop jobs` shows the upload ended. Only over a job still STARTED: an outcome the poller recorded
        before it failed is kept. Publishing follows whatever happens here: the event must go out."""
        value = tasks.DynamoAttributeValue
        record = tasks.DynamoUpdateItem(
            self,
            RECORD_STATE,
            table=self._table,
            key={Attribute.TRACKING_ID: value.from_string(JsonPath.string_at("$.upload.trackingId"))},
            update_expression=(
                f"SET #s = :outcome, {Attribute.PROVIDER_STATUS} = :ps, {Attribute.PROCESSED_RECORDS} = :p, "
                f"{Attribute.FAILED_RECORDS} = :f, {Attribute.FAILURE_REPORT} = :report, {Attribute.REASON} = :reason, "
                f"{Attribute.REASON_CODE} = :code, {Attribute.ENDED_AT} = :end, {Attribute.UPDATED_AT} = :end, "
                f"{Attribute.OUTCOME_DETAIL} = :detail"
            ),
            condition_expression="#s = :started",
            expression_attribute_names={"#s": Attribute.STATUS},
            expression_attribute_values={
                ":outcome": value.from_string(JsonPath.string_at("$.outcome.detail.outcome")),
                ":ps": value.from_null(True),
                ":p": value.from_number(0),
                ":f": value.from_number(0),
                ":report": value.from_null(True),
                ":reason": value.from_string(JsonPath.string_at("$.outcome.detail.reason")),
                ":code": value.from_string(JsonPath.string_at("$.outcome.detail.reasonCode")),
                ":end": value.from_string(JsonPath.string_at("$.outcome.detail.endedAt")),
                ":detail": value.from_string(JsonPath.json_to_string(JsonPath.object_at("$.outcome.detail"))),
                ":started": value.from_string(ClaimStatus.STARTED),
            },
            result_path=JsonPath.DISCARD,
        )
        record.add_retry(errors=["DynamoDB.ConditionalCheckFailedException"], max_attempts=0)
        record.add_retry(errors=["States.ALL"], interval=Duration.seconds(2), backoff_rate=2, max_attempts=4)
        record.add_catch(publish, errors=["States.ALL"], result_path=JsonPath.DISCARD)
        record.next(publish)
        return record


# Events each state adds to an execution's history (botocore's stepfunctions HistoryEventType lists them): a
# state's Entered and Exited events, and per attempt of a Task its Scheduled, Started and Succeeded or Failed.
# Step Functions documents no per-state count, so this is our reading; the limit check keeps a margin for it.
_STATE_EVENTS = 2
_TASK_ATTEMPT_EVENTS = 3
_EXECUTION_EVENTS = 2  # ExecutionStarted, and ExecutionSucceeded or ExecutionFailed
_DEFAULT_MAX_ATTEMPTS = 3  # a retrier without MaxAttempts (Amazon States Language)


def history_costs(definition: Mapping[str, Any]) -> HistoryCosts:
    """Count, from a state machine definition, the history events of one poll and of the rest (see HistoryCosts).

    A Task is counted with every attempt its retriers allow, so a poll costs its worst case: the poller failing
    and the failure loop running. Pure: the tests run it on the synthesized template too.
    """
    states: Mapping[str, Mapping[str, Any]] = definition["States"]

    def cost(name: str) -> int:
        state = states[name]
        if state["Type"] == "Fail":
            return 1
        if state["Type"] != "Task":
            return _STATE_EVENTS
        retries = sum(int(retrier.get("MaxAttempts", _DEFAULT_MAX_ATTEMPTS)) for retrier in state.get("Retry", []))
        return _STATE_EVENTS + _TASK_ATTEMPT_EVENTS * (1 + retries)

    def following(name: str) -> list[str]:
        state = states[name]
        names = [state.get("Next"), state.get("Default")]
        names += [rule.get("Next") for rule in state.get("Choices", [])]
        names += [catcher.get("Next") for catcher in state.get("Catch", [])]
        return [n for n in dict.fromkeys(names) if n]

    def costliest(name: str, seen: frozenset[str], goal: str | None) -> int | None:
        """The costliest simple path from `name` to `goal` (None: to any end), or None when there is none."""
        if name == goal and seen:
            return 0
        if name in seen:
            return None
        seen = seen | {name}
        nexts = following(name)
        if not nexts:
            return cost(name) if goal is None else None
        found = [c for n in nexts if (c := costliest(n, seen, goal)) is not None]
        return cost(name) + max(found) if found else None

    per_poll = costliest(WAIT_STATE, frozenset(), WAIT_STATE)
    once = costliest(str(definition["StartAt"]), frozenset(), None)
    if per_poll is None or once is None:
        raise ValueError(f"the definition has no polling loop through {WAIT_STATE!r}, or no end")
    return HistoryCosts(per_poll=per_poll, once=once + _EXECUTION_EVENTS)

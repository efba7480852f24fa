"""The state machine that polls a job to its end and publishes exactly one outcome event."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from infra import nag
from infra.constants import EVENT_SOURCE

JsonPath = sfn.JsonPath

# A JSON null in Parameters: CDK drops None values, and a literal null is part of the event schema.
NULL = "States.StringToJson('null')"

POLLER_FAILURE_RETRIES = 3


class JobWorkflow(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        poller: lambda_.IFunction,
        bus: events.IEventBus,
        max_duration: Duration,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        self._bus = bus
        publish = self._build_publish_outcome()
        report_poll_failure = self._build_status_unreadable_outcome().next(publish)

        wait = sfn.Wait(self, "Wait for job", time=sfn.WaitTime.seconds_path("$.poll.waitSeconds"))
        poll = self._build_poll(poller)
        poll.add_catch(report_poll_failure, errors=["States.ALL"], result_path="$.error")
        decide = (
            sfn.Choice(self, "Job finished?")
            .when(sfn.Condition.string_equals("$.poll.state", "RUNNING"), wait)
            .otherwise(publish)
        )
        start = (
            sfn.Choice(self, "Ended before any job?")
            .when(sfn.Condition.is_present("$.outcome"), publish)
            .otherwise(wait)
        )
        wait.next(poll).next(decide)

        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            comment="listdrop: poll one import job to its end and publish its outcome",
            definition_body=sfn.DefinitionBody.from_chainable(start),
            state_machine_type=sfn.StateMachineType.STANDARD,
            timeout=max_duration.plus(Duration.hours(1)),
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
        )
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

    def _build_poll(self, poller: lambda_.IFunction) -> tasks.LambdaInvoke:
        poll = tasks.LambdaInvoke(
            self,
            "Poll job",
            lambda_function=poller,
            payload=sfn.TaskInput.from_json_path_at("$"),
            output_path="$.Payload",
            retry_on_service_exceptions=True,
        )
        # The poller handles an unreadable job status itself (listdrop.poller: backoff, then a STATUS_UNREADABLE
        # outcome after the configured time). What is left is the poller itself failing: a crash, a timeout,
        # an error reaching the job table. A poll is a read plus an idempotent write, so it is retried; if it
        # keeps failing, the catch path still publishes a failure.
        poll.add_retry(
            errors=["States.ALL"],
            interval=Duration.seconds(2),
            backoff_rate=2,
            max_attempts=POLLER_FAILURE_RETRIES,
            max_delay=Duration.minutes(1),
            jitter_strategy=sfn.JitterType.FULL,
        )
        return poll

    def _build_publish_outcome(self) -> sfn.IChainable:
        publish = tasks.EventBridgePutEvents(
            self,
            "Publish outcome",
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
        return publish.next(sfn.Succeed(self, "Outcome published"))

    def _build_status_unreadable_outcome(self) -> sfn.Pass:
        """The poller failed for good: build the failure outcome here, since the poller cannot."""
        reason = JsonPath.format(
            "listdrop could not read the job status after several attempts ({}).",
            JsonPath.string_at("$.error.Error"),
        )
        build = sfn.Pass(
            self,
            "Build status-unreadable outcome",
            parameters={
                "upload.$": "$.upload",
                "outcome": {
                    "detailType": "Import Failed",
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
                            "FAILED: {} into {} from {}: the job status could not be read.",
                            JsonPath.string_at("$.upload.action"),
                            JsonPath.string_at("$.upload.destination.label"),
                            JsonPath.string_at("$.upload.source.uri"),
                        ),
                        "notice": {
                            "destination.$": "$.upload.destination.label",
                            "records": "unknown",
                            "report": "none",
                            "result": "none",
                            "reason": reason,
                            "rows.$": "$.upload.validation.noticeRows",
                            "rowReport.$": "$.upload.validation.noticeReport",
                        },
                    },
                },
            },
        )
        return build

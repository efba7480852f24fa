"""Start the local endpoint and provision it from the synthesized template."""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import logging
import os
import socket
import urllib.request
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3

from infra import constants
from listdrop.providers.registry import PROVIDERS, SPECS
from localcloud import patches
from localcloud.controls import Controls
from localcloud.emulators.kit.service import Placement
from localcloud.faults import FaultInjector, FaultPlan, activate
from localcloud.iam import enforcement
from localcloud.iam.enforcement import Enforcer, acting_as
from localcloud.iam.store import PolicyStore
from localcloud.runtime import LocalFunction, SqsEventSource
from localcloud.schedules import LocalSchedules
from localcloud.template import ROOT, Resolver, synthesize

log = logging.getLogger("localcloud")

ACCOUNT = "123456789012"
REGION = "us-east-1"
NOTIFICATIONS_QUEUE = "listdrop-local-notifications"

# The local cloud's example scheduled export: yesterday's VDM send volume of example.com, every day at 06:00 UTC.
EXAMPLE_SCHEDULE: dict[str, Any] = {
    "name": "daily-vdm",
    "schedule": "cron(0 6 * * ? *)",
    "timezone": "UTC",
    "window": {"lastWholeUtcDays": 1},
    "request": {
        "ExportDataSource": {
            "MetricsDataSource": {
                "Namespace": "VDM",
                "Dimensions": {"EMAIL_IDENTITY": ["example.com"]},
                "Metrics": [{"Name": "SEND", "Aggregation": "VOLUME"}],
            }
        },
        "ExportDestination": {"DataFormat": "CSV"},
    },
}
# A scheduled list export: the bounces added to the suppression list in the last 7 whole UTC days, every Monday.
EXAMPLE_LIST_SCHEDULE: dict[str, Any] = {
    "name": "weekly-bounces",
    "schedule": "cron(0 7 ? * MON *)",
    "window": {"lastWholeUtcDays": 7},
    "request": {"ListSuppressedDestinations": {"Reasons": ["BOUNCE"]}},
}
# Context for the local synthesis: the same stack, with waits short enough to watch.
LOCAL_CONTEXT: dict[str, object] = {
    "listdrop:pollInitialWaitSeconds": 1,
    "listdrop:pollMaxWaitSeconds": 2,
    "listdrop:jobMaxDurationSeconds": 120,
    "listdrop:statusUnreadableSeconds": 20,
    # A short Lambda timeout, so the times derived from it are short too: the ingest queue's visibility
    # timeout (6x, how long a crashed batch waits before its retry) and the claim lease (2x).
    "listdrop:starterTimeoutSeconds": 3,
    # Every provider, Pinpoint too (off by default in AWS since its end of support), so each can be tried here.
    "listdrop:enabledProviders": list(PROVIDERS),
    # On, so an upload under put/extra-as-attributes/ can be tried here (off by default in AWS: cdk.json).
    "listdrop:extraColumnsAsAttributes": True,
    # Scheduled exports to run on demand (`listdrop local run-schedule daily-vdm`, or weekly-bounces); here and not
    # in cdk.json, whose context every deployment to AWS inherits.
    "listdrop:exportSchedules": [EXAMPLE_SCHEDULE, EXAMPLE_LIST_SCHEDULE],
}


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Endpoints:
    """Names of the provisioned resources, from the template's outputs."""

    bucket: str
    queue_url: str
    dead_letter_queue_url: str
    table: str
    state_machine_arn: str
    event_bus: str
    completed_topic_arn: str
    failed_topic_arn: str
    notifications_queue_url: str


class LocalCloud:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 4566,
        *,
        context: dict[str, object] | None = None,
        template: dict[str, Any] | None = None,
        ses_processing_after: float = 0.3,
        ses_complete_after: float = 1.0,
        faults: FaultPlan | None = None,
        concurrency: int = 4,
    ) -> None:
        self.host = host
        self.port = port
        self.endpoint_url = f"http://{host}:{port}"
        self._context = {**LOCAL_CONTEXT, **(context or {})}
        # The stack the commands look up by default (`--stack`), registered with the template's outputs.
        self.stack_name = str(self._context.get("listdrop:stackName") or _cdk_json_stack_name())
        self._template = template
        self._ses_timing = (ses_processing_after, ses_complete_after)
        self._fault_plan = faults
        self._concurrency = concurrency  # execution environments per function (AWS scales far wider)
        self.faults: FaultInjector | None = None
        self._server: Any = None
        self._sources: list[SqsEventSource] = []
        self.functions: dict[str, LocalFunction] = {}
        self.resolver: Resolver | None = None
        self.endpoints: Endpoints | None = None
        self.iam: Enforcer | None = None
        # provider name -> the emulator of its job API (ProviderSpec.emulator), with its test controls
        self.emulators: dict[str, Any] = {}
        self.schedules: LocalSchedules | None = None  # the template's schedules, run on demand

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> LocalCloud:
        template = self._template or synthesize(self._context)
        self._configure_process()
        from moto.server import ThreadedMotoServer

        patches.apply()
        self.faults = activate(self._fault_plan)
        processing_after, complete_after = self._ses_timing
        placement = Placement(self.endpoint_url, ACCOUNT, REGION, processing_after, complete_after)
        for spec in SPECS:
            if spec.emulator:
                package = importlib.import_module(f"localcloud.emulators.{spec.emulator}")
                self.emulators[spec.name] = package.create(placement)
        for emulator in self.emulators.values():
            emulator.install()  # in any order: every emulator is a route of one dispatcher hook (emulators.kit)
        Controls(
            self.emulators, lambda: self.schedules
        ).install()  # their test controls over HTTP, /_listdrop/ (localcloud/controls.py)
        self._server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        self._server.start()
        self.resolver = Resolver(template, ACCOUNT, REGION, endpoint_url=self.endpoint_url)
        self._provision(self.resolver)
        self.schedules = LocalSchedules(self.resolver, lambda: self.client("s3"))
        return self

    def stop(self) -> None:
        for source in self._sources:
            source.stop()
        for source in self._sources:
            source.join(timeout=5)
        self._sources.clear()
        for function in self.functions.values():
            patches.LAMBDA_DISPATCH.pop(function.name, None)
        activate(None)
        enforcement.activate(None)
        if self._server is not None:
            # Forget every resource, so a later LocalCloud in this process starts empty.
            reset = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")  # noqa: S310
            with urllib.request.urlopen(reset, timeout=10):  # noqa: S310 - our own loopback endpoint
                pass
            for emulator in self.emulators.values():
                emulator.reset()
            self._server.stop()
            self._server = None

    @contextlib.contextmanager
    def injecting(self, plan: FaultPlan) -> Iterator[FaultInjector]:
        """Inject `plan`'s faults for the duration of the block, then go back to the cloud's own plan."""
        injector = activate(plan)
        assert injector is not None
        self.faults = injector
        try:
            yield injector
        finally:
            self.faults = activate(self._fault_plan)

    def emulator(self, provider: str) -> Any:
        """The emulator serving a provider's job API: its jobs and test controls (hold, fail_next, ...)."""
        return self.emulators[provider]

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint_url, region_name=REGION)

    def _configure_process(self) -> None:
        """Everything in this process talks to the local endpoint with throwaway credentials."""
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        # moto's Step Functions engine logs every evaluation it recovers from (an IsPresent test on a
        # missing field, a caught error) at ERROR level; the workflow's own outcome says what matters.
        logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        os.environ.update(
            {
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_SESSION_TOKEN": "testing",
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "AWS_ENDPOINT_URL": self.endpoint_url,
                "MOTO_PORT": str(self.port),  # moto's Step Functions engine calls back to this port
                "POWERTOOLS_METRICS_DISABLED": "true",  # EMF lines would drown the demo's output
                "POWERTOOLS_DEV": "false",
            }
        )
        from moto.core.config import default_user_config

        default_user_config["stepfunctions"]["execute_state_machine"] = True
        default_user_config["lambda"]["use_docker"] = False

    # -- provisioning ------------------------------------------------------------------------------

    def _provision(self, resolver: Resolver) -> None:
        self._enforce_permissions(resolver)
        self._create_buckets(resolver)
        self._create_queues(resolver)
        self._create_tables(resolver)
        self._create_topics(resolver)
        self._create_alarms(resolver)
        self._create_service_roles(resolver)
        self._create_buses_and_rules(resolver)
        self._create_functions(resolver)
        self._create_state_machines(resolver)
        self._create_bucket_notifications(resolver)
        notifications_url = self._create_notifications_queue()
        self.endpoints = Endpoints(
            bucket=resolver.output(constants.OUTPUT_BUCKET),
            queue_url=resolver.output(constants.OUTPUT_QUEUE),
            dead_letter_queue_url=resolver.output(constants.OUTPUT_DLQ),
            table=resolver.output(constants.OUTPUT_TABLE),
            state_machine_arn=resolver.output(constants.OUTPUT_STATE_MACHINE),
            event_bus=resolver.output(constants.OUTPUT_EVENT_BUS),
            completed_topic_arn=resolver.output(constants.OUTPUT_COMPLETED_TOPIC),
            failed_topic_arn=resolver.output(constants.OUTPUT_FAILED_TOPIC),
            notifications_queue_url=notifications_url,
        )
        self._register_stack(resolver)
        self._start_event_sources(resolver)

    def _enforce_permissions(self, resolver: Resolver) -> None:
        """From here on, every call the functions and the workflow make is checked against the synthesized
        roles and resource policies, as AWS would check it (localcloud/iam)."""
        self.iam = Enforcer(
            PolicyStore.from_template(resolver),
            lookups={
                name: lookup for emulator in self.emulators.values() for name, lookup in emulator.iam_lookups().items()
            },
        )
        enforcement.activate(self.iam)

    def _create_buckets(self, resolver: Resolver) -> None:
        s3 = self.client("s3")
        for logical_id, resource in resolver.of_type("AWS::S3::Bucket").items():
            properties = resource.get("Properties", {})
            name = resolver.names[logical_id]
            s3.create_bucket(Bucket=name)
            if properties.get("VersioningConfiguration", {}).get("Status") == "Enabled":
                s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
            encryption = properties.get("BucketEncryption")
            if encryption:
                s3.put_bucket_encryption(
                    Bucket=name,
                    ServerSideEncryptionConfiguration={
                        "Rules": [
                            {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
                            for rule in encryption["ServerSideEncryptionConfiguration"]
                        ]
                    },
                )
        for resource in resolver.of_type("AWS::S3::BucketPolicy").values():
            properties = resolver.resolve(resource["Properties"])
            document = without_tls_only_denies(properties["PolicyDocument"])
            s3.put_bucket_policy(Bucket=properties["Bucket"], Policy=json.dumps(document))

    def _create_queues(self, resolver: Resolver) -> None:
        sqs = self.client("sqs")
        queues = resolver.of_type("AWS::SQS::Queue")
        # Dead-letter queues first: a redrive policy must name an existing queue.
        ordered = sorted(queues.items(), key=lambda item: "RedrivePolicy" in item[1].get("Properties", {}))
        for logical_id, resource in ordered:
            properties = resolver.resolve(resource.get("Properties", {}))
            attributes = {
                name: str(properties[name])
                for name in ("VisibilityTimeout", "MessageRetentionPeriod")
                if name in properties
            }
            if "RedrivePolicy" in properties:
                attributes["RedrivePolicy"] = json.dumps(properties["RedrivePolicy"])
            sqs.create_queue(QueueName=resolver.names[logical_id], Attributes=attributes)

    def _create_tables(self, resolver: Resolver) -> None:
        dynamodb = self.client("dynamodb")
        for logical_id, resource in resolver.of_type("AWS::DynamoDB::GlobalTable").items():
            properties = resource["Properties"]
            dynamodb.create_table(
                TableName=resolver.names[logical_id],
                KeySchema=properties["KeySchema"],
                AttributeDefinitions=properties["AttributeDefinitions"],
                BillingMode="PAY_PER_REQUEST",
            )

    def _create_topics(self, resolver: Resolver) -> None:
        sns = self.client("sns")
        for logical_id in resolver.of_type("AWS::SNS::Topic"):
            sns.create_topic(Name=resolver.names[logical_id])
        for resource in resolver.of_type("AWS::SNS::Subscription").values():
            properties = resolver.resolve(resource["Properties"])
            log.info(
                "Skipping %s subscription (no mail here); read the notifications queue",
                properties["Protocol"],
            )

    def _create_alarms(self, resolver: Resolver) -> None:
        """The template's CloudWatch alarms, their actions resolved to the local topics, so that SetAlarmState
        notifies as in AWS (patches.deliver_alarm_actions). moto does not evaluate metrics: alarms change state
        only when set."""
        cloudwatch = self.client("cloudwatch")
        for logical_id, resource in resolver.of_type("AWS::CloudWatch::Alarm").items():
            properties = resolver.resolve(resource["Properties"])
            # AWS::CloudWatch::Alarm properties carry PutMetricAlarm's parameter names.
            parameters = {name: value for name, value in properties.items() if name in _ALARM_PARAMETERS}
            cloudwatch.put_metric_alarm(
                AlarmName=properties.get("AlarmName") or resolver.names[logical_id], **parameters
            )

    def _register_stack(self, resolver: Resolver) -> None:
        """A CloudFormation stack under the deployed stack's name whose outputs are the template's outputs with
        the local names, so every command that finds its resources from a stack's outputs (`listdrop smoke`,
        `jobs`, `redrive` with --stack) works against this endpoint unchanged. It holds one placeholder
        resource (moto ignores the type): the resources themselves are provisioned above."""
        outputs = {name: {"Value": str(resolver.output(name))} for name in resolver.template.get("Outputs", {})}
        template = {
            "Resources": {"LocalCloud": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": outputs,
        }
        warnings.filterwarnings("ignore", message="Tried to parse AWS::CloudFormation::WaitConditionHandle")
        self.client("cloudformation").create_stack(StackName=self.stack_name, TemplateBody=json.dumps(template))

    def _create_service_roles(self, resolver: Resolver) -> None:
        """Roles that an emulated service assumes (Pinpoint's import role), with their trust and inline
        policies as synthesized, so the emulator's permission checks judge the real documents. The functions'
        own roles are not needed: they run in-process with the local credentials."""
        iam = self.client("iam")
        functions_roles = {
            resolver.resolve(resource["Properties"]).get("Role")
            for resource in resolver.of_type("AWS::Lambda::Function").values()
        }
        for logical_id, resource in resolver.of_type("AWS::IAM::Role").items():
            arn = resolver.get_att(logical_id, "Arn")
            if arn in functions_roles or "lambda.amazonaws.com" in json.dumps(resource["Properties"]):
                continue
            properties = resolver.resolve(resource["Properties"])
            iam.create_role(
                RoleName=resolver.names[logical_id],
                AssumeRolePolicyDocument=json.dumps(properties["AssumeRolePolicyDocument"]),
            )
        created = {role["RoleName"] for role in iam.list_roles()["Roles"]}
        for logical_id, resource in resolver.of_type("AWS::IAM::Policy").items():
            properties = resolver.resolve(resource["Properties"])
            for role in properties.get("Roles", []):
                if role in created:
                    iam.put_role_policy(
                        RoleName=role,
                        PolicyName=resolver.names[logical_id][:128],
                        PolicyDocument=json.dumps(properties["PolicyDocument"]),
                    )

    def _create_buses_and_rules(self, resolver: Resolver) -> None:
        events = self.client("events")
        for logical_id in resolver.of_type("AWS::Events::EventBus"):
            events.create_event_bus(Name=resolver.names[logical_id])
        for logical_id, resource in resolver.of_type("AWS::Events::Rule").items():
            properties = resolver.resolve(resource["Properties"])
            bus = properties.get("EventBusName", "default")
            name = resolver.names[logical_id]
            events.put_rule(
                Name=name,
                EventBusName=bus,
                EventPattern=json.dumps(properties["EventPattern"]),
                State=properties.get("State", "ENABLED"),
            )
            events.put_targets(Rule=name, EventBusName=bus, Targets=properties["Targets"])

    def _create_functions(self, resolver: Resolver) -> None:
        lambda_client = self.client("lambda")
        iam = self.client("iam")
        role = iam.create_role(RoleName="listdrop-local-lambda", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        package = io.BytesIO()
        with zipfile.ZipFile(package, "w") as archive:
            archive.writestr("README.txt", "listdrop runs this function in-process; see localcloud/runtime.py")
        shared_env: dict[str, str] = {}
        for logical_id, resource in resolver.of_type("AWS::Lambda::Function").items():
            properties = resolver.resolve(resource["Properties"])
            handler = properties["Handler"]
            if not handler.startswith("listdrop."):
                continue  # CDK's own helper functions (bucket notifications) have no work to do here
            name = resolver.names[logical_id]
            environment = properties.get("Environment", {}).get("Variables", {})
            _merge_environment(shared_env, environment, name)
            function = LocalFunction(
                name=name,
                arn=resolver.get_att(logical_id, "Arn"),
                handler=handler,
                environment=environment,
                timeout_seconds=int(properties.get("Timeout", 3)),
                memory_mb=int(properties.get("MemorySize", 128)),
                concurrency=self._concurrency,
                role_arn=str(properties["Role"]),
            )
            lambda_client.create_function(
                FunctionName=name,
                Runtime=properties["Runtime"],
                Role=role,
                Handler=handler,
                Code={"ZipFile": package.getvalue()},
                Timeout=function.timeout_seconds,
            )
            self.functions[name] = function
            patches.LAMBDA_DISPATCH[name] = function.invoke
        # The handlers read os.environ, which one process shares: the template's variables must agree.
        os.environ.update(shared_env)

    def _create_state_machines(self, resolver: Resolver) -> None:
        sfn = self.client("stepfunctions")
        for logical_id, resource in resolver.of_type("AWS::StepFunctions::StateMachine").items():
            properties = resolver.resolve(resource["Properties"])
            sfn.create_state_machine(
                name=resolver.names[logical_id],
                definition=properties["DefinitionString"],
                roleArn=properties["RoleArn"],
                type=properties.get("StateMachineType", "STANDARD"),
            )

    def _create_bucket_notifications(self, resolver: Resolver) -> None:
        s3 = self.client("s3")
        for resource in resolver.of_type("Custom::S3BucketNotifications").values():
            properties = resolver.resolve(resource["Properties"])
            configuration = properties["NotificationConfiguration"]
            s3.put_bucket_notification_configuration(
                Bucket=properties["BucketName"],
                NotificationConfiguration={
                    "QueueConfigurations": [
                        {"QueueArn": q["QueueArn"], "Events": q["Events"], "Filter": q.get("Filter", {})}
                        for q in configuration.get("QueueConfigurations", [])
                    ]
                },
            )

    def _create_notifications_queue(self) -> str:
        """A local queue subscribed to every topic, so people and tests can read the notifications."""
        sqs, sns = self.client("sqs"), self.client("sns")
        url = sqs.create_queue(QueueName=NOTIFICATIONS_QUEUE)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        topics = [topic["TopicArn"] for topic in sns.list_topics()["Topics"]]
        # What any subscriber queue needs: SNS may send to it, for these topics only (localcloud/iam/services.py).
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": topics}},
                }
            ],
        }
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
        for topic in topics:
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        return str(url)

    def _start_event_sources(self, resolver: Resolver) -> None:
        sqs = self.client("sqs")
        for resource in resolver.of_type("AWS::Lambda::EventSourceMapping").values():
            properties = resolver.resolve(resource["Properties"])
            function = self.functions[properties["FunctionName"]]
            queue_arn = properties["EventSourceArn"]
            queue_name = queue_arn.rsplit(":", 1)[-1]
            queue_url = f"{self.endpoint_url}/{ACCOUNT}/{queue_name}"
            visibility = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"])
            with acting_as(function.role_arn):  # Lambda polls the queue with the function's execution role
                source_client = self.client("sqs")
            for _ in range(function.concurrency):  # one poller per environment, as Lambda scales them
                source = SqsEventSource(
                    source_client,
                    queue_url=queue_url,
                    queue_arn=queue_arn,
                    function=function,
                    batch_size=int(properties.get("BatchSize", 10)),
                    region=REGION,
                    retry_after_seconds=int(visibility["Attributes"]["VisibilityTimeout"]),
                )
                source.start()
                self._sources.append(source)


_ALARM_PARAMETERS = frozenset(
    {
        "AlarmDescription",
        "ActionsEnabled",
        "OKActions",
        "AlarmActions",
        "InsufficientDataActions",
        "MetricName",
        "Namespace",
        "Statistic",
        "ExtendedStatistic",
        "Dimensions",
        "Period",
        "Unit",
        "EvaluationPeriods",
        "DatapointsToAlarm",
        "Threshold",
        "ComparisonOperator",
        "TreatMissingData",
        "EvaluateLowSampleCountPercentile",
        "Metrics",
        "ThresholdMetricId",
    }
)


def _cdk_json_stack_name() -> str:
    context = json.loads((ROOT / "cdk.json").read_text()).get("context", {})
    return str(context.get("listdrop:stackName") or "Listdrop")


def without_tls_only_denies(document: dict[str, Any]) -> dict[str, Any]:
    """The local endpoint is plain HTTP on loopback, so statements denying non-TLS (or old-TLS) requests
    are left out (moto enforces them). Every other statement, the SES read grant included, applies as synthesized."""

    def tls_only(statement: dict[str, Any]) -> bool:
        condition = statement.get("Condition", {})
        text = json.dumps(condition)
        return statement.get("Effect") == "Deny" and ("aws:SecureTransport" in text or "s3:TlsVersion" in text)

    return {**document, "Statement": [s for s in document["Statement"] if not tls_only(s)]}


def _merge_environment(shared: dict[str, str], environment: dict[str, str], function: str) -> None:
    for name, value in environment.items():
        if name in shared and shared[name] != value:
            raise RuntimeError(
                f"{function} sets {name}={value!r} but another function sets {shared[name]!r}; "
                "in-process handlers share one environment"
            )
        shared[name] = str(value)

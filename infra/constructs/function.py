"""A Python Lambda function the listdrop way: own role, own log group, tracing, Powertools layer."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import nag

FUNCTIONS_DIR = Path(__file__).resolve().parents[2] / "functions"
# Matches the public Powertools layer build below (python313); move both together.
RUNTIME = lambda_.Runtime.PYTHON_3_13
POWERTOOLS_ACCOUNT = "017000801446"  # the account AWS publishes the public Powertools layers from


def powertools_layer_arn(version: int) -> str:
    return (
        f"arn:{Aws.PARTITION}:lambda:{Aws.REGION}:{POWERTOOLS_ACCOUNT}:layer:"
        f"AWSLambdaPowertoolsPythonV3-python313-x86_64:{version}"
    )


class ListdropFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: str,
        description: str,
        environment: dict[str, str],
        timeout: Duration,
        memory_size: int = 256,
        powertools_layer: lambda_.ILayerVersion,
        log_retention: logs.RetentionDays,
        wildcard_reason: str = "",
    ) -> None:
        """`wildcard_reason`: why the caller's own statements need Resource '*', if they do."""
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"listdrop {construct_id} function",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description=description,
            runtime=RUNTIME,
            architecture=lambda_.Architecture.X86_64,
            handler=handler,
            code=lambda_.Code.from_asset(str(FUNCTIONS_DIR), exclude=["**/__pycache__", "**/*.pyc", "**/.mypy_cache"]),
            role=self.role,
            log_group=self.log_group,
            layers=[powertools_layer],
            tracing=lambda_.Tracing.ACTIVE,
            memory_size=memory_size,
            timeout=timeout,
            environment={
                "POWERTOOLS_SERVICE_NAME": "listdrop",
                "POWERTOOLS_METRICS_NAMESPACE": "listdrop",
                "LOG_LEVEL": "INFO",
                **environment,
            },
        )
        nag.acknowledge(
            self.function,
            "AwsSolutions-L1",
            "Pinned to python3.13, the newest runtime with a published Powertools v3 layer build that this "
            "project has tested; the layer and the runtime are upgraded together (infra/constructs/function.py).",
        )
        nag.wildcard(self.role, "*", f"{nag.XRAY} {wildcard_reason}".strip())

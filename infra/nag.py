"""cdk-nag acknowledgments: each on the one construct it concerns, for one finding, with its reason."""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import IConstruct

PLUGIN = "AwsSolutions::"

XRAY = (
    "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (the Service "
    "Authorization Reference lists no resource type for them), so '*' is the only valid resource."
)


def acknowledge(scope: IConstruct, finding: str, reason: str) -> None:
    """`finding` as cdk-nag prints it, e.g. 'AwsSolutions-IAM5[Resource::*]'."""
    Validations.of(scope).acknowledge(Acknowledgment(id=PLUGIN + finding, reason=reason))


def wildcard(scope: IConstruct, resource: str, reason: str) -> None:
    acknowledge(scope, f"AwsSolutions-IAM5[Resource::{resource}]", reason)


def arn_of(resource: IConstruct) -> str:
    """How cdk-nag names a GetAtt Arn in its findings: <LogicalId.Arn>."""
    cfn = resource.node.default_child
    assert isinstance(cfn, CfnResource)
    stack = Stack.of(resource)
    return f"<{stack.resolve(stack.get_logical_id(cfn))}.Arn>"

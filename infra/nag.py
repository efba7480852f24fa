"""cdk-nag acknowledgments: each on the one construct it concerns, for one finding, with its reason."""

from __future__ import annotations

from typing import Any

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


def flattened(scope: IConstruct, value: str) -> str:
    """`value` (a token such as an ARN) as cdk-nag prints it in a finding, resolved in `scope`'s stack: how its
    utils/flatten-cfn-reference.js flattens a reference (Fn::Join joined, a GetAtt as <LogicalId.Attribute>, a Ref
    as <Name>). So an acknowledgment names a bucket's objects alike whether the stack owns the bucket or imports it.
    """
    return _flatten(Stack.of(scope).resolve(value))


def _flatten(node: Any) -> str:
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict) and len(node) == 1:
        ((function, argument),) = node.items()
        if function == "Fn::Join":
            delimiter, items = argument
            return str(delimiter).join(_flatten(item) for item in items)
        if function == "Fn::GetAtt":
            resource, attribute = argument
            return f"<{_flatten(resource)}.{_flatten(attribute)}>"
        if function == "Ref":
            return f"<{_flatten(argument)}>"
        if function in ("Fn::Sub", "Fn::ImportValue"):
            return _flatten(argument)
    raise ValueError(f"cannot tell how cdk-nag prints {node!r}")


def arn_of(resource: IConstruct) -> str:
    """How cdk-nag names a GetAtt Arn in its findings: <LogicalId.Arn>."""
    cfn = resource.node.default_child
    assert isinstance(cfn, CfnResource)
    stack = Stack.of(resource)
    return f"<{stack.resolve(stack.get_logical_id(cfn))}.Arn>"

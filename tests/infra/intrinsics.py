"""Resolve a synthesized template's intrinsic functions to the values a real deployment would have.

The independent validators (tests/infra/test_validators.py) read state machine definitions and IAM policy
documents, which CDK emits as `Fn::Join`s over `Ref`s and `Fn::GetAtt`s. They need the shapes AWS would put
there (ARNs with the right service, resource type and separators, a key id that is a UUID, a queue URL), or a
validator that checks ARNs would check placeholders. What `Ref` and each `Fn::GetAtt` return per resource type is
the "Return values" section of each type in the CloudFormation template reference, for example
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queue.html#aws-resource-sqs-queue-return-values
(Ref of a queue is its URL, of a topic its ARN, of a key its key id, of a role or function its name).

This is deliberately independent of `localcloud/template.py`, whose names and endpoints are local ones. A type or
attribute this table does not know raises KeyError naming it, so a new resource fails loudly instead of
producing a value no validator can judge.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"
STACK = "Listdrop"

# The property that names a resource explicitly, where CDK sets one; otherwise CloudFormation generates a name.
_NAME_PROPERTY = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::IAM::Role": "RoleName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Lambda::LayerVersion": "LayerName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Events::EventBus": "Name",
    "AWS::Events::Rule": "Name",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::DynamoDB::GlobalTable": "TableName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::CloudWatch::Dashboard": "DashboardName",
}

# Types whose Ref is their ARN (the others return a name, except the few handled in `ref`).
_REF_IS_ARN = {"AWS::SNS::Topic", "AWS::StepFunctions::StateMachine", "AWS::Lambda::LayerVersion"}


@dataclass(frozen=True)
class Intrinsics:
    """Fills `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select` and `Fn::Split` with plausible values."""

    template: dict[str, Any]
    account: str = ACCOUNT
    region: str = REGION

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((function, argument),) = value.items()
            if function == "Ref":
                return self.ref(argument)
            if function == "Fn::GetAtt":
                logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.get_att(logical_id, attribute)
            if function == "Fn::Join":
                separator, items = argument
                return separator.join(str(self.resolve(item)) for item in items)
            if function == "Fn::Select":
                index, items = argument
                return self.resolve(items)[int(index)]
            if function == "Fn::Split":
                separator, text = argument
                return str(self.resolve(text)).split(separator)
            if function == "Fn::Sub":
                return self._sub(argument)
            if function.startswith("Fn::") or function == "Condition":
                raise KeyError(f"{function} is not resolved here: add it to tests/infra/intrinsics.py")
        return {key: self.resolve(item) for key, item in value.items()}

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Partition": PARTITION,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": STACK,
        }
        if name in pseudo:
            return pseudo[name]
        parameter = self.template.get("Parameters", {}).get(name)
        if parameter is not None:
            # A plain parameter resolves to its default; an SSM-typed one holds a parameter *name* as default.
            if "Default" in parameter and not parameter["Type"].startswith("AWS::SSM::"):
                return str(parameter["Default"])
            raise KeyError(f"Ref to parameter {name} ({parameter['Type']}): add a plausible value here")
        resource_type = self._type(name)
        if resource_type in _REF_IS_ARN:
            return self.get_att(name, "Arn")
        if resource_type == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.amazonaws.com/{self.account}/{self.name(name)}"
        if resource_type == "AWS::KMS::Key":
            return self._key_id(name)
        return self.name(name)

    def get_att(self, logical_id: str, attribute: str) -> str:
        resource_type = self._type(logical_id)
        if attribute == "Arn":
            return self._arn(logical_id, resource_type)
        if (resource_type, attribute) in {("AWS::SQS::Queue", "QueueName"), ("AWS::SNS::Topic", "TopicName")}:
            return self.name(logical_id)
        if (resource_type, attribute) == ("AWS::SQS::Queue", "QueueUrl"):
            return self.ref(logical_id)
        if (resource_type, attribute) == ("AWS::KMS::Key", "KeyId"):
            return self._key_id(logical_id)
        if (resource_type, attribute) == ("AWS::IAM::Role", "RoleId"):
            return "AROA" + hashlib.sha256(logical_id.encode()).hexdigest()[:17].upper()
        raise KeyError(f"Fn::GetAtt {logical_id}.{attribute} ({resource_type}): add it to tests/infra/intrinsics.py")

    def name(self, logical_id: str) -> str:
        """The explicit name, or one shaped like CloudFormation's generated names (stack-logicalid-suffix)."""
        resource = self.template["Resources"][logical_id]
        explicit = resource.get("Properties", {}).get(_NAME_PROPERTY.get(resource["Type"], ""))
        if isinstance(explicit, str):
            return explicit
        suffix = hashlib.sha256(logical_id.encode()).hexdigest()[:12]
        generated = f"{STACK}-{logical_id}"[: 64 - 13] + f"-{suffix}"
        # Bucket names are lower case, at most 63 characters.
        return generated.lower()[:63] if resource["Type"] == "AWS::S3::Bucket" else generated

    def _type(self, logical_id: str) -> str:
        resources = self.template["Resources"]
        if logical_id not in resources:
            raise KeyError(f"Ref to {logical_id}, which is neither a resource, a parameter nor a pseudo parameter")
        resource_type: str = resources[logical_id]["Type"]
        return resource_type

    def _key_id(self, logical_id: str) -> str:
        return str(uuid.UUID(hashlib.md5(logical_id.encode(), usedforsecurity=False).hexdigest()))

    def _arn(self, logical_id: str, resource_type: str) -> str:
        name, a, r, p = self.name(logical_id), self.account, self.region, PARTITION
        formats = {
            "AWS::S3::Bucket": lambda: f"arn:{p}:s3:::{name}",
            "AWS::SQS::Queue": lambda: f"arn:{p}:sqs:{r}:{a}:{name}",
            "AWS::SNS::Topic": lambda: f"arn:{p}:sns:{r}:{a}:{name}",
            "AWS::DynamoDB::GlobalTable": lambda: f"arn:{p}:dynamodb:{r}:{a}:table/{name}",
            "AWS::DynamoDB::Table": lambda: f"arn:{p}:dynamodb:{r}:{a}:table/{name}",
            "AWS::Events::EventBus": lambda: f"arn:{p}:events:{r}:{a}:event-bus/{name}",
            "AWS::Events::Rule": lambda: f"arn:{p}:events:{r}:{a}:rule/{name}",
            "AWS::Lambda::Function": lambda: f"arn:{p}:lambda:{r}:{a}:function:{name}",
            "AWS::Lambda::LayerVersion": lambda: f"arn:{p}:lambda:{r}:{a}:layer:{name}:1",
            "AWS::StepFunctions::StateMachine": lambda: f"arn:{p}:states:{r}:{a}:stateMachine:{name}",
            "AWS::IAM::Role": lambda: f"arn:{p}:iam::{a}:role/{name}",
            "AWS::KMS::Key": lambda: f"arn:{p}:kms:{r}:{a}:key/{self._key_id(logical_id)}",
            "AWS::Logs::LogGroup": lambda: f"arn:{p}:logs:{r}:{a}:log-group:{name}:*",
            "AWS::CloudWatch::Alarm": lambda: f"arn:{p}:cloudwatch:{r}:{a}:alarm:{name}",
        }
        if resource_type not in formats:
            raise KeyError(f"Fn::GetAtt {logical_id}.Arn ({resource_type}): add its ARN to tests/infra/intrinsics.py")
        return formats[resource_type]()

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {key: self.resolve(value) for key, value in variables.items()}

        def replace(match: re.Match[str]) -> str:
            token = match.group(1)
            if token in values:
                return str(values[token])
            if "." in token:
                logical_id, attribute = token.split(".", 1)
                return self.get_att(logical_id, attribute)
            return self.ref(token)

        return re.sub(r"\$\{([^}!]+)\}", replace, text)

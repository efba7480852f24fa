"""Every policy of a synthesized listdrop stack, as the local cloud provisions it: the roles' identity-based
policies, the resource-based policies (bucket, topics, queues, KMS keys) and which key encrypts which topic.

Resources the template does not declare (a queue a person or `listdrop smoke` creates at run time) are looked up
in moto's live state, so their policies are evaluated too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from localcloud.iam.policy import Document
from localcloud.template import Resolver


@dataclass
class PolicyStore:
    account: str
    region: str
    identity: dict[str, list[Document]] = field(default_factory=dict)  # role ARN -> its policies
    resource: dict[str, Document] = field(default_factory=dict)  # bucket, topic, queue or key ARN -> its policy
    topic_keys: dict[str, str] = field(default_factory=dict)  # topic ARN -> KMS key ARN
    function_roles: dict[str, str] = field(default_factory=dict)  # function name -> role ARN
    state_machine_roles: dict[str, str] = field(default_factory=dict)  # state machine ARN -> role ARN

    @classmethod
    def from_template(cls, resolver: Resolver) -> PolicyStore:
        store = cls(resolver.account, resolver.region)
        store._read_roles(resolver)
        store._read_resource_policies(resolver)
        for logical_id, resource in resolver.of_type("AWS::Lambda::Function").items():
            role = resolver.resolve(resource["Properties"].get("Role"))
            if role:
                store.function_roles[resolver.names[logical_id]] = str(role)
        for logical_id, resource in resolver.of_type("AWS::StepFunctions::StateMachine").items():
            arn = resolver.get_att(logical_id, "Arn")
            store.state_machine_roles[arn] = str(resolver.resolve(resource["Properties"]["RoleArn"]))
        return store

    def _read_roles(self, resolver: Resolver) -> None:
        for logical_id, resource in resolver.of_type("AWS::IAM::Role").items():
            arn = resolver.get_att(logical_id, "Arn")
            properties = resolver.resolve(resource["Properties"])
            inline = [p["PolicyDocument"] for p in properties.get("Policies", [])]
            self.identity[arn] = inline
        for resource in resolver.of_type("AWS::IAM::Policy").values():
            properties = resolver.resolve(resource["Properties"])
            for role_name in properties.get("Roles", []):
                arn = f"arn:aws:iam::{self.account}:role/{role_name}"
                self.identity.setdefault(arn, []).append(properties["PolicyDocument"])

    def _read_resource_policies(self, resolver: Resolver) -> None:
        for resource in resolver.of_type("AWS::S3::BucketPolicy").values():
            properties = resolver.resolve(resource["Properties"])
            self.resource[f"arn:aws:s3:::{properties['Bucket']}"] = properties["PolicyDocument"]
        for resource in resolver.of_type("AWS::SNS::TopicPolicy").values():
            properties = resolver.resolve(resource["Properties"])
            for topic in properties["Topics"]:
                self.resource[str(topic)] = properties["PolicyDocument"]
        for resource in resolver.of_type("AWS::SQS::QueuePolicy").values():
            properties = resolver.resolve(resource["Properties"])
            for queue_url in properties["Queues"]:
                self.resource[_queue_arn(str(queue_url), self.account, self.region)] = properties["PolicyDocument"]
        for logical_id, resource in resolver.of_type("AWS::KMS::Key").items():
            self.resource[resolver.get_att(logical_id, "Arn")] = resolver.resolve(resource["Properties"]["KeyPolicy"])
        for logical_id, resource in resolver.of_type("AWS::SNS::Topic").items():
            key = resource.get("Properties", {}).get("KmsMasterKeyId")
            if key is not None:
                self.topic_keys[resolver.get_att(logical_id, "Arn")] = str(resolver.resolve(key))

    # -- questions the enforcer asks -----------------------------------------------------------------------------

    def policies_of(self, role_arn: str) -> list[Document]:
        return self.identity.get(role_arn, [])

    def resource_policy(self, arn: str) -> Document | None:
        """The policy that governs `arn`: its own, or its bucket's for an object."""
        holder = _policy_holder(arn)
        if holder in self.resource:
            return self.resource[holder]
        return _live_policy(holder, self.account, self.region)

    def without(self, role_arn: str, action: str) -> PolicyStore:
        """A copy in which `action` is removed from every statement of the role's policies (for tests)."""
        stripped = [_without_action(document, action) for document in self.policies_of(role_arn)]
        return PolicyStore(
            self.account,
            self.region,
            {**self.identity, role_arn: stripped},
            dict(self.resource),
            dict(self.topic_keys),
            dict(self.function_roles),
            dict(self.state_machine_roles),
        )


def _policy_holder(arn: str) -> str:
    if arn.startswith("arn:aws:s3:::") and "/" in arn:
        return arn.split("/", 1)[0]  # objects are governed by their bucket's policy
    return arn


def _queue_arn(queue_url: str, account: str, region: str) -> str:
    return f"arn:aws:sqs:{region}:{account}:{queue_url.rstrip('/').rsplit('/', 1)[-1]}"


def _live_policy(arn: str, account: str, region: str) -> Document | None:
    """The policy moto holds for a queue or topic created at run time."""
    parts = arn.split(":")
    if len(parts) < 6:
        return None
    service, name = parts[2], parts[5]
    text: Any = None
    if service == "sqs":
        from moto.sqs.models import sqs_backends

        queue = sqs_backends[account][region].queues.get(name)
        text = getattr(queue, "policy", None) if queue is not None else None
    elif service == "sns":
        from moto.sns.models import sns_backends

        topic = sns_backends[account][region].topics.get(arn)
        text = getattr(topic, "policy", None) if topic is not None else None
    if not text:
        return None
    document: Document = json.loads(text) if isinstance(text, str) else text
    return document


def _without_action(document: Document, action: str) -> Document:
    statements: Iterable[Any] = document.get("Statement", [])
    kept = []
    for statement in [statements] if isinstance(statements, dict) else statements:
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else list(actions)
        remaining = [a for a in actions if a.lower() != action.lower()]
        if remaining:
            kept.append({**statement, "Action": remaining})
    return {**document, "Statement": kept}

"""The permissions of the job APIs a deployment enables, built from each provider's spec
(functions/listdrop/providers/*/permissions.py): its statements on the starter's and the poller's roles, the
role the job API itself assumes, if it needs one, and the bucket policy's statement for a job API that reads the
checked copies as its service principal. A provider that is not enabled gets nothing
(listdrop:enabledProviders). The actions and resource types are the providers' to cite; tests check each action
against the Service Authorization Reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Annotations, Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from listdrop.providers.registry import PROVIDERS
from listdrop.providers.spec import BucketReader, DeploymentOptions, Grant, ProviderSpec, RoleName, ServiceRole

from .. import nag
from ..config import ListdropConfig
from .function import ListdropFunction

BUCKET = "bucket:"
# The condition key whose values are key prefixes (a Grant's conditions): they move under the deployment's key prefix.
S3_PREFIX_CONDITION = "s3:prefix"


def enabled_specs(config: ListdropConfig) -> list[ProviderSpec]:
    return [PROVIDERS[name] for name in config.enabled_providers]


def grants(config: ListdropConfig) -> list[Grant]:
    """Every enabled provider's statements, each once: providers that share a need (listdrop's own jobs' state,
    reading contact lists) return the same statement."""
    options = DeploymentOptions(allowed_contact_lists=config.allowed_contact_lists)
    unique: list[Grant] = []
    for grant in (grant for spec in enabled_specs(config) for grant in spec.permissions(options)):
        if grant not in unique:
            unique.append(grant)
    return unique


def wildcard_reason(config: ListdropConfig, role: RoleName) -> str:
    """Why the role's statements name Resource '*' (actions with no resource type), for the function's own
    acknowledgment of that finding (ListdropFunction's wildcard_reason)."""
    return " ".join(grant.wildcard_reason for grant in grants(config) if grant.role is role and "*" in grant.resources)


class JobApis(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        starter: ListdropFunction,
        poller: ListdropFunction,
        config: ListdropConfig,
        key_prefix: str = "",
    ) -> None:
        """`key_prefix`: where listdrop's keys live in the bucket (Ingest's): the providers' bucket resources, their
        `s3:prefix` conditions and the bucket policy's statements are under it."""
        super().__init__(scope, construct_id)
        self._bucket = bucket
        self._key_prefix = key_prefix
        # What the bucket's policy must hold for the job APIs that read it (their BucketReader): added to it when
        # this stack owns the bucket; otherwise its owner adds them (a warning says so).
        self.bucket_policy_statements: list[iam.PolicyStatement] = []
        self._functions = {RoleName.STARTER: starter, RoleName.POLLER: poller}
        self.service_roles: dict[str, iam.Role] = {}
        for grant in grants(config):
            self._grant(self._functions[grant.role].role, grant)
        for spec in enabled_specs(config):
            if spec.service_role is not None:
                self.service_roles[spec.name] = self._service_role(spec.service_role, starter)
            for reader in spec.bucket_readers:
                self._let_read(reader)

    def _let_read(self, reader: BucketReader) -> None:
        conditions = {
            operator: {key: self._resource(value) for key, value in values.items()}
            for operator, values in reader.conditions.items()
        }
        statement = iam.PolicyStatement(
            sid=reader.sid,
            principals=[iam.ServicePrincipal(reader.service_principal)],
            actions=list(reader.actions),
            resources=[self._bucket.arn_for_objects(f"{self._key_prefix}{reader.prefix}*")],
            conditions=conditions or None,
        )
        self.bucket_policy_statements.append(statement)
        # An imported bucket (Bucket.from_bucket_name...) is not this stack's: CDK adds nothing to its policy.
        if not self._bucket.add_to_resource_policy(statement).statement_added:
            Annotations.of(self).add_warning_v2(
                f"listdrop:bucketPolicy:{reader.sid}",
                f"The upload bucket is not owned by this stack, so its policy cannot be changed here: add the "
                f"statement {reader.sid} yourself ({reader.service_principal} may {', '.join(reader.actions)} the "
                f"objects under {self._key_prefix}{reader.prefix}; Listdrop.bucket_policy_statements holds it).",
            )

    def _grant(self, role: iam.IRole, grant: Grant) -> None:
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid=grant.sid,
                actions=list(grant.actions),
                resources=[self._resource(template) for template in grant.resources],
                conditions=self._conditions(grant.conditions) or None,
            )
        )
        for template in grant.resources:
            if template != "*" and "*" in template:
                if not grant.wildcard_reason:
                    raise ValueError(f"statement {grant.sid}: {template} holds a wildcard and no reason")
                nag.wildcard(role, self._nag_resource(template), grant.wildcard_reason)

    def _service_role(self, spec: ServiceRole, starter: ListdropFunction) -> iam.Role:
        source_arn = self._resource(spec.source_arn)
        role = iam.Role(
            self,
            spec.construct_id,
            description=spec.description,
            assumed_by=iam.ServicePrincipal(
                spec.service_principal,
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {"aws:SourceArn": source_arn},
                },
            ),
        )
        for grant in spec.statements:
            self._grant(role, grant)
        starter.role.add_to_policy(
            iam.PolicyStatement(
                sid=f"Pass{spec.construct_id}",
                actions=["iam:PassRole"],
                resources=[role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": spec.service_principal}},
            )
        )
        starter.function.add_environment(spec.environment_variable, role.role_arn)
        return role

    def _resource(self, template: str) -> str:
        if template.startswith(BUCKET):
            prefix = template[len(BUCKET) :]
            return self._bucket.arn_for_objects(self._key_prefix + prefix) if prefix else self._bucket.bucket_arn
        return template.format(partition=Aws.PARTITION, region=Aws.REGION, account=Aws.ACCOUNT_ID)

    def _conditions(self, conditions: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        return {
            operator: {
                key: [self._key_prefix + prefix for prefix in values] if key == S3_PREFIX_CONDITION else values
                for key, values in keys.items()
            }
            for operator, keys in conditions.items()
        }

    def _nag_resource(self, template: str) -> str:
        """The resource as cdk-nag prints it in a finding."""
        if template.startswith(BUCKET):
            return nag.flattened(self, self._resource(template))
        return template.format(partition="<AWS::Partition>", region="<AWS::Region>", account="<AWS::AccountId>")

"""The permissions of the job APIs a deployment enables, built from each provider's spec
(functions/listdrop/providers/*/permissions.py): its statements on the starter's and the poller's roles, the
role the job API itself assumes, if it needs one, and the bucket policy's statement for a job API that reads the
checked copies as its service principal. A provider that is not enabled gets nothing
(listdrop:enabledProviders). The actions and resource types are the providers' to cite; tests check each action
against the Service Authorization Reference.
"""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import nag
from infra.config import ListdropConfig
from infra.constructs.function import ListdropFunction
from listdrop.providers.registry import PROVIDERS
from listdrop.providers.spec import BucketReader, DeploymentOptions, Grant, ProviderSpec, RoleName, ServiceRole

BUCKET = "bucket:"


def enabled_specs(config: ListdropConfig) -> list[ProviderSpec]:
    return [PROVIDERS[name] for name in config.enabled_providers]


def grants(config: ListdropConfig) -> list[Grant]:
    options = DeploymentOptions(allowed_contact_lists=config.allowed_contact_lists)
    return [grant for spec in enabled_specs(config) for grant in spec.permissions(options)]


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
        bucket: s3.Bucket,
        starter: ListdropFunction,
        poller: ListdropFunction,
        config: ListdropConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        self._bucket = bucket
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
        self._bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid=reader.sid,
                principals=[iam.ServicePrincipal(reader.service_principal)],
                actions=list(reader.actions),
                resources=[self._bucket.arn_for_objects(f"{reader.prefix}*")],
                conditions=conditions or None,
            )
        )

    def _grant(self, role: iam.IRole, grant: Grant) -> None:
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid=grant.sid,
                actions=list(grant.actions),
                resources=[self._resource(template) for template in grant.resources],
                conditions=dict(grant.conditions) or None,
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
            return self._bucket.arn_for_objects(prefix) if prefix else self._bucket.bucket_arn
        return template.format(partition=Aws.PARTITION, region=Aws.REGION, account=Aws.ACCOUNT_ID)

    def _nag_resource(self, template: str) -> str:
        """The resource as cdk-nag prints it in a finding."""
        if template.startswith(BUCKET):
            prefix = template[len(BUCKET) :]
            return f"{nag.arn_of(self._bucket)}/{prefix}" if prefix else nag.arn_of(self._bucket)
        return template.format(partition="<AWS::Partition>", region="<AWS::Region>", account="<AWS::AccountId>")

"""What each enabled job API beyond SES imports needs: the starter's and the poller's permissions, and the role
Pinpoint assumes to read its files. A provider that is not enabled gets nothing (listdrop:enabledProviders).

IAM actions and resource types follow the Service Authorization Reference (as cfn-lint's policy catalog
holds it): SES v2 and Mail Manager actions are `ses:`, Pinpoint's are `mobiletargeting:`.
"""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import nag
from infra.config import ListdropConfig
from infra.constants import EXPORT_RESULTS_PREFIX, MAIL_MANAGER, PINPOINT_IMPORT, SES_EXPORT, STAGING_PREFIX
from infra.constructs.function import ListdropFunction

ACCOUNT_ARN = "arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>:{resource}"


def _arn(service: str, resource: str) -> str:
    return f"arn:{Aws.PARTITION}:{service}:{Aws.REGION}:{Aws.ACCOUNT_ID}:{resource}"


def _nag_arn(service: str, resource: str) -> str:
    """The same ARN as cdk-nag prints it in a finding."""
    return ACCOUNT_ARN.format(service=service, resource=resource)


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
    ) -> None:
        super().__init__(scope, construct_id)
        self._bucket = bucket
        self._starter = starter
        self._poller = poller
        self.pinpoint_import_role: iam.Role | None = None
        enabled = set(config.enabled_providers)
        if SES_EXPORT in enabled:
            self._ses_exports()
        if MAIL_MANAGER in enabled:
            self._mail_manager()
        if PINPOINT_IMPORT in enabled:
            self._pinpoint()

    def _ses_exports(self) -> None:
        export_jobs = _arn("ses", "export-job/*")
        self._starter.role.add_to_policy(
            iam.PolicyStatement(
                sid="StartSesExportJobs",
                actions=["ses:CreateExportJob", "ses:ListExportJobs"],  # no resource type (see wildcard_reason)
                resources=["*"],
            )
        )
        self._starter.role.add_to_policy(
            iam.PolicyStatement(sid="FindInterruptedSesExports", actions=["ses:GetExportJob"], resources=[export_jobs])
        )
        for statement in (
            iam.PolicyStatement(
                sid="WatchSesExportJobs",
                actions=["ses:GetExportJob", "ses:CancelExportJob"],  # cancel: at the time limit
                resources=[export_jobs],
            ),
            iam.PolicyStatement(
                sid="KeepExportResults",
                actions=["s3:PutObject", "s3:AbortMultipartUpload"],
                resources=[self._bucket.arn_for_objects(f"{EXPORT_RESULTS_PREFIX}*")],
            ),
        ):
            self._poller.role.add_to_policy(statement)
        reason = "SES assigns export-job ids at creation, so they cannot be named in advance."
        nag.wildcard(self._starter.role, _nag_arn("ses", "export-job/*"), reason)
        nag.wildcard(self._poller.role, _nag_arn("ses", "export-job/*"), reason)
        nag.wildcard(
            self._poller.role,
            f"{nag.arn_of(self._bucket)}/{EXPORT_RESULTS_PREFIX}*",
            "Each export's file is copied to exports/results/<job id>/, a key known only once SES assigns the id.",
        )

    def _mail_manager(self) -> None:
        # Import-job calls are authorized on the address list (their only resource type), which the file's key
        # names; so the roles may use any address list of the account, and only for these calls.
        address_lists = _arn("ses", "mailmanager-address-list/*")
        self._starter.role.add_to_policy(
            iam.PolicyStatement(
                sid="StartMailManagerImports",
                actions=[
                    "ses:GetAddressList",
                    "ses:CreateAddressListImportJob",
                    "ses:GetAddressListImportJob",
                    "ses:StartAddressListImportJob",
                ],
                resources=[address_lists],
            )
        )
        # The job does not read the bucket: the starter streams the checked copy to the job's upload URL.
        staged = f"{STAGING_PREFIX}{MAIL_MANAGER}/*"
        self._starter.role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadCheckedMailManagerFiles",
                actions=["s3:GetObject", "s3:GetObjectVersion"],
                resources=[self._bucket.arn_for_objects(staged)],
            )
        )
        self._poller.role.add_to_policy(
            iam.PolicyStatement(
                sid="WatchMailManagerImports",
                actions=["ses:GetAddressListImportJob", "ses:StopAddressListImportJob"],  # stop: at the time limit
                resources=[address_lists],
            )
        )
        reason = "The address list is named by each file's key (imports/mail-manager/address-lists/<id>/)."
        nag.wildcard(self._starter.role, _nag_arn("ses", "mailmanager-address-list/*"), reason)
        nag.wildcard(self._poller.role, _nag_arn("ses", "mailmanager-address-list/*"), reason)
        nag.wildcard(
            self._starter.role,
            f"{nag.arn_of(self._bucket)}/{staged}",
            "The starter streams each upload's checked copy, staging/mail-manager/<tracking id>, to its job.",
        )

    def _pinpoint(self) -> None:
        apps = _arn("mobiletargeting", "apps/*")
        staged = f"{STAGING_PREFIX}{PINPOINT_IMPORT}/"
        role = iam.Role(
            self,
            "PinpointImportRole",
            description="listdrop: Amazon Pinpoint assumes this role to read checked endpoint files",
            assumed_by=iam.ServicePrincipal(
                "pinpoint.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {"aws:SourceArn": apps},
                },
            ),
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadCheckedEndpointFiles",
                actions=["s3:GetObject"],
                resources=[self._bucket.arn_for_objects(f"{staged}*")],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ListCheckedEndpointFiles",
                actions=["s3:ListBucket"],
                resources=[self._bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{staged}*"]}},
            )
        )
        nag.wildcard(
            role,
            f"{nag.arn_of(self._bucket)}/{staged}*",
            "Pinpoint reads each upload's checked copy, staging/pinpoint-import/<tracking id>, and nothing else.",
        )
        self.pinpoint_import_role = role

        self._starter.role.add_to_policy(
            iam.PolicyStatement(
                sid="StartPinpointImports",
                actions=[
                    "mobiletargeting:GetApp",
                    "mobiletargeting:GetSegment",
                    "mobiletargeting:CreateImportJob",
                    "mobiletargeting:GetImportJobs",
                ],
                resources=[apps],
            )
        )
        self._starter.role.add_to_policy(
            iam.PolicyStatement(
                sid="PassPinpointImportRole",
                actions=["iam:PassRole"],
                resources=[role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "pinpoint.amazonaws.com"}},
            )
        )
        self._starter.function.add_environment("PINPOINT_IMPORT_ROLE_ARN", role.role_arn)
        self._poller.role.add_to_policy(
            iam.PolicyStatement(sid="WatchPinpointImports", actions=["mobiletargeting:GetImportJob"], resources=[apps])
        )
        reason = "The Pinpoint application (and its segments and import jobs) is named by each file's key."
        nag.wildcard(self._starter.role, _nag_arn("mobiletargeting", "apps/*"), reason)
        nag.wildcard(self._poller.role, _nag_arn("mobiletargeting", "apps/*"), reason)

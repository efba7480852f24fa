"""The upload bucket: encrypted, TLS only, private, versioned; SES may read the SES import prefix."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, Aws, Duration, RemovalPolicy, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constants import SES_STAGING_PREFIX, STAGING_PREFIX

# The baseline every listdrop bucket shares: encrypted, TLS 1.2+ only, never public, no ACLs.
PRIVATE_BUCKET: dict[str, Any] = {
    "encryption": s3.BucketEncryption.S3_MANAGED,
    "enforce_ssl": True,
    "minimum_tls_version": 1.2,
    "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
    "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
}


STAGING_DAYS = 14


class UploadStorage(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, noncurrent_version_expiry_days: int) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = self._build_access_log_bucket()
        self.bucket = s3.Bucket(
            self,
            "Uploads",
            **PRIVATE_BUCKET,
            versioned=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="uploads/",
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-old-versions",
                    noncurrent_version_expiration=Duration.days(noncurrent_version_expiry_days),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                ),
                # The job has read its normalized copy long before this (jobMaxDurationSeconds <= 1 year is
                # allowed, but SES jobs end in hours); the upload itself stays, versioned.
                s3.LifecycleRule(
                    id="expire-staged-files", prefix=STAGING_PREFIX, expiration=Duration.days(STAGING_DAYS)
                ),
            ],
        )
        self._allow_ses_to_read_imports()

    def _build_access_log_bucket(self) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            "AccessLogs",
            **PRIVATE_BUCKET,
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[s3.LifecycleRule(id="expire-logs", expiration=Duration.days(365))],
        )
        Validations.of(bucket).acknowledge(
            Acknowledgment(
                id="AwsSolutions-S1",
                reason="This is the access-log bucket itself; logging it into itself would loop.",
            )
        )
        return bucket

    def _allow_ses_to_read_imports(self) -> None:
        """SES import jobs read the normalized file as ses.amazonaws.com, on behalf of this account only.

        Only the staging prefix: SES never reads an upload listdrop has not checked. The condition is the one SES
        documents for the bucket policy of import jobs, aws:Referer set to the account id
        (https://docs.aws.amazon.com/ses/latest/dg/sending-email-list-management.html, importing contacts; and
        https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list.html, bulk suppression imports).
        SES does not send aws:SourceAccount there, so a grant conditioned on it would never let SES read.
        """
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowSesImportJobsToReadCheckedFiles",
                principals=[iam.ServicePrincipal("ses.amazonaws.com")],
                actions=["s3:GetObject"],
                resources=[self.bucket.arn_for_objects(f"{SES_STAGING_PREFIX}*")],
                conditions={"StringEquals": {"aws:Referer": Aws.ACCOUNT_ID}},
            )
        )

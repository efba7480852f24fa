"""The upload bucket: encrypted, TLS only, private, versioned. What job APIs may read in it, their providers' specs
say (infra/constructs/job_apis.py)."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ..constants import STAGING_PREFIX

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

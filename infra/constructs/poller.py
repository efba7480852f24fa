"""The poller function: reads a job's status, copies its failed-records report, records progress."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from .. import nag
from ..constants import EXPORT_RESULTS_PREFIX, LAMBDA_HANDLERS, REPORTS_PREFIX, STAGING_PREFIX
from .function import ListdropFunction


class Poller(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        table: dynamodb.ITableV2,
        powertools_layer: lambda_.ILayerVersion,
        log_retention: logs.RetentionDays,
        key_prefix: str = "",
        sync_max_removal_percent: float = 10.0,
    ) -> None:
        """`key_prefix`: where listdrop's keys live in the bucket (Ingest's); the reports and results go under it."""
        super().__init__(scope, construct_id)
        reports = key_prefix + REPORTS_PREFIX
        self.function = ListdropFunction(
            self,
            "Function",
            handler=LAMBDA_HANDLERS["poller"],
            description="listdrop: poll an import job and build its outcome",
            environment={
                "JOBS_TABLE_NAME": table.table_name,
                "BUCKET_NAME": bucket.bucket_name,
                "REPORTS_PREFIX": reports,
                "EXPORT_RESULTS_PREFIX": key_prefix + EXPORT_RESULTS_PREFIX,
                "STAGING_PREFIX": key_prefix + STAGING_PREFIX,  # the state of listdrop's own jobs (jobs/)
                "SYNC_MAX_REMOVAL_PERCENT": f"{sync_max_removal_percent:g}",
            },
            # A list export's poll reads for up to a minute (SECONDS_PER_POLL), then may wait out a slow last call
            # (the SDK's three attempts at a 30 s read timeout) and write an 8 MiB part: 180 s covers it.
            timeout=Duration.seconds(180),
            powertools_layer=powertools_layer,
            log_retention=log_retention,
        )
        for statement in [
            iam.PolicyStatement(
                sid="RecordProgress",
                actions=["dynamodb:UpdateItem"],
                resources=[table.table_arn],
            ),
            iam.PolicyStatement(
                sid="WriteFailureReports",
                # The report is copied with a managed (multipart) upload: let the poller abort one it began, so
                # a failed copy leaves no parts behind.
                actions=["s3:PutObject", "s3:AbortMultipartUpload"],
                resources=[bucket.arn_for_objects(f"{reports}*")],
            ),
        ]:
            self.function.role.add_to_policy(statement)
        nag.wildcard(
            self.function.role,
            nag.flattened(self.function.role, bucket.arn_for_objects(f"{reports}*")),
            f"Each job's failed-records report is written under {reports}<tracking id>/, and only there.",
        )

"""S3 upload -> SQS (buffer, retries, dead-letter queue) -> starter function."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from listdrop.providers.spec import RoleName

from .. import nag
from ..config import ListdropConfig
from ..constants import (
    EXPORT_RESULTS_PREFIX,
    EXPORTS_PREFIX,
    IMPORTS_PREFIX,
    LAMBDA_HANDLERS,
    REPORTS_PREFIX,
    STAGING_PREFIX,
)
from .function import ListdropFunction
from .job_apis import wildcard_reason

STARTER_MEMORY_MB = 1769
MAX_RECEIVE_COUNT = 5
# How many starters may run at once. Lambda would otherwise scale an SQS source by up to 300 instances a minute, to
# 1,000 (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html), and a burst of large uploads
# could take the account's whole concurrency, throttling the poller and everything else in the account. The event
# source's maximum concurrency (2-1,000, same page) bounds it without reserving any: uploads beyond it wait in the
# queue, which is what the queue is for.
STARTER_MAX_CONCURRENCY = 10


class Ingest(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        table: dynamodb.ITableV2,
        state_machine: sfn.IStateMachine,
        config: ListdropConfig,
        powertools_layer: lambda_.ILayerVersion,
        dependencies_layer: lambda_.ILayerVersion,
        log_retention: logs.RetentionDays,
        key_prefix: str = "",
    ) -> None:
        """`key_prefix`: where listdrop's keys live in the bucket ('' or ending in '/'): every notification filter,
        permission and prefix setting below is under it, and the starter strips it before routing a key."""
        super().__init__(scope, construct_id)
        self._key_prefix = key_prefix
        starter_timeout = Duration.seconds(config.starter_timeout_seconds)
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        Validations.of(self.dead_letter_queue).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SQS3",
                reason="This queue is the dead-letter queue of the ingest queue; it has none of its own by design.",
            )
        )
        # SSE-SQS rather than KMS: S3 event notifications cannot be delivered to a queue encrypted
        # with the AWS managed SQS key, and SSE-SQS needs no key policy for the s3 principal.
        self.queue = sqs.Queue(
            self,
            "Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(starter_timeout.to_seconds() * 6),  # AWS guidance for SQS sources
            retention_period=Duration.days(14),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.dead_letter_queue, max_receive_count=MAX_RECEIVE_COUNT),
        )
        for prefix in (IMPORTS_PREFIX, EXPORTS_PREFIX):
            bucket.add_event_notification(
                s3.EventType.OBJECT_CREATED,
                s3n.SqsDestination(self.queue),
                s3.NotificationKeyFilter(prefix=key_prefix + prefix),
            )
        self.starter = self._build_starter(
            bucket, table, state_machine, config, powertools_layer, log_retention, starter_timeout
        )
        # Throttled uploads go back to the queue as a delayed copy (functions/listdrop/requeue.py).
        self.queue.grant_send_messages(self.starter.function)
        self.starter.function.add_layers(dependencies_layer)  # numpy, for the checker: only the starter checks files

    def _build_starter(
        self,
        bucket: s3.IBucket,
        table: dynamodb.ITableV2,
        state_machine: sfn.IStateMachine,
        config: ListdropConfig,
        powertools_layer: lambda_.ILayerVersion,
        log_retention: logs.RetentionDays,
        timeout: Duration,
    ) -> ListdropFunction:
        starter = ListdropFunction(
            self,
            "Starter",
            handler=LAMBDA_HANDLERS["starter"],
            description="listdrop: check an uploaded file and start its import job",
            environment={
                "JOBS_TABLE_NAME": table.table_name,
                "STATE_MACHINE_ARN": state_machine.state_machine_arn,
                "MAX_FILE_BYTES": str(config.max_file_bytes),
                "POLL_INITIAL_WAIT_SECONDS": str(config.poll_initial_wait_seconds),
                "POLL_MAX_WAIT_SECONDS": str(config.poll_max_wait_seconds),
                "POLL_WAIT_PERCENT": str(config.poll_wait_percent),
                "JOB_MAX_DURATION_SECONDS": str(config.job_max_duration_seconds),
                "STATUS_UNREADABLE_SECONDS": str(config.status_unreadable_seconds),
                # Longer than any attempt can live, so a live claim is never taken over.
                "CLAIM_LEASE_SECONDS": str(int(timeout.to_seconds()) * 2),
                "ALLOWED_CONTACT_LISTS": ",".join(config.allowed_contact_lists),
                "MAX_INVALID_ROW_PERCENT": f"{config.max_invalid_row_percent:g}",
                "STAGING_PREFIX": self._key_prefix + STAGING_PREFIX,
                "REPORTS_PREFIX": self._key_prefix + REPORTS_PREFIX,
                # Where a list export keeps its state and writes its file (providers/ses_export/list_export.py).
                "BUCKET_NAME": bucket.bucket_name,
                "EXPORT_RESULTS_PREFIX": self._key_prefix + EXPORT_RESULTS_PREFIX,
                "ENABLED_PROVIDERS": ",".join(config.enabled_providers),
                "EXTRA_COLUMNS_AS_ATTRIBUTES": "true" if config.extra_columns_as_attributes else "false",
                # Only when set, so a deployment without a prefix keeps the environment it always had.
                **({"KEY_PREFIX": self._key_prefix} if self._key_prefix else {}),
            },
            timeout=timeout,
            memory_size=STARTER_MEMORY_MB,
            powertools_layer=powertools_layer,
            log_retention=log_retention,
            wildcard_reason=wildcard_reason(config, RoleName.STARTER),
        )
        starter.function.add_event_source(
            sources.SqsEventSource(
                self.queue,
                batch_size=10,
                max_batching_window=Duration.seconds(1),
                report_batch_item_failures=True,
                max_concurrency=STARTER_MAX_CONCURRENCY,
            )
        )
        imports, exports = self._key_prefix + IMPORTS_PREFIX, self._key_prefix + EXPORTS_PREFIX
        staging, reports = self._key_prefix + STAGING_PREFIX, self._key_prefix + REPORTS_PREFIX
        policy = [
            iam.PolicyStatement(
                sid="ReadUploadedFiles",
                actions=["s3:GetObject", "s3:GetObjectVersion"],
                resources=[bucket.arn_for_objects(f"{imports}*"), bucket.arn_for_objects(f"{exports}*")],
            ),
            # Without s3:ListBucket, S3 answers 403 AccessDenied instead of 404 for a key or version that is gone
            # (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, "Permissions"), and the
            # starter could not tell a deleted upload from a denied one. Only for the prefixes it reads.
            iam.PolicyStatement(
                sid="TellDeletedUploadsFromDeniedOnes",
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{imports}*", f"{exports}*"]}},
            ),
            iam.PolicyStatement(
                sid="WriteCheckedFilesAndReports",
                actions=["s3:PutObject", "s3:AbortMultipartUpload"],
                resources=[bucket.arn_for_objects(f"{staging}*"), bucket.arn_for_objects(f"{reports}*")],
            ),
            iam.PolicyStatement(
                sid="RecordJobs",
                actions=["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
                resources=[table.table_arn],
            ),
            iam.PolicyStatement(
                sid="StartWorkflow",
                actions=["states:StartExecution"],
                resources=[state_machine.state_machine_arn],
            ),
        ]
        for statement in policy:
            starter.role.add_to_policy(statement)
        nag.wildcard(
            starter.role,
            nag.flattened(starter.role, bucket.arn_for_objects(f"{imports}*")),
            f"The starter reads whichever file is uploaded under the {imports} prefix, and only there.",
        )
        nag.wildcard(
            starter.role,
            nag.flattened(starter.role, bucket.arn_for_objects(f"{exports}*")),
            f"The starter reads whichever export request is uploaded under {exports}, and only there.",
        )
        for prefix, purpose in ((staging, "normalized copy"), (reports, "rejected-rows report")):
            nag.wildcard(
                starter.role,
                nag.flattened(starter.role, bucket.arn_for_objects(f"{prefix}*")),
                f"The starter writes each upload's {purpose} under {prefix}<tracking id>, a key known only "
                "once the upload arrives.",
            )
        return starter

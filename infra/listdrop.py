"""`Listdrop`: the whole of listdrop as one construct, to embed in a CDK app of your own.

Installed (`pip install "listdrop[cdk]"`), this module is `listdrop_cdk.listdrop` (pyproject.toml maps the
repository's infra/ to the import name `listdrop_cdk`, so it never meets an `infra` package of your own):

    from listdrop_cdk.listdrop import Listdrop, ListdropConfig

    Listdrop(self, "Listdrop", bucket=my_bucket, key_prefix="listdrop/", config=ListdropConfig(...))

In the repository, `infra.listdrop` is the same module, and ListdropStack (infra/stack.py) is its thin user.
"""

from __future__ import annotations

import re
from pathlib import Path

from aws_cdk import Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from . import constants, nag
from .config import ListdropConfig
from .constructs.dependencies import LAYER_DIR, DependenciesLayer
from .constructs.function import ListdropFunction, powertools_layer
from .constructs.ingest import Ingest
from .constructs.job_apis import JobApis
from .constructs.job_table import JobTable
from .constructs.notifications import Notifications
from .constructs.operations import Operations
from .constructs.poller import Poller
from .constructs.schedules import ExportSchedules
from .constructs.storage import UploadStorage
from .constructs.workflow import JobWorkflow

__all__ = ["Listdrop", "ListdropConfig"]

ACCESS_LOGS_BY_POLICY = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"
# A key prefix: S3 key characters that need no URL-encoding in an event, '/'-separated, ending in '/'.
_KEY_PREFIX = re.compile(r"^([A-Za-z0-9!_.*'()-]+/)+$")


class Listdrop(Construct):
    """listdrop's storage, job table, notifications, poller, workflow, ingest, job APIs and operations, wired
    together. Every property is optional; without any it builds what `ListdropStack` deploys.

    Properties:
    - `config`: the deployment settings (infra/config.py; the README's "Deploying to AWS" names each). Default:
      `ListdropConfig()`, the defaults cdk.json's context also gives.
    - `bucket`: an existing bucket to take uploads in, instead of the versioned, access-logged bucket listdrop
      creates. What that implies:
      - Encryption: SSE-S3 only. listdrop's functions hold no KMS permissions, and SES reads the checked copies
        (staging/ses-import/) as its own service principal, which an AWS managed key never allows. A bucket with a
        KMS key (`encryption_key`) or, for an `s3.Bucket`, any default encryption but SSE-S3 is refused here; one
        imported by name is not checked, so check it yourself.
      - Its policy: SES import jobs need the bucket policy statement `AllowSesImportJobsToReadCheckedFiles` (SES may
        `s3:GetObject` the objects under `<key_prefix>staging/ses-import/`, on condition `aws:Referer` = your
        account). For an `s3.Bucket` of the same stack it is added; CDK cannot change the policy of an imported
        bucket (`Bucket.from_bucket_name` and the like: `add_to_resource_policy` adds nothing), so synthesis warns
        and `bucket_policy_statements` holds what to add to the bucket's own policy.
      - Its event notifications: listdrop sends `s3:ObjectCreated:*` under `<key_prefix>imports/` and
        `<key_prefix>exports/ses/` to its queue. For an imported bucket CDK writes them with a custom resource
        (Custom::S3BucketNotifications, `Managed: false`) that keeps the bucket's other notification
        configurations and removes only its own on deletion (its handler, aws-cdk-lib
        custom-resource-handlers/dist/aws-s3/notifications-resource-handler/index.py, `handle_unmanaged`). S3 does
        not support notification configurations whose prefixes overlap ("Overlapping prefixes and suffixes are not
        supported", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-s3-bucket-filterrule.html):
        a notification of yours on the whole bucket must be narrowed first.
      - Its lifecycle: the rules listdrop sets on its own bucket (old versions expire, checked copies expire after
        14 days under staging/) are yours to set on an existing bucket.
      A bucket of another stack: import it by name in this one (`s3.Bucket.from_bucket_name`), since notifications
      set on it from here would make the two stacks depend on each other.
    - `key_prefix`: where listdrop's keys live in the bucket ('' for its root, the default, or a prefix ending in
      '/', such as 'listdrop/'): uploads go under `<key_prefix>imports/...` and `<key_prefix>exports/ses/`, and
      listdrop writes under `<key_prefix>staging/`, `<key_prefix>reports/` and `<key_prefix>exports/results/`. The
      notification filters, every IAM statement on the bucket and the functions' settings (KEY_PREFIX, which the
      starter strips before routing a key; the prefix settings) follow it. Outcome events carry the whole key.
    - `key`: an existing KMS key to encrypt the notification topics with (and the operations topic), instead of
      the one listdrop creates. Its key policy must let `events.amazonaws.com` and `cloudwatch.amazonaws.com` use
      it (kms:GenerateDataKey*, kms:Decrypt: infra/constructs/topic_access.py); a key of this stack gets those
      statements, an imported one does not (synthesis warns).
    - `completed_topic`, `failed_topic`: existing SNS topics (both or neither) to publish outcomes to, instead of
      the ones listdrop creates. Their topic policies must let `events.amazonaws.com` `sns:Publish` (without a
      condition: EventBridge allows none there); if they are encrypted, pass their key as `key`. Topics of this
      stack get the statements, imported ones do not (synthesis warns). `config.notification_emails` subscribes to
      them either way.
    - `dependencies_layer`: a Lambda layer that provides listdrop's run-time dependencies (numpy) for python3.13
      x86_64; or `dependencies_layer_dir`: a folder to build it from (default: the repository's .build/lambda-layer,
      which `make layer` fills; the error message without it says how to build one).

    Attributes: `bucket`, `key_prefix`, `queue`, `dead_letter_queue`, `table`, `state_machine`, `bus`,
    `completed_topic`, `failed_topic`, `operations_topic`, `dashboard`, `dead_letter_alarm`, `starter` and `poller`
    (their `function` and `role`), `bucket_policy_statements`.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: ListdropConfig | None = None,
        bucket: s3.IBucket | None = None,
        key_prefix: str = "",
        key: kms.IKey | None = None,
        completed_topic: sns.ITopic | None = None,
        failed_topic: sns.ITopic | None = None,
        dependencies_layer: lambda_.ILayerVersion | None = None,
        dependencies_layer_dir: str | Path | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        # The access-log bucket takes S3's log deliveries by bucket policy, not by ACL (which its BUCKET_OWNER_ENFORCED
        # ownership refuses): CDK does so only under this feature flag, which apps made before it lack.
        self.node.set_context(ACCESS_LOGS_BY_POLICY, True)
        self.config = config = config or ListdropConfig()
        config.validate()
        self.key_prefix = _checked_key_prefix(key_prefix)
        retention = _retention(config.log_retention_days)
        layer = powertools_layer(self, config.powertools_layer_arn)

        self.bucket = bucket if bucket is not None else self._own_bucket(config)
        _refuse_kms_bucket(self.bucket)
        self.table = JobTable(self, "JobTable").table
        notifications = Notifications(
            self,
            "Notifications",
            emails=config.notification_emails,
            key=key,
            completed_topic=completed_topic,
            failed_topic=failed_topic,
            chat_topic=config.chat_topic,
        )
        self.bus, self.key = notifications.bus, notifications.key
        self.chat_topic = notifications.chat_topic
        self.completed_topic, self.failed_topic = notifications.completed_topic, notifications.failed_topic
        self.poller: ListdropFunction = Poller(
            self,
            "Poller",
            bucket=self.bucket,
            table=self.table,
            powertools_layer=layer,
            log_retention=retention,
            key_prefix=self.key_prefix,
            sync_max_removal_percent=config.sync_max_removal_percent,
        ).function
        self.state_machine = JobWorkflow(
            self,
            "Workflow",
            poller=self.poller.function,
            bus=notifications.bus,
            table=self.table,
            config=config,
            log_retention=retention,
        ).state_machine
        notifications.watch_state_machine(self.state_machine)
        ingest = Ingest(
            self,
            "Ingest",
            bucket=self.bucket,
            table=self.table,
            state_machine=self.state_machine,
            config=config,
            powertools_layer=layer,
            dependencies_layer=dependencies_layer
            or DependenciesLayer(self, "Dependencies", layer_dir=Path(dependencies_layer_dir or LAYER_DIR)).layer,
            log_retention=retention,
            key_prefix=self.key_prefix,
        )
        self.queue, self.dead_letter_queue, self.starter = ingest.queue, ingest.dead_letter_queue, ingest.starter
        job_apis = JobApis(
            self,
            "JobApis",
            bucket=self.bucket,
            starter=self.starter,
            poller=self.poller,
            config=config,
            key_prefix=self.key_prefix,
        )
        self.bucket_policy_statements: list[iam.PolicyStatement] = job_apis.bucket_policy_statements
        if config.export_schedules:
            ExportSchedules(
                self,
                "ExportSchedules",
                schedules=config.export_schedules,
                bucket=self.bucket,
                key_prefix=self.key_prefix,
            )
        operations = Operations(
            self,
            "Operations",
            dead_letter_queue=self.dead_letter_queue,
            ingest_queue=self.queue,
            state_machine=self.state_machine,
            starter=self.starter.function,
            poller=self.poller.function,
            key=notifications.key,
            emails=config.operations_emails,
        )
        self.operations_topic, self.dashboard = operations.topic, operations.dashboard
        self.dead_letter_alarm = _alarm(operations, "DeadLetterQueueAlarm")
        self._acknowledge_bucket_notifications_handler()

    def outputs(self) -> dict[str, str]:
        """What the `listdrop` command reads from a stack's outputs (`--stack NAME`), by output id
        (infra/constants.py). A stack that adds them as CfnOutputs can be driven by `listdrop jobs` and `redrive`."""
        outputs = {
            constants.OUTPUT_BUCKET: self.bucket.bucket_name,
            constants.OUTPUT_QUEUE: self.queue.queue_url,
            constants.OUTPUT_DLQ: self.dead_letter_queue.queue_url,
            constants.OUTPUT_TABLE: self.table.table_name,
            constants.OUTPUT_STATE_MACHINE: self.state_machine.state_machine_arn,
            constants.OUTPUT_EVENT_BUS: self.bus.event_bus_name,
            constants.OUTPUT_COMPLETED_TOPIC: self.completed_topic.topic_arn,
            constants.OUTPUT_FAILED_TOPIC: self.failed_topic.topic_arn,
            constants.OUTPUT_OPERATIONS_TOPIC: self.operations_topic.topic_arn,
            constants.OUTPUT_DASHBOARD: self.dashboard.dashboard_name,
            constants.OUTPUT_DEAD_LETTER_ALARM: self.dead_letter_alarm.alarm_name,
            constants.OUTPUT_ENABLED_PROVIDERS: ",".join(self.config.enabled_providers),
        }
        if self.chat_topic is not None:
            outputs[constants.OPTIONAL_OUTPUT_CHAT_TOPIC] = self.chat_topic.topic_arn
        return outputs

    def _own_bucket(self, config: ListdropConfig) -> s3.IBucket:
        storage = UploadStorage(self, "Storage", noncurrent_version_expiry_days=config.noncurrent_version_expiry_days)
        return storage.bucket

    def _acknowledge_bucket_notifications_handler(self) -> None:
        """CDK's own singleton function that writes the bucket's notification configuration (one per stack)."""
        for child in Stack.of(self).node.children:
            if child.node.id.startswith("BucketNotificationsHandler"):
                nag.acknowledge(
                    child,
                    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                    "AWSLambdaBasicExecutionRole]",
                    "CDK's built-in BucketNotificationsHandler (it sets the S3 -> SQS notification at deploy "
                    "time) comes with this managed policy; it only writes its own logs.",
                )


def _checked_key_prefix(key_prefix: str) -> str:
    if key_prefix and not _KEY_PREFIX.match(key_prefix):
        raise ValueError(
            f"key_prefix must be '' or '/'-separated parts of letters, digits and !_.*'()- ending in '/' (such as "
            f"'listdrop/'), got {key_prefix!r}"
        )
    return key_prefix


def _refuse_kms_bucket(bucket: s3.IBucket) -> None:
    """What can be known here: a key given with the bucket, or an s3.Bucket's own default encryption. An imported
    bucket says nothing of its encryption."""
    if bucket.encryption_key is not None or _default_encryption(bucket) - {"AES256"}:
        raise ValueError(
            "the bucket is encrypted with a KMS key: listdrop needs SSE-S3 (its functions hold no KMS permissions, "
            "and SES reads the checked copies as its service principal). See the Listdrop construct's docstring."
        )


def _default_encryption(bucket: s3.IBucket) -> set[str]:
    """The SSE algorithms of an s3.Bucket's default encryption ('AES256' is SSE-S3); none for an imported bucket."""
    cfn = bucket.node.default_child
    if not isinstance(cfn, s3.CfnBucket):
        return set()
    encryption = Stack.of(bucket).resolve(cfn.bucket_encryption) or {}
    return {
        rule["serverSideEncryptionByDefault"]["sseAlgorithm"]
        for rule in encryption.get("serverSideEncryptionConfiguration", [])
    }


_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    731: logs.RetentionDays.TWO_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def _alarm(operations: Operations, construct_id: str) -> cloudwatch.Alarm:
    """One of the operations alarms, by its construct id (`listdrop smoke` sets the dead-letter one)."""
    alarm = operations.node.find_child(construct_id)
    assert isinstance(alarm, cloudwatch.Alarm)
    return alarm


def _retention(days: int) -> logs.RetentionDays:
    if days not in _RETENTION:
        raise ValueError(f"listdrop:logRetentionDays must be one of {sorted(_RETENTION)}, got {days}")
    return _RETENTION[days]

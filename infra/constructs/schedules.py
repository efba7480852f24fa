"""Scheduled SES exports (`listdrop:exportSchedules`, infra/export_schedules.py): one EventBridge Scheduler schedule
each, whose universal target writes the export's request file into the upload bucket, where it goes through the
pipeline like any uploaded request.

- The target is S3 PutObject as a universal target, `arn:<partition>:scheduler:::aws-sdk:s3:putObject`, whose Input
  is the API's request parameters as JSON ("Using universal targets",
  https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html): Bucket, Key, and Body, the
  request file as a JSON string. PutObject's Body is a blob (botocore s3 service-2.json); a universal target's Input
  is JSON, which carries it only as a string. No page says how Scheduler encodes a string Body: that it writes its
  UTF-8 bytes is an assumption (README, "Scheduled exports"), checked only in the local cloud.
- Scheduler replaces `<aws.scheduler.scheduled-time>` and `<aws.scheduler.execution-id>` "in the payload you pass to
  the target" ("Adding context attributes",
  https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html): the scheduled
  time becomes the window's end (`Before`), the execution id ("unique ... for each attempted invocation") a folder
  of the key, so each run is a new object, named after the schedule (so its notifications name the schedule). The
  page shows them in a message body, not in a parameter such as Key; were the id left as written, each run would
  still be a new version of one object, which listdrop takes as a new upload.
- The schedule's role may only put objects under its own folder (exports/ses/scheduled/<name>/); the bucket is
  SSE-S3 by default (no KMS permission needed). Its trust policy lets scheduler.amazonaws.com assume it for this
  account only: the global condition key `aws:SourceAccount`
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceaccount),
  the usual guard against a confused deputy. That Scheduler sets it when it assumes the role is our reading of its
  user guide's "Set up the execution role" (setting-up.html), whose example we could not read whole: an assumption.
"""

from __future__ import annotations

from aws_cdk import Aws, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from .. import nag
from ..export_schedules import SCHEDULED_PREFIX, ExportSchedule

SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
EXECUTION_ID = "<aws.scheduler.execution-id>"
SCHEDULER = "scheduler.amazonaws.com"


class ExportSchedules(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        schedules: tuple[ExportSchedule, ...],
        bucket: s3.IBucket,
        key_prefix: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.schedules: dict[str, scheduler.CfnSchedule] = {}
        for schedule in schedules:
            self.schedules[schedule.name] = self._schedule(schedule, bucket, key_prefix)

    def _schedule(self, schedule: ExportSchedule, bucket: s3.IBucket, key_prefix: str) -> scheduler.CfnSchedule:
        role = iam.Role(
            self,
            f"{schedule.name}Role",
            assumed_by=iam.ServicePrincipal(
                SCHEDULER, conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}
            ),
            description=f"EventBridge Scheduler writes listdrop's scheduled export '{schedule.name}'",
        )
        objects = bucket.arn_for_objects(f"{key_prefix}{SCHEDULED_PREFIX}{schedule.name}/*")
        role.add_to_policy(iam.PolicyStatement(actions=["s3:PutObject"], resources=[objects]))
        nag.wildcard(
            role,
            nag.flattened(self, objects),
            "Each run writes a new object (named by Scheduler's execution id) into this schedule's own folder.",
        )
        target_input = {
            "Bucket": bucket.bucket_name,
            "Key": schedule.key(key_prefix, EXECUTION_ID),
            "Body": schedule.request_body(SCHEDULED_TIME),
            "ContentType": "application/json",
            "ExpectedBucketOwner": Aws.ACCOUNT_ID,
        }
        return scheduler.CfnSchedule(
            self,
            schedule.name,
            description=f"listdrop scheduled SES export '{schedule.name}'",
            schedule_expression=schedule.expression,
            schedule_expression_timezone=schedule.timezone,
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            target=scheduler.CfnSchedule.TargetProperty(
                arn=f"arn:{Aws.PARTITION}:scheduler:::aws-sdk:s3:putObject",
                role_arn=role.role_arn,
                input=Stack.of(self).to_json_string(target_input),
            ),
        )

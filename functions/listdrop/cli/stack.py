"""The deployed stack's outputs: where every command finds the resources it works on (`--stack NAME`).

The output names are infra/constants.py's OUTPUT_*, spelled again here because the CLI does not import infra/;
tests/infra/test_pipeline_shape.py keeps the two in step.
"""

from __future__ import annotations

from listdrop.cli.connection import Connection

BUCKET_OUTPUT = "UploadBucketName"
QUEUE_OUTPUT = "IngestQueueUrl"
DEAD_LETTER_QUEUE_OUTPUT = "IngestDeadLetterQueueUrl"
TABLE_OUTPUT = "JobTableName"
COMPLETED_TOPIC_OUTPUT = "CompletedTopicArn"
FAILED_TOPIC_OUTPUT = "FailedTopicArn"
OPERATIONS_TOPIC_OUTPUT = "OperationsTopicArn"
DEAD_LETTER_ALARM_OUTPUT = "DeadLetterAlarmName"
ENABLED_PROVIDERS_OUTPUT = "EnabledProviders"  # the job APIs the deployment drives, comma-separated


def stack_outputs(connection: Connection, stack: str) -> dict[str, str]:
    """The stack's outputs by key (a CloudFormation DescribeStacks call)."""
    [description] = connection.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    return {str(o["OutputKey"]): str(o["OutputValue"]) for o in description.get("Outputs", [])}

"""The listdrop stack: the Listdrop construct (infra/listdrop.py) and the outputs the CLI and the local cloud read."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from . import constants
from .config import ListdropConfig
from .listdrop import Listdrop

# The construct's id: CDK leaves a "Default" child out of the logical ids below it, so the resources keep the ids they
# had when the stack built them itself (a deployed stack updates in place, nothing is replaced).
CONSTRUCT_ID = "Default"


class ListdropStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: ListdropConfig, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        listdrop = Listdrop(self, CONSTRUCT_ID, config=config)
        outputs = {
            constants.OUTPUT_BUCKET: listdrop.bucket.bucket_name,
            constants.OUTPUT_QUEUE: listdrop.queue.queue_url,
            constants.OUTPUT_DLQ: listdrop.dead_letter_queue.queue_url,
            constants.OUTPUT_TABLE: listdrop.table.table_name,
            constants.OUTPUT_STATE_MACHINE: listdrop.state_machine.state_machine_arn,
            constants.OUTPUT_EVENT_BUS: listdrop.bus.event_bus_name,
            constants.OUTPUT_COMPLETED_TOPIC: listdrop.completed_topic.topic_arn,
            constants.OUTPUT_FAILED_TOPIC: listdrop.failed_topic.topic_arn,
            constants.OUTPUT_OPERATIONS_TOPIC: listdrop.operations_topic.topic_arn,
            constants.OUTPUT_DASHBOARD: listdrop.dashboard.dashboard_name,
            constants.OUTPUT_DEAD_LETTER_ALARM: listdrop.dead_letter_alarm.alarm_name,
            constants.OUTPUT_ENABLED_PROVIDERS: ",".join(config.enabled_providers),
        }
        for output_id, value in outputs.items():
            CfnOutput(self, output_id, value=value)

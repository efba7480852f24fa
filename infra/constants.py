"""Names that the stack, the tests and the local cloud all read: change them here only."""

from listdrop import models
from listdrop.models import JobKind, Outcome

OUTPUT_BUCKET = "UploadBucketName"
OUTPUT_QUEUE = "IngestQueueUrl"
OUTPUT_DLQ = "IngestDeadLetterQueueUrl"
OUTPUT_TABLE = "JobTableName"
OUTPUT_STATE_MACHINE = "StateMachineArn"
OUTPUT_EVENT_BUS = "EventBusName"
OUTPUT_COMPLETED_TOPIC = "CompletedTopicArn"
OUTPUT_FAILED_TOPIC = "FailedTopicArn"
OUTPUT_OPERATIONS_TOPIC = "OperationsTopicArn"
OUTPUT_DASHBOARD = "DashboardName"
# What `listdrop smoke` reads besides the above: the alarm it sets to prove the operations topic delivers, and the
# job APIs the deployment drives (comma-separated), so it drops a file for each and only those.
OUTPUT_DEAD_LETTER_ALARM = "DeadLetterAlarmName"
OUTPUT_ENABLED_PROVIDERS = "EnabledProviders"
# Only with the chat output on (listdrop:chatTopic): the topic to connect to a chat channel configuration.
OPTIONAL_OUTPUT_CHAT_TOPIC = "ChatTopicArn"

EVENT_SOURCE = models.EVENT_SOURCE
IMPORTS_PREFIX = "imports/"
SES_IMPORTS_PREFIX = "imports/ses/"
REPORTS_PREFIX = "reports/"
STAGING_PREFIX = "staging/"  # normalized files, written by the starter, read by the import jobs
EXPORTS_PREFIX = "exports/ses/"  # export requests
EXPORT_RESULTS_PREFIX = "exports/results/"  # what the poller copies from SES (never notified: other prefix)

# The outcome events' detail-types, '<Import|Export> <outcome>', as the functions build them (Outcome.detail_type).
COMPLETED_DETAIL_TYPES = [Outcome.SUCCEEDED.detail_type(kind) for kind in JobKind]
FAILED_DETAIL_TYPES = [
    outcome.detail_type(kind) for kind in JobKind for outcome in (Outcome.FAILED, Outcome.REJECTED, Outcome.TIMED_OUT)
]

LAMBDA_HANDLERS = {
    "starter": "listdrop.handlers.starter.handler",
    "poller": "listdrop.handlers.poller.handler",
}

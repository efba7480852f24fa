"""Names that the stack, the tests and the local cloud all read: change them here only."""

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

EVENT_SOURCE = "listdrop"
IMPORTS_PREFIX = "imports/"
SES_IMPORTS_PREFIX = "imports/ses/"
REPORTS_PREFIX = "reports/"
STAGING_PREFIX = "staging/"  # normalized files, written by the starter, read by the import jobs
SES_STAGING_PREFIX = "staging/ses-import/"
EXPORTS_PREFIX = "exports/ses/"  # export requests
EXPORT_RESULTS_PREFIX = "exports/results/"  # what the poller copies from SES (never notified: other prefix)

# The job APIs listdrop drives (functions/listdrop/providers/registry.py; a test keeps the two in step).
SES_IMPORT = "ses-import"
SES_EXPORT = "ses-export"
MAIL_MANAGER = "mail-manager"
PINPOINT_IMPORT = "pinpoint-import"
PROVIDERS = (SES_IMPORT, SES_EXPORT, MAIL_MANAGER, PINPOINT_IMPORT)
# Pinpoint's endpoint imports reached end of support on 30 October 2026: off unless switched on.
ENABLED_BY_DEFAULT = (SES_IMPORT, SES_EXPORT, MAIL_MANAGER)

# The poll schedule's state in the workflow's state, and the fields of it the workflow reads: the names
# functions/listdrop/poll_schedule.py gives them (tests/unit/test_poll_schedule.py keeps the two in step).
POLL = "poll"
POLL_STATUS = "state"  # RUNNING, or the final state once the poller decided the outcome
POLL_WAIT_SECONDS = "waitSeconds"
POLL_MAX_WAIT_SECONDS = "maxWaitSeconds"
POLL_GIVE_UP_AT = "giveUpAt"
POLL_RUNNING = "RUNNING"

COMPLETED_DETAIL_TYPES = ["Import Succeeded"]
FAILED_DETAIL_TYPES = ["Import Failed", "Import Rejected", "Import Timed Out"]

LAMBDA_HANDLERS = {
    "starter": "listdrop.handlers.starter.handler",
    "poller": "listdrop.handlers.poller.handler",
}

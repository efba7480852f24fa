"""AWS services acting on this account's resources, evaluated as AWS evaluates them: each path below sends the
condition keys its service documents (and no others: a policy that tests a key a service does not send fails),
and needs the resource policy (and the key policy, for an encrypted topic) to allow its service principal.

- EventBridge rule -> SNS topic, as events.amazonaws.com: no keys at all, "You can't use Condition blocks in Amazon
  SNS topic policies for EventBridge" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html);
  to KMS only the encryption context, since "Adding the aws:SourceAccount, aws:SourceArn, and aws:SourceOrgID to a
  AWS KMS policy is not supported for EventBridge-to-encrypted topics" (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
- CloudWatch alarm -> SNS topic, as cloudwatch.amazonaws.com: aws:SourceArn (the alarm) and aws:SourceAccount, to
  SNS and to KMS (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/US_SetupSNS.html;
  sns-key-management.html).
- S3 event notification -> SQS queue, as s3.amazonaws.com: aws:SourceArn (the bucket) and aws:SourceAccount
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html).
- SNS subscription -> SQS queue, as sns.amazonaws.com: aws:SourceArn (the topic), aws:SourceAccount
  (https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html).
- SES import job -> S3 object, as ses.amazonaws.com: aws:Referer, the account id
  (https://docs.aws.amazon.com/ses/latest/dg/sending-email-list-management.html, and
  sending-email-suppression-list.html).

SNS encrypts with the encryption context `aws:sns:topicArn` = the topic's ARN
(https://docs.aws.amazon.com/gamelift/latest/flexmatchguide/queue-notification-sns-sse.html shows it as a key-policy
condition), and the publisher needs `kms:GenerateDataKey*` and `kms:Decrypt` (sns-key-management.html).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from localcloud.iam import enforcement
from localcloud.iam.policy import Decision, Document, Principal, Request, authorize

log = logging.getLogger("localcloud.iam")

EVENTBRIDGE = "events.amazonaws.com"
CLOUDWATCH = "cloudwatch.amazonaws.com"
S3 = "s3.amazonaws.com"
SNS = "sns.amazonaws.com"
SES = "ses.amazonaws.com"
_ALLOWED = Decision(True, "permissions are not enforced")


def _account_of(arn: str) -> str:
    return arn.split(":")[4]


def publish_to_topic(
    service: str, topic_arn: str, source_arn: str | None, enforcer: enforcement.Enforcer | None = None
) -> Decision:
    """May `service` publish to the topic (topic policy, then the key policy of an encrypted topic)?"""
    enforcer = enforcer or enforcement.active()
    if enforcer is None:
        return _ALLOWED
    source = {} if service == EVENTBRIDGE or source_arn is None else _source(source_arn, enforcer.store.account)
    path = f"{service} publishing to {topic_arn}"
    decision = enforcer.authorize_service(service, "sns:Publish", topic_arn, source, path)
    key = enforcer.store.topic_keys.get(topic_arn)
    if not decision or key is None:
        return decision
    kms_context = {**source, "kms:EncryptionContext:aws:sns:topicArn": topic_arn}
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        decision = enforcer.authorize_service(service, action, key, kms_context, path)
        if not decision:
            return decision
    return decision


def send_to_queue(
    service: str, queue_arn: str, source_arn: str, enforcer: enforcement.Enforcer | None = None
) -> Decision:
    """May `service` (S3 notifying, SNS delivering) send a message to the queue?"""
    enforcer = enforcer or enforcement.active()
    if enforcer is None:
        return _ALLOWED
    path = f"{service} sending to {queue_arn} for {source_arn}"
    context = _source(source_arn, enforcer.store.account)
    return enforcer.authorize_service(service, "sqs:SendMessage", queue_arn, context, path)


def ses_may_read(bucket_policy: Document | None, object_arn: str, account: str) -> Decision:
    """May an SES import job of `account` read the object? Evaluated on the bucket policy alone, with the one key
    SES's documentation conditions that read on: aws:Referer, the account id."""
    request = Request(
        Principal(SES), "s3:GetObject", object_arn, {"aws:Referer": account, "aws:SecureTransport": "true"}
    )
    return authorize(request, (), bucket_policy, resource_account=account)


def _source(source_arn: str, owner: str) -> dict[str, str]:
    """aws:SourceArn and aws:SourceAccount of a resource (an S3 bucket's ARN has no account: its owner's)."""
    return {"aws:SourceArn": source_arn, "aws:SourceAccount": _account_of(source_arn) or owner}


# -- the delivery paths moto runs itself ---------------------------------------------------------------------------

_installed = False
_lock = threading.Lock()


def install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        _patch_s3_notifications()
        _patch_sns_to_sqs()
        _installed = True


def _patch_s3_notifications() -> None:
    from moto.s3 import notifications

    original = notifications._send_sqs_message

    def send_sqs_message(account_id: str, event_body: Any, queue_name: str, region_name: str) -> None:
        bucket_arn = _bucket_arn(event_body)
        queue_arn = f"arn:aws:sqs:{region_name}:{account_id}:{queue_name}"
        if bucket_arn is not None and not send_to_queue(S3, queue_arn, bucket_arn):
            log.warning(
                "S3 could not deliver an event notification to %s: its queue policy does not allow it", queue_arn
            )
            return
        original(account_id, event_body, queue_name, region_name)

    notifications._send_sqs_message = send_sqs_message


def _bucket_arn(event_body: Any) -> str | None:
    try:
        bucket = event_body["Records"][0]["s3"]["bucket"]
    except (KeyError, IndexError, TypeError):
        return None
    arn = bucket.get("arn") if isinstance(bucket, Mapping) else None
    # S3 buckets' ARNs carry neither region nor account; aws:SourceAccount is the bucket owner's account.
    return str(arn) if arn else None


def _patch_sns_to_sqs() -> None:
    from moto.sns.models import Subscription

    original = Subscription.publish

    def publish(self: Any, message: str, message_id: str, *args: Any, **kwargs: Any) -> None:
        if self.protocol == "sqs" and not send_to_queue(SNS, str(self.endpoint), str(self.topic.arn)):
            log.warning(
                "SNS could not deliver to %s: its queue policy does not allow %s", self.endpoint, self.topic.arn
            )
            return
        original(self, message, message_id, *args, **kwargs)

    Subscription.publish = publish  # type: ignore[method-assign]  # patching moto on purpose

"""A queue of one's own, subscribed to listdrop's topics: what `listdrop notifications tail` prints from and what
`listdrop smoke` waits on, so neither takes messages from anyone else's subscription.

It follows SNS's guide for subscribing a queue to a topic
(https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html): the queue's policy lets only
sns.amazonaws.com send to it, and only from the given topics; the queue's owner subscribes it, so no confirmation
is needed. Raw message delivery stays off: each message is SNS's JSON envelope around the text e-mail subscribers
get (listdrop.notification reads it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


def queue_policy(queue_arn: str, topic_arns: list[str]) -> dict[str, Any]:
    """Only the listdrop topics may send to the queue: the policy SNS's guide gives for subscribing a queue, with
    every topic the queue is subscribed to.

    The topics are encrypted with a customer-managed KMS key; SNS decrypts a message before it delivers it
    (https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html), so a queue that is not
    encrypted with a KMS key needs no grant on the topics' key. The queue uses SSE-SQS (SQS-owned keys),
    which needs no key policy either; only a queue encrypted with a customer-managed KMS key would have to let
    sns.amazonaws.com use that key.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ListdropTopicsOnly",
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arns}},
            }
        ],
    }


@dataclass
class SubscriberQueue:
    """One queue and its subscriptions, each written down as soon as it exists, so a removal after a failure or
    Ctrl-C finds everything that was made."""

    name: str
    url: str | None = None
    arn: str | None = None
    subscriptions: list[str] = field(default_factory=list)

    def create(self, sqs: Any, topic_arns: list[str], *, retention_seconds: int = 3600) -> None:
        """The queue (SSE-SQS), with the policy that lets only these topics send to it."""
        self.url = str(
            sqs.create_queue(
                QueueName=self.name,
                Attributes={"SqsManagedSseEnabled": "true", "MessageRetentionPeriod": str(retention_seconds)},
            )["QueueUrl"]
        )
        self.arn = str(
            sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        )
        # The policy is set before the subscriptions, as SNS's guide orders the steps; a new policy can take a
        # moment to apply.
        sqs.set_queue_attributes(
            QueueUrl=self.url, Attributes={"Policy": json.dumps(queue_policy(self.arn, topic_arns))}
        )

    def subscribe(self, sns: Any, topic_arns: list[str]) -> None:
        for arn in topic_arns:
            subscription = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=self.arn, ReturnSubscriptionArn=True)
            self.subscriptions.append(str(subscription["SubscriptionArn"]))

"""The optional chat output: outcome events as custom notifications for Amazon Q Developer in chat applications
(formerly AWS Chatbot), which posts them to the Slack channels and Microsoft Teams channels a chat channel
configuration names.

The message is the custom-notification event the service documents in "Custom notifications using Amazon Q
Developer in chat applications" (https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html, "Event
schema"): `version` "1.0" and `source` "custom" (both required), an optional `id` ("unique event identifier": the
upload's tracking id), `content` with `textType` ("only client-markdown textType is currently supported"), `title`,
`description`, `nextSteps` and `keywords` (lists of strings), and `metadata` (`eventType`, `additionalContext`, a map
of strings). The same page says how it gets there: "If using EventBridge, you map the Amazon SNS topic to the
EventBridge rule target and map the topic to a channel used in your ... configuration".

EventBridge's input transformer makes it (infra/constructs/notifications.py cites its rules). This template is JSON,
and every value that comes from the event is a whole JSON value (`"description": <summary>`), never part of a
string: "EventBridge automatically adds quotes to string variable values" there, while a value placed inside a
string is not escaped, so a summary with a quote or a line break (a file name is the user's) would break the JSON.
The only placeholders inside strings are the detail-type and the tracking id, which listdrop makes from a fixed set
and from hex digits. The summary is the one every notification starts with: already redacted (no e-mail address)
and on one line.
"""

from __future__ import annotations

from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from listdrop.models import JobKind, Outcome

from ..constants import COMPLETED_DETAIL_TYPES, EVENT_SOURCE, FAILED_DETAIL_TYPES
from .topic_access import EncryptedTopicTarget

CHAT_VERSION = "1.0"  # "Must be 1.0."
CHAT_SOURCE = "custom"  # "Must be custom."
CHAT_TEXT_TYPE = "client-markdown"


def next_steps(kind: str) -> list[str]:
    """What to do next, by kind of outcome (the rules below route each kind with its own steps). The tracking id is
    the one value placed inside a string: 40 hex digits, nothing to escape."""
    show = f"`listdrop jobs show {events.EventField.from_path('$.detail.trackingId')}` shows the upload, its checks "
    show += "and its job."
    steps = {
        "completed": [f"{show} When records failed, it names the failure report that lists them."],
        "failed": [
            "Read the reason: it names what the job API answered, or the time limit that was reached.",
            show,
            "Fix the cause, then upload the file again: a new version of the object starts a new job.",
        ],
        "rejected": [
            "Fix what the reason names (the file, its key or the destination); nothing was imported.",
            # Words in angle brackets would be placeholders to EventBridge (and an unknown one is refused).
            "`listdrop validate FILE --to KEY` checks a file against its key before you upload it.",
            "Upload the file again: a new version of the object is a new upload.",
        ],
    }
    return steps[kind]


_REJECTED = [Outcome.REJECTED.detail_type(kind) for kind in JobKind]
DETAIL_TYPES: dict[str, list[str]] = {
    "completed": COMPLETED_DETAIL_TYPES,
    "failed": [detail_type for detail_type in FAILED_DETAIL_TYPES if detail_type not in _REJECTED],
    "rejected": _REJECTED,
}


def chat_message(steps: list[str]) -> events.RuleTargetInput:
    """The custom notification for one outcome event (see the module's docstring for the rules it keeps)."""
    field = events.EventField.from_path
    return events.RuleTargetInput.from_object(
        {
            "version": CHAT_VERSION,
            "source": CHAT_SOURCE,
            "id": field("$.detail.trackingId"),
            "content": {
                "textType": CHAT_TEXT_TYPE,
                "title": f"listdrop: {field('$.detail-type')}",
                "description": field("$.detail.summary"),
                "nextSteps": steps,
                "keywords": [field("$.detail.outcome"), field("$.detail.provider"), field("$.detail.action")],
            },
            "metadata": {
                "eventType": field("$.detail-type"),
                "additionalContext": {
                    "trackingId": field("$.detail.trackingId"),
                    "destination": field("$.detail.notice.destination"),
                    "file": field("$.detail.source.uri"),
                },
            },
        }
    )


class ChatOutput(Construct):
    """Rules that send every outcome event to `topic` as a custom notification. With `key`, the topic is one this
    stack encrypts with it, and both its policy and the key's let EventBridge publish (topic_access.py); without, it
    is an existing topic, whose owner lets EventBridge publish (README, "Notifications in Slack or Microsoft
    Teams")."""

    def __init__(
        self, scope: Construct, construct_id: str, *, bus: events.IEventBus, topic: sns.ITopic, key: kms.IKey | None
    ) -> None:
        super().__init__(scope, construct_id)
        for kind, detail_types in DETAIL_TYPES.items():
            message = chat_message(next_steps(kind))
            target: events.IRuleTarget = (
                EncryptedTopicTarget(topic, key, message=message)
                if key is not None
                else targets.SnsTopic(topic, message=message)
            )
            events.Rule(
                self,
                f"{kind.capitalize()}Rule",
                event_bus=bus,
                event_pattern=events.EventPattern(source=[EVENT_SOURCE], detail_type=detail_types),
                targets=[target],
            )

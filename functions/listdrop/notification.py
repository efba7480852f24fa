"""A listdrop notification as its subscribers receive it, and the outcome event it ends with.

A notification is what EventBridge's input transformer makes of the outcome event
(infra/constructs/notifications.py): one line per template line, each inside the double quotes of the text
template, as AWS delivers it; the last line is `"Event (JSON): {...}"`, the JSON copy of the outcome that the
workflow put into the event (`detail.eventJson`: `{"detailType": ..., "detail": {...}}`). An SQS queue subscribed
without raw message delivery gets it inside SNS's JSON envelope, whose `TopicArn` names the topic and whose `Message`
is the text (https://docs.aws.amazon.com/sns/latest/dg/sns-sqs-as-subscriber.html).

Read by `listdrop notifications tail` and by the local cloud (localcloud/notifications.py); nothing here calls AWS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# infra/constructs/notifications.py EVENT_LINE_LABEL, after the line's opening quote.
EVENT_LINE_START = '"Event (JSON): '


class NotANotification(ValueError):
    """The message does not end with the outcome's JSON line (the backstop's messages do not, for one)."""


@dataclass(frozen=True)
class Notification:
    topic_arn: str
    text: str  # what a person reads (the e-mail body), exactly as EventBridge delivers it

    @classmethod
    def from_envelope(cls, body: str) -> Notification:
        """From an SQS message body: SNS's envelope (KeyError or ValueError when the body is not one)."""
        envelope = json.loads(body)
        return cls(str(envelope["TopicArn"]), str(envelope["Message"]))

    @property
    def topic_name(self) -> str:
        return self.topic_arn.rsplit(":", 1)[-1]

    def as_text(self) -> str:
        """What `make run` and `listdrop notifications tail` print: the topic, then the message without its JSON."""
        return f"--- notification on {self.topic_name} ---\n{self.body}"

    @property
    def lines(self) -> list[str]:
        """The message's lines without the quotes the text template puts around each."""
        return [line[1:-1] if len(line) >= 2 and line[0] == line[-1] == '"' else line for line in self.text.split("\n")]

    @property
    def first_line(self) -> str:
        """The outcome sentence, without its quotes."""
        return self.lines[0]

    @property
    def body(self) -> str:
        """The message without its JSON line: what a person reads."""
        head, _, _ = self.text.rpartition("\n" + EVENT_LINE_START)
        return head or self.text

    @property
    def chat(self) -> dict[str, Any] | None:
        """The message as the custom notification the chat output sends (infra/constructs/chat.py, with
        `listdrop:chatTopic` on: one JSON object, `source` "custom"), or None for the e-mail text."""
        try:
            message = json.loads(self.text)
        except ValueError:
            return None
        return message if isinstance(message, dict) and message.get("source") == "custom" else None

    @property
    def event(self) -> dict[str, Any]:
        """The outcome the message ends with, shaped as the event's `detail-type`, `source` and `detail`."""
        _, marker, tail = self.text.rpartition(EVENT_LINE_START)
        line = tail.split("\n", 1)[0]
        if not marker or not line.endswith('"'):
            raise NotANotification(f'no outcome line ({EVENT_LINE_START}...") ends this message: {self.text[:200]!r}')
        outcome = json.loads(line[:-1])
        return {"detail-type": outcome["detailType"], "source": "listdrop", "detail": outcome["detail"]}

    @property
    def detail(self) -> dict[str, Any]:
        detail: dict[str, Any] = self.event["detail"]
        return detail

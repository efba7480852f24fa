"""The few places where moto 5.2.5 differs from AWS in ways the pipeline depends on, mended in-process.

1. S3 event notifications lack `versionId` and `sequencer`, which real S3 sends (listdrop keys its
   idempotency on the object version).
2. EventBridge rules cannot target SNS topics (moto refuses the target type): deliver to moto's SNS backend,
   applying the target's input transformer, including CDK's multi-line text templates.
3. Lambda invocations (here: the Step Functions task that calls the poller) need Docker: dispatch them
   to the in-process runtime instead.
Each patch is applied once per process and is idempotent.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import traceback
from collections.abc import Callable
from typing import Any

_applied = False
_lock = threading.Lock()

# function name -> callable(event) -> result; filled by localcloud.runtime
LAMBDA_DISPATCH: dict[str, Callable[[Any], Any]] = {}


def apply() -> None:
    global _applied
    with _lock:
        if _applied:
            return
        _patch_s3_events()
        _patch_eventbridge_sns_targets()
        _patch_lambda_invoke()
        _applied = True


# -- 1. S3 event notifications ---------------------------------------------------------------------


def _patch_s3_events() -> None:
    from moto.s3 import notifications

    original = notifications._get_s3_event
    sequence = itertools.count(1)

    def get_s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
        event = original(event_name, bucket, key, notification_id)
        s3_object = event["Records"][0]["s3"]["object"]
        if getattr(bucket, "is_versioned", False) and getattr(key, "version_id", None):
            s3_object["versionId"] = key.version_id
        s3_object["sequencer"] = f"{next(sequence):016X}"
        return event

    notifications._get_s3_event = get_s3_event


# -- 2. EventBridge -> SNS ------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")


def _lookup(event: Any, path: str) -> Any:
    """Simple JSONPath ($.a.b.c) as EventBridge input paths use it."""
    value = event
    for part in path.removeprefix("$").strip(".").split("."):
        if not part:
            continue
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def render_input(target: dict[str, Any], event: dict[str, Any]) -> str:
    """What EventBridge sends to a target: the event, or its input transformer's rendering."""
    transformer = target.get("InputTransformer")
    if not transformer:
        return json.dumps(event)
    values: dict[str, Any] = {name: _lookup(event, path) for name, path in transformer.get("InputPathsMap", {}).items()}
    values["aws.events.event.json"] = event
    values["aws.events.event"] = event

    def text(value: Any) -> str:
        if value is None:
            return ""
        return value if isinstance(value, str) else json.dumps(value)

    def fill(template: str) -> str:
        return _PLACEHOLDER.sub(lambda m: text(values[m.group(1)]) if m.group(1) in values else m.group(0), template)

    template = transformer["InputTemplate"]
    lines = template.split("\n")
    if all(line.startswith('"') and line.endswith('"') for line in lines):
        # A text template (CDK's from_multiline_text): one JSON string literal per line.
        return "\n".join(fill(json.loads(line)) for line in lines)
    return fill(template)


def _patch_eventbridge_sns_targets() -> None:
    from moto.events import models as events_models
    from moto.sns.models import sns_backends
    from moto.utilities.arns import parse_arn

    original = events_models.Rule.send_to_targets

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        sns_targets = [t for t in self.targets if parse_arn(t["Arn"]).service == "sns"]
        if sns_targets and self.event_pattern.matches_event(original_event):
            for target in sns_targets:
                arn = parse_arn(target["Arn"])
                message = render_input(target, original_event)
                sns_backends[arn.account][arn.region].publish(message=message, arn=target["Arn"])
        others = [t for t in self.targets if parse_arn(t["Arn"]).service != "sns"]
        if others:
            saved = self.targets
            self.targets = others
            try:
                original(self, original_event, transform_input)
            finally:
                self.targets = saved

    events_models.Rule.send_to_targets = send_to_targets


# -- 3. Lambda invoke -----------------------------------------------------------------------------


def _patch_lambda_invoke() -> None:
    from moto.awslambda_simple.models import LambdaSimpleBackend

    original = LambdaSimpleBackend.invoke

    def invoke(
        self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
    ) -> bytes | str | None:
        name = function_name.split(":function:")[-1].split(":")[0]
        handler = LAMBDA_DISPATCH.get(name)
        if handler is None:
            return original(self, function_name, qualifier, body, headers, response_headers)
        event = json.loads(body) if body else {}
        try:
            result = handler(event)
        except Exception as error:  # the Lambda runtime reports any exception as a function error
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(
                {
                    "errorMessage": str(error),
                    "errorType": type(error).__name__,
                    "stackTrace": traceback.format_tb(error.__traceback__),
                }
            ).encode()
        return json.dumps(result).encode()

    LambdaSimpleBackend.invoke = invoke

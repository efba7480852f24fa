"""EventBridge's input transformer, by its documented rules: what a rule's target receives, and which templates
EventBridge refuses when the target is put (PutTargets).

moto 5.2.5 cannot deliver to SNS targets at all (localcloud/patches.py delivers them), so the local cloud renders
the templates itself. It follows AWS's documentation, not listdrop's templates, so a template AWS would refuse or
mangle fails here too:

- User guide, "Amazon EventBridge input transformation"
  (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html): the predefined
  variables; a template passes "either a string or JSON"; "for strings, quotes are required"; the values placed
  are not escaped; a JSON object or array placed inside a string loses its quotes; `aws.events.event` and
  `aws.events.event.json` "can only be used as a value for a JSON field, as its contents are not escaped";
  in a JSON template a string variable needs no quotes ("EventBridge automatically adds quotes to string variable
  values"), objects and arrays get none; a variable whose path is not in the event "isn't created and won't
  appear in the output".
- API reference, InputTransformer (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html):
  InputTemplate is 1-8,192 characters; in a JSON object template "the placeholder cannot be used as an object
  key"; InputPathsMap holds at most 100 entries, keys of 1-256 characters `[A-Za-z0-9_-]`, not starting with
  "AWS.", paths of at most 256 characters in JSON dot notation.

Where the documentation is silent, the choice made is written next to it (see README, "Outcome events and
notifications"): a template is JSON when it starts with `{` or `[`; a text template is one quoted string per line
(CDK's multi-line text) and is delivered as written, quotes included, as the guide's examples show; a placeholder
naming no variable is refused; a missing value and a JSON null inside a string are written as nothing and `null`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

TEMPLATE_MAX_CHARS = 8192
PATHS_MAX = 100
PATH_MAX_CHARS = 256
KEY_MAX_CHARS = 256

EVENT_WITHOUT_DETAIL = "aws.events.event"
WHOLE_EVENT = "aws.events.event.json"
# Usable anywhere a value may go.
PREDEFINED_TEXT = frozenset({"aws.events.rule-arn", "aws.events.rule-name", "aws.events.event.ingestion-time"})
# "Can only be used as a value for a JSON field, as its contents are not escaped."
PREDEFINED_JSON = frozenset({EVENT_WITHOUT_DETAIL, WHOLE_EVENT})

_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_KEY = re.compile(r"^[A-Za-z0-9_\-]{1,256}$")
# $, then .name (letters, digits, '-', '_', '/'), [index] or .* parts
_PATH = re.compile(r"^\$(?:\.[A-Za-z0-9_\-/]+|\.\*|\[\d+\])*$")


class TemplateRefused(ValueError):
    """EventBridge would refuse this input transformer at PutTargets."""


@dataclass(frozen=True)
class Placeholder:
    name: str
    start: int
    end: int
    in_string: bool  # inside a JSON string literal of the template


def check(transformer: Mapping[str, Any], target_id: str = "target") -> None:
    """Raise TemplateRefused for an input transformer that breaks EventBridge's rules."""
    template = transformer.get("InputTemplate")
    if not isinstance(template, str) or not 1 <= len(template) <= TEMPLATE_MAX_CHARS:
        raise TemplateRefused(f"InputTemplate for target {target_id} must be 1 to {TEMPLATE_MAX_CHARS} characters")
    paths = transformer.get("InputPathsMap") or {}
    if len(paths) > PATHS_MAX:
        raise TemplateRefused(f"InputPathsMap for target {target_id} has more than {PATHS_MAX} entries")
    for key, path in paths.items():
        if not _KEY.match(key) or key.upper().startswith("AWS."):
            raise TemplateRefused(f"InputPathsMap for target {target_id}: {key!r} is not a valid variable name")
        if not isinstance(path, str) or len(path) > PATH_MAX_CHARS or not _PATH.match(path):
            raise TemplateRefused(f"InputPathsMap for target {target_id}: {path!r} is not a JSON path")
    placeholders = list(_placeholders(template))
    for placeholder in placeholders:
        if placeholder.name not in paths and placeholder.name not in PREDEFINED_TEXT | PREDEFINED_JSON:
            raise TemplateRefused(
                f"InputTemplate for target {target_id} contains invalid placeholder {placeholder.name}."
            )
    if _is_json(template):
        _check_json_template(template, placeholders, target_id)
    else:
        _check_text_template(template, placeholders, target_id)


def render(
    transformer: Mapping[str, Any],
    event: Mapping[str, Any],
    *,
    rule_arn: str = "",
    rule_name: str = "",
    ingestion_time: str | None = None,
) -> str:
    """What the target receives for this event: the template with every placeholder filled, as written.
    `ingestion_time` is when EventBridge received the event (ISO 8601); the event's own `time` if not given."""
    check(transformer)
    template: str = transformer["InputTemplate"]
    values: dict[str, Any] = {}
    for key, path in (transformer.get("InputPathsMap") or {}).items():
        found, value = lookup(event, path)
        if found:
            values[key] = value
    values["aws.events.rule-arn"] = rule_arn
    values["aws.events.rule-name"] = rule_name
    values["aws.events.event.ingestion-time"] = ingestion_time if ingestion_time is not None else event.get("time", "")
    values[EVENT_WITHOUT_DETAIL] = {name: value for name, value in event.items() if name != "detail"}
    values[WHOLE_EVENT] = dict(event)
    json_template = _is_json(template)
    out, last = [], 0
    for placeholder in _placeholders(template):
        out.append(template[last : placeholder.start])
        present = placeholder.name in values
        value = values.get(placeholder.name)
        if json_template and not placeholder.in_string:
            out.append(json.dumps(value) if present else '""')
        else:
            out.append(_inside_string(value) if present else "")
        last = placeholder.end
    out.append(template[last:])
    return "".join(out)


def lookup(event: Any, path: str) -> tuple[bool, Any]:
    """A JSON path as EventBridge input paths use it ($.a.b, $.a[0], $.a.*): (found, value)."""
    values = [event]
    for part in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path.removeprefix("$")):
        name, index = part
        step: list[Any] = []
        for value in values:
            if name == "*" and isinstance(value, dict):
                step.extend(value.values())
            elif name == "*" and isinstance(value, list):
                step.extend(value)
            elif name and isinstance(value, dict) and name in value:
                step.append(value[name])
            elif index and isinstance(value, list) and int(index) < len(value):
                step.append(value[int(index)])
        if not step:
            return False, None
        values = step
    wildcard = "*" in path
    return True, values if wildcard else values[0]


def _inside_string(value: Any) -> str:
    """A value placed inside a string: as it is, not escaped; an object or an array minified, without its quotes
    (escaped ones included)."""
    if isinstance(value, str):
        return value
    text = json.dumps(value, separators=(",", ":"))
    return text.replace('\\"', "").replace('"', "") if isinstance(value, (dict, list)) else text


def _is_json(template: str) -> bool:
    return template.lstrip().startswith(("{", "["))


def _placeholders(template: str) -> Iterator[Placeholder]:
    """Each <name> of the template, and whether it stands inside a JSON string literal (quotes not escaped by a
    backslash open and close one)."""
    in_string, escaped, index = False, False, 0
    while index < len(template):
        char = template[index]
        match = _PLACEHOLDER.match(template, index) if char == "<" else None
        if match:
            yield Placeholder(match.group(1), match.start(), match.end(), in_string)
            index, escaped = match.end(), False
            continue
        if in_string and char == "\\" and not escaped:
            escaped = True
        else:
            if char == '"' and not escaped:
                in_string = not in_string
            escaped = False
        index += 1


def _check_text_template(template: str, placeholders: list[Placeholder], target_id: str) -> None:
    for placeholder in placeholders:
        if placeholder.name in PREDEFINED_JSON:
            raise TemplateRefused(
                f"InputTemplate for target {target_id}: <{placeholder.name}> can only be the value of a JSON field "
                "(its contents are not escaped); this template is text"
            )
    filled = _fill(template, placeholders, inside="x", outside="x")
    for number, line in enumerate(filled.split("\n"), start=1):
        try:
            decoded = json.loads(line)
        except json.JSONDecodeError:
            decoded = None
        if not isinstance(decoded, str):
            raise TemplateRefused(
                f"InputTemplate for target {target_id}: line {number} is neither JSON nor a quoted string "
                "(for strings, quotes are required)"
            )


def _check_json_template(template: str, placeholders: list[Placeholder], target_id: str) -> None:
    for placeholder in placeholders:
        rest = template[placeholder.end :].lstrip()
        if placeholder.in_string:
            if placeholder.name in PREDEFINED_JSON:
                raise TemplateRefused(
                    f"InputTemplate for target {target_id}: <{placeholder.name}> can only be the value of a JSON "
                    "field, not part of a string (its contents are not escaped)"
                )
            closing = _string_end(template, placeholder.end)
            if template[closing + 1 :].lstrip().startswith(":"):
                raise TemplateRefused(f"InputTemplate for target {target_id}: <{placeholder.name}> is an object key")
        elif rest.startswith(":"):
            raise TemplateRefused(f"InputTemplate for target {target_id}: <{placeholder.name}> is an object key")
    try:
        json.loads(_fill(template, placeholders, inside="x", outside="null"))
    except json.JSONDecodeError as error:
        raise TemplateRefused(f"InputTemplate for target {target_id} is not valid JSON: {error}") from None


def _string_end(template: str, index: int) -> int:
    """Where the string literal that `index` is inside ends (its closing quote), or the template's end."""
    escaped = False
    for position in range(index, len(template)):
        char = template[position]
        if char == "\\" and not escaped:
            escaped = True
            continue
        if char == '"' and not escaped:
            return position
        escaped = False
    return len(template)


def _fill(template: str, placeholders: list[Placeholder], *, inside: str, outside: str) -> str:
    out, last = [], 0
    for placeholder in placeholders:
        out.append(template[last : placeholder.start])
        out.append(inside if placeholder.in_string else outside)
        last = placeholder.end
    out.append(template[last:])
    return "".join(out)

"""The Service Authorization Reference, as cfn-lint's machine-readable copy holds it (Policies.json)."""

import json
import re
from pathlib import Path

import cfnlint.data

ACCOUNT, REGION = "123456789012", "us-east-1"
CATALOG = json.loads((Path(cfnlint.data.__file__).parent / "AdditionalSpecs" / "Policies.json").read_text())
PREFIXES = {service.get("StringPrefix", name): service for name, service in CATALOG.items()}


def has_action(action: str) -> bool:
    prefix, name = action.split(":", 1)
    return prefix in PREFIXES and name.lower() in PREFIXES[prefix]["Actions"]


def arn_patterns(prefix: str, action_name: str) -> list[re.Pattern[str]] | None:
    """The ARN formats of the action's resource types; None when the action has no resource type."""
    service = PREFIXES[prefix]
    action = service["Actions"][action_name.lower()]
    types = action.get("Resources", [])
    if not types:
        return None
    formats = [fmt for t in types for fmt in service["Resources"][t]["ARNFormats"]]
    substituted = [
        f.replace("${Partition}", "aws").replace("${Region}", REGION).replace("${Account}", ACCOUNT) for f in formats
    ]
    return [re.compile(s) for s in substituted]

"""Small readers over a synthesized template."""

from __future__ import annotations

import json
from typing import Any


def resources(template: dict, resource_type: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == resource_type}


def one(template: dict, resource_type: str, containing: str = "") -> tuple[str, dict[str, Any]]:
    matches = [(lid, r) for lid, r in resources(template, resource_type).items() if containing in lid]
    assert len(matches) == 1, f"expected one {resource_type} containing {containing!r}, got {[m[0] for m in matches]}"
    return matches[0]


def statements_of_role(template: dict, role_fragment: str) -> list[dict[str, Any]]:
    role_ids = [lid for lid in resources(template, "AWS::IAM::Role") if role_fragment in lid]
    assert len(role_ids) == 1, role_ids
    found = []
    for policy in resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role_ids[0]} in policy["Properties"]["Roles"]:
            found.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def actions_of(statements: list[dict[str, Any]]) -> set[str]:
    return {action for s in statements for action in as_list(s["Action"])}


def statement_with(statements: list[dict[str, Any]], action: str) -> dict[str, Any]:
    matches = [s for s in statements if action in as_list(s["Action"])]
    assert len(matches) == 1, f"{action}: {matches}"
    return matches[0]


def flat(value: Any) -> str:
    """A CloudFormation expression as one string, for 'does this ARN end with …' checks."""
    return json.dumps(value, sort_keys=True)


def definition(template: dict) -> dict[str, Any]:
    """The state machine definition with its CloudFormation joins filled with placeholders."""
    _, machine = one(template, "AWS::StepFunctions::StateMachine")
    parts = machine["Properties"]["DefinitionString"]["Fn::Join"][1]
    return json.loads("".join(p if isinstance(p, str) else "PLACEHOLDER" for p in parts))


def denies_non_tls(policy_document: dict[str, Any]) -> bool:
    return any(s["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(s) for s in policy_document["Statement"])

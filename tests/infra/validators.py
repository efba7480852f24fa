"""Run the independent validators on a synthesized template: ASL linters, parliament and checkov.

None of them shares listdrop's assumptions: the ASL linters read the Amazon States Language specification,
parliament reads AWS's catalog of actions, resource types and condition keys, checkov its own rule set. Each
reports findings; `accepted-findings.yaml` lists the ones listdrop accepts, each scoped to the resources it
applies to and with its reason. tests/infra/test_validators.py fails on anything else.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
import subprocess
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.infra.intrinsics import Intrinsics

ROOT = Path(__file__).resolve().parents[2]
ACCEPTED_FINDINGS = ROOT / "accepted-findings.yaml"
CHECKOV_CONFIG = ROOT / ".checkov.yaml"
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
ASL_VALIDATOR = ROOT / "node_modules" / ".bin" / "asl-validator"
STATELINT = ROOT / "node_modules" / ".bin" / "statelint"

# The properties that hold a policy document, wherever they sit in a resource (AWS::IAM::Role keeps its trust
# policy in AssumeRolePolicyDocument and inline policies in Policies[].PolicyDocument).
POLICY_PROPERTIES = ("PolicyDocument", "KeyPolicy", "AssumeRolePolicyDocument")


@dataclass(frozen=True)
class Finding:
    tool: str
    check: str
    logical_id: str
    detail: str
    source: str = ""  # the template file, where a run reads several

    def __str__(self) -> str:
        where = f" in {Path(self.source).name}" if self.source else ""
        return f"{self.tool} {self.check} on {self.logical_id}{where}: {self.detail}"


@dataclass(frozen=True)
class Acceptance:
    """One entry of accepted-findings.yaml: a check, the resources it may fire on, why that is acceptable."""

    tool: str
    check: str
    resources: tuple[str, ...]
    reason: str
    detail: str = ""

    def covers(self, finding: Finding) -> bool:
        return (
            finding.tool == self.tool
            and finding.check == self.check
            and any(fnmatch.fnmatchcase(finding.logical_id, pattern) for pattern in self.resources)
            and re.search(self.detail, finding.detail) is not None
        )


def accepted_findings(path: Path = ACCEPTED_FINDINGS) -> list[Acceptance]:
    document = yaml.safe_load(path.read_text())
    entries = []
    for tool, items in document.items():
        for item in items:
            unknown = set(item) - {"check", "resources", "reason", "detail"}
            assert not unknown, f"{path.name}: {tool} {item.get('check')}: unknown keys {sorted(unknown)}"
            entries.append(
                Acceptance(
                    tool=tool,
                    check=item["check"],
                    resources=tuple(item["resources"]),
                    reason=" ".join(str(item["reason"]).split()),
                    detail=item.get("detail", ""),
                )
            )
    return entries


def unaccepted(findings: list[Finding], accepted: list[Acceptance]) -> list[Finding]:
    return [f for f in findings if not any(entry.covers(f) for entry in accepted)]


def unused(findings: list[Finding], accepted: list[Acceptance], tool: str) -> list[Acceptance]:
    """Entries that no longer match any finding: stale acknowledgments hide nothing but mislead readers."""
    return [entry for entry in accepted if entry.tool == tool and not any(entry.covers(f) for f in findings)]


def without_path(template: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a fixture template without the `_path` the conftest adds, safe to change and write."""
    return copy.deepcopy({key: value for key, value in template.items() if key != "_path"})


# -- Amazon States Language ----------------------------------------------------------------------------------


def state_machine_definitions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each state machine's definition, its `Fn::Join` filled with plausible ARNs, by logical id."""
    intrinsics = Intrinsics(template)
    definitions = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::StepFunctions::StateMachine":
            properties = resource["Properties"]
            if "DefinitionString" in properties:
                definitions[logical_id] = json.loads(intrinsics.resolve(properties["DefinitionString"]))
            else:
                definitions[logical_id] = intrinsics.resolve(properties["Definition"])
    return definitions


def asl_problems(definitions: dict[str, dict[str, Any]], folder: Path) -> dict[str, str]:
    """Run asl-validator and statelint over the definitions; the output of each tool that rejects one.

    The two complement each other: asl-validator checks the JSON schema, paths and ARNs of the specification,
    statelint (the specification's own rules, ported from awslabs/statelint) also refuses fields a state or a
    Catch/Retry does not have, which asl-validator's schema lets through.
    """
    for tool in (ASL_VALIDATOR, STATELINT):
        assert tool.exists(), f"{tool.relative_to(ROOT)} is missing: `make test` installs it (npm ci)"
    files = []
    for logical_id, definition in definitions.items():
        file = folder / f"{logical_id}.asl.json"
        file.write_text(json.dumps(definition, indent=2))
        files.append(str(file))
    commands = {
        "asl-validator": [str(ASL_VALIDATOR), *[arg for f in files for arg in ("--json-path", f)]],
        "statelint": [str(STATELINT), *files],
    }
    problems = {}
    for name, command in commands.items():
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            problems[name] = (result.stdout + result.stderr).strip()
    return problems


# -- IAM policies (parliament) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyDocument:
    logical_id: str
    resource_type: str
    where: str  # the property path inside the resource, e.g. /AssumeRolePolicyDocument
    document: dict[str, Any]


def policy_documents(template: dict[str, Any]) -> list[PolicyDocument]:
    """Every policy document of the template, intrinsics resolved, ready for parliament."""
    intrinsics = Intrinsics(template)
    found = []
    for logical_id, resource in template["Resources"].items():
        for where, raw in _documents_in(resource.get("Properties", {}), ""):
            document = _quoted(intrinsics.resolve(raw))
            if where.endswith("/AssumeRolePolicyDocument"):
                document = _with_role_as_resource(document, intrinsics.get_att(logical_id, "Arn"))
            found.append(PolicyDocument(logical_id, resource["Type"], where, document))
    return found


def _documents_in(value: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in POLICY_PROPERTIES and isinstance(item, dict):
                yield f"{path}/{key}", item
            else:
                yield from _documents_in(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _documents_in(item, f"{path}/{index}")


def _quoted(value: Any) -> Any:
    """Numbers and booleans as strings.

    IAM accepts both ("Quotation marks are optional for numeric and Boolean values",
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html) and CDK writes
    `"s3:TlsVersion": 1.2` unquoted, but parliament 1.6.4 crashes on a number (it runs a regular expression
    over the value), so it is given the quoted form, which means the same to IAM.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return [_quoted(item) for item in value]
    if isinstance(value, dict):
        return {key: _quoted(item) for key, item in value.items()}
    return value


def _with_role_as_resource(document: dict[str, Any], role_arn: str) -> dict[str, Any]:
    """A trust policy with its implicit resource written out.

    A role trust policy is the role's resource-based policy and has no Resource element: the role is the
    resource (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
    parliament knows only policies with one, so it reads the trust policy with the role's ARN as Resource,
    which lets it check sts:AssumeRole, the principals and the condition keys against that resource type.
    """
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    return {**document, "Statement": [{**s, "Resource": role_arn} if "Resource" not in s else s for s in statements]}


def parliament_findings(documents: list[PolicyDocument]) -> list[Finding]:
    """parliament with its community auditors, deduplicated (it repeats a finding per expanded action)."""
    with warnings.catch_warnings():
        # parliament 1.6.4 imports pkg_resources and leaves its data files open; neither concerns us.
        warnings.simplefilter("ignore")
        from parliament import analyze_policy_string

    findings = []
    for policy in documents:
        document, unknown = _without_unknown_actions(policy.document)
        # parliament stops auditing a document at its first unknown action, so the actions its catalog lacks are
        # reported here and left out of what it audits (so its other checks still see the rest).
        for action in unknown:
            findings.append(
                Finding("parliament", "UNKNOWN_ACTION", policy.logical_id, f"{policy.where}: Unknown action {action}")
            )
        analysis = analyze_policy_string(
            json.dumps(document), filepath=policy.logical_id, include_community_auditors=True
        )
        for finding in analysis.findings:
            detail = " ".join(
                str(part)
                for part in (finding.detail, finding.location.get("actions"), finding.location.get("string"))
                if part
            )
            findings.append(Finding("parliament", finding.issue, policy.logical_id, f"{policy.where}: {detail}"))
    return sorted(set(findings), key=str)


def _without_unknown_actions(document: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The document without the actions parliament's catalog does not know (a statement left with none is
    dropped), and those actions."""
    from parliament import UnknownActionException, expand_action

    def known(action: str) -> bool:
        try:
            expand_action(action)
        except UnknownActionException:
            return False
        return True

    unknown: list[str] = []
    statements = []
    for statement in _as_list(document.get("Statement", [])):
        actions = statement.get("Action")
        if actions is None:
            statements.append(statement)
            continue
        kept = [action for action in _as_list(actions) if known(action)]
        unknown += [action for action in _as_list(actions) if action not in kept]
        if kept:
            statements.append({**statement, "Action": kept})
    return {**document, "Statement": statements}, unknown


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# -- checkov ---------------------------------------------------------------------------------------------------


def checkov_findings(template_files: list[Path]) -> tuple[list[Finding], dict[str, int]]:
    """checkov's failed checks over the template files (one run), and its summary counts."""
    assert CHECKOV.exists(), (
        f"{CHECKOV.relative_to(ROOT)} is missing: `make test` creates the checkov venv (make checkov-venv)"
    )
    command = [str(CHECKOV), "--config-file", str(CHECKOV_CONFIG), "--output", "json"]
    for file in template_files:
        command += ["--file", str(file)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    # checkov exits 1 when a check fails, 0 when none does; anything else is checkov itself failing.
    assert result.returncode in (0, 1), result.stdout[-3000:] + result.stderr[-3000:]
    reports = json.loads(result.stdout)
    findings, summary = [], {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0}
    for report in reports if isinstance(reports, list) else [reports]:
        for key in summary:
            summary[key] += report["summary"][key]
        for check in report["results"]["failed_checks"]:
            _, _, logical_id = check["resource"].partition(".")
            findings.append(
                Finding("checkov", check["check_id"], logical_id, check["check_name"], source=check["file_path"])
            )
    assert summary["parsing_errors"] == 0, f"checkov could not parse a template: {result.stdout[-3000:]}"
    return sorted(set(findings), key=str), summary

"""Independent validators on the synthesized template, and proof that each of them can fail.

- Amazon States Language: asl-validator and statelint (npm, package-lock.json) on every state machine.
- IAM: parliament (requirements-dev.txt), with AWS's catalog of actions, resource types and condition keys, on every
  policy document: role policies, trust policies, bucket, topic and queue policies, the key policy.
- checkov (its own venv, .venv-checkov, requirements-checkov.txt) on the whole template.

Both the default deployment and the one with every provider enabled are checked. What a validator reports is
either fixed or listed, scoped and reasoned, in accepted-findings.yaml.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.infra.helpers import one, resources
from tests.infra.validators import (
    ACCEPTED_FINDINGS,
    Acceptance,
    accepted_findings,
    asl_problems,
    checkov_findings,
    parliament_findings,
    policy_documents,
    state_machine_definitions,
    unaccepted,
    unused,
    without_path,
)

pytestmark = pytest.mark.infra


def _report(findings: list[Any]) -> str:
    return "\n".join(str(f) for f in findings) + f"\nfix them, or list them with a reason in {ACCEPTED_FINDINGS.name}"


def _stale(entries: list[Acceptance]) -> str:
    return "\n".join(f"{e.tool} {e.check} {list(e.resources)}" for e in entries) + "\nmatch no finding: remove them"


# -- Amazon States Language ------------------------------------------------------------------------------------


def test_every_state_machine_definition_is_valid_amazon_states_language(template, pinpoint_template, tmp_path):
    definitions = {}
    for name, synthesized in (("default", template), ("all-providers", pinpoint_template)):
        found = state_machine_definitions(synthesized)
        assert found, f"the {name} template has no state machine"
        definitions |= {f"{name}-{logical_id}": definition for logical_id, definition in found.items()}
    assert asl_problems(definitions, tmp_path) == {}


def _planted(template: dict[str, Any], mistake: str) -> dict[str, Any]:
    (definition,) = state_machine_definitions(template).values()
    task = next(name for name, state in definition["States"].items() if state.get("Catch"))
    if mistake == "missing-next":
        definition["States"][task]["Next"] = "No such state"
    elif mistake == "unknown-catch-field":
        definition["States"][task]["Catch"][0]["Nxt"] = definition["States"][task]["Catch"][0]["Next"]
    return definition


def test_the_asl_validators_reject_planted_mistakes(template, tmp_path):
    """A Next naming a missing state, a Catch with a field ASL does not define: one run of each validator.

    asl-validator catches the first (its schema allows unknown fields); statelint catches both.
    """
    problems = asl_problems({m: _planted(template, m) for m in ("missing-next", "unknown-catch-field")}, tmp_path)
    asl_validator, statelint = problems.get("asl-validator", ""), problems.get("statelint", "")
    assert re.search(r"missing-next.asl.json\" is invalid:\s+MISSING_TRANSITION_TARGET", asl_validator), asl_validator
    assert 'No state found named "No such state"' in statelint, statelint
    assert 'Field "Nxt" not allowed' in statelint, statelint


# -- IAM policies (parliament) ---------------------------------------------------------------------------------


def test_every_kind_of_policy_document_is_checked(template, pinpoint_template):
    """If the walk over the template missed a kind of policy, the parliament test would pass by reading nothing."""
    kinds = {(d.resource_type, d.where) for d in policy_documents(template)}
    assert kinds >= {
        ("AWS::IAM::Policy", "/PolicyDocument"),
        ("AWS::IAM::Role", "/AssumeRolePolicyDocument"),
        ("AWS::S3::BucketPolicy", "/PolicyDocument"),
        ("AWS::SNS::TopicPolicy", "/PolicyDocument"),
        ("AWS::SQS::QueuePolicy", "/PolicyDocument"),
        ("AWS::KMS::Key", "/KeyPolicy"),
    }
    for synthesized in (template, pinpoint_template):
        checked = {d.logical_id for d in policy_documents(synthesized)}
        for resource_type in (
            "AWS::IAM::Policy",
            "AWS::IAM::Role",
            "AWS::S3::BucketPolicy",
            "AWS::SNS::TopicPolicy",
            "AWS::SQS::QueuePolicy",
            "AWS::KMS::Key",
        ):
            assert set(resources(synthesized, resource_type)) <= checked, resource_type


def test_every_policy_document_passes_parliament(template, pinpoint_template):
    accepted = accepted_findings()
    documents = policy_documents(template) + policy_documents(pinpoint_template)
    findings = parliament_findings(documents)
    assert unaccepted(findings, accepted) == [], _report(unaccepted(findings, accepted))
    assert unused(findings, accepted, "parliament") == [], _stale(unused(findings, accepted, "parliament"))


def _with_starter_statement(template: dict[str, Any], statement: dict[str, Any]) -> dict[str, Any]:
    changed = without_path(template)
    role_id, _ = one(changed, "AWS::IAM::Role", "StarterRole")
    for policy in resources(changed, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            policy["Properties"]["PolicyDocument"]["Statement"].append(statement)
            return changed
    raise AssertionError("the starter role has no policy")


@pytest.mark.parametrize(
    ("statement", "issue", "detail"),
    [
        # SES v2's action is CreateImportJob: one letter off, IAM would store it and never match a request.
        ({"Effect": "Allow", "Action": "ses:CreateImportJobs", "Resource": "*"}, "UNKNOWN_ACTION", "CreateImportJobs"),
        # GetObject acts on objects (bucket/*), not on the bucket: a grant on the bucket ARN allows nothing.
        (
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Fn::GetAtt": ["__BUCKET__", "Arn"]}},
            "RESOURCE_MISMATCH",
            "s3:GetObject",
        ),
    ],
    ids=["non-existent action", "wrong resource type"],
)
def test_parliament_reports_a_planted_mistake(template, statement, issue, detail):
    bucket_id, _ = one(template, "AWS::S3::Bucket", "Uploads")
    planted = json.loads(json.dumps(statement).replace("__BUCKET__", bucket_id))
    documents = [d for d in policy_documents(_with_starter_statement(template, planted)) if "Starter" in d.logical_id]
    findings = unaccepted(parliament_findings(documents), accepted_findings())
    assert [f for f in findings if f.check == issue and detail in f.detail and "StarterRole" in f.logical_id], findings


# -- checkov ---------------------------------------------------------------------------------------------------


def test_checkov_finds_nothing_unaccepted(template, pinpoint_template):
    accepted = accepted_findings()
    findings, summary = checkov_findings([Path(template["_path"]), Path(pinpoint_template["_path"])])
    assert summary["passed"] > 100, summary  # checkov really ran its CloudFormation checks
    assert unaccepted(findings, accepted) == [], _report(unaccepted(findings, accepted))
    assert unused(findings, accepted, "checkov") == [], _stale(unused(findings, accepted, "checkov"))


def test_checkov_reports_planted_weaknesses(template, tmp_path):
    """Two plants, one checkov run: a bucket open to public access, and a role allowed everything."""
    public_bucket = without_path(template)
    _, bucket = one(public_bucket, "AWS::S3::Bucket", "Uploads")
    del bucket["Properties"]["PublicAccessBlockConfiguration"]
    admin_role = _with_starter_statement(template, {"Effect": "Allow", "Action": "*", "Resource": "*"})
    files = {"public-bucket": public_bucket, "admin-role": admin_role}
    for name, planted in files.items():
        (tmp_path / f"{name}.template.json").write_text(json.dumps(planted))
    findings, _ = checkov_findings([tmp_path / f"{name}.template.json" for name in files])

    def flagged(plant: str, resource: str) -> set[str]:
        return {
            f.check
            for f in unaccepted(findings, accepted_findings())
            if Path(f.source).name == f"{plant}.template.json" and f.logical_id.startswith(resource)
        }

    # Block public ACLs and policies, ignore public ACLs, restrict public buckets: all four are gone.
    assert {"CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"} <= flagged("public-bucket", "StorageUploads")
    assert "CKV_AWS_62" in flagged("admin-role", "IngestStarterRoleDefaultPolicy")  # full "*:*" administrator


# -- the list of accepted findings -------------------------------------------------------------------------------


def test_every_accepted_finding_is_scoped_and_reasoned():
    entries = accepted_findings()
    assert {e.tool for e in entries} == {"checkov", "parliament"}
    for entry in entries:
        assert entry.resources, f"{entry.check}: name the resources it applies to"
        assert all(p.strip("*") for p in entry.resources), f"{entry.check}: a bare '*' would accept it everywhere"
        assert len(entry.reason) >= 60, f"{entry.check} on {entry.resources}: give the reason"


def test_the_accepted_findings_file_is_read_as_written(tmp_path):
    """A misspelt key would silently widen an entry (a missing `detail` matches every finding)."""
    bad = tmp_path / "accepted.yaml"
    bad.write_text("parliament:\n  - check: X\n    resources: [A*]\n    details: typo\n    reason: r\n")
    with pytest.raises(AssertionError, match="unknown keys"):
        accepted_findings(bad)

"""Scheduled exports (infra/constructs/schedules.py): an EventBridge Scheduler schedule whose universal target,
S3 PutObject, writes an export request with a relative window; its role may write only that schedule's folder."""

import json
import subprocess
from pathlib import Path

import pytest

from listdrop.export_request import parse_export_request
from localcloud.cloud import EXAMPLE_SCHEDULE
from localcloud.iam.enforcement import Enforcer
from localcloud.iam.policy import Principal, Request
from localcloud.iam.store import PolicyStore
from localcloud.template import Resolver
from tests.infra.conftest import synthesize
from tests.infra.helpers import one, resources

pytestmark = pytest.mark.infra
ROOT = Path(__file__).resolve().parents[2]
ACCOUNT, REGION = "123456789012", "us-east-1"
SCHEDULE = {
    **EXAMPLE_SCHEDULE,
    "name": "weekly-vdm",
    "schedule": "cron(0 6 ? * MON *)",
    "timezone": "Europe/Berlin",
    "window": {"lastWholeUtcDays": 7},
}


@pytest.fixture(scope="module")
def schedule_template(tmp_path_factory) -> dict:
    return synthesize(tmp_path_factory, {"listdrop:exportSchedules": [SCHEDULE]})


def test_off_by_default_nothing_is_added(template):
    assert not resources(template, "AWS::Scheduler::Schedule")
    assert not [lid for lid in resources(template, "AWS::IAM::Role") if "ExportSchedules" in lid]


def test_the_schedule_runs_the_expression_in_its_time_zone_with_the_s3_universal_target(schedule_template):
    _, schedule = one(schedule_template, "AWS::Scheduler::Schedule")
    properties = Resolver(schedule_template, ACCOUNT, REGION).resolve(schedule["Properties"])
    assert properties["ScheduleExpression"] == "cron(0 6 ? * MON *)"
    assert properties["ScheduleExpressionTimezone"] == "Europe/Berlin"
    assert properties["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert properties["Target"]["Arn"] == "arn:aws:scheduler:::aws-sdk:s3:putObject"


def test_each_run_writes_a_request_the_starter_resolves_against_the_scheduled_time(schedule_template):
    resolver = Resolver(schedule_template, ACCOUNT, REGION)
    _, schedule = one(schedule_template, "AWS::Scheduler::Schedule")
    bucket_id, _ = one(schedule_template, "AWS::S3::Bucket", "Uploads")
    target_input = json.loads(resolver.resolve(schedule["Properties"]["Target"]["Input"]))
    assert target_input["Bucket"] == resolver.ref(bucket_id)
    assert target_input["Key"] == "exports/ses/scheduled/weekly-vdm/<aws.scheduler.execution-id>/weekly-vdm.json"
    assert target_input["ExpectedBucketOwner"] == ACCOUNT
    assert isinstance(target_input["Body"], str), "PutObject's Body: the request file as one JSON string"
    body = target_input["Body"].replace("<aws.scheduler.scheduled-time>", "2026-11-30T05:00:00Z")
    source = parse_export_request(body.encode()).parameters["ExportDataSource"]["MetricsDataSource"]
    assert (source["StartDate"].isoformat(), source["EndDate"].isoformat()) == (
        "2026-11-23T00:00:00+00:00",
        "2026-11-30T00:00:00+00:00",
    )


def test_the_role_may_only_put_objects_into_its_schedules_folder_and_only_scheduler_of_this_account_assumes_it(
    schedule_template,
):
    resolver = Resolver(schedule_template, ACCOUNT, REGION)
    _, schedule = one(schedule_template, "AWS::Scheduler::Schedule")
    role_arn = resolver.resolve(schedule["Properties"]["Target"]["RoleArn"])
    role_id = next(
        lid for lid in resources(schedule_template, "AWS::IAM::Role") if resolver.get_att(lid, "Arn") == role_arn
    )
    trust = schedule_template["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [
        {
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
            "Effect": "Allow",
            "Principal": {"Service": "scheduler.amazonaws.com"},
        }
    ]
    bucket = resolver.ref(one(schedule_template, "AWS::S3::Bucket", "Uploads")[0])
    enforcer = Enforcer(PolicyStore.from_template(resolver))

    def may(action: str, key: str) -> bool:
        return bool(enforcer.decide(Request(Principal(role_arn), action, f"arn:aws:s3:::{bucket}/{key}")))

    assert may("s3:PutObject", "exports/ses/scheduled/weekly-vdm/d32c5kddcf5bb8c3/weekly-vdm.json")
    assert not may("s3:PutObject", "exports/ses/other.json")
    assert not may("s3:PutObject", "imports/ses/suppression-list/put/x.csv")
    assert not may("s3:GetObject", "exports/ses/scheduled/weekly-vdm/d32c5kddcf5bb8c3/weekly-vdm.json")


def test_cfn_lint_checkov_and_parliament_accept_the_schedule(schedule_template):
    """cdk-nag ran at its synthesis (it fails synthesis on a finding)."""
    from tests.infra.validators import (
        accepted_findings,
        checkov_findings,
        parliament_findings,
        policy_documents,
        unaccepted,
    )

    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "cfn-lint"), schedule_template["_path"]], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    accepted = accepted_findings()
    findings, summary = checkov_findings([Path(schedule_template["_path"])])
    assert summary["passed"] > 50, summary
    assert unaccepted(findings, accepted) == []
    assert unaccepted(parliament_findings(policy_documents(schedule_template)), accepted) == []

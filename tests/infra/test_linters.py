"""cdk-nag (at synthesis), cfn-lint and the pinned CDK CLI, run for real."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks

from infra.config import ConfigError, ListdropConfig

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.infra


def test_cdk_nag_is_active_and_fails_synthesis_on_an_unacknowledged_finding(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Probe")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"]))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(Exception, match="IAM5"):
        app.synth()


def test_every_acknowledgment_is_scoped_and_carries_a_reason(template):
    """Acknowledgments are recorded per construct path in the assembly's metadata file."""
    metadata = json.loads((Path(template["_path"]).parent / "Listdrop.metadata.json").read_text())
    acknowledged = {}
    for path, entries in metadata.items():
        for entry in entries:
            if entry["type"] == "aws:cdk:acknowledged-rules":
                for rule, reason in entry["data"].items():
                    acknowledged[(path, rule)] = reason
    assert len(acknowledged) >= 8
    for (path, rule), reason in acknowledged.items():
        assert path != "/Listdrop", f"{rule} is acknowledged stack-wide"
        assert len(reason) >= 40, f"{rule} at {path} needs a real reason"


def test_cfn_lint_finds_nothing(template, pinpoint_template):
    """The default deployment and the one with every provider switched on (Pinpoint's role and actions)."""
    for synthesized in (template, pinpoint_template):
        result = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "cfn-lint"), synthesized["_path"]], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_pinned_cdk_cli_reads_the_cloud_assembly(tmp_path):
    npx = shutil.which("npx")
    assert npx, "make test installs Node packages; npx must be on PATH"
    assert (ROOT / "node_modules" / ".bin" / "cdk").exists(), "run `make test` (it runs npm ci)"
    env = {**os.environ, "CDK_DISABLE_VERSION_CHECK": "1", "CDK_CLI_NOTICES": "false"}
    result = subprocess.run(
        [npx, "--no-install", "cdk", "synth", "--quiet", "--no-notices", "--output", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert (tmp_path / "out" / "Listdrop.template.json").exists()


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"listdrop:notificationEmails": ["not-an-address"]}, "not an e-mail address"),
        ({"listdrop:allowedContactLists": ["bad name"]}, "invalid contact list name"),
        ({"listdrop:pollInitialWaitSeconds": 60, "listdrop:pollMaxWaitSeconds": 10}, "pollMaxWaitSeconds"),
        ({"listdrop:pollWaitPercent": 0}, "pollWaitPercent must be from 1 to 100"),
        ({"listdrop:maxFileBytes": "huge"}, "must be an integer"),
        ({"listdrop:chatTopic": "my-team-channel"}, "chatTopic: true .* or an SNS topic ARN"),
        ({"listdrop:extraColumnsAsAttributes": "yes"}, "extraColumnsAsAttributes must be true or false"),
    ],
)
def test_bad_configuration_is_refused_with_the_setting_named(context, message):
    app = cdk.App(context=context)
    with pytest.raises(ConfigError, match=message):
        ListdropConfig.from_context(app.node)

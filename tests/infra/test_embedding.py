"""The Listdrop construct embedded in an app of one's own (examples/cdk-app), with an existing bucket and a key prefix.

The example imports `listdrop_cdk`, the name infra/ installs as (pyproject.toml); here a folder with that name linked
to infra/ stands in for the installed package (infra's imports are relative, so both names load the same code).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Annotations, Match, Template

from infra.config import ListdropConfig
from infra.constructs import dependencies
from infra.listdrop import Listdrop
from infra.stack import ListdropStack
from tests.infra.helpers import as_list, resources

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "cdk-app"
PREFIX = "listdrop/"
EXISTING = "my-team-bucket"
pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def example_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """examples/cdk-app/app.py as a module, with `listdrop_cdk` importable."""
    names = tmp_path_factory.mktemp("site")
    (names / "listdrop_cdk").symlink_to(ROOT / "infra", target_is_directory=True)
    sys.path.insert(0, str(names))
    try:
        # By path, under a name of its own: the repository's app.py may be imported as `app` already.
        spec = importlib.util.spec_from_file_location("listdrop_example_cdk_app", EXAMPLE / "app.py")
        assert spec is not None and spec.loader is not None
        example = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(example)
        yield example
    finally:
        sys.path.remove(str(names))


def _synthesize(example_app: Any, outdir: Path, context: dict[str, object] | None = None) -> cdk.CloudAssembly:
    """Synthesis runs cdk-nag's AwsSolutionsChecks (the example adds them): an unacknowledged finding fails it."""
    return example_app.build_app(outdir=str(outdir), context=context).synth()


@pytest.fixture(scope="module")
def own_bucket(example_app: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    (stack,) = _synthesize(example_app, tmp_path_factory.mktemp("cdk.out")).stacks
    return json.loads(Path(stack.template_full_path).read_text()) | {"_path": stack.template_full_path}


@pytest.fixture(scope="module")
def imported_bucket(example_app: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    outdir = tmp_path_factory.mktemp("cdk.out")
    (stack,) = _synthesize(example_app, outdir, {"existingBucketName": EXISTING}).stacks
    template = json.loads(Path(stack.template_full_path).read_text())
    warnings = [message.entry.data for message in stack.messages if message.level.name == "WARNING"]
    return template | {"_path": stack.template_full_path, "_warnings": warnings}


def _cfn_lint(template: dict[str, Any]) -> None:
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "cfn-lint"), template["_path"]], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_example_synthesizes_clean_with_its_own_bucket(own_bucket):
    _cfn_lint(own_bucket)


def test_the_example_synthesizes_clean_with_a_bucket_it_does_not_own(imported_bucket):
    _cfn_lint(imported_bucket)


def _object_resources(template: dict[str, Any]) -> list[str]:
    """Every object ARN in the template's IAM and bucket policies, as text ('<bucket>/<key pattern>')."""
    found = []
    for kind in ("AWS::IAM::Policy", "AWS::S3::BucketPolicy"):
        for resource in resources(template, kind).values():
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                for item in as_list(statement["Resource"]):
                    text = json.dumps(item)
                    if "s3" in text or "Bucket" in text:
                        found.append(text)
    return found


@pytest.mark.parametrize("fixture", ["own_bucket", "imported_bucket"])
def test_every_key_listdrop_touches_is_under_its_prefix(fixture, request):
    template = request.getfixturevalue(fixture)
    keys = [match for text in _object_resources(template) for match in re.findall(r'/([^"]*\*)"', text)]
    assert keys, "no object permission found"
    listdrop_keys = [key for key in keys if key != "*"]  # "/*": the bucket's own TLS-only deny, whole bucket
    assert listdrop_keys
    assert all(key.startswith(PREFIX) for key in listdrop_keys), listdrop_keys
    (notifications,) = resources(template, "Custom::S3BucketNotifications").values()
    rules = [
        rule["Filter"]["Key"]["FilterRules"]
        for rule in notifications["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    ]
    assert rules == [[{"Name": "prefix", "Value": f"{PREFIX}{top}"}] for top in ("imports/", "exports/ses/")]
    variables = {
        name: value
        for function in resources(template, "AWS::Lambda::Function").values()
        for name, value in function["Properties"].get("Environment", {}).get("Variables", {}).items()
    }
    assert variables["KEY_PREFIX"] == PREFIX
    for name in ("STAGING_PREFIX", "REPORTS_PREFIX", "EXPORT_RESULTS_PREFIX"):
        assert variables[name].startswith(PREFIX), name


def test_an_owned_bucket_gets_the_statement_ses_reads_with(own_bucket):
    statements = [
        statement
        for policy in resources(own_bucket, "AWS::S3::BucketPolicy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    (ses,) = [statement for statement in statements if statement.get("Sid") == "AllowSesImportJobsToReadCheckedFiles"]
    assert ses["Resource"]["Fn::Join"][1][1] == f"/{PREFIX}staging/ses-import/*"
    (notifications,) = resources(own_bucket, "Custom::S3BucketNotifications").values()
    assert notifications["Properties"]["Managed"] is True


def test_a_bucket_it_does_not_own_is_left_as_it_is_and_the_warning_says_what_to_add(imported_bucket):
    assert resources(imported_bucket, "AWS::S3::Bucket") == {}
    assert resources(imported_bucket, "AWS::S3::BucketPolicy") == {}
    (notifications,) = resources(imported_bucket, "Custom::S3BucketNotifications").values()
    # Managed false: CDK's handler merges with the bucket's other notification configurations (see Listdrop's doc).
    assert notifications["Properties"]["Managed"] is False
    assert notifications["Properties"]["BucketName"] == EXISTING
    assert any("AllowSesImportJobsToReadCheckedFiles" in str(warning) for warning in imported_bucket["_warnings"])


def test_the_listdrop_stack_is_a_thin_user_of_the_construct():
    app = cdk.App(context={"listdrop:stackName": "Probe"})
    stack = ListdropStack(app, "Probe", config=ListdropConfig())
    assert isinstance(stack.node.default_child, Listdrop)
    assert [child for child in stack.node.children if isinstance(child, Listdrop)] == [stack.node.default_child]


def test_existing_topics_and_key_are_used_not_created():
    app = cdk.App()
    stack = cdk.Stack(app, "Own", env=cdk.Environment(account="111122223333", region="eu-west-1"))
    arn = "arn:aws:sns:eu-west-1:111122223333:{}"
    listdrop = Listdrop(
        stack,
        "Listdrop",
        key=kms.Key.from_key_arn(stack, "Key", "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef"),
        completed_topic=sns.Topic.from_topic_arn(stack, "Completed", arn.format("team-completed")),
        failed_topic=sns.Topic.from_topic_arn(stack, "Failed", arn.format("team-failed")),
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 0)
    template.resource_count_is("AWS::SNS::Topic", 1)  # the operations topic only
    for topic in ("team-completed", "team-failed"):
        template.has_resource_properties(
            "AWS::Events::Rule", {"Targets": Match.array_with([Match.object_like({"Arn": arn.format(topic)})])}
        )
    assert listdrop.completed_topic.topic_arn == arn.format("team-completed")
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("not owned by this stack"))
    assert warnings, "the owner of the topics and key must be told what their policies need"


@pytest.mark.parametrize("prefix", ["listdrop", "/listdrop/", "a//b/", "with space/"])
def test_a_key_prefix_that_is_not_a_folder_is_refused(prefix):
    with pytest.raises(ValueError, match="key_prefix"):
        Listdrop(cdk.Stack(cdk.App(), "Own"), "Listdrop", key_prefix=prefix)


@pytest.mark.parametrize("encryption", [s3.BucketEncryption.KMS, s3.BucketEncryption.KMS_MANAGED])
def test_a_bucket_encrypted_with_a_kms_key_is_refused(encryption):
    stack = cdk.Stack(cdk.App(), "Own")
    bucket = s3.Bucket(stack, "Kms", encryption=encryption)
    with pytest.raises(ValueError, match="SSE-S3"):
        Listdrop(stack, "Listdrop", bucket=bucket)


def test_the_layer_message_names_what_the_makefile_builds():
    """DependenciesLayer's instructions for a wheel install: the pins and the platform of `make layer`."""
    pins = [
        line.strip()
        for line in (ROOT / "requirements-layer.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert list(dependencies.LAYER_REQUIREMENTS) == pins
    makefile = (ROOT / "Makefile").read_text()
    assert f"LAYER_PLATFORM := {dependencies.LAYER_PLATFORM}\n" in makefile

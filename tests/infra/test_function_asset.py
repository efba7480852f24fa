"""What ships in the Lambda functions: the staged asset of each function, as `cdk deploy` would upload it."""

import json
from pathlib import Path

import pytest

from infra import constants
from tests.infra.helpers import resources

pytestmark = pytest.mark.infra


def staged_assets(template: dict) -> dict[str, Path]:
    """Each listdrop function's staged asset folder in the cloud assembly, by handler. The template's S3Key is the
    asset's object key in the stack's asset manifest, which names the folder (its `source.path`)."""
    template_path = Path(template["_path"])
    manifest = json.loads(
        template_path.with_name(template_path.name.replace(".template.json", ".assets.json")).read_text()
    )
    folders = {
        destination["objectKey"]: template_path.parent / asset["source"]["path"]
        for asset in manifest["files"].values()
        for destination in asset["destinations"].values()
    }
    handlers = set(constants.LAMBDA_HANDLERS.values())
    return {
        function["Properties"]["Handler"]: folders[function["Properties"]["Code"]["S3Key"]]
        for function in resources(template, "AWS::Lambda::Function").values()
        if function["Properties"]["Handler"] in handlers
    }


def test_the_function_asset_holds_the_handlers_and_not_the_cli(template):
    assets = staged_assets(template)
    assert set(assets) == set(constants.LAMBDA_HANDLERS.values())
    for folder in assets.values():
        assert (folder / "listdrop" / "handlers" / "starter.py").is_file()
        assert (folder / "listdrop" / "job_records.py").is_file()  # the read model stays beside the writer
        shipped = [path.relative_to(folder).as_posix() for path in folder.rglob("*")]
        assert not [path for path in shipped if path.startswith("listdrop/cli")], "the CLI ships in a function"
        assert not [path for path in shipped if "__pycache__" in path]

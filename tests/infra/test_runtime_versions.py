"""What runs in AWS is what was tested: the shipped service models and the Powertools layer of the pinned version."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from aws_cdk import App

from infra.config import ConfigError, ListdropConfig
from infra.constructs.function import FUNCTIONS_DIR, LAMBDA_TASK_ROOT
from listdrop.service_models import MODELS_DIR, MODELS_FOLDER, api_versions
from tests.infra.conftest import synthesize
from tests.infra.helpers import resources

API_VERSIONS = api_versions()  # every provider's job API and the version of its shipped model

ROOT = Path(__file__).resolve().parents[2]
POWERTOOLS_PUBLISHER = "017000801446"  # the account of the public commercial-region layers
GOVCLOUD_LAYER = (
    "arn:aws-us-gov:lambda:us-gov-west-1:165093116878:layer:AWSLambdaPowertoolsPythonV3-python313-x86_64:27"
)


def pinned(package: str) -> str:
    match = re.search(rf"^{package}==(\S+)$", (ROOT / "requirements.txt").read_text(), re.MULTILINE)
    assert match, f"{package} is not pinned in requirements.txt"
    return match.group(1)


def listdrop_functions(template: dict) -> dict[str, dict]:
    found = {
        lid: f
        for lid, f in resources(template, "AWS::Lambda::Function").items()
        if f["Properties"]["Handler"].startswith("listdrop.")
    }
    assert len(found) == 2, found.keys()
    return found


# -- the job APIs' service models --------------------------------------------------------------------------


def test_the_functions_point_botocore_at_the_models_in_their_asset(template):
    assert MODELS_DIR.parent == FUNCTIONS_DIR, "the models must sit in the function asset"
    assembly = Path(template["_path"]).parent
    for function in listdrop_functions(template).values():
        properties = function["Properties"]
        assert properties["Environment"]["Variables"]["AWS_DATA_PATH"] == f"{LAMBDA_TASK_ROOT}/{MODELS_FOLDER}"
        asset = assembly / f"asset.{properties['Code']['S3Key'].removesuffix('.zip')}"
        for service, version in API_VERSIONS.items():
            shipped = asset / MODELS_FOLDER / service / version / "service-2.json.gz"
            assert shipped.read_bytes() == (MODELS_DIR / service / version / "service-2.json.gz").read_bytes()


# -- the Powertools layer -----------------------------------------------------------------------------------


def test_the_powertools_layer_is_read_from_the_public_parameter_of_the_pinned_release(template):
    expected = f"/aws/service/powertools/python/x86_64/python3.13/{pinned('aws-lambda-powertools')}"
    (parameter_id,) = [lid for lid, p in template["Parameters"].items() if p.get("Default") == expected]
    assert template["Parameters"][parameter_id]["Type"] == "AWS::SSM::Parameter::Value<String>"
    for function in listdrop_functions(template).values():
        assert function["Properties"]["Runtime"] == "python3.13"
        assert function["Properties"]["Architectures"] == ["x86_64"]
        assert {"Ref": parameter_id} in function["Properties"]["Layers"]
    assert POWERTOOLS_PUBLISHER not in json.dumps(template), "no layer ARN is spelled out for every partition"


def test_a_layer_arn_setting_replaces_the_parameter(tmp_path_factory):
    template = synthesize(tmp_path_factory, {"listdrop:powertoolsLayerArn": GOVCLOUD_LAYER})
    assert not any("/powertools/" in str(p.get("Default")) for p in template["Parameters"].values())
    for function in listdrop_functions(template).values():
        assert GOVCLOUD_LAYER in function["Properties"]["Layers"]


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"listdrop:powertoolsLayerVersion": 27}, "powertoolsLayerVersion is no longer a setting"),
        ({"listdrop:powertoolsLayerArn": "AWSLambdaPowertoolsPythonV3:38"}, "powertoolsLayerArn: not a Lambda layer"),
        ({"listdrop:powertoolsLayerArn": GOVCLOUD_LAYER.replace(":27", "")}, "powertoolsLayerArn: not a Lambda layer"),
    ],
)
def test_layer_settings_that_cannot_work_stop_synthesis(context, message):
    with pytest.raises(ConfigError, match=message):
        ListdropConfig.from_context(App(context=context).node)


def test_cdk_json_names_no_layer_so_the_pinned_release_is_used():
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    assert context["listdrop:powertoolsLayerArn"] == ""
    assert ListdropConfig.from_context(App(context=context).node).powertools_layer_arn == ""

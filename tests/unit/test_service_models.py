"""The job APIs' service models ship with the code, equal to the pinned botocore's, and are the ones used."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path

import boto3
import botocore
import pytest
from botocore.loaders import Loader

from listdrop import export_request
from listdrop.errors import RejectedFile
from listdrop.providers.registry import get_provider
from listdrop.service_models import MODELS_DIR, api_versions
from listdrop.validation import endpoint_attributes

API_VERSIONS = api_versions()  # every provider's job API and the version of its shipped model

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = Path(Loader.BUILTIN_DATA_PATH)
THREE_DIMENSIONS = {
    "ExportDataSource": {
        "MetricsDataSource": {
            "Namespace": "VDM",
            "Dimensions": {"EMAIL_IDENTITY": ["a.example"], "CONFIGURATION_SET": ["c"], "ISP": ["Gmail"]},
            "Metrics": [{"Name": "SEND", "Aggregation": "VOLUME"}],
            "StartDate": "2026-11-01",
            "EndDate": "2026-11-08",
        }
    },
    "ExportDestination": {"DataFormat": "CSV"},
}


def pinned(package: str) -> str:
    match = re.search(rf"^{package}==(\S+)$", (ROOT / "requirements.txt").read_text(), re.MULTILINE)
    assert match, f"{package} is not pinned in requirements.txt"
    return match.group(1)


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


# -- what ships is what the tests use --------------------------------------------------------------------


def test_the_tests_run_the_pinned_botocore():
    assert botocore.__version__ == pinned("botocore")


@pytest.mark.parametrize(("service", "version"), sorted(API_VERSIONS.items()))
def test_shipped_models_are_byte_identical_to_the_pinned_botocores(service, version):
    shipped, source = files_under(MODELS_DIR / service / version), files_under(BUILTIN / service / version)
    assert shipped.keys() == source.keys(), "run `make models` after a botocore bump"
    assert all(shipped[name] == source[name] for name in source), "run `make models` after a botocore bump"


def test_only_the_job_apis_ship_each_at_the_pinned_botocores_newest_version():
    shipped = {f"{path.parent.name}/{path.name}" for path in MODELS_DIR.glob("*/*") if path.is_dir()}
    assert shipped == {f"{service}/{version}" for service, version in API_VERSIONS.items()}
    builtin = Loader(include_default_search_paths=False, extra_search_paths=[str(BUILTIN)])
    for service, version in API_VERSIONS.items():
        assert builtin.determine_latest_version(service, "service-2") == version
    assert f"botocore {pinned('botocore')} " in (MODELS_DIR / "SOURCE.txt").read_text()


# The endpoint-rule functions of the shipped rule sets: basic ones every botocore with rule sets implements. A
# refreshed model that needs another might not resolve its endpoint in an older runtime botocore: review it.
BASIC_RULE_FUNCTIONS = {"aws.partition", "booleanEquals", "getAttr", "isSet", "isValidHostLabel", "not", "stringEquals"}


def rule_functions(value) -> set[str]:
    if isinstance(value, dict):
        return ({value["fn"]} if "fn" in value else set()).union(*map(rule_functions, value.values()))
    if isinstance(value, list):
        return set().union(*map(rule_functions, value))
    return set()


@pytest.mark.parametrize(("service", "version"), sorted(API_VERSIONS.items()))
def test_shipped_endpoint_rules_need_only_basic_rule_functions(service, version):
    rules = json.loads(gzip.decompress((MODELS_DIR / service / version / "endpoint-rule-set-1.json.gz").read_bytes()))
    assert rule_functions(rules) <= BASIC_RULE_FUNCTIONS


# -- what ships is what the Lambda code loads ------------------------------------------------------------


@pytest.fixture
def planted(tmp_path, monkeypatch):
    """A copy of the shipped models with one rule changed per API, on AWS_DATA_PATH as the functions set it."""
    folder = tmp_path / "aws-models"
    shutil.copytree(MODELS_DIR, folder)

    def change(service: str, edit) -> None:
        path = folder / service / API_VERSIONS[service] / "service-2.json.gz"
        model = json.loads(gzip.decompress(path.read_bytes()))
        edit(model)
        path.write_bytes(gzip.compress(json.dumps(model).encode()))

    change("sesv2", lambda m: m["shapes"]["ExportDimensions"].update(max=2))
    change("pinpoint", lambda m: m["shapes"]["ChannelType"]["enum"].append("CARRIER_PIGEON"))
    change("mailmanager", lambda m: m["metadata"].update(serviceFullName="Planted Mail Manager"))
    monkeypatch.setenv("AWS_DATA_PATH", str(folder))
    _forget_loaded_models()
    yield folder
    monkeypatch.delenv("AWS_DATA_PATH")
    _forget_loaded_models()


def _forget_loaded_models() -> None:
    export_request._input_shape.cache_clear()
    endpoint_attributes.endpoint_schema.cache_clear()


def session() -> boto3.session.Session:
    return boto3.session.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def test_the_export_request_checker_enforces_the_models_on_aws_data_path(planted):
    with pytest.raises(RejectedFile) as refused:
        export_request.parse_export_request(json.dumps(THREE_DIMENSIONS).encode())
    assert "has 3 entries; at most 2 are allowed" in refused.value.reason


def test_the_endpoint_checker_reads_channel_types_from_the_models_on_aws_data_path(planted):
    assert "CARRIER_PIGEON" in endpoint_attributes.endpoint_schema().channel_types


def test_job_api_clients_are_built_from_the_models_on_aws_data_path(planted):
    ses_export = get_provider("ses-export", session())
    mail_manager = get_provider("mail-manager", session())
    pinpoint = get_provider("pinpoint-import", session())
    sesv2_model = ses_export._ses.meta.service_model  # type: ignore[attr-defined]
    assert sesv2_model.shape_for("ExportDimensions").metadata["max"] == 2
    assert mail_manager._mail.meta.service_model.metadata["serviceFullName"] == "Planted Mail Manager"  # type: ignore[attr-defined]
    assert "CARRIER_PIGEON" in pinpoint._pinpoint.meta.service_model.shape_for("ChannelType").enum  # type: ignore[attr-defined]


def test_a_newer_api_version_elsewhere_on_the_path_does_not_win(planted, tmp_path, monkeypatch):
    """As if the runtime's botocore had a newer sesv2: the client still loads the shipped version."""
    newer = tmp_path / "runtime" / "sesv2" / "2099-01-01"
    newer.mkdir(parents=True)
    model = json.loads(gzip.decompress((planted / "sesv2" / API_VERSIONS["sesv2"] / "service-2.json.gz").read_bytes()))
    model["metadata"]["apiVersion"] = "2099-01-01"
    model["shapes"]["ExportDimensions"]["max"] = 9
    (newer / "service-2.json.gz").write_bytes(gzip.compress(json.dumps(model).encode()))
    shutil.copy(planted / "sesv2" / API_VERSIONS["sesv2"] / "endpoint-rule-set-1.json.gz", newer)
    monkeypatch.setenv("AWS_DATA_PATH", f"{planted}:{tmp_path / 'runtime'}")
    _forget_loaded_models()
    client = get_provider("ses-export", session())._ses  # type: ignore[attr-defined]
    assert client.meta.service_model.api_version == API_VERSIONS["sesv2"]
    assert client.meta.service_model.shape_for("ExportDimensions").metadata["max"] == 2
    with pytest.raises(RejectedFile, match="at most 2 are allowed"):
        export_request.parse_export_request(json.dumps(THREE_DIMENSIONS).encode())


def test_without_aws_data_path_the_pinned_botocores_own_models_apply():
    _forget_loaded_models()
    assert "CARRIER_PIGEON" not in endpoint_attributes.endpoint_schema().channel_types
    client = get_provider("ses-export", session())._ses  # type: ignore[attr-defined]
    assert client.meta.service_model.shape_for("ExportDimensions").metadata["max"] == 3

"""The pip package (pyproject.toml): what `pip install .` gives, checked on a wheel built here, offline.

One wheel per module (about 3 s): built with the venv's setuptools (--no-build-isolation --no-index), from a copy
of the files the build reads, so the checkout gets no build/ or egg-info folder.
"""

from __future__ import annotations

import configparser
import email
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import listdrop
from listdrop.cli.app import main
from listdrop.service_models import MODELS_DIR

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
# What the build reads: the metadata's files and the packages' folders.
BUILD_INPUTS = ["pyproject.toml", "README.md", "LICENSE", "functions", "infra"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[zipfile.ZipFile]:
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, source / name)
    out = tmp_path_factory.mktemp("wheel")
    offline = ["--no-deps", "--no-build-isolation", "--no-index"]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", *offline, "--wheel-dir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("listdrop-*.whl")
    with zipfile.ZipFile(built) as archive:
        yield archive


def _metadata_file(wheel: zipfile.ZipFile, name: str) -> str:
    (path,) = [item for item in wheel.namelist() if item.endswith(f".dist-info/{name}")]
    return wheel.read(path).decode()


def test_the_version_is_the_packages_own(wheel):
    metadata = email.message_from_string(_metadata_file(wheel, "METADATA"))
    assert metadata["Name"] == "listdrop"
    assert metadata["Version"] == listdrop.__version__
    requires = metadata.get_all("Requires-Dist")
    assert any(requirement.startswith("boto3") for requirement in requires)
    assert any(requirement.startswith("numpy") for requirement in requires)  # the checker's large-file index
    assert any(requirement.startswith("idna") for requirement in requires)  # international domains
    cdk = [requirement for requirement in requires if requirement.endswith('extra == "cdk"')]
    assert {requirement.split(">=")[0] for requirement in cdk} == {"aws-cdk-lib", "constructs", "cdk-nag"}


def test_the_listdrop_command_is_a_console_script(wheel):
    entry_points = configparser.ConfigParser()
    entry_points.read_string(_metadata_file(wheel, "entry_points.txt"))
    assert dict(entry_points["console_scripts"]) == {"listdrop": "listdrop.cli.app:main"}


@pytest.mark.parametrize(("name", "folder"), [("listdrop", FUNCTIONS / "listdrop"), ("listdrop_cdk", ROOT / "infra")])
def test_every_module_is_in_the_wheel(wheel, name, folder):
    """pyproject.toml lists the packages one by one: a new subpackage missing from the list fails here. The CDK code
    (infra/ here) installs as listdrop_cdk, a name no CDK app of a user's own has."""
    modules = {f"{name}/{path.relative_to(folder).as_posix()}" for path in folder.rglob("*.py")}
    assert modules <= set(wheel.namelist())


def test_the_service_models_ship_inside_the_package(wheel):
    shipped = {path.relative_to(MODELS_DIR).as_posix() for path in MODELS_DIR.rglob("*") if path.is_file()}
    assert shipped
    assert {f"listdrop/_aws_models/{name}" for name in shipped} <= set(wheel.namelist())


def test_no_tests_or_repository_tooling_in_the_wheel(wheel):
    tops = {name.split("/", 1)[0] for name in wheel.namelist()}
    assert tops == {"listdrop", "listdrop_cdk", f"listdrop-{listdrop.__version__}.dist-info"}


def test_the_installed_package_finds_its_models_and_prints_its_version(wheel, tmp_path):
    """As pip lays it out in site-packages: the models inside the package, nothing beside it."""
    wheel.extractall(tmp_path / "site")
    script = (
        "import json, listdrop.service_models as models\n"
        "print(json.dumps([str(models.MODELS_DIR), models.service_model('sesv2').api_version]))\n"
    )
    # PYTHONPATH comes before the venv's own site-packages: this copy is the one imported.
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    env.pop("AWS_DATA_PATH", None)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    folder, version = json.loads(result.stdout)
    assert Path(folder) == tmp_path / "site" / "listdrop" / "_aws_models"
    assert version == "2019-09-27"
    command = [sys.executable, "-m", "listdrop.cli", "--version"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=True, cwd=tmp_path)
    assert result.stdout.strip() == f"listdrop {listdrop.__version__}"


def test_version_option(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"listdrop {listdrop.__version__}"


def test_an_installed_wheel_stages_the_function_asset_from_the_package(wheel, tmp_path):
    """No repository beside the installed packages: the asset is staged as functions/ lays it out (models beside the
    package, the command left to ASSET_EXCLUDE), so the Listdrop construct synthesizes from a wheel install."""
    wheel.extractall(tmp_path / "site")
    script = (
        "import json, pathlib\n"
        "from listdrop_cdk.constructs import function\n"
        "staged = function.asset_dir()\n"
        "print(json.dumps([str(function.FUNCTIONS_DIR), sorted(p.name for p in staged.iterdir()),\n"
        "    sorted(str(p.relative_to(staged)) for p in staged.glob('aws-models/*/*/service-2.json.gz'))]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site"), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True, cwd=tmp_path, timeout=300
    )
    installed_at, top, models = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(installed_at) == tmp_path / "site"
    assert top == ["aws-models", "listdrop"]
    expected = sorted(str(path.relative_to(MODELS_DIR.parent)) for path in MODELS_DIR.glob("*/*/service-2.json.gz"))
    assert models == expected

"""listdrop's own Lambda layer: the run-time dependencies that neither the Lambda runtime nor the Powertools
layer provide (numpy, for the file checker's duplicate index; idna, for international domains).

`make layer` fills LAYER_DIR from requirements-layer.txt with the wheels built for the function's runtime
and architecture (see the Makefile); CDK zips the folder as an ordinary asset, no Docker involved.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from .function import RUNTIME

# Where `make layer` builds it, in the repository. An installed wheel has no repository: pass a folder built the same
# way (`layer_dir`, below), or a layer of your own (the Listdrop construct's `dependencies_layer`).
LAYER_DIR = Path(__file__).resolve().parents[2] / ".build" / "lambda-layer"
LAYER_PACKAGES = LAYER_DIR / "python"
# What the layer must hold (requirements-layer.txt; tests/infra/test_embedding.py holds them equal) and how the
# Makefile's `layer` target downloads it (LAYER_PLATFORM there): wheels for the functions' runtime and
# architecture, no build, no Docker.
LAYER_REQUIREMENTS = ("idna==3.20", "numpy==2.4.6")
LAYER_PLATFORM = "--platform manylinux_2_28_x86_64 --implementation cp --python-version 3.13 --abi cp313"
LAYER_PIP_OPTIONS = f"--no-deps --only-binary=:all: {LAYER_PLATFORM}"


class DependenciesLayer(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, layer_dir: Path = LAYER_DIR) -> None:
        super().__init__(scope, construct_id)
        if not (layer_dir / "python" / "numpy").is_dir():
            raise FileNotFoundError(
                f"{layer_dir} is missing or incomplete. In a listdrop checkout, run `make layer` (make synth, make run "
                "and make test do it for you). Elsewhere, build the folder with `python -m pip install "
                f"{LAYER_PIP_OPTIONS} --target <folder>/python {' '.join(LAYER_REQUIREMENTS)}` and pass "
                "Listdrop(..., dependencies_layer_dir=<folder>), or pass a layer of your own that provides them for "
                "python3.13 x86_64 (dependencies_layer=)."
            )
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            code=lambda_.Code.from_asset(str(layer_dir), exclude=["**/__pycache__", "**/*.pyc", ".installed"]),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[lambda_.Architecture.X86_64],
            description="listdrop run-time dependencies (requirements-layer.txt), built for python3.13 x86_64",
        )

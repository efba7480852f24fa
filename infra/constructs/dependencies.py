"""listdrop's own Lambda layer: the run-time dependencies that neither the Lambda runtime nor the Powertools
layer provide (today numpy, for the file checker's duplicate index).

`make layer` fills LAYER_DIR from requirements-layer.txt with the wheels built for the function's runtime
and architecture (see the Makefile); CDK zips the folder as an ordinary asset, no Docker involved.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.function import RUNTIME

LAYER_DIR = Path(__file__).resolve().parents[2] / ".build" / "lambda-layer"
LAYER_PACKAGES = LAYER_DIR / "python"


class DependenciesLayer(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        if not (LAYER_PACKAGES / "numpy").is_dir():
            raise FileNotFoundError(
                f"{LAYER_DIR} is missing or incomplete: run `make layer` (make synth, make run and make test "
                "do it for you) before synthesizing the stack."
            )
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            code=lambda_.Code.from_asset(str(LAYER_DIR), exclude=["**/__pycache__", "**/*.pyc", ".installed"]),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[lambda_.Architecture.X86_64],
            description="listdrop run-time dependencies (requirements-layer.txt), built for python3.13 x86_64",
        )

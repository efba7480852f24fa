#!/usr/bin/env python3
"""CDK entry point: `npx cdk synth` / `npx cdk deploy` run this (see cdk.json)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.config import ListdropConfig
from infra.stack import ListdropStack

CDK_JSON = Path(__file__).resolve().parent / "cdk.json"


def cdk_json_context() -> dict[str, object]:
    """cdk.json's context, so `python app.py` (tests, local cloud) synthesizes what `cdk synth` does."""
    context: dict[str, object] = json.loads(CDK_JSON.read_text())["context"]
    return context


def build_app(outdir: str | None = None, context: dict[str, object] | None = None) -> cdk.App:
    """Context from the CLI wins over `context`, which wins over cdk.json's."""
    app = cdk.App(outdir=outdir, context={**cdk_json_context(), **(context or {})})
    config = ListdropConfig.from_context(app.node)
    stack_name = str(app.node.try_get_context("listdrop:stackName") or "Listdrop")
    ListdropStack(
        app,
        stack_name,
        config=config,
        description="listdrop: S3-dropped files imported into SES, with outcome notifications",
        env=cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")),
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


if __name__ == "__main__":
    build_app().synth()

#!/usr/bin/env python3
"""CDK entry point: `npx cdk synth` / `npx cdk deploy` run this (see cdk.json)."""

from __future__ import annotations

import os

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.config import ListdropConfig
from infra.stack import ListdropStack


def build_app(outdir: str | None = None, context: dict[str, object] | None = None) -> cdk.App:
    app = cdk.App(outdir=outdir, context=context)
    config = ListdropConfig.from_context(app.node)
    stack_name = str(app.node.try_get_context("listdrop:stackName") or "Listdrop")
    ListdropStack(
        app,
        stack_name,
        config=config,
        description="listdrop: S3-dropped files imported into SES, with outcome notifications",
        env=cdk.Environment(
            account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")
        ),
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))  # type: ignore[arg-type]
    return app


if __name__ == "__main__":
    build_app().synth()

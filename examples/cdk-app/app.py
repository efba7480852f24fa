#!/usr/bin/env python3
"""A CDK app of your own that embeds listdrop: its bucket exists already, and listdrop's keys live under 'listdrop/'.

    pip install "listdrop[cdk] @ <checkout or git URL of listdrop>"
    npx cdk synth      # here, with cdk.json: the bucket below stands in for yours
    npx cdk synth -c existingBucketName=my-team-bucket    # a bucket this app does not own, imported by name

See README.md beside this file for what an existing bucket implies.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from listdrop_cdk.listdrop import Listdrop, ListdropConfig

KEY_PREFIX = "listdrop/"
CDK_JSON = Path(__file__).resolve().parent / "cdk.json"
# Your buckets' baseline: SSE-S3 (listdrop needs it), TLS only, never public, no ACLs, kept when the stack goes.
PRIVATE_BUCKET: dict[str, Any] = {
    "encryption": s3.BucketEncryption.S3_MANAGED,
    "enforce_ssl": True,
    "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
    "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    "removal_policy": cdk.RemovalPolicy.RETAIN,
}


class TeamDataStack(cdk.Stack):
    """Your stack. Its bucket holds other things too; listdrop takes the keys under KEY_PREFIX."""

    def __init__(
        self, scope: Construct, construct_id: str, *, existing_bucket_name: str = "", **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        if existing_bucket_name:
            # Not this stack's bucket: synthesis warns that its policy needs listdrop's statements (see README.md).
            bucket = s3.Bucket.from_bucket_name(self, "ExistingBucket", existing_bucket_name)
        else:
            bucket = self._team_bucket()
        listdrop = Listdrop(
            self,
            "Listdrop",
            bucket=bucket,
            key_prefix=KEY_PREFIX,
            config=ListdropConfig(enabled_providers=("ses-import", "ses-export")),
        )
        # The outputs `listdrop jobs --stack TeamData` and `listdrop redrive --stack TeamData` read.
        for output_id, value in listdrop.outputs().items():
            cdk.CfnOutput(self, output_id, value=value)

    def _team_bucket(self) -> s3.Bucket:
        """Standing in for the bucket you already have."""
        logs = s3.Bucket(self, "TeamAccessLogs", **PRIVATE_BUCKET)
        cdk.Validations.of(logs).acknowledge(
            cdk.Acknowledgment(id="AwsSolutions::AwsSolutions-S1", reason="The access-log bucket does not log itself.")
        )
        return s3.Bucket(self, "TeamBucket", **PRIVATE_BUCKET, versioned=True, server_access_logs_bucket=logs)


def build_app(outdir: str | None = None, context: dict[str, object] | None = None) -> cdk.App:
    """cdk.json's context (its feature flags), then `context` (the tests'); `cdk -c` wins over both."""
    app = cdk.App(outdir=outdir, context={**json.loads(CDK_JSON.read_text())["context"], **(context or {})})
    TeamDataStack(app, "TeamData", existing_bucket_name=str(app.node.try_get_context("existingBucketName") or ""))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


if __name__ == "__main__":
    build_app().synth()

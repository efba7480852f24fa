"""The listdrop stack: the Listdrop construct (infra/listdrop.py) and the outputs the CLI and the local cloud read."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from .config import ListdropConfig
from .listdrop import Listdrop

# The construct's id: CDK leaves a "Default" child out of the logical ids below it, so the resources keep the ids they
# had when the stack built them itself (a deployed stack updates in place, nothing is replaced).
CONSTRUCT_ID = "Default"


class ListdropStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: ListdropConfig, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        listdrop = Listdrop(self, CONSTRUCT_ID, config=config)
        for output_id, value in listdrop.outputs().items():
            CfnOutput(self, output_id, value=value)

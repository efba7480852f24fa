"""A Python Lambda function the listdrop way: own role, own log group, tracing, Powertools layer."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

import listdrop
from listdrop.service_models import WHEEL_MODELS_FOLDER

from .. import nag

# Where the `listdrop` package is: functions/ in the repository (an editable install too), where the job APIs' models
# sit beside it as the function asset lays them out; site-packages for an installed wheel (asset_dir stages that).
FUNCTIONS_DIR = Path(listdrop.__file__).resolve().parents[1]
# The public Powertools layer is built per runtime and architecture (resolved below); move them together.
RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.X86_64

# Powertools for AWS Lambda (Python), the version requirements.txt pins and the tests run (a test holds them equal).
POWERTOOLS_VERSION = "3.37.0"
# Powertools publishes each layer version's ARN as a public SSM parameter in the commercial regions, by
# architecture, Python version and release ("Using SSM Parameter Store",
# https://docs.aws.amazon.com/powertools/python/latest/getting-started/install/#using-ssm-parameter-store; the
# regions are those of its publishing workflow, .github/workflows/update_ssm.yml). China and GovCloud have layers
# but no parameters: there `listdrop:powertoolsLayerArn` names the layer (see the README).
POWERTOOLS_PARAMETER = f"/aws/service/powertools/python/{ARCHITECTURE.name}/{RUNTIME.name}/{POWERTOOLS_VERSION}"

# The job APIs' service models ship in the asset (functions/aws-models, see functions/listdrop/service_models.py);
# Lambda unpacks the asset into the task root, /var/task (LAMBDA_TASK_ROOT,
# https://docs.aws.amazon.com/lambda/latest/dg/python-image.html). botocore searches AWS_DATA_PATH's folders
# before its own data folder (botocore/loaders.py), so the clients and checkers load the models the tests used.
SERVICE_MODELS_FOLDER = "aws-models"
LAMBDA_TASK_ROOT = "/var/task"
# What the function asset leaves out of functions/ (glob patterns from its root): caches, and the `listdrop`
# command (listdrop/cli), which no function runs (tests/unit/test_cli_package.py holds that the handlers never
# import it; tests/infra/test_function_asset.py that the staged asset has none of it).
ASSET_EXCLUDE = ["**/__pycache__", "**/*.pyc", "**/.mypy_cache", "listdrop/cli"]


def powertools_layer(scope: Construct, layer_arn: str = "") -> lambda_.ILayerVersion:
    """The public Powertools layer of POWERTOOLS_VERSION: `layer_arn` if given, else read at deployment from
    the public parameter (a CloudFormation parameter of type AWS::SSM::Parameter::Value<String>)."""
    arn = layer_arn or ssm.StringParameter.value_for_string_parameter(scope, POWERTOOLS_PARAMETER)
    return lambda_.LayerVersion.from_layer_version_arn(scope, "PowertoolsLayer", arn)


@cache
def asset_dir() -> Path:
    """The folder the functions' asset is made of: `listdrop/` and `aws-models/` side by side. functions/ itself in
    the repository; for an installed wheel, a copy in that layout of the installed package and the models it carries
    (listdrop/_aws_models), removed when the process ends (CDK has copied it into the cloud assembly by then)."""
    if (FUNCTIONS_DIR / SERVICE_MODELS_FOLDER).is_dir():
        return FUNCTIONS_DIR
    package = Path(listdrop.__file__).resolve().parent
    stage = Path(tempfile.mkdtemp(prefix="listdrop-functions-"))
    atexit.register(shutil.rmtree, stage, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", WHEEL_MODELS_FOLDER)
    shutil.copytree(package, stage / package.name, ignore=ignore)
    shutil.copytree(package / WHEEL_MODELS_FOLDER, stage / SERVICE_MODELS_FOLDER)
    return stage


def _service_models_path() -> str:
    if not any((asset_dir() / SERVICE_MODELS_FOLDER).glob("*/*/service-2.json*")):
        raise FileNotFoundError(
            f"{asset_dir() / SERVICE_MODELS_FOLDER} holds no service models: run `make models` before synthesizing."
        )
    return f"{LAMBDA_TASK_ROOT}/{SERVICE_MODELS_FOLDER}"


class ListdropFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: str,
        description: str,
        environment: dict[str, str],
        timeout: Duration,
        memory_size: int = 256,
        powertools_layer: lambda_.ILayerVersion,
        log_retention: logs.RetentionDays,
        wildcard_reason: str = "",
    ) -> None:
        """`wildcard_reason`: why the caller's own statements need Resource '*', if they do."""
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"listdrop {construct_id} function",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description=description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=handler,
            code=lambda_.Code.from_asset(str(asset_dir()), exclude=ASSET_EXCLUDE),
            role=self.role,
            log_group=self.log_group,
            layers=[powertools_layer],
            tracing=lambda_.Tracing.ACTIVE,
            memory_size=memory_size,
            timeout=timeout,
            environment={
                "POWERTOOLS_SERVICE_NAME": "listdrop",
                "POWERTOOLS_METRICS_NAMESPACE": "listdrop",
                "LOG_LEVEL": "INFO",
                "AWS_DATA_PATH": _service_models_path(),
                **environment,
            },
        )
        nag.acknowledge(
            self.function,
            "AwsSolutions-L1",
            "Pinned to python3.13, the newest runtime with a published Powertools v3 layer build that this "
            "project has tested; the layer and the runtime are upgraded together (infra/constructs/function.py).",
        )
        nag.wildcard(self.role, "*", f"{nag.XRAY} {wildcard_reason}".strip())

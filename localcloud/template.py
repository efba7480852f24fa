"""Synthesize the CDK app and resolve the template's intrinsic functions to local names and ARNs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = ROOT / ".build"


def synthesize(context: dict[str, object] | None = None) -> dict[str, Any]:
    """Run the real CDK app (with cdk-nag) and return the stack's template.

    Synthesis runs in a child process so that the serving process never loads jsii's Node runtime
    (which would also receive the user's Ctrl-C and complain on exit). Each synthesis writes its own
    assembly folder, so local clouds started side by side (test processes, `make run`) never share one.
    """
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cdk.out-", dir=BUILD_DIR) as folder:
        return _synthesize_into(Path(folder), context)


def _synthesize_into(outdir: Path, context: dict[str, object] | None) -> dict[str, Any]:
    script = (
        "import json, sys; from app import build_app; "
        "build_app(outdir=sys.argv[1], context=json.loads(sys.argv[2])).synth()"
    )
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    # infra reads the provider registry: the child imports this checkout's functions/, whatever the venv's .pth says.
    paths = [str(ROOT), str(ROOT / "functions"), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script, str(outdir), json.dumps(context or {})],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"CDK synthesis failed:\n{result.stderr[-4000:]}")
    manifest = json.loads((outdir / "manifest.json").read_text())
    (template_file,) = [
        artifact["properties"]["templateFile"]
        for artifact in manifest["artifacts"].values()
        if artifact["type"] == "aws:cloudformation:stack"
    ]
    template: dict[str, Any] = json.loads((outdir / template_file).read_text())
    return template


def _physical_name(stack: str, logical_id: str, limit: int = 63) -> str:
    name = re.sub(r"[^a-z0-9-]", "-", f"{stack}-{logical_id}".lower())
    return name[:limit].strip("-")


# Public parameters AWS services publish under /aws/service/ that a template may read, and the local stand-in
# for each. Powertools publishes its layer ARNs (https://docs.aws.amazon.com/powertools/python/latest/
# getting-started/install/#using-ssm-parameter-store); the local runtime imports Powertools from the virtual
# environment, so the stand-in only names the layer (by the release the parameter names) and nothing loads it.
_POWERTOOLS_LAYER_PARAMETER = re.compile(
    r"/aws/service/powertools/python/(?P<arch>x86_64|arm64)/python(?P<python>3\.\d+)/(?P<release>[0-9.]+|latest)"
)
# CloudFormation dynamic references: {{resolve:service:reference}}, with ssm, ssm-secure or secretsmanager
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html).
_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:(?P<service>[a-z-]+):(?P<reference>[^}]+)\}\}")
_SSM_PARAMETER_TYPE = re.compile(r"AWS::SSM::Parameter::Value<.+>")


@dataclass
class Resolver:
    """Maps logical ids to the names and ARNs their resources get in the local cloud.

    Template parameters resolve to their defaults; an SSM-typed parameter (`AWS::SSM::Parameter::Value<...>`,
    whose default CDK sets to the parameter's name) and a `{{resolve:ssm:...}}` dynamic reference resolve to the
    SSM parameter's value, from `ssm_parameters` or the stand-ins for AWS's public parameters; any other is an error,
    so a template the local cloud cannot provision fails here, by name.
    """

    template: dict[str, Any]
    account: str
    region: str
    stack_name: str = "listdrop-local"
    endpoint_url: str = "http://127.0.0.1:4566"
    names: dict[str, str] = field(default_factory=dict)
    ssm_parameters: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for logical_id, resource in self.resources.items():
            properties = resource.get("Properties", {})
            explicit = properties.get("Name") if resource["Type"] == "AWS::Events::EventBus" else None
            self.names[logical_id] = explicit or _physical_name(self.stack_name, logical_id)

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.template["Resources"]
        return resources

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {lid: r for lid, r in self.resources.items() if r["Type"] == resource_type}

    def output(self, output_id: str) -> Any:
        return self.resolve(self.template["Outputs"][output_id]["Value"])

    # -- intrinsic functions -----------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        resolved = self._resolve(value)
        return _DYNAMIC_REFERENCE.sub(self._dynamic_reference, resolved) if isinstance(resolved, str) else resolved

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((function, argument),) = value.items()
            if function == "Ref":
                return self.ref(argument)
            if function == "Fn::GetAtt":
                logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.get_att(logical_id, attribute)
            if function == "Fn::Join":
                separator, items = argument
                return separator.join(str(self.resolve(item)) for item in items)
            if function == "Fn::Select":
                index, items = argument
                return self.resolve(items)[int(index)]
            if function == "Fn::Split":
                separator, text = argument
                return str(self.resolve(text)).split(separator)
            if function == "Fn::Sub":
                return self._sub(argument)
        return {key: self.resolve(item) for key, item in value.items()}

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Partition": "aws",
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
            "AWS::NoValue": "",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.template.get("Parameters", {}):
            return self.parameter(name)
        resource_type = self.resources[name]["Type"]
        if resource_type in ("AWS::SQS::Queue",):
            return self.get_att(name, "QueueUrl")
        if resource_type in ("AWS::SNS::Topic", "AWS::StepFunctions::StateMachine"):
            return self.get_att(name, "Arn")
        return self.names[name]

    def parameter(self, name: str) -> str:
        """A template parameter's value: its default (the local cloud passes no parameter values)."""
        declared = self.template["Parameters"][name]
        if "Default" not in declared:
            raise KeyError(f"template parameter {name} has no default, and the local cloud passes no values")
        default = str(declared["Default"])
        return self.ssm_parameter(default) if _SSM_PARAMETER_TYPE.fullmatch(declared["Type"]) else default

    def ssm_parameter(self, name: str) -> str:
        """The value of an SSM parameter the template reads, as the local cloud stands in for it."""
        if name in self.ssm_parameters:
            return self.ssm_parameters[name]
        powertools = _POWERTOOLS_LAYER_PARAMETER.fullmatch(name)
        if powertools:
            python, release = powertools["python"].replace(".", ""), powertools["release"].replace(".", "_")
            layer = f"local-powertools-python{python}-{powertools['arch']}-{release}"
            return f"arn:aws:lambda:{self.region}:{self.account}:layer:{layer}:1"
        raise KeyError(f"SSM parameter {name!r} has no local value: pass it in Resolver(ssm_parameters=...)")

    def _dynamic_reference(self, match: re.Match[str]) -> str:
        if match["service"] != "ssm":
            raise KeyError(f"the local cloud resolves only ssm dynamic references, not {match.group()!r}")
        name, _, _version = match["reference"].partition(":")  # a version pins the value; locally there is one
        return self.ssm_parameter(name)

    def get_att(self, logical_id: str, attribute: str) -> str:
        resource_type = self.resources[logical_id]["Type"]
        name = self.names[logical_id]
        a, r = self.account, self.region
        arns = {
            "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
            "AWS::SQS::Queue": f"arn:aws:sqs:{r}:{a}:{name}",
            "AWS::SNS::Topic": f"arn:aws:sns:{r}:{a}:{name}",
            "AWS::DynamoDB::GlobalTable": f"arn:aws:dynamodb:{r}:{a}:table/{name}",
            "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{r}:{a}:table/{name}",
            "AWS::Events::EventBus": f"arn:aws:events:{r}:{a}:event-bus/{name}",
            "AWS::Events::Rule": f"arn:aws:events:{r}:{a}:rule/{name}",
            "AWS::Lambda::Function": f"arn:aws:lambda:{r}:{a}:function:{name}",
            "AWS::StepFunctions::StateMachine": f"arn:aws:states:{r}:{a}:stateMachine:{name}",
            "AWS::IAM::Role": f"arn:aws:iam::{a}:role/{name}",
            "AWS::KMS::Key": f"arn:aws:kms:{r}:{a}:key/{name}",
            "AWS::Logs::LogGroup": f"arn:aws:logs:{r}:{a}:log-group:{name}:*",
        }
        if attribute == "Arn" or attribute == "TopicArn":
            return arns[resource_type]
        if attribute == "QueueUrl":
            return f"{self.endpoint_url}/{a}/{name}"
        if attribute in ("QueueName", "TopicName", "Name", "StreamArn"):
            return name
        raise KeyError(f"unsupported attribute {logical_id}.{attribute} ({resource_type})")

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        variables = {key: self.resolve(value) for key, value in variables.items()}

        def replace(match: re.Match[str]) -> str:
            token = match.group(1)
            if token in variables:
                return str(variables[token])
            if "." in token:
                logical_id, attribute = token.split(".", 1)
                return self.get_att(logical_id, attribute)
            return self.ref(token)

        return re.sub(r"\$\{([^}!]+)\}", replace, text)

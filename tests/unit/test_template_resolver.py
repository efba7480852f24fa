"""The local cloud's template resolver: parameters, SSM-typed parameters and dynamic references."""

from __future__ import annotations

import pytest

from localcloud.template import Resolver

POWERTOOLS = "/aws/service/powertools/python/x86_64/python3.13/3.37.0"
# What CDK synthesizes for ssm.StringParameter.value_for_string_parameter (infra/constructs/function.py).
SSM_PARAMETER_ID = (
    "SsmParameterValueawsservicepowertoolspythonx8664python3133370C96584B6F00A464EAD1953AFF4B05118Parameter"
)


def template(layers: object, parameters: dict | None = None) -> dict:
    return {
        "Parameters": parameters
        or {
            SSM_PARAMETER_ID: {"Type": "AWS::SSM::Parameter::Value<String>", "Default": POWERTOOLS},
            "BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/v"},
            "Stage": {"Type": "String", "Default": "local"},
            "NoDefault": {"Type": "String"},
        },
        "Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Layers": layers}}},
    }


def layers(resolver: Resolver) -> object:
    return resolver.resolve(resolver.resources["Fn"]["Properties"])["Layers"]


def test_an_ssm_typed_parameter_resolves_to_the_parameters_value():
    resolver = Resolver(template([{"Ref": SSM_PARAMETER_ID}]), "123456789012", "eu-west-1")
    assert layers(resolver) == [
        "arn:aws:lambda:eu-west-1:123456789012:layer:local-powertools-python313-x86_64-3_37_0:1"
    ]


def test_given_ssm_values_win_over_the_stand_ins():
    arn = "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-x86_64:38"
    resolver = Resolver(template([{"Ref": SSM_PARAMETER_ID}]), "1", "eu-west-1", ssm_parameters={POWERTOOLS: arn})
    assert layers(resolver) == [arn]


def test_plain_parameters_resolve_to_their_defaults_also_inside_sub_and_join():
    value = [{"Fn::Sub": "stage-${Stage}"}, {"Fn::Join": ["/", [{"Ref": "Stage"}, "x"]]}]
    assert layers(Resolver(template(value), "1", "eu-west-1")) == ["stage-local", "local/x"]


def test_ssm_dynamic_references_resolve_where_they_stand():
    value = [f"{{{{resolve:ssm:{POWERTOOLS}}}}}", {"Fn::Join": ["", ["{{resolve:ssm:", POWERTOOLS, ":4}}"]]}]
    resolved = layers(Resolver(template(value), "1", "eu-west-1", ssm_parameters={POWERTOOLS: "arn:layer"}))
    assert resolved == ["arn:layer", "arn:layer"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([{"Ref": "NoDefault"}], "NoDefault has no default"),
        ([{"Ref": "BootstrapVersion"}], "'/cdk-bootstrap/v' has no local value"),
        (["{{resolve:ssm:/my/own/parameter}}"], "'/my/own/parameter' has no local value"),
        (["{{resolve:secretsmanager:MySecret:SecretString:password}}"], "only ssm dynamic references"),
    ],
)
def test_what_the_local_cloud_cannot_stand_in_for_fails_by_name(value, message):
    with pytest.raises(KeyError, match=message):
        layers(Resolver(template(value), "1", "eu-west-1"))

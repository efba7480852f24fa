"""Every provider in the registry is complete: what routing, `listdrop jobs`, infra and the local cloud ask of it
is there and valid against AWS's own sources (botocore's models, the Service Authorization Reference)."""

import importlib
import re

import boto3
import botocore.session
import pytest

from listdrop import routing, validation
from listdrop.models import DataFormat, InputKind
from listdrop.providers import registry
from listdrop.providers.base import THROTTLING_ERROR_CODES
from listdrop.providers.registry import ENABLED_BY_DEFAULT, PROVIDERS, SPECS
from listdrop.providers.spec import DeploymentOptions, ProviderSpec, RoleName

from .authorization_reference import ACCOUNT, REGION, arn_patterns, has_action

# Every placeholder of an example key, filled with a value every id pattern here takes (32 hex digits).
PLACEHOLDER = re.compile(r"<[^>]+>")
SAMPLE_ID = "0123456789abcdef0123456789abcdef"
MODELS = botocore.session.get_session()


def sample_keys(spec: ProviderSpec) -> list[str]:
    return [PLACEHOLDER.sub(SAMPLE_ID, example) for routes in spec.routes for example in routes.example.split(", ")]


def all_grants(spec: ProviderSpec):
    options = [DeploymentOptions(), DeploymentOptions(allowed_contact_lists=("Newsletter",))]
    role = spec.service_role.statements if spec.service_role else ()
    return [grant for option in options for grant in spec.permissions(option)] + list(role)


def test_each_registry_line_names_the_package_of_that_provider():
    """The registry imports a provider by its name alone (spec_of), so each line's name must be its SPEC's."""
    assert [spec.name for spec in SPECS] == list(registry.MODULES) == list(registry.NAMES)
    assert all(registry.spec_of(name) is PROVIDERS[name] for name in registry.NAMES)


def test_names_key_prefixes_and_crash_points_are_unique_and_keys_under_imports_or_exports():
    assert len(PROVIDERS) == len(SPECS)
    crash_points = [point.name for spec in SPECS for point in spec.crash_points]
    assert len(crash_points) == len(set(crash_points))
    prefixes = [routes.prefix for spec in SPECS for routes in spec.routes]
    assert len(prefixes) == len(set(prefixes))
    for prefix in prefixes:
        assert prefix.endswith("/") and prefix.startswith((routing.IMPORTS_PREFIX, routing.EXPORTS_PREFIX))
        assert not prefix.startswith(routing.EXPORT_RESULTS_PREFIX), "results must never start a job"


# Actions whose resource types are all optional and that listdrop calls naming none of them, so "*" is the resource:
# ses:ListSuppressedDestinations's only resource type is `tenant` (Service Authorization Reference, Amazon SES v2),
# and a list export reads the account-level list, with no TenantName.
OPTIONAL_RESOURCE_TYPES = frozenset({"ses:ListSuppressedDestinations"})


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_each_example_key_routes_to_its_provider_with_a_declared_destination_and_a_label(spec):
    for key in sample_keys(spec):
        route = routing.route(key)
        assert route.provider == spec.name
        assert route.destination.type in spec.destination_types
        assert route.destination.label
        if route.kind is InputKind.RECORDS:
            assert validation.layout_for(route).staged_format in DataFormat
        else:
            assert spec.layout is None, "a request file is read by its provider, not checked as records"


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_the_factory_builds_the_named_provider(spec, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    from listdrop.providers.clients import Clients

    provider = spec.factory(Clients(boto3.session.Session(region_name=REGION)))
    assert provider.name == spec.name


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_crash_points_name_real_operations_and_the_throttle_error_is_the_models(spec):
    model = MODELS.get_service_model(spec.service)
    functions = {point.function for point in spec.crash_points}
    assert functions == {RoleName.STARTER, RoleName.POLLER}, "a crash point after starting and after polling"
    for point in spec.crash_points:
        assert point.operation in model.operation_names
        assert point.name.startswith(f"{point.function.value}.after-") and point.description
    code, status = spec.throttle_error
    assert code in THROTTLING_ERROR_CODES
    assert model.shape_for(code).metadata.get("error", {}).get("httpStatusCode") == status
    flags = [option.flag for option in spec.native.options]
    assert len(flags) == len(set(flags)) and all(option.help for option in spec.native.options)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_every_statement_names_real_actions_on_resources_of_their_types(spec):
    for grant in all_grants(spec):
        assert grant.sid.isalnum()
        for action in grant.actions:
            assert has_action(action), f"{grant.sid}: {action} is not in the Service Authorization Reference"
            prefix, name = action.split(":", 1)
            patterns = arn_patterns(prefix, name)
            for template in grant.resources:
                if template == "*" or template.startswith("bucket:"):
                    assert template != "*" or patterns is None or action in OPTIONAL_RESOURCE_TYPES, (
                        f"{action} has resource types: name them"
                    )
                    continue
                arn = template.format(partition="aws", region=REGION, account=ACCOUNT).replace("*", "x")
                assert patterns and any(p.fullmatch(arn) for p in patterns), f"{action} is not on {template}"
            if "*" in "".join(grant.resources):
                assert grant.wildcard_reason, f"{grant.sid}: a wildcard needs its reason"


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_the_emulator_named_exists_and_a_provider_off_by_default_says_why(spec):
    if spec.emulator:
        importlib.import_module(f"localcloud.emulators.{spec.emulator}")
    assert spec.enabled_by_default == (spec.name in ENABLED_BY_DEFAULT)
    assert spec.enabled_by_default or "listdrop:enabledProviders" in spec.why_off


def test_pinpoint_is_off_by_default_since_its_end_of_support():
    assert "pinpoint-import" in PROVIDERS and "pinpoint-import" not in ENABLED_BY_DEFAULT


def test_providers_of_one_api_ship_one_model_version_that_botocore_has():
    versions: dict[str, set[str]] = {}
    for spec in SPECS:
        versions.setdefault(spec.service, set()).add(spec.api_version)
    assert all(len(declared) == 1 for declared in versions.values()), versions
    loader = MODELS.get_component("data_loader")
    for spec in SPECS:
        assert spec.api_version in loader.list_api_versions(spec.service, "service-2"), spec.name

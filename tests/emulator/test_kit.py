"""The emulator kit (localcloud/emulators/kit): the constraint walker, pagination, the one dispatcher hook, the
fault injector reaching emulated operations, and the emulators' independence from the code they test."""

from __future__ import annotations

import ast
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.server import ThreadedMotoServer

from localcloud import faults
from localcloud.emulators.customer_profiles import CustomerProfilesEmulator
from localcloud.emulators.kit import constraints, dispatch
from localcloud.emulators.kit.errors import ApiError
from localcloud.emulators.kit.pagination import Paginator
from localcloud.emulators.kit.service import service_model
from localcloud.emulators.mailmanager import MailManagerEmulator
from localcloud.emulators.pinpoint_import_jobs import PinpointImportJobEmulator
from localcloud.emulators.sesv2_export_jobs import SesExportJobEmulator
from localcloud.emulators.sesv2_import_jobs import SesImportJobEmulator

EMULATORS = Path(__file__).resolve().parents[2] / "localcloud" / "emulators"


# ---------------------------------------------------------------------------------- constraint walker


def shape(service: str, name: str) -> Any:
    return service_model(service).shape_for(name)


METRICS = {
    "Dimensions": {"ISP": ["Gmail"]},
    "Namespace": "VDM",
    "Metrics": [{"Name": "SEND", "Aggregation": "VOLUME"}],
    "StartDate": 0,
    "EndDate": 86400,
}


@pytest.mark.parametrize(
    ("service", "shape_name", "params", "expected"),
    [
        ("sesv2", "MetricsDataSource", METRICS, None),
        ("sesv2", "MetricsDataSource", {**METRICS, "Dimensions": {}}, "Dimensions, value: 0, valid min length: 1"),
        ("sesv2", "MetricsDataSource", {**METRICS, "Dimensions": {"COUNTRY": ["NL"]}}, "(key: COUNTRY): 'COUNTRY'"),
        ("sesv2", "MetricsDataSource", {**METRICS, "Namespace": "CW"}, "valid values: VDM"),
        ("sesv2", "MetricsDataSource", {**METRICS, "Metrics": [{"Name": "SEND"}] * 11}, "valid max length: 10"),
        ("sesv2", "MetricsDataSource", {k: v for k, v in METRICS.items() if k != "Namespace"}, "Missing required"),
        ("sesv2", "MessageInsightsDataSource", {"StartDate": 0, "EndDate": 1, "MaxResults": 10001}, "max value: 10000"),
        ("mailmanager", "CreateAddressListRequest", {"AddressListName": "ok.name-1"}, None),
        ("mailmanager", "CreateAddressListRequest", {"AddressListName": 5}, "Invalid type"),
        ("mailmanager", "CreateAddressListRequest", {"AddressListName": "x", "Extra": 1}, "Unknown parameter"),
        ("pinpoint", "EndpointBatchItem", {"ChannelType": "PIGEON"}, "ChannelType: 'PIGEON'; valid values"),
        ("pinpoint", "EndpointBatchItem", {"Location": {"Latitude": "north"}}, "Location.Latitude"),
    ],
)
def test_the_walker_reports_every_kind_of_model_constraint(
    service: str, shape_name: str, params: dict[str, Any], expected: str | None
) -> None:
    found = constraints.problems(shape(service, shape_name), params)
    if expected is None:
        assert found is None
    else:
        assert found is not None and expected in found


def test_patterns_are_searched_unless_the_service_anchors_them_in_its_reference() -> None:
    request = shape("mailmanager", "CreateAddressListRequest")
    assert constraints.problems(request, {"AddressListName": "bad name!"}) is None  # botocore: [a-zA-Z0-9_.-]+
    found = constraints.problems(request, {"AddressListName": "bad name!"}, whole_value_patterns=True)
    assert found is not None and "does not match" in found


def test_a_sensitive_value_is_not_echoed() -> None:
    request = shape("mailmanager", "RegisterMemberToAddressListRequest")
    assert request.members["Address"].metadata.get("sensitive")
    found = constraints.problems(request, {"AddressListId": "al-1", "Address": "x" * 400})
    assert found is not None and "x" * 400 not in found


# ------------------------------------------------------------------------------------------ pagination


def test_pages_and_tokens_bound_to_their_listing() -> None:
    pages = Paginator(default_size=2, invalid_code="BadRequestException", cursor_code="InvalidNextTokenException")
    items = list(range(5))
    first, token = pages.page(items, size=None, token=None, scope="a")
    second, token2 = pages.page(items, size="2", token=token, scope="a")
    last, end = pages.page(items, size=2, token=token2, scope="a")
    assert (first, second, last, end) == ([0, 1], [2, 3], [4], None)
    with pytest.raises(ApiError) as foreign:
        pages.page(items, size=None, token=token, scope="b")
    assert (foreign.value.code, foreign.value.message) == (
        "InvalidNextTokenException",
        "The NextToken does not belong to this request.",
    )
    for size, message in ((0, "at least 1"), ("two", "whole number")):
        with pytest.raises(ApiError, match=message) as bad:
            pages.page(items, size=size, token=None, scope="a")
        assert bad.value.code == "BadRequestException"
    assert pages.output("Items", items, {"PageSize": 5}, scope="a") == {"Items": items}


# ------------------------------------------------------------------------------------- dispatcher hook


@pytest.mark.parametrize("reverse", [False, True], ids=["in-order", "reversed"])
def test_every_emulator_is_served_whatever_the_install_order(
    aws_env: None, monkeypatch: pytest.MonkeyPatch, reverse: bool
) -> None:
    """From moto's own dispatcher and no routes: install the five emulators in either order, on a server that
    already built its sesv2 and pinpoint apps; each serves its operations, moto serves the rest."""
    monkeypatch.setattr(dispatch, "_routes", {})
    original = DomainDispatcherApplication.get_application
    while hasattr(original, "__wrapped__"):
        original = original.__wrapped__
    monkeypatch.setattr(DomainDispatcherApplication, "get_application", original)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        sesv2 = boto3.client("sesv2", endpoint_url=url, region_name="us-east-1")
        pinpoint = boto3.client("pinpoint", endpoint_url=url, region_name="us-east-1")
        sesv2.create_contact_list(ContactListName="moto-serves-this")
        app = pinpoint.create_app(CreateApplicationRequest={"Name": "a"})["ApplicationResponse"]["Id"]
        emulators = [
            MailManagerEmulator(url),
            SesImportJobEmulator(endpoint_url=url),
            SesExportJobEmulator(url, create_interval_seconds=0),
            PinpointImportJobEmulator(url),
            CustomerProfilesEmulator(url),
        ]
        for emulator in reversed(emulators) if reverse else emulators:
            emulator.install()
            emulator.install()
        assert sesv2.list_import_jobs()["ImportJobs"] == []
        assert sesv2.list_export_jobs()["ExportJobs"] == []
        assert pinpoint.get_import_jobs(ApplicationId=app)["ImportJobsResponse"]["Item"] == []
        mailmanager = boto3.client("mailmanager", endpoint_url=url, region_name="us-east-1")
        assert mailmanager.list_address_lists()["AddressLists"] == []
        customer_profiles = boto3.client("customer-profiles", endpoint_url=url, region_name="us-east-1")
        assert customer_profiles.list_domains()["Items"] == []
        assert [c["ContactListName"] for c in sesv2.list_contact_lists()["ContactLists"]] == ["moto-serves-this"]
        wrappers = [DomainDispatcherApplication.get_application]
        while hasattr(wrappers[-1], "__wrapped__"):
            wrappers.append(wrappers[-1].__wrapped__)
        assert len(wrappers) == 2, "one hook, however many emulators installed"
        assert len(dispatch.routes()) == 6  # Customer Profiles has two: its operations and its upload URLs
    finally:
        urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST")).close()
        server.stop()


def test_a_hook_answers_before_the_service_in_the_services_error_shape(
    mailmanager: MailManagerEmulator, moto_url: str
) -> None:
    def deny_lists(call: Any) -> ApiError | None:
        if call.service == "mailmanager" and call.operation == "ListAddressLists":
            return ApiError("AccessDeniedException", "no lists for you")
        return None

    dispatch.add_hook(deny_lists)
    try:
        client = boto3.client("mailmanager", endpoint_url=moto_url, region_name="us-east-1")
        with pytest.raises(client.exceptions.AccessDeniedException) as denied:
            client.list_address_lists()
        assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403  # the model's status
        client.create_address_list(AddressListName="served")  # other operations are not touched
    finally:
        dispatch._hooks.remove(deny_lists)


# ------------------------------------------------------------------------------------------ fault plans


def test_a_fault_plan_throttles_an_emulated_mail_manager_operation(
    mailmanager: MailManagerEmulator, moto_url: str
) -> None:
    plan = faults.FaultPlan.from_dict({"api": [{"operations": ["mailmanager:CreateAddressList"], "throttle": 1.0}]})
    injector = faults.activate(plan)
    try:
        client = boto3.client(
            "mailmanager",
            endpoint_url=moto_url,
            region_name="us-east-1",
            config=Config(retries={"total_max_attempts": 1}),
        )
        with pytest.raises(client.exceptions.ThrottlingException) as throttled:
            client.create_address_list(AddressListName="never")
        assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        assert client.list_address_lists()["AddressLists"] == []  # not named in the plan: served
    finally:
        faults.activate(None)
    assert injector is not None
    assert injector.log.counts()["throttled mailmanager:CreateAddressList"] == 1


# ---------------------------------------------------------------------------------------- independence


def test_no_emulator_imports_the_code_it_is_the_oracle_for() -> None:
    """The emulators stand for AWS in the tests of functions/listdrop; importing listdrop would make them agree
    with the code by construction."""
    offenders = []
    for path in sorted(EMULATORS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(EMULATORS)}: {n}" for n in names if n.split(".")[0] == "listdrop"]
    assert offenders == []

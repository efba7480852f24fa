"""How the commands reach AWS: a local endpoint is enough; against AWS a missing region or credentials is a hint."""

from __future__ import annotations

import argparse

import pytest
from botocore.exceptions import NoRegionError

from listdrop.cli import connection as aws_connection
from listdrop.cli import jobs as jobs_command
from listdrop.cli import main
from localcloud import cloud


@pytest.fixture
def unconfigured(monkeypatch, tmp_path):
    """No region and no credentials anywhere boto3 looks (environment, files, instance metadata)."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        aws_connection.ENDPOINT_ENV,
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def connected(endpoint_url: str | None, region: str | None = None) -> aws_connection.Connection:
    return aws_connection.connect(argparse.Namespace(endpoint_url=endpoint_url, region=region))


@pytest.mark.parametrize(
    ("endpoint", "local"),
    [
        ("http://127.0.0.1:4566", True),
        ("http://127.0.0.2:8000", True),
        ("http://localhost:4566", True),
        ("http://[::1]:4566", True),
        ("https://sqs.us-east-1.amazonaws.com", False),
        ("http://10.0.0.5:4566", False),
        ("http://localstack:4566", False),
        (None, False),
    ],
)
def test_a_loopback_endpoint_is_local(endpoint, local):
    assert aws_connection.is_local(endpoint) is local


def test_a_local_endpoint_is_enough_without_any_configuration(unconfigured):
    client = connected("http://127.0.0.1:4566").client("dynamodb")
    assert client.meta.endpoint_url == "http://127.0.0.1:4566"
    assert client.meta.region_name == aws_connection.LOCAL_REGION == cloud.REGION
    assert client._request_signer._credentials.access_key == "testing"


def test_a_local_endpoint_keeps_what_is_configured(unconfigured, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAMINE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "mine")
    client = connected("http://localhost:4566", region="eu-west-1").client("sqs")
    assert client.meta.region_name == "eu-west-1"
    assert client._request_signer._credentials.access_key == "AKIAMINE"


def test_aws_without_a_region_is_a_hint_not_botocores_message(unconfigured):
    with pytest.raises(aws_connection.NotConfigured, match="pass --region, or set AWS_DEFAULT_REGION"):
        connected(None).client("dynamodb")


def test_aws_without_credentials_is_a_hint_not_botocores_message(unconfigured):
    with pytest.raises(aws_connection.NotConfigured, match="no AWS credentials were found: configure them"):
        connected("https://dynamodb.eu-west-1.amazonaws.com", region="eu-west-1").client("dynamodb")


class FakeSession:
    """A session as botocore fails it: no region (NoRegionError from client()), or no credentials (None)."""

    def __init__(self, *, region: bool, credentials: bool) -> None:
        self._region = region
        self._credentials = credentials
        self.clients: list[str] = []

    def client(self, service_name: str, **kwargs: object) -> object:
        if not self._region:
            raise NoRegionError()
        self.clients.append(service_name)
        return object()

    def get_credentials(self) -> object | None:
        return object() if self._credentials else None


@pytest.mark.parametrize(
    ("session", "hint"),
    [
        (FakeSession(region=False, credentials=True), aws_connection.NO_REGION),
        (FakeSession(region=True, credentials=False), aws_connection.NO_CREDENTIALS),
    ],
)
def test_every_command_exits_2_with_the_hint(monkeypatch, capsys, session, hint):
    monkeypatch.setattr(jobs_command, "connect", lambda args: aws_connection.Connection(session, None))
    assert main(["jobs", "list"]) == 2
    err = capsys.readouterr().err
    assert err == f"listdrop: jobs: {hint}\n"
    assert "Traceback" not in err


def test_credentials_are_looked_up_once():
    session = FakeSession(region=True, credentials=True)
    calls = []
    session.get_credentials = lambda: calls.append(1) or object()  # type: ignore[method-assign]
    connection = aws_connection.Connection(session, None)
    connection.client("sqs")
    connection.client("sns")
    assert calls == [1]
    assert session.clients == ["sqs", "sns"]


def test_help_says_what_a_local_endpoint_brings(capsys):
    with pytest.raises(SystemExit):
        main(["jobs", "list", "--help"])
    printed = " ".join(capsys.readouterr().out.split())
    assert "the local cloud's region and dummy credentials are used when none are configured" in printed


def test_the_stack_the_local_cloud_registers_is_the_commands_default_stack():
    from listdrop.cli.jobs.common import where_options

    assert cloud.LocalCloud(port=1).stack_name == where_options().parse_args([]).stack == "Listdrop"

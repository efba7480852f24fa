"""Fixtures: one in-process moto server per session with the SES import-job emulator installed on it."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from localcloud.emulators.sesv2_import_jobs import SesImportJobEmulator


@pytest.fixture(scope="session")
def aws_env() -> Iterator[None]:
    """Dummy credentials so boto3 never looks for real ones."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID"):
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(scope="session")
def moto_url(aws_env: None) -> Iterator[str]:
    """Base URL of a ThreadedMotoServer on a free port (port 0: the OS picks, the server reports it)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def ses_emulator(moto_url: str) -> SesImportJobEmulator:
    """Installed after the server started and after it built its sesv2 app: the harder case for install()."""
    boto3.client("sesv2", endpoint_url=moto_url, region_name="us-east-1").list_contact_lists()
    emulator = SesImportJobEmulator(endpoint_url=moto_url, processing_after=0.05, complete_after=0.2)
    emulator.install()
    return emulator


@pytest.fixture
def emulator(ses_emulator: SesImportJobEmulator, moto_url: str) -> SesImportJobEmulator:
    """A clean emulator and clean moto state for each test."""
    ses_emulator.install()
    ses_emulator.reset()
    urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")).close()
    return ses_emulator

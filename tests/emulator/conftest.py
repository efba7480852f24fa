"""Fixtures: one in-process moto server per session with the SES, Pinpoint, Mail Manager and Customer Profiles
emulators installed."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from localcloud.emulators.customer_profiles import CustomerProfilesEmulator
from localcloud.emulators.mailmanager import MailManagerEmulator
from localcloud.emulators.pinpoint_import_jobs import PinpointImportJobEmulator
from localcloud.emulators.sesv2_export_jobs import SesExportJobEmulator
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


@pytest.fixture(scope="session")
def mailmanager_session_emulator(moto_url: str) -> MailManagerEmulator:
    """Installed after the server started and after it served SES v1 and sesv2 requests."""
    boto3.client("ses", endpoint_url=moto_url, region_name="us-east-1").list_identities()
    boto3.client("sesv2", endpoint_url=moto_url, region_name="us-east-1").list_contact_lists()
    emulator = MailManagerEmulator(moto_url, processing_after=0.05, complete_after=0.2)
    emulator.install()
    return emulator


@pytest.fixture
def mailmanager(mailmanager_session_emulator: MailManagerEmulator, moto_url: str) -> MailManagerEmulator:
    """A clean Mail Manager emulator and clean moto state for each test."""
    mailmanager_session_emulator.install()
    mailmanager_session_emulator.reset()
    urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")).close()
    return mailmanager_session_emulator


# ----------------------------------------------------------------------------- SES export-job emulator


@pytest.fixture(scope="session")
def ses_export_emulator(ses_emulator: SesImportJobEmulator, moto_url: str) -> SesExportJobEmulator:
    """Installed after the import emulator and after the server built its sesv2 app (see ``ses_emulator``).
    No create throttle by default: tests that check it set ``create_interval_seconds`` themselves."""
    emulator = SesExportJobEmulator(moto_url, processing_after=0.05, complete_after=0.2, create_interval_seconds=0.0)
    emulator.install()
    return emulator


@pytest.fixture
def export_emulator(ses_export_emulator: SesExportJobEmulator, emulator: SesImportJobEmulator) -> SesExportJobEmulator:
    """A clean export emulator (and, through ``emulator``, clean moto state) for each test."""
    ses_export_emulator.install()
    ses_export_emulator.reset()
    return ses_export_emulator


@pytest.fixture(scope="session")
def pinpoint_session_emulator(moto_url: str) -> PinpointImportJobEmulator:
    """Installed after the server built its pinpoint app, like ``ses_emulator``; short steps keep tests fast."""
    boto3.client("pinpoint", endpoint_url=moto_url, region_name="us-east-1").get_apps()
    emulator = PinpointImportJobEmulator(moto_url, step_seconds=0.03)
    emulator.install()
    return emulator


@pytest.fixture
def pinpoint_emulator(pinpoint_session_emulator: PinpointImportJobEmulator, moto_url: str) -> PinpointImportJobEmulator:
    """A clean Pinpoint emulator (no jobs, hold released) and clean moto state for each test."""
    pinpoint_session_emulator.install()
    pinpoint_session_emulator.reset()
    urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")).close()
    return pinpoint_session_emulator


# ---------------------------------------------------------------------------- Customer Profiles emulator


@pytest.fixture(scope="session")
def customer_profiles_session_emulator(moto_url: str) -> CustomerProfilesEmulator:
    """Installed after the server started and after it served S3 requests (its upload URLs share the server)."""
    boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1").list_buckets()
    emulator = CustomerProfilesEmulator(moto_url, processing_after=0.05, complete_after=0.2)
    emulator.install()
    return emulator


@pytest.fixture
def customer_profiles(
    customer_profiles_session_emulator: CustomerProfilesEmulator, moto_url: str
) -> Iterator[CustomerProfilesEmulator]:
    """A clean Customer Profiles emulator (no domains, jobs, hold or queued failures, the default URL lifetime)
    and clean moto state for each test."""
    emulator = customer_profiles_session_emulator
    emulator.install()
    emulator.reset()
    emulator.set_windows(0.05, 0.2)
    urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")).close()
    ttl = emulator.upload_url_ttl_seconds
    yield emulator
    emulator.upload_url_ttl_seconds = ttl

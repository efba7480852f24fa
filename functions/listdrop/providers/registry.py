"""Provider name -> factory. Adding a job API is one module and one entry here."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config

from listdrop.providers.base import JobProvider
from listdrop.providers.mail_manager import MailManagerProvider
from listdrop.providers.pinpoint_import import PinpointImportProvider
from listdrop.providers.ses_export import SesExportProvider
from listdrop.providers.ses_import import SesImportProvider
from listdrop.service_models import job_api_client

ProviderFactory = Callable[[Any], JobProvider]

# Job APIs throttle. The SDK retries a throttled call twice, quickly; after that listdrop's own backoff takes
# over (a delayed copy of the message, or a longer wait in the workflow), so no Lambda sleeps for long.
JOB_API_CLIENT = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30)


def _client(session: Any, service: str) -> Any:
    """A job API's client, built from the model that ships with the code (listdrop.service_models)."""
    return job_api_client(session, service, config=JOB_API_CLIENT)


PROVIDERS: dict[str, ProviderFactory] = {
    SesImportProvider.name: lambda session: SesImportProvider(_client(session, "sesv2")),
    SesExportProvider.name: lambda session: SesExportProvider(_client(session, "sesv2")),
    MailManagerProvider.name: lambda session: MailManagerProvider(
        _client(session, "mailmanager"), session.client("s3")
    ),
    PinpointImportProvider.name: lambda session: PinpointImportProvider(
        _client(session, "pinpoint"), os.environ.get("PINPOINT_IMPORT_ROLE_ARN") or None
    ),
}

# Providers a deployment runs unless its configuration says otherwise (listdrop:enabledProviders), and why
# the others are off. A file for a provider that is off is rejected with this reason.
ENABLED_BY_DEFAULT = (SesImportProvider.name, SesExportProvider.name, MailManagerProvider.name)
WHY_OFF_BY_DEFAULT = {
    PinpointImportProvider.name: (
        "Amazon Pinpoint's endpoint imports reached end of support on 30 October 2026, so listdrop's Pinpoint "
        "provider is off unless a deployment switches it on (listdrop:enabledProviders)."
    ),
}


def get_provider(name: str, session: Any | None = None) -> JobProvider:
    try:
        factory = PROVIDERS[name]
    except KeyError:
        raise ValueError(f"unknown provider {name!r}; known: {sorted(PROVIDERS)}") from None
    return factory(session or boto3.session.Session())

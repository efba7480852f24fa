"""Provider name -> factory. Adding a job API is one module and one line here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config

from listdrop.providers.base import JobProvider
from listdrop.providers.ses_import import SesImportProvider

ProviderFactory = Callable[[Any], JobProvider]

# Job APIs throttle. The SDK retries a throttled call twice, quickly; after that listdrop's own backoff takes
# over (a delayed copy of the message, or a longer wait in the workflow), so no Lambda sleeps for long.
JOB_API_CLIENT = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30)

PROVIDERS: dict[str, ProviderFactory] = {
    SesImportProvider.name: lambda session: SesImportProvider(session.client("sesv2", config=JOB_API_CLIENT)),
}


def get_provider(name: str, session: Any | None = None) -> JobProvider:
    try:
        factory = PROVIDERS[name]
    except KeyError:
        raise ValueError(f"unknown provider {name!r}; known: {sorted(PROVIDERS)}") from None
    return factory(session or boto3.session.Session())

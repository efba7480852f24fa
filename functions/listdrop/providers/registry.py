"""Provider name -> factory. Adding a job API is one module and one line here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3

from listdrop.providers.base import JobProvider
from listdrop.providers.ses_import import SesImportProvider

ProviderFactory = Callable[[Any], JobProvider]

PROVIDERS: dict[str, ProviderFactory] = {
    SesImportProvider.name: lambda session: SesImportProvider(session.client("sesv2")),
}


def get_provider(name: str, session: Any | None = None) -> JobProvider:
    try:
        factory = PROVIDERS[name]
    except KeyError:
        raise ValueError(f"unknown provider {name!r}; known: {sorted(PROVIDERS)}") from None
    return factory(session or boto3.session.Session())

"""Every provider listdrop drives, one line each. Adding a job API is one package under providers/ and one
line here (docs/architecture.md); routing, settings, `listdrop jobs`, infra and the local cloud read this."""

from __future__ import annotations

from typing import Any

import boto3

from listdrop.providers import customer_profiles, mail_manager, pinpoint_import, ses_export, ses_import
from listdrop.providers.base import JobProvider
from listdrop.providers.clients import Clients
from listdrop.providers.spec import ProviderSpec

SPECS: tuple[ProviderSpec, ...] = (
    ses_import.SPEC,
    ses_export.SPEC,
    mail_manager.SPEC,
    pinpoint_import.SPEC,
    customer_profiles.SPEC,
)

PROVIDERS: dict[str, ProviderSpec] = {spec.name: spec for spec in SPECS}
# Providers a deployment runs unless its configuration says otherwise (listdrop:enabledProviders).
ENABLED_BY_DEFAULT = tuple(spec.name for spec in SPECS if spec.enabled_by_default)
DESTINATION_TYPES = frozenset(kind for spec in SPECS for kind in spec.destination_types)


def spec_of(name: str) -> ProviderSpec:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise ValueError(f"unknown provider {name!r}; known: {', '.join(sorted(PROVIDERS))}") from None


def get_provider(name: str, session: Any | None = None) -> JobProvider:
    return spec_of(name).factory(Clients(session or boto3.session.Session()))

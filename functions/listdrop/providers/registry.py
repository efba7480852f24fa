"""Every provider listdrop drives, one line each. Adding a job API is one package under providers/ and one
line here (docs/architecture.md); routing, settings, `listdrop jobs`, infra and the local cloud read this.

A provider's package is imported when something first asks for it, not with this module: `spec_of` and
`get_provider` import only the one named (a poller polling one job API loads that provider alone), and SPECS,
PROVIDERS, ENABLED_BY_DEFAULT and DESTINATION_TYPES import them all on first use (PEP 562's module __getattr__;
routing reads them for the first key). A Lambda cold start compiles every module it imports, so the handlers'
own import stays small (bench/coldstart.py).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import boto3

from listdrop.providers.base import JobProvider
from listdrop.providers.clients import Clients

if TYPE_CHECKING:  # the type only: each provider package imports spec.py itself
    from listdrop.providers.spec import ProviderSpec

# Provider name -> the package whose SPEC it is (a test holds each SPEC's name to its key), in listing order.
MODULES: dict[str, str] = {
    "ses-import": "listdrop.providers.ses_import",
    "ses-export": "listdrop.providers.ses_export",
    "mail-manager": "listdrop.providers.mail_manager",
    "pinpoint-import": "listdrop.providers.pinpoint_import",
    "customer-profiles": "listdrop.providers.customer_profiles",
}
NAMES = tuple(MODULES)

# Set on first use by __getattr__ below.
SPECS: tuple[ProviderSpec, ...]
PROVIDERS: dict[str, ProviderSpec]
# Providers a deployment runs unless its configuration says otherwise (listdrop:enabledProviders).
ENABLED_BY_DEFAULT: tuple[str, ...]
DESTINATION_TYPES: frozenset[str]

_specs: dict[str, ProviderSpec] = {}  # the providers imported so far; PROVIDERS itself once all are


def spec_of(name: str) -> ProviderSpec:
    if name not in _specs:
        try:
            module = MODULES[name]
        except KeyError:
            raise ValueError(f"unknown provider {name!r}; known: {', '.join(sorted(MODULES))}") from None
        _specs[name] = importlib.import_module(module).SPEC
    return _specs[name]


def get_provider(name: str, session: Any | None = None, settings: Mapping[str, str] | None = None) -> JobProvider:
    """`settings` stand in for the functions' environment (listdrop.providers.clients.Clients)."""
    return spec_of(name).factory(Clients(session or boto3.session.Session(), settings))


def __getattr__(name: str) -> object:
    if name not in ("SPECS", "PROVIDERS", "ENABLED_BY_DEFAULT", "DESTINATION_TYPES"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    ordered = {provider: spec_of(provider) for provider in NAMES}
    _specs.clear()
    _specs.update(ordered)  # in listing order, and still the dict spec_of reads
    specs = tuple(ordered.values())
    globals().update(
        SPECS=specs,
        PROVIDERS=_specs,
        ENABLED_BY_DEFAULT=tuple(spec.name for spec in specs if spec.enabled_by_default),
        DESTINATION_TYPES=frozenset(kind for spec in specs for kind in spec.destination_types),
    )
    return globals()[name]

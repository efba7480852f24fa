"""The job APIs' own job lists (`listdrop jobs list --native PROVIDER`), for jobs started outside listdrop.

Each provider's listing and its options are in its spec (providers/*/listing.py); this module runs one and
applies what every listing shares: refusing options the provider does not take, and the status filter.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from listdrop.providers.native import NativeJob, NativeOption, NativeQuery
from listdrop.providers.registry import PROVIDERS, SPECS, spec_of

__all__ = ["NativeJob", "NativeQuery", "list_native", "native_options", "service_of"]


def native_options() -> dict[str, list[tuple[str, NativeOption]]]:
    """Every provider's listing options by flag, with the providers that take each (the CLI offers each once)."""
    options: dict[str, list[tuple[str, NativeOption]]] = {}
    for spec in SPECS:
        for option in spec.native.options:
            options.setdefault(option.flag, []).append((spec.name, option))
    return options


def service_of(provider: str) -> str:
    """The boto3 client a provider's listing takes."""
    return spec_of(provider).service


def list_native(provider: str, client: Any, query: NativeQuery) -> Iterator[NativeJob]:
    """Every job of one provider that passes the query; the status filter applies to every provider, on the
    API's side where it has one, here otherwise."""
    if provider not in PROVIDERS:
        raise ValueError(f"unknown provider {provider!r}; known: {', '.join(sorted(PROVIDERS))}")
    listing = spec_of(provider).native
    taken = {option.flag for option in listing.options}
    for flag, value in query.options.items():
        if value and flag not in taken:
            raise ValueError(f"--native {provider} takes no --{flag}")
    wanted = query.status.upper() if query.status else None
    for job in listing.jobs(client, query):
        if wanted is None or job.status.upper() == wanted:
            yield job

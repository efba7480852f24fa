"""The key convention: an object's key alone says where its records go and what to do with them.

Each provider declares the keys it takes (its spec's KeyRoutes: a prefix and a parser, in providers/*/keys.py);
this module picks the provider by the key's prefix and leaves the rest of the key to it. The layouts are in the
README ("Key layout").
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

from listdrop import keys
from listdrop.errors import RejectedFile
from listdrop.keys import EXPORT_RESULTS_PREFIX, EXPORTS_PREFIX, IMPORTS_PREFIX
from listdrop.models import Route
from listdrop.privacy import contains_email
from listdrop.providers import registry

if TYPE_CHECKING:  # the type only: the providers import spec.py when routing first reads them
    from listdrop.providers.spec import KeyRoutes

__all__ = [
    "EXPORTS_PREFIX",
    "EXPORT_RESULTS_PREFIX",
    "IMPORTS_PREFIX",
    "decode_key",
    "is_folder_marker",
    "refuse_unsupported_action",
    "route",
]


@cache
def key_routes() -> tuple[KeyRoutes, ...]:
    """Every provider's key routes, longest prefix first (read on first use: it imports every provider)."""
    return tuple(
        sorted((routes for spec in registry.SPECS for routes in spec.routes), key=lambda routes: -len(routes.prefix))
    )


def decode_key(raw_key: str) -> str:
    """S3 event notifications URL-encode keys (a space arrives as '+')."""
    return unquote_plus(raw_key)


def is_folder_marker(key: str, size: int) -> bool:
    """Zero-byte keys ending in '/' are what consoles create for 'folders': nothing to import."""
    return key.endswith("/") and size == 0


def route(key: str, key_prefix: str = "") -> Route:
    """Decide destination, action and format from a decoded key, or reject the file with the reason.

    `key_prefix` is where listdrop's keys live when it shares a bucket ('listdrop/' for
    'listdrop/imports/ses/...'): the key is routed without it."""
    if contains_email(key):
        raise RejectedFile(
            "KEY_CONTAINS_ADDRESS",
            "The object key contains an e-mail address. Keys appear in notifications and logs, "
            "so rename the file without personal data.",
        )
    if not key.startswith(key_prefix):  # the bucket's notifications send only keys under it: a misconfiguration
        raise RejectedFile("NO_ROUTE", f"The key is not under listdrop's prefix '{key_prefix}'.")
    key = key[len(key_prefix) :]
    routes = next((routes for routes in key_routes() if key.startswith(routes.prefix)), None)
    if routes is None:
        raise _with_examples(keys.no_route(_where_keys_go(key)))
    try:
        return routes.parse(key[len(routes.prefix) :].split("/"))
    except RejectedFile as rejection:
        raise _with_examples(rejection) from None


def refuse_unsupported_action(route: Route) -> None:
    """RejectedFile (UNSUPPORTED_ACTION) for a key whose job API cannot do its action; the key routes first,
    so the refusal is reported against its destination, not as "no destination"."""
    refuse = registry.spec_of(route.provider).refuse_unsupported
    if refuse is not None:
        refuse(route)


def _where_keys_go(key: str) -> str:
    for top, what in ((IMPORTS_PREFIX, "Imports"), (EXPORTS_PREFIX, "Export requests")):
        if key.startswith(top):
            prefixes = [f"'{routes.prefix}'" for routes in key_routes() if routes.prefix.startswith(top)]
            results = f"; listdrop writes results under '{EXPORT_RESULTS_PREFIX}'" if top == EXPORTS_PREFIX else ""
            return f"{what} go under {', '.join(sorted(prefixes))}{results}."
    return f"The key starts with neither '{IMPORTS_PREFIX}' nor '{EXPORTS_PREFIX}'."


def _with_examples(rejection: RejectedFile) -> RejectedFile:
    if rejection.code != "NO_ROUTE":
        return rejection
    examples = ", ".join(routes.example for routes in key_routes())
    return RejectedFile(
        "NO_ROUTE",
        f"{rejection.reason} Keys look like {examples}.",
        provider=rejection.provider,
        destination=rejection.destination,
    )

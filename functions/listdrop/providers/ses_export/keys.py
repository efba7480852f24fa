"""exports/ses/<any/path/>name.json: one SES export request (listdrop writes results under exports/results/,
which is no route, so a result never starts a job)."""

from __future__ import annotations

from listdrop.errors import RejectedFile
from listdrop.models import Action, DataFormat, Destination, DestinationType, InputKind, Route

PROVIDER = "ses-export"
PREFIX = "exports/ses/"
EXAMPLE = "exports/ses/<name>.json"


def route(parts: list[str]) -> Route:
    """The parts of the key after exports/ses/."""
    name = parts[-1]
    if not name.lower().endswith(".json") or len(name) <= len(".json"):
        raise RejectedFile("UNSUPPORTED_EXTENSION", "An export request is one JSON object in a .json file.")
    request = name[: -len(".json")]
    destination = Destination(DestinationType.SES_EXPORT, request, label=f"SES export '{request}'")
    return Route(PROVIDER, destination, Action.EXPORT, DataFormat.JSON, InputKind.REQUEST)

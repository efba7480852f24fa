"""The parts of the key convention every provider's routes share: actions, file extensions, and the refusal
for a key that routes nowhere. Each provider parses the rest of its keys (its `keys.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from listdrop.errors import RejectedFile
from listdrop.models import Action, DataFormat, Destination

IMPORTS_PREFIX = "imports/"
EXPORTS_PREFIX = "exports/"
EXPORT_RESULTS_PREFIX = "exports/results/"

EXTENSIONS: dict[str, DataFormat] = {
    ".csv": DataFormat.CSV,
    ".json": DataFormat.JSON,
    ".jsonl": DataFormat.JSON,
    ".ndjson": DataFormat.JSON,
}


def action(segment: str) -> Action:
    """A key's action folder: put/ (add or update) or delete/."""
    try:
        return Action(segment.upper())
    except ValueError:
        raise RejectedFile(
            "UNKNOWN_ACTION", f"'{segment}' is not an action: use 'put' (add or update) or 'delete'."
        ) from None


def data_format(file_path: str) -> DataFormat:
    """The format a records file's extension says."""
    name = file_path.rsplit("/", 1)[-1]
    if not name:
        raise no_route("The key has no file name.")
    dot = name.rfind(".")
    extension = name[dot:].lower() if dot > 0 else ""
    if extension not in EXTENSIONS:
        shown = extension or "(none)"
        raise RejectedFile(
            "UNSUPPORTED_EXTENSION",
            f"Unsupported file extension {shown}: use .csv, .json, .jsonl or .ndjson.",
        )
    return EXTENSIONS[extension]


def no_route(detail: str) -> RejectedFile:
    """A key that leads nowhere; routing adds the examples of every provider's layout to the reason."""
    return RejectedFile("NO_ROUTE", detail)


@contextmanager
def refusals_name(provider: str, destination: Destination) -> Iterator[None]:
    """Refusals of the rest of a key (its action, its file name) name the destination the key already named, so the
    REJECTED notification says where the file was meant to go instead of "no destination"."""
    try:
        yield
    except RejectedFile as rejection:
        raise rejection.naming(provider, destination) from None

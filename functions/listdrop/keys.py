"""The parts of the key convention every provider's routes share: actions, file extensions, and the refusal
for a key that routes nowhere. Each provider parses the rest of its keys (its `keys.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum

from listdrop.errors import RejectedFile
from listdrop.models import SYNC_REMOVALS, SYNC_REMOVALS_ANY, Action, DataFormat, Destination

IMPORTS_PREFIX = "imports/"
EXPORTS_PREFIX = "exports/"
EXPORT_RESULTS_PREFIX = "exports/results/"

EXTENSIONS: dict[str, DataFormat] = {
    ".csv": DataFormat.CSV,
    ".json": DataFormat.JSON,
    ".jsonl": DataFormat.JSON,
    ".ndjson": DataFormat.JSON,
}


# The action folders of a records key (export is a request's, never a folder).
ACTION_FOLDERS = frozenset({"put", "delete", "sync"})
# The folder after sync/ that says the upload means a sync removing more than the deployment's share of the list.
ALLOW_LARGE_REMOVAL_FOLDER = "allow-large-removal"


def meaning_large_removal(destination: Destination) -> Destination:
    """The destination of a sync/allow-large-removal/ key: any share of the list may be removed."""
    return Destination(
        destination.type,
        destination.name,
        label=f"{destination.label} (any share of it may be removed)",
        options=(*destination.options, (SYNC_REMOVALS, SYNC_REMOVALS_ANY)),
    )


def action(segment: str) -> Action:
    """A key's action folder: put/ (add or update), delete/, or sync/ (put, then remove what the file leaves out)."""
    if segment.lower() not in ACTION_FOLDERS:
        raise RejectedFile(
            "UNKNOWN_ACTION",
            f"'{segment}' is not an action: use 'put' (add or update), 'delete', or 'sync' (make the list match the "
            "file).",
        )
    return Action(segment.upper())


class Compression(StrEnum):
    """How a records file may arrive compressed, said by a last extension after the format's (`.csv.gz`)."""

    GZIP = "gzip"
    ZIP = "zip"


COMPRESSIONS: dict[str, Compression] = {".gz": Compression.GZIP, ".zip": Compression.ZIP}


def compression(file_path: str) -> Compression | None:
    """The compression a key's last extension says, if any."""
    name = file_path.rsplit("/", 1)[-1].lower()
    return next((kind for suffix, kind in COMPRESSIONS.items() if name.endswith(suffix)), None)


def data_format(file_path: str) -> DataFormat:
    """The format a records file's extension says, before any compression's (`list.csv.gz` is CSV)."""
    name = file_path.rsplit("/", 1)[-1]
    if not name:
        raise no_route("The key has no file name.")
    compressed = compression(name)
    if compressed is not None:
        name = name[: name.rfind(".")]
    dot = name.rfind(".")
    extension = name[dot:].lower() if dot > 0 else ""
    if extension not in EXTENSIONS:
        shown = extension or "(none)"
        if compressed is not None:
            raise RejectedFile(
                "UNSUPPORTED_EXTENSION",
                f"A {compressed} file's name says its format before the {compressed} extension: name it "
                f"<name>.csv.{'gz' if compressed is Compression.GZIP else 'zip'} (or .json, .jsonl, .ndjson).",
            )
        raise RejectedFile(
            "UNSUPPORTED_EXTENSION",
            f"Unsupported file extension {shown}: use .csv, .json, .jsonl or .ndjson (compressed: .csv.gz, .csv.zip).",
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

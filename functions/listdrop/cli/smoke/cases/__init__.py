"""What `listdrop smoke` does for each provider: one module per provider (named like the provider's package,
`ses_import.py` for `ses-import`), each with a `CASE`.

A case may create a scratch destination of its own (named listdrop-smoke-<run id>, removed at the end), says
which small file to drop into it and where the file's data must then have landed. The runner and the drop plan
read the cases; neither names a provider. Cases are CLI code: they ship in the CLI package, not in the functions.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from listdrop.cli.connection import Connection
    from listdrop.cli.smoke.drops import Drop


@dataclass(frozen=True)
class SmokeCase:
    """One provider's part of the smoke test."""

    label: str  # the scratch destination, for people: 'Mail Manager address list'
    # The file to drop: (the scratch destination's id or None, the run's folder name, today) -> the Drop, or None
    # when it cannot be dropped (its destination could not be created).
    drop: Callable[[str | None, str, datetime], Drop | None]
    # Creates the scratch destination: (connection, its name) -> (its id, a detail line); raises Skipped when this
    # account cannot have one. None: the provider needs none (an export).
    create: Callable[[Connection, str], tuple[str, str]] | None = None
    remove: Callable[[Connection, str], None] | None = None  # removes it, by id
    failure_hint: str = ""  # added to a failed outcome's line: what commonly causes it
    # Outcome reason codes that mean "this deployment may not do this here", not a failure: code -> why.
    skip_reasons: Mapping[str, str] = field(default_factory=dict)


def case_of(provider: str) -> SmokeCase | None:
    """The provider's case, or None when the smoke test has none for it (the runner says so)."""
    try:
        module = importlib.import_module(f"{__name__}.{provider.replace('-', '_')}")
    except ModuleNotFoundError:
        return None
    case: SmokeCase = module.CASE
    return case

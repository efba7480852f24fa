"""`--output`: whether a command prints what it found for people (a table, or a text block) or for scripts (JSON).

The AWS CLI's habit: `--output table|json` (`text|json` where the command prints a text block rather than a
list), the default from $LISTDROP_OUTPUT when set, else the form for people. `--json` stays, as an alias of
`--output json`, because scripts use it.
"""

from __future__ import annotations

import argparse
import os

# The default format of every command that takes --output: json, or table/text (the form for people; either word
# means the human form, so one setting serves both kinds of command).
OUTPUT_ENV = "LISTDROP_OUTPUT"
JSON = "json"
HUMAN_FORMATS = ("table", "text")


class UnknownOutput(ValueError):
    """$LISTDROP_OUTPUT names no format (a usage error: exit 2)."""


def add_output_options(parser: argparse.ArgumentParser, *, human: str, json_help: str) -> None:
    """--output HUMAN|json, and --json as its alias (they exclude each other)."""
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument(
        "--output",
        choices=(human, JSON),
        help=f"{human} (for people) or json ({json_help}); default: ${OUTPUT_ENV} if set, else {human}",
    )
    chosen.add_argument(
        "--json", dest="output", action="store_const", const=JSON, help="the same as --output json (kept for scripts)"
    )


def wants_json(args: argparse.Namespace) -> bool:
    """Whether to print JSON: --output or --json, else $LISTDROP_OUTPUT, else not."""
    if args.output:
        return bool(args.output == JSON)
    default = os.environ.get(OUTPUT_ENV, "").strip().lower()
    if default and default not in (JSON, *HUMAN_FORMATS):
        raise UnknownOutput(f"${OUTPUT_ENV}={default!r}: use {', '.join((*HUMAN_FORMATS, JSON))}")
    return default == JSON

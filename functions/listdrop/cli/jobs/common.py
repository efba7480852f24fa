"""What every `listdrop jobs` subcommand shares: the options saying where the job table is, and opening it."""

from __future__ import annotations

import argparse

from listdrop.cli.connection import ENDPOINT_HELP, REGION_HELP, Connection
from listdrop.cli.stack import TABLE_OUTPUT, stack_outputs
from listdrop.job_records import JobTable


class UsageError(Exception):
    """The options cannot be used as given (exit 2)."""


def where_options() -> argparse.ArgumentParser:
    """The options every subcommand takes (a parent parser): where the job table is."""
    common = argparse.ArgumentParser(add_help=False)
    where = common.add_argument_group("where the job table is")
    where.add_argument(
        "--stack", default="Listdrop", help="the deployed stack whose job table to read (default Listdrop)"
    )
    where.add_argument("--table", help=f"instead of --stack (its output {TABLE_OUTPUT}): the job table's name")
    where.add_argument(
        "--endpoint-url",
        help=ENDPOINT_HELP,
    )
    where.add_argument("--region", help=REGION_HELP)
    return common


def open_table(connection: Connection, args: argparse.Namespace) -> JobTable:
    """The job table --table names, or else the one --stack's output names."""
    return JobTable(connection.client("dynamodb"), _table_name(connection, args))


def _table_name(connection: Connection, args: argparse.Namespace) -> str:
    if args.table:
        return str(args.table)
    outputs = stack_outputs(connection, args.stack)
    if TABLE_OUTPUT not in outputs:
        raise LookupError(f"stack {args.stack} has no output {TABLE_OUTPUT}; is it a listdrop stack? (or use --table)")
    return str(outputs[TABLE_OUTPUT])

"""The `listdrop` command.

    listdrop validate FILE --to imports/ses/contact-lists/<List>/put/

runs the same checks the starter runs in AWS, on a local file, before you upload it. Exit status: 0 when the
file would be imported (possibly with rows left out), 1 when it would be rejected, 2 on a usage error.

    listdrop redrive [--stack Listdrop]

moves every message of the ingest dead-letter queue back to the ingest queue, once the cause is fixed. Exit
status: 0 when the dead-letter queue was emptied, 1 when messages are left in it, 2 on a usage error.

    listdrop jobs list|show|cancel

lists the jobs of the job table (or a job API's own jobs, with --native), shows one job's whole history,
or cancels a running job. Exit status: 0 when done, 1 when the job is unknown or cannot be cancelled,
2 on a usage error. See `listdrop jobs --help`.

    listdrop notifications tail [--stack Listdrop] [--json] [--count N] [--timeout S]

prints each notification of the completed and failed topics as it arrives, from a queue of its own (subscribed at
start, removed at exit). Exit status: 0 when done, 2 on a usage error or when AWS cannot be reached.

    listdrop smoke [--stack Listdrop] [--read-only]

proves that a deployment works: read-only checks, then its own throwaway queue, lists and files through the
whole pipeline and the operations alarm, all removed at the end. Exit status: 0 when every check passed, 1 when
one failed, 2 on a usage error or when AWS cannot be reached. See `listdrop smoke --help`.

    listdrop local status|hold|release|fail-next|seed|reset

drives the local cloud's emulated job APIs (`make run`) through its test controls, to try a cancel, a failure or
a time-out by hand. Exit status: 0 when done, 1 when the local cloud refused, 2 on a usage error or when the
endpoint is not a listdrop local cloud. See `listdrop local --help`.

Against the local cloud, --endpoint-url (or $LISTDROP_ENDPOINT_URL) is enough: the stack it registers is the
default --stack, and with no region or credentials configured the local cloud's are used. Against AWS, a missing
region or missing credentials stop the command with what to set, exit status 2.

    listdrop --version

prints listdrop's version.

A command whose output is cut short (its reader closed the pipe) stops quietly with status 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from listdrop import __version__
from listdrop.cli import jobs, local, notifications, redrive, smoke, validate
from listdrop.cli.connection import NotConfigured

# Each command adds its own subparser, in the order `listdrop --help` lists them, and sets `run` to its function.
COMMANDS = (validate, redrive, jobs, notifications, smoke, local)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="listdrop", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(commands)
    args = parser.parse_args(argv)
    run: Callable[..., int] = args.run
    try:
        status = run(args, out=sys.stdout, err=sys.stderr)
        sys.stdout.flush()  # here, so a reader that went away is seen now, not as a traceback at exit
    except NotConfigured as error:
        sys.stderr.write(f"listdrop: {args.command}: {error}\n")
        return 2
    except BrokenPipeError:
        # The reader closed the pipe (`listdrop jobs list --json | head`): stop quietly. What Python would still
        # flush at exit goes nowhere (https://docs.python.org/3/library/signal.html#note-on-sigpipe).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return status

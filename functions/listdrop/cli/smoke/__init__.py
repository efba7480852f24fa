"""`listdrop smoke`: prove that a deployment works, with its own throwaway resources, then remove them.

    listdrop smoke [--stack Listdrop] [--read-only] [--timeout 900] [--skip PROVIDER] [--endpoint-url URL]

1. read-only checks of what the stack's outputs name (deployment.py);
2. its own queue subscribed to the topics (resources.py), and each enabled provider's scratch destination (its
   contact list, address list, ...: one smoke case per provider, cases/);
3. one small file per enabled provider and one bad file, each outcome awaited and its data looked up (drops.py);
4. the dead-letter alarm set to ALARM and back to OK, each notification awaited on the operations topic;
5. everything it created removed, whatever happened, then a pass/fail table (report.py, runner.py).
"""

from __future__ import annotations

import argparse

from listdrop.cli.connection import ENDPOINT_ENV, ENDPOINT_HELP, REGION_HELP
from listdrop.cli.smoke.deployment import KNOWN_PROVIDERS
from listdrop.cli.smoke.runner import DEFAULT_TIMEOUT_SECONDS, run

__all__ = ["DEFAULT_TIMEOUT_SECONDS", "add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    smoke = commands.add_parser(
        "smoke",
        help="prove a deployment works: its own files through the pipeline, then everything it made removed",
        description="Prove a deployment works, in phases: (1) read-only checks of the stack's resources; (2) its "
        "own temporary queue subscribed to the topics, and its own destination for each enabled provider (an SES "
        "contact list, a Mail Manager address list, ...), all named listdrop-smoke-<run id>; (3) one small file "
        "per enabled provider and one bad file, each outcome awaited and its data looked up; (4) the dead-letter "
        "alarm set to ALARM and back to OK, each notification awaited on the operations topic; (5) everything it "
        "created removed (also after a failure or Ctrl-C), then a pass/fail table. Your own lists are never "
        "touched. Exit status: 0 when every check passed, 1 when one failed, 2 on a usage error or when AWS cannot "
        f"be reached. The endpoint comes from --endpoint-url or the environment variable {ENDPOINT_ENV}.",
    )
    smoke.add_argument("--stack", default="Listdrop", help="the deployed stack to check (default Listdrop)")
    smoke.add_argument(
        "--read-only", action="store_true", help="only phase 1: check what exists, create and change nothing"
    )
    smoke.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"how long to wait for all the files' outcomes (default {DEFAULT_TIMEOUT_SECONDS})",
    )
    smoke.add_argument(
        "--skip",
        action="append",
        choices=KNOWN_PROVIDERS,
        metavar="PROVIDER",
        help="leave this enabled provider out (repeatable): " + ", ".join(KNOWN_PROVIDERS),
    )
    smoke.add_argument(
        "--endpoint-url",
        help=ENDPOINT_HELP,
    )
    smoke.add_argument("--region", help=REGION_HELP)
    smoke.set_defaults(run=run)

"""`listdrop local`: drive the local cloud's emulated job APIs, to try a cancel, a failure or a time-out by hand.

    listdrop local status [--json]
    listdrop local hold PROVIDER            jobs that come due wait (a cancel or a time-out can then be tried)
    listdrop local release PROVIDER         held jobs go on at once
    listdrop local fail-next PROVIDER [--error REASON]
    listdrop local seed PROVIDER KIND ROWS.json
    listdrop local reset [PROVIDER]
    listdrop local schedules                the scheduled exports (listdrop:exportSchedules)
    listdrop local run-schedule NAME        run one now, as EventBridge Scheduler would

Each subcommand is one request to the local cloud's test controls (`/_listdrop/...` on its endpoint:
localcloud/controls.py), with plain urllib: the local cloud only, never AWS, which has no such controls. An endpoint
that does not answer as a listdrop local cloud is refused.

Exit status: 0 when done; 1 when the local cloud refused the request (an unknown provider, rows it does not take);
2 on a usage error, or when the endpoint cannot be reached or is not a listdrop local cloud.
"""

from __future__ import annotations

import argparse
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, TextIO

from listdrop.cli.connection import ENDPOINT_ENV

DEFAULT_ENDPOINT = "http://127.0.0.1:4566"  # `make run`'s (python -m localcloud --port)
CONTROLS = "/_listdrop"
MARKER_HEADER = "x-listdrop-local-cloud"  # localcloud/controls.py MARKER_HEADER: every control answer carries it
TIMEOUT_SECONDS = 10


class NotALocalCloud(Exception):
    """The endpoint cannot be reached, or does not answer as a listdrop local cloud (exit 2)."""


class Refused(Exception):
    """The local cloud answered the request with an error (exit 1)."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    local = commands.add_parser(
        "local",
        help="drive the local cloud's emulated job APIs: hold, release, fail the next job, seed, reset",
        description="Drive the emulated job APIs of a running local cloud (`make run`) through its test controls "
        "(/_listdrop/ on its endpoint). Exit status: 0 when done; 1 when the local cloud refused the request; 2 on a "
        "usage error, or when the endpoint cannot be reached or is not a listdrop local cloud.",
    )
    endpoint = argparse.ArgumentParser(add_help=False)
    endpoint.add_argument(
        "--endpoint-url",
        help=f"the local cloud's endpoint (default: ${ENDPOINT_ENV} if set, else {DEFAULT_ENDPOINT})",
    )
    subcommands = local.add_subparsers(dest="local_command", required=True)
    status = subcommands.add_parser(
        "status", parents=[endpoint], help="every emulator: held or not, queued failures, its jobs and their states"
    )
    status.add_argument("--json", action="store_true", help="print the local cloud's answer as JSON")
    for name, text in (
        ("hold", "jobs of PROVIDER that come due wait in their state (PROCESSING) until released"),
        ("release", "held jobs of PROVIDER go on at once"),
    ):
        subcommands.add_parser(name, parents=[endpoint], help=text).add_argument("provider", metavar="PROVIDER")
    fail = subcommands.add_parser("fail-next", parents=[endpoint], help="the next job of PROVIDER ends FAILED")
    fail.add_argument("provider", metavar="PROVIDER")
    fail.add_argument("--error", help="the reason the job API gives (default: the local cloud's own)")
    seed = subcommands.add_parser(
        "seed", parents=[endpoint], help="add data PROVIDER's jobs read (ses-export: metrics, messages)"
    )
    seed.add_argument("provider", metavar="PROVIDER")
    seed.add_argument("kind", metavar="KIND", help="what the rows are (`listdrop local status` lists each's kinds)")
    seed.add_argument("rows", metavar="ROWS.json", type=Path, help="a JSON array of rows (see the README)")
    reset = subcommands.add_parser(
        "reset", parents=[endpoint], help="forget the jobs and state of every emulator (or of PROVIDER's)"
    )
    reset.add_argument("provider", metavar="PROVIDER", nargs="?")
    subcommands.add_parser("schedules", parents=[endpoint], help="the scheduled exports (listdrop:exportSchedules)")
    run_schedule = subcommands.add_parser(
        "run-schedule", parents=[endpoint], help="run scheduled export NAME now, as EventBridge Scheduler would"
    )
    run_schedule.add_argument("name", metavar="NAME")
    local.set_defaults(run=run)


def run(args: argparse.Namespace, *, out: TextIO, err: TextIO) -> int:
    endpoint = (args.endpoint_url or os.environ.get(ENDPOINT_ENV) or DEFAULT_ENDPOINT).rstrip("/")
    try:
        method, path, body = _request_of(args)
        answer = call(endpoint, method, path, body)
    except (OSError, ValueError, NotALocalCloud, Refused) as error:  # OSError, ValueError: the rows file
        err.write(f"listdrop: local {args.local_command}: {error}\n")
        return 1 if isinstance(error, Refused) else 2
    if getattr(args, "json", False):
        out.write(json.dumps(answer) + "\n")
        return 0
    if args.local_command in {"schedules", "run-schedule"}:
        out.write(_schedules_text(answer))
        return 0
    emulators = answer.get("emulators", [answer])
    out.write("".join(describe(emulator) for emulator in emulators))
    return 0


def _request_of(args: argparse.Namespace) -> tuple[str, str, dict[str, Any] | None]:
    """(method, path, body) of the control the subcommand calls."""
    command = args.local_command
    if command == "status":
        return "GET", f"{CONTROLS}/emulators", None
    if command == "schedules":
        return "GET", f"{CONTROLS}/schedules", None
    if command == "run-schedule":
        return "POST", f"{CONTROLS}/schedules/{urllib.parse.quote(args.name, safe='')}/run", None
    if command == "reset":
        return "POST", (f"{CONTROLS}/emulators/{args.provider}/reset" if args.provider else f"{CONTROLS}/reset"), None
    at = f"{CONTROLS}/emulators/{args.provider}"
    if command == "fail-next":
        return "POST", f"{at}/fail-next", ({"error": args.error} if args.error is not None else None)
    if command == "seed":
        rows = json.loads(args.rows.read_text(encoding="utf-8"))
        return "POST", f"{at}/seed/{args.kind}", {"rows": rows}
    return "POST", f"{at}/{command}", None  # hold, release


def _schedules_text(answer: dict[str, Any]) -> str:
    if "schedules" not in answer:  # a run
        return f"{answer['name']}: scheduled time {answer['scheduledTime']}, request written to {answer['key']}\n"
    lines = [f"{schedule['name']}: {schedule['schedule']}\n" for schedule in answer["schedules"]]
    return "".join(lines) or "no schedules (listdrop:exportSchedules is empty)\n"


def call(endpoint: str, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """One control request; its JSON answer. NotALocalCloud or Refused otherwise."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - the URL is the user's own --endpoint-url
        f"{endpoint}{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - as above
            return _decoded(endpoint, response.status, response.headers.get(MARKER_HEADER), response.read())
    except urllib.error.HTTPError as error:
        answer = _decoded(endpoint, error.code, error.headers.get(MARKER_HEADER), error.read())
        raise Refused(str(answer.get("message") or answer)) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise NotALocalCloud(
            f"nothing answers at {endpoint} ({reason}); is the local cloud running (`make run`)?"
        ) from None


def _decoded(endpoint: str, status: int, marker: str | None, body: bytes) -> dict[str, Any]:
    if marker is None:
        raise NotALocalCloud(
            f"{endpoint} is not a listdrop local cloud: it answered {CONTROLS}/ with HTTP {status}, without the "
            "local cloud's controls (start one with `make run`, or point --endpoint-url at it)"
        )
    answer = json.loads(body)
    if not isinstance(answer, dict):
        raise NotALocalCloud(f"{endpoint} answered {CONTROLS}/ with something other than a JSON object")
    return answer


def describe(emulator: dict[str, Any]) -> str:
    """One emulator as text: a line for its state, then one per job (oldest first)."""
    state = ["held" if emulator["held"] else "running"]
    if emulator["failuresQueued"]:
        state.append(f"next {emulator['failuresQueued']} job(s) will fail")
    if emulator["seeds"]:
        state.append(f"seeds: {', '.join(emulator['seeds'])}")
    jobs = emulator["jobs"]
    lines = [f"{emulator['provider']} ({emulator['service']}): {', '.join(state)}; {len(jobs)} job(s)\n"]
    lines += [f"  {job['jobId']}  {job['status']}\n" for job in jobs]
    return "".join(lines)

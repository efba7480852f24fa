"""`make run`: start the local cloud, drop the example files, print each notification as it arrives."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localcloud.cloud import LocalCloud
from localcloud.faults import FaultPlan, FaultPlanError
from localcloud.notifications import Notification, NotificationReader

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@dataclass(frozen=True)
class Expectation:
    key: str
    outcome: str
    processed: int | None = None
    failed: int | None = None
    reason_code: str | None = None
    rows_left_out: int | None = None

    def problems(self, notification: Notification | None) -> list[str]:
        if notification is None:
            return [f"{self.key}: no notification arrived"]
        detail = notification.detail
        found = []
        if detail["outcome"] != self.outcome:
            found.append(f"{self.key}: outcome {detail['outcome']}, expected {self.outcome}")
        for name, want, got in (
            ("processed", self.processed, detail["records"]["processed"]),
            ("failed", self.failed, detail["records"]["failed"]),
            ("reasonCode", self.reason_code, detail.get("reasonCode")),
            ("rowsLeftOut", self.rows_left_out, (detail.get("checks") or {}).get("rowsRejected")),
        ):
            if want is not None and got != want:
                found.append(f"{self.key}: {name} {got!r}, expected {want!r}")
        return found


def load_phases(path: Path) -> list[list[Expectation]]:
    phases = json.loads(path.read_text())["phases"]
    return [
        [
            Expectation(
                key=item["key"],
                outcome=item["outcome"],
                processed=item.get("processed"),
                failed=item.get("failed"),
                reason_code=item.get("reasonCode"),
                rows_left_out=item.get("rowsLeftOut"),
            )
            for item in phase
        ]
        for phase in phases
    ]


def seed(cloud: LocalCloud, setup: dict[str, Any]) -> dict[str, str]:
    """Create what the examples import into (setup.json's `resources`: one boto3 call each, e.g. the contact list
    and an address list) and seed the emulators' own data (`emulators`: the metrics the export example reads).
    Returns name -> id for the resources whose ids the services assign, which the example keys name as {name}."""
    ids: dict[str, str] = {}
    for resource in setup.get("resources", []):
        response = getattr(cloud.client(resource["service"]), resource["call"])(**resource["params"])
        if "id" in resource:
            ids[resource["name"]] = str(_at(response, resource["id"]))
    for seeding in setup.get("emulators", []):
        getattr(cloud.emulator(seeding["provider"]), seeding["call"])(seeding["argument"])
    return ids


def _at(response: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of a response ('ApplicationResponse.Id')."""
    value: Any = response
    for part in path.split("."):
        value = value[part]
    return value


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def concrete(key: str, ids: dict[str, str]) -> str:
    """An example's key with each {name} replaced by the id the service assigned to that name."""
    return _PLACEHOLDER.sub(lambda match: ids[match.group(1)], key)


def print_notification(notification: Notification, out: Any = sys.stdout) -> None:
    print(f"\n{notification.as_text()}", file=out, flush=True)


def run_examples(
    cloud: LocalCloud,
    reader: NotificationReader,
    phases: list[list[Expectation]],
    timeout: float,
    ids: dict[str, str] | None = None,
) -> list[str]:
    """Drop each phase's files, wait for their notifications; return every mismatch found."""
    assert cloud.endpoints is not None
    s3 = cloud.client("s3")
    problems: list[str] = []
    for number, phase in enumerate(phases, start=1):
        print(f"\n=== phase {number}: dropping {len(phase)} files ===", flush=True)
        keys = {expectation.key: concrete(expectation.key, ids or {}) for expectation in phase}
        for expectation in phase:
            s3.upload_file(str(EXAMPLES / expectation.key), cloud.endpoints.bucket, keys[expectation.key])
            print(f"dropped s3://{cloud.endpoints.bucket}/{keys[expectation.key]}", flush=True)
        by_key: dict[str, Notification] = {}
        deadline = time.monotonic() + timeout
        while len(by_key) < len(phase) and time.monotonic() < deadline:
            for notification in reader.receive():
                print_notification(notification)
                if notification.chat is not None:
                    continue  # the chat output's copy of an outcome (listdrop:chatTopic in cdk.json)
                key = notification.detail["source"]["key"]
                if key in by_key:
                    problems.append(f"{key}: more than one notification")
                by_key[key] = notification
        for expectation in phase:
            problems.extend(expectation.problems(by_key.get(keys[expectation.key])))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localcloud", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=4566, help="port to serve on (default 4566)")
    parser.add_argument(
        "--once",
        action="store_true",
        help="run the examples, check every notification against examples/expected.json, "
        "exit 0 if all match and 1 otherwise",
    )
    parser.add_argument("--no-examples", action="store_true", help="start and serve without dropping examples")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for each phase")
    parser.add_argument("--verbose", action="store_true", help="also print the functions' own log lines")
    parser.add_argument(
        "--faults",
        metavar="PLAN.json",
        default=os.environ.get("LISTDROP_FAULTS") or None,
        help="inject the faults of this plan (throttling, errors, latency, duplicate events, crashes); "
        "see the README's 'Fault injection' (default: $LISTDROP_FAULTS, else none)",
    )
    args = parser.parse_args(argv)
    try:
        plan = FaultPlan.from_file(args.faults) if args.faults else None
    except FaultPlanError as error:
        parser.error(str(error))
    if not args.verbose:
        # Read when the handlers' Logger is created, so before the local cloud imports them.
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"

    print("Synthesizing the CDK app and starting the local cloud...", flush=True)
    cloud = LocalCloud(args.host, args.port, faults=plan).start()
    assert cloud.endpoints is not None
    endpoints = cloud.endpoints
    print(
        f"\nlistdrop local cloud ready at {cloud.endpoint_url}\n"
        f"  bucket:              {endpoints.bucket}\n"
        f"  job table:           {endpoints.table}\n"
        f"  state machine:       {endpoints.state_machine_arn}\n"
        f"  event bus:           {endpoints.event_bus}\n"
        f"  notifications queue: {endpoints.notifications_queue_url}\n",
        flush=True,
    )
    reader = NotificationReader(cloud.client("sqs"), endpoints.notifications_queue_url)
    try:
        ids = seed(cloud, json.loads((EXAMPLES / "setup.json").read_text()))
        if not args.no_examples:
            problems = run_examples(cloud, reader, load_phases(EXAMPLES / "expected.json"), args.timeout, ids)
            if cloud.faults is not None:
                injected = cloud.faults.log.counts()
                print("\nFaults injected: " + (", ".join(f"{n} {k}" for k, n in sorted(injected.items())) or "none"))
            if args.once:
                if problems:
                    print("\nDEMO FAILED:\n  " + "\n  ".join(problems), flush=True)
                    return 1
                print("\nDEMO PASSED: every example file ended in its expected notification.", flush=True)
                return 0
            print("\nAll examples done." if not problems else "\nMismatches:\n  " + "\n  ".join(problems))
        return serve(cloud, reader)
    finally:
        cloud.stop()


def serve(cloud: LocalCloud, reader: NotificationReader) -> int:
    assert cloud.endpoints is not None
    print(
        "\nServing until Ctrl-C. Drop more files, for example:\n"
        f"  aws --endpoint-url {cloud.endpoint_url} s3 cp my.csv "
        f"s3://{cloud.endpoints.bucket}/imports/ses/contact-lists/Newsletter/put/my.csv\n"
        "(any access key works; region us-east-1). Notifications are printed here.\n"
        "Send dead letters back to be processed:\n"
        f"  .venv/bin/listdrop redrive --endpoint-url {cloud.endpoint_url} --region us-east-1 "
        f"--dead-letter-queue-url {cloud.endpoints.dead_letter_queue_url} --queue-url {cloud.endpoints.queue_url}\n"
        "Your own copy of the notifications, the jobs, and the emulators' test controls (hold, fail-next, ...; "
        "README, 'Driving the local cloud'):\n"
        f"  .venv/bin/listdrop notifications tail --endpoint-url {cloud.endpoint_url}\n"
        f"  .venv/bin/listdrop jobs list --endpoint-url {cloud.endpoint_url}\n"
        f"  .venv/bin/listdrop local status --endpoint-url {cloud.endpoint_url}",
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.is_set():
            for notification in reader.receive():
                print_notification(notification)
    except KeyboardInterrupt:
        pass
    print("\nStopping.", flush=True)
    return 0

"""`make load`: many files dropped at once into the local cloud, under injected faults; figures printed.

Two runs (pick with --run):
- burst: FILES files dropped at once; 20% of the job API's requests throttled; 10% of the S3 events
  delivered three times.
- chaos: the same, plus a crash of the starter or poller at every named point (localcloud/faults.py) for a
  share of the uploads.

For each run it prints: files dropped, jobs started (SES import jobs reading listdrop's staged copies),
notifications received, duplicates (notifications beyond one per file, jobs beyond one per file),
losses (files with no notification), messages in the dead-letter queue, the faults injected, wall time.
The process exits 1 if the promise (one job and one notification per file) did not hold, so the run can
gate a release; the figures are the point, and `make test` runs a small version of each (tests/e2e).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "functions")]
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "CRITICAL")  # read when the handlers' Logger is created

from listdrop.cli.redrive import Redrive  # noqa: E402
from localcloud.cloud import LocalCloud, free_port  # noqa: E402
from localcloud.faults import CRASH_POINTS, FaultPlan  # noqa: E402
from localcloud.notifications import Notification, NotificationReader  # noqa: E402

# The job API's operations, as the starter and poller call them.
PROVIDER_OPERATIONS = ["sesv2:GetContactList", "sesv2:CreateImportJob", "sesv2:ListImportJobs", "sesv2:GetImportJob"]
CONTACT_LISTS = 10


def fault_plan(run: str, *, throttle: float, duplicates: float, crash: float, seed: int) -> FaultPlan:
    document: dict[str, Any] = {
        "seed": seed,
        "api": [{"operations": PROVIDER_OPERATIONS, "throttle": throttle}],
        "duplicateEvents": duplicates,
        "duplicateCopies": 2,  # three deliveries of the same object version
    }
    if run == "chaos":
        document["crashes"] = dict.fromkeys(CRASH_POINTS, crash)
    return FaultPlan.from_dict(document)


@dataclass
class Tally:
    """Notifications by the source key they are about, read while the run goes on."""

    by_key: dict[str, list[Notification]] = field(default_factory=dict)
    total: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, notification: Notification) -> None:
        key = notification.detail["source"]["key"]
        with self.lock:
            self.by_key.setdefault(key, []).append(notification)
            self.total += 1

    def keys(self) -> int:
        with self.lock:
            return len(self.by_key)


def drop_files(cloud: LocalCloud, count: int) -> list[str]:
    s3 = cloud.client("s3")
    assert cloud.endpoints is not None
    bucket = cloud.endpoints.bucket
    keys = [f"imports/ses/contact-lists/Burst{i % CONTACT_LISTS}/put/file-{i:05d}.csv" for i in range(count)]

    def put(index_key: tuple[int, str]) -> None:
        index, key = index_key
        rows = "".join(f"user{index}-{row}@example.com,false\n" for row in range(5))
        s3.put_object(Bucket=bucket, Key=key, Body=("emailAddress,unsubscribeAll\n" + rows).encode())

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(put, enumerate(keys)))
    return keys


def staged_jobs(cloud: LocalCloud) -> Counter[str]:
    """SES import jobs per staged copy: more than one for a file would be a duplicate job."""
    return Counter(str(job.source["S3Url"]) for job in cloud.emulator("ses-import").jobs())


def queue_depth(cloud: LocalCloud, url: str) -> int:
    attributes = cloud.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


@dataclass(frozen=True)
class Report:
    run: str
    files: int
    jobs_started: int
    notifications: int
    duplicates: int
    losses: int
    dead_letters: int  # after the run, before any redrive
    redriven: int
    dead_letters_after: int
    outcomes: dict[str, int]
    faults: dict[str, int]
    seconds: float

    @property
    def held(self) -> bool:
        return (
            self.jobs_started == self.files
            and self.notifications == self.files
            and self.duplicates == 0
            and self.losses == 0
            and self.dead_letters_after == 0
        )

    def lines(self) -> list[str]:
        faults = ", ".join(f"{count} {name}" for name, count in sorted(self.faults.items())) or "none"
        throttled = sum(count for name, count in self.faults.items() if name.startswith("throttled "))
        exhausted = sum(count for name, count in self.faults.items() if name.startswith("retries exhausted "))
        outcomes = ", ".join(f"{count} {name}" for name, count in sorted(self.outcomes.items()))
        return [
            f"{self.run}: {self.files} files dropped, {self.jobs_started} jobs started, "
            f"{self.notifications} notifications, {self.duplicates} duplicates, {self.losses} losses "
            f"(target {self.files} / {self.files} / {self.files} / 0 / 0): {'MET' if self.held else 'NOT MET'}",
            f"  dead-letter queue: {self.dead_letters} messages after the run"
            + (f", {self.redriven} redriven, {self.dead_letters_after} left" if self.dead_letters else "")
            + f"; outcomes: {outcomes}",
            f"  faults injected: {faults}",
            f"  {throttled} throttled requests; {exhausted} calls still throttled after the SDK's retries "
            "(those uploads were requeued with backoff, or their poll waited longer)",
            f"  wall time: {self.seconds:.1f} s from the first upload to the last notification",
        ]


def run(name: str, files: int, plan: FaultPlan, timeout: float, settle: float) -> Report:
    cloud = LocalCloud(port=free_port(), ses_processing_after=0.2, ses_complete_after=0.5, faults=plan).start()
    try:
        assert cloud.endpoints is not None and cloud.faults is not None
        sesv2 = cloud.client("sesv2")
        for index in range(CONTACT_LISTS):
            sesv2.create_contact_list(ContactListName=f"Burst{index}")
        tally = Tally()
        reader = NotificationReader(cloud.client("sqs"), cloud.endpoints.notifications_queue_url)
        stop = threading.Event()

        def read() -> None:
            while not stop.is_set():
                for notification in reader.receive(wait_seconds=1):
                    tally.add(notification)

        readers = [threading.Thread(target=read, daemon=True) for _ in range(2)]
        for thread in readers:
            thread.start()
        started = time.monotonic()
        keys = drop_files(cloud, files)
        print(f"{name}: {files} files dropped in {time.monotonic() - started:.1f} s; waiting for notifications")
        last_progress = 0.0
        deadline = started + timeout
        while tally.keys() < files and time.monotonic() < deadline:
            time.sleep(0.5)
            if time.monotonic() - last_progress >= 10:
                last_progress = time.monotonic()
                print(f"  {time.monotonic() - started:6.0f} s: {tally.keys()} of {files} files notified", flush=True)
        seconds = time.monotonic() - started
        time.sleep(settle)  # late duplicates would arrive now
        dead_letters = queue_depth(cloud, cloud.endpoints.dead_letter_queue_url)
        redriven = 0
        if dead_letters:
            # What an operator does when the alarm fires: `listdrop redrive`. Then wait for the rest.
            redriven = (
                Redrive(
                    cloud.client("sqs"),
                    dead_letter_queue_url=cloud.endpoints.dead_letter_queue_url,
                    queue_url=cloud.endpoints.queue_url,
                )
                .run()
                .moved
            )
            print(f"{name}: {dead_letters} dead letters; redrove {redriven}", flush=True)
            deadline = time.monotonic() + timeout
            while tally.keys() < files and time.monotonic() < deadline:
                time.sleep(0.5)
            time.sleep(settle)
        stop.set()
        for thread in readers:
            thread.join()
        with tally.lock:
            by_key = {key: list(found) for key, found in tally.by_key.items()}
        jobs = staged_jobs(cloud)
        notified = sum(1 for key in keys if by_key.get(key))
        notifications = sum(len(by_key.get(key, [])) for key in keys)
        duplicate_jobs = sum(count - 1 for count in jobs.values() if count > 1)
        return Report(
            run=name,
            files=files,
            jobs_started=sum(jobs.values()),
            notifications=notifications,
            duplicates=(notifications - notified) + duplicate_jobs,
            losses=files - notified,
            dead_letters=dead_letters,
            redriven=redriven,
            dead_letters_after=queue_depth(cloud, cloud.endpoints.dead_letter_queue_url),
            outcomes=dict(Counter(n.detail["outcome"] for found in by_key.values() for n in found)),
            faults=cloud.faults.log.counts(),
            seconds=seconds,
        )
    finally:
        cloud.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/burst.py", description=__doc__)
    parser.add_argument("--run", choices=["burst", "chaos", "both"], default="both")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--throttle", type=float, default=0.2, help="share of job-API requests throttled")
    parser.add_argument("--duplicates", type=float, default=0.1, help="share of S3 events delivered 3 times")
    parser.add_argument("--crash", type=float, default=0.02, help="chaos: share of uploads crashed at each point")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for every notification")
    parser.add_argument("--settle", type=float, default=20, help="seconds to keep reading after the last one")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    runs = ["burst", "chaos"] if args.run == "both" else [args.run]
    reports = []
    for name in runs:
        plan = fault_plan(name, throttle=args.throttle, duplicates=args.duplicates, crash=args.crash, seed=args.seed)
        report = run(name, args.files, plan, args.timeout, args.settle)
        print("\n".join(report.lines()), flush=True)
        reports.append(report)
    if args.json:
        args.json.write_text(json.dumps([{**r.__dict__, "held": r.held} for r in reports], indent=2))
    return 0 if all(r.held for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())

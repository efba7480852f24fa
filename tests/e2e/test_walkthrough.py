"""The README's "Driving the local cloud", step by step, as a newcomer runs it: each command in its own process
with nothing configured but $LISTDROP_ENDPOINT_URL (no region, no credentials, no --stack, no --table)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading

import pytest

from listdrop.upload import tracking_id_for
from tests.e2e.helpers import ROOT, python, terminal, wait_until

pytestmark = pytest.mark.e2e

EXAMPLE = "examples/exports/ses/weekly-metrics.json"
KEY = "exports/ses/try-a-cancel.json"


@pytest.fixture
def newcomer(cloud, tmp_path):
    return terminal(cloud, tmp_path)


def listdrop(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return python(environment, "-m", "listdrop.cli", *arguments)


class Tailing:
    """`listdrop notifications tail` running in a terminal of its own; every line it prints, as it prints it."""

    def __init__(self, environment: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "listdrop.cli", "notifications", "tail"],
            env=environment,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        for stream, lines in ((self.process.stdout, self.out), (self.process.stderr, self.err)):
            threading.Thread(target=lambda s=stream, kept=lines: kept.extend(iter(s.readline, "")), daemon=True).start()

    def printed(self) -> str:
        return "".join(self.out)

    def stop(self) -> int:
        """As a script stops it (SIGTERM); it removes its queue on the way out."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


def test_hold_list_and_cancel_a_job_from_the_cli_and_see_the_cancelled_notification(cloud, newcomer):
    sqs, s3 = cloud.client("sqs"), cloud.client("s3")

    # Terminal 2: a copy of every notification, without taking `make run`'s.
    tailing = Tailing(newcomer)
    try:
        wait_until(lambda: any("Listening on" in line for line in tailing.err), timeout=60)
        assert len(sqs.list_queues(QueueNamePrefix="listdrop-tail-")["QueueUrls"]) == 1

        # Terminal 3: hold SES export jobs, so the one about to start stays PROCESSING.
        held = listdrop(newcomer, "local", "hold", "ses-export")
        assert held.returncode == 0, held.stderr
        assert "ses-export (SES export): held" in held.stdout

        # Drop the example export request, with the README's boto3 one-liner (no AWS CLI needed).
        upload = python(
            newcomer,
            "-c",
            "import boto3; boto3.client('s3', endpoint_url='" + cloud.endpoint_url + "', region_name='us-east-1', "
            "aws_access_key_id='x', aws_secret_access_key='x').upload_file('"
            + EXAMPLE
            + "', '"
            + cloud.endpoints.bucket
            + "', '"
            + KEY
            + "')",
        )
        assert upload.returncode == 0, upload.stderr
        version = s3.head_object(Bucket=cloud.endpoints.bucket, Key=KEY)["VersionId"]
        tracking = tracking_id_for(cloud.endpoints.bucket, KEY, version)

        # `listdrop local status` shows the held job; `listdrop jobs list` shows it started, with its tracking id.
        def listed_as_started() -> str | None:
            listed = listdrop(newcomer, "jobs", "list")
            assert listed.returncode == 0, listed.stderr
            row = next((line for line in listed.stdout.splitlines() if line.startswith(tracking[:12])), None)
            return row if row is not None and "STARTED" in row and "PROCESSING" in row else None

        row = wait_until(listed_as_started, timeout=60)
        assert "ses-export" in row
        status = listdrop(newcomer, "local", "status")
        assert status.returncode == 0, status.stderr
        assert "PROCESSING" in status.stdout

        cancelled = listdrop(newcomer, "jobs", "cancel", row.split()[0])
        assert cancelled.returncode == 0, cancelled.stderr

        # Terminal 2 prints the outcome.
        wait_until(lambda: f"Tracking id: {tracking}" in tailing.printed(), timeout=60)
        block = tailing.printed().split("--- notification on ")[-1]
        assert block.splitlines()[1].startswith('"CANCELLED: ')
        assert f"s3://{cloud.endpoints.bucket}/{KEY}" in block

        released = listdrop(newcomer, "local", "release", "ses-export")
        assert released.returncode == 0, released.stderr
    finally:
        cloud.emulator("ses-export").hold(False)
        code = tailing.stop()
    assert code == 0, "".join(tailing.err)
    assert sqs.list_queues(QueueNamePrefix="listdrop-tail-").get("QueueUrls", []) == [], "the tail removes its queue"
    assert [job.status for job in cloud.emulator("ses-export").jobs() if job.job_id in row] == ["CANCELLED"]


def test_every_command_needs_nothing_but_the_local_endpoint(cloud, newcomer):
    """No region, credentials, --stack or --table: the local cloud's region and dummy credentials, and the stack
    it registers under the default --stack name."""
    for arguments in (
        ("jobs", "list"),
        ("jobs", "list", "--native", "ses-export"),
        ("redrive",),
        ("smoke", "--read-only"),
        ("notifications", "tail", "--timeout", "1"),
    ):
        done = listdrop(newcomer, *arguments)
        assert done.returncode == 0, (arguments, done.stdout, done.stderr)
    status = listdrop(newcomer, "local", "status")
    assert status.returncode == 0, status.stderr
    assert [line.split()[0] for line in status.stdout.splitlines() if not line.startswith(" ")] == list(cloud.emulators)


def test_without_the_endpoint_the_command_says_what_to_configure(newcomer):
    aws = {name: value for name, value in newcomer.items() if name != "LISTDROP_ENDPOINT_URL"}
    done = listdrop(aws, "jobs", "list")
    assert done.returncode == 2
    assert done.stderr.startswith("listdrop: jobs: no AWS region is configured: pass --region")
    assert "Traceback" not in done.stderr

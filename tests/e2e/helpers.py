"""What the end-to-end tests of the job APIs share: dropping a file, finding its job, cancelling it with the
CLI (in this process, or typed into a fresh terminal), and starting a workflow for a job started outside the
starter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from listdrop import cli
from listdrop.upload import Upload, tracking_id_for

ROOT = Path(__file__).resolve().parents[2]


def terminal(cloud, home) -> dict[str, str]:
    """The environment of a fresh terminal: PATH, HOME and the one variable the README exports."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "functions")]),
        "LISTDROP_ENDPOINT_URL": cloud.endpoint_url,
    }


def python(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    """A command typed into that terminal (the venv's Python, from the repository's root)."""
    return subprocess.run(
        [sys.executable, *arguments],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def drop(cloud, clients, key, body) -> str:
    return clients["s3"].put_object(Bucket=cloud.endpoints.bucket, Key=key, Body=body)["VersionId"]


def tracking_id(cloud, key, version) -> str:
    return tracking_id_for(cloud.endpoints.bucket, key, version)


def wait_until(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def job_id_of(cloud, clients, tracking) -> str:
    def recorded():
        item = clients["dynamodb"].get_item(TableName=cloud.endpoints.table, Key={"trackingId": {"S": tracking}})
        return item.get("Item", {}).get("providerJobId", {}).get("S")

    return str(wait_until(recorded))


def cancel_with_the_cli(cloud, tracking, capsys) -> str:
    code = cli.main(
        ["jobs", "cancel", tracking, "--table", cloud.endpoints.table, "--endpoint-url", cloud.endpoint_url]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def start_execution(cloud, clients, name, provider, job_id, key, *, deadline_in, destination=None, validation=None):
    """A workflow for a job started outside the starter, with a deadline seconds away."""
    upload = {
        "trackingId": name,
        "provider": provider,
        "jobId": job_id,
        "destination": destination or {"type": None, "name": None, "label": f"{provider} destination"},
        "action": "EXPORT" if provider == "ses-export" else "PUT",
        "dataFormat": "CSV",
        "source": {
            "bucket": cloud.endpoints.bucket,
            "key": key,
            "versionId": "v",
            "sizeBytes": 1,
            "uri": f"s3://{cloud.endpoints.bucket}/{key}",
        },
        "startedAt": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        "validation": validation,
    }
    upload = Upload.from_state(upload).to_state()  # as the starter writes it (jobKind, ...)
    poll = {"state": "RUNNING", "attempt": 0, "waitSeconds": 1, "maxWaitSeconds": 1}
    poll["deadline"] = int(time.time()) + deadline_in
    clients["stepfunctions"].start_execution(
        stateMachineArn=cloud.endpoints.state_machine_arn, name=name, input=json.dumps({"upload": upload, "poll": poll})
    )

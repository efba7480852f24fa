"""The emulators' test controls over HTTP (localcloud/controls.py), through moto's server like any request."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest
from botocore.config import Config

from localcloud.controls import DEFAULT_FAILURE, MARKER_HEADER, Controls
from localcloud.emulators.sesv2_export_jobs import SesExportJobEmulator
from localcloud.emulators.sesv2_import_jobs import SesImportJobEmulator

SOURCE = {
    "MetricsDataSource": {
        "Dimensions": {"EMAIL_IDENTITY": ["example.com"]},
        "Namespace": "VDM",
        "Metrics": [{"Name": "SEND", "Aggregation": "VOLUME"}],
        "StartDate": "2024-05-01T00:00:00Z",
        "EndDate": "2024-05-02T00:00:00Z",
    }
}


@pytest.fixture
def controls(export_emulator: SesExportJobEmulator, emulator: SesImportJobEmulator) -> Controls:
    export_emulator.create_interval_seconds = 0  # several creates in a row, here
    controls = Controls({"ses-import": emulator, "ses-export": export_emulator})
    controls.install()
    return controls


def request(url: str, path: str, method: str = "POST", body: Any = None) -> tuple[int, dict[str, Any], str | None]:
    data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
    sent = urllib.request.Request(f"{url}{path}", data=data, method=method)
    try:
        with urllib.request.urlopen(sent, timeout=5) as answer:
            return answer.status, json.loads(answer.read()), answer.headers.get(MARKER_HEADER)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers.get(MARKER_HEADER)


def export_status(url: str, job_id: str) -> str:
    client = boto3.client(
        "sesv2", endpoint_url=url, region_name="us-east-1", config=Config(retries={"max_attempts": 1})
    )
    return str(client.get_export_job(JobId=job_id)["JobStatus"])


def start_export(url: str) -> str:
    client = boto3.client("sesv2", endpoint_url=url, region_name="us-east-1")
    return str(client.create_export_job(ExportDataSource=SOURCE, ExportDestination={"DataFormat": "CSV"})["JobId"])


def test_status_lists_every_emulator_with_its_jobs(controls: Controls, moto_url: str) -> None:
    job_id = start_export(moto_url)
    status, answer, marker = request(moto_url, "/_listdrop/emulators", "GET")
    assert (status, marker) == (200, "1")
    by_provider = {emulator["provider"]: emulator for emulator in answer["emulators"]}
    assert set(by_provider) == {"ses-import", "ses-export"}
    export = by_provider["ses-export"]
    assert export["service"] == "SES export"
    assert (export["held"], export["failuresQueued"], export["seeds"]) == (False, 0, ["messages", "metrics"])
    assert [job["jobId"] for job in export["jobs"]] == [job_id]
    assert by_provider["ses-import"]["seeds"] == []


def test_hold_keeps_a_job_running_until_release(controls: Controls, moto_url: str) -> None:
    status, answer, _ = request(moto_url, "/_listdrop/emulators/ses-export/hold")
    assert (status, answer["held"]) == (200, True)
    job_id = start_export(moto_url)
    time.sleep(0.4)  # past the fixture's complete_after
    assert export_status(moto_url, job_id) == "PROCESSING"
    _, shown, _ = request(moto_url, "/_listdrop/emulators/ses-export", "GET")
    assert shown["jobs"] == [{"jobId": job_id, "status": "PROCESSING"}]
    status, answer, _ = request(moto_url, "/_listdrop/emulators/ses-export/release")
    assert (status, answer["held"]) == (200, False)
    deadline = time.monotonic() + 3
    while export_status(moto_url, job_id) == "PROCESSING" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert export_status(moto_url, job_id) == "COMPLETED"


def test_fail_next_fails_the_next_job_with_the_reason(
    controls: Controls, moto_url: str, export_emulator: SesExportJobEmulator
) -> None:
    status, answer, _ = request(moto_url, "/_listdrop/emulators/ses-export/fail-next", body={"error": "disk full"})
    assert (status, answer["failuresQueued"]) == (200, 1)
    request(moto_url, "/_listdrop/emulators/ses-export/fail-next")  # no body: the default reason
    first, second = start_export(moto_url), start_export(moto_url)
    assert export_emulator.job(first).wait(3) and export_emulator.job(second).wait(3)
    assert (export_emulator.job(first).status, export_emulator.job(second).status) == ("FAILED", "FAILED")
    assert "disk full" in str(export_emulator.job(first).error_message)
    assert DEFAULT_FAILURE in str(export_emulator.job(second).error_message)


def test_seed_adds_export_data_and_refuses_bad_rows(
    controls: Controls, moto_url: str, export_emulator: SesExportJobEmulator
) -> None:
    row = {"date": "2024-05-01", "dimensions": {"EMAIL_IDENTITY": "example.com"}, "counts": {"SEND": 7}}
    status, _, _ = request(moto_url, "/_listdrop/emulators/ses-export/seed/metrics", body={"rows": [row]})
    assert status == 200
    assert len(export_emulator._metrics) == 1
    bad = {**row, "counts": {"SEND": -1}}
    status, answer, _ = request(moto_url, "/_listdrop/emulators/ses-export/seed/metrics", body={"rows": [row, bad]})
    assert (status, answer["error"]) == (400, "InvalidRows")
    assert len(export_emulator._metrics) == 1, "a refused batch adds nothing"
    status, answer, _ = request(moto_url, "/_listdrop/emulators/ses-import/seed/metrics", body={"rows": [row]})
    assert (status, answer["error"]) == (400, "UnknownSeed")
    assert "takes: none" in answer["message"]


def test_reset_forgets_jobs_holds_and_failures(
    controls: Controls, moto_url: str, export_emulator: SesExportJobEmulator
) -> None:
    request(moto_url, "/_listdrop/emulators/ses-export/hold")
    request(moto_url, "/_listdrop/emulators/ses-export/fail-next")
    start_export(moto_url)
    status, answer, _ = request(moto_url, "/_listdrop/reset")
    assert status == 200
    export = next(emulator for emulator in answer["emulators"] if emulator["provider"] == "ses-export")
    assert (export["held"], export["failuresQueued"], export["jobs"]) == (False, 0, [])
    request(moto_url, "/_listdrop/emulators/ses-export/hold")
    status, answer, _ = request(moto_url, "/_listdrop/emulators/ses-export/reset")
    assert (status, answer["held"]) == (200, False)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "error"),
    [
        ("POST", "/_listdrop/emulators/nope/hold", None, 404, "UnknownProvider"),
        ("POST", "/_listdrop/emulators/ses-export/pause", None, 404, "NotFound"),
        ("GET", "/_listdrop/", None, 404, "NotFound"),
        ("GET", "/_listdrop/emulators/ses-export/hold", None, 405, "MethodNotAllowed"),
        ("POST", "/_listdrop/emulators/ses-export/hold", {"held": False}, 400, "InvalidBody"),
        ("POST", "/_listdrop/emulators/ses-export/fail-next", b"not json", 400, "InvalidBody"),
        ("POST", "/_listdrop/emulators/ses-export/fail-next", [1], 400, "InvalidBody"),
        ("POST", "/_listdrop/emulators/ses-export/fail-next", {"error": ""}, 400, "InvalidBody"),
        ("POST", "/_listdrop/emulators/ses-export/fail-next", {"reason": "x"}, 400, "InvalidBody"),
        ("POST", "/_listdrop/emulators/ses-export/seed/metrics", {"rows": "x"}, 400, "InvalidBody"),
    ],
)
def test_bad_requests_get_a_clear_json_error(
    controls: Controls, moto_url: str, method: str, path: str, body: Any, status: int, error: str
) -> None:
    got, answer, marker = request(moto_url, path, method, body)
    assert (got, answer["error"], marker) == (status, error, "1")
    assert answer["message"]


def test_other_paths_still_reach_moto(controls: Controls, moto_url: str) -> None:
    with urllib.request.urlopen(f"{moto_url}/moto-api/data.json", timeout=5) as answer:
        assert answer.headers.get(MARKER_HEADER) is None
    s3 = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")
    s3.create_bucket(Bucket="listdrop-controls-test")
    assert s3.list_objects_v2(Bucket="listdrop-controls-test")["KeyCount"] == 0

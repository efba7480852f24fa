"""`listdrop jobs`: list, show and cancel read what the starter and the poller really write to the job table
(items written through JobStore in moto); the native listings follow each API's pagination, checked against
botocore's models by Stubber."""

from __future__ import annotations

import argparse
import io
import json
import sys
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from infra import constants
from listdrop import job_listing
from listdrop.cli import connection as aws_connection
from listdrop.cli import jobs as jobs_command
from listdrop.cli import main
from listdrop.cli.jobs import cancel, listing, show
from listdrop.cli.jobs.common import UsageError
from listdrop.cli.output import OUTPUT_ENV
from listdrop.cli.stack import TABLE_OUTPUT
from listdrop.errors import ProviderRequestRejected
from listdrop.job_listing import NativeQuery
from listdrop.job_records import Job
from listdrop.job_store import Attribute, JobStore
from listdrop.models import (
    JobState,
    JobStatus,
    Outcome,
    Route,
    S3Object,
)
from listdrop.outcome import build_event
from listdrop.providers import registry
from listdrop.providers.split_jobs import NOT_STARTED, compose
from listdrop.routing import route
from listdrop.upload import Upload
from listdrop.wording import count

from .conftest import BUCKET, TABLE

NOW = datetime.now(UTC).replace(microsecond=0)
# As the key routes set them: the label is the provider's (a job's DESTINATION column shows it).
NEWSLETTER = route("imports/ses/contact-lists/Newsletter/put/a.csv")
SUPPRESSION = route("imports/ses/suppression-list/delete/a.csv")
# Tracking ids are 40 hex digits; these are chosen so that two share a long prefix.
SUCCEEDED_ID = "a1" * 20
RUNNING_ID = "cafe0000" + "1" * 32
REJECTED_ID = "cafe0000" + "2" * 32
CANCELLED_ID = "d4" * 20
CLAIMED_ID = "e5" * 20
EXPORT_ID = "f6" * 20  # added by the one test that needs an export
ADDRESS = "jane.doe@example.com"


@pytest.fixture(autouse=True)
def no_output_default(monkeypatch):
    """A person's own $LISTDROP_OUTPUT must not change what these tests read."""
    monkeypatch.delenv(OUTPUT_ENV, raising=False)


def _upload(tracking_id: str, route: Route, key: str, created: datetime) -> Upload:
    return Upload.accepted(tracking_id, route, S3Object(BUCKET, key, "v1", 2048), created.isoformat())


def _checks(tracking_id: str) -> dict:
    return {
        "rowsTotal": 1010,
        "rowsAccepted": 1000,
        "rowsRejected": 10,
        "duplicates": 2,
        "normalized": ["removed the UTF-8 byte order mark"],
        "report": f"s3://{BUCKET}/reports/{tracking_id}/rejected-rows.csv",
    }


def _execution_input(upload: Upload, outcome: dict | None = None) -> str:
    state: dict = {"upload": upload.to_state(), "poll": {"state": "RUNNING", "attempt": 0}}
    if outcome is not None:
        state["outcome"] = outcome
    return json.dumps(state, sort_keys=True)


def _started(store: JobStore, tracking_id: str, route: Route, key: str, created: datetime, job_id: str) -> Upload:
    upload = _upload(tracking_id, route, key, created)
    assert store.claim(upload, now=int(created.timestamp()), lease_seconds=900)
    staged = {"uri": f"s3://{BUCKET}/staging/ses-import/{tracking_id}.csv", "sizeBytes": 1900}
    upload = upload.with_job(job_id).with_validation(_checks(tracking_id), staged)
    store.mark_started(upload, _execution_input(upload), (created + timedelta(seconds=2)).isoformat())
    store.record_progress(
        tracking_id, JobStatus(JobState.RUNNING, "PROCESSING", 400, 1), (created + timedelta(minutes=1)).isoformat()
    )
    return upload


def _finished(store: JobStore, upload: Upload, status: JobStatus, ended: datetime, **event: object) -> None:
    outcome = Outcome.SUCCEEDED if status.state is JobState.SUCCEEDED else Outcome.FAILED
    detail = build_event(upload=upload, outcome=outcome, ended_at=ended, status=status, **event)["detail"]
    store.mark_finished(upload.tracking_id, detail)


@pytest.fixture
def jobs(aws):
    """Five uploads in every stage the pipeline writes, and a start-rate gate item, which is no job."""
    store: JobStore = aws["store"]
    succeeded = _started(
        store,
        SUCCEEDED_ID,
        NEWSLETTER,
        f"imports/ses/contact-lists/Newsletter/put/{ADDRESS}.csv",
        NOW - timedelta(days=3),
        "ses-job-1",
    )
    _finished(
        store,
        succeeded,
        JobStatus(JobState.SUCCEEDED, "COMPLETED", 1000, 3, failed_records_url="https://ses/failed"),
        NOW - timedelta(days=3) + timedelta(minutes=5, seconds=3),
        failure_report=f"s3://{BUCKET}/reports/{SUCCEEDED_ID}/failed-records.csv",
    )
    _started(
        store,
        RUNNING_ID,
        SUPPRESSION,
        "imports/ses/suppression-list/delete/bounces.csv",
        NOW - timedelta(days=2),
        "ses-job-2",
    )
    rejected = Upload.rejected(  # a file dropped where no route leads: no provider, no destination
        REJECTED_ID,
        None,
        S3Object(BUCKET, "imports/ses/nowhere/bad.csv", "v1", 10),
        (NOW - timedelta(days=1)).isoformat(),
    )
    event = build_event(
        upload=rejected,
        outcome=Outcome.REJECTED,
        ended_at=NOW - timedelta(days=1),
        reason_code="TOO_MANY_INVALID_ROWS",
        reason=f"Too many rows are invalid, e.g. {ADDRESS}x",
    )
    store.mark_not_started(
        rejected,
        status="REJECTED",
        code="TOO_MANY_INVALID_ROWS",
        reason=event["detail"]["reason"],
        execution_input=_execution_input(rejected, outcome=event),
        ended_at=event["detail"]["endedAt"],
    )
    cancelled = _started(
        store,
        CANCELLED_ID,
        NEWSLETTER,
        "imports/ses/contact-lists/Newsletter/put/old.csv",
        NOW - timedelta(days=10),
        "ses-job-0",
    )
    _finished(
        store,
        cancelled,
        JobStatus(JobState.CANCELLED, "CANCELLED", 10, 0, error_message="The job was cancelled."),
        NOW - timedelta(days=10) + timedelta(minutes=1),
        reason_code="JOB_CANCELLED",
    )
    claimed = _upload(
        CLAIMED_ID, NEWSLETTER, "imports/ses/contact-lists/Newsletter/put/new.csv", NOW - timedelta(hours=1)
    )
    assert store.claim(claimed, now=int(NOW.timestamp()), lease_seconds=900)
    if hasattr(store, "take_start_slot"):
        assert store.take_start_slot("ses-import", now_ms=int(NOW.timestamp() * 1000), interval_ms=1000)
    return aws


def listed(arguments: list[str], capsys) -> tuple[int, list[str], str]:
    code = main(["jobs", "list", "--table", TABLE, *arguments])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def ids_in(lines: list[str]) -> list[str]:
    """The tracking ids of a table listing, in order (its first column holds their first 12 characters)."""
    known = [SUCCEEDED_ID, RUNNING_ID, REJECTED_ID, CANCELLED_ID, CLAIMED_ID]
    found = []
    for line in lines[1:]:
        found += [full for full in known if line.startswith(full[:12])]
    return found


# -- list -------------------------------------------------------------------------------------------


def test_list_shows_every_upload_newest_first_and_no_gate_and_no_address(jobs, capsys):
    code, lines, err = listed([], capsys)
    assert code == 0, err
    assert lines[0].split() == [
        "TRACKING",
        "ID",
        "PROVIDER",
        "DESTINATION",
        "STATUS",
        "PROVIDER",
        "JOB",
        "STARTED",
        "ENDED",
        "RECORDS",
    ]
    assert ids_in(lines) == [CLAIMED_ID, REJECTED_ID, RUNNING_ID, SUCCEEDED_ID, CANCELLED_ID]
    assert not any("gate#" in line for line in lines)
    assert lines[-1].startswith("5 jobs.")
    by_id = {line[:12]: line for line in lines[1:-1]}
    succeeded = by_id[SUCCEEDED_ID[:12]]
    assert "SES contact list 'Newsletter'" in succeeded
    assert "SUCCEEDED (COMPLETED)" in succeeded and "ses-job-1" in succeeded and "1,000/3" in succeeded
    assert "STARTED (PROCESSING)" in by_id[RUNNING_ID[:12]] and "400/1" in by_id[RUNNING_ID[:12]]
    assert "FAILED (CANCELLED)" in by_id[CANCELLED_ID[:12]]
    assert "@" not in "\n".join(lines)
    # the columns line up: every row's status starts where the header's does
    column = lines[0].index("STATUS")
    assert by_id[RUNNING_ID[:12]][column:].startswith("STARTED")


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (["--provider", "ses-import"], [CLAIMED_ID, RUNNING_ID, SUCCEEDED_ID, CANCELLED_ID]),
        (["--provider", "pinpoint-import"], []),
        (["--provider", "none"], [REJECTED_ID]),
        (["--destination", "Newsletter"], [CLAIMED_ID, SUCCEEDED_ID, CANCELLED_ID]),
        (["--destination", "ses-suppression-list"], [RUNNING_ID]),
        (["--status", "cancelled"], [CANCELLED_ID]),
        (["--status", "SUCCEEDED,REJECTED"], [REJECTED_ID, SUCCEEDED_ID]),
        (["--status", "started", "--destination", "Newsletter"], []),
        (["--since", "7d"], [CLAIMED_ID, REJECTED_ID, RUNNING_ID, SUCCEEDED_ID]),
        (["--since", "7d", "--until", "36h"], [RUNNING_ID, SUCCEEDED_ID]),
        (["--until", (NOW - timedelta(days=5)).date().isoformat()], [CANCELLED_ID]),
        (["--since", (NOW - timedelta(days=2, minutes=1)).isoformat(), "--until", "2h"], [REJECTED_ID, RUNNING_ID]),
    ],
)
def test_filters_keep_only_what_they_name(jobs, capsys, filters, expected):
    code, lines, err = listed(filters, capsys)
    assert code == 0, err
    assert ids_in(lines) == expected
    assert lines[-1].startswith(count(len(expected), "job"))
    assert lines[-1].split(".")[0] in ("0 jobs", "1 job", "2 jobs", "4 jobs", "3 jobs")


def test_a_limit_keeps_the_newest_and_says_how_many_matched(jobs, capsys):
    code, lines, err = listed(["--limit", "2"], capsys)
    assert code == 0, err
    assert ids_in(lines) == [CLAIMED_ID, REJECTED_ID]
    assert lines[-1].startswith("5 jobs (newest 2 shown; --limit 0 for all)")


def test_json_lines_carry_full_ids_and_redacted_sources(jobs, capsys):
    code, lines, err = listed(["--json", "--status", "SUCCEEDED"], capsys)
    assert code == 0, err
    [line] = lines
    job = json.loads(line)
    assert job["trackingId"] == SUCCEEDED_ID
    assert job["records"] == {"processed": 1000, "failed": 3}
    assert job["startedAt"] == (NOW - timedelta(days=3)).isoformat()  # as the outcome event has it
    assert job["jobStartedAt"] == (NOW - timedelta(days=3, seconds=-2)).isoformat()  # when the provider job began
    assert job["endedAt"] == (NOW - timedelta(days=3, minutes=-5, seconds=-3)).isoformat()
    assert job["destination"] == {
        "type": "SES_CONTACT_LIST",
        "name": "Newsletter",
        "label": "SES contact list 'Newsletter'",
    }
    assert job["source"] == f"s3://{BUCKET}/imports/ses/contact-lists/Newsletter/put/<redacted-address>"
    assert "@" not in line


def test_a_rejection_has_its_end_and_no_job_start_in_the_json_lines(jobs, capsys):
    """A rejected upload started no job: jobStartedAt is null, while startedAt and endedAt are set."""
    code, lines, err = listed(["--json", "--status", "REJECTED"], capsys)
    assert code == 0, err
    [job] = [json.loads(line) for line in lines]
    assert job["trackingId"] == REJECTED_ID
    assert job["startedAt"] == job["createdAt"] == (NOW - timedelta(days=1)).isoformat()
    assert job["endedAt"] == (NOW - timedelta(days=1)).isoformat()  # the rejection's time, as its outcome has it
    assert job["jobStartedAt"] is None and job["providerJobId"] is None and job["records"] is None


def test_a_job_that_ended_carries_its_reason_code_in_the_json_lines(jobs, capsys):
    code, lines, err = listed(["--json", "--status", "CANCELLED"], capsys)
    assert code == 0, err
    [job] = [json.loads(line) for line in lines]
    assert (job["trackingId"], job["reasonCode"]) == (CANCELLED_ID, "JOB_CANCELLED")


def test_output_json_is_what_the_json_alias_prints_and_table_is_the_default(jobs, capsys):
    _, aliased, _ = listed(["--json"], capsys)
    code, as_json, err = listed(["--output", "json"], capsys)
    assert code == 0, err
    assert as_json == aliased and len(as_json) == 5
    assert all(json.loads(line)["trackingId"] for line in as_json)
    _, default, _ = listed([], capsys)
    code, table, err = listed(["--output", "table"], capsys)
    assert code == 0, err
    assert table == default and table[0].startswith("TRACKING ID") and ids_in(table) == ids_in(default)


def test_the_default_output_comes_from_the_environment_and_an_option_overrides_it(jobs, capsys, monkeypatch):
    monkeypatch.setenv(OUTPUT_ENV, "JSON")
    _, lines, _ = listed([], capsys)
    assert [json.loads(line)["trackingId"] for line in lines] == [
        CLAIMED_ID,
        REJECTED_ID,
        RUNNING_ID,
        SUCCEEDED_ID,
        CANCELLED_ID,
    ]
    _, lines, _ = listed(["--output", "table"], capsys)
    assert lines[0].startswith("TRACKING ID")
    monkeypatch.setenv(OUTPUT_ENV, "text")  # the human form, whichever the command prints
    _, lines, _ = listed([], capsys)
    assert lines[0].startswith("TRACKING ID")
    monkeypatch.setenv(OUTPUT_ENV, "yaml")
    code, lines, err = listed([], capsys)
    assert code == 2 and lines == []
    assert f"${OUTPUT_ENV}='yaml': use table, text, json" in err


def test_json_and_another_output_exclude_each_other(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["jobs", "list", "--json", "--output", "table"])
    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_the_readme_documents_every_attribute_of_the_job_table_and_every_json_field():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The job table\n", 1)[1].split("\n### ", 1)[0]
    attributes = [value for name, value in vars(Attribute).items() if name.isupper()]
    assert [name for name in attributes if f"`{name}`" not in section] == []
    fields = listing.job_json(Job({Attribute.TRACKING_ID: SUCCEEDED_ID}))
    assert [name for name in fields if f"`{name}`" not in section] == []


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_small_pages_are_followed_to_the_end_with_progress_on_a_terminal(jobs, capsys, monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code, lines, err = listed(["--page-size", "1", "--provider", "ses-import"], capsys)
    assert code == 0, err
    assert ids_in(lines) == [CLAIMED_ID, RUNNING_ID, SUCCEEDED_ID, CANCELLED_ID]
    progress = terminal.getvalue()
    # one item per page: six items (five uploads and the gate) read, the filter applied by DynamoDB
    assert "scanning the job table:" in progress
    assert "6 items read, 4 matching" in progress
    assert progress.endswith("\n")


def test_no_progress_when_stderr_is_not_a_terminal(jobs, capsys):
    code, _, err = listed(["--page-size", "1"], capsys)
    assert code == 0 and err == ""


def test_the_table_name_comes_from_the_stack_output(jobs, capsys):
    assert constants.OUTPUT_TABLE == TABLE_OUTPUT
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {TABLE_OUTPUT: {"Value": TABLE}},
    }
    cloudformation.create_stack(StackName="Listdrop", TemplateBody=json.dumps(template))
    assert main(["jobs", "list"]) == 0
    assert len(ids_in(capsys.readouterr().out.splitlines())) == 5
    cloudformation.create_stack(StackName="Other", TemplateBody=json.dumps({"Resources": template["Resources"]}))
    assert main(["jobs", "list", "--stack", "Other"]) == 2
    assert f"stack Other has no output {TABLE_OUTPUT}" in capsys.readouterr().err


def test_the_endpoint_comes_from_the_option_or_the_environment(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv(aws_connection.ENDPOINT_ENV, "http://127.0.0.1:4566")
    args = argparse.Namespace(endpoint_url=None, region="eu-west-1")
    connection = aws_connection.connect(args)
    client = connection.client("dynamodb", aws_access_key_id="x", aws_secret_access_key="x")
    assert client.meta.endpoint_url == "http://127.0.0.1:4566"
    assert client.meta.region_name == "eu-west-1"
    args.endpoint_url = "http://localhost:9999"
    assert aws_connection.connect(args).client("sesv2").meta.endpoint_url == "http://localhost:9999"
    monkeypatch.delenv(aws_connection.ENDPOINT_ENV)
    args.endpoint_url = None
    assert aws_connection.connect(args).endpoint_url is None


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--since", "yesterday"], "neither an ISO 8601 time nor a duration"),
        (["--source-type", "METRICS_DATA"], "--source-type only apply to --native"),
        (["--limit", "-1"], "--limit must be 0"),
    ],
)
def test_usage_errors_exit_2(jobs, capsys, arguments, message):
    code, _, err = listed(arguments, capsys)
    assert code == 2
    assert message in err


def test_times_ago_and_iso_times_are_read_in_utc():
    now = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)
    assert listing.parse_when("24h", now) == datetime(2024, 5, 9, 12, 0, tzinfo=UTC)
    assert listing.parse_when("7d", now) == datetime(2024, 5, 3, 12, 0, tzinfo=UTC)
    assert listing.parse_when("1d12h", now) == datetime(2024, 5, 9, 0, 0, tzinfo=UTC)
    assert listing.parse_when("2024-05-01", now) == datetime(2024, 5, 1, tzinfo=UTC)
    assert listing.parse_when("2024-05-01T02:00:00+02:00", now) == datetime(2024, 5, 1, tzinfo=UTC)
    assert listing.parse_when("2024-05-01T00:00:00Z", now) == datetime(2024, 5, 1, tzinfo=UTC)
    with pytest.raises(UsageError):
        listing.parse_when("7 days ago", now)


# -- show -------------------------------------------------------------------------------------------


def shown(tracking_id: str, capsys, *extra: str) -> tuple[int, str, str]:
    code = main(["jobs", "show", tracking_id, "--table", TABLE, *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_show_tells_a_jobs_whole_life_without_an_address(jobs, capsys):
    code, out, _ = shown(SUCCEEDED_ID, capsys)
    assert code == 0
    assert f"Job {SUCCEEDED_ID}" in out
    assert "status          SUCCEEDED (COMPLETED)" in out
    assert "source          s3://uploads/imports/ses/contact-lists/Newsletter/put/<redacted-address>" in out
    assert "(version v1, 2,048 bytes)" in out
    assert "route           PUT into SES contact list 'Newsletter' via ses-import, CSV" in out
    assert "checks          1,000 of 1,010 rows accepted, 10 left out (2 duplicates)" in out
    assert "normalized: removed the UTF-8 byte order mark" in out
    assert f"staged copy     s3://{BUCKET}/staging/ses-import/{SUCCEEDED_ID}.csv (1,900 bytes)" in out
    created = NOW - timedelta(days=3)
    assert f"claimed         {created.isoformat().replace('+00:00', 'Z')}" in out
    assert "(took 5m 3s)" in out
    assert "job id          ses-job-1" in out
    assert "records         1,000 processed, 3 failed" in out
    assert "COMPLETED WITH 3 FAILED RECORDS: PUT into SES contact list 'Newsletter'" in out
    assert f"failed records  s3://{BUCKET}/reports/{SUCCEEDED_ID}/failed-records.csv" in out
    assert f"rejected rows   s3://{BUCKET}/reports/{SUCCEEDED_ID}/rejected-rows.csv" in out
    # in the order it happened
    assert out.index("claimed") < out.index("last polled") < out.index("ended") < out.index("Outcome")
    assert "@" not in out


def test_show_of_a_rejected_upload_gives_the_starters_outcome(jobs, capsys):
    code, out, _ = shown(REJECTED_ID, capsys)
    assert code == 0
    assert "REJECTED: s3://uploads/imports/ses/nowhere/bad.csv: " in out
    assert "route           none: the key leads to no destination" in out
    assert "reason          TOO_MANY_INVALID_ROWS: Too many rows are invalid" in out
    rejected_at = (NOW - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert f"received        {rejected_at}" in out and "claimed" not in out
    assert f"ended           {rejected_at}, before any job started" in out
    assert "Provider job\n  none: the upload ended before any job was started\n" in out
    # what only a job has, or only checked rows have, is not printed at all
    assert "job id" not in out and "failed records" not in out and "rejected rows" not in out
    assert "@" not in out


def test_show_of_an_export_shows_its_request_and_result_and_no_row_checks(jobs, capsys):
    store: JobStore = jobs["store"]
    key = "exports/ses/weekly.json"
    export = Upload.accepted(EXPORT_ID, route(key), S3Object(BUCKET, key, "v1", 1), NOW.isoformat())
    assert store.claim(export, now=int(NOW.timestamp()), lease_seconds=900)
    request = "MESSAGE_INSIGHTS from 2026-11-01 to 2026-11-08"
    export = export.with_job("export-1").with_validation(
        {"request": request, "noticeRows": f"request: {request}", "noticeReport": "none"}, None
    )
    store.mark_started(export, _execution_input(export), NOW.isoformat())
    result = f"s3://{BUCKET}/exports/results/export-1/weekly.csv"
    _finished(store, export, JobStatus(JobState.SUCCEEDED, "COMPLETED", 1234, 0), NOW, result=result)
    code, out, _ = shown(EXPORT_ID, capsys)
    assert code == 0
    assert "route           SES export 'weekly' via ses-export, from a JSON request" in out
    assert f"request         {request}" in out
    assert "records         1,234 exported" in out
    assert f"result file     {result}" in out
    assert "(version v1, 1 byte)" in out
    for absent in ("rows accepted", "0 of 0", "checks ", "failed records", "rejected rows", "EXPORT into"):
        assert absent not in out


@pytest.mark.parametrize(
    ("checks", "text"),
    [
        ({"rowsTotal": 1, "rowsAccepted": 1}, "1 of 1 row accepted"),
        ({"rowsTotal": 0, "rowsAccepted": 0}, "0 of 0 rows accepted"),
        ({"rowsTotal": 2, "rowsAccepted": 1, "rowsRejected": 1}, "1 of 2 rows accepted, 1 left out"),
        (
            {"rowsTotal": 12000, "rowsAccepted": 10000, "rowsRejected": 2000, "duplicates": 1},
            "10,000 of 12,000 rows accepted, 2,000 left out (1 duplicate)",
        ),
    ],
)
def test_row_counts_read_as_english_with_thousands_separators(checks, text):
    assert show._checks_text(checks) == text


def test_a_count_has_its_noun_in_the_right_number():
    assert [count(n, "row") for n in (0, 1, 2, 1000)] == ["0 rows", "1 row", "2 rows", "1,000 rows"]


def test_show_of_a_split_upload_lists_its_parts_and_their_rows(jobs, capsys):
    store: JobStore = jobs["store"]
    split_id = "b7" * 20
    key = "imports/ses/suppression-list/delete/big.csv"
    upload = _upload(split_id, SUPPRESSION, key, NOW)
    assert store.claim(upload, now=int(NOW.timestamp()), lease_seconds=900)
    staged = {"uri": f"s3://{BUCKET}/staging/ses-import/{split_id}.csv", "sizeBytes": 250_000}
    job_id = compose(["job-a", "job-b", NOT_STARTED], [10_000, 10_000, 5_000])
    upload = upload.with_job(job_id).with_validation({**_checks(split_id), "jobs": 3, "rowsPerJob": 10_000}, staged)
    store.mark_started(upload, _execution_input(upload), NOW.isoformat())
    code, out, _ = shown(split_id, capsys)
    assert code == 0
    assert "jobs            3: the file was split, one job per part of the checked copy" in out
    assert "part 1: rows 1-10,000, job job-a" in out
    assert "part 2: rows 10,001-20,000, job job-b" in out
    assert "part 3: rows 20,001-25,000, not started" in out
    assert f"staging/ses-import/{split_id}.csv (250,000 bytes); part 1 of 3" in out
    assert "split:" not in out


def test_show_of_a_running_job_says_no_outcome_yet(jobs, capsys):
    code, out, _ = shown(RUNNING_ID, capsys)
    assert code == 0
    assert "STARTED (PROCESSING)" in out and "400 processed, 1 failed" in out
    assert "none yet: the job is running" in out


def test_show_prints_text_by_default_and_with_output_text(jobs, capsys, monkeypatch):
    _, default, _ = shown(SUCCEEDED_ID, capsys)
    code, text, _ = shown(SUCCEEDED_ID, capsys, "--output", "text")
    assert code == 0 and text == default and text.startswith(f"Job {SUCCEEDED_ID}")
    monkeypatch.setenv(OUTPUT_ENV, "json")
    _, out, _ = shown(SUCCEEDED_ID, capsys)
    assert json.loads(out)["trackingId"] == SUCCEEDED_ID


def test_show_accepts_a_unique_prefix_of_eight_or_more_characters(jobs, capsys):
    code, out, _ = shown(SUCCEEDED_ID[:10], capsys)
    assert code == 0 and f"Job {SUCCEEDED_ID}" in out
    code, out, _ = shown(RUNNING_ID[:9].upper(), capsys)
    assert code == 0 and f"Job {RUNNING_ID}" in out


@pytest.mark.parametrize(
    ("tracking_id", "code", "message"),
    [
        ("0123456789abcdef", 1, "no job with tracking id 0123456789abcdef"),
        ("a1a1a1", 2, "at least 8 characters"),
        ("cafe0000", 2, f"2 jobs start with cafe0000: {RUNNING_ID}, {REJECTED_ID}"),
        ("gate#ses-import", 2, "an upload's tracking id"),
    ],
)
def test_unknown_short_and_ambiguous_ids(jobs, capsys, tracking_id, code, message):
    exit_code, out, err = shown(tracking_id, capsys)
    assert exit_code == code
    assert message in err and out == ""


@pytest.mark.parametrize("option", [["--json"], ["--output", "json"]])
def test_show_json_is_the_item_with_its_json_attributes_parsed(jobs, capsys, option):
    code, out, _ = shown(SUCCEEDED_ID, capsys, *option)
    assert code == 0
    item = json.loads(out)
    assert item["outcomeDetail"]["outcome"] == "SUCCEEDED"
    assert item["executionInput"]["upload"]["jobId"] == "ses-job-1"
    assert item["processedRecords"] == 1000
    assert "@" not in out


# -- cancel -----------------------------------------------------------------------------------------


@dataclass
class CancellingProvider:
    name: str = "ses-import"
    cancelled: list[str] = field(default_factory=list)
    refusal: Exception | None = None
    sessions: list[object] = field(default_factory=list)

    def cancel(self, job_id: str) -> None:
        if self.refusal is not None:
            raise self.refusal
        self.cancelled.append(job_id)


@pytest.fixture
def provider(monkeypatch):
    fake = CancellingProvider()

    def factory(clients):
        fake.sessions.append(clients.session)
        return fake

    spec = replace(registry.PROVIDERS["ses-import"], factory=factory)
    monkeypatch.setitem(registry.PROVIDERS, "ses-import", spec)
    return fake


def cancelled(tracking_id: str, capsys) -> tuple[int, str, str]:
    code = main(["jobs", "cancel", tracking_id, "--table", TABLE])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cancel_asks_the_provider_to_cancel_the_running_job(jobs, provider, capsys):
    code, out, _ = cancelled(RUNNING_ID[:12], capsys)
    assert code == 0
    assert provider.cancelled == ["ses-job-2"]
    assert f"Asked ses-import to cancel job ses-job-2 (upload {RUNNING_ID}" in out
    assert "publishes the outcome" in out
    assert isinstance(provider.sessions[0], aws_connection.Connection)  # the provider's client follows --endpoint-url


@pytest.mark.parametrize(
    ("tracking_id", "message"),
    [
        (SUCCEEDED_ID, "already ended: SUCCEEDED (COMPLETED)"),
        (REJECTED_ID, "already ended: REJECTED"),
        (CANCELLED_ID, "already ended: FAILED (CANCELLED)"),
        (CLAIMED_ID, "has no provider job yet"),
        ("f" * 40, "no job with tracking id"),
    ],
)
def test_a_job_that_is_not_running_is_not_cancelled(jobs, provider, capsys, tracking_id, message):
    code, out, err = cancelled(tracking_id, capsys)
    assert code == 1
    assert message in err and out == ""
    assert provider.cancelled == []


def test_a_provider_that_cannot_cancel_says_why_and_exits_1(jobs, provider, capsys):
    provider.refusal = ProviderRequestRejected("SES import jobs cannot be cancelled: the API has no call for it.")
    code, _, err = cancelled(RUNNING_ID, capsys)
    assert code == 1
    assert "ses-import did not cancel job ses-job-2: SES import jobs cannot be cancelled" in err


def test_cancel_can_wait_for_the_workflow_to_publish_the_outcome(jobs, provider):
    store: JobStore = jobs["store"]
    upload = _upload(RUNNING_ID, SUPPRESSION, "imports/ses/suppression-list/delete/bounces.csv", NOW).with_job(
        "ses-job-2"
    )
    polls = []

    def sleep(seconds: float) -> None:  # the workflow's next poll happens while the command waits
        polls.append(seconds)
        if len(polls) == 2:
            _finished(
                store,
                upload,
                JobStatus(JobState.CANCELLED, "CANCELLED", 5, 0, error_message="Cancelled by the user."),
                NOW + timedelta(minutes=1),
                reason_code="JOB_CANCELLED",
            )

    clock = iter(range(0, 1000, 5))
    out = io.StringIO()
    args = argparse.Namespace(tracking_id=RUNNING_ID, wait=60, table=TABLE, stack="Listdrop")
    connection = aws_connection.Connection(boto3.session.Session(region_name="us-east-1"), None)
    code = cancel.run(
        args, out=out, err=io.StringIO(), connection=connection, sleep=sleep, monotonic=lambda: next(clock)
    )
    assert code == 0
    assert "Ended: CANCELLED: DELETE from SES account suppression list as listed in s3://" in out.getvalue()
    assert len(polls) == 2


# -- native listings --------------------------------------------------------------------------------


def client(service: str):
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def at(day: int) -> datetime:
    return datetime(2024, 5, day, 12, 0, tzinfo=UTC)


def test_ses_import_jobs_follow_next_token_with_the_destination_type(capsys):
    sesv2 = client("sesv2")
    contact = {"ContactListDestination": {"ContactListName": "Newsletter", "ContactListImportAction": "PUT"}}
    with Stubber(sesv2) as stub:
        stub.add_response(
            "list_import_jobs",
            {
                "ImportJobs": [
                    {
                        "JobId": "j1",
                        "ImportDestination": contact,
                        "JobStatus": "COMPLETED",
                        "CreatedTimestamp": at(1),
                        "ProcessedRecordsCount": 7,
                        "FailedRecordsCount": 1,
                    },
                    {"JobId": "j2", "ImportDestination": contact, "JobStatus": "PROCESSING", "CreatedTimestamp": at(2)},
                ],
                "NextToken": "page-2",
            },
            {"ImportDestinationType": "CONTACT_LIST"},
        )
        stub.add_response(
            "list_import_jobs",
            {
                "ImportJobs": [
                    {"JobId": "j3", "ImportDestination": contact, "JobStatus": "COMPLETED", "CreatedTimestamp": at(3)}
                ]
            },
            {"ImportDestinationType": "CONTACT_LIST", "NextToken": "page-2"},
        )
        rows = list(
            job_listing.list_native(
                "ses-import", sesv2, NativeQuery(status="completed", options={"destination-type": "contact-list"})
            )
        )
        stub.assert_no_pending_responses()
    assert [row.job_id for row in rows] == ["j1", "j3"]
    assert rows[0].summary == "PUT into SES contact list 'Newsletter'"
    assert (rows[0].processed, rows[0].failed, rows[0].created) == (7, 1, at(1))


def test_ses_export_jobs_pass_their_filters_to_the_api():
    sesv2 = client("sesv2")
    wanted = {"ExportSourceType": "MESSAGE_INSIGHTS", "JobStatus": "COMPLETED", "PageSize": 2}
    with Stubber(sesv2) as stub:
        job = {"ExportSourceType": "MESSAGE_INSIGHTS", "JobStatus": "COMPLETED", "CreatedTimestamp": at(4)}
        stub.add_response(
            "list_export_jobs",
            {"ExportJobs": [{"JobId": "e1", **job}, {"JobId": "e2", **job}], "NextToken": "t"},
            wanted,
        )
        stub.add_response("list_export_jobs", {"ExportJobs": [{"JobId": "e3", **job}]}, {**wanted, "NextToken": "t"})
        query = NativeQuery(status="COMPLETED", options={"source-type": "message_insights"}, page_size=2)
        rows = list(job_listing.list_native("ses-export", sesv2, query))
        stub.assert_no_pending_responses()
    assert [row.job_id for row in rows] == ["e1", "e2", "e3"]
    assert rows[0].summary == "export of MESSAGE_INSIGHTS"


@pytest.mark.parametrize("asked", [None, 500])
def test_mail_manager_jobs_page_through_the_paginator_at_most_50_at_a_time(asked):
    mailmanager = client("mailmanager")
    job = {
        "Status": "COMPLETED",
        "ImportDataFormat": {"ImportDataType": "CSV"},
        "AddressListId": "al-1",
        "CreatedTimestamp": at(5),
        "PreSignedUrl": "https://secret",
        "ImportedItemsCount": 9,
        "FailedItemsCount": 0,
    }
    with Stubber(mailmanager) as stub:
        stub.add_response(
            "list_address_list_import_jobs",
            {"ImportJobs": [{"JobId": "m1", "Name": "spring", **job}], "NextToken": "n2"},
            {"AddressListId": "al-1", "PageSize": 50},
        )
        stub.add_response(
            "list_address_list_import_jobs",
            {"ImportJobs": [{"JobId": "m2", "Name": "summer", **job, "Status": "STOPPED"}]},
            {"AddressListId": "al-1", "PageSize": 50, "NextToken": "n2"},
        )
        rows = list(
            job_listing.list_native(
                "mail-manager", mailmanager, NativeQuery(options={"address-list-id": "al-1"}, page_size=asked)
            )
        )
        stub.assert_no_pending_responses()
    assert [(row.job_id, row.status) for row in rows] == [("m1", "COMPLETED"), ("m2", "STOPPED")]
    assert rows[0].summary == "address list al-1 (spring)" and rows[0].processed == 9
    assert "secret" not in json.dumps([row.to_dict() for row in rows])


def test_pinpoint_import_jobs_follow_the_token_inside_the_response():
    pinpoint = client("pinpoint")
    job = {
        "ApplicationId": "app",
        "CreationDate": "2024-05-06T12:00:00.000Z",
        "Definition": {"S3Url": "s3://b/k", "RoleArn": "arn:aws:iam::1:role/r", "Format": "CSV", "SegmentName": "vip"},
        "JobStatus": "COMPLETED",
        "Type": "IMPORT",
        "TotalProcessed": 4,
        "TotalFailures": 1,
    }
    with Stubber(pinpoint) as stub:
        stub.add_response(
            "get_import_jobs",
            {"ImportJobsResponse": {"Item": [{"Id": "p1", **job}], "NextToken": "tok"}},
            {"ApplicationId": "app", "PageSize": "20"},
        )
        stub.add_response(
            "get_import_jobs",
            {"ImportJobsResponse": {"Item": [{"Id": "p2", **job, "JobStatus": "FAILED"}]}},
            {"ApplicationId": "app", "PageSize": "20", "Token": "tok"},
        )
        rows = list(
            job_listing.list_native(
                "pinpoint-import", pinpoint, NativeQuery(options={"application-id": "app"}, page_size=20)
            )
        )
        stub.assert_no_pending_responses()
    assert [(row.job_id, row.status) for row in rows] == [("p1", "COMPLETED"), ("p2", "FAILED")]
    assert (
        rows[0].created == at(6) and rows[0].summary == "segment vip" and (rows[0].processed, rows[0].failed) == (4, 1)
    )


@pytest.mark.parametrize(
    ("provider", "query", "message"),
    [
        ("mail-manager", NativeQuery(), "needs --address-list-id"),
        ("pinpoint-import", NativeQuery(), "needs --application-id"),
        ("ses-import", NativeQuery(options={"destination-type": "TOPIC"}), "--destination-type must be one of"),
        ("ses-export", NativeQuery(status="RUNNING"), "--status must be one of"),
        ("ses-export", NativeQuery(options={"address-list-id": "al-1"}), "takes no --address-list-id"),
        ("sqs", NativeQuery(), "unknown provider"),
    ],
)
def test_native_queries_the_api_cannot_answer_are_refused_before_any_call(provider, query, message):
    with pytest.raises(ValueError, match=message):
        list(job_listing.list_native(provider, object(), query))


class StubbedConnection:
    def __init__(self, clients):
        self.clients = clients
        self.endpoint_url = None

    def client(self, service, **_):
        return self.clients[service]


def test_the_native_listing_command_prints_newest_first_without_links(monkeypatch, capsys):
    mailmanager = client("mailmanager")
    monkeypatch.setattr(jobs_command, "connect", lambda args: StubbedConnection({"mailmanager": mailmanager}))
    job = {
        "Status": "COMPLETED",
        "ImportDataFormat": {"ImportDataType": "CSV"},
        "AddressListId": "al-1",
        "PreSignedUrl": "https://secret",
        "ImportedItemsCount": 9,
        "FailedItemsCount": 2,
    }
    with Stubber(mailmanager) as stub:
        stub.add_response(
            "list_address_list_import_jobs",
            {
                "ImportJobs": [
                    {"JobId": "old", "Name": "winter", "CreatedTimestamp": at(1), **job},
                    {"JobId": "new", "Name": ADDRESS, "CreatedTimestamp": at(9), **job},
                ]
            },
            {"AddressListId": "al-1", "PageSize": 50},
        )
        code = main(["jobs", "list", "--native", "mail-manager", "--address-list-id", "al-1"])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["PROVIDER", "JOB", "ID"]
    assert [line.split()[1] for line in lines[1:3]] == ["new", "old"]
    assert "9/2" in lines[1] and "2024-05-09 12:00:00" in lines[1]
    assert "secret" not in out and "@" not in out
    assert lines[-1].startswith("2 mail-manager jobs, as the provider lists them")


def test_the_native_listing_prints_json_lines_with_output_json(monkeypatch, capsys):
    mailmanager = client("mailmanager")
    monkeypatch.setattr(jobs_command, "connect", lambda args: StubbedConnection({"mailmanager": mailmanager}))
    job = {"Status": "COMPLETED", "ImportDataFormat": {"ImportDataType": "CSV"}, "AddressListId": "al-1"}
    with Stubber(mailmanager) as stub:
        stub.add_response(
            "list_address_list_import_jobs",
            {
                "ImportJobs": [
                    {"JobId": "m1", "Name": "spring", "CreatedTimestamp": at(1), "PreSignedUrl": "https://s", **job}
                ]
            },
            {"AddressListId": "al-1", "PageSize": 50},
        )
        code = main(["jobs", "list", "--native", "mail-manager", "--address-list-id", "al-1", "--output", "json"])
    out = capsys.readouterr().out
    assert code == 0
    [row] = [json.loads(line) for line in out.splitlines()]
    assert (row["provider"], row["jobId"], row["status"]) == ("mail-manager", "m1", "COMPLETED")
    assert "https://s" not in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--native", "mail-manager"], "needs --address-list-id"),
        (["--native", "ses-import", "--provider", "ses-import"], "--provider and --destination apply"),
        (["--native", "sqs"], "unknown provider 'sqs'"),
    ],
)
def test_native_usage_errors_exit_2(monkeypatch, capsys, arguments, message):
    monkeypatch.setattr(jobs_command, "connect", lambda args: StubbedConnection({"mailmanager": client("mailmanager")}))
    assert main(["jobs", "list", *arguments]) == 2
    assert message in capsys.readouterr().err

"""The SES v2 export-job emulator, driven through moto's HTTP server with plain boto3 clients."""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from botocore.config import Config
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.server import ThreadedMotoServer
from moto.sesv2.responses import SESV2Response

from localcloud.emulators.kit.service import service_model
from localcloud.emulators.sesv2_export_jobs import SesExportJobEmulator
from localcloud.emulators.sesv2_export_jobs import files as export_files
from localcloud.emulators.sesv2_import_jobs import SesImportJobEmulator

REGION = "us-east-1"
UTC = UTC
MAY_1 = datetime(2024, 5, 1, tzinfo=UTC)
TERMINAL = {"COMPLETED", "FAILED", "CANCELLED"}


# ------------------------------------------------------------------------------------------- helpers


def sesv2(url: str, **config: Any) -> Any:
    return boto3.client("sesv2", endpoint_url=url, region_name=REGION, config=Config(**config))


def metrics_source(**overrides: Any) -> dict[str, Any]:
    source: dict[str, Any] = {
        "Dimensions": {"EMAIL_IDENTITY": ["example.com"]},
        "Namespace": "VDM",
        "Metrics": [{"Name": "SEND", "Aggregation": "VOLUME"}],
        "StartDate": MAY_1,
        "EndDate": MAY_1 + timedelta(days=3),
    }
    source.update(overrides)
    return {"MetricsDataSource": source}


def insights_source(**overrides: Any) -> dict[str, Any]:
    source: dict[str, Any] = {"StartDate": MAY_1, "EndDate": MAY_1 + timedelta(days=1)}
    source.update(overrides)
    return {"MessageInsightsDataSource": source}


def create(client: Any, source: dict[str, Any], data_format: str = "CSV") -> str:
    response = client.create_export_job(ExportDataSource=source, ExportDestination={"DataFormat": data_format})
    return str(response["JobId"])


def finished(client: Any, job_id: str, timeout: float = 3.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = client.get_export_job(JobId=job_id)
        if job["JobStatus"] in TERMINAL or time.monotonic() > deadline:
            return job
        time.sleep(0.02)


def download(job: dict[str, Any]) -> str:
    with urllib.request.urlopen(job["ExportDestination"]["S3Url"], timeout=5) as response:
        return str(response.read().decode())


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def ndjson(text: str) -> list[dict[str, Any]]:
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def metric_row(day: int, identity: str, isp: str, config_set: str = "marketing", **counts: int) -> dict[str, Any]:
    return {
        "date": date(2024, 5, day),
        "dimensions": {"EMAIL_IDENTITY": identity, "ISP": isp, "CONFIGURATION_SET": config_set},
        "counts": counts,
    }


def message(message_id: str, minute: int, **fields: Any) -> dict[str, Any]:
    row = {
        "message_id": message_id,
        "from_email_address": "news@example.com",
        "destination": f"{message_id}@gmail.com",
        "subject": "Weekly news",
        "isp": "Gmail",
        "last_delivery_event": "DELIVERY",
        "last_engagement_event": None,
        "sent_time": MAY_1 + timedelta(hours=10, minutes=minute),
    }
    row.update(fields)
    return row


# ---------------------------------------------------------------------------------- routing, install


def test_install_is_idempotent_and_wraps_dispatcher_once(export_emulator: SesExportJobEmulator) -> None:
    dispatcher = DomainDispatcherApplication.get_application
    export_emulator.install()
    assert DomainDispatcherApplication.get_application is dispatcher
    assert not hasattr(dispatcher.__wrapped__, "_listdrop_emulator_kit")
    assert "create_export_job" not in vars(SESV2Response)  # served by the kit's route, not a patched method


def test_import_and_export_routes_share_the_sesv2_app(export_emulator: SesExportJobEmulator, moto_url: str) -> None:
    client = sesv2(moto_url)
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_import_job(JobId=str(uuid.uuid4()))
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_export_job(JobId=str(uuid.uuid4()))
    with pytest.raises(client.exceptions.NotFoundException):
        client.cancel_export_job(JobId=str(uuid.uuid4()))
    assert client.list_export_jobs()["ExportJobs"] == []


@pytest.mark.parametrize("export_first", [True, False], ids=["export-then-import", "import-then-export"])
def test_either_install_order_on_an_app_built_before_install(
    export_emulator: SesExportJobEmulator, monkeypatch: pytest.MonkeyPatch, export_first: bool
) -> None:
    """From an unpatched dispatcher: the sesv2 app is built first, then both emulators install."""
    monkeypatch.setattr(
        DomainDispatcherApplication, "get_application", DomainDispatcherApplication.get_application.__wrapped__
    )
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        client = sesv2(url)
        client.list_contact_lists()  # builds this server's sesv2 app with moto's routes only
        exports = SesExportJobEmulator(url, processing_after=0, complete_after=0.05, create_interval_seconds=0)
        imports = SesImportJobEmulator(endpoint_url=url)
        for emulator in (exports, imports) if export_first else (imports, exports):
            emulator.install()
        with pytest.raises(client.exceptions.NotFoundException, match="Import job"):
            client.get_import_job(JobId="nope")
        exports.seed_metrics([metric_row(1, "example.com", "Gmail", SEND=3)])
        job = finished(client, create(client, metrics_source()))
        assert job["JobStatus"] == "COMPLETED"
        assert job["Statistics"]["ExportedRecordsCount"] == 1
    finally:
        server.stop()
    # the session's emulators serve the session server again
    export_emulator.install()


def test_request_for_other_region_is_rejected(export_emulator: SesExportJobEmulator, moto_url: str) -> None:
    client = boto3.client("sesv2", endpoint_url=moto_url, region_name="eu-west-1")
    with pytest.raises(client.exceptions.BadRequestException, match="us-east-1"):
        client.list_export_jobs()


# ------------------------------------------------------------------------------------- job lifecycle


def test_status_goes_created_processing_completed(
    export_emulator: SesExportJobEmulator, moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Wide windows, so a loaded machine cannot skip a state between two polls."""
    monkeypatch.setattr(export_emulator, "processing_after", 0.3)
    monkeypatch.setattr(export_emulator, "complete_after", 0.8)
    client = sesv2(moto_url)
    export_emulator.seed_metrics([metric_row(1, "example.com", "Gmail", SEND=10)])
    job_id = create(client, metrics_source())

    created = client.get_export_job(JobId=job_id)
    assert created["JobStatus"] == "CREATED"
    assert created["ExportSourceType"] == "METRICS_DATA"
    assert created["ExportDestination"] == {"DataFormat": "CSV"}
    assert "CompletedTimestamp" not in created
    assert created["Statistics"] == {"ProcessedRecordsCount": 0, "ExportedRecordsCount": 0}
    source = created["ExportDataSource"]["MetricsDataSource"]
    assert source["StartDate"] == MAY_1 and source["EndDate"] == MAY_1 + timedelta(days=3)
    assert source["Dimensions"] == {"EMAIL_IDENTITY": ["example.com"]}

    seen = [created]
    while seen[-1]["JobStatus"] not in TERMINAL:
        time.sleep(0.01)
        seen.append(client.get_export_job(JobId=job_id))
    assert list(dict.fromkeys(job["JobStatus"] for job in seen)) == ["CREATED", "PROCESSING", "COMPLETED"]
    assert all("S3Url" not in job["ExportDestination"] for job in seen if job["JobStatus"] == "PROCESSING")

    done = finished(client, job_id)
    assert done["JobStatus"] == "COMPLETED"
    assert done["CompletedTimestamp"] >= done["CreatedTimestamp"]
    assert "FailureInfo" not in done
    assert done["Statistics"] == {"ProcessedRecordsCount": 1, "ExportedRecordsCount": 1}
    query = parse_qs(urlparse(done["ExportDestination"]["S3Url"]).query)
    assert query["X-Amz-Expires"] == ["300"]  # doc: the URL expires five minutes after GetExportJob
    assert download(done) == "Date,EMAIL_IDENTITY,SEND_VOLUME\n2024-05-01,example.com,10\n"
    assert export_emulator.job(job_id).status == "COMPLETED"


def test_create_is_limited_to_one_call_per_interval(
    export_emulator: SesExportJobEmulator, moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_emulator, "create_interval_seconds", 0.4)
    client = sesv2(moto_url, retries={"total_max_attempts": 1})
    create(client, metrics_source())
    with pytest.raises(client.exceptions.TooManyRequestsException) as throttled:
        create(client, metrics_source())
    assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert len(export_emulator.jobs()) == 1
    time.sleep(0.45)
    create(client, metrics_source())
    assert len(export_emulator.jobs()) == 2


def test_fail_next_fails_only_the_next_job(export_emulator: SesExportJobEmulator, moto_url: str) -> None:
    client = sesv2(moto_url)
    export_emulator.fail_next("The export failed: internal error")
    failed = finished(client, create(client, metrics_source()))
    assert failed["JobStatus"] == "FAILED"
    assert failed["FailureInfo"] == {"ErrorMessage": "The export failed: internal error"}
    assert "S3Url" not in failed["ExportDestination"]
    assert "CompletedTimestamp" in failed
    assert finished(client, create(client, metrics_source()))["JobStatus"] == "COMPLETED"


def test_hold_keeps_jobs_processing_until_released(export_emulator: SesExportJobEmulator, moto_url: str) -> None:
    client = sesv2(moto_url)
    export_emulator.hold(True)
    kept, cancelled = create(client, metrics_source()), create(client, insights_source())
    time.sleep(0.35)  # well past complete_after
    assert client.get_export_job(JobId=kept)["JobStatus"] == "PROCESSING"

    client.cancel_export_job(JobId=cancelled)
    job = client.get_export_job(JobId=cancelled)
    assert job["JobStatus"] == "CANCELLED"
    assert "CompletedTimestamp" in job and "S3Url" not in job["ExportDestination"]

    export_emulator.hold(False)
    assert finished(client, kept)["JobStatus"] == "COMPLETED"
    assert client.get_export_job(JobId=cancelled)["JobStatus"] == "CANCELLED"


def test_cancel_a_created_job(
    export_emulator: SesExportJobEmulator, moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_emulator, "processing_after", 5.0)
    monkeypatch.setattr(export_emulator, "complete_after", 5.0)
    client = sesv2(moto_url)
    job_id = create(client, metrics_source())
    assert client.get_export_job(JobId=job_id)["JobStatus"] == "CREATED"
    assert client.cancel_export_job(JobId=job_id)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert client.get_export_job(JobId=job_id)["JobStatus"] == "CANCELLED"
    assert export_emulator.job(job_id).wait(0)


@pytest.mark.parametrize("end", ["COMPLETED", "FAILED", "CANCELLED"])
def test_cancelling_a_finished_job_is_a_bad_request(
    export_emulator: SesExportJobEmulator, moto_url: str, end: str
) -> None:
    """CancelExportJob models no ConflictException, so the modelled BadRequestException is what comes back."""
    assert "ConflictException" not in [
        e.name for e in service_model("sesv2").operation_model("CancelExportJob").error_shapes
    ]
    client = sesv2(moto_url)
    if end == "FAILED":
        export_emulator.fail_next("boom")
    job_id = create(client, metrics_source())
    if end == "CANCELLED":
        client.cancel_export_job(JobId=job_id)
    assert finished(client, job_id)["JobStatus"] == end
    with pytest.raises(client.exceptions.BadRequestException, match=end) as error:
        client.cancel_export_job(JobId=job_id)
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert client.get_export_job(JobId=job_id)["JobStatus"] == end


# ------------------------------------------------------------------------------------- metrics files


def seed_vdm(emulator: SesExportJobEmulator) -> None:
    emulator.seed_metrics(
        [
            metric_row(1, "example.com", "Gmail", "marketing", SEND=100, DELIVERY=97, OPEN=40, COMPLAINT=1),
            metric_row(1, "example.com", "Gmail", "transactional", SEND=50, DELIVERY=50, OPEN=10),
            metric_row(1, "example.com", "Yahoo", SEND=20, DELIVERY=18, OPEN=2, PERMANENT_BOUNCE=2),
            metric_row(2, "example.com", "Gmail", SEND=10, DELIVERY=9, OPEN=3),
            metric_row(2, "example.com", "Outlook", SEND=30, DELIVERY=30),  # ISP not asked for
            metric_row(2, "other.org", "Gmail", SEND=500, DELIVERY=400),  # identity not asked for
            metric_row(3, "example.com", "Gmail", SEND=999),  # the EndDate day: not included
            metric_row(30, "example.com", "Gmail", SEND=999),  # out of range
        ]
    )


def test_metrics_csv_filters_groups_and_aggregates(export_emulator: SesExportJobEmulator, moto_url: str) -> None:
    seed_vdm(export_emulator)
    client = sesv2(moto_url)
    source = metrics_source(
        Dimensions={"EMAIL_IDENTITY": ["example.com"], "ISP": ["Gmail", "Yahoo"]},
        Metrics=[
            {"Name": "SEND", "Aggregation": "VOLUME"},
            {"Name": "DELIVERY", "Aggregation": "RATE"},
            {"Name": "OPEN", "Aggregation": "VOLUME"},
            {"Name": "OPEN", "Aggregation": "RATE"},
            {"Name": "PERMANENT_BOUNCE", "Aggregation": "RATE"},
        ],
        StartDate=MAY_1,
        EndDate=MAY_1 + timedelta(days=2),
    )
    job = finished(client, create(client, source))
    text = download(job)
    assert text.splitlines()[0] == (
        "Date,EMAIL_IDENTITY,ISP,SEND_VOLUME,DELIVERY_RATE,OPEN_VOLUME,OPEN_RATE,PERMANENT_BOUNCE_RATE"
    )
    rows = csv_rows(text)
    assert [(r["Date"], r["EMAIL_IDENTITY"], r["ISP"]) for r in rows] == [
        ("2024-05-01", "example.com", "Gmail"),
        ("2024-05-01", "example.com", "Yahoo"),
        ("2024-05-02", "example.com", "Gmail"),
    ]
    gmail_day1 = rows[0]  # two configuration sets summed: the dimension was not requested
    assert gmail_day1["SEND_VOLUME"] == "150"
    assert float(gmail_day1["DELIVERY_RATE"]) == pytest.approx(147 / 150)
    assert gmail_day1["OPEN_VOLUME"] == "50"
    assert float(gmail_day1["OPEN_RATE"]) == pytest.approx(50 / 150)
    assert float(gmail_day1["PERMANENT_BOUNCE_RATE"]) == 0
    assert float(rows[1]["PERMANENT_BOUNCE_RATE"]) == pytest.approx(0.1)
    assert rows[2]["SEND_VOLUME"] == "10"
    assert job["Statistics"] == {"ProcessedRecordsCount": 4, "ExportedRecordsCount": 3}


def test_metrics_json_with_wildcard_dimension(export_emulator: SesExportJobEmulator, moto_url: str) -> None:
    seed_vdm(export_emulator)
    export_emulator.seed_metrics([metric_row(2, "quiet.net", "Gmail", DELIVERY=0)])  # no SEND: no rate
    client = sesv2(moto_url)
    source = metrics_source(
        Dimensions={"EMAIL_IDENTITY": ["*"]},
        Metrics=[{"Name": "SEND", "Aggregation": "VOLUME"}, {"Name": "DELIVERY", "Aggregation": "RATE"}],
        EndDate=MAY_1 + timedelta(days=2),
    )
    job = finished(client, create(client, source, data_format="JSON"))
    assert job["ExportDestination"]["DataFormat"] == "JSON"
    records = ndjson(download(job))
    assert records == [
        {"Date": "2024-05-01", "EMAIL_IDENTITY": "example.com", "SEND_VOLUME": 170, "DELIVERY_RATE": 165 / 170},
        {"Date": "2024-05-02", "EMAIL_IDENTITY": "example.com", "SEND_VOLUME": 40, "DELIVERY_RATE": 39 / 40},
        {"Date": "2024-05-02", "EMAIL_IDENTITY": "other.org", "SEND_VOLUME": 500, "DELIVERY_RATE": 0.8},
        {"Date": "2024-05-02", "EMAIL_IDENTITY": "quiet.net", "SEND_VOLUME": 0, "DELIVERY_RATE": None},
    ]
    assert job["Statistics"]["ExportedRecordsCount"] == 4


def test_metrics_export_with_no_matching_data_is_a_header_only_file(
    export_emulator: SesExportJobEmulator, moto_url: str
) -> None:
    client = sesv2(moto_url)
    job = finished(client, create(client, metrics_source()))
    assert job["JobStatus"] == "COMPLETED"
    assert download(job) == "Date,EMAIL_IDENTITY,SEND_VOLUME\n"
    assert job["Statistics"] == {"ProcessedRecordsCount": 0, "ExportedRecordsCount": 0}


# ----------------------------------------------------------------------------- message insights files


def seed_messages(emulator: SesExportJobEmulator) -> None:
    emulator.seed_messages(
        [
            message("m1", 1, subject="Big Sale today", last_engagement_event="OPEN"),
            message("m2", 2, subject="Weekly news", last_engagement_event="CLICK"),
            message("m3", 3, isp="Yahoo", destination="m3@yahoo.com", subject="Big Sale today"),
            message("m4", 4, from_email_address="alerts@example.org", subject="Alert"),
            message("m5", 5, last_delivery_event="PERMANENT_BOUNCE", subject="Big Sale now"),
            message("m6", 6, last_delivery_event="COMPLAINT", tenant_name="tenant-a"),
            message("m7", 0, sent_time=MAY_1 - timedelta(seconds=1)),  # before StartDate
            message("start", 0, sent_time=MAY_1),  # StartDate is inclusive
            message("end", 0, sent_time=MAY_1 + timedelta(days=1)),  # EndDate is inclusive
        ]
    )


def test_message_insights_csv_columns_and_inclusive_dates(export_emulator: SesExportJobEmulator, moto_url: str) -> None:
    seed_messages(export_emulator)
    client = sesv2(moto_url)
    job = finished(client, create(client, insights_source()))
    assert job["ExportSourceType"] == "MESSAGE_INSIGHTS"
    text = download(job)
    assert text.splitlines()[0] == (
        "MessageId,FromEmailAddress,Destination,Subject,Isp,TenantName,"
        "LastDeliveryEvent,LastEngagementEvent,SentTimestamp"
    )
    rows = csv_rows(text)
    assert [r["MessageId"] for r in rows] == ["end", "m6", "m5", "m4", "m3", "m2", "m1", "start"]  # newest first
    assert rows[-2] == {
        "MessageId": "m1",
        "FromEmailAddress": "news@example.com",
        "Destination": "m1@gmail.com",
        "Subject": "Big Sale today",
        "Isp": "Gmail",
        "TenantName": "",
        "LastDeliveryEvent": "DELIVERY",
        "LastEngagementEvent": "OPEN",
        "SentTimestamp": "2024-05-01T10:01:00.000Z",
    }
    assert rows[1]["TenantName"] == "tenant-a"
    assert job["Statistics"] == {"ProcessedRecordsCount": 8, "ExportedRecordsCount": 8}


def test_message_insights_include_exclude_and_max_results(export_emulator: SesExportJobEmulator, moto_url: str) -> None:
    seed_messages(export_emulator)
    client = sesv2(moto_url)
    source = insights_source(
        Include={"FromEmailAddress": ["*@example.com"], "Subject": ["*Sale*"]},
        Exclude={"Isp": ["Yahoo"]},
    )
    job = finished(client, create(client, source, data_format="JSON"))
    assert [r["MessageId"] for r in ndjson(download(job))] == ["m5", "m1"]
    assert ndjson(download(job))[1]["LastEngagementEvent"] == "OPEN"

    # Exclude filters are ANDed: only Gmail messages whose last delivery event is DELIVERY are dropped
    source = insights_source(Exclude={"Isp": ["Gmail"], "LastDeliveryEvent": ["DELIVERY"]}, MaxResults=2)
    job = finished(client, create(client, source, data_format="JSON"))
    assert [r["MessageId"] for r in ndjson(download(job))] == ["m6", "m5"]
    assert job["Statistics"] == {"ProcessedRecordsCount": 3, "ExportedRecordsCount": 2}  # m6, m5, m3

    source = insights_source(Include={"LastEngagementEvent": ["OPEN", "CLICK"], "Destination": ["m2*"]})
    job = finished(client, create(client, source, data_format="JSON"))
    assert [r["MessageId"] for r in ndjson(download(job))] == ["m2"]


def test_message_insights_default_max_results_is_1000(export_emulator: SesExportJobEmulator, moto_url: str) -> None:
    export_emulator.seed_messages(
        message(f"id{index:04d}", 0, sent_time=MAY_1 + timedelta(seconds=index)) for index in range(1001)
    )
    client = sesv2(moto_url)
    job = finished(client, create(client, insights_source(), data_format="JSON"))
    records = ndjson(download(job))
    assert len(records) == 1000 and records[0]["MessageId"] == "id1000"
    assert job["Statistics"] == {"ProcessedRecordsCount": 1001, "ExportedRecordsCount": 1000}


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        ("news@example.com", ["news@example.com"], ["xnews@example.com", "News@example.com"]),
        ("*@example.com", ["a@example.com"], ["a@example.com.au"]),
        ("news@*", ["news@x.org"], ["snews@x.org"]),
        ("*Sale*", ["Big Sale now"], ["big sale"]),
        (r"50\*off*", ["50*off today"], ["50 off"]),
        (r"*\\", ["a\\"], ["a"]),
    ],
)
def test_partial_match_rules(pattern: str, matches: list[str], misses: list[str]) -> None:
    matcher: Callable[[str], bool] = export_files.text_matcher(pattern)
    assert all(matcher(value) for value in matches)
    assert not any(matcher(value) for value in misses)


# -------------------------------------------------------------------------------------- list, paging


def test_list_export_jobs_filters_and_pages(export_emulator: SesExportJobEmulator, moto_url: str) -> None:
    client = sesv2(moto_url)
    export_emulator.fail_next("boom")
    failed = create(client, metrics_source())
    done = [create(client, metrics_source()), create(client, insights_source())]
    for job_id in [failed, *done]:
        finished(client, job_id)
    export_emulator.hold(True)
    running = [create(client, metrics_source()), create(client, insights_source())]

    listed = client.list_export_jobs()["ExportJobs"]
    assert [j["JobId"] for j in listed] == [failed, *done, *running]
    assert set(listed[0]) == {"JobId", "ExportSourceType", "JobStatus", "CreatedTimestamp", "CompletedTimestamp"}
    assert "CompletedTimestamp" not in listed[-1]

    def ids(**filters: Any) -> list[str]:
        return [j["JobId"] for j in client.list_export_jobs(**filters)["ExportJobs"]]

    assert ids(ExportSourceType="MESSAGE_INSIGHTS") == [done[1], running[1]]
    assert ids(JobStatus="FAILED") == [failed]
    assert ids(JobStatus="COMPLETED", ExportSourceType="METRICS_DATA") == [done[0]]
    assert ids(JobStatus="CANCELLED") == []

    pages, token = [], None
    while True:
        page = client.list_export_jobs(PageSize=2, **({"NextToken": token} if token else {}))
        pages.append([j["JobId"] for j in page["ExportJobs"]])
        token = page.get("NextToken")
        if not token:
            break
    assert pages == [[failed, done[0]], [done[1], running[0]], [running[1]]]

    first = client.list_export_jobs(PageSize=1, ExportSourceType="METRICS_DATA")
    with pytest.raises(client.exceptions.BadRequestException, match="NextToken"):
        client.list_export_jobs(PageSize=1, NextToken=first["NextToken"])  # token of another query
    with pytest.raises(client.exceptions.BadRequestException, match="NextToken"):
        client.list_export_jobs(NextToken="not-a-token")
    with pytest.raises(client.exceptions.BadRequestException, match="PageSize"):
        client.list_export_jobs(PageSize=0)


# ---------------------------------------------------------------------------------------- validation


def _metrics(**changes: Any) -> dict[str, Any]:
    return {"ExportDataSource": metrics_source(**changes), "ExportDestination": {"DataFormat": "CSV"}}


def _insights(**changes: Any) -> dict[str, Any]:
    return {"ExportDataSource": insights_source(**changes), "ExportDestination": {"DataFormat": "CSV"}}


INVALID_REQUESTS: list[tuple[str, dict[str, Any], str]] = [
    (
        "four dimensions",
        _metrics(Dimensions={k: ["x"] for k in ("EMAIL_IDENTITY", "CONFIGURATION_SET", "ISP", "TENANT_NAME")}),
        "Dimensions, value: 4, valid max length: 3",
    ),
    (
        "no dimension",
        _metrics(Dimensions={}),
        "Dimensions, value: 0, valid min length: 1",
    ),
    ("unknown dimension", _metrics(Dimensions={"COUNTRY": ["NL"]}), "'COUNTRY'"),
    (
        "eleven values",
        _metrics(Dimensions={"ISP": [f"isp{i}" for i in range(11)]}),
        "Dimensions.ISP, value: 11, valid max",
    ),
    ("no value", _metrics(Dimensions={"ISP": []}), "Dimensions.ISP, value: 0, valid min length: 1"),
    ("no metric", _metrics(Metrics=[]), "Metrics, value: 0, valid min length: 1"),
    (
        "eleven metrics",
        _metrics(Metrics=[{"Name": "SEND", "Aggregation": "VOLUME"}] * 11),
        "Metrics, value: 11, valid max length: 10",
    ),
    ("unknown metric", _metrics(Metrics=[{"Name": "BOUNCE", "Aggregation": "VOLUME"}]), "Metrics[0].Name"),
    ("unknown aggregation", _metrics(Metrics=[{"Name": "SEND", "Aggregation": "SUM"}]), "Aggregation"),
    ("metric without name", _metrics(Metrics=[{"Aggregation": "RATE"}]), "Metrics[0].Name"),
    ("unknown namespace", _metrics(Namespace="CloudWatch"), "Namespace"),
    ("missing namespace", {**_metrics(), "ExportDataSource": {"MetricsDataSource": {}}}, "Namespace"),
    ("start after end", _metrics(StartDate=MAY_1 + timedelta(days=3), EndDate=MAY_1), "StartDate must be before"),
    ("partial day", _metrics(EndDate=MAY_1 + timedelta(hours=12)), "midnight to midnight UTC"),
    ("start equals end", _insights(EndDate=MAY_1), "StartDate must be before"),
    ("max results too high", _insights(MaxResults=10001), "MaxResults, value: 10001, valid max value: 10000"),
    ("max results zero", _insights(MaxResults=0), "MaxResults"),
    ("two subjects", _insights(Include={"Subject": ["a", "b"]}), "Include.Subject, value: 2, valid max length: 1"),
    (
        "six isps",
        _insights(Exclude={"Isp": [f"isp{i}" for i in range(6)]}),
        "Exclude.Isp, value: 6, valid max",
    ),
    ("unknown event", _insights(Include={"LastEngagementEvent": ["BOUNCE"]}), "LastEngagementEvent[0]"),
    ("empty address", _insights(Include={"Destination": [""]}), "Destination[0]"),
    (
        "both sources",
        {"ExportDataSource": {**metrics_source(), **insights_source()}, "ExportDestination": {"DataFormat": "CSV"}},
        "exactly one of MetricsDataSource and MessageInsightsDataSource",
    ),
    ("no source", {**_metrics(), "ExportDataSource": {}}, "exactly one of"),
    ("no data source at all", {"ExportDestination": {"DataFormat": "CSV"}}, "ExportDataSource"),
    ("unknown format", {**_metrics(), "ExportDestination": {"DataFormat": "XML"}}, "DataFormat"),
    ("no format", {**_metrics(), "ExportDestination": {}}, "DataFormat"),
    (
        "S3Url sent",
        {**_metrics(), "ExportDestination": {"DataFormat": "CSV", "S3Url": "s3://mine/export.csv"}},
        "S3Url",
    ),
]


@pytest.mark.parametrize(
    ("request_params", "expected"),
    [(params, expected) for _, params, expected in INVALID_REQUESTS],
    ids=[name for name, _, _ in INVALID_REQUESTS],
)
def test_model_invalid_requests_are_rejected(
    export_emulator: SesExportJobEmulator, moto_url: str, request_params: dict[str, Any], expected: str
) -> None:
    client = sesv2(moto_url, parameter_validation=False)
    with pytest.raises(client.exceptions.BadRequestException) as error:
        client.create_export_job(**request_params)
    assert expected in error.value.response["Error"]["Message"]
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert export_emulator.jobs() == []


def test_seeding_rejects_unknown_names(export_emulator: SesExportJobEmulator) -> None:
    with pytest.raises(ValueError, match="COUNTRY"):
        export_emulator.seed_metrics([{"date": "2024-05-01", "dimensions": {"COUNTRY": "NL"}, "counts": {}}])
    with pytest.raises(ValueError, match="non-negative"):
        export_emulator.seed_metrics([{"date": "2024-05-01", "dimensions": {}, "counts": {"SEND": -1}}])
    with pytest.raises(ValueError, match="last_delivery_event"):
        export_emulator.seed_messages([message("x", 0, last_delivery_event="BOUNCE")])


def test_reset_forgets_jobs_seeds_and_controls(export_emulator: SesExportJobEmulator, moto_url: str) -> None:
    client = sesv2(moto_url)
    seed_vdm(export_emulator)
    export_emulator.fail_next("boom")
    export_emulator.hold(True)
    job_id = create(client, metrics_source())
    export_emulator.reset()
    assert export_emulator.jobs() == []
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_export_job(JobId=job_id)
    job = finished(client, create(client, metrics_source()))
    assert job["JobStatus"] == "COMPLETED"  # neither failed nor held
    assert job["Statistics"]["ExportedRecordsCount"] == 0  # seeds are gone

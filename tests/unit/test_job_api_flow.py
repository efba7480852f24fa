"""The generic parts the job-API providers rely on: which providers run, the start-rate gate, and the poller's
deadline (cancel) and export results (copy)."""

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber

from listdrop.errors import ProviderRequestRejected, ProviderUnavailable
from listdrop.export_request import parse_export_request
from listdrop.models import JobState, JobStatus, S3Object
from listdrop.poller import Poller
from listdrop.providers.mail_manager import MailManagerProvider
from listdrop.providers.registry import PROVIDERS
from listdrop.providers.ses_export import SesExportProvider
from listdrop.routing import route
from listdrop.settings import SettingsError, StarterSettings
from listdrop.starter import START_SLOT_MAX_WAIT_SECONDS, Result, Starter
from listdrop.upload import Upload, tracking_id_for
from tests.unit.conftest import BUCKET
from tests.unit.fakes import FakeProvider, FakeReports, FakeStepFunctions, s3_event

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
REQUIRED = {"JOBS_TABLE_NAME": "jobs", "STATE_MACHINE_ARN": "arn:sm"}
APP = "0123456789abcdef0123456789abcdef"
EXPORT = json.dumps(
    {
        "ExportDataSource": {
            "MetricsDataSource": {
                "Namespace": "VDM",
                "Dimensions": {"EMAIL_IDENTITY": ["example.com"]},
                "Metrics": [{"Name": "SEND", "Aggregation": "VOLUME"}],
                "StartDate": "2026-11-01",
                "EndDate": "2026-11-08",
            }
        },
        "ExportDestination": {"DataFormat": "CSV"},
    }
).encode()


class Clock:
    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now


class Sleep:
    """Records each sleep; with `advance`, time passes while it sleeps (the injected clock moves on)."""

    def __init__(self, clock, advance=True):
        self.clock = clock
        self.advance = advance
        self.slept = []

    def __call__(self, seconds):
        self.slept.append(seconds)
        if self.advance:
            self.clock.now += timedelta(seconds=seconds)


def put(s3, key, body):
    version = s3.put_object(Bucket=BUCKET, Key=key, Body=body)["VersionId"]
    return s3_event(BUCKET, key, version, len(body)), tracking_id_for(BUCKET, key, version)


def outcome_detail(sfn, tracking_id):
    return json.loads(sfn.executions[tracking_id])["outcome"]["detail"]


# == which providers run ===================================================================================


def test_by_default_every_provider_but_pinpoint_runs():
    settings = StarterSettings.from_env(REQUIRED)
    assert settings.enabled_providers == {"ses-import", "ses-export", "mail-manager"}
    assert "pinpoint-import" in PROVIDERS, "it exists, it is only off"


def test_enabled_providers_are_exactly_the_ones_named():
    settings = StarterSettings.from_env({**REQUIRED, "ENABLED_PROVIDERS": " pinpoint-import, ses-import ,"})
    assert settings.enabled_providers == {"pinpoint-import", "ses-import"}


@pytest.mark.parametrize("names", ["ses-import,pinpoint", "SES-IMPORT", "mailmanager"])
def test_an_unknown_provider_name_is_a_settings_error(names):
    with pytest.raises(SettingsError, match="unknown providers"):
        StarterSettings.from_env({**REQUIRED, "ENABLED_PROVIDERS": names})


class Providers:
    """The starter's provider lookup, recording which names it was asked for."""

    def __init__(self, provider):
        self.provider = provider
        self.asked = []

    def __call__(self, name):
        self.asked.append(name)
        return self.provider


@pytest.mark.parametrize(
    ("key", "enabled", "why"),
    [
        (f"imports/pinpoint/{APP}/endpoints/a.csv", None, "end of support on 30 October 2026"),
        ("imports/mail-manager/address-lists/team-1/a.csv", "ses-import", "does not enable it"),
        ("exports/ses/weekly.json", "ses-import,mail-manager", "does not enable it"),
    ],
    ids=["pinpoint-by-default", "mail-manager-switched-off", "ses-export-switched-off"],
)
def test_a_file_for_a_provider_that_is_off_is_rejected_unread(aws, key, enabled, why):
    env = dict(REQUIRED) if enabled is None else {**REQUIRED, "ENABLED_PROVIDERS": enabled}
    sfn, providers = FakeStepFunctions(), Providers(FakeProvider())
    starter = Starter(StarterSettings.from_env(env), aws["store"], aws["s3"], sfn, providers, clock=Clock())
    event, tracking_id = put(aws["s3"], key, EXPORT if key.endswith(".json") else b"address\na@example.com\n")

    [result] = starter.handle_notification(event)

    assert result.result == Result.REJECTED
    detail = outcome_detail(sfn, tracking_id)
    assert detail["outcome"] == "REJECTED"
    assert detail["reasonCode"] == "PROVIDER_DISABLED"
    assert why in detail["reason"]
    assert route(key).provider in detail["reason"]
    assert providers.asked == [], "a provider that is off is not even built"
    assert providers.provider.started == []
    assert aws["s3"].list_objects_v2(Bucket=BUCKET, Prefix="staging/").get("KeyCount", 0) == 0
    item = aws["table"].get_item(Key={"trackingId": tracking_id})["Item"]
    assert (item["status"], item["reasonCode"]) == ("REJECTED", "PROVIDER_DISABLED")


# == the start-rate gate ===================================================================================


class FakeExportProvider(FakeProvider):
    """SES export's shape: reads a request file, one start per 1.25 s; remembers when each start happened."""

    def __init__(self, clock):
        super().__init__(name="ses-export", min_start_interval_seconds=SesExportProvider.min_start_interval_seconds)
        self.clock = clock
        self.started_at = []

    def read_request(self, body):
        request = parse_export_request(body)
        return request.parameters, request.summary

    def start(self, request):
        self.started_at.append(self.clock())
        return super().start(request)


@pytest.fixture
def gated(aws):
    clock = Clock()
    sleep = Sleep(clock)
    provider = FakeExportProvider(clock)
    sfn = FakeStepFunctions()
    settings = StarterSettings.from_env({**REQUIRED, "CLAIM_LEASE_SECONDS": "120"})
    starter = Starter(settings, aws["store"], aws["s3"], sfn, lambda name: provider, clock=clock, sleep=sleep)
    return {**aws, "clock": clock, "sleep": sleep, "provider": provider, "sfn": sfn, "starter": starter}


def gate_item(table, name):
    return table.get_item(Key={"trackingId": f"gate#{name}"}).get("Item")


def test_the_export_provider_asks_for_a_gap_between_starts():
    assert SesExportProvider.min_start_interval_seconds == 1.25


def test_the_first_start_takes_the_slot_without_waiting(gated):
    event, tracking_id = put(gated["s3"], "exports/ses/a.json", EXPORT)
    assert gated["starter"].handle_notification(event)[0].result == Result.STARTED
    assert gated["sleep"].slept == []
    assert int(gate_item(gated["table"], "ses-export")["lastStartMs"]) == int(NOW.timestamp() * 1000)
    [request] = gated["provider"].started
    assert request.parameters == parse_export_request(EXPORT).parameters
    assert json.loads(gated["sfn"].executions[tracking_id])["upload"]["validation"]["request"].startswith(
        "METRICS_DATA"
    )


def test_a_second_start_within_the_interval_waits_until_the_slot_frees(gated):
    first, _ = put(gated["s3"], "exports/ses/a.json", EXPORT)
    second, _ = put(gated["s3"], "exports/ses/b.json", EXPORT)
    gated["starter"].handle_notification(first)
    gated["clock"].now = NOW + timedelta(seconds=0.5)

    assert gated["starter"].handle_notification(second)[0].result == Result.STARTED

    slept = gated["sleep"].slept
    assert slept, "it waited"
    assert all(step == pytest.approx(1.25 / 4) for step in slept)
    first_at, second_at = gated["provider"].started_at
    assert second_at - first_at >= timedelta(seconds=1.25), "never two starts within the interval"
    assert second_at - first_at < timedelta(seconds=1.25 + 1.25 / 4), "and no longer than one step more"
    assert int(gate_item(gated["table"], "ses-export")["lastStartMs"]) == int(second_at.timestamp() * 1000)


def test_a_slot_that_never_frees_hands_the_message_back_and_releases_the_claim(gated):
    first, _ = put(gated["s3"], "exports/ses/a.json", EXPORT)
    second, tracking_id = put(gated["s3"], "exports/ses/b.json", EXPORT)
    gated["starter"].handle_notification(first)
    gated["clock"].now = NOW + timedelta(seconds=0.5)
    gated["sleep"].advance = False  # other starters keep taking the slot: it never frees for this one

    with pytest.raises(ProviderUnavailable) as raised:
        gated["starter"].handle_notification(second)

    assert raised.value.may_have_run is False
    assert "ses-export" in str(raised.value)
    assert sum(gated["sleep"].slept) == pytest.approx(START_SLOT_MAX_WAIT_SECONDS)
    assert len(gated["provider"].started) == 1, "the second start never happened"
    item = gated["table"].get_item(Key={"trackingId": tracking_id})["Item"]
    assert item["status"] == "CLAIMED"
    assert int(item["claimExpiresAt"]) == int(gated["clock"].now.timestamp()), "released: a retry may take over"
    assert item["mayHaveJob"] is False, "no job was started, so the retry need not look for one"
    assert tracking_id not in gated["sfn"].executions

    # the delayed copy of the message, once the slot is free: starts at once, without searching
    gated["clock"].now = NOW + timedelta(seconds=3)
    gated["sleep"].advance = True
    assert gated["starter"].handle_notification(second)[0].result == Result.STARTED
    assert gated["provider"].lookups == []
    assert len(gated["provider"].started) == 2


def test_a_provider_without_a_rate_never_touches_the_gate(aws):
    clock, provider = Clock(), FakeProvider()
    sleep = Sleep(clock)
    settings = StarterSettings.from_env(REQUIRED)
    sfn = FakeStepFunctions()
    starter = Starter(settings, aws["store"], aws["s3"], sfn, lambda name: provider, clock=clock, sleep=sleep)
    for name in ("a", "b"):
        event, _ = put(aws["s3"], f"imports/ses/contact-lists/News/put/{name}.csv", b"emailAddress\na@example.com\n")
        assert starter.handle_notification(event)[0].result == Result.STARTED
    assert sleep.slept == []
    assert gate_item(aws["table"], "ses-import") is None


def test_the_gate_allows_one_start_per_interval_per_provider(aws):
    store = aws["store"]
    assert store.take_start_slot("ses-export", now_ms=10_000, interval_ms=1250)
    assert not store.take_start_slot("ses-export", now_ms=10_000, interval_ms=1250)
    assert not store.take_start_slot("ses-export", now_ms=11_249, interval_ms=1250)
    assert store.take_start_slot("other", now_ms=11_249, interval_ms=1250), "each provider has its own gate"
    assert store.take_start_slot("ses-export", now_ms=11_250, interval_ms=1250), "free once the interval has passed"
    assert not store.take_start_slot("ses-export", now_ms=12_000, interval_ms=1250), "counted from the last start"


# == the poller: deadline and export results ===============================================================

STARTED = NOW
EXPORT_KEY = "exports/ses/weekly.json"


class RecordingCopier:
    """The results copier: records what it was asked to copy where; `error` makes it fail."""

    def __init__(self, error=None):
        self.copied = []
        self.error = error

    def copy(self, url, folder, file_name="failed-records.csv"):
        if self.error is not None:
            raise self.error
        self.copied.append((url, folder, file_name))
        return f"s3://{BUCKET}/exports/results/{folder}/{file_name}"


def poll_state(aws, key, job_id):
    upload = Upload.accepted("t1", route(key), S3Object(BUCKET, key, "v1", 10), STARTED.isoformat()).with_job(job_id)
    aws["store"].claim(upload, now=int(STARTED.timestamp()), lease_seconds=60)
    return {
        "upload": upload.to_state(),
        "poll": {
            "state": "RUNNING",
            "attempt": 0,
            "waitSeconds": 5,
            "maxWaitSeconds": 60,
            "deadline": int(STARTED.timestamp()) + 600,
        },
    }


@pytest.fixture
def polling(aws):
    provider, reports, results = FakeProvider(name="ses-export"), FakeReports(), RecordingCopier()
    clock = Clock(STARTED + timedelta(seconds=601))
    poller = Poller(aws["store"], reports, lambda name: provider, clock=clock, results=results)
    state = poll_state(aws, EXPORT_KEY, "export-1")
    fakes = {"provider": provider, "reports": reports, "results": results, "clock": clock, "poller": poller}
    return {**aws, **fakes, "state": state}


def test_a_running_job_before_its_deadline_is_not_cancelled(polling):
    polling["clock"].now = STARTED + timedelta(seconds=599)
    state = polling["poller"].poll(polling["state"])
    assert state["poll"]["state"] == "RUNNING"
    assert polling["provider"].cancelled == []


def test_at_the_deadline_the_job_is_stopped_and_the_reason_says_so(polling):
    state = polling["poller"].poll(polling["state"])
    assert polling["provider"].cancelled == ["export-1"]
    assert state["poll"]["state"] == "TIMED_OUT"
    detail = state["outcome"]["detail"]
    assert (detail["outcome"], detail["reasonCode"]) == ("TIMED_OUT", "TIMED_OUT")
    assert detail["reason"] == (
        "The job was still PROCESSING after 10 minutes, the configured maximum; "
        "listdrop stopped it and stopped watching it."
    )
    assert polling["table"].get_item(Key={"trackingId": "t1"})["Item"]["status"] == "TIMED_OUT"


def test_at_the_deadline_a_job_the_api_cannot_stop_is_only_no_longer_watched(polling):
    polling["provider"].cancel_error = ProviderRequestRejected("Pinpoint import jobs cannot be cancelled")
    detail = polling["poller"].poll(polling["state"])["outcome"]["detail"]
    assert polling["provider"].cancelled == ["export-1"], "it asked"
    assert detail["outcome"] == "TIMED_OUT"
    assert detail["reason"].endswith("maximum; listdrop stopped watching it.")
    assert "stopped it" not in detail["reason"]


def test_at_the_deadline_a_failed_stop_request_is_reported_and_still_times_out(polling):
    polling["provider"].cancel_error = ProviderUnavailable("StopAddressListImportJob was throttled", may_have_run=False)
    state = polling["poller"].poll(polling["state"])
    detail = state["outcome"]["detail"]
    assert state["poll"]["state"] == "TIMED_OUT"
    assert detail["outcome"] == "TIMED_OUT"
    assert "asking the service to stop it failed" in detail["reason"]
    assert "may still finish" in detail["reason"]
    assert polling["table"].get_item(Key={"trackingId": "t1"})["Item"]["status"] == "TIMED_OUT"


def test_a_completed_export_is_copied_to_its_job_folder_and_named_in_the_event(polling):
    polling["clock"].now = STARTED + timedelta(seconds=30)
    polling["provider"].statuses.append(
        JobStatus(
            JobState.SUCCEEDED,
            "COMPLETED",
            processed=100,
            result_url="https://ses-exports.example.invalid/export-1?sig=1",
            result_name="metrics-data.csv",
        )
    )
    state = polling["poller"].poll(polling["state"])
    assert polling["results"].copied == [
        ("https://ses-exports.example.invalid/export-1?sig=1", "export-1", "metrics-data.csv")
    ]
    assert polling["reports"].copied == [], "the failed-records copier is not the results copier"
    detail = state["outcome"]["detail"]
    result = f"s3://{BUCKET}/exports/results/export-1/metrics-data.csv"
    assert (detail["outcome"], detail["result"], detail["reason"]) == ("SUCCEEDED", result, None)
    assert detail["notice"]["result"] == result
    assert detail["summary"].endswith(f"100 records exported to {result}")
    stored = json.loads(polling["table"].get_item(Key={"trackingId": "t1"})["Item"]["outcomeDetail"])
    assert stored["result"] == result


@pytest.mark.parametrize(
    "error", [ProviderUnavailable("connection reset"), ValueError("refusing to fetch a report URL that is not HTTPS")]
)
def test_an_export_that_cannot_be_copied_still_succeeds_with_a_note(polling, error):
    polling["clock"].now = STARTED + timedelta(seconds=30)
    polling["results"].error = error
    polling["provider"].statuses.append(
        JobStatus(JobState.SUCCEEDED, "COMPLETED", processed=5, result_url="https://x.invalid/e", result_name="r.csv")
    )
    state = polling["poller"].poll(polling["state"])
    detail = state["outcome"]["detail"]
    assert state["poll"]["state"] == "SUCCEEDED"
    assert (detail["outcome"], detail["reasonCode"], detail["result"]) == ("SUCCEEDED", None, None)
    assert "exported file could not be copied" in detail["reason"]
    assert "SES (not copied)" in detail["summary"]


def test_a_result_without_a_name_is_called_result(polling):
    polling["clock"].now = STARTED + timedelta(seconds=30)
    polling["provider"].statuses.append(JobStatus(JobState.SUCCEEDED, "COMPLETED", result_url="https://x.invalid/e"))
    polling["poller"].poll(polling["state"])
    assert polling["results"].copied == [("https://x.invalid/e", "export-1", "result")]


def test_a_failed_status_copies_no_result(polling):
    polling["clock"].now = STARTED + timedelta(seconds=30)
    polling["provider"].statuses.append(JobStatus(JobState.FAILED, "FAILED", error_message="quota"))
    detail = polling["poller"].poll(polling["state"])["outcome"]["detail"]
    assert polling["results"].copied == []
    assert (detail["outcome"], detail["reasonCode"], detail["result"]) == ("FAILED", "JOB_FAILED", None)


# -- the same, with the real providers behind Stubber ---------------------------------------------------------


def stubbed(service):
    client = boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


def test_the_real_export_provider_hands_its_result_link_to_the_copier(aws):
    client, stubber = stubbed("sesv2")
    parameters = parse_export_request(EXPORT).parameters
    stubber.add_response(
        "get_export_job",
        {
            "JobId": "export-1",
            "ExportSourceType": "METRICS_DATA",
            "JobStatus": "COMPLETED",
            "ExportDestination": {"DataFormat": "CSV", "S3Url": "https://ses-exports.example.invalid/1"},
            "ExportDataSource": parameters["ExportDataSource"],
            "Statistics": {"ExportedRecordsCount": 7},
        },
        {"JobId": "export-1"},
    )
    results = RecordingCopier()
    poller = Poller(
        aws["store"], FakeReports(), lambda name: SesExportProvider(client), clock=Clock(STARTED), results=results
    )
    with stubber:
        detail = poller.poll(poll_state(aws, EXPORT_KEY, "export-1"))["outcome"]["detail"]
        stubber.assert_no_pending_responses()
    assert results.copied == [("https://ses-exports.example.invalid/1", "export-1", "metrics-data.csv")]
    assert detail["records"] == {"processed": 7, "failed": 0}


def test_the_real_mail_manager_provider_is_stopped_at_the_deadline(aws):
    client, stubber = stubbed("mailmanager")
    stubber.add_response(
        "get_address_list_import_job",
        {
            "JobId": "job-1",
            "Name": "listdrop-t1",
            "Status": "PROCESSING",
            "PreSignedUrl": "https://x.invalid/u",
            "ImportDataFormat": {"ImportDataType": "CSV"},
            "AddressListId": "team-1",
            "CreatedTimestamp": STARTED,
        },
        {"JobId": "job-1"},
    )
    stubber.add_response("stop_address_list_import_job", {}, {"JobId": "job-1"})
    provider = MailManagerProvider(client, s3=None, http=object())
    poller = Poller(aws["store"], FakeReports(), lambda name: provider, clock=Clock(STARTED + timedelta(hours=1)))
    with stubber:
        detail = poller.poll(poll_state(aws, "imports/mail-manager/address-lists/team-1/a.csv", "job-1"))["outcome"][
            "detail"
        ]
        stubber.assert_no_pending_responses()
    assert detail["outcome"] == "TIMED_OUT"
    assert detail["reason"].endswith("listdrop stopped it and stopped watching it.")

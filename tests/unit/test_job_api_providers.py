"""SES export, Mail Manager and Pinpoint providers against botocore's real service models.

Every AWS call goes through a real client held by botocore's Stubber, so each request (and each canned
response) is checked against the service model; an unexpected or missing call fails the test. The one call
that is not an AWS API call (Mail Manager's upload to a pre-signed URL) goes to a recording fake.
"""

import json
from datetime import UTC, datetime, timedelta, timezone

import boto3
import pytest
import urllib3
from botocore.stub import Stubber

from listdrop.errors import ProviderRequestRejected, ProviderUnavailable, RejectedFile
from listdrop.export_request import parse_export_request
from listdrop.models import (
    Action,
    DataFormat,
    Destination,
    DestinationType,
    FileShape,
    JobState,
    PinpointSegment,
    Route,
    S3Object,
)
from listdrop.privacy import contains_email
from listdrop.providers.base import ImportRequest
from listdrop.providers.mail_manager import MailManagerProvider
from listdrop.providers.pinpoint_import import PinpointImportProvider
from listdrop.providers.presigned_upload import UPLOAD_CHUNK_BYTES
from listdrop.providers.ses_export import SesExportProvider
from listdrop.providers.ses_import import SesImportProvider
from listdrop.routing import route

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
TRACKING_ID = "0123456789abcdef0123456789abcdef01234567"


def stubbed_client(service):
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


@pytest.fixture
def calls():
    """The order of every call, AWS or not: AWS operation names, and 'PUT <url>' for the upload."""
    return []


def stub(service, calls):
    client = stubbed_client(service)
    client.meta.events.register("before-parameter-build", lambda model, **_: calls.append(model.name))
    return client


@pytest.fixture
def sesv2(calls):
    client = stub("sesv2", calls)
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def mailmanager(calls):
    client = stub("mailmanager", calls)
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def pinpoint(calls):
    client = stub("pinpoint", calls)
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def throttled(stubber, operation):
    stubber.add_client_error(operation, "TooManyRequestsException", "Rate exceeded", http_status_code=429)


# == SES export ============================================================================================

METRICS_REQUEST = {
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
INSIGHTS_REQUEST = {
    "ExportDataSource": {
        "MessageInsightsDataSource": {
            "StartDate": "2026-11-01T00:00:00Z",
            "EndDate": "2026-11-02T00:00:00Z",
            "Include": {"Subject": ["Weekly"]},
        }
    },
    "ExportDestination": {"DataFormat": "JSON"},
}
EXPORT_KEY = "exports/ses/weekly.json"


def export_request(document=METRICS_REQUEST):
    parameters, _ = SesExportProvider(None).read_request(json.dumps(document).encode())
    return ImportRequest(TRACKING_ID, route(EXPORT_KEY), S3Object("uploads", EXPORT_KEY, "v1", 300), parameters)


def export_job(job_id, document=METRICS_REQUEST, **changes):
    """GetExportJob's answer for a job created from `document` (as SES echoes it back), with `changes`."""
    parameters = parse_export_request(json.dumps(document).encode()).parameters
    job = {
        "JobId": job_id,
        "ExportSourceType": "METRICS_DATA",
        "JobStatus": "PROCESSING",
        "ExportDestination": dict(parameters["ExportDestination"]),
        "ExportDataSource": parameters["ExportDataSource"],
        "CreatedTimestamp": NOW,
    }
    job.update(changes)
    return job


def test_export_read_request_gives_the_parameters_and_a_summary():
    parameters, summary = SesExportProvider(None).read_request(json.dumps(METRICS_REQUEST).encode())
    assert parameters["ExportDataSource"]["MetricsDataSource"]["StartDate"] == datetime(2026, 11, 1, tzinfo=UTC)
    assert summary.startswith("METRICS_DATA by EMAIL_IDENTITY: SEND (VOLUME)")


def test_export_read_request_rejects_an_invalid_request():
    with pytest.raises(RejectedFile) as caught:
        SesExportProvider(None).read_request(b"[]")
    assert caught.value.code == "INVALID_REQUEST"


@pytest.mark.parametrize("document", [METRICS_REQUEST, INSIGHTS_REQUEST], ids=["metrics", "insights"])
def test_export_start_passes_the_request_parameters_through(sesv2, document):
    client, stubber = sesv2
    request = export_request(document)
    stubber.add_response("create_export_job", {"JobId": "export-1"}, request.parameters)
    assert SesExportProvider(client).start(request) == "export-1"


def test_export_start_needs_parameters(sesv2):
    client, _ = sesv2
    request = ImportRequest(TRACKING_ID, route(EXPORT_KEY), S3Object("uploads", EXPORT_KEY, "v1", 1))
    with pytest.raises(ValueError, match="CreateExportJob parameters"):
        SesExportProvider(client).start(request)


def test_export_keeps_to_once_per_second_and_has_nothing_to_verify(sesv2, calls):
    client, _ = sesv2
    provider = SesExportProvider(client)
    assert provider.min_start_interval_seconds >= 1.0
    provider.verify_destination(route(EXPORT_KEY), FileShape())
    assert calls == []


@pytest.mark.parametrize(
    ("code", "status", "may_have_run"),
    [("TooManyRequestsException", 429, False), ("LimitExceededException", 400, False), ("InternalFailure", 500, True)],
)
def test_export_start_throttled_created_nothing_a_server_error_may_have(sesv2, code, status, may_have_run):
    client, stubber = sesv2
    stubber.add_client_error("create_export_job", code, http_status_code=status)
    with pytest.raises(ProviderUnavailable) as raised:
        SesExportProvider(client).start(export_request())
    assert raised.value.may_have_run is may_have_run


def test_export_start_bad_request_is_final(sesv2):
    client, stubber = sesv2
    stubber.add_client_error("create_export_job", "BadRequestException", "Dates out of range", http_status_code=400)
    with pytest.raises(ProviderRequestRejected, match="BadRequestException: Dates out of range"):
        SesExportProvider(client).start(export_request())


def test_export_find_started_follows_pages_skips_old_jobs_and_adopts_only_the_identical_request(sesv2, calls):
    client, stubber = sesv2
    request = export_request()
    since = NOW - timedelta(minutes=5)
    listed = {"ExportSourceType": "METRICS_DATA"}
    other_format = {**METRICS_REQUEST, "ExportDestination": {"DataFormat": "JSON"}}
    source = METRICS_REQUEST["ExportDataSource"]["MetricsDataSource"]
    other_identity = {
        **METRICS_REQUEST,
        "ExportDataSource": {"MetricsDataSource": {**source, "Dimensions": {"EMAIL_IDENTITY": ["example.org"]}}},
    }
    other_window = {
        **METRICS_REQUEST,
        "ExportDataSource": {"MetricsDataSource": {**source, "EndDate": "2026-11-09"}},
    }
    stubber.add_response(
        "list_export_jobs",
        {
            "ExportJobs": [
                {"JobId": "old", "ExportSourceType": "METRICS_DATA", "CreatedTimestamp": since - timedelta(seconds=1)},
                {"JobId": "json", "ExportSourceType": "METRICS_DATA", "CreatedTimestamp": since},
                {"JobId": "org", "ExportSourceType": "METRICS_DATA", "CreatedTimestamp": NOW},
            ],
            "NextToken": "page-2",
        },
        listed,
    )
    stubber.add_response("get_export_job", export_job("json", other_format), {"JobId": "json"})
    stubber.add_response("get_export_job", export_job("org", other_identity), {"JobId": "org"})
    stubber.add_response(
        "list_export_jobs",
        {
            "ExportJobs": [
                {"JobId": "window", "ExportSourceType": "METRICS_DATA", "CreatedTimestamp": NOW},
                {"JobId": "mine", "ExportSourceType": "METRICS_DATA", "CreatedTimestamp": NOW},
                {"JobId": "later", "ExportSourceType": "METRICS_DATA", "CreatedTimestamp": NOW},
            ],
            "NextToken": "page-3",
        },
        {**listed, "NextToken": "page-2"},
    )
    stubber.add_response("get_export_job", export_job("window", other_window), {"JobId": "window"})
    stubber.add_response("get_export_job", export_job("mine"), {"JobId": "mine"})
    assert SesExportProvider(client).find_started(request, since=since) == "mine"
    assert "old" not in json.dumps(calls), "an old job is not even read"
    assert calls.count("ListExportJobs") == 2, "it stops at the match: no third page"


def test_export_find_started_lists_by_the_requests_source_type_and_finds_nothing(sesv2):
    client, stubber = sesv2
    request = export_request(INSIGHTS_REQUEST)
    stubber.add_response(
        "list_export_jobs", {"ExportJobs": [], "NextToken": "n"}, {"ExportSourceType": "MESSAGE_INSIGHTS"}
    )
    stubber.add_response("list_export_jobs", {}, {"ExportSourceType": "MESSAGE_INSIGHTS", "NextToken": "n"})
    assert SesExportProvider(client).find_started(request, since=NOW) is None


def test_export_find_started_adopts_a_job_whose_dates_come_back_in_another_zone(sesv2):
    """SES answers with datetimes; the same moment written in another zone is the same request."""
    client, stubber = sesv2
    request = export_request()
    job = export_job("mine")
    source = job["ExportDataSource"]["MetricsDataSource"]
    source["StartDate"] = source["StartDate"].astimezone(timezone(timedelta(hours=2)))
    assert source["StartDate"].hour == 2
    stubber.add_response(
        "list_export_jobs",
        {"ExportJobs": [{"JobId": "mine", "CreatedTimestamp": NOW}]},
        {"ExportSourceType": "METRICS_DATA"},
    )
    stubber.add_response("get_export_job", job, {"JobId": "mine"})
    assert SesExportProvider(client).find_started(request, since=NOW) == "mine"


def test_export_find_started_without_parameters_looks_for_nothing(sesv2, calls):
    client, _ = sesv2
    request = ImportRequest(TRACKING_ID, route(EXPORT_KEY), S3Object("uploads", EXPORT_KEY, "v1", 1))
    assert SesExportProvider(client).find_started(request, since=NOW) is None
    assert calls == []


def test_export_find_started_throttled_is_retry_later(sesv2):
    client, stubber = sesv2
    throttled(stubber, "list_export_jobs")
    with pytest.raises(ProviderUnavailable) as raised:
        SesExportProvider(client).find_started(export_request(), since=NOW)
    assert raised.value.may_have_run is False


@pytest.mark.parametrize(
    ("provider_status", "state"),
    [
        ("CREATED", JobState.RUNNING),
        ("PROCESSING", JobState.RUNNING),
        ("COMPLETED", JobState.SUCCEEDED),
        ("FAILED", JobState.FAILED),
        ("CANCELLED", JobState.CANCELLED),
    ],
)
def test_export_status_of_every_provider_status(sesv2, provider_status, state):
    client, stubber = sesv2
    job = export_job(
        "export-1",
        JobStatus=provider_status,
        ExportDestination={"DataFormat": "CSV", "S3Url": "https://ses-exports.example.invalid/export-1?sig=1"},
        Statistics={"ProcessedRecordsCount": 120, "ExportedRecordsCount": 100},
        CompletedTimestamp=datetime(2026, 11, 22, 9, 30, tzinfo=UTC),
        FailureInfo={"ErrorMessage": "Export limit reached"},
    )
    stubber.add_response("get_export_job", job, {"JobId": "export-1"})
    status = SesExportProvider(client).status("export-1")
    assert status.state is state
    assert status.provider_status == provider_status
    assert status.processed == 100
    assert status.progress == {"processedRecords": 120}
    assert status.error_message == "Export limit reached"
    assert status.completed_at == "2026-11-22T09:30:00+00:00"
    assert status.result_name == "metrics-data.csv"
    if provider_status == "COMPLETED":
        assert status.result_url == "https://ses-exports.example.invalid/export-1?sig=1"
    else:
        assert status.result_url is None, "only a finished export has a result to copy"


def test_export_status_of_a_message_insights_job_names_its_json_result(sesv2):
    client, stubber = sesv2
    job = {
        "JobId": "export-2",
        "ExportSourceType": "MESSAGE_INSIGHTS",
        "JobStatus": "COMPLETED",
        "ExportDestination": {"DataFormat": "JSON", "S3Url": "https://ses-exports.example.invalid/2"},
    }
    stubber.add_response("get_export_job", job, {"JobId": "export-2"})
    status = SesExportProvider(client).status("export-2")
    assert (status.result_name, status.result_url) == ("message-insights.json", "https://ses-exports.example.invalid/2")
    assert (status.processed, status.error_message, status.completed_at) == (0, None, None)


def test_export_status_of_a_vanished_job_is_a_failure(sesv2):
    client, stubber = sesv2
    stubber.add_client_error("get_export_job", "NotFoundException", http_status_code=404)
    status = SesExportProvider(client).status("export-9")
    assert (status.state, status.provider_status) == (JobState.FAILED, "NOT_FOUND")
    assert status.error_message


def test_export_status_throttled_is_retry_later(sesv2):
    client, stubber = sesv2
    throttled(stubber, "get_export_job")
    with pytest.raises(ProviderUnavailable) as raised:
        SesExportProvider(client).status("export-1")
    assert raised.value.may_have_run is False


def test_export_cancel_cancels_the_job(sesv2):
    client, stubber = sesv2
    stubber.add_response("cancel_export_job", {}, {"JobId": "export-1"})
    SesExportProvider(client).cancel("export-1")


@pytest.mark.parametrize(
    ("code", "status"), [("BadRequestException", 400), ("NotFoundException", 404)], ids=["finished", "gone"]
)
def test_export_cancel_refused_is_a_rejection(sesv2, code, status):
    client, stubber = sesv2
    stubber.add_client_error("cancel_export_job", code, "The job has already completed", http_status_code=status)
    with pytest.raises(ProviderRequestRejected):
        SesExportProvider(client).cancel("export-1")


def test_export_cancel_throttled_is_retry_later(sesv2):
    client, stubber = sesv2
    throttled(stubber, "cancel_export_job")
    with pytest.raises(ProviderUnavailable) as raised:
        SesExportProvider(client).cancel("export-1")
    assert raised.value.may_have_run is False


def test_ses_import_cannot_cancel(sesv2, calls):
    client, _ = sesv2
    with pytest.raises(ProviderRequestRejected, match="cannot be cancelled"):
        SesImportProvider(client).cancel("job-1")
    assert calls == []


# == Mail Manager ==========================================================================================

LIST_ID = "a-7f3c0d9e12"
MM_KEY = f"imports/mail-manager/address-lists/{LIST_ID}/team.csv"
PRESIGNED = "https://mail-manager-import.s3.amazonaws.com/job-1?X-Amz-Signature=abc"
MIB = 1024 * 1024


class FakeBody:
    """An S3 streaming body: hands out what is asked for, remembers how far it has been read and if closed."""

    def __init__(self, data):
        self._data = data
        self.position = 0
        self.reads = []
        self.closed = False

    def read(self, amount=None):
        assert not self.closed, "read after close"
        if amount is None:
            raise AssertionError("the whole body was read at once")
        self.reads.append(amount)
        chunk = self._data[self.position : self.position + amount]
        self.position += len(chunk)
        return chunk

    def close(self):
        self.closed = True


class FakeS3:
    def __init__(self, data):
        self.body = FakeBody(data)
        self.gets = []

    def get_object(self, **params):
        self.gets.append(params)
        return {"Body": self.body}


class FakeResponse:
    def __init__(self, status):
        self.status = status


class FakeHttp:
    """Records one request as urllib3 would send it: the body is consumed chunk by chunk, as it streams."""

    def __init__(self, calls, body, status=200, error=None):
        self._calls = calls
        self._body = body
        self.status = status
        self.error = error
        self.requests = []
        self.chunks = []
        self.read_ahead = []  # for each chunk sent: bytes read from S3 beyond what was sent so far

    def request(self, method, url, *, body=None, headers=None, preload_content=True):
        self._calls.append(f"{method} {url}")
        self.requests.append({"method": method, "url": url, "headers": dict(headers or {}), "body": body})
        assert not isinstance(body, bytes | bytearray | str), "the body streams; it is never one bytes object"
        sent = 0
        for chunk in body:
            sent += len(chunk)
            self.chunks.append(chunk)
            self.read_ahead.append(self._body.position - sent)
            if self.error is not None:
                raise self.error
        return FakeResponse(self.status)


def mm_request(key=MM_KEY, size=MIB, version="v-staged"):
    return ImportRequest(
        TRACKING_ID, route(key), S3Object("uploads", f"staging/mail-manager/{TRACKING_ID}.csv", version, size)
    )


def import_job(status, **extra):
    return {
        "JobId": "job-1",
        "Name": f"listdrop-{TRACKING_ID}",
        "Status": status,
        "PreSignedUrl": PRESIGNED,
        "ImportDataFormat": {"ImportDataType": "CSV"},
        "AddressListId": LIST_ID,
        "CreatedTimestamp": NOW,
        **extra,
    }


def expect_create(stubber, data_type="CSV"):
    stubber.add_response(
        "create_address_list_import_job",
        {"JobId": "job-1", "PreSignedUrl": PRESIGNED},
        {
            "ClientToken": TRACKING_ID,
            "AddressListId": LIST_ID,
            "Name": f"listdrop-{TRACKING_ID}",
            "ImportDataFormat": {"ImportDataType": data_type},
        },
    )


def expect_job(stubber, status):
    stubber.add_response("get_address_list_import_job", import_job(status), {"JobId": "job-1"})


def mail_manager(client, data=b"x" * MIB, calls=None, **http):
    s3 = FakeS3(data)
    fake_http = FakeHttp(calls if calls is not None else [], s3.body, **http)
    return MailManagerProvider(client, s3, http=fake_http), s3, fake_http


def test_mail_manager_creates_uploads_in_parts_then_starts(mailmanager, calls):
    client, stubber = mailmanager
    data = bytes(range(256)) * (MIB // 256)
    expect_create(stubber)
    expect_job(stubber, "CREATED")
    stubber.add_response("start_address_list_import_job", {}, {"JobId": "job-1"})
    provider, s3, http = mail_manager(client, data, calls)

    assert provider.start(mm_request(size=len(data))) == "job-1"

    assert calls == [
        "CreateAddressListImportJob",
        "GetAddressListImportJob",
        f"PUT {PRESIGNED}",
        "StartAddressListImportJob",
    ]
    [sent] = http.requests
    assert (sent["method"], sent["url"]) == ("PUT", PRESIGNED)
    assert sent["headers"]["Content-Length"] == str(len(data)), "the staged size, so the body streams unchunked"
    assert b"".join(http.chunks) == data
    assert len(http.chunks) >= 4
    assert max(len(chunk) for chunk in http.chunks) <= UPLOAD_CHUNK_BYTES == 256 * 1024
    assert all(amount <= UPLOAD_CHUNK_BYTES for amount in s3.body.reads)
    assert max(http.read_ahead) == 0, "each part is read from S3 only when the upload asks for it"
    assert s3.body.closed
    assert s3.gets == [{"Bucket": "uploads", "Key": f"staging/mail-manager/{TRACKING_ID}.csv", "VersionId": "v-staged"}]


@pytest.mark.parametrize("name", ["team.jsonl", "team.json", "team.ndjson"])
def test_mail_manager_json_upload_declares_the_staged_csv_and_an_unversioned_copy(mailmanager, name):
    """A JSON upload is staged as the documented CSV (header 'address'), so the job is told CSV, not JSON."""
    client, stubber = mailmanager
    expect_create(stubber, "CSV")
    expect_job(stubber, "CREATED")
    stubber.add_response("start_address_list_import_job", {}, {"JobId": "job-1"})
    provider, s3, http = mail_manager(client, b"address\na@example.com\n")
    request = mm_request(f"imports/mail-manager/address-lists/{LIST_ID}/put/{name}", size=22, version=None)
    assert provider.start(request) == "job-1"
    assert s3.gets == [{"Bucket": "uploads", "Key": f"staging/mail-manager/{TRACKING_ID}.csv"}]
    assert http.chunks == [b"address\na@example.com\n"]


def test_mail_manager_refuses_a_delete_key_before_any_call(mailmanager, calls):
    client, _ = mailmanager  # no response queued: a call would fail the test
    provider, s3, _ = mail_manager(client, calls=calls)
    with pytest.raises(RejectedFile) as refused:
        provider.verify_destination(route(f"imports/mail-manager/address-lists/{LIST_ID}/delete/a.csv"), FileShape())
    assert refused.value.code == "UNSUPPORTED_ACTION"
    assert calls == [] and s3.gets == []


@pytest.mark.parametrize("status", ["PROCESSING", "COMPLETED", "FAILED", "STOPPED"])
def test_mail_manager_job_an_earlier_attempt_started_is_not_uploaded_or_started_again(mailmanager, calls, status):
    client, stubber = mailmanager
    expect_create(stubber)
    expect_job(stubber, status)
    provider, s3, http = mail_manager(client, calls=calls)
    assert provider.start(mm_request()) == "job-1"
    assert http.requests == []
    assert s3.gets == []
    assert calls == ["CreateAddressListImportJob", "GetAddressListImportJob"]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_mail_manager_upload_server_error_is_retry_later_and_starts_nothing(mailmanager, calls, status):
    client, stubber = mailmanager
    expect_create(stubber)
    expect_job(stubber, "CREATED")
    provider, s3, _ = mail_manager(client, calls=calls, status=status)
    with pytest.raises(ProviderUnavailable, match=f"HTTP {status}"):
        provider.start(mm_request())
    assert "StartAddressListImportJob" not in calls
    assert s3.body.closed


@pytest.mark.parametrize("status", [403, 400, 301])
def test_mail_manager_upload_refused_is_final(mailmanager, calls, status):
    client, stubber = mailmanager
    expect_create(stubber)
    expect_job(stubber, "CREATED")
    provider, s3, _ = mail_manager(client, calls=calls, status=status)
    with pytest.raises(ProviderRequestRejected, match=f"HTTP {status}"):
        provider.start(mm_request())
    assert "StartAddressListImportJob" not in calls
    assert s3.body.closed


@pytest.mark.parametrize(
    "error",
    [
        urllib3.exceptions.ProtocolError("Connection aborted."),
        urllib3.exceptions.ReadTimeoutError(None, PRESIGNED, "Read timed out."),
    ],
    ids=["reset", "timeout"],
)
def test_mail_manager_upload_without_an_answer_is_retry_later(mailmanager, error):
    client, stubber = mailmanager
    expect_create(stubber)
    expect_job(stubber, "CREATED")
    provider, s3, _ = mail_manager(client, error=error)
    with pytest.raises(ProviderUnavailable, match=type(error).__name__) as raised:
        provider.start(mm_request())
    assert raised.value.may_have_run is True
    assert s3.body.closed


def test_mail_manager_start_conflict_while_the_job_is_still_created_is_retry_later(mailmanager):
    client, stubber = mailmanager
    expect_create(stubber)
    expect_job(stubber, "CREATED")
    stubber.add_client_error("start_address_list_import_job", "ConflictException", http_status_code=409)
    expect_job(stubber, "CREATED")
    provider, _, _ = mail_manager(client)
    with pytest.raises(ProviderUnavailable, match="not started"):
        provider.start(mm_request())


def test_mail_manager_start_conflict_because_another_attempt_started_it_is_that_job(mailmanager):
    client, stubber = mailmanager
    expect_create(stubber)
    expect_job(stubber, "CREATED")
    stubber.add_client_error("start_address_list_import_job", "ConflictException", http_status_code=409)
    expect_job(stubber, "PROCESSING")
    provider, _, _ = mail_manager(client)
    assert provider.start(mm_request()) == "job-1"


@pytest.mark.parametrize(
    ("code", "status", "raised_as", "may_have_run"),
    [
        ("ThrottlingException", 400, ProviderUnavailable, False),
        ("ServiceQuotaExceededException", 400, ProviderRequestRejected, None),
        ("ValidationException", 400, ProviderRequestRejected, None),
        ("InternalServerException", 500, ProviderUnavailable, True),
    ],
)
def test_mail_manager_create_errors(mailmanager, calls, code, status, raised_as, may_have_run):
    client, stubber = mailmanager
    stubber.add_client_error("create_address_list_import_job", code, http_status_code=status)
    provider, s3, _ = mail_manager(client, calls=calls)
    with pytest.raises(raised_as) as raised:
        provider.start(mm_request())
    if may_have_run is not None:
        assert raised.value.may_have_run is may_have_run
    assert calls == ["CreateAddressListImportJob"]
    assert s3.gets == []


def test_mail_manager_finds_an_earlier_job_by_its_client_token_not_by_listing(mailmanager, calls):
    client, _ = mailmanager
    provider, _, _ = mail_manager(client)
    assert provider.find_started(mm_request(), since=NOW) is None
    assert calls == []


@pytest.mark.parametrize(
    ("provider_status", "state"),
    [
        ("CREATED", JobState.RUNNING),
        ("PROCESSING", JobState.RUNNING),
        ("COMPLETED", JobState.SUCCEEDED),
        ("FAILED", JobState.FAILED),
        ("STOPPED", JobState.CANCELLED),
    ],
)
def test_mail_manager_status_of_every_provider_status(mailmanager, provider_status, state):
    client, stubber = mailmanager
    stubber.add_response(
        "get_address_list_import_job",
        import_job(
            provider_status,
            ImportedItemsCount=40,
            FailedItemsCount=2,
            Error="2 rows were not addresses",
            CompletedTimestamp=datetime(2026, 11, 22, 9, 5, tzinfo=UTC),
        ),
        {"JobId": "job-1"},
    )
    status = mail_manager(client)[0].status("job-1")
    assert (status.state, status.provider_status) == (state, provider_status)
    assert (status.processed, status.failed) == (40, 2)
    assert status.error_message == "2 rows were not addresses"
    assert status.completed_at == "2026-11-22T09:05:00+00:00"
    assert status.result_url is None


def test_mail_manager_status_without_counts(mailmanager):
    client, stubber = mailmanager
    stubber.add_response("get_address_list_import_job", import_job("PROCESSING"), {"JobId": "job-1"})
    status = mail_manager(client)[0].status("job-1")
    assert (status.processed, status.failed, status.error_message, status.completed_at) == (0, 0, None, None)


def test_mail_manager_status_of_a_vanished_job_is_a_failure(mailmanager):
    client, stubber = mailmanager
    stubber.add_client_error("get_address_list_import_job", "ResourceNotFoundException", http_status_code=404)
    status = mail_manager(client)[0].status("job-1")
    assert (status.state, status.provider_status) == (JobState.FAILED, "NOT_FOUND")


def test_mail_manager_status_throttled_is_retry_later(mailmanager):
    client, stubber = mailmanager
    stubber.add_client_error("get_address_list_import_job", "ThrottlingException", http_status_code=400)
    with pytest.raises(ProviderUnavailable) as raised:
        mail_manager(client)[0].status("job-1")
    assert raised.value.may_have_run is False


def test_mail_manager_cancel_stops_the_job(mailmanager):
    client, stubber = mailmanager
    stubber.add_response("stop_address_list_import_job", {}, {"JobId": "job-1"})
    mail_manager(client)[0].cancel("job-1")


@pytest.mark.parametrize("code", ["ConflictException", "ValidationException", "ResourceNotFoundException"])
def test_mail_manager_cancel_of_a_finished_job_is_refused(mailmanager, code):
    client, stubber = mailmanager
    stubber.add_client_error("stop_address_list_import_job", code, "Job already completed", http_status_code=400)
    with pytest.raises(ProviderRequestRejected, match=code):
        mail_manager(client)[0].cancel("job-1")


def test_mail_manager_cancel_throttled_is_retry_later(mailmanager):
    client, stubber = mailmanager
    stubber.add_client_error("stop_address_list_import_job", "ThrottlingException", http_status_code=400)
    with pytest.raises(ProviderUnavailable) as raised:
        mail_manager(client)[0].cancel("job-1")
    assert raised.value.may_have_run is False


def test_mail_manager_verify_destination_looks_the_list_up(mailmanager):
    client, stubber = mailmanager
    stubber.add_response(
        "get_address_list",
        {
            "AddressListId": LIST_ID,
            "AddressListArn": f"arn:aws:ses:us-east-1:123456789012:mailmanager-address-list/{LIST_ID}",
            "AddressListName": "team",
            "CreatedTimestamp": NOW,
            "LastUpdatedTimestamp": NOW,
        },
        {"AddressListId": LIST_ID},
    )
    mail_manager(client)[0].verify_destination(route(MM_KEY), FileShape())


def test_mail_manager_unknown_address_list_is_a_rejection(mailmanager):
    client, stubber = mailmanager
    stubber.add_client_error("get_address_list", "ResourceNotFoundException", http_status_code=404)
    with pytest.raises(RejectedFile) as caught:
        mail_manager(client)[0].verify_destination(route(MM_KEY), FileShape())
    assert caught.value.code == "UNKNOWN_ADDRESS_LIST"
    assert LIST_ID in caught.value.reason


def test_mail_manager_verify_destination_throttled_is_retry_later(mailmanager):
    client, stubber = mailmanager
    stubber.add_client_error("get_address_list", "ThrottlingException", http_status_code=400)
    with pytest.raises(ProviderUnavailable):
        mail_manager(client)[0].verify_destination(route(MM_KEY), FileShape())


# == Pinpoint ==============================================================================================

APP = "0123456789abcdef0123456789abcdef"
ROLE = "arn:aws:iam::123456789012:role/listdrop-pinpoint-import"


def pinpoint_request(key):
    staged = f"staging/pinpoint-import/{TRACKING_ID}.csv"
    return ImportRequest(TRACKING_ID, route(key), S3Object("uploads", staged, "v1", 10))


def pinpoint_job(
    job_id="job-1", status="PROCESSING", s3_url="s3://uploads/x.csv", created="2026-11-22T09:00:00.000Z", **extra
):
    return {
        "ApplicationId": APP,
        "CreationDate": created,
        "Definition": {"Format": "CSV", "RoleArn": ROLE, "S3Url": s3_url},
        "Id": job_id,
        "JobStatus": status,
        "Type": "IMPORT",
        **extra,
    }


@pytest.mark.parametrize(
    ("mode", "data_format", "expected"),
    [
        ("endpoints/a.csv", "CSV", {"RegisterEndpoints": True, "DefineSegment": False}),
        (
            "new-segment/Weekly/a.json",
            "JSON",
            {"RegisterEndpoints": True, "DefineSegment": True, "SegmentName": "Weekly"},
        ),
        ("segment/seg-1/a.csv", "CSV", {"RegisterEndpoints": True, "DefineSegment": True, "SegmentId": "seg-1"}),
        (
            "new-segment-only/Weekly/a.csv",
            "CSV",
            {"RegisterEndpoints": False, "DefineSegment": True, "SegmentName": "Weekly"},
        ),
        (
            "segment-only/seg-1/a.jsonl",
            "JSON",
            {"RegisterEndpoints": False, "DefineSegment": True, "SegmentId": "seg-1"},
        ),
    ],
)
def test_pinpoint_start_asks_for_each_segment_mode(pinpoint, mode, data_format, expected):
    client, stubber = pinpoint
    request = pinpoint_request(f"imports/pinpoint/{APP}/{mode}")
    stubber.add_response(
        "create_import_job",
        {"ImportJobResponse": pinpoint_job("5e2b9f", "CREATED", request.source.uri)},
        {
            "ApplicationId": APP,
            "ImportJobRequest": {"S3Url": request.source.uri, "RoleArn": ROLE, "Format": data_format, **expected},
        },
    )
    assert PinpointImportProvider(client, ROLE).start(request) == f"{APP}/5e2b9f"


def test_pinpoint_start_of_a_route_without_a_segment_registers_endpoints(pinpoint):
    client, stubber = pinpoint
    plain = Route("pinpoint-import", Destination(DestinationType.PINPOINT_APPLICATION, APP), Action.PUT, DataFormat.CSV)
    request = ImportRequest(TRACKING_ID, plain, S3Object("uploads", "staging/p.csv", None, 1))
    stubber.add_response(
        "create_import_job",
        {"ImportJobResponse": pinpoint_job("j", "CREATED")},
        {
            "ApplicationId": APP,
            "ImportJobRequest": {
                "S3Url": "s3://uploads/staging/p.csv",
                "RoleArn": ROLE,
                "Format": "CSV",
                "RegisterEndpoints": True,
                "DefineSegment": False,
            },
        },
    )
    assert PinpointImportProvider(client, ROLE).start(request) == f"{APP}/j"


@pytest.mark.parametrize("role", [None, ""])
def test_pinpoint_start_without_an_import_role_is_refused_without_a_call(pinpoint, calls, role):
    client, _ = pinpoint
    with pytest.raises(ProviderRequestRejected, match="PINPOINT_IMPORT_ROLE_ARN"):
        PinpointImportProvider(client, role).start(pinpoint_request(f"imports/pinpoint/{APP}/endpoints/a.csv"))
    assert calls == []


@pytest.mark.parametrize(
    ("code", "status", "raised_as"),
    [
        ("TooManyRequestsException", 429, ProviderUnavailable),
        ("BadRequestException", 400, ProviderRequestRejected),
        ("ForbiddenException", 403, ProviderRequestRejected),
        ("InternalServerErrorException", 500, ProviderUnavailable),
    ],
)
def test_pinpoint_start_errors(pinpoint, code, status, raised_as):
    client, stubber = pinpoint
    stubber.add_client_error("create_import_job", code, http_status_code=status)
    with pytest.raises(raised_as) as raised:
        PinpointImportProvider(client, ROLE).start(pinpoint_request(f"imports/pinpoint/{APP}/endpoints/a.csv"))
    if raised_as is ProviderUnavailable:
        assert raised.value.may_have_run is (status >= 500)


def test_pinpoint_find_started_follows_pages_and_matches_the_staged_copy_and_the_date(pinpoint, calls):
    client, stubber = pinpoint
    request = pinpoint_request(f"imports/pinpoint/{APP}/endpoints/a.csv")
    mine = request.source.uri
    since = NOW - timedelta(minutes=5)
    stubber.add_response(
        "get_import_jobs",
        {
            "ImportJobsResponse": {
                "Item": [
                    pinpoint_job("old", s3_url=mine, created="2026-11-22T08:54:59.999Z"),
                    pinpoint_job("other-file", s3_url="s3://uploads/staging/pinpoint-import/other.csv"),
                    pinpoint_job("no-date", s3_url=mine, created="yesterday"),
                ],
                "NextToken": "t2",
            }
        },
        {"ApplicationId": APP, "PageSize": "100"},
    )
    stubber.add_response(
        "get_import_jobs",
        {
            "ImportJobsResponse": {
                "Item": [pinpoint_job("mine", s3_url=mine, created="2026-11-22T08:55:00Z")],
                "NextToken": "t3",
            }
        },
        {"ApplicationId": APP, "PageSize": "100", "Token": "t2"},
    )
    assert PinpointImportProvider(client, ROLE).find_started(request, since=since) == f"{APP}/mine"
    assert calls == ["GetImportJobs", "GetImportJobs"], "stops at the match"


def test_pinpoint_find_started_finds_nothing(pinpoint):
    client, stubber = pinpoint
    request = pinpoint_request(f"imports/pinpoint/{APP}/endpoints/a.csv")
    stubber.add_response(
        "get_import_jobs",
        {"ImportJobsResponse": {"Item": [pinpoint_job("other")]}},
        {"ApplicationId": APP, "PageSize": "100"},
    )
    assert PinpointImportProvider(client, ROLE).find_started(request, since=NOW - timedelta(days=1)) is None


def test_pinpoint_find_started_throttled_is_retry_later(pinpoint):
    client, stubber = pinpoint
    throttled(stubber, "get_import_jobs")
    with pytest.raises(ProviderUnavailable) as raised:
        PinpointImportProvider(client, ROLE).find_started(
            pinpoint_request(f"imports/pinpoint/{APP}/endpoints/a.csv"), since=NOW
        )
    assert raised.value.may_have_run is False


FAILURES = [
    "Row 2: a@example.com is not a valid endpoint",
    "Row 3: missing ChannelType",
    "Row 4: 'b.c@mail.example.org' rejected",
    "Row 5: bad",
    "Row 6: bad",
    "Row 7: z@example.com never shown",
]


@pytest.mark.parametrize(
    ("provider_status", "state"),
    [
        ("CREATED", JobState.RUNNING),
        ("PREPARING_FOR_INITIALIZATION", JobState.RUNNING),
        ("INITIALIZING", JobState.RUNNING),
        ("PROCESSING", JobState.RUNNING),
        ("PENDING_JOB", JobState.RUNNING),
        ("COMPLETING", JobState.RUNNING),
        ("FAILING", JobState.RUNNING),
        ("COMPLETED", JobState.SUCCEEDED),
        ("FAILED", JobState.FAILED),
    ],
)
def test_pinpoint_status_of_every_provider_status(pinpoint, provider_status, state):
    client, stubber = pinpoint
    stubber.add_response(
        "get_import_job",
        {
            "ImportJobResponse": pinpoint_job(
                "job-1",
                provider_status,
                TotalProcessed=90,
                TotalFailures=6,
                TotalPieces=4,
                CompletedPieces=3,
                FailedPieces=1,
                Failures=FAILURES,
                CompletionDate="2026-11-22T09:10:00.000Z",
            )
        },
        {"ApplicationId": APP, "JobId": "job-1"},
    )
    status = PinpointImportProvider(client, ROLE).status(f"{APP}/job-1")
    assert (status.state, status.provider_status) == (state, provider_status)
    assert (status.processed, status.failed) == (90, 6)
    assert status.completed_at == "2026-11-22T09:10:00.000Z"
    assert status.result_url is None
    first = status.progress["firstFailures"]
    assert status.progress == {"totalPieces": 4, "completedPieces": 3, "failedPieces": 1, "firstFailures": first}
    assert len(first) == 5
    assert first[0] == "Row 2: <redacted-address> is not a valid endpoint"
    assert first[2] == "Row 4: '<redacted-address>' rejected"
    assert not any(contains_email(failure) for failure in first)
    if state is JobState.FAILED:
        assert status.error_message == "; ".join(first)
        assert not contains_email(status.error_message)
    else:
        assert status.error_message is None


def test_pinpoint_status_without_progress_or_failures(pinpoint):
    client, stubber = pinpoint
    stubber.add_response(
        "get_import_job",
        {"ImportJobResponse": pinpoint_job("job-1", "FAILED")},
        {"ApplicationId": APP, "JobId": "job-1"},
    )
    status = PinpointImportProvider(client, ROLE).status(f"{APP}/job-1")
    assert status.state is JobState.FAILED
    assert (status.processed, status.failed, status.error_message) == (0, 0, None)
    assert status.progress == {"totalPieces": 0, "completedPieces": 0, "failedPieces": 0, "firstFailures": []}


def test_pinpoint_status_of_a_vanished_job_is_a_failure(pinpoint):
    client, stubber = pinpoint
    stubber.add_client_error("get_import_job", "NotFoundException", http_status_code=404)
    status = PinpointImportProvider(client, ROLE).status(f"{APP}/job-1")
    assert (status.state, status.provider_status) == (JobState.FAILED, "NOT_FOUND")


def test_pinpoint_status_throttled_is_retry_later(pinpoint):
    client, stubber = pinpoint
    throttled(stubber, "get_import_job")
    with pytest.raises(ProviderUnavailable) as raised:
        PinpointImportProvider(client, ROLE).status(f"{APP}/job-1")
    assert raised.value.may_have_run is False


def test_pinpoint_cannot_cancel(pinpoint, calls):
    client, _ = pinpoint
    with pytest.raises(ProviderRequestRejected, match="cannot be cancelled"):
        PinpointImportProvider(client, ROLE).cancel(f"{APP}/job-1")
    assert calls == []


def app_response():
    return {
        "ApplicationResponse": {
            "Arn": f"arn:aws:mobiletargeting:us-east-1:123456789012:apps/{APP}",
            "Id": APP,
            "Name": "app",
        }
    }


def test_pinpoint_verify_destination_checks_the_app_and_an_existing_segment(pinpoint, calls):
    client, stubber = pinpoint
    stubber.add_response("get_app", app_response(), {"ApplicationId": APP})
    stubber.add_response(
        "get_segment",
        {
            "SegmentResponse": {
                "ApplicationId": APP,
                "Arn": f"arn:aws:mobiletargeting:us-east-1:123456789012:apps/{APP}/segments/seg-1",
                "CreationDate": "2026-01-01T00:00:00Z",
                "Id": "seg-1",
                "SegmentType": "IMPORT",
            }
        },
        {"ApplicationId": APP, "SegmentId": "seg-1"},
    )
    PinpointImportProvider(client, ROLE).verify_destination(
        route(f"imports/pinpoint/{APP}/segment/seg-1/a.csv"), FileShape()
    )
    assert calls == ["GetApp", "GetSegment"]


@pytest.mark.parametrize("mode", ["endpoints/a.csv", "new-segment/Weekly/a.csv"])
def test_pinpoint_verify_destination_needs_no_segment_lookup_for_a_new_one(pinpoint, calls, mode):
    client, stubber = pinpoint
    stubber.add_response("get_app", app_response(), {"ApplicationId": APP})
    PinpointImportProvider(client, ROLE).verify_destination(route(f"imports/pinpoint/{APP}/{mode}"), FileShape())
    assert calls == ["GetApp"]


def test_pinpoint_unknown_application_is_a_rejection(pinpoint, calls):
    client, stubber = pinpoint
    stubber.add_client_error("get_app", "NotFoundException", http_status_code=404)
    with pytest.raises(RejectedFile) as caught:
        PinpointImportProvider(client, ROLE).verify_destination(
            route(f"imports/pinpoint/{APP}/segment/seg-1/a.csv"), FileShape()
        )
    assert caught.value.code == "UNKNOWN_APPLICATION"
    assert APP in caught.value.reason
    assert calls == ["GetApp"]


def test_pinpoint_unknown_segment_is_a_rejection(pinpoint):
    client, stubber = pinpoint
    stubber.add_response("get_app", app_response(), {"ApplicationId": APP})
    stubber.add_client_error("get_segment", "NotFoundException", http_status_code=404)
    with pytest.raises(RejectedFile) as caught:
        PinpointImportProvider(client, ROLE).verify_destination(
            route(f"imports/pinpoint/{APP}/segment-only/seg-9/a.csv"), FileShape()
        )
    assert caught.value.code == "UNKNOWN_SEGMENT"
    assert "seg-9" in caught.value.reason


def test_pinpoint_verify_destination_throttled_is_retry_later(pinpoint):
    client, stubber = pinpoint
    throttled(stubber, "get_app")
    with pytest.raises(ProviderUnavailable) as raised:
        PinpointImportProvider(client, ROLE).verify_destination(
            route(f"imports/pinpoint/{APP}/endpoints/a.csv"), FileShape()
        )
    assert raised.value.may_have_run is False


def test_the_segment_modes_of_the_model():
    """The routes the start tests rely on: '-only' modes register no endpoints."""
    assert route(f"imports/pinpoint/{APP}/segment-only/seg-1/a.csv").destination.segment == PinpointSegment(
        existing_id="seg-1", register_endpoints=False
    )
    assert route(f"imports/pinpoint/{APP}/new-segment/Weekly/a.csv").destination.segment == PinpointSegment(
        new_name="Weekly"
    )

"""The SES provider against botocore's real service model (Stubber validates every request's shape)."""

from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from botocore.stub import ANY, Stubber

from listdrop.errors import ProviderRequestRejected, ProviderUnavailable, RejectedFile
from listdrop.models import FileShape, JobState, S3Object
from listdrop.providers.base import ImportRequest
from listdrop.providers.ses_import import SesImportProvider
from listdrop.routing import route


@pytest.fixture
def ses():
    client = boto3.client("sesv2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def request(key):
    return ImportRequest("t", route(key), S3Object("bucket", key, "v1", 10))


def test_contact_list_import_request(ses):
    client, stubber = ses
    key = "imports/ses/contact-lists/News/delete/a.jsonl"
    stubber.add_response(
        "create_import_job",
        {"JobId": "job-1"},
        {
            "ImportDestination": {
                "ContactListDestination": {"ContactListName": "News", "ContactListImportAction": "DELETE"}
            },
            "ImportDataSource": {"S3Url": f"s3://bucket/{key}", "DataFormat": "JSON"},
        },
    )
    assert SesImportProvider(client).start(request(key)) == "job-1"


def test_suppression_list_import_request(ses):
    client, stubber = ses
    stubber.add_response(
        "create_import_job",
        {"JobId": "job-2"},
        {
            "ImportDestination": {"SuppressionListDestination": {"SuppressionListImportAction": "PUT"}},
            "ImportDataSource": {"S3Url": ANY, "DataFormat": "CSV"},
        },
    )
    assert SesImportProvider(client).start(request("imports/ses/suppression-list/put/a.csv")) == "job-2"


@pytest.mark.parametrize("code", ["TooManyRequestsException", "LimitExceededException"])
def test_throttling_and_limits_are_transient(ses, code):
    client, stubber = ses
    stubber.add_client_error("create_import_job", service_error_code=code, http_status_code=429)
    with pytest.raises(ProviderUnavailable):
        SesImportProvider(client).start(request("imports/ses/suppression-list/put/a.csv"))


def test_bad_request_is_final(ses):
    client, stubber = ses
    stubber.add_client_error("create_import_job", service_error_code="BadRequestException", service_message="no")
    with pytest.raises(ProviderRequestRejected, match="BadRequestException"):
        SesImportProvider(client).start(request("imports/ses/suppression-list/put/a.csv"))


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
def test_status_normalization(ses, provider_status, state):
    client, stubber = ses
    stubber.add_response(
        "get_import_job",
        {
            "JobId": "job-1",
            "JobStatus": provider_status,
            "ProcessedRecordsCount": 7,
            "FailedRecordsCount": 2,
            "CompletedTimestamp": datetime(2026, 11, 22, tzinfo=UTC),
            "FailureInfo": {"FailedRecordsS3Url": "https://example.invalid/x", "ErrorMessage": "bad rows"},
        },
        {"JobId": "job-1"},
    )
    status = SesImportProvider(client).status("job-1")
    assert status.state is state
    assert (status.processed, status.failed) == (7, 2)
    assert status.failed_records_url == "https://example.invalid/x"
    assert status.error_message == "bad rows"
    assert status.completed_at == "2026-11-22T00:00:00+00:00"


def test_status_of_a_vanished_job_is_a_failure(ses):
    client, stubber = ses
    stubber.add_client_error("get_import_job", service_error_code="NotFoundException", http_status_code=404)
    assert SesImportProvider(client).status("job-9").state is JobState.FAILED


def test_server_errors_while_polling_are_transient(ses):
    client, stubber = ses
    stubber.add_client_error("get_import_job", service_error_code="InternalFailure", http_status_code=500)
    with pytest.raises(ProviderUnavailable):
        SesImportProvider(client).status("job-1")


def test_unknown_contact_list_is_a_rejection(ses):
    client, stubber = ses
    stubber.add_client_error("get_contact_list", service_error_code="NotFoundException", http_status_code=404)
    with pytest.raises(RejectedFile) as caught:
        SesImportProvider(client).verify_destination(route("imports/ses/contact-lists/Nope/put/a.csv"), FileShape())
    assert caught.value.code == "UNKNOWN_CONTACT_LIST"


def test_unknown_topic_is_a_rejection(ses):
    client, stubber = ses
    stubber.add_response(
        "get_contact_list",
        {
            "ContactListName": "News",
            "Topics": [{"TopicName": "weekly", "DisplayName": "W", "DefaultSubscriptionStatus": "OPT_OUT"}],
        },
        {"ContactListName": "News"},
    )
    with pytest.raises(RejectedFile) as caught:
        SesImportProvider(client).verify_destination(
            route("imports/ses/contact-lists/News/put/a.csv"), FileShape(topics=("weekly", "daily"))
        )
    assert caught.value.code == "UNKNOWN_TOPIC"
    assert "'daily'" in caught.value.reason


def test_find_started_pages_through_the_jobs_and_matches_the_staged_copy(ses):
    client, stubber = ses
    key = "imports/ses/contact-lists/News/put/a.csv"
    mine = request(key)
    since = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    news_put = {"ContactListDestination": {"ContactListName": "News", "ContactListImportAction": "PUT"}}
    other_list = {"ContactListDestination": {"ContactListName": "Other", "ContactListImportAction": "PUT"}}
    listed = {"ImportDestinationType": "CONTACT_LIST"}
    stubber.add_response(
        "list_import_jobs",
        {
            "ImportJobs": [
                {"JobId": "old", "ImportDestination": news_put, "CreatedTimestamp": datetime(2026, 11, 21, tzinfo=UTC)},
                {"JobId": "other", "ImportDestination": other_list, "CreatedTimestamp": since},
                {"JobId": "same-list", "ImportDestination": news_put, "CreatedTimestamp": since},
            ],
            "NextToken": "page-2",
        },
        listed,
    )
    stubber.add_response(
        "get_import_job",
        {"JobId": "same-list", "ImportDataSource": {"S3Url": "s3://bucket/another-upload.csv", "DataFormat": "CSV"}},
        {"JobId": "same-list"},
    )
    stubber.add_response(
        "list_import_jobs",
        {"ImportJobs": [{"JobId": "mine", "ImportDestination": news_put, "CreatedTimestamp": since}]},
        {**listed, "NextToken": "page-2"},
    )
    stubber.add_response(
        "get_import_job",
        {"JobId": "mine", "ImportDataSource": {"S3Url": mine.source.uri, "DataFormat": "CSV"}},
        {"JobId": "mine"},
    )
    assert SesImportProvider(client).find_started(mine, since=since) == "mine"


def test_find_started_returns_none_when_no_job_reads_the_staged_copy(ses):
    client, stubber = ses
    stubber.add_response("list_import_jobs", {"ImportJobs": []}, {"ImportDestinationType": "SUPPRESSION_LIST"})
    found = SesImportProvider(client).find_started(
        request("imports/ses/suppression-list/put/a.csv"), since=datetime(2026, 11, 22, tzinfo=UTC)
    )
    assert found is None


def test_find_started_throttled_means_retry_later(ses):
    client, stubber = ses
    stubber.add_client_error("list_import_jobs", "TooManyRequestsException", http_status_code=429)
    with pytest.raises(ProviderUnavailable):
        SesImportProvider(client).find_started(
            request("imports/ses/suppression-list/put/a.csv"), since=datetime(2026, 11, 22, tzinfo=UTC)
        )


@pytest.mark.parametrize(
    ("code", "status", "may_have_run"),
    [
        ("TooManyRequestsException", 429, False),
        ("LimitExceededException", 400, False),
        ("InternalFailure", 500, True),
        ("ServiceUnavailable", 503, True),
    ],
)
def test_a_create_call_that_throttles_created_nothing_but_a_server_error_may_have(ses, code, status, may_have_run):
    client, stubber = ses
    stubber.add_client_error("create_import_job", code, http_status_code=status)
    with pytest.raises(ProviderUnavailable) as raised:
        SesImportProvider(client).start(request("imports/ses/suppression-list/put/a.csv"))
    assert raised.value.may_have_run is may_have_run


def test_no_answer_from_the_api_is_transient_and_may_have_run():
    class TimingOut:
        def create_import_job(self, **params):
            raise ReadTimeoutError(endpoint_url="https://email.us-east-1.amazonaws.com")

        def get_import_job(self, **params):
            raise EndpointConnectionError(endpoint_url="https://email.us-east-1.amazonaws.com")

    provider = SesImportProvider(TimingOut())
    with pytest.raises(ProviderUnavailable) as raised:
        provider.start(request("imports/ses/suppression-list/put/a.csv"))
    assert raised.value.may_have_run is True
    with pytest.raises(ProviderUnavailable, match="EndpointConnectionError"):
        provider.status("job-1")

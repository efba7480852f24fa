"""Amazon Connect Customer Profiles upload jobs: the key layout, the file layout and its field mapping, the
provider against botocore's real customer-profiles model, and the native listing.

Every AWS call of the provider goes through a real client held by botocore's Stubber, so each request (and each
canned response) is checked against the service model; an unexpected or missing call fails the test. The S3 reads
of the checked copy and the upload to the pre-signed URL go to recording fakes.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber

from listdrop import routing
from listdrop.errors import ProviderRequestRejected, ProviderUnavailable, RejectedFile
from listdrop.models import Action, DataFormat, Destination, FileShape, JobState, S3Object
from listdrop.providers.base import ImportRequest
from listdrop.providers.customer_profiles import SPEC, CustomerProfilesProvider
from listdrop.providers.customer_profiles.fields import STANDARD_FIELDS, canonical_column, upload_mapping
from listdrop.providers.customer_profiles.keys import MAX_EXPIRY_DAYS
from listdrop.providers.customer_profiles.layout import MAX_UPLOAD_BYTES, ProfileLayout
from listdrop.providers.native import NativeQuery
from listdrop.providers.presigned_upload import UPLOAD_CHUNK_BYTES
from listdrop.validation import layout_for
from tests.unit.test_mail_manager_files import Checked  # the record checker run on an upload's key

DOMAIN = "acme-marketing"
KEY = f"imports/customer-profiles/{DOMAIN}/spring/customers.csv"
TRACKING_ID = "0123456789abcdef0123456789abcdef01234567"
JOB_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
UPLOAD_URL = "https://customer-profiles-uploads.s3.amazonaws.com/job?X-Amz-Signature=abc"
DATA_KEY = base64.b64encode(bytes(range(32))).decode()
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
STAGED = b"EmailAddress,FirstName,Interest\nana@shop.example,Ana,boots\nbo@shop.example,Bo,hats\n"


# == keys ==================================================================================================


def test_a_plain_key_routes_to_its_domain_with_no_options():
    route = routing.route(KEY)
    assert (route.provider, route.action, route.data_format) == ("customer-profiles", Action.PUT, DataFormat.CSV)
    assert route.destination == Destination("CUSTOMER_PROFILES_DOMAIN", DOMAIN)
    assert route.destination.label == f"Customer Profiles domain {DOMAIN}"
    assert route.destination.option("dataExpiry") is None


@pytest.mark.parametrize("days", ["1", "30", str(MAX_EXPIRY_DAYS)])
def test_an_expiry_folder_becomes_the_destination_option(days):
    route = routing.route(f"imports/customer-profiles/{DOMAIN}/expiry-days/{days}/a/b/list.CSV")
    assert route.destination.options == (("dataExpiry", days),)
    assert route.destination.label == f"Customer Profiles domain {DOMAIN} (profiles expire after {days} days)"
    assert route.destination.to_dict()["options"] == {"dataExpiry": days}


@pytest.mark.parametrize("days", ["0", "91", "1098", "-5", "thirty", "٣"])
def test_an_expiry_outside_1_to_90_days_is_refused(days):
    with pytest.raises(RejectedFile) as refused:
        routing.route(f"imports/customer-profiles/{DOMAIN}/expiry-days/{days}/list.csv")
    assert refused.value.code == "INVALID_EXPIRY_DAYS"
    assert "1 to 90" in refused.value.reason


@pytest.mark.parametrize(
    "key",
    [
        f"imports/customer-profiles/{DOMAIN}",
        f"imports/customer-profiles/{DOMAIN}/expiry-days/30",
        f"imports/customer-profiles/{DOMAIN}/expiry-days/list.csv",
    ],
)
def test_keys_missing_a_part_route_nowhere(key):
    with pytest.raises(RejectedFile) as refused:
        routing.route(key)
    assert refused.value.code == "NO_ROUTE"
    assert SPEC.routes[0].example in refused.value.reason


@pytest.mark.parametrize("domain", ["acme.marketing", "a" * 65, "acme marketing", "acmé"])
def test_a_domain_name_outside_the_models_pattern_is_refused(domain):
    with pytest.raises(RejectedFile) as refused:
        routing.route(f"imports/customer-profiles/{domain}/list.csv")
    assert refused.value.code == "INVALID_DOMAIN_NAME"


@pytest.mark.parametrize("name", ["list.json", "list.jsonl", "list.ndjson"])
def test_json_files_are_refused_as_csv_only(name):
    with pytest.raises(RejectedFile) as refused:
        routing.route(f"imports/customer-profiles/{DOMAIN}/{name}")
    assert refused.value.code == "UNSUPPORTED_EXTENSION"
    assert "CSV files only" in refused.value.reason


def test_an_unknown_extension_is_refused():
    with pytest.raises(RejectedFile) as refused:
        routing.route(f"imports/customer-profiles/{DOMAIN}/list.txt")
    assert refused.value.code == "UNSUPPORTED_EXTENSION"


def test_a_put_folder_is_the_default_action():
    route = routing.route(f"imports/customer-profiles/{DOMAIN}/expiry-days/7/put/list.csv")
    assert route.action is Action.PUT
    routing.refuse_unsupported_action(route)  # nothing to refuse


def test_a_delete_folder_routes_to_its_domain_and_is_refused_as_unsupported():
    route = routing.route(f"imports/customer-profiles/{DOMAIN}/delete/list.csv")
    assert (route.action, route.destination.name) == (Action.DELETE, DOMAIN)
    with pytest.raises(RejectedFile) as refused:
        routing.refuse_unsupported_action(route)
    assert refused.value.code == "UNSUPPORTED_ACTION"


# == the field mapping =====================================================================================


def test_standard_fields_are_the_models_profile_text_fields():
    model = botocore.session.get_session().get_service_model("customer-profiles", api_version="2020-08-15")
    profile = model.shape_for("CreateProfileRequest")
    text_fields = {name for name, shape in profile.members.items() if shape.name == "sensitiveString1To255"}
    assert set(STANDARD_FIELDS) == text_fields
    content_types = set(model.shape_for("FieldContentType").enum)
    assert set(STANDARD_FIELDS.values()) <= content_types


def test_the_mapping_sends_standard_fields_to_the_profile_and_others_to_attributes():
    mapping = upload_mapping(["EmailAddress", "FirstName", "MobilePhoneNumber", "Interest"])
    assert mapping.unique_key == "EmailAddress"
    assert mapping.fields == {
        "EmailAddress": {
            "Source": "_source.EmailAddress",
            "Target": "_profile.EmailAddress",
            "ContentType": "EMAIL_ADDRESS",
        },
        "FirstName": {"Source": "_source.FirstName", "Target": "_profile.FirstName", "ContentType": "NAME"},
        "MobilePhoneNumber": {
            "Source": "_source.MobilePhoneNumber",
            "Target": "_profile.MobilePhoneNumber",
            "ContentType": "PHONE_NUMBER",
        },
        "Interest": {"Source": "_source.Interest", "Target": "_profile.Attributes.Interest", "ContentType": "STRING"},
    }
    assert mapping.call_parameters() == {"Fields": mapping.fields, "UniqueKey": "EmailAddress"}


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("email", "EmailAddress"),
        ("E-mail", "EmailAddress"),
        ("Email Address", "EmailAddress"),
        ("email_address", "EmailAddress"),
        (" first name ", "FirstName"),
        ("LAST-NAME", "LastName"),
        ("phone", "PhoneNumber"),
        ("Mobile", "MobilePhoneNumber"),
        ("personal email address", "PersonalEmailAddress"),
    ],
)
def test_other_spellings_of_standard_fields_are_read_with_a_note(written, canonical):
    notes: list[str] = []
    assert canonical_column(written, notes) == canonical
    assert notes == [f"read column '{written.strip()}' as '{canonical}'"]


def test_custom_names_and_exact_spellings_are_kept_without_a_note():
    notes: list[str] = []
    assert [canonical_column(name, notes) for name in ["EmailAddress", "Loyalty_Tier", "shoe-size"]] == [
        "EmailAddress",
        "Loyalty_Tier",
        "shoe-size",
    ]
    assert notes == []


@pytest.mark.parametrize(
    ("columns", "code"),
    [
        (["FirstName", "LastName"], "MISSING_REQUIRED_COLUMN"),
        (["EmailAddress", "Tier", "Tier"], "DUPLICATE_COLUMN"),
        (["EmailAddress", "Address.City"], "INVALID_HEADER"),
        (["EmailAddress", "Favourite colour"], "INVALID_HEADER"),
        (["EmailAddress", ""], "INVALID_HEADER"),
        (["EmailAddress", "x" * 65], "INVALID_HEADER"),
        (["EmailAddress", *(f"Attr{n}" for n in range(25))], "TOO_MANY_COLUMNS"),
    ],
)
def test_headers_that_cannot_be_mapped_are_refused(columns, code):
    with pytest.raises(RejectedFile) as refused:
        upload_mapping(columns)
    assert refused.value.code == code


def test_twenty_five_columns_map():
    assert len(upload_mapping(["EmailAddress", *(f"Attr{n}" for n in range(24))]).fields) == 25


# == the file layout, through the record checker ===========================================================


def check(content: bytes, percent: float = 100) -> Checked:
    return Checked(KEY, content, percent=percent)


def test_the_layout_is_the_routes_and_stages_csv():
    layout = layout_for(routing.route(KEY))
    assert isinstance(layout, ProfileLayout)
    assert (layout.data_format, layout.staged_format, layout.unique_column) == (
        DataFormat.CSV,
        DataFormat.CSV,
        "EmailAddress",
    )
    assert layout.byte_limit is not None and layout.byte_limit.most == MAX_UPLOAD_BYTES == 1_000_000_000


def test_a_valid_file_is_staged_with_the_canonical_header_and_notes():
    checked = check(b"\xef\xbb\xbfemail,First Name,Interest\r\n ana@shop.example ,Ana,boots\r\nbo@shop.example,,\r\n")
    result = checked.result
    assert result.accepted and (result.total_rows, result.accepted_rows) == (2, 2)
    assert checked.staged == "EmailAddress,FirstName,Interest\nana@shop.example,Ana,boots\nbo@shop.example,,\n"
    assert "read column 'email' as 'EmailAddress'" in result.normalizations
    assert "read column 'First Name' as 'FirstName'" in result.normalizations
    assert "trimmed spaces around addresses in 1 row" in result.normalizations
    assert checked.report_rows == []


def test_an_optional_address_left_blank_is_absent():
    checked = check(b"EmailAddress,PersonalEmailAddress,FirstName\nana@shop.example,   , Ana \n")
    assert checked.staged == "EmailAddress,PersonalEmailAddress,FirstName\nana@shop.example,, Ana \n"


def test_invalid_rows_are_left_out_and_reported_with_addresses_masked():
    long_value = "x" * 256
    content = (
        "EmailAddress,BusinessEmailAddress,LastName,Note\n"
        "ana@shop.example,,Silva,ok\n"
        "not-an-address,,Silva,bad\n"
        ",,Silva,missing\n"
        "cy@shop.example,billing@@shop.example,Costa,bad second address\n"
        f"dee@shop.example,,{long_value},too long\n"
        "eve@shop.example,,Smith\n"
        "ANA@SHOP.EXAMPLE,,Silva,repeat\n"
        "fay@shop.example,fay@work.example,Call me on +44 20 7946 0958,ok\n"
    ).encode()
    checked = check(content)
    assert checked.result.accepted
    assert (checked.result.accepted_rows, checked.result.rejected_rows, checked.result.duplicate_rows) == (2, 6, 1)
    assert checked.staged.splitlines() == [
        "EmailAddress,BusinessEmailAddress,LastName,Note",
        "ana@shop.example,,Silva,ok",
        "fay@shop.example,fay@work.example,Call me on +44 20 7946 0958,ok",
    ]
    rows = {(row["row"], row["column"], row["code"]): row["value"] for row in checked.report_rows}
    assert rows == {
        ("3", "EmailAddress", "INVALID_EMAIL"): "n***",
        ("4", "EmailAddress", "MISSING_EMAIL"): "***",
        ("5", "BusinessEmailAddress", "INVALID_EMAIL"): "b***@s***.example",
        ("6", "LastName", "VALUE_TOO_LONG"): rows[("6", "LastName", "VALUE_TOO_LONG")],
        ("7", "", "WRONG_COLUMN_COUNT"): "",
        ("8", "EmailAddress", "DUPLICATE_ADDRESS"): "A***@S***.EXAMPLE",
    }
    assert rows[("6", "LastName", "VALUE_TOO_LONG")].startswith("xxx")
    for address in ("ana@shop.example", "billing@@shop.example", "not-an-address", "+44 20 7946 0958"):
        assert address not in checked.report.text.lower()


def test_values_in_the_report_hide_contacts():
    layout = ProfileLayout()
    assert layout.report_cell("Note", "call +44 20 7946 0958 or ana@shop.example") == (
        "Note",
        "call <redacted-number> or <redacted-address>",
    )
    assert layout.report_cell("PersonalEmailAddress", "ana@shop.example") == (
        "PersonalEmailAddress",
        "a***@s***.example",
    )


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"ana@shop.example,Ana\nbo@shop.example,Bo\n", "MISSING_HEADER"),
        (b"FirstName,LastName\nAna,Silva\n", "MISSING_REQUIRED_COLUMN"),
        (b"EmailAddress,Address.City\nana@shop.example,Lisbon\n", "INVALID_HEADER"),
        (b"EmailAddress,email\nana@shop.example,ana@shop.example\n", "DUPLICATE_COLUMN"),
        (b"EmailAddress\n", "NO_RECORDS"),
        (b"EmailAddress\nnope\n", "NO_VALID_ROWS"),
    ],
)
def test_files_that_cannot_be_imported_are_rejected(content, code):
    checked = check(content)
    assert checked.result.rejection is not None and checked.result.rejection.code == code
    assert checked.output.aborted


def test_the_invalid_row_policy_applies():
    checked = check(b"EmailAddress\nana@shop.example\nnope\n", percent=10)
    assert checked.result.rejection is not None and checked.result.rejection.code == "TOO_MANY_INVALID_ROWS"


# == the provider ==========================================================================================


class FakeBody:
    """An S3 streaming body over `data`: remembers what was asked of it and whether it was closed."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self.position = 0
        self.closed = False

    def read(self, amount: int | None = None) -> bytes:
        assert not self.closed, "read after close"
        end = len(self._data) if amount is None else self.position + amount
        chunk = self._data[self.position : end]
        self.position += len(chunk)
        return chunk

    def close(self) -> None:
        self.closed = True


class FakeS3:
    """The staged copy: a ranged GET gets its bytes in range (what S3 returns for Range: bytes=a-b)."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self.gets: list[dict[str, str]] = []
        self.bodies: list[FakeBody] = []

    def get_object(self, **params):
        self.gets.append(params)
        data = self._data
        if "Range" in params:
            first, last = params["Range"].removeprefix("bytes=").split("-")
            data = data[int(first) : int(last) + 1]
        self.bodies.append(FakeBody(data))
        return {"Body": self.bodies[-1]}


class FakeResponse:
    def __init__(self, status: int) -> None:
        self.status = status


class FakeHttp:
    """Records each PUT as urllib3 would send it: the body consumed chunk by chunk, as it streams."""

    def __init__(self, calls: list[str], status: int = 200) -> None:
        self._calls = calls
        self.status = status
        self.requests: list[dict] = []

    def request(self, method, url, *, body=None, headers=None, preload_content=True):
        self._calls.append(f"{method} {url}")
        assert not isinstance(body, bytes | bytearray | str), "the body streams; it is never one bytes object"
        chunks = list(body)
        self.requests.append({"method": method, "url": url, "headers": dict(headers or {}), "chunks": chunks})
        return FakeResponse(self.status)


@pytest.fixture
def calls():
    """The order of every call: AWS operation names, and 'PUT <url>' for the upload."""
    return []


@pytest.fixture
def profiles(calls):
    client = boto3.client(
        "customer-profiles", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    client.meta.events.register("before-parameter-build", lambda model, **_: calls.append(model.name))
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def provider_with(client, calls, data=STAGED, status=200):
    s3, http = FakeS3(data), FakeHttp(calls, status)
    return CustomerProfilesProvider(client, s3, http=http), s3, http


def request(key=KEY, size=None, version="v-staged"):
    staged = S3Object("uploads", f"staging/customer-profiles/{TRACKING_ID}.csv", version, size or len(STAGED))
    return ImportRequest(TRACKING_ID, routing.route(key), staged)


def mapping_of_staged():
    return {
        "EmailAddress": {
            "Source": "_source.EmailAddress",
            "Target": "_profile.EmailAddress",
            "ContentType": "EMAIL_ADDRESS",
        },
        "FirstName": {"Source": "_source.FirstName", "Target": "_profile.FirstName", "ContentType": "NAME"},
        "Interest": {"Source": "_source.Interest", "Target": "_profile.Attributes.Interest", "ContentType": "STRING"},
    }


def expect_create(stubber, **extra):
    stubber.add_response(
        "create_upload_job",
        {"JobId": JOB_ID},
        {
            "DomainName": DOMAIN,
            "DisplayName": f"listdrop-{TRACKING_ID}",
            "Fields": mapping_of_staged(),
            "UniqueKey": "EmailAddress",
            **extra,
        },
    )


def expect_upload_and_start(stubber):
    stubber.add_response(
        "get_upload_job_path",
        {"Url": UPLOAD_URL, "ClientToken": DATA_KEY, "ValidUntil": NOW + timedelta(minutes=15)},
        {"DomainName": DOMAIN, "JobId": JOB_ID},
    )
    stubber.add_response("start_upload_job", {}, {"DomainName": DOMAIN, "JobId": JOB_ID})


def upload_job(status, **extra):
    return {"JobId": JOB_ID, "DisplayName": f"listdrop-{TRACKING_ID}", "Status": status, "CreatedAt": NOW, **extra}


def test_start_maps_the_staged_header_uploads_with_sse_c_and_starts(profiles, calls):
    client, stubber = profiles
    expect_create(stubber)
    expect_upload_and_start(stubber)
    provider, s3, http = provider_with(client, calls)

    assert provider.start(request()) == f"{DOMAIN}/{JOB_ID}"

    assert calls == ["CreateUploadJob", "GetUploadJobPath", f"PUT {UPLOAD_URL}", "StartUploadJob"]
    header_get, upload_get = s3.gets
    staged_key = f"staging/customer-profiles/{TRACKING_ID}.csv"
    assert header_get == {"Bucket": "uploads", "Key": staged_key, "VersionId": "v-staged", "Range": "bytes=0-4095"}
    assert upload_get == {"Bucket": "uploads", "Key": staged_key, "VersionId": "v-staged"}
    assert all(body.closed for body in s3.bodies)
    [sent] = http.requests
    assert sent["headers"] == {
        "x-amz-server-side-encryption-customer-algorithm": "AES256",
        "x-amz-server-side-encryption-customer-key": DATA_KEY,
        "x-amz-server-side-encryption-customer-key-MD5": base64.b64encode(
            hashlib.md5(bytes(range(32))).digest()
        ).decode(),
        "Content-Length": str(len(STAGED)),
    }
    assert b"".join(sent["chunks"]) == STAGED


def test_start_streams_a_large_copy_in_parts(profiles, calls):
    client, stubber = profiles
    data = STAGED + b"ana@shop.example,Ana,boots\n" * 40_000
    expect_create(stubber)
    expect_upload_and_start(stubber)
    provider, _, http = provider_with(client, calls, data)
    provider.start(request(size=len(data)))
    [sent] = http.requests
    assert b"".join(sent["chunks"]) == data
    assert len(sent["chunks"]) > 1 and max(map(len, sent["chunks"])) <= UPLOAD_CHUNK_BYTES


def test_start_asks_for_the_keys_expiry_and_reads_an_unversioned_copy(profiles, calls):
    client, stubber = profiles
    expect_create(stubber, DataExpiry=30)
    expect_upload_and_start(stubber)
    provider, s3, _ = provider_with(client, calls)
    key = f"imports/customer-profiles/{DOMAIN}/expiry-days/30/customers.csv"
    assert provider.start(request(key, version=None)) == f"{DOMAIN}/{JOB_ID}"
    assert all("VersionId" not in get for get in s3.gets)


def test_the_key_is_never_in_an_error_and_a_missing_key_is_a_refusal(profiles, calls):
    client, stubber = profiles
    expect_create(stubber)
    stubber.add_response(
        "get_upload_job_path",
        {"Url": UPLOAD_URL, "ClientToken": "not base64!"},
        {"DomainName": DOMAIN, "JobId": JOB_ID},
    )
    provider, _, http = provider_with(client, calls)
    with pytest.raises(ProviderRequestRejected) as refused:
        provider.start(request())
    assert "not base64" not in str(refused.value)
    assert http.requests == [] and "StartUploadJob" not in calls


@pytest.mark.parametrize(("status", "raised"), [(503, ProviderUnavailable), (403, ProviderRequestRejected)])
def test_a_failed_upload_starts_nothing(profiles, calls, status, raised):
    client, stubber = profiles
    expect_create(stubber)
    stubber.add_response(
        "get_upload_job_path", {"Url": UPLOAD_URL, "ClientToken": DATA_KEY}, {"DomainName": DOMAIN, "JobId": JOB_ID}
    )
    provider, s3, _ = provider_with(client, calls, status=status)
    with pytest.raises(raised, match=f"HTTP {status}"):
        provider.start(request())
    assert "StartUploadJob" not in calls
    assert all(body.closed for body in s3.bodies)
    assert DATA_KEY not in " ".join(calls)


def test_start_refused_for_a_job_already_started_is_that_job(profiles, calls):
    client, stubber = profiles
    expect_create(stubber)
    stubber.add_response(
        "get_upload_job_path", {"Url": UPLOAD_URL, "ClientToken": DATA_KEY}, {"DomainName": DOMAIN, "JobId": JOB_ID}
    )
    stubber.add_client_error("start_upload_job", "BadRequestException", "Job already started", http_status_code=400)
    stubber.add_response("get_upload_job", upload_job("IN_PROGRESS"), {"DomainName": DOMAIN, "JobId": JOB_ID})
    provider, _, _ = provider_with(client, calls)
    assert provider.start(request()) == f"{DOMAIN}/{JOB_ID}"


def test_start_refused_for_a_job_still_created_is_a_refusal(profiles, calls):
    client, stubber = profiles
    expect_create(stubber)
    stubber.add_response(
        "get_upload_job_path", {"Url": UPLOAD_URL, "ClientToken": DATA_KEY}, {"DomainName": DOMAIN, "JobId": JOB_ID}
    )
    stubber.add_client_error("start_upload_job", "BadRequestException", "No file", http_status_code=400)
    stubber.add_response("get_upload_job", upload_job("CREATED"), {"DomainName": DOMAIN, "JobId": JOB_ID})
    provider, _, _ = provider_with(client, calls)
    with pytest.raises(ProviderRequestRejected, match="StartUploadJob was refused: BadRequestException: No file"):
        provider.start(request())


@pytest.mark.parametrize(
    ("code", "status", "raised", "may_have_run"),
    [
        ("ThrottlingException", 429, ProviderUnavailable, False),
        ("InternalServerException", 500, ProviderUnavailable, True),
        ("BadRequestException", 400, ProviderRequestRejected, None),
        ("AccessDeniedException", 403, ProviderRequestRejected, None),
    ],
)
def test_create_errors(profiles, calls, code, status, raised, may_have_run):
    client, stubber = profiles
    stubber.add_client_error("create_upload_job", code, http_status_code=status)
    provider, _, http = provider_with(client, calls)
    with pytest.raises(raised) as error:
        provider.start(request())
    if may_have_run is not None:
        assert error.value.may_have_run is may_have_run
    assert calls == ["CreateUploadJob"] and http.requests == []


def list_jobs(stubber, items, token=None, next_token=None):
    expected = {"DomainName": DOMAIN, "MaxResults": 500, **({"NextToken": token} if token else {})}
    response = {"Items": items, **({"NextToken": next_token} if next_token else {})}
    stubber.add_response("list_upload_jobs", response, expected)


def test_find_started_pages_through_and_adopts_the_uploads_job_without_uploading_again(profiles, calls):
    client, stubber = profiles
    other = {**upload_job("SUCCEEDED"), "JobId": "a" * 32, "DisplayName": "listdrop-" + "f" * 40}
    older = {**upload_job("SUCCEEDED"), "JobId": "b" * 32, "CreatedAt": NOW - timedelta(hours=2)}
    list_jobs(stubber, [other, older], next_token="page-2")
    list_jobs(stubber, [upload_job("IN_PROGRESS")], token="page-2")
    provider, _, http = provider_with(client, calls)
    assert provider.find_started(request(), since=NOW - timedelta(minutes=5)) == f"{DOMAIN}/{JOB_ID}"
    assert http.requests == []


def test_find_started_resumes_a_job_never_started(profiles, calls):
    client, stubber = profiles
    list_jobs(stubber, [upload_job("CREATED")])
    expect_upload_and_start(stubber)
    provider, _, http = provider_with(client, calls)
    assert provider.find_started(request(), since=NOW) == f"{DOMAIN}/{JOB_ID}"
    assert calls == ["ListUploadJobs", "GetUploadJobPath", f"PUT {UPLOAD_URL}", "StartUploadJob"]
    assert b"".join(http.requests[0]["chunks"]) == STAGED


def test_find_started_finds_nothing(profiles, calls):
    client, stubber = profiles
    list_jobs(stubber, [])
    provider, _, _ = provider_with(client, calls)
    assert provider.find_started(request(), since=NOW) is None


def test_find_started_throttled_is_retry_later(profiles, calls):
    client, stubber = profiles
    stubber.add_client_error("list_upload_jobs", "ThrottlingException", http_status_code=429)
    provider, _, _ = provider_with(client, calls)
    with pytest.raises(ProviderUnavailable):
        provider.find_started(request(), since=NOW)


@pytest.mark.parametrize(
    ("provider_status", "state"),
    [
        ("CREATED", JobState.RUNNING),
        ("IN_PROGRESS", JobState.RUNNING),
        ("SUCCEEDED", JobState.SUCCEEDED),
        ("PARTIALLY_SUCCEEDED", JobState.SUCCEEDED),
        ("FAILED", JobState.FAILED),
        ("STOPPED", JobState.CANCELLED),
    ],
)
def test_status_of_every_provider_status(profiles, calls, provider_status, state):
    client, stubber = profiles
    job = upload_job(
        provider_status,
        ResultsSummary={"CreatedRecords": 30, "UpdatedRecords": 10, "FailedRecords": 2},
        CompletedAt=datetime(2026, 11, 22, 9, 5, tzinfo=UTC),
        StatusReason="VALIDATION_FAILURE",
    )
    stubber.add_response("get_upload_job", job, {"DomainName": DOMAIN, "JobId": JOB_ID})
    status = provider_with(client, calls)[0].status(f"{DOMAIN}/{JOB_ID}")
    assert (status.state, status.provider_status) == (state, provider_status)
    assert (status.processed, status.failed) == (40, 2)
    assert status.progress == {"createdRecords": 30, "updatedRecords": 10, "failedRecords": 2}
    assert status.completed_at == "2026-11-22T09:05:00+00:00"
    assert status.failed_records_url is None
    if state is JobState.FAILED:
        assert status.error_message is not None and "VALIDATION_FAILURE" in status.error_message
    else:
        assert status.error_message is None


def test_status_without_counts_or_reason(profiles, calls):
    client, stubber = profiles
    stubber.add_response("get_upload_job", upload_job("FAILED"), {"DomainName": DOMAIN, "JobId": JOB_ID})
    status = provider_with(client, calls)[0].status(f"{DOMAIN}/{JOB_ID}")
    assert (status.processed, status.failed, status.completed_at) == (0, 0, None)
    assert status.error_message == "The upload job failed: no reason given."


def test_status_of_a_vanished_job_is_a_failure(profiles, calls):
    client, stubber = profiles
    stubber.add_client_error("get_upload_job", "ResourceNotFoundException", http_status_code=404)
    status = provider_with(client, calls)[0].status(f"{DOMAIN}/{JOB_ID}")
    assert (status.state, status.provider_status) == (JobState.FAILED, "NOT_FOUND")


def test_status_throttled_is_retry_later(profiles, calls):
    client, stubber = profiles
    stubber.add_client_error("get_upload_job", "ThrottlingException", http_status_code=429)
    with pytest.raises(ProviderUnavailable) as raised:
        provider_with(client, calls)[0].status(f"{DOMAIN}/{JOB_ID}")
    assert raised.value.may_have_run is False


def test_cancel_stops_the_job(profiles, calls):
    client, stubber = profiles
    stubber.add_response("stop_upload_job", {}, {"DomainName": DOMAIN, "JobId": JOB_ID})
    provider_with(client, calls)[0].cancel(f"{DOMAIN}/{JOB_ID}")


def test_cancel_of_an_ended_job_says_it_already_ended(profiles, calls):
    client, stubber = profiles
    stubber.add_client_error("stop_upload_job", "BadRequestException", "Job is SUCCEEDED", http_status_code=400)
    with pytest.raises(ProviderRequestRejected, match="already ended"):
        provider_with(client, calls)[0].cancel(f"{DOMAIN}/{JOB_ID}")


def test_cancel_of_an_unknown_job_is_refused(profiles, calls):
    client, stubber = profiles
    stubber.add_client_error("stop_upload_job", "ResourceNotFoundException", http_status_code=404)
    with pytest.raises(ProviderRequestRejected, match="ResourceNotFoundException"):
        provider_with(client, calls)[0].cancel(f"{DOMAIN}/{JOB_ID}")


def test_verify_destination_looks_the_domain_up(profiles, calls):
    client, stubber = profiles
    stubber.add_response(
        "get_domain",
        {"DomainName": DOMAIN, "CreatedAt": NOW, "LastUpdatedAt": NOW},
        {"DomainName": DOMAIN},
    )
    provider_with(client, calls)[0].verify_destination(routing.route(KEY), FileShape())


def test_verify_destination_of_an_unknown_domain_rejects_the_file(profiles, calls):
    client, stubber = profiles
    stubber.add_client_error("get_domain", "ResourceNotFoundException", http_status_code=404)
    with pytest.raises(RejectedFile) as refused:
        provider_with(client, calls)[0].verify_destination(routing.route(KEY), FileShape())
    assert refused.value.code == "UNKNOWN_DOMAIN"


def test_verify_destination_refuses_a_delete_key_before_any_call(profiles, calls):
    client, _ = profiles  # no response queued: a call would fail the test
    with pytest.raises(RejectedFile) as refused:
        provider_with(client, calls)[0].verify_destination(
            routing.route(f"imports/customer-profiles/{DOMAIN}/delete/x.csv"), FileShape()
        )
    assert refused.value.code == "UNSUPPORTED_ACTION"
    assert calls == []


# == the native listing ====================================================================================


def test_the_native_listing_pages_one_domains_jobs(profiles, calls):
    client, stubber = profiles
    stubber.add_response(
        "list_upload_jobs",
        {"Items": [upload_job("SUCCEEDED")], "NextToken": "page-2"},
        {"DomainName": DOMAIN, "MaxResults": 20},
    )
    stubber.add_response(
        "list_upload_jobs",
        {"Items": [{"JobId": "c" * 32, "Status": "CREATED"}]},
        {"DomainName": DOMAIN, "MaxResults": 20, "NextToken": "page-2"},
    )
    jobs = list(SPEC.native.jobs(client, NativeQuery(page_size=20, options={"domain-name": DOMAIN})))
    assert [job.to_dict() for job in jobs] == [
        {
            "provider": "customer-profiles",
            "jobId": f"{DOMAIN}/{JOB_ID}",
            "status": "SUCCEEDED",
            "createdAt": NOW.isoformat(),
            "summary": f"domain {DOMAIN} (listdrop-{TRACKING_ID})",
            "records": {"processed": None, "failed": None},
        },
        {
            "provider": "customer-profiles",
            "jobId": f"{DOMAIN}/{'c' * 32}",
            "status": "CREATED",
            "createdAt": None,
            "summary": f"domain {DOMAIN}",
            "records": {"processed": None, "failed": None},
        },
    ]


@pytest.mark.parametrize(("asked", "sent"), [(None, 500), (1000, 500), (0, 500), (1, 1)])
def test_the_native_listing_keeps_the_page_size_within_1_to_500(profiles, asked, sent):
    client, stubber = profiles
    stubber.add_response("list_upload_jobs", {"Items": []}, {"DomainName": DOMAIN, "MaxResults": sent})
    assert list(SPEC.native.jobs(client, NativeQuery(page_size=asked, options={"domain-name": DOMAIN}))) == []


def test_the_native_listing_needs_the_domain(profiles):
    client, _ = profiles
    with pytest.raises(ValueError, match="--domain-name"):
        list(SPEC.native.jobs(client, NativeQuery()))

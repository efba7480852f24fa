"""A list export, step by step against moto's S3 and a fake SES that pages as the API does: the file holds every
entry once, in the import layout, whatever happens between polls (a poll that dies, throttling, a cancel), in parts
S3 accepts, with the calls paced to one a second."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from listdrop.models import JobState
from listdrop.providers.job_state import JobStateStore
from listdrop.providers.ses_export import list_export
from listdrop.providers.ses_export.list_export import Checkpoint, ListExports
from tests.unit.conftest import BUCKET

TRACKING = "0123456789abcdef0123456789abcdef01234567"
JOB_ID = f"list-export-{TRACKING}"
STATE = "staging/jobs/"


def throttled(operation: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": "TooManyRequestsException", "Message": "slow down"}, "ResponseMetadata": {}}, operation
    )


class FakeSes:
    """ListSuppressedDestinations and ListContacts over fixed entries, paged by an offset token."""

    def __init__(self, suppressed: dict[str, str] | None = None, contacts: list[dict[str, Any]] | None = None):
        self.suppressed = [{"EmailAddress": a, "Reason": r, "LastUpdateTime": 0} for a, r in (suppressed or {}).items()]
        self.contacts = contacts or []
        self.calls: list[tuple[str, float, dict[str, Any]]] = []
        self.throttle_calls: set[int] = set()
        self.clock: FakeTime | None = None

    def _page(self, operation: str, items: list[dict[str, Any]], key: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((operation, self.clock.now if self.clock else 0.0, params))
        if len(self.calls) in self.throttle_calls:
            raise throttled(operation)
        start = int(params.get("NextToken", "0"))
        end = start + params["PageSize"]
        return {key: items[start:end], **({"NextToken": str(end)} if end < len(items) else {})}

    def list_suppressed_destinations(self, **params: Any) -> dict[str, Any]:
        return self._page("ListSuppressedDestinations", self.suppressed, "SuppressedDestinationSummaries", params)

    def list_contacts(self, **params: Any) -> dict[str, Any]:
        return self._page("ListContacts", self.contacts, "Contacts", params)

    def get_contact_list(self, ContactListName: str) -> dict[str, Any]:
        if ContactListName != "newsletter":
            raise ClientError({"Error": {"Code": "NotFoundException", "Message": "no"}}, "GetContactList")
        return {"ContactListName": ContactListName, "Topics": [{"TopicName": "weekly"}, {"TopicName": "offers"}]}


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def time_() -> FakeTime:
    return FakeTime()


def exports(aws: dict[str, Any], ses: FakeSes, time_: FakeTime, store: JobStateStore | None = None) -> ListExports:
    ses.clock = time_
    return ListExports(
        ses,
        aws["s3"],
        store or JobStateStore(aws["s3"], BUCKET, STATE),
        "exports/results/",
        clock=lambda: datetime(2026, 11, 30, tzinfo=UTC),
        monotonic=time_.monotonic,
        sleep=time_.sleep,
    )


def run_to_the_end(lists: ListExports, limit: int = 1000) -> list[Any]:
    statuses = []
    for _ in range(limit):
        status = lists.status(JOB_ID)
        statuses.append(status)
        if status.state.is_final:
            return statuses
    raise AssertionError("the export did not end")


def body(aws: dict[str, Any], uri: str) -> str:
    key = uri.removeprefix(f"s3://{BUCKET}/")
    return aws["s3"].get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()


SUPPRESSED = {f"user-{n:07d}@example.com": ("BOUNCE" if n % 3 else "COMPLAINT") for n in range(2_500)}


def test_a_list_longer_than_a_poll_is_read_over_several_polls_into_one_file(aws, time_, monkeypatch):
    monkeypatch.setattr(list_export, "SECONDS_PER_POLL", 1.0)  # two pages a poll at one call a second
    ses = FakeSes(SUPPRESSED)
    lists = exports(aws, ses, time_)
    assert lists.start(TRACKING, {"ListSuppressedDestinations": {}}) == JOB_ID
    statuses = run_to_the_end(lists)
    assert [s.state for s in statuses] == [JobState.RUNNING, JobState.SUCCEEDED]
    assert statuses[0].poll_again_now and statuses[0].processed == 2000
    assert statuses[-1].result_uri == f"s3://{BUCKET}/exports/results/{JOB_ID}/suppression-list.csv"
    assert dict(csv.reader(io.StringIO(body(aws, statuses[-1].result_uri)))) == SUPPRESSED
    assert statuses[-1].processed == len(SUPPRESSED)
    times = [at for _, at, _ in ses.calls]
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(times))
    assert [params.get("NextToken") for _, _, params in ses.calls] == [None, "1000", "2000"]


def test_a_list_of_several_parts_is_written_in_parts_s3_accepts_and_read_back_whole(aws, time_, monkeypatch):
    monkeypatch.setattr(list_export, "PART_BYTES", 5 * 1024 * 1024)  # S3's smallest part, to keep the test small
    many = {f"bounced-{n:07d}@example.com": "BOUNCE" for n in range(400_000)}  # about 13 MiB: three parts
    lists = exports(aws, FakeSes(many), time_)
    lists.start(TRACKING, {"ListSuppressedDestinations": {"Reasons": ["BOUNCE"]}})
    final = run_to_the_end(lists)[-1]
    text = body(aws, final.result_uri)
    assert len(text.encode()) > 2 * list_export.PART_BYTES
    assert text.count("\n") == len(many) and text.startswith("bounced-0000000@example.com,BOUNCE\n")
    checkpoint = Checkpoint.from_json(JobStateStore(aws["s3"], BUCKET, STATE).read(JOB_ID, "checkpoint.json") or b"")
    assert checkpoint is not None and len(checkpoint.parts) == 3


class DiesOnce(JobStateStore):
    """A poll that dies when it comes to save its checkpoint, as a timed-out Lambda would, the first time only."""

    def __init__(self, s3: Any, at_generation: int) -> None:
        super().__init__(s3, BUCKET, STATE)
        self.at_generation = at_generation

    def write(self, job_id: str, name: str, body: bytes) -> None:
        if name == "checkpoint.json" and Checkpoint.from_json(body).generation == self.at_generation:
            self.at_generation = -1
            raise RuntimeError("the poll died")
        super().write(job_id, name, body)


@pytest.mark.parametrize("generation", [1, 5, 9, 10])
def test_a_poll_that_dies_before_its_checkpoint_is_repeated_and_loses_or_doubles_nothing(
    aws, time_, monkeypatch, generation
):
    monkeypatch.setattr(list_export, "SECONDS_PER_POLL", 19.0)  # twenty pages a poll
    monkeypatch.setattr(list_export, "PART_BYTES", 5 * 1024 * 1024)
    # About 6.6 MiB: the first part is uploaded at the eighth poll; the ninth reads the last page; the tenth
    # save is the one that ends it (the dying poll repeats from the last checkpoint it left).
    many = {f"member-{n:07d}@example.com": "BOUNCE" for n in range(200_000)}
    lists = exports(aws, FakeSes(many), time_, DiesOnce(aws["s3"], generation))
    lists.start(TRACKING, {"ListSuppressedDestinations": {}})
    statuses = []
    for _ in range(1000):
        try:
            status = lists.status(JOB_ID)
        except RuntimeError:
            continue  # the workflow polls again
        statuses.append(status)
        if status.state.is_final:
            break
    assert statuses[-1].state is JobState.SUCCEEDED
    assert dict(csv.reader(io.StringIO(body(aws, statuses[-1].result_uri)))) == many
    assert statuses[-1].processed == len(many)


def test_a_throttled_page_keeps_what_was_read_and_waits_for_the_schedule(aws, time_, monkeypatch):
    monkeypatch.setattr(list_export, "SECONDS_PER_POLL", 10.0)
    ses = FakeSes(SUPPRESSED)
    ses.throttle_calls = {2, 3, 4}  # the SDK's three attempts are one call here; call_api sees them as one throttle
    lists = exports(aws, ses, time_)
    lists.start(TRACKING, {"ListSuppressedDestinations": {}})
    first = lists.status(JOB_ID)
    assert first.state is JobState.RUNNING and not first.poll_again_now
    assert first.processed == 1000 and "throttled" in (first.error_message or "")
    statuses = run_to_the_end(lists)
    assert statuses[-1].state is JobState.SUCCEEDED and statuses[-1].error_message is None
    assert dict(csv.reader(io.StringIO(body(aws, statuses[-1].result_uri)))) == SUPPRESSED


def test_a_cancelled_export_ends_cancelled_and_leaves_no_upload_behind(aws, time_, monkeypatch):
    monkeypatch.setattr(list_export, "SECONDS_PER_POLL", 19.0)
    monkeypatch.setattr(list_export, "PART_BYTES", 5 * 1024 * 1024)
    many = {f"member-{n:07d}@example.com": "BOUNCE" for n in range(200_000)}
    lists = exports(aws, FakeSes(many), time_)
    lists.start(TRACKING, {"ListSuppressedDestinations": {}})
    for _ in range(9):  # past the first part (about 154,000 rows)
        lists.status(JOB_ID)
    assert aws["s3"].list_multipart_uploads(Bucket=BUCKET).get("Uploads")
    lists.cancel(JOB_ID)
    status = lists.status(JOB_ID)
    assert status.state is JobState.CANCELLED and status.result_uri is None
    assert not aws["s3"].list_multipart_uploads(Bucket=BUCKET).get("Uploads")
    with pytest.raises(Exception, match="already ended"):
        lists.cancel(JOB_ID)


def test_a_contact_list_is_written_with_one_column_per_topic(aws, time_):
    contacts = [
        {
            "EmailAddress": "a@example.com",
            "TopicPreferences": [{"TopicName": "offers", "SubscriptionStatus": "OPT_OUT"}],
        },
        {"EmailAddress": "b@example.com", "UnsubscribeAll": True, "TopicPreferences": []},
        {
            "EmailAddress": "c,d@example.com",
            "TopicPreferences": [{"TopicName": "gone", "SubscriptionStatus": "OPT_IN"}],
        },
    ]
    lists = exports(aws, FakeSes(contacts=contacts), time_)
    lists.start(TRACKING, {"ListContacts": {"ContactListName": "newsletter"}})
    final = run_to_the_end(lists)[-1]
    assert final.result_uri.endswith("/contact-list.csv")
    assert body(aws, final.result_uri) == (
        "emailAddress,unsubscribeAll,topicPreferences.weekly,topicPreferences.offers\n"
        "a@example.com,false,,OPT_OUT\n"
        "b@example.com,true,,\n"
        '"c,d@example.com",false,,\n'
    )


def test_an_export_of_a_missing_contact_list_fails_at_its_first_poll_naming_it(aws, time_):
    lists = exports(aws, FakeSes(), time_)
    lists.start(TRACKING, {"ListContacts": {"ContactListName": "other"}})
    status = lists.status(JOB_ID)
    assert status.state is JobState.FAILED
    assert status.error_message == "The contact list 'other' does not exist."


def test_a_contact_list_export_throttled_at_its_first_page_writes_its_header_once(aws, time_):
    contacts = [{"EmailAddress": f"c{n}@example.com", "TopicPreferences": []} for n in range(3)]
    ses = FakeSes(contacts=contacts)
    ses.throttle_calls = {1}  # the first ListContacts call (GetContactList is not counted here)
    lists = exports(aws, ses, time_)
    lists.start(TRACKING, {"ListContacts": {"ContactListName": "newsletter"}})
    assert not lists.status(JOB_ID).poll_again_now
    final = run_to_the_end(lists)[-1]
    assert body(aws, final.result_uri).count("emailAddress,") == 1 and final.processed == 3


def test_an_empty_list_gives_an_empty_file_and_no_upload(aws, time_):
    lists = exports(aws, FakeSes({}), time_)
    lists.start(TRACKING, {"ListSuppressedDestinations": {}})
    final = run_to_the_end(lists)[-1]
    assert final.state is JobState.SUCCEEDED and final.processed == 0
    assert body(aws, final.result_uri) == ""


def test_a_refused_page_fails_the_export_with_the_services_words(aws, time_):
    ses = FakeSes(SUPPRESSED)

    def refuse(**params: Any) -> dict[str, Any]:
        raise ClientError({"Error": {"Code": "InvalidNextTokenException", "Message": "token expired"}}, "List")

    ses.list_suppressed_destinations = refuse  # type: ignore[method-assign]
    lists = exports(aws, ses, time_)
    lists.start(TRACKING, {"ListSuppressedDestinations": {}})
    status = lists.status(JOB_ID)
    assert status.state is JobState.FAILED
    assert "InvalidNextTokenException: token expired" in (status.error_message or "")


def test_a_job_whose_checkpoint_is_gone_fails_and_a_store_without_a_bucket_says_so(aws, time_):
    lists = exports(aws, FakeSes(), time_)
    assert lists.status(JOB_ID).provider_status == "NOT_FOUND"
    nowhere = exports(aws, FakeSes(), time_, JobStateStore(aws["s3"], None, STATE))
    with pytest.raises(Exception, match="no BUCKET_NAME"):
        nowhere.cancel(JOB_ID)

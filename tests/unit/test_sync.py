"""A contact-list sync, phase by phase, against moto's S3, a fake SES listing and fake import jobs: what it removes is
exactly what the file leaves out (without regard to case), a sync beyond its share changes nothing, a dying poll
never starts a job twice, and a failed import removes nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from listdrop.errors import ProviderRequestRejected
from listdrop.models import Action, DataFormat, Destination, DestinationType, JobState, JobStatus, Route, S3Object
from listdrop.providers.base import ImportRequest
from listdrop.providers.job_state import JobStateStore
from listdrop.providers.ses_export.list_export import ListExports
from listdrop.providers.ses_import import sync_diff
from listdrop.providers.ses_import.sync import ContactListSyncs
from tests.unit.conftest import BUCKET

TRACKING = "ab" * 20
JOB_ID = f"sync-{TRACKING}"
STAGED = f"staging/ses-import/{TRACKING}.csv"
STATE = "staging/jobs/"


class FakeListing:
    """ListContacts and GetContactList of one list, paged by an offset token."""

    def __init__(self, addresses: list[str]) -> None:
        self.contacts = [{"EmailAddress": a, "TopicPreferences": []} for a in addresses]

    def get_contact_list(self, ContactListName: str) -> dict[str, Any]:
        return {"ContactListName": ContactListName, "Topics": []}

    def list_contacts(self, **params: Any) -> dict[str, Any]:
        start = int(params.get("NextToken", "0"))
        end = start + params["PageSize"]
        page = self.contacts[start:end]
        return {"Contacts": page, **({"NextToken": str(end)} if end < len(self.contacts) else {})}


@dataclass
class FakeImports:
    """SES import jobs: started ones end as `ends` says at their next status read."""

    ends: dict[str, JobStatus] = field(default_factory=dict)
    started: list[ImportRequest] = field(default_factory=list)

    def start(self, request: ImportRequest) -> str:
        self.started.append(request)
        return f"job-{len(self.started)}"

    def find_started(self, request: ImportRequest, *, since: datetime) -> str | None:
        for number, earlier in enumerate(self.started, start=1):
            if earlier.source.uri == request.source.uri and earlier.route.action is request.route.action:
                return f"job-{number}"
        return None

    def status(self, job_id: str) -> JobStatus:
        request = self.started[int(job_id.split("-")[1]) - 1]
        default = JobStatus(JobState.SUCCEEDED, "COMPLETED", processed=7)
        return self.ends.get(request.route.action.value, default)


def syncs(aws: dict[str, Any], listed: list[str], imports: FakeImports, store: JobStateStore | None = None):
    store = store or JobStateStore(aws["s3"], BUCKET, STATE)
    lists = ListExports(FakeListing(listed), aws["s3"], store, STATE, sleep=lambda seconds: None)
    return ContactListSyncs(imports, aws["s3"], store, lists, max_removal_percent=25.0)


def begin(aws: dict[str, Any], engine: ContactListSyncs, addresses: list[str], *, any_share: bool = False) -> str:
    body = "emailAddress,unsubscribeAll\n" + "".join(f"{address},false\n" for address in addresses)
    aws["s3"].put_object(Bucket=BUCKET, Key=STAGED, Body=body.encode())
    route = Route("ses-import", Destination(DestinationType.SES_CONTACT_LIST, "news"), Action.SYNC, DataFormat.CSV)
    return engine.start(
        ImportRequest(TRACKING, route, S3Object(BUCKET, STAGED, None, len(body))), allow_any_share=any_share
    )


def run(engine: ContactListSyncs) -> list[JobStatus]:
    statuses = []
    for _ in range(50):
        statuses.append(engine.status(JOB_ID))
        if statuses[-1].state.is_final:
            return statuses
    raise AssertionError("the sync did not end")


def removal_file(aws: dict[str, Any]) -> list[str]:
    key = STAGED.removesuffix(".csv") + ".sync-removals.csv"
    body = aws["s3"].get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    return [row[0] for row in csv.reader(io.StringIO(body))]


LISTED = [f"m{n}@example.com" for n in range(8)]


def test_a_sync_lists_then_puts_then_deletes_what_the_file_leaves_out(aws):
    imports = FakeImports()
    engine = syncs(aws, LISTED, imports)
    assert begin(aws, engine, [*LISTED[:6], "new@example.com", "M5@EXAMPLE.COM"]) == JOB_ID
    statuses = run(engine)
    assert [s.provider_status for s in statuses] == ["IMPORTING", "REMOVING", "COMPLETED"]
    final = statuses[-1]
    assert final.state is JobState.SUCCEEDED
    assert final.sync == {"listed": 8, "added": 1, "updated": 6, "removed": 2}  # M5@EXAMPLE.COM is m5, again
    assert final.processed == 14  # the PUT job's 7 and the DELETE job's 7
    put, delete = imports.started
    assert (put.route.action, put.source.key, put.route.data_format) == (Action.PUT, STAGED, DataFormat.CSV)
    assert (delete.route.action, delete.route.data_format) == (Action.DELETE, DataFormat.CSV)
    assert removal_file(aws) == ["emailAddress", "m6@example.com", "m7@example.com"]


def test_a_sync_beyond_its_share_is_refused_having_started_nothing_unless_the_key_means_it(aws):
    imports = FakeImports()
    begin(aws, syncs(aws, LISTED, imports), LISTED[:4])
    final = run(syncs(aws, LISTED, imports))[-1]
    assert final.state is JobState.FAILED and final.provider_status == "REMOVES_TOO_MANY"
    assert "would remove 4 contacts of 8 (50%), more than listdrop:syncMaxRemovalPercent (25%)" in (
        final.error_message or ""
    )
    assert final.sync == {"listed": 8, "added": 0, "updated": 4, "removed": 4}
    assert imports.started == []

    begin(aws, syncs(aws, LISTED, imports), LISTED[:4], any_share=True)
    assert run(syncs(aws, LISTED, imports))[-1].state is JobState.SUCCEEDED
    assert [request.route.action for request in imports.started] == [Action.PUT, Action.DELETE]


class DiesAfterStarting(JobStateStore):
    """The poll that starts a job dies before it saves the checkpoint that names it, once."""

    def __init__(self, s3: Any) -> None:
        super().__init__(s3, BUCKET, STATE)
        self.died = False

    def write(self, job_id: str, name: str, body: bytes) -> None:
        if job_id == JOB_ID and b'"phase": "IMPORTING"' in body and not self.died:
            self.died = True
            raise RuntimeError("the poll died")
        super().write(job_id, name, body)


def test_a_poll_that_dies_after_starting_the_put_adopts_that_job_and_never_starts_two(aws):
    imports = FakeImports()
    store = DiesAfterStarting(aws["s3"])
    engine = syncs(aws, LISTED, imports, store)
    begin(aws, engine, LISTED[:7])
    statuses = []
    for _ in range(20):
        try:
            statuses.append(engine.status(JOB_ID))
        except RuntimeError:
            continue
        if statuses[-1].state.is_final:
            break
    assert store.died and statuses[-1].state is JobState.SUCCEEDED
    assert [request.route.action for request in imports.started] == [Action.PUT, Action.DELETE]


def test_a_failed_put_removes_nothing_and_says_so(aws):
    imports = FakeImports(ends={"PUT": JobStatus(JobState.FAILED, "FAILED", error_message="bad file")})
    engine = syncs(aws, LISTED, imports)
    begin(aws, engine, LISTED[:7])
    final = run(engine)[-1]
    assert final.state is JobState.FAILED
    assert final.error_message == "The file's import ended FAILED (bad file); no contact was removed."
    assert [request.route.action for request in imports.started] == [Action.PUT]


def test_a_sync_that_removes_nothing_ends_after_its_put(aws):
    imports = FakeImports()
    engine = syncs(aws, LISTED, imports)
    begin(aws, engine, [*LISTED, "extra@example.com"])
    final = run(engine)[-1]
    assert final.state is JobState.SUCCEEDED and final.sync == {"listed": 8, "added": 1, "updated": 8, "removed": 0}
    assert [request.route.action for request in imports.started] == [Action.PUT]


def test_a_sync_is_cancelled_while_it_lists_and_not_once_its_jobs_run(aws):
    imports = FakeImports()
    engine = syncs(aws, LISTED, imports)
    begin(aws, engine, LISTED)
    engine.cancel(JOB_ID)
    assert engine.status(JOB_ID).state is JobState.CANCELLED
    assert imports.started == []

    engine = syncs(aws, LISTED, imports, JobStateStore(aws["s3"], BUCKET, "staging/other-jobs/"))
    begin(aws, engine, LISTED)
    assert engine.status(JOB_ID).provider_status == "IMPORTING"
    with pytest.raises(ProviderRequestRejected, match="SES import jobs cannot be cancelled"):
        engine.cancel(JOB_ID)


@pytest.mark.parametrize(
    ("lines", "data_format", "addresses"),
    [
        (["emailAddress,unsubscribeAll\n", "a@example.com,false\n", "\n"], "CSV", ["a@example.com"]),
        (["unsubscribeAll,emailAddress\n", 'false,"b,c"@example.com\n'], "CSV", ["b,c@example.com"]),
        (['{"emailAddress": "d@example.com"}\n', "\n"], "JSON", ["d@example.com"]),
    ],
)
def test_the_checked_copy_gives_its_addresses_in_either_layout(lines, data_format, addresses):
    assert list(sync_diff.staged_addresses(lines, data_format)) == addresses


def test_addresses_are_compared_without_regard_to_case_or_surrounding_spaces():
    kept = sync_diff.file_digests(["Jane@Example.com", "x@example.com"])
    leaves = dict(sync_diff.removals(["jane@example.com", " X@EXAMPLE.COM", "y@example.com"], kept))
    assert leaves == {"jane@example.com": False, " X@EXAMPLE.COM": False, "y@example.com": True}

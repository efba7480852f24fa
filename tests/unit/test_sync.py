"""A contact-list sync, phase by phase, against moto's S3, a fake SES listing and fake import jobs: what it removes is
exactly what the file leaves out (without regard to case), a sync beyond its share changes nothing, a dying poll
never starts a job twice, and a failed import removes nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from listdrop.errors import ProviderRequestRejected
from listdrop.models import Action, DataFormat, Destination, DestinationType, JobState, JobStatus, Route, S3Object
from listdrop.providers import sync_diff
from listdrop.providers.base import ImportRequest
from listdrop.providers.job_state import JobStateStore
from listdrop.providers.mail_manager.sync import AddressListTarget
from listdrop.providers.ses_export import list_export
from listdrop.providers.ses_export.list_export import ListExports
from listdrop.providers.ses_import.sync import ContactListTarget
from listdrop.providers.syncs import SyncCheckpoint, Syncs
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
    return Syncs(ContactListTarget(), imports, aws["s3"], store, lists, max_removal_percent=25.0)


def begin(aws: dict[str, Any], engine: Syncs, addresses: list[str], *, any_share: bool = False) -> str:
    body = "emailAddress,unsubscribeAll\n" + "".join(f"{address},false\n" for address in addresses)
    aws["s3"].put_object(Bucket=BUCKET, Key=STAGED, Body=body.encode())
    route = Route("ses-import", Destination(DestinationType.SES_CONTACT_LIST, "news"), Action.SYNC, DataFormat.CSV)
    return engine.start(
        ImportRequest(TRACKING, route, S3Object(BUCKET, STAGED, None, len(body))), allow_any_share=any_share
    )


def run(engine: Syncs) -> list[JobStatus]:
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
    assert final.error_message == "The file's import ended FAILED (bad file); nothing was removed."
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
    with pytest.raises(ProviderRequestRejected, match="it changes the list now, and runs to its end"):
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
    assert list(sync_diff.staged_addresses(lines, data_format, "emailAddress")) == addresses


def test_addresses_are_compared_without_regard_to_case_or_surrounding_spaces():
    kept = sync_diff.file_digests(["Jane@Example.com", "x@example.com"])
    leaves = dict(sync_diff.removals(["jane@example.com", " X@EXAMPLE.COM", "y@example.com"], kept))
    assert leaves == {"jane@example.com": False, " X@EXAMPLE.COM": False, "y@example.com": True}


class FakeMailManager:
    """DeregisterMemberFromAddressList over a set of members; chosen calls throttled or refused."""

    def __init__(self, members: set[str]) -> None:
        self.members = members
        self.calls: list[str] = []
        self.answers: dict[int, str] = {}  # call number -> error code

    def deregister_member_from_address_list(self, AddressListId: str, Address: str) -> dict[str, Any]:
        self.calls.append(Address)
        code = self.answers.get(len(self.calls))
        if code:
            raise ClientError({"Error": {"Code": code, "Message": code}}, "DeregisterMemberFromAddressList")
        if Address not in self.members:
            raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "no"}}, "Deregister")
        self.members.remove(Address)
        return {}


def mail_checkpoint(aws: dict[str, Any], removals: list[str], removed: int = 0) -> SyncCheckpoint:
    checkpoint = SyncCheckpoint(
        tracking_id=TRACKING,
        destination_type="MAIL_MANAGER_ADDRESS_LIST",
        destination="al-1",
        data_format="CSV",
        staged_bucket=BUCKET,
        staged_key=f"staging/mail-manager/{TRACKING}.csv",
        staged_size=1,
        allow_any_share=False,
        started_at=datetime.now(UTC).isoformat(),
        removed=removed,
    )
    body = "address\n" + "".join(f"{address}\n" for address in removals)
    aws["s3"].put_object(Bucket=BUCKET, Key=checkpoint.removals_key, Body=body.encode())
    return checkpoint


def test_mail_manager_members_are_removed_one_a_second_for_a_poll_then_resumed(aws, monkeypatch):
    monkeypatch.setattr(list_export, "SECONDS_PER_POLL", 2.5)
    clock = {"now": 0.0}
    removals = [f"gone-{n}@example.com" for n in range(5)]
    mail = FakeMailManager({*removals, "stays@example.com"})
    target = AddressListTarget(
        mail, aws["s3"], monotonic=lambda: clock["now"], sleep=lambda s: clock.__setitem__("now", clock["now"] + s)
    )
    first = target.remove(mail_checkpoint(aws, removals), FakeImports())
    # calls at 0, 1, 2 and 3 s: the first past the 2.5 s ends the poll
    assert (first.state, first.removed, first.poll_again_now) == (JobState.RUNNING, 4, True)
    second = target.remove(mail_checkpoint(aws, removals, removed=first.removed), FakeImports())
    assert (second.state, second.removed) == (JobState.SUCCEEDED, 5)
    assert mail.calls == removals and mail.members == {"stays@example.com"}


def test_mail_manager_removal_counts_a_member_already_gone_and_backs_off_when_throttled(aws):
    removals = ["a@example.com", "b@example.com", "c@example.com"]
    mail = FakeMailManager({"b@example.com", "c@example.com"})  # a@ is gone already
    mail.answers = {3: "ThrottlingException"}
    target = AddressListTarget(mail, aws["s3"], monotonic=lambda: 0.0, sleep=lambda s: None)
    throttled = target.remove(mail_checkpoint(aws, removals), FakeImports())
    assert (throttled.state, throttled.removed, throttled.poll_again_now) == (JobState.RUNNING, 2, False)
    done = target.remove(mail_checkpoint(aws, removals, removed=2), FakeImports())
    assert (done.state, done.removed) == (JobState.SUCCEEDED, 3) and mail.members == set()


def test_mail_manager_removal_refused_fails_saying_how_many_were_removed(aws):
    mail = FakeMailManager({"a@example.com", "b@example.com"})
    mail.answers = {2: "AccessDeniedException"}
    target = AddressListTarget(mail, aws["s3"], monotonic=lambda: 0.0, sleep=lambda s: None)
    step = target.remove(mail_checkpoint(aws, ["a@example.com", "b@example.com"]), FakeImports())
    assert step.state is JobState.FAILED and step.removed == 1
    assert step.error is not None and step.error.startswith("after 1 removed: DeregisterMemberFromAddressList was")

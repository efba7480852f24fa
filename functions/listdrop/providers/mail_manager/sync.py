"""An address-list sync's Mail Manager side (providers/syncs.py runs it): the list is read with
ListMembersOfAddressList (PageSize at most 1,000: botocore's mailmanager model), the file is imported with an
address-list import job (its ClientToken, the upload's tracking id, makes a repeated start return the same job), and
Mail Manager has no bulk removal, so the members the file leaves out are removed one by one with
DeregisterMemberFromAddressList, for up to `list_export.SECONDS_PER_POLL` a poll, at most one call a second (Mail
Manager documents no rate for it: an assumption, stated in the README), resuming where the last poll stopped.

A member already gone (ResourceNotFoundException) counts as removed: the list then matches the file all the same.
A throttled call ends the poll early and the workflow backs off; a refused one (access denied, say) fails the sync,
saying how many were removed.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from listdrop.errors import ProviderRequestRejected, ProviderUnavailable
from listdrop.models import JobState
from listdrop.providers import sync_diff
from listdrop.providers.base import call_api
from listdrop.providers.ses_export import list_export
from listdrop.providers.syncs import ImportJobs, RemovalStep, SyncCheckpoint
from listdrop.validation.csv_text import csv_line
from listdrop.validation.formats import MAIL_MANAGER_ADDRESS

NOT_FOUND = frozenset({"ResourceNotFoundException"})
MIN_CALL_INTERVAL_SECONDS = 1.0


class AddressListTarget:
    provider = "mail-manager"
    member = "member"
    listing_operation = "ListMembersOfAddressList"
    address_column = MAIL_MANAGER_ADDRESS
    removals_header = csv_line([MAIL_MANAGER_ADDRESS])

    def __init__(
        self,
        mail: Any,
        s3: Any,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._mail, self._s3 = mail, s3
        self._monotonic, self._sleep = monotonic, sleep

    def listing(self, destination: str) -> dict[str, Any]:
        return {self.listing_operation: {"AddressListId": destination}}

    def remove(self, checkpoint: SyncCheckpoint, imports: ImportJobs) -> RemovalStep:
        """Deregister the listed members from where the last poll stopped, for up to a poll's time."""
        body = call_api(self._s3.get_object, "GetObject", Bucket=checkpoint.staged_bucket, Key=checkpoint.removals_key)
        members = sync_diff.listed_addresses(sync_diff.text_lines(body["Body"]))
        removed, step_ends, last_call = checkpoint.removed, self._monotonic() + list_export.SECONDS_PER_POLL, None
        for address in itertools.islice(members, checkpoint.removed, None):
            if last_call is not None:
                self._sleep(max(0.0, last_call + MIN_CALL_INTERVAL_SECONDS - self._monotonic()))
            try:
                self._deregister(checkpoint.destination, address)
            except ProviderUnavailable:
                return RemovalStep(JobState.RUNNING, removed=removed)  # throttled: the workflow backs off
            except ProviderRequestRejected as refused:
                return RemovalStep(JobState.FAILED, removed=removed, error=f"after {removed:,} removed: {refused}")
            finally:
                last_call = self._monotonic()
            removed += 1
            if self._monotonic() >= step_ends:
                return RemovalStep(JobState.RUNNING, removed=removed, poll_again_now=True)
        return RemovalStep(JobState.SUCCEEDED, removed=removed)

    def _deregister(self, address_list: str, address: str) -> None:
        with contextlib.suppress(ClientError):  # already gone: the list matches the file all the same
            call_api(
                self._mail.deregister_member_from_address_list,
                "DeregisterMemberFromAddressList",
                expected=NOT_FOUND,
                AddressListId=address_list,
                Address=address,
            )

"""A contact-list sync's SES side (providers/syncs.py runs it): the list is read with ListContacts, and the contacts
the file leaves out are removed with one SES import job (DELETE) reading the removals file, a contact-list CSV with
the header `emailAddress` (SES Developer Guide, importing contacts), written beside the checked copy where SES may
read it under the bucket policy; not one call per contact."""

from __future__ import annotations

from typing import Any

from listdrop.models import Action, DataFormat, JobState
from listdrop.providers.syncs import ImportJobs, RemovalStep, SyncCheckpoint, start_or_adopt
from listdrop.validation.csv_text import csv_line

PROVIDER = "ses-import"


class ContactListTarget:
    provider = PROVIDER
    member = "contact"
    listing_operation = "ListContacts"
    address_column = "emailAddress"
    removals_header = csv_line(["emailAddress"])

    def listing(self, destination: str) -> dict[str, Any]:
        return {self.listing_operation: {"ContactListName": destination}}

    def remove(self, checkpoint: SyncCheckpoint, imports: ImportJobs) -> RemovalStep:
        """Start the DELETE job (the one an interrupted poll started, if any), then follow it to its end."""
        if checkpoint.remove_job is None:
            request = checkpoint.request(PROVIDER, Action.DELETE, checkpoint.removals_key, DataFormat.CSV.value)
            return RemovalStep(JobState.RUNNING, remove_job=start_or_adopt(imports, checkpoint, request))
        delete = imports.status(checkpoint.remove_job)
        error = f"the DELETE import job ended {delete.provider_status}: {delete.error_message}"
        return RemovalStep(
            delete.state if delete.state in (JobState.RUNNING, JobState.SUCCEEDED) else JobState.FAILED,
            removed=delete.processed,
            failed=delete.failed,
            error=None if delete.state is JobState.SUCCEEDED else error,
        )

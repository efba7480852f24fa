"""Phase 3 of `listdrop smoke`: the files it drops, the outcome each must reach, and where its data must land.

The addresses are at example.com, a domain reserved for documentation and testing (RFC 2606): no real person
has them, and nothing is sent to them anyway (an import sends no mail). Nothing here prints an address.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from listdrop.cli.connection import Connection
from listdrop.cli.smoke.report import CheckFailed
from listdrop.cli.smoke.resources import Scratch
from listdrop.providers import mail_manager, pinpoint_import, ses_export, ses_import

ADDRESSES = ("listdrop-smoke-1@example.com", "listdrop-smoke-2@example.com")
ENDPOINT_IDS = ("listdrop-smoke-1", "listdrop-smoke-2")
SUCCEEDED = "SUCCEEDED"
REJECTED = "REJECTED"
NO_ROUTE = "NO_ROUTE"


@dataclass
class Drop:
    """One file to upload and what must come of it."""

    label: str
    provider: str | None
    key: str
    body: bytes
    content_type: str
    outcome: str
    topic: str  # the topic (by Deployment.topics name) the notification must arrive on
    reason_code: str | None = None
    # Reads where the data must have landed; returns a detail line or raises CheckFailed.
    landed: Callable[[Connection, dict[str, Any]], str] | None = None
    version_id: str | None = None
    uploaded_at: float = 0.0

    def matches(self, event: dict[str, Any]) -> bool:
        source = event["detail"].get("source") or {}
        if source.get("key") != self.key:
            return False
        return self.version_id is None or source.get("versionId") in (None, self.version_id)


def plan(scratch: Scratch, providers: tuple[str, ...], *, today: datetime | None = None) -> list[Drop]:
    """One small file per enabled provider whose destination exists, and one file that must be rejected."""
    folder = scratch.name
    drops = []
    if ses_import.SPEC.name in providers and scratch.contact_list:
        drops.append(
            Drop(
                label="SES contact-list import",
                provider=ses_import.SPEC.name,
                key=f"imports/ses/contact-lists/{scratch.contact_list}/put/{folder}/contacts.csv",
                body=_lines("emailAddress", *ADDRESSES),
                content_type="text/csv",
                outcome=SUCCEEDED,
                topic="completed",
                landed=_contacts_landed(scratch.contact_list),
            )
        )
    if mail_manager.SPEC.name in providers and scratch.address_list_id:
        drops.append(
            Drop(
                label="Mail Manager import",
                provider=mail_manager.SPEC.name,
                key=f"imports/mail-manager/address-lists/{scratch.address_list_id}/{folder}/members.csv",
                # The bulk layout the SES developer guide documents for address lists: a CSV with an `address` header.
                body=_lines("address", *ADDRESSES),
                content_type="text/csv",
                outcome=SUCCEEDED,
                topic="completed",
                landed=_members_landed(scratch.address_list_id),
            )
        )
    if ses_export.SPEC.name in providers:
        drops.append(
            Drop(
                label="SES export",
                provider=ses_export.SPEC.name,
                key=f"exports/ses/{folder}.json",
                body=export_request(today or datetime.now(UTC)),
                content_type="application/json",
                outcome=SUCCEEDED,
                topic="completed",
                landed=_result_landed(scratch),
            )
        )
    if pinpoint_import.SPEC.name in providers and scratch.application_id:
        rows = [f"EMAIL,{address},{endpoint}" for address, endpoint in zip(ADDRESSES, ENDPOINT_IDS, strict=True)]
        drops.append(
            Drop(
                label="Pinpoint import",
                provider=pinpoint_import.SPEC.name,
                key=f"imports/pinpoint/{scratch.application_id}/endpoints/{folder}/endpoints.csv",
                body=_lines("ChannelType,Address,Id", *rows),
                content_type="text/csv",
                outcome=SUCCEEDED,
                topic="completed",
                landed=_endpoints_landed(scratch.application_id),
            )
        )
    drops.append(
        Drop(
            label="bad file",
            provider=None,
            # Under imports/, so S3 notifies the pipeline, but routed nowhere: the starter must reject it.
            key=f"imports/{folder}/routes-nowhere.csv",
            body=_lines("emailAddress", "not-an-address"),
            content_type="text/csv",
            outcome=REJECTED,
            topic="failed",
            reason_code=NO_ROUTE,
        )
    )
    return drops


def export_request(today: datetime) -> bytes:
    """Yesterday's sending volume of an identity that is not the account's (example.com): a metrics export reads
    nothing that matters and carries no address. Metrics exports take whole UTC days."""
    end = today.astimezone(UTC).date()
    start = end - timedelta(days=1)
    request = {
        "ExportDataSource": {
            "MetricsDataSource": {
                "Namespace": "VDM",
                "Dimensions": {"EMAIL_IDENTITY": ["example.com"]},
                "Metrics": [{"Name": "SEND", "Aggregation": "VOLUME"}],
                "StartDate": start.isoformat(),
                "EndDate": end.isoformat(),
            }
        },
        "ExportDestination": {"DataFormat": "CSV"},
    }
    return json.dumps(request, indent=2).encode()


def outcome_problem(drop: Drop, event: dict[str, Any], topic_arn: str, expected_topic_arn: str) -> str | None:
    """Why this notification is not the one the drop must get, or None when it is."""
    detail = event["detail"]
    outcome, code = detail.get("outcome"), detail.get("reasonCode")
    if outcome != drop.outcome or (drop.reason_code and code != drop.reason_code):
        found = f"{outcome} ({code})" if code else str(outcome)
        expected = f"{drop.outcome} ({drop.reason_code})" if drop.reason_code else drop.outcome
        return f"{found}, expected {expected}: {detail.get('reason') or detail.get('summary')}"
    if topic_arn != expected_topic_arn:
        return f"{outcome} arrived on {topic_arn}, expected the {drop.topic} topic {expected_topic_arn}"
    return None


# -- where the data must land -------------------------------------------------------------------------


def _contacts_landed(contact_list: str) -> Callable[[Connection, dict[str, Any]], str]:
    def check(connection: Connection, event: dict[str, Any]) -> str:
        ses = connection.client("sesv2")
        found: set[str] = set()
        token: str | None = None
        while True:  # botocore has no paginator for ListContacts
            page = ses.list_contacts(ContactListName=contact_list, **({"NextToken": token} if token else {}))
            found |= {contact["EmailAddress"].lower() for contact in page.get("Contacts", [])}
            token = page.get("NextToken")
            if not token:
                break
        return _all_there(found, ADDRESSES, f"contacts in {contact_list}", event)

    return check


def _members_landed(address_list_id: str) -> Callable[[Connection, dict[str, Any]], str]:
    def check(connection: Connection, event: dict[str, Any]) -> str:
        mailmanager = connection.client("mailmanager")
        found: set[str] = set()
        token: str | None = None
        while True:
            page = mailmanager.list_members_of_address_list(
                AddressListId=address_list_id, **({"NextToken": token} if token else {})
            )
            found |= {member["Address"].lower() for member in page.get("Addresses", [])}
            token = page.get("NextToken")
            if not token:
                break
        return _all_there(found, ADDRESSES, f"members of {address_list_id}", event)

    return check


def _result_landed(scratch: Scratch) -> Callable[[Connection, dict[str, Any]], str]:
    def check(connection: Connection, event: dict[str, Any]) -> str:
        detail = event["detail"]
        result = detail.get("result")
        if not result or not str(result).startswith("s3://"):
            raise CheckFailed(f"the outcome names no result file: {detail.get('reason') or 'no reason given'}")
        bucket, _, key = str(result)[len("s3://") :].partition("/")
        scratch.result_prefixes.append(key.rsplit("/", 1)[0] + "/")
        size = connection.client("s3").head_object(Bucket=bucket, Key=key)["ContentLength"]
        return f"{result} ({size:,} bytes)"

    return check


def _endpoints_landed(application_id: str) -> Callable[[Connection, dict[str, Any]], str]:
    def check(connection: Connection, event: dict[str, Any]) -> str:
        pinpoint = connection.client("pinpoint")
        for endpoint_id in ENDPOINT_IDS:
            pinpoint.get_endpoint(ApplicationId=application_id, EndpointId=endpoint_id)
        return f"{len(ENDPOINT_IDS)} of {len(ENDPOINT_IDS)} endpoints in application {application_id}"

    return check


def _all_there(found: set[str], expected: tuple[str, ...], what: str, event: dict[str, Any]) -> str:
    missing = [address for address in expected if address.lower() not in found]
    failed = (event["detail"].get("records") or {}).get("failed") or 0
    if missing or failed:
        raise CheckFailed(f"{len(expected) - len(missing)} of {len(expected)} {what}; the job counted {failed} failed")
    return f"{len(expected)} of {len(expected)} {what}"


def _lines(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()

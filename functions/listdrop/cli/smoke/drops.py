"""Phase 3 of `listdrop smoke`: the files it drops, the outcome each must reach, and where its data must land.

Each provider's file comes from its smoke case (cases/); the plan adds one file that must be rejected. The
addresses are at example.com, a domain reserved for documentation and testing (RFC 2606): no real person has
them, and nothing is sent to them anyway (an import sends no mail). Nothing here prints an address.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from listdrop.cli.connection import Connection
from listdrop.cli.smoke.report import CheckFailed
from listdrop.cli.smoke.resources import Scratch

ADDRESSES = ("listdrop-smoke-1@example.com", "listdrop-smoke-2@example.com")
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
    """One small file per enabled provider with a smoke case whose destination exists, and one file that must be
    rejected."""
    from listdrop.cli.smoke.cases import case_of

    folder = scratch.name
    drops = []
    for provider in providers:
        case = case_of(provider)
        planned = case.drop(scratch.destinations.get(provider), folder, today or datetime.now(UTC)) if case else None
        if planned is not None:
            drops.append(planned)
    drops.append(
        Drop(
            label="bad file",
            provider=None,
            # Under imports/, so S3 notifies the pipeline, but routed nowhere: the starter must reject it.
            key=f"imports/{folder}/routes-nowhere.csv",
            body=lines("emailAddress", "not-an-address"),
            content_type="text/csv",
            outcome=REJECTED,
            topic="failed",
            reason_code=NO_ROUTE,
        )
    )
    return drops


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


def all_there(found: set[str], expected: tuple[str, ...], what: str, event: dict[str, Any]) -> str:
    missing = [address for address in expected if address.lower() not in found]
    failed = (event["detail"].get("records") or {}).get("failed") or 0
    if missing or failed:
        raise CheckFailed(f"{len(expected) - len(missing)} of {len(expected)} {what}; the job counted {failed} failed")
    return f"{len(expected)} of {len(expected)} {what}"


def lines(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()

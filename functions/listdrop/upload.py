"""The facts about one upload that travel from the starter through the workflow to the outcome event."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from listdrop.models import Action, Destination, JobKind, Route, S3Object
from listdrop.privacy import redact_emails
from listdrop.wording import checks_lines, what_happened


def tracking_id_for(bucket: str, key: str, version: str) -> str:
    """Deterministic id of one object version: every delivery of the same upload maps to it.

    It doubles as the Step Functions execution name (<= 80 characters of [0-9a-z]).
    """
    digest = hashlib.sha256(f"{bucket}\n{key}\n{version}".encode()).hexdigest()
    return digest[:40]


@dataclass(frozen=True)
class Upload:
    tracking_id: str
    provider: str
    destination: dict[str, Any]
    action: str
    data_format: str | None
    source: dict[str, Any]
    started_at: str
    job_id: str | None = None
    # What reading the file found (rows, normalizations, the rejected-rows report) and the normalized file
    # the job reads; see Checked.to_state in starter.py.
    validation: dict[str, Any] | None = None
    staged: dict[str, Any] | None = None

    @classmethod
    def accepted(cls, tracking_id: str, route: Route, source: S3Object, started_at: str) -> Upload:
        return cls(
            tracking_id=tracking_id,
            provider=route.provider,
            destination=route.destination.to_dict(),
            action=route.action.value,
            data_format=route.data_format.value,
            source=source.to_dict(),
            started_at=started_at,
        )

    @classmethod
    def rejected(
        cls,
        tracking_id: str,
        route: Route | None,
        source: S3Object,
        started_at: str,
        *,
        provider: str | None = None,
        destination: Destination | None = None,
    ) -> Upload:
        """A rejected file may not even have a route; the event still says all that is known: the provider and the
        destination when the key named them before the rest of it was refused (RejectedFile.naming)."""
        if route is not None:
            return cls.accepted(tracking_id, route, source, started_at)
        return cls(
            tracking_id=tracking_id,
            provider=provider or "none",
            destination=(
                destination.to_dict()
                if destination is not None
                else {"type": None, "name": None, "label": "no destination"}
            ),
            action="NONE",
            data_format=None,
            source=source.to_dict(),
            started_at=started_at,
        )

    def with_job(self, job_id: str) -> Upload:
        return Upload(**{**self.__dict__, "job_id": job_id})

    def with_validation(self, validation: dict[str, Any], staged: dict[str, Any] | None) -> Upload:
        return Upload(**{**self.__dict__, "validation": validation, "staged": staged})

    @property
    def job_kind(self) -> JobKind:
        """An export request's events say Export, every other file's Import (the first word of the detail-type)."""
        return JobKind.EXPORT if self.action == Action.EXPORT.value else JobKind.IMPORT

    def to_state(self) -> dict[str, Any]:
        return {
            "trackingId": self.tracking_id,
            # Derived from the action, never read back: the workflow's own failure event takes its detail-type
            # from it (infra/constructs/workflow.py).
            "jobKind": self.job_kind.value,
            "provider": self.provider,
            "jobId": self.job_id,
            "destination": self.destination,
            "action": self.action,
            "dataFormat": self.data_format,
            "source": self.source,
            "startedAt": self.started_at,
            "validation": self.validation,
            "staged": self.staged,
            # Derived and never read back either: the workflow's own failure outcome (the poller could not tell)
            # shows the same sentence parts and checked rows as the poller's would (listdrop.outcome).
            "notice": {
                "what": what_happened(self.action, self.destination, redact_emails(self.source["uri"])),
                **checks_lines(self.validation),
            },
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Upload:
        return cls(
            tracking_id=state["trackingId"],
            provider=state["provider"],
            destination=state["destination"],
            action=state["action"],
            data_format=state.get("dataFormat"),
            source=state["source"],
            started_at=state["startedAt"],
            job_id=state.get("jobId"),
            validation=state.get("validation"),
            staged=state.get("staged"),
        )

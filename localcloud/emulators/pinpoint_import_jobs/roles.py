"""What Pinpoint does when it assumes the role an import job names: the trust policy decides, then the role's
policies and the bucket policy decide each read (evaluated by the local cloud's IAM evaluator,
``localcloud/iam/policy.py``, with the condition keys Pinpoint sends)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from localcloud.emulators.kit.errors import JobFailure
from localcloud.iam.policy import Principal, Request, authorize

PINPOINT_SERVICE_PRINCIPAL = "pinpoint.amazonaws.com"
ROLE_ARN_RE = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):role/.+")


def _document(document: Any) -> dict[str, Any] | None:
    """A policy document given as a dict or a (possibly URL-encoded) JSON string, as moto's IAM keeps it."""
    if isinstance(document, bytes):
        document = document.decode("utf-8", "replace")
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            try:
                document = json.loads(unquote(document))
            except ValueError:
                return None
    return document if isinstance(document, dict) else None


@dataclass(frozen=True)
class AssumedRole:
    """The identity Pinpoint acts as once it assumed the job's role."""

    arn: str
    policies: tuple[dict[str, Any], ...]

    def denied_reason(self, action: str, resource: str, resource_policy: Any = None) -> str | None:
        """Why the role may not perform ``action`` on ``resource`` (its policies, and the resource's own policy,
        e.g. the bucket policy), or None if they allow it."""
        request = Request(Principal(self.arn), action, resource, {"aws:SecureTransport": "true"})
        policy = _document(resource_policy)
        decision = authorize(request, self.policies, policy, resource_account=self.arn.split(":")[4])
        if decision:
            return None
        if "explicit deny" in decision.reason:
            return f"the policies of role {self.arn} or of the bucket explicitly deny {action} on {resource}"
        return f"the policies of role {self.arn} do not allow {action} on {resource}"


def assume_role(role_arn: str, account_id: str, context: dict[str, str]) -> AssumedRole:
    """Check what sts:AssumeRole by pinpoint.amazonaws.com would check (the role's trust policy, evaluated by the
    local cloud's IAM evaluator with the keys Pinpoint sends); JobFailure with the reason if it fails."""
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    prefix = f"Amazon Pinpoint could not assume the role {role_arn}"
    match = ROLE_ARN_RE.fullmatch(role_arn)
    if not match or match.group(1) != account_id:
        raise JobFailure(f"{prefix}: the role does not exist in account {account_id}")
    backend = iam_backends[account_id]["aws"]
    try:
        role = backend.get_role_by_arn(role_arn)
    except NotFoundException as exc:
        raise JobFailure(f"{prefix}: the role does not exist") from exc
    request = Request(Principal(PINPOINT_SERVICE_PRINCIPAL), "sts:AssumeRole", role_arn, context)
    decision = authorize(request, (), _document(role.assume_role_policy_document), resource_account=account_id)
    if not decision:
        if "explicit deny" in decision.reason:
            raise JobFailure(f"{prefix}: its trust policy denies {PINPOINT_SERVICE_PRINCIPAL} sts:AssumeRole")
        raise JobFailure(
            f"{prefix}: its trust policy does not allow {PINPOINT_SERVICE_PRINCIPAL} to call sts:AssumeRole"
        )
    documents = [_document(document) for document in role.policies.values()]
    for policy in role.managed_policies.values():
        documents.extend(_document(version.document) for version in policy.versions if version.is_default)
    return AssumedRole(role.arn, tuple(d for d in documents if d is not None))

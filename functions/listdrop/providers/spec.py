"""What the rest of listdrop asks of a provider, in one record per provider (see `registry.PROVIDERS`).

Routing, `listdrop jobs --native`, the settings, infra (the roles' permissions) and the local cloud read these
records; none of them names a provider. Everything here is plain data and functions: no CDK, no AWS calls at
import time, so infra can read it while synthesizing and the Lambda functions while running.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from listdrop.models import Route
from listdrop.providers.base import JobProvider
from listdrop.providers.clients import Clients
from listdrop.providers.native import NativeListing

if TYPE_CHECKING:  # importing the checker here would load it into every function that reads a spec
    from listdrop.validation.layout import Layout


@dataclass(frozen=True)
class KeyRoutes:
    """The keys a provider takes: those under `prefix`, which `parse` turns into a Route from the key's
    '/'-separated parts after the prefix (or refuses with RejectedFile, saying what to fix)."""

    prefix: str  # e.g. 'imports/mail-manager/'
    parse: Callable[[list[str]], Route]
    example: str  # one key of the layout, shown when a key routes nowhere


class RoleName(StrEnum):
    """The functions whose roles a provider's statements go to."""

    STARTER = "starter"
    POLLER = "poller"


@dataclass(frozen=True)
class Grant:
    """One IAM statement a provider needs on a function's role.

    `resources` are templates: '{partition}', '{region}' and '{account}' stand for the deployment's, and a
    resource starting with 'bucket:' is the upload bucket ('bucket:' alone) or objects under it
    ('bucket:staging/mail-manager/*'). `wildcard_reason` says why a resource holds a wildcard (cdk-nag's
    AwsSolutions-IAM5 finding is acknowledged with it); a statement with a wildcard and no reason fails synthesis.
    """

    role: RoleName
    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    wildcard_reason: str = ""
    conditions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class ServiceRole:
    """A role the job API itself assumes (Pinpoint reads its files with one). The starter may pass it to that
    service only (iam:PassRole with iam:PassedToService) and finds its ARN in `environment_variable`."""

    construct_id: str
    description: str
    service_principal: str  # e.g. 'pinpoint.amazonaws.com'
    source_arn: str  # a template, as in Grant.resources: the service acts for these resources only
    statements: tuple[Grant, ...]  # the role's own permissions (their `role` field is ignored)
    environment_variable: str


@dataclass(frozen=True)
class BucketReader:
    """A job API that reads the checked copies itself, as its service principal (SES import jobs): the upload
    bucket's policy lets it do `actions` on the objects under `prefix` (its staging folder) only, on the
    `conditions` the service documents (templates in the values, as in Grant.resources: '{account}')."""

    sid: str
    service_principal: str  # 'ses.amazonaws.com'
    actions: tuple[str, ...]
    prefix: str  # 'staging/ses-import/'
    conditions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class DeploymentOptions:
    """What a provider's permissions may depend on in a deployment's configuration."""

    allowed_contact_lists: tuple[str, ...] = ()


@dataclass(frozen=True)
class CrashPoint:
    """A point a local cloud's fault plan may name (localcloud/faults.py, "crashes"): the function dies right after
    this job-API call succeeded, as a Lambda whose runtime exits does. `operation` as the service model names it."""

    name: str  # 'starter.after-export-job-created'
    function: RoleName
    operation: str
    description: str


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    description: str  # what the provider drives, for people: 'SES contact lists and the suppression list'
    service: str  # the job API's boto3 client (and botocore model) name
    # The API version of the model that ships with the code (functions/aws-models, `make models`); the clients and
    # the checkers use that model, not the runtime's (listdrop.service_models).
    api_version: str
    factory: Callable[[Clients], JobProvider]
    routes: tuple[KeyRoutes, ...]
    # The layout its records files are checked against (validation/layouts/); None for a provider whose files are
    # one request (an export's parameters, read by its RequestReader).
    layout: Callable[[Route], Layout] | None
    destination_types: tuple[str, ...]  # the Destination.type values its routes produce (job-table filters)
    native: NativeListing
    permissions: Callable[[DeploymentOptions], tuple[Grant, ...]]
    # Every call after which a crash must not lose the upload or start a second job: the create/start calls and
    # the status read.
    crash_points: tuple[CrashPoint, ...]
    # The local cloud's emulator of the job API (a module under localcloud.emulators), or '' when moto serves it.
    emulator: str = ""
    service_role: ServiceRole | None = None
    bucket_readers: tuple[BucketReader, ...] = ()
    # Refuses a routed key whose action the job API cannot do (RejectedFile), so the refusal is reported
    # against its destination rather than as a key that leads nowhere.
    refuse_unsupported: Callable[[Route], None] | None = None
    enabled_by_default: bool = True
    why_off: str = ""  # why a deployment leaves it off unless switched on (shown when a file is refused)
    # What the API answers when it throttles (error code, HTTP status), as its service model's error shapes say;
    # fault plans inject it. base.THROTTLING_ERROR_CODES must hold the code (a test checks), so it is retried.
    throttle_error: tuple[str, int] = ("ThrottlingException", 429)

    def __post_init__(self) -> None:
        if not self.enabled_by_default and not self.why_off:
            raise ValueError(f"provider {self.name}: off by default needs a reason (why_off)")

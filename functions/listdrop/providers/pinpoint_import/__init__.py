"""Amazon Pinpoint endpoint import jobs (off by default since Pinpoint's end of support)."""

from __future__ import annotations

from listdrop.models import DestinationType
from listdrop.providers.native import NativeListing
from listdrop.providers.pinpoint_import import keys, listing
from listdrop.providers.pinpoint_import.jobs import PinpointImportProvider
from listdrop.providers.pinpoint_import.permissions import IMPORT_ROLE, ROLE_ARN_VARIABLE, permissions
from listdrop.providers.spec import CrashPoint, KeyRoutes, ProviderSpec, RoleName
from listdrop.validation.layouts.endpoints import EndpointLayout

SPEC = ProviderSpec(
    name=PinpointImportProvider.name,
    service="pinpoint",
    api_version="2016-12-01",
    description="Amazon Pinpoint applications and segments (endpoint import jobs)",
    factory=lambda clients: PinpointImportProvider(clients.job_api("pinpoint"), clients.environment(ROLE_ARN_VARIABLE)),
    routes=(KeyRoutes(keys.PREFIX, keys.route, keys.EXAMPLE),),
    layout=lambda route: EndpointLayout(route.data_format),
    destination_types=(DestinationType.PINPOINT_APPLICATION,),
    native=NativeListing(listing.import_jobs, listing.OPTIONS),
    permissions=permissions,
    service_role=IMPORT_ROLE,
    crash_points=(
        CrashPoint(
            "starter.after-pinpoint-job-created",
            RoleName.STARTER,
            "CreateImportJob",
            "Pinpoint accepted the import job; its id is not recorded yet",
        ),
        CrashPoint(
            "poller.after-pinpoint-status-read",
            RoleName.POLLER,
            "GetImportJob",
            "the poller read the Pinpoint job's status, then died",
        ),
    ),
    emulator="pinpoint_import_jobs",
    enabled_by_default=False,
    why_off=(
        "Amazon Pinpoint's endpoint imports reached end of support on 30 October 2026, so listdrop's Pinpoint "
        "provider is off unless a deployment switches it on (listdrop:enabledProviders)."
    ),
    throttle_error=("TooManyRequestsException", 429),  # pinpoint service-2.json, TooManyRequestsException
)

__all__ = ["SPEC", "PinpointImportProvider"]

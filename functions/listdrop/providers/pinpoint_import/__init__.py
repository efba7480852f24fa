"""Amazon Pinpoint endpoint import jobs (off by default since Pinpoint's end of support)."""

from __future__ import annotations

from listdrop.models import DestinationType
from listdrop.providers.native import NativeListing
from listdrop.providers.pinpoint_import import keys, listing
from listdrop.providers.pinpoint_import.jobs import PinpointImportProvider
from listdrop.providers.pinpoint_import.permissions import IMPORT_ROLE, ROLE_ARN_VARIABLE, permissions
from listdrop.providers.spec import JobCall, KeyRoutes, ProviderSpec

SPEC = ProviderSpec(
    name=PinpointImportProvider.name,
    description="Amazon Pinpoint applications and segments (endpoint import jobs)",
    factory=lambda clients: PinpointImportProvider(clients.job_api("pinpoint"), clients.environment(ROLE_ARN_VARIABLE)),
    routes=(KeyRoutes(keys.PREFIX, keys.route, keys.EXAMPLE),),
    destination_types=(DestinationType.PINPOINT_APPLICATION,),
    native=NativeListing("pinpoint", listing.import_jobs, listing.OPTIONS),
    permissions=permissions,
    service_role=IMPORT_ROLE,
    start_call=JobCall("pinpoint", "CreateImportJob"),
    status_call=JobCall("pinpoint", "GetImportJob"),
    emulator="pinpoint_import_jobs",
    enabled_by_default=False,
    why_off=(
        "Amazon Pinpoint's endpoint imports reached end of support on 30 October 2026, so listdrop's Pinpoint "
        "provider is off unless a deployment switches it on (listdrop:enabledProviders)."
    ),
    throttle_error=("TooManyRequestsException", 429),  # pinpoint service-2.json, TooManyRequestsException
)

__all__ = ["SPEC", "PinpointImportProvider"]

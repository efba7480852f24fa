"""Amazon SES v2 export jobs: a request file asks for metrics or message insights."""

from __future__ import annotations

from listdrop.models import DestinationType
from listdrop.providers.native import NativeListing
from listdrop.providers.ses_export import keys, listing
from listdrop.providers.ses_export.jobs import SesExportProvider
from listdrop.providers.ses_export.permissions import permissions
from listdrop.providers.spec import CrashPoint, KeyRoutes, ProviderSpec, RoleName

SPEC = ProviderSpec(
    name=SesExportProvider.name,
    service="sesv2",
    api_version="2019-09-27",
    description="SES exports of metrics and message insights (a request file)",
    factory=lambda clients: SesExportProvider(clients.job_api("sesv2")),
    routes=(KeyRoutes(keys.PREFIX, keys.route, keys.EXAMPLE),),
    layout=None,
    destination_types=(DestinationType.SES_EXPORT,),
    native=NativeListing(listing.export_jobs, listing.OPTIONS),
    permissions=permissions,
    crash_points=(
        CrashPoint(
            "starter.after-export-job-created",
            RoleName.STARTER,
            "CreateExportJob",
            "SES accepted the export job; its id is not recorded yet",
        ),
        CrashPoint(
            "poller.after-export-status-read",
            RoleName.POLLER,
            "GetExportJob",
            "the poller read the export job's status, then died",
        ),
    ),
    emulator="sesv2_export_jobs",
    throttle_error=("TooManyRequestsException", 429),  # sesv2 service-2.json, TooManyRequestsException
)

__all__ = ["SPEC", "SesExportProvider"]

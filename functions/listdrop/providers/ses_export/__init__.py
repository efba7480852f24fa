"""Amazon SES v2 exports: a request file asks for metrics or message insights (an SES export job), or for the
suppression list or a contact list (a list export, which listdrop runs itself: list_export.py)."""

from __future__ import annotations

from functools import cache, partial

from listdrop.models import DestinationType
from listdrop.providers.clients import Clients
from listdrop.providers.job_state import JobStateStore, folder
from listdrop.providers.native import NativeListing
from listdrop.providers.ses_export import keys, listing
from listdrop.providers.ses_export.jobs import SesExportProvider
from listdrop.providers.ses_export.list_export import ListExports
from listdrop.providers.ses_export.permissions import permissions
from listdrop.providers.spec import CrashPoint, KeyRoutes, ProviderSpec, RoleName


def list_exports(clients: Clients) -> ListExports:
    """List exports keep their state under the staging prefix and write their files with the other exports'
    (the functions' settings, as infra sets them on both the starter and the poller)."""
    s3 = clients.aws("s3")
    store = JobStateStore(s3, clients.environment("BUCKET_NAME"), folder(clients))
    results = clients.environment("EXPORT_RESULTS_PREFIX") or "exports/results/"
    return ListExports(clients.job_api("sesv2"), s3, store, results)


SPEC = ProviderSpec(
    name=SesExportProvider.name,
    service="sesv2",
    api_version="2019-09-27",
    description="SES exports of metrics, message insights and lists (a request file)",
    factory=lambda clients: SesExportProvider(clients.job_api("sesv2"), cache(partial(list_exports, clients))),
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

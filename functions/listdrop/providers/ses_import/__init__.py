"""Amazon SES v2 import jobs: contact lists and the account-level suppression list."""

from __future__ import annotations

from listdrop.models import DestinationType
from listdrop.providers.native import NativeListing
from listdrop.providers.ses_import import keys, listing
from listdrop.providers.ses_import.jobs import SesImportProvider
from listdrop.providers.ses_import.permissions import permissions
from listdrop.providers.spec import JobCall, KeyRoutes, ProviderSpec

SPEC = ProviderSpec(
    name=SesImportProvider.name,
    description="SES contact lists and the account suppression list (import jobs)",
    factory=lambda clients: SesImportProvider(clients.job_api("sesv2")),
    routes=(KeyRoutes(keys.PREFIX, keys.route, keys.EXAMPLE),),
    destination_types=(DestinationType.SES_CONTACT_LIST, DestinationType.SES_SUPPRESSION_LIST),
    native=NativeListing("sesv2", listing.import_jobs, listing.OPTIONS),
    permissions=permissions,
    start_call=JobCall("sesv2", "CreateImportJob"),
    status_call=JobCall("sesv2", "GetImportJob"),
    emulator="sesv2_import_jobs",
    throttle_error=("TooManyRequestsException", 429),  # sesv2 service-2.json, TooManyRequestsException
)

__all__ = ["SPEC", "SesImportProvider"]

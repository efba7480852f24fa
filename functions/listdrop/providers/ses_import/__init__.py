"""Amazon SES v2 import jobs: contact lists and the account-level suppression list (and contact-list syncs)."""

from __future__ import annotations

from functools import partial

from listdrop.models import DestinationType
from listdrop.providers.native import NativeListing
from listdrop.providers.ses_import import keys, listing
from listdrop.providers.ses_import.jobs import SesImportProvider
from listdrop.providers.ses_import.permissions import SES_READS_CHECKED_FILES, permissions
from listdrop.providers.ses_import.sync import ContactListTarget
from listdrop.providers.spec import CrashPoint, KeyRoutes, ProviderSpec, RoleName
from listdrop.providers.split_jobs import SplitJobs
from listdrop.providers.syncs import build_syncs
from listdrop.validation.formats import spec_for
from listdrop.validation.layouts.addresses import AddressLayout

SPEC = ProviderSpec(
    name=SesImportProvider.name,
    service="sesv2",
    api_version="2019-09-27",
    description="SES contact lists and the account suppression list (import jobs)",
    # A file over one job's record limit becomes several jobs (formats.FileSpec.splits), tracked as one.
    factory=lambda clients: SplitJobs(
        SesImportProvider(clients.job_api("sesv2"), partial(build_syncs, clients, ContactListTarget(), "sesv2"))
    ),
    routes=(KeyRoutes(keys.PREFIX, keys.route, keys.EXAMPLE),),
    layout=lambda route: AddressLayout(spec_for(route)),
    destination_types=(DestinationType.SES_CONTACT_LIST, DestinationType.SES_SUPPRESSION_LIST),
    native=NativeListing(listing.import_jobs, listing.OPTIONS),
    permissions=permissions,
    bucket_readers=(SES_READS_CHECKED_FILES,),
    crash_points=(
        CrashPoint(
            "starter.after-job-created",
            RoleName.STARTER,
            "CreateImportJob",
            "SES accepted the import job; its id is not recorded yet",
        ),
        CrashPoint(
            "poller.after-status-read", RoleName.POLLER, "GetImportJob", "the poller read the status, then died"
        ),
    ),
    emulator="sesv2_import_jobs",
    throttle_error=("TooManyRequestsException", 429),  # sesv2 service-2.json, TooManyRequestsException
)

__all__ = ["SPEC", "SesImportProvider"]

"""Amazon SES Mail Manager address-list import jobs (and address-list syncs)."""

from __future__ import annotations

from listdrop.models import DestinationType
from listdrop.providers.mail_manager import keys, listing
from listdrop.providers.mail_manager.jobs import MailManagerProvider
from listdrop.providers.mail_manager.permissions import permissions
from listdrop.providers.mail_manager.sync import AddressListTarget
from listdrop.providers.native import NativeListing
from listdrop.providers.spec import CrashPoint, KeyRoutes, ProviderSpec, RoleName
from listdrop.providers.syncs import build_syncs
from listdrop.validation.formats import spec_for
from listdrop.validation.layouts.addresses import AddressLayout

SPEC = ProviderSpec(
    name=MailManagerProvider.name,
    service="mailmanager",
    api_version="2023-10-17",
    description="Mail Manager address lists (import jobs that add addresses)",
    factory=lambda clients: MailManagerProvider(
        clients.job_api("mailmanager"),
        clients.aws("s3"),
        syncs=lambda provider: build_syncs(
            clients, AddressListTarget(clients.job_api("mailmanager"), clients.aws("s3")), "mailmanager", provider
        ),
    ),
    routes=(KeyRoutes(keys.PREFIX, keys.route, keys.EXAMPLE),),
    layout=lambda route: AddressLayout(spec_for(route)),
    destination_types=(DestinationType.MAIL_MANAGER_ADDRESS_LIST,),
    refuse_unsupported=keys.refuse_unsupported_action,
    native=NativeListing(listing.import_jobs, listing.OPTIONS),
    permissions=permissions,
    crash_points=(
        CrashPoint(
            "starter.after-address-list-job-created",
            RoleName.STARTER,
            "CreateAddressListImportJob",
            "Mail Manager created the import job; nothing is uploaded to it yet",
        ),
        CrashPoint(
            "starter.after-address-list-job-started",
            RoleName.STARTER,
            "StartAddressListImportJob",
            "Mail Manager started the uploaded import job; its id is not recorded yet",
        ),
        CrashPoint(
            "poller.after-address-list-status-read",
            RoleName.POLLER,
            "GetAddressListImportJob",
            "the poller read the Mail Manager job's status, then died",
        ),
    ),
    emulator="mailmanager",
    throttle_error=("ThrottlingException", 429),  # mailmanager service-2.json, ThrottlingException
)

__all__ = ["SPEC", "MailManagerProvider"]

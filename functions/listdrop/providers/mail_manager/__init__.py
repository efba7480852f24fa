"""Amazon SES Mail Manager address-list import jobs."""

from __future__ import annotations

from listdrop.models import DestinationType
from listdrop.providers.mail_manager import keys, listing
from listdrop.providers.mail_manager.jobs import UPLOAD_CHUNK_BYTES, MailManagerProvider
from listdrop.providers.mail_manager.permissions import permissions
from listdrop.providers.native import NativeListing
from listdrop.providers.spec import JobCall, KeyRoutes, ProviderSpec

SPEC = ProviderSpec(
    name=MailManagerProvider.name,
    description="Mail Manager address lists (import jobs that add addresses)",
    factory=lambda clients: MailManagerProvider(clients.job_api("mailmanager"), clients.aws("s3")),
    routes=(KeyRoutes(keys.PREFIX, keys.route, keys.EXAMPLE),),
    destination_types=(DestinationType.MAIL_MANAGER_ADDRESS_LIST,),
    refuse_unsupported=keys.refuse_unsupported_action,
    native=NativeListing("mailmanager", listing.import_jobs, listing.OPTIONS),
    permissions=permissions,
    start_call=JobCall("mailmanager", "StartAddressListImportJob"),
    status_call=JobCall("mailmanager", "GetAddressListImportJob"),
    emulator="mailmanager",
    throttle_error=("ThrottlingException", 429),  # mailmanager service-2.json, ThrottlingException
)

__all__ = ["SPEC", "UPLOAD_CHUNK_BYTES", "MailManagerProvider"]

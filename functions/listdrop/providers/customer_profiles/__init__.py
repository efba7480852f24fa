"""Amazon Connect Customer Profiles upload jobs (off by default until tried against a real domain)."""

from __future__ import annotations

from listdrop.providers.customer_profiles import keys, listing
from listdrop.providers.customer_profiles.jobs import CustomerProfilesProvider
from listdrop.providers.customer_profiles.layout import ProfileLayout
from listdrop.providers.customer_profiles.permissions import permissions
from listdrop.providers.native import NativeListing
from listdrop.providers.spec import CrashPoint, KeyRoutes, ProviderSpec, RoleName

SPEC = ProviderSpec(
    name=CustomerProfilesProvider.name,
    service="customer-profiles",
    api_version="2020-08-15",
    description="Amazon Connect Customer Profiles domains (upload jobs that create or update profiles)",
    factory=lambda clients: CustomerProfilesProvider(clients.job_api("customer-profiles"), clients.aws("s3")),
    routes=(KeyRoutes(keys.PREFIX, keys.route, keys.EXAMPLE),),
    layout=lambda route: ProfileLayout(),
    destination_types=(keys.DESTINATION_TYPE,),
    refuse_unsupported=keys.refuse_unsupported_action,
    native=NativeListing(listing.upload_jobs, listing.OPTIONS),
    permissions=permissions,
    crash_points=(
        CrashPoint(
            "starter.after-upload-job-created",
            RoleName.STARTER,
            "CreateUploadJob",
            "Customer Profiles created the upload job; nothing is uploaded to it yet",
        ),
        CrashPoint(
            "starter.after-upload-job-started",
            RoleName.STARTER,
            "StartUploadJob",
            "Customer Profiles started the uploaded job; its id is not recorded yet",
        ),
        CrashPoint(
            "poller.after-upload-job-status-read",
            RoleName.POLLER,
            "GetUploadJob",
            "the poller read the Customer Profiles job's status, then died",
        ),
    ),
    emulator="customer_profiles",
    enabled_by_default=False,
    why_off=(
        "Its field mapping (Fields keys, Source and UniqueKey) and its SSE-C upload (the ClientToken as the key, "
        "its MD5 as S3 computes it) follow AWS's model and guides where they are silent, untried against a real "
        "Customer Profiles domain (docs/design/customer-profiles.md, open questions 1-3), so the provider is off "
        "unless a deployment switches it on (listdrop:enabledProviders)."
    ),
    throttle_error=("ThrottlingException", 429),  # customer-profiles service-2.json, ThrottlingException
)

__all__ = ["SPEC", "CustomerProfilesProvider"]

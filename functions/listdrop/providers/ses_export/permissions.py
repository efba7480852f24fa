"""What SES exports need. Service Authorization Reference for Amazon SES v2 (`ses:`): CreateExportJob and
ListExportJobs have no resource type; GetExportJob and CancelExportJob are on `export-job`; GetContactList and
ListContacts are on `contact-list`; ListSuppressedDestinations's only resource type is `tenant`, which an
account-level call (no TenantName) does not name, so it is granted on "*"."""

from __future__ import annotations

from listdrop.keys import EXPORT_RESULTS_PREFIX
from listdrop.providers.job_state import state_grants
from listdrop.providers.spec import DeploymentOptions, Grant, RoleName

EXPORT_JOBS = "arn:{partition}:ses:{region}:{account}:export-job/*"
CONTACT_LIST = "arn:{partition}:ses:{region}:{account}:contact-list/"

JOB_IDS = "SES assigns export-job ids at creation, so they cannot be named in advance."


def permissions(options: DeploymentOptions) -> tuple[Grant, ...]:
    return (
        Grant(
            RoleName.STARTER,
            "StartSesExportJobs",
            ("ses:CreateExportJob", "ses:ListExportJobs"),
            ("*",),
            "ses:CreateExportJob and ses:ListExportJobs support no resource-level permissions (no resource type in "
            "the Service Authorization Reference); the request file says what to export.",
        ),
        Grant(RoleName.STARTER, "FindInterruptedSesExports", ("ses:GetExportJob",), (EXPORT_JOBS,), JOB_IDS),
        Grant(
            RoleName.POLLER,
            "WatchSesExportJobs",
            ("ses:GetExportJob", "ses:CancelExportJob"),  # cancel: at the time limit
            (EXPORT_JOBS,),
            JOB_IDS,
        ),
        # List exports (list_export.py): the starter writes the first checkpoint (under staging/, which it may
        # write anyway); each poll reads the contact list's topics, pages the list, keeps its checkpoint and
        # writes the file.
        page_contact_lists(options.allowed_contact_lists),
        Grant(
            RoleName.POLLER,
            "PageSuppressionList",
            ("ses:ListSuppressedDestinations",),
            ("*",),
            "ses:ListSuppressedDestinations names a resource only for a tenant's list; the account's list has none.",
        ),
        *state_grants(),
        Grant(
            RoleName.POLLER,
            "KeepExportResults",
            ("s3:PutObject", "s3:AbortMultipartUpload"),
            (f"bucket:{EXPORT_RESULTS_PREFIX}*",),
            "Each export's file is copied to exports/results/<job id>/, a key known only once SES assigns the id.",
        ),
    )


def page_contact_lists(names: tuple[str, ...]) -> Grant:
    """Read and page contact lists (list exports, syncs): the ones listdrop:allowedContactLists names, or any."""
    actions = ("ses:GetContactList", "ses:ListContacts")
    if names:
        return Grant(RoleName.POLLER, "PageContactLists", actions, tuple(f"{CONTACT_LIST}{name}" for name in names))
    return Grant(
        RoleName.POLLER,
        "PageContactLists",
        actions,
        (f"{CONTACT_LIST}*",),
        "No listdrop:allowedContactLists configured, so a list export or a sync may read any contact list of the "
        "account; "
        "set that list to scope this permission to named lists.",
    )

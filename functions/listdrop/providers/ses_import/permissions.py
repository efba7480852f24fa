"""What SES import jobs need on the functions' roles. Actions and resource types per the Service Authorization
Reference for Amazon SES v2 (prefix `ses:`; cfn-lint's policy catalog holds it, and tests/unit/test_iam_operations.py
checks every action): CreateImportJob and ListImportJobs have no resource type, GetImportJob is on `import-job`,
GetContactList on `contact-list`."""

from __future__ import annotations

from listdrop.providers.job_state import state_grants
from listdrop.providers.ses_export.permissions import page_contact_lists
from listdrop.providers.spec import BucketReader, DeploymentOptions, Grant, RoleName

SES_ARN = "arn:{partition}:ses:{region}:{account}:"
IMPORT_JOBS = SES_ARN + "import-job/*"
NO_RESOURCE_TYPE = (
    "ses:CreateImportJob and ses:ListImportJobs support no resource-level permissions (no resource type in the "
    "Service Authorization Reference); the destination is chosen by the file's key."
)
STAGED = "staging/ses-import/"  # the checked copies SES reads (SES_READS_CHECKED_FILES)
JOB_IDS = "Import job ids are assigned by SES at creation, so they cannot be named in advance."


def permissions(options: DeploymentOptions) -> tuple[Grant, ...]:
    return (
        _contact_lists(options.allowed_contact_lists),
        Grant(
            RoleName.STARTER,
            "StartSesImportJobs",
            ("ses:CreateImportJob", "ses:ListImportJobs"),  # listing: see FindInterruptedSesJobs
            ("*",),
            NO_RESOURCE_TYPE,
        ),
        # A retry after a crash between CreateImportJob and recording its id looks the job up (SES import jobs
        # take no client token): list them, then read each candidate's source.
        Grant(
            RoleName.STARTER,
            "FindInterruptedSesJobs",
            ("ses:GetImportJob",),
            (IMPORT_JOBS,),
            f"{JOB_IDS} A retry reads the jobs it lists to find one an interrupted attempt started.",
        ),
        Grant(RoleName.POLLER, "ReadSesImportJobs", ("ses:GetImportJob",), (IMPORT_JOBS,), JOB_IDS),
        # A contact-list sync (sync.py) runs in the poller: it pages the list, reads the checked copy, writes the
        # DELETE file of the contacts the file leaves out beside it (where SES may read), and starts SES import jobs
        # (finding one an interrupted poll started first).
        page_contact_lists(options.allowed_contact_lists),
        Grant(
            RoleName.POLLER,
            "StartSyncImportJobs",
            ("ses:CreateImportJob", "ses:ListImportJobs"),
            ("*",),
            NO_RESOURCE_TYPE,
        ),
        Grant(
            RoleName.POLLER,
            "ReadSyncedFilesWriteRemovals",
            ("s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"),
            (f"bucket:{STAGED}*",),
            "A sync reads its checked copy, staging/ses-import/<tracking id>..., and writes the contacts to remove "
            "beside it.",
        ),
        *state_grants(),
    )


def _contact_lists(names: tuple[str, ...]) -> Grant:
    if names:
        return Grant(
            RoleName.STARTER,
            "CheckContactLists",
            ("ses:GetContactList",),
            tuple(f"{SES_ARN}contact-list/{name}" for name in names),
        )
    return Grant(
        RoleName.STARTER,
        "CheckContactLists",
        ("ses:GetContactList",),
        (f"{SES_ARN}contact-list/*",),
        "No listdrop:allowedContactLists configured, so any contact list of the account may be checked before "
        "import; set that list to scope this permission to named lists.",
    )


# SES import jobs read the checked copy as ses.amazonaws.com, on behalf of this account only: the bucket policy
# lets them read the SES staging prefix and nothing else (SES never reads an upload listdrop has not checked). The
# condition is the one SES documents for the bucket policy of import jobs, aws:Referer set to the account id
# (https://docs.aws.amazon.com/ses/latest/dg/sending-email-list-management.html, importing contacts; and
# https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list.html, bulk suppression imports). SES
# does not send aws:SourceAccount there, so a grant conditioned on it would never let SES read.
SES_READS_CHECKED_FILES = BucketReader(
    sid="AllowSesImportJobsToReadCheckedFiles",
    service_principal="ses.amazonaws.com",
    actions=("s3:GetObject",),
    prefix=STAGED,
    conditions={"StringEquals": {"aws:Referer": "{account}"}},
)

"""What SES export jobs need. Service Authorization Reference for Amazon SES v2 (`ses:`): CreateExportJob and
ListExportJobs have no resource type; GetExportJob and CancelExportJob are on `export-job`."""

from __future__ import annotations

from listdrop.keys import EXPORT_RESULTS_PREFIX
from listdrop.providers.spec import DeploymentOptions, Grant, RoleName

EXPORT_JOBS = "arn:{partition}:ses:{region}:{account}:export-job/*"
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
        Grant(
            RoleName.POLLER,
            "KeepExportResults",
            ("s3:PutObject", "s3:AbortMultipartUpload"),
            (f"bucket:{EXPORT_RESULTS_PREFIX}*",),
            "Each export's file is copied to exports/results/<job id>/, a key known only once SES assigns the id.",
        ),
    )

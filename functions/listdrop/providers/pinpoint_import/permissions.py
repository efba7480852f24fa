"""What Pinpoint import jobs need. Service Authorization Reference for Amazon Pinpoint (`mobiletargeting:`): the
calls are on `apps` (the application, and its segments and import jobs below it). Pinpoint reads the checked
copy itself, assuming a role of its own (ServiceRole) that the starter passes to it."""

from __future__ import annotations

from listdrop.providers.spec import DeploymentOptions, Grant, RoleName, ServiceRole

APPS = "arn:{partition}:mobiletargeting:{region}:{account}:apps/*"
STAGED = "staging/pinpoint-import/"
NAMED_BY_KEY = "The Pinpoint application (and its segments and import jobs) is named by each file's key."
ROLE_ARN_VARIABLE = "PINPOINT_IMPORT_ROLE_ARN"

IMPORT_ROLE = ServiceRole(
    construct_id="PinpointImportRole",
    description="listdrop: Amazon Pinpoint assumes this role to read checked endpoint files",
    service_principal="pinpoint.amazonaws.com",
    source_arn=APPS,
    statements=(
        Grant(
            RoleName.STARTER,
            "ReadCheckedEndpointFiles",
            ("s3:GetObject",),
            (f"bucket:{STAGED}*",),
            "Pinpoint reads each upload's checked copy, staging/pinpoint-import/<tracking id>, and nothing else.",
        ),
        Grant(
            RoleName.STARTER,
            "ListCheckedEndpointFiles",
            ("s3:ListBucket",),
            ("bucket:",),
            conditions={"StringLike": {"s3:prefix": [f"{STAGED}*"]}},
        ),
    ),
    environment_variable=ROLE_ARN_VARIABLE,
)


def permissions(options: DeploymentOptions) -> tuple[Grant, ...]:
    return (
        Grant(
            RoleName.STARTER,
            "StartPinpointImports",
            (
                "mobiletargeting:GetApp",
                "mobiletargeting:GetSegment",
                "mobiletargeting:CreateImportJob",
                "mobiletargeting:GetImportJobs",
            ),
            (APPS,),
            NAMED_BY_KEY,
        ),
        Grant(RoleName.POLLER, "WatchPinpointImports", ("mobiletargeting:GetImportJob",), (APPS,), NAMED_BY_KEY),
    )

"""What Customer Profiles upload jobs need. Service Authorization Reference for Amazon Connect Customer Profiles
(prefix `profile`, https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonconnectcustomerprofiles.html):
the six upload-job actions and GetDomain are authorized on `domains`
(arn:${Partition}:profile:${Region}:${Account}:domains/${DomainName}), their only resource type, which each
file's key names; so the roles may use any domain of the account, and only for these calls. The job does not
read the bucket: the starter streams the checked copy to the job's upload URL."""

from __future__ import annotations

from listdrop.providers.spec import DeploymentOptions, Grant, RoleName

DOMAINS = "arn:{partition}:profile:{region}:{account}:domains/*"
STAGED = "staging/customer-profiles/*"
NAMED_BY_KEY = "The Customer Profiles domain is named by each file's key (imports/customer-profiles/<DomainName>/)."


def permissions(options: DeploymentOptions) -> tuple[Grant, ...]:
    return (
        Grant(
            RoleName.STARTER,
            "StartCustomerProfilesUploads",
            (
                "profile:GetDomain",
                "profile:CreateUploadJob",
                "profile:GetUploadJobPath",
                "profile:StartUploadJob",
                "profile:GetUploadJob",
                "profile:ListUploadJobs",  # find_started: CreateUploadJob takes no client token
            ),
            (DOMAINS,),
            NAMED_BY_KEY,
        ),
        Grant(
            RoleName.STARTER,
            "ReadCheckedCustomerProfilesFiles",
            ("s3:GetObject", "s3:GetObjectVersion"),
            (f"bucket:{STAGED}",),
            "The starter reads each upload's checked copy, staging/customer-profiles/<tracking id>, for its job.",
        ),
        Grant(
            RoleName.POLLER,
            "WatchCustomerProfilesUploads",
            ("profile:GetUploadJob", "profile:StopUploadJob"),  # stop: at the time limit
            (DOMAINS,),
            NAMED_BY_KEY,
        ),
    )

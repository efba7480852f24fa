"""What IAM checks for the Customer Profiles calls listdrop makes. Service Authorization Reference, "Actions,
resources, and condition keys for Amazon Connect Customer Profiles" (prefix `profile`,
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonconnectcustomerprofiles.html;
cfn-lint's copy, AdditionalSpecs/Policies.json, key "profile"): each upload-job action and GetDomain is on the
resource type `domains`, arn:${Partition}:profile:${Region}:${Account}:domains/${DomainName}, which every one of
these requests names. The upload itself goes to a pre-signed URL: its signature, not the caller's role, grants it.
"""

from __future__ import annotations

from localcloud.iam.access import Call, Rule, one

# What Customer Profiles answers when IAM denies a call: its model's AccessDeniedException (httpStatusCode 403).
ACCESS_DENIED = ("AccessDeniedException", 403)


def _domain(call: Call) -> str:
    return call.arn("profile", f"domains/{call.params['DomainName']}")


RULES: dict[tuple[str, str], Rule] = {
    ("customer-profiles", operation): one(f"profile:{operation}", _domain)
    for operation in (
        "GetDomain",
        "CreateUploadJob",
        "GetUploadJobPath",
        "StartUploadJob",
        "GetUploadJob",
        "StopUploadJob",
        "ListUploadJobs",
    )
}

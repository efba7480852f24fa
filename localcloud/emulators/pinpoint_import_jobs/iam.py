"""What IAM checks for the Pinpoint calls (Service Authorization Reference, Amazon Pinpoint, prefix
`mobiletargeting`): each is on the application, its segments or its import jobs."""

from __future__ import annotations

from localcloud.iam.access import TLS, Access, Call, Rule, one


def _app(call: Call, suffix: str = "") -> str:
    return call.arn("mobiletargeting", f"apps/{call.params['ApplicationId']}{suffix}")


def _create_import_job(call: Call) -> list[Access]:
    accesses = [Access("mobiletargeting:CreateImportJob", _app(call), TLS)]
    role = call.params.get("ImportJobRequest", {}).get("RoleArn")
    if role:
        # Passing a role to a service is authorized as iam:PassRole on that role
        # (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html), and the
        # iam:PassedToService key names the service it is passed to.
        accesses.append(Access("iam:PassRole", str(role), {**TLS, "iam:PassedToService": "pinpoint.amazonaws.com"}))
    return accesses


RULES: dict[tuple[str, str], Rule] = {
    ("pinpoint", "GetApp"): one("mobiletargeting:GetApp", _app),
    ("pinpoint", "GetSegment"): one(
        "mobiletargeting:GetSegment", lambda call: _app(call, f"/segments/{call.params['SegmentId']}")
    ),
    ("pinpoint", "CreateImportJob"): _create_import_job,
    ("pinpoint", "GetImportJobs"): one("mobiletargeting:GetImportJobs", lambda call: _app(call, "/jobs/import")),
    ("pinpoint", "GetImportJob"): one(
        "mobiletargeting:GetImportJob", lambda call: _app(call, f"/jobs/import/{call.params['JobId']}")
    ),
}

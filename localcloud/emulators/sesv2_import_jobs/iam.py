"""What IAM checks for the SES v2 import-job calls (Service Authorization Reference, Amazon SES, prefix `ses`):
CreateImportJob and ListImportJobs have no resource type, GetImportJob is on `import-job/<JobId>`."""

from __future__ import annotations

from localcloud.iam.access import Call, Rule, one


def _import_job(call: Call) -> str:
    return call.arn("ses", f"import-job/{call.params['JobId']}")


RULES: dict[tuple[str, str], Rule] = {
    ("sesv2", "CreateImportJob"): one("ses:CreateImportJob", lambda call: "*"),
    ("sesv2", "ListImportJobs"): one("ses:ListImportJobs", lambda call: "*"),
    ("sesv2", "GetImportJob"): one("ses:GetImportJob", _import_job),
}

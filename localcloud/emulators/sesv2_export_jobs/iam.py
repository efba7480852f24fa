"""What IAM checks for the SES v2 export-job calls (Service Authorization Reference, Amazon SES, prefix `ses`):
CreateExportJob and ListExportJobs have no resource type, GetExportJob and CancelExportJob are on
`export-job/<JobId>`."""

from __future__ import annotations

from localcloud.iam.access import Call, Rule, one


def _export_job(call: Call) -> str:
    return call.arn("ses", f"export-job/{call.params['JobId']}")


RULES: dict[tuple[str, str], Rule] = {
    ("sesv2", "CreateExportJob"): one("ses:CreateExportJob", lambda call: "*"),
    ("sesv2", "ListExportJobs"): one("ses:ListExportJobs", lambda call: "*"),
    ("sesv2", "GetExportJob"): one("ses:GetExportJob", _export_job),
    ("sesv2", "CancelExportJob"): one("ses:CancelExportJob", _export_job),
}

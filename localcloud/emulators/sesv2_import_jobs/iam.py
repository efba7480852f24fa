"""What IAM checks for the SES v2 calls this emulator serves (Service Authorization Reference, Amazon SES v2, prefix
`ses`): CreateImportJob and ListImportJobs have no resource type, GetImportJob is on `import-job/<JobId>`,
ListContacts on `contact-list/<ContactListName>`; the suppression-list reads' only resource type is `tenant`,
which an account-level call (no TenantName) does not name, so they are checked on "*"."""

from __future__ import annotations

from localcloud.iam.access import Call, Rule, one


def _import_job(call: Call) -> str:
    return call.arn("ses", f"import-job/{call.params['JobId']}")


def _tenant_or_account(call: Call) -> str:
    """A tenant's suppression list is its tenant (whose ARN also holds an id SES assigns: this emulator refuses
    tenants, so the name stands for it); the account's own list names no resource."""
    tenant = call.params.get("TenantName")
    return call.arn("ses", f"tenant/{tenant}") if tenant else "*"


RULES: dict[tuple[str, str], Rule] = {
    ("sesv2", "CreateImportJob"): one("ses:CreateImportJob", lambda call: "*"),
    ("sesv2", "ListImportJobs"): one("ses:ListImportJobs", lambda call: "*"),
    ("sesv2", "GetImportJob"): one("ses:GetImportJob", _import_job),
    ("sesv2", "ListContacts"): one(
        "ses:ListContacts", lambda call: call.arn("ses", f"contact-list/{call.params['ContactListName']}")
    ),
    ("sesv2", "ListSuppressedDestinations"): one("ses:ListSuppressedDestinations", _tenant_or_account),
    ("sesv2", "GetSuppressedDestination"): one("ses:GetSuppressedDestination", _tenant_or_account),
}

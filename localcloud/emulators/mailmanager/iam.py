"""What IAM checks for the Mail Manager calls. Mail Manager's actions are `ses:` actions (Service Authorization
Reference, Amazon SES) on the resource type `mailmanager-address-list`, also for the calls that name only an
import job: those are authorized on the job's address list, which the local cloud looks up
(`MailManagerEmulator.iam_lookups`)."""

from __future__ import annotations

from localcloud.iam.access import Call, Rule, one

ADDRESS_LIST_OF_JOB = "mailmanager:address-list-of-job"
# What Mail Manager answers when IAM denies a call: its model's AccessDeniedException (httpStatusCode 403).
ACCESS_DENIED = ("AccessDeniedException", 403)


def _address_list(call: Call) -> str:
    return call.arn("ses", f"mailmanager-address-list/{call.params['AddressListId']}")


def _address_list_of_job(call: Call) -> str:
    list_id = call.look_up(ADDRESS_LIST_OF_JOB, str(call.params["JobId"]))
    return call.arn("ses", f"mailmanager-address-list/{list_id}")


RULES: dict[tuple[str, str], Rule] = {
    **{
        ("mailmanager", operation): one(f"ses:{operation}", _address_list)
        for operation in (
            "GetAddressList",
            "CreateAddressListImportJob",
            "ListAddressListImportJobs",
            "ListMembersOfAddressList",
            "DeregisterMemberFromAddressList",
        )
    },
    **{
        ("mailmanager", operation): one(f"ses:{operation}", _address_list_of_job)
        for operation in ("StartAddressListImportJob", "GetAddressListImportJob", "StopAddressListImportJob")
    },
}

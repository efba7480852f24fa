"""What Mail Manager import jobs need. Service Authorization Reference for Amazon SES (Mail Manager's actions are
`ses:`): the import-job calls are authorized on the address list (`mailmanager-address-list`), their only resource
type, which each file's key names; so the roles may use any address list of the account, and only for these calls.
The job does not read the bucket: the starter streams the checked copy to the job's upload URL."""

from __future__ import annotations

from listdrop.providers.job_state import state_grants
from listdrop.providers.spec import DeploymentOptions, Grant, RoleName

ADDRESS_LISTS = "arn:{partition}:ses:{region}:{account}:mailmanager-address-list/*"
STAGED = "staging/mail-manager/*"
NAMED_BY_KEY = "The address list is named by each file's key (imports/mail-manager/address-lists/<id>/)."


def permissions(options: DeploymentOptions) -> tuple[Grant, ...]:
    return (
        Grant(
            RoleName.STARTER,
            "StartMailManagerImports",
            (
                "ses:GetAddressList",
                "ses:CreateAddressListImportJob",
                "ses:GetAddressListImportJob",
                "ses:StartAddressListImportJob",
            ),
            (ADDRESS_LISTS,),
            NAMED_BY_KEY,
        ),
        Grant(
            RoleName.STARTER,
            "ReadCheckedMailManagerFiles",
            ("s3:GetObject", "s3:GetObjectVersion"),
            (f"bucket:{STAGED}",),
            "The starter streams each upload's checked copy, staging/mail-manager/<tracking id>, to its job.",
        ),
        Grant(
            RoleName.POLLER,
            "WatchMailManagerImports",
            ("ses:GetAddressListImportJob", "ses:StopAddressListImportJob"),  # stop: at the time limit
            (ADDRESS_LISTS,),
            NAMED_BY_KEY,
        ),
        # An address-list sync (providers/syncs.py, mail_manager/sync.py) runs in the poller: it pages the list,
        # reads the checked copy, writes the members to remove beside it, imports the file and deregisters them.
        Grant(
            RoleName.POLLER,
            "SyncMailManagerLists",
            (
                "ses:ListMembersOfAddressList",
                "ses:CreateAddressListImportJob",
                "ses:StartAddressListImportJob",
                "ses:DeregisterMemberFromAddressList",
            ),
            (ADDRESS_LISTS,),
            NAMED_BY_KEY,
        ),
        Grant(
            RoleName.POLLER,
            "ReadSyncedMailManagerFiles",
            ("s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"),
            (f"bucket:{STAGED}",),
            "A sync reads its checked copy, staging/mail-manager/<tracking id>..., and writes the addresses to "
            "remove beside it.",
        ),
        *state_grants(),
    )

"""The Mail Manager address-list operations (json 1.0, ``X-Amz-Target: MailManagerSvc.<Operation>``), one method
each. boto3's ``mailmanager`` client speaks json 1.0 today; the model also lists ``smithy-rpc-v2-cbor``, which
botocore does not pick and this emulator does not serve."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from localcloud.emulators.kit.pagination import Paginator
from localcloud.emulators.kit.protocol import Json10
from localcloud.emulators.kit.service import Responses

if TYPE_CHECKING:
    from localcloud.emulators.mailmanager.models import MailManagerEmulator

OPERATIONS = (
    "CreateAddressList",
    "GetAddressList",
    "ListAddressLists",
    "DeleteAddressList",
    "RegisterMemberToAddressList",
    "GetMemberOfAddressList",
    "ListMembersOfAddressList",
    "DeregisterMemberFromAddressList",
    "CreateAddressListImportJob",
    "StartAddressListImportJob",
    "GetAddressListImportJob",
    "StopAddressListImportJob",
    "ListAddressListImportJobs",
)

# Page sizes used when the caller gives none; not documented, so assumptions.
LIST_PAGES = Paginator(default_size=50, invalid_code="ValidationException")
MEMBER_PAGES = Paginator(default_size=100, invalid_code="ValidationException")


class MailManagerResponses(Responses):
    service_name = "mailmanager"
    protocol = Json10()
    invalid = "ValidationException"
    # The API reference anchors every pattern (e.g. AddressListName ^[a-zA-Z0-9_.-]+$); botocore's model does not.
    whole_value_patterns = True

    def __init__(self, emulator: MailManagerEmulator, operations: tuple[str, ...]) -> None:
        super().__init__(emulator, operations)
        self.backend = emulator

    # --------------------------------------------------------------------------------- address lists

    def create_address_list(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"AddressListId": self.backend.create_address_list(params)}

    def get_address_list(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.backend.address_list(params["AddressListId"]).describe()

    def list_address_lists(self, params: dict[str, Any]) -> dict[str, Any]:
        lists = [address_list.describe() for address_list in self.backend.address_lists()]
        return LIST_PAGES.output("AddressLists", lists, params, scope="lists")

    def delete_address_list(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.delete_address_list(params["AddressListId"])
        return {}

    def register_member_to_address_list(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.register_member(params["AddressListId"], params["Address"])
        return {}

    def get_member_of_address_list(self, params: dict[str, Any]) -> dict[str, Any]:
        address = params["Address"]
        return {"Address": address, "CreatedTimestamp": self.backend.member(params["AddressListId"], address)}

    def list_members_of_address_list(self, params: dict[str, Any]) -> dict[str, Any]:
        prefix = (params.get("Filter") or {}).get("AddressPrefix", "")
        list_id = params["AddressListId"]
        members = [
            {"Address": address, "CreatedTimestamp": created}
            for address, created in self.backend.member_entries(list_id)
            if address.startswith(prefix)
        ]
        scope = f"members:{list_id}:{hashlib.sha256(prefix.encode()).hexdigest()}"
        return MEMBER_PAGES.output("Addresses", members, params, scope=scope)

    def deregister_member_from_address_list(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.deregister_member(params["AddressListId"], params["Address"])
        return {}

    # ----------------------------------------------------------------------------------- import jobs

    def create_address_list_import_job(self, params: dict[str, Any]) -> dict[str, Any]:
        job = self.backend.create_import_job(params)
        return {"JobId": job.job_id, "PreSignedUrl": job.presigned_url}

    def start_address_list_import_job(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.start_import_job(self.backend.find(params["JobId"]))
        return {}

    def get_address_list_import_job(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.backend.find(params["JobId"]).describe()

    def stop_address_list_import_job(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.stop_import_job(self.backend.find(params["JobId"]))
        return {}

    def list_address_list_import_jobs(self, params: dict[str, Any]) -> dict[str, Any]:
        list_id = params["AddressListId"]
        jobs = [job.describe() for job in self.backend.import_jobs(list_id)]
        return LIST_PAGES.output("ImportJobs", jobs, params, scope=f"jobs:{list_id}")

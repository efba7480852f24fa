"""Amazon SES Mail Manager address lists and address-list import jobs, for moto's in-process HTTP server.

Why this exists: moto 5.2.5 has no Mail Manager backend at all. boto3's ``mailmanager`` client speaks the
``json`` 1.0 protocol (``X-Amz-Target: MailManagerSvc.<Operation>``, signing name ``ses``), so with
``endpoint_url`` pointed at moto the request reaches moto's dispatcher, which would hand it to the SES v1
app. The emulator kit's dispatcher (``localcloud.emulators.kit``) claims every request whose ``X-Amz-Target``
starts with ``MailManagerSvc.`` for this emulator instead.

``models`` holds the address lists, jobs and the service's rules; ``responses`` the operations; ``files`` the
import file layouts. Requests are checked against every constraint of botocore's service model and answered with
the modelled shapes and errors.

The import file layout is documented: SES Developer Guide, "Address Lists"
(https://docs.aws.amazon.com/ses/latest/dg/eb-addlist.html), "Bulk upload". The emulator accepts exactly
those two layouts and fails the job (``Status`` FAILED, the reason in ``Error``, the model's field for "the
reason for failure of an import job") on anything else, so a client that uploads another layout fails here
as it would in AWS:

* CSV (``ImportDataType=CSV``): "the header, ``address``, is required": the first non-blank row must be that
  one column, spelled so. Then one address per row. No header, another header (``email``, ``Address``) or more
  columns fails the whole job; a data row with more than one cell is one failed item.
* JSON (``ImportDataType=JSON``): one document ``{"items": [{"address": "..."}, ...]}`` and nothing else.
  JSON lines, a bare array, or an object with other fields fail the whole job; an item that is not an object
  with exactly a string ``address`` is one failed item.
* An item is imported when it is an email address or a wildcard entry by the page's rules: one ``*``,
  directly before the @ with 0 or 3-19 characters before it (``*@domain.com``, ``123*@domain.com``),
  directly after it as a whole label followed by 2-9 domain levels (``local@*.domain1.com``), or first in a
  domain entry with 2-9 levels after it (``*.domain1.com``). "Before or after @" is read as directly before
  or after, which is what every example on the page shows. 3-320 characters like the model's ``Address``
  shape. Anything else counts in ``FailedItemsCount``. An address already in the list, or repeated in the
  file, counts as imported: the import is an idempotent upsert and the member keeps its first
  ``CreatedTimestamp``.
* Maximums, as the page states them: 100,000 addresses per address list and 100 address lists per region.
  Past the first, ``RegisterMemberToAddressList`` answers ``ServiceQuotaExceededException`` (a modelled error
  of that operation) and an import job that would take the list past it ends FAILED with nothing imported;
  past the second, ``CreateAddressList`` answers ``ServiceQuotaExceededException``. How the real service words
  these, and whether it imports part of such a file, is not documented: those are assumptions.

Simplifications, on purpose: one region per emulator (``account_id`` is used for ARNs only); an address
list's ``LastUpdatedTimestamp`` follows membership changes; tags are accepted and not kept; the
``smithy-rpc-v2-cbor`` protocol (which botocore does not pick today) is not served. Upload with an
explicit Content-Type (``text/csv``, ``application/json``): moto keeps no body for a PUT sent as
``application/x-www-form-urlencoded``, which is what ``urllib.request`` sends by default.
"""

from localcloud.emulators.mailmanager.files import parse_import_file
from localcloud.emulators.mailmanager.models import (
    MAX_ADDRESS_LISTS_PER_REGION,
    MAX_MEMBERS_PER_ADDRESS_LIST,
    AddressListImportJob,
    MailManagerEmulator,
)

# The emulator the local cloud runs for each provider naming this package (ProviderSpec.emulator).
create = MailManagerEmulator.create


__all__ = [
    "MAX_ADDRESS_LISTS_PER_REGION",
    "MAX_MEMBERS_PER_ADDRESS_LIST",
    "AddressListImportJob",
    "MailManagerEmulator",
    "create",
    "parse_import_file",
]

"""Amazon Connect Customer Profiles domains and upload jobs, for moto's in-process HTTP server.

Why this exists: moto 5.2.5 has no Customer Profiles backend (no ``profile.`` URL pattern in
``moto/backend_index.py``). boto3's ``customer-profiles`` client speaks rest-json (signing name ``profile``); the
emulator kit's dispatcher (``localcloud.emulators.kit``) claims its requests by method and path, read from
botocore's model, and the upload URLs ``GetUploadJobPath`` hands out.

``models`` holds the domains, the profiles they hold, the jobs and the service's rules (the job life cycle is
described there); ``responses`` the operations; ``files`` how the CSV is read against the job's field mapping;
``upload`` the upload URL and its endpoint (a PUT with SSE-C headers, answered as S3 would). Requests are checked
against every constraint of botocore's model and answered with the modelled shapes and errors.

Sources: botocore's model (customer-profiles 2020-08-15: operations, shapes, errors, ``UploadJobStatus``,
``StatusReason``, ``ResultsSummary``); the Connect admin guide, "Create segments from imported files"
(https://docs.aws.amazon.com/connect/latest/adminguide/customer-segments-imported-files.html: a header row, UTF-8
without BOM) and object type mappings
(https://docs.aws.amazon.com/connect/latest/adminguide/customer-profiles-object-type-mappings.html: no dot
notation in CSV headers); the S3 user guide on SSE-C for the upload headers. The project's fact sheet
(``docs/design/customer-profiles.md``) cites each fact.

Assumptions, where AWS documents nothing (the fact sheet's "Open questions" proposals):

* ``Fields`` keys name the mappings; each ``Source`` is ``_source.<CSV column>`` (a column without dots) and each
  ``Target`` ``_profile.<field>``: a string field of the writable profile (botocore ``CreateProfileRequest``), a
  string field of one of its addresses (``_profile.Address.PostalCode``) or ``_profile.Attributes.<name>``.
  ``UniqueKey`` is one ``Fields`` key, whose source column holds the key. Anything else is a
  ``BadRequestException`` at ``CreateUploadJob``.
* A file that was never uploaded, is empty, starts with a BOM, is not UTF-8, or whose header lacks a column the
  ``Fields`` map (the unique key's included) fails the job: FAILED, ``StatusReason`` VALIDATION_FAILURE.
* A record fails (``FailedRecords``) when its field count differs from the header's, its unique-key value is
  empty, an ``EMAIL_ADDRESS`` field holds something other than an address, or the profile it makes breaks the
  model's ``Profile`` constraints (values of 1-255 characters, enums). Empty cells set nothing.
* Profiles are held by unique-key value (compared case-insensitively when the key's ``ContentType`` is
  EMAIL_ADDRESS): a value new to the domain counts in ``CreatedRecords``, a known one (from an earlier job or an
  earlier line) in ``UpdatedRecords`` and updates the fields the record sets.
* ``ResultsSummary`` is present from the start and grows while IN_PROGRESS. PARTIALLY_SUCCEEDED when some records
  failed and some went in; FAILED (VALIDATION_FAILURE) when records failed and none went in.
* Start in CREATED -> IN_PROGRESS (with no upload the job then fails, VALIDATION_FAILURE); Start in any other
  state, and Stop of a job that has ended -> ``BadRequestException``; Stop in CREATED or IN_PROGRESS -> STOPPED
  with ``CompletedAt``, keeping what was ingested.
* ``GetUploadJobPath`` answers in every state with a fresh URL valid for 15 minutes (``upload_url_ttl_seconds``)
  and the job's one ``ClientToken`` (base64 of 256 random bits); S3's SSE-C MD5 rule applies to it. A PUT after
  the job started is accepted, as S3 would, and not read.
* ``CreateDomain`` with a name already taken -> ``BadRequestException``; list pages hold 20 items without
  ``MaxResults``, in creation order. ``DataExpiry`` defaults to 14 days (the model's "2 weeks").

Simplifications, on purpose: one account and region per emulator; profiles do not expire; ``Matching``,
``RuleBasedMatching`` and ``DataStore`` are accepted and not kept; no domain quota; a domain whose jobs use
different unique keys keeps one key space. ``fail_next(message)`` fails the next job when it reads its file, with
``StatusReason`` ``message`` when that is VALIDATION_FAILURE or INTERNAL_FAILURE, else INTERNAL_FAILURE.
"""

from localcloud.emulators.customer_profiles.files import UploadMapping, read_upload
from localcloud.emulators.customer_profiles.models import (
    DEFAULT_DATA_EXPIRY_DAYS,
    UPLOAD_URL_TTL_SECONDS,
    CustomerProfilesEmulator,
    Domain,
    UploadJob,
)
from localcloud.emulators.customer_profiles.upload import UPLOAD_PREFIX, key_md5

# The emulator the local cloud runs for each provider naming this package (ProviderSpec.emulator).
create = CustomerProfilesEmulator.create


__all__ = [
    "DEFAULT_DATA_EXPIRY_DAYS",
    "UPLOAD_PREFIX",
    "UPLOAD_URL_TTL_SECONDS",
    "CustomerProfilesEmulator",
    "Domain",
    "UploadJob",
    "UploadMapping",
    "create",
    "key_md5",
    "read_upload",
]

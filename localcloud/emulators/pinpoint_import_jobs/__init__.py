"""Amazon Pinpoint endpoint import-job emulator for moto's in-process HTTP server.

Why this exists: moto 5.2.5 knows Pinpoint apps (CreateApp, GetApp...) but has no import jobs, endpoints or
segments: ``/v1/apps/{id}/jobs/import`` answers 404. listdrop starts Pinpoint import jobs and polls them,
so local runs need a stand-in that behaves like the service: the job walks through the statuses botocore
lists, Pinpoint reads S3 by assuming the caller's role (so the role's trust and permission policies matter),
every endpoint definition is validated and failures are counted and reported.

``models`` holds the jobs, endpoints, segments and the service's rules (the job life cycle is described there);
``responses`` the operations; ``files`` the endpoint file layouts; ``roles`` the role Pinpoint assumes. Requests
reach it through the emulator kit's dispatcher (``localcloud.emulators.kit``).

A job FAILS when the role cannot be assumed, nothing is found to import, or every piece failed; a job with some
failed pieces COMPLETES with ``FailedPieces`` > 0 (assumption). Botocore lists the nine statuses in the order
``models`` walks them but AWS does not document their meaning; the order and the point at which each piece of
work happens are assumptions.

Endpoint file layout. Confirmed in the AWS docs:

* https://docs.aws.amazon.com/pinpoint/latest/developerguide/audience-define-import.html: CSV whose first
  line is a header of endpoint attributes, nested attributes in dot notation (``Location.Country``); a value
  holding a comma or double quote is enclosed in double quotes; no line breaks within a value. JSON is
  newline-delimited, one complete endpoint definition (EndpointRequest shape) per line. S3Url may end with an
  object key or a prefix; with mixed formats under a prefix only files of the requested format are imported.
* https://docs.aws.amazon.com/pinpoint/latest/userguide/segments-importing.html ("Supported attributes"):
  Address, Attributes.<name>, ChannelType, Demographic.{AppVersion, Locale, Make, Model, ModelVersion,
  Platform, PlatformVersion, Timezone}, EffectiveDate, Id, Location.{City, Country, Latitude, Longitude,
  PostalCode, Region}, Metrics.<name> (numeric), OptOut (ALL|NONE), RequestId, User.UserAttributes.<name>,
  User.UserId. EndpointStatus is not in that list, and the text above it says it is not supported when
  importing, so a column or field naming it fails (the same text names EffectiveDate, which the table lists:
  EffectiveDate is accepted, an assumption). New endpoints need Address and ChannelType; updating an
  existing one needs Id. UTF-8 only, no compressed files, no tabs in CSV. Attribute names <= 50 characters,
  values <= 100. A multi-valued custom attribute repeats its CSV column; in JSON it is a list.
* https://docs.aws.amazon.com/pinpoint/latest/developerguide/permissions-import-segment.html: the role trusts
  ``pinpoint.amazonaws.com`` for sts:AssumeRole and grants S3 read (AmazonS3ReadOnlyAccess).
* botocore model: ``Failures`` holds the first 100 failed entries; TotalFailures counts definitions that were
  not processed successfully; a SegmentId import "updates or adds to" that segment.

Assumed (not documented): the Failures entry text (``<s3 url> line <n>: <reason>``); TotalProcessed counts
every definition read, failed ones included; a file's format is told from its extension (``.csv``;
``.json``/``.jsonl``/``.ndjson``), files with another extension are imported as the requested format; an
unknown CSV column fails its piece; a new endpoint without Id gets a random one (re-importing such a file
creates duplicates); a row updating an endpoint replaces the top-level members it names; an import into an
existing segment adds its endpoints to the segment and bumps its Version; phone numbers (SMS/VOICE) must look
like E.164 with an optional ``+``; RegisterEndpoints and DefineSegment default to false, ExternalId to the
account id (the documented response example echoes defaults like these); DefineSegment without SegmentId needs
a SegmentName; GetImportJobs pages default to 100 items in creation order.

Simplifications, on purpose: one account and region per emulator; roles must be in that account; the trust
policy and the role's identity policies (s3:GetObject on each object's ARN) are evaluated by the local cloud's IAM
evaluator (localcloud/iam/policy.py), with the condition keys Pinpoint sends, together with the bucket policy;
s3:ListBucket and KMS are not evaluated; one record per physical line.
"""

from localcloud.emulators.pinpoint_import_jobs.models import (
    FAILURE_TAIL,
    SUCCESS_PATH,
    EmulatedPinpointImportJob,
    PinpointImportJobEmulator,
)

# The emulator the local cloud runs for each provider naming this package (ProviderSpec.emulator).
create = PinpointImportJobEmulator.create


__all__ = ["FAILURE_TAIL", "SUCCESS_PATH", "EmulatedPinpointImportJob", "PinpointImportJobEmulator", "create"]

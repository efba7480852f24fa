"""Amazon SES v2 export-job emulator for moto's in-process HTTP server.

Why this exists: moto 5.2.5 has no SES export jobs (CreateExportJob, GetExportJob, ListExportJobs,
CancelExportJob), and its server does not route ``/v2/email/export-jobs`` at all.

``models`` holds the jobs, the seeded data and SES's rules; ``responses`` the operations; ``files`` the export
data and file layout. Requests reach it through the emulator kit's dispatcher (``localcloud.emulators.kit``), next
to the import-job emulator's routes on the same paths, in either install order.

Behaviour, from the botocore ``sesv2`` model and its documentation (the "doc" facts):

- CreateExportJob may be called "no more than once per second": a second call within
  ``create_interval_seconds`` of the last accepted one gets HTTP 429 ``TooManyRequestsException``. Note that
  botocore retries HTTP 429 by default (legacy and standard retry modes), so a default client usually
  succeeds after a back-off; pass ``Config(retries={"total_max_attempts": 1})`` to see the 429.
- ``ExportDataSource`` holds exactly one of ``MetricsDataSource`` / ``MessageInsightsDataSource``.
- ``ExportDestination.S3Url`` must not be sent (BadRequestException); GetExportJob returns it only once the
  job is COMPLETED, as a pre-signed GET URL that "expires five minutes after GetExportJob returns it" and is
  fresh on every call (``url_ttl_seconds``, default 300).
- Model ranges: 1-3 dimensions, 1-10 values per dimension, 1-10 metrics, MaxResults 1-10000 (default 1000
  when omitted), filter lists of at most 5 (Subject: 1, LastEngagementEvent: 2), enum values everywhere.
- Message Insights: StartDate and EndDate are both inclusive. Filters in one filter object are joined by
  AND, values of one filter by OR, values are case-sensitive. FromEmailAddress, Destination and Subject
  support ``*`` at the beginning (suffix match), the end (prefix match) or both (contains); ``\\*`` and
  ``\\\\`` match a literal ``*`` and ``\\``; without a wildcard the match is exact.
- RATE is "the rate for this metric relative to the SEND metric volume".
- CancelExportJob models no ConflictException: cancelling a finished job is a BadRequestException.

Found only in source, not in the documentation: an AWS sample that feeds CreateExportJob quotes the SES
error "To get daily aggregated data you must not specify partial-day timestamps. Please make your interval
go from midnight to midnight UTC." (enforced here for MetricsDataSource), and uses ``"*"`` as a dimension
value meaning every value (honoured here).

Assumptions (not documented anywhere found; chosen to be clear):

- The export file layout. Metrics (METRICS_DATA): one record per day and combination of the requested
  dimensions' values that has seeded data, sorted by day then dimension values. Fields, in this order:
  ``Date`` (``YYYY-MM-DD``, UTC), one field per requested dimension named as in the request (e.g.
  ``EMAIL_IDENTITY``), one field per requested metric named ``<Metric>_<Aggregation>`` (e.g. ``SEND_VOLUME``,
  ``DELIVERY_RATE``). VOLUME is the summed count; RATE is count / SEND count of the same record (empty in CSV,
  null in JSON when SEND is 0). Days are taken from the half-open interval [StartDate, EndDate), which with
  midnight-to-midnight bounds means EndDate's day is not included. Message Insights: one record per message,
  newest first, fields ``MessageId, FromEmailAddress, Destination, Subject, Isp, TenantName,
  LastDeliveryEvent, LastEngagementEvent, SentTimestamp`` (ISO 8601 UTC, ``Z``); empty/null when unknown.
  CSV files have a header row and ``\\n`` line ends; JSON files are newline-delimited objects.
- An Exclude filter object excludes a message when the message matches all of its filters (the documented
  AND), a ``*`` inside a value (not at either end) is literal, and a metric without ``Aggregation`` is VOLUME.
- ProcessedRecordsCount counts the seeded rows that matched the job (before MaxResults);
  ExportedRecordsCount the records written. Both are 0 until the job COMPLETED.
- A cancelled job gets a CompletedTimestamp. ListExportJobs lists jobs in creation order, 100 per page by
  default; its JobStatus filter is evaluated on each call, so a job that changes status between two pages can
  move in or out of the listing.
- The throttle counts every CreateExportJob call it lets through, valid or not.
"""

from localcloud.emulators.sesv2_export_jobs.models import EmulatedExportJob, SesExportJobEmulator

# The emulator the local cloud runs for each provider naming this package (ProviderSpec.emulator).
create = SesExportJobEmulator.create


__all__ = ["EmulatedExportJob", "SesExportJobEmulator", "create"]

"""Amazon SES v2 import jobs (and suppression-list reads), emulated on moto's in-process server.

Why this exists: moto 5.2.5 stores sesv2 contact lists and contacts but has no import jobs and no
suppression-list reads; its server does not even route ``/v2/email/import-jobs`` (the catch-all
``{0}/v2/.*$`` in ``moto/sesv2/urls.py`` is a regex that Flask takes literally). listdrop drives SES import
jobs, so local runs need a stand-in that behaves like the real service: the status changes over time, the file
is read from S3 as the ``ses.amazonaws.com`` service principal (so the bucket policy matters), records are
validated one by one and failures are reported in a file behind a pre-signed URL.

``models`` holds the jobs, the suppression list and SES's rules; ``responses`` the operations; ``files`` the
documented file layouts. Requests reach it through the emulator kit's dispatcher (``localcloud.emulators.kit``).

Simplifications, on purpose: one account and region per emulator (other requests get a clear
BadRequestException); one record per physical line (a quoted CSV field cannot span lines); the bucket policy is
evaluated by the local cloud's IAM evaluator with the keys SES sends (aws:Referer, the account id); KMS is not
modelled (listdrop's bucket uses SSE-S3).
"""

from localcloud.emulators.sesv2_import_jobs.models import EmulatedImportJob, SesImportJobEmulator

# The emulator the local cloud runs for each provider naming this package (ProviderSpec.emulator).
create = SesImportJobEmulator.create


__all__ = ["EmulatedImportJob", "SesImportJobEmulator", "create"]

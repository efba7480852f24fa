"""The emulator kit: what every emulated AWS service in ``localcloud/emulators`` shares, once.

- ``dispatch``: the one hook into moto's server. Every emulated request passes through it; cross-cutting checks
  (the fault injector today, permission checks tomorrow) register a hook there and reach every service.
- ``routes``: which requests a service claims, read from its botocore model (rest: method and ``requestUri``;
  json: ``X-Amz-Target``).
- ``protocol``: parsing requests and rendering answers and errors per protocol (rest-json, json 1.0).
- ``constraints``: one walker for every constraint of the model (required, types, lengths, sizes, ranges,
  patterns, enums; nested structures, lists, maps).
- ``errors``: ``ApiError`` (a modelled error, status from the model) and ``JobFailure``.
- ``pagination``: pages and tokens bound to their listing.
- ``s3``: moto's S3 for a service (reads, its own buckets, pre-signed URLs).
- ``records``: reading uploaded files line by line (CSV fields, JSON objects, email addresses).
- ``lifecycle``: jobs on a clock, with the test controls ``hold``, ``fail_next`` and ``reset``.
- ``service``: ``Emulator`` (a backend's base) and ``Responses`` (the operations' base).

Adding a service (say Amazon Connect Customer Profiles' upload jobs) is adding a package in moto's shape that
imports the kit and nothing of its siblings:

1. ``responses.py``: ``class CustomerProfilesResponses(Responses)`` with ``service_name = "customer-profiles"``
   (botocore's name), ``protocol = RestJson(error_body)`` (the service's error body), ``invalid`` (its validation
   error's code), and one method per operation named like moto's (``create_upload_job``) taking the parsed,
   already validated parameters and returning the output structure. Raise ``ApiError("<ModelledError>", msg)``.
   Pagination: a module-level ``Paginator(default_size=..., invalid_code=...)`` and ``.output(key, items, ...)``.
2. ``models.py``: ``class CustomerProfilesEmulator(Emulator[UploadJob])`` holding the state and the service's
   rules under ``self._lock`` (the base keeps the jobs in ``self._jobs`` and answers ``jobs()`` and ``job(id)``),
   with ``title`` (for messages), ``route()`` returning
   ``CustomerProfilesResponses(self, OPERATIONS).route(RestRoutes(service_model("customer-profiles"), OPERATIONS))``
   (``TargetRoutes(model)`` for a json service) and ``_forget()`` clearing its state beyond the jobs. Jobs:
   subclass ``TimedJob`` (``@dataclass(kw_only=True)``), schedule their work with
   ``self.lifecycle.schedule(job_id, delay, work)``, take ``self.lifecycle.take_failure()`` where the job would
   fail, and end them with ``job.end(status)``; ``hold``, ``fail_next`` and ``reset`` then work as for every other
   service. Files: ``self.s3``.
3. ``files.py`` when the service reads files: parse with ``records`` and raise ``RecordError`` per record,
   ``JobFailure`` for the whole file.
4. ``iam.py``: ``RULES``, what IAM checks for each of its operations (``localcloud.iam.access``: the action and
   the resource ARN, from the Service Authorization Reference), so the local cloud enforces the functions'
   permissions on it; ``ACCESS_DENIED`` (code, status) when its model says how it answers a denied call, and
   ``Emulator.iam_lookups`` when a call names its resource only indirectly.
5. ``__init__.py``: the package docstring (why it exists, sources, assumptions) and the emulator class; the local
   cloud creates it and calls ``install()``, in any order relative to the other emulators.

Fault plans (``localcloud/faults.py``) reach the new service's operations with no change; its provider's spec
names its throttling error and crash points.
"""

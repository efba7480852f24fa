"""The upload URL that ``GetUploadJobPath`` hands out, and the endpoint answering a PUT of the CSV to it.

In AWS the ``Url`` is "the pre-signed S3 URL for uploading the CSV file", and the PUT must carry the job's
``ClientToken`` as an SSE-C key (botocore customer-profiles 2020-08-15, ``GetUploadJobPathResponse``):
``x-amz-server-side-encryption-customer-algorithm: AES256``, ``...-customer-key: <ClientToken>`` and
``...-customer-key-MD5``, which S3 defines as "the base64-encoded 128-bit MD5 digest of the encryption key
according to RFC 1321", computed on the key bytes before base64 encoding (S3 user guide, SSE-C:
https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-s3-c-encryption.html).

Locally the URL is ``<endpoint>/_customer-profiles-uploads/<DomainName>/<JobId>?expires=...&signature=...``: the
first path segment cannot be an S3 bucket (bucket names begin with a letter or a digit,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html) and only unsigned requests are
claimed (a pre-signed URL carries its signature in the query; SDK requests carry an Authorization header), so the
route never takes a request that is not for it. It is served as S3's ``PutObject`` would be: the fault injector
sees the upload as ``s3:PutObject`` and errors are S3's XML ``<Error>`` (S3 API reference, "Error responses",
https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html), in this order:

- a method other than PUT, a changed or foreign signature, a job that no longer exists: 403 ``SignatureDoesNotMatch``
  / ``AccessDenied`` (a pre-signed URL is signed for one method and resource);
- past ``ValidUntil``: 403 ``AccessDenied`` ("Request has expired");
- ``Transfer-Encoding: chunked`` without a Content-Length: 411 ``MissingContentLength``;
- no SSE-C header at all: 403 ``AccessDenied`` (assumption: the service's bucket requires SSE-C, as the S3 guide's
  bucket policy "to enforce SSE-C encryption" does);
- an incomplete set, a key that is not 256 bits, or an MD5 that is not the key's: 400 ``InvalidArgument``; an
  algorithm other than AES256: 400 ``InvalidEncryptionAlgorithmError`` (S3's own SSE-C header checks);
- a well-formed key other than the job's ``ClientToken``: 403 ``SignatureDoesNotMatch`` (assumption: the URL is
  signed for the key the service handed out with it).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlencode
from xml.sax.saxutils import escape

from localcloud.emulators.kit.dispatch import Environ, Match, Route
from localcloud.emulators.kit.errors import ApiError
from localcloud.emulators.kit.protocol import Answer, Call

UPLOAD_PREFIX = "/_customer-profiles-uploads/"
_UPLOAD_PATH = re.compile(re.escape(UPLOAD_PREFIX) + r"([^/?]+)/([^/?]+)")

SSE_ALGORITHM = "x-amz-server-side-encryption-customer-algorithm"
SSE_KEY = "x-amz-server-side-encryption-customer-key"
SSE_KEY_MD5 = "x-amz-server-side-encryption-customer-key-md5"  # as the dispatcher hands headers: lower-case
AES256 = "AES256"
KEY_BYTES = 32  # AES-256


def new_client_token() -> str:
    """A fresh data key as ``GetUploadJobPath`` returns it: base64 of 256 random bits."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def key_md5(client_token: str) -> str:
    """The MD5 header S3 expects for an SSE-C key: base64 of the MD5 of the key's bytes (not of its base64)."""
    return base64.b64encode(hashlib.md5(base64.b64decode(client_token)).digest()).decode()  # noqa: S324  # S3's rule


class S3Refusal(ApiError):
    """An S3 error answer to the upload (rendered as S3's XML ``<Error>``)."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(code, message, status=status)


@dataclass(frozen=True)
class UploadSlot:
    """What the endpoint needs of a job: its SSE-C key, and where the bytes go."""

    client_token: str
    receive: Callable[[bytes], None]


# The job a URL's domain and job id name, or None when it no longer exists.
SlotLookup = Callable[[str, str], "UploadSlot | None"]


class UploadEndpoint:
    """Hands out signed upload URLs and serves the PUTs to them (a route of the emulator kit's dispatcher)."""

    def __init__(self, endpoint_url: str, lookup: SlotLookup, clock: Callable[[], float]) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self._lookup = lookup
        self._clock = clock
        self._secret = secrets.token_bytes(32)  # per emulator: a URL from another run does not verify

    def url(self, domain_name: str, job_id: str, expires: float) -> str:
        """The upload URL for the job, valid until ``expires`` (epoch seconds)."""
        path = f"{UPLOAD_PREFIX}{quote(domain_name, safe='')}/{quote(job_id, safe='')}"
        query = urlencode({"expires": repr(expires), "signature": self._sign(domain_name, job_id, repr(expires))})
        return f"{self.endpoint_url}{path}?{query}"

    def route(self) -> Route:
        return Route("CustomerProfilesUpload", "s3", self._match, self._serve, _render)

    def _sign(self, domain_name: str, job_id: str, expires: str) -> str:
        message = f"PUT\n{domain_name}\n{job_id}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    @staticmethod
    def _match(method: str, raw_path: str, environ: Environ) -> Match | None:
        if environ.get("HTTP_AUTHORIZATION") or "X-Amz-Credential" in str(environ.get("QUERY_STRING", "")):
            return None  # a signed SDK or S3 request: never an upload to this endpoint
        found = _UPLOAD_PATH.fullmatch(raw_path)
        if found is None:
            return None
        return Match("PutObject", {"DomainName": found.group(1), "JobId": found.group(2)})

    def _serve(self, call: Call) -> Answer:
        try:
            slot = self._authorized(call)
            _check_sse_c(call.headers, slot.client_token)
        except ApiError as refusal:
            return _render(refusal)
        slot.receive(call.body)
        headers = (
            ("ETag", f'"{uuid.uuid4().hex}"'),  # not the body's MD5 for an SSE-C object (S3 user guide, SSE-C)
            (SSE_ALGORITHM, AES256),
            ("x-amz-server-side-encryption-customer-key-MD5", key_md5(slot.client_token)),
            ("Content-Length", "0"),
        )
        return Answer(200, b"", headers)

    def _authorized(self, call: Call) -> UploadSlot:
        domain_name, job_id = call.uri_params["DomainName"], call.uri_params["JobId"]
        query = {name: values[-1] for name, values in parse_qs(call.query).items()}
        expires, signature = query.get("expires", ""), query.get("signature", "")
        if call.method != "PUT" or not hmac.compare_digest(signature, self._sign(domain_name, job_id, expires)):
            raise S3Refusal(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
                403,
            )
        if self._clock() > float(expires):
            raise S3Refusal("AccessDenied", "Request has expired", 403)
        if "chunked" in call.headers.get("transfer-encoding", "").lower():
            raise S3Refusal("MissingContentLength", "You must provide the Content-Length HTTP header.", 411)
        slot = self._lookup(domain_name, job_id)
        if slot is None:
            raise S3Refusal("AccessDenied", "Access Denied", 403)
        return slot


def _check_sse_c(headers: Mapping[str, str], client_token: str) -> None:
    """S3's SSE-C header checks, then whether the key is the one the URL was handed out with."""
    algorithm, key, md5 = (headers.get(name) for name in (SSE_ALGORITHM, SSE_KEY, SSE_KEY_MD5))
    if algorithm is None and key is None and md5 is None:
        raise S3Refusal("AccessDenied", "Access Denied", 403)
    if key is None or md5 is None or algorithm is None:
        raise S3Refusal(
            "InvalidArgument",
            "Requests specifying Server Side Encryption with Customer provided keys must provide the algorithm, "
            "the secret key and its MD5.",
            400,
        )
    if algorithm != AES256:
        raise S3Refusal("InvalidEncryptionAlgorithmError", "The valid value of the algorithm is AES256.", 400)
    try:
        valid_key = len(base64.b64decode(key, validate=True)) == KEY_BYTES
    except (binascii.Error, ValueError):
        valid_key = False
    if not valid_key:
        raise S3Refusal("InvalidArgument", "The secret key was invalid for the specified algorithm.", 400)
    if not hmac.compare_digest(md5, key_md5(key)):
        raise S3Refusal("InvalidArgument", "The calculated MD5 hash of the key did not match the hash provided.", 400)
    if not hmac.compare_digest(key, client_token):
        raise S3Refusal(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
            403,
        )


def _render(error: ApiError) -> Answer:
    """S3's REST error body: ``<Error>`` with Code, Message and RequestId (S3 API reference, "Error responses")."""
    request_id = uuid.uuid4().hex[:16].upper()
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>"
        f"<RequestId>{request_id}</RequestId></Error>"
    ).encode()
    headers = (
        ("Content-Type", "application/xml"),
        ("Content-Length", str(len(body))),
        ("x-amz-request-id", request_id),
    )
    return Answer(error.status or 400, body, headers)

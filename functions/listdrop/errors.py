"""Domain exceptions, each mapped to one outcome in one place (the handlers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the type only
    from listdrop.models import Destination


class ListdropError(Exception):
    """Base class for every error listdrop raises on purpose."""


class RejectedFile(ListdropError):
    """The uploaded file cannot be imported; the user is told why and the object is kept.

    `code` is stable and machine-readable (it is part of the event schema); `reason` is the
    sentence a person reads. Neither may contain an e-mail address. `provider` and `destination` are set when the
    key named them before the rest of it was refused (an unknown action, a wrong extension), so the rejection
    says where the file was meant to go.
    """

    def __init__(
        self, code: str, reason: str, *, provider: str | None = None, destination: Destination | None = None
    ) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.provider = provider
        self.destination = destination

    def naming(self, provider: str, destination: Destination) -> RejectedFile:
        """The same refusal, about the provider and destination the key named."""
        return RejectedFile(self.code, self.reason, provider=provider, destination=destination)


class RetryLater(ListdropError):
    """Processing cannot finish now but may on a later delivery (the message goes back to the queue)."""


class UploadInProgress(RetryLater):
    """Another delivery of the same upload holds the claim; let it finish, check again later."""


class ProviderUnavailable(RetryLater):
    """The job API throttled or failed transiently; retry with backoff.

    `may_have_run` says whether the call may still have taken effect: False for throttling (the API refused
    the request before doing anything), True for server errors and timeouts, where a job may exist anyway.
    """

    def __init__(self, message: str, *, may_have_run: bool = True) -> None:
        super().__init__(message)
        self.may_have_run = may_have_run


class ProviderRequestRejected(ListdropError):
    """The job API refused the request itself (bad request, limit exceeded): retrying cannot help."""

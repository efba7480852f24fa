"""The errors an emulated service answers with, and the one that ends a job."""

from __future__ import annotations


class ApiError(Exception):
    """An error the service's model names (``code`` is the error shape's name, e.g. ``NotFoundException``).

    The HTTP status comes from the error shape's ``httpStatusCode`` in the botocore model unless ``status`` is
    given (the fault injector's codes, an operation the emulator does not serve); the service's protocol renders
    the body (:mod:`localcloud.emulators.kit.protocol`).
    """

    def __init__(self, code: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class JobFailure(Exception):
    """Ends a job as FAILED; the message is the reason the service reports."""

"""Pages of a listing, and tokens that continue it.

A token is opaque to the caller and bound to the listing that produced it (its ``scope``: the operation and
its filters), so a token from one listing is refused by another, as the real services refuse a foreign token.
Page sizes arrive as the model types them (an integer for SES v2 and Mail Manager, a string for Pinpoint).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from localcloud.emulators.kit.errors import ApiError

T = TypeVar("T")


@dataclass(frozen=True)
class Paginator:
    """``default_size`` when the caller gives none; errors carry ``invalid_code`` (``cursor_code`` for a bad
    token, when the model names a separate error for it, e.g. SES v2's InvalidNextTokenException);
    ``cursor_member`` is the request member that carries the token (NextToken; Pinpoint's is Token) and
    ``size_member`` the one that carries the page size (PageSize; Customer Profiles' is MaxResults)."""

    default_size: int
    invalid_code: str
    cursor_code: str | None = None
    cursor_member: str = "NextToken"
    size_member: str = "PageSize"

    def page(self, items: Sequence[T], *, size: Any, token: str | None, scope: str) -> tuple[list[T], str | None]:
        """One page of ``items`` and the token for the next (None on the last page)."""
        count = self._size(size)
        offset = self._offset(token, scope) if token else 0
        page = list(items[offset : offset + count])
        if offset + count >= len(items):
            return page, None
        encoded = base64.urlsafe_b64encode(json.dumps({"offset": offset + count, "scope": scope}).encode())
        return page, encoded.decode()

    def output(self, key: str, items: Sequence[Any], params: dict[str, Any], scope: str) -> dict[str, Any]:
        """The output of a listing: ``{key: page}`` and ``NextToken`` when there is more (the common shape)."""
        size, cursor = params.get(self.size_member), params.get(self.cursor_member)
        page, token = self.page(items, size=size, token=cursor, scope=scope)
        return {key: page, **({"NextToken": token} if token else {})}

    def _size(self, size: Any) -> int:
        if size is None or size == "":
            return self.default_size
        try:
            count = int(size)
        except ValueError as exc:
            raise ApiError(self.invalid_code, f"{self.size_member} must be a whole number.") from exc
        if count < 1:
            raise ApiError(self.invalid_code, f"{self.size_member} must be at least 1.")
        return count

    def _offset(self, token: str, scope: str) -> int:
        code = self.cursor_code or self.invalid_code
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
            offset, token_scope = int(decoded["offset"]), decoded["scope"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ApiError(code, f"The {self.cursor_member} is not valid.") from exc
        if token_scope != scope or offset < 0:
            raise ApiError(code, f"The {self.cursor_member} does not belong to this request.")
        return offset

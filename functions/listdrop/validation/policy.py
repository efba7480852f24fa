"""What to do with a file that has some invalid rows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowPolicy:
    """Import the valid rows and report the others, unless too many are invalid.

    max_invalid_percent: above this share of invalid rows the whole file is rejected (0 rejects a file with
    any invalid row; 100 imports whatever is valid). The engine leaves duplicates out of both counts: a repeated
    address is left out and reported, but it is not invalid.
    """

    max_invalid_percent: float = 10.0

    def __post_init__(self) -> None:
        if not 0 <= self.max_invalid_percent <= 100:
            raise ValueError("max_invalid_percent must be between 0 and 100")

    def rejects(self, *, total: int, invalid: int) -> bool:
        if total == 0 or invalid == 0:
            return False
        return invalid * 100 > self.max_invalid_percent * total

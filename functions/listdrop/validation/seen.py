"""The addresses a file has already admitted, for duplicate detection in bounded memory.

Most files are small. Up to SMALL_LIMIT addresses their fingerprints sit in a plain set: it needs no numpy, whose
import would otherwise be a large part of the starter's first invocation after a cold start (bench/coldstart.py),
and it takes less memory than the sorted runs' filter alone (8 MiB; a set of SMALL_LIMIT fingerprints holds about
4.2 MiB, by tracemalloc). The first address past that moves them into seen_runs.SortedRuns, which imports numpy,
and they stay there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from listdrop.validation.seen_runs import SortedRuns

SMALL_LIMIT = 1 << 16


def address_key(address: str) -> int:
    """The duplicate key of an address: a 64-bit fingerprint of its lower-cased form.

    Python's string hash (SipHash, salted per process): two different addresses share a key with
    probability about n^2 / 2^65, under 3e-8 for a million-row file.
    """
    return hash(address.lower())


class SeenAddresses:
    def __init__(self, small_limit: int = SMALL_LIMIT) -> None:
        self._small_limit = small_limit
        self._small: set[int] = set()
        self._runs: SortedRuns | None = None  # once past small_limit

    def __len__(self) -> int:
        return len(self._small) if self._runs is None else len(self._runs)

    def __contains__(self, key: int) -> bool:
        return key in self._small if self._runs is None else key in self._runs

    def add(self, key: int) -> None:
        """Add a key that was not added before."""
        if self._runs is None and len(self._small) < self._small_limit:
            self._small.add(key)
        else:
            self._large().add(key)

    def add_block(self, addresses: list[str]) -> bool:
        """Add a block's lower-case addresses if none repeats (within the block or an earlier one); else add
        nothing and say so (the exact path then finds which)."""
        if self._runs is None and len(self._small) + len(addresses) <= self._small_limit:
            keys = set(map(hash, addresses))
            if len(keys) < len(addresses) or not self._small.isdisjoint(keys):
                return False
            self._small |= keys
            return True
        return self._large().add_block(addresses)

    def _large(self) -> SortedRuns:
        if self._runs is None:
            from listdrop.validation.seen_runs import SortedRuns  # numpy: only for a file this large

            self._runs = SortedRuns(self._small)
            self._small = set()
        return self._runs

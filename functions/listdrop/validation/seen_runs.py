"""The duplicate index of a large file: fingerprints in sorted numpy runs (see seen.py for when it is used).

A Python set of one million fingerprints costs about 56 MB (a 16-byte slot per entry at under 2/3 load,
plus a 24-byte object per fingerprint) and twice a random memory access per row. Here each address is a
64-bit fingerprint in sorted numpy runs that are merged like a log-structured tree: 8 bytes per address,
at most about 16 bytes while two runs merge, and a whole block is checked with one vectorized search per run.
A one-byte-per-slot filter over the low 23 bits of each key (8 MiB) rules out most keys with one memory
access each, so only its hits (about 1 in 8 at a million addresses) are searched for in the runs.
Rows admitted one at a time (the exact path) collect in a small set until there are enough to make a run.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import numpy.typing as npt

Keys = npt.NDArray[np.int64]

_RECENT_LIMIT = 4096
_FILTER_BITS = 23
_FILTER_MASK = (1 << _FILTER_BITS) - 1


def keys_of(addresses: list[str]) -> Keys:
    """Sorted keys of addresses that are already lower-case."""
    keys = np.fromiter(map(hash, addresses), dtype=np.int64, count=len(addresses))
    keys.sort()
    return keys


def has_repeats(sorted_keys: Keys) -> bool:
    return bool(sorted_keys.size > 1 and (sorted_keys[1:] == sorted_keys[:-1]).any())


class SortedRuns:
    def __init__(self, keys: Collection[int] = ()) -> None:
        """`keys`: distinct keys to start with."""
        self._runs: list[Keys] = []  # each sorted; lengths shrink from first to last
        self._recent: set[int] = set()
        self._filter = np.zeros(1 << _FILTER_BITS, dtype=np.bool_)  # True: some added key has these low bits
        if keys:
            first = np.fromiter(keys, dtype=np.int64, count=len(keys))
            first.sort()
            self.add_sorted(first)

    def __len__(self) -> int:
        return sum(run.size for run in self._runs) + len(self._recent)

    def __contains__(self, key: int) -> bool:
        if not self._filter[key & _FILTER_MASK]:
            return False
        if key in self._recent:
            return True
        probe = np.int64(key)
        for run in self._runs:
            at = int(np.searchsorted(run, probe))
            if at < run.size and run[at] == probe:
                return True
        return False

    def any_of(self, sorted_keys: Keys) -> bool:
        """Whether any of these keys (sorted) was added before."""
        hits = self._filter[sorted_keys & _FILTER_MASK]
        if not hits.any():
            return False
        candidates = sorted_keys[hits]
        if self._recent and not self._recent.isdisjoint(candidates.tolist()):
            return True
        for run in self._runs:
            at = np.searchsorted(run, candidates)
            np.minimum(at, run.size - 1, out=at)
            if (run[at] == candidates).any():
                return True
        return False

    def add(self, key: int) -> None:
        self._filter[key & _FILTER_MASK] = True
        self._recent.add(key)
        if len(self._recent) >= _RECENT_LIMIT:
            self._flush_recent()

    def add_sorted(self, sorted_keys: Keys) -> None:
        """Add keys none of which was added before (check with any_of first)."""
        self._filter[sorted_keys & _FILTER_MASK] = True
        self._push(sorted_keys)

    def add_block(self, addresses: list[str]) -> bool:
        """Add a block's lower-case addresses if none repeats (within the block or an earlier one); else add
        nothing and say so."""
        keys = keys_of(addresses)
        if has_repeats(keys) or self.any_of(keys):
            return False
        self.add_sorted(keys)
        return True

    def _flush_recent(self) -> None:
        keys = np.fromiter(self._recent, dtype=np.int64, count=len(self._recent))
        keys.sort()
        self._recent.clear()
        self._push(keys)

    def _push(self, run: Keys) -> None:
        if not run.size:
            return
        runs = self._runs
        runs.append(run)
        # Merge while the newer run is at least half the older one: O(n log n) in all, few runs to search.
        while len(runs) > 1 and runs[-2].size <= 2 * runs[-1].size:
            newer, older = runs.pop(), runs.pop()
            merged = np.concatenate((older, newer))
            merged.sort(kind="stable")  # timsort: two sorted runs merge in linear time
            runs.append(merged)

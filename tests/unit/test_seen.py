"""The duplicate index answers exactly like a set of every key added, whichever way keys arrive, below and above
the size at which it moves its keys from a set into numpy's sorted runs."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listdrop.validation import engine
from listdrop.validation.seen import SeenAddresses, address_key
from listdrop.validation.seen_runs import SortedRuns, has_repeats, keys_of

from .test_validation import CONTACTS, check

# Keys that share their low 23 bits land on the same filter slot, so the exact search always runs.
SAME_SLOT = st.integers(min_value=-(2**39), max_value=2**39).map(lambda high: (high << 23) | 12345)
ANY_KEY = st.integers(min_value=-(2**63) + 1, max_value=2**63 - 1)
KEYS = st.one_of(SAME_SLOT, ANY_KEY)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.lists(KEYS, max_size=40, unique=True)), max_size=60), st.lists(KEYS))
def test_answers_like_a_set(batches: list[tuple[bool, list[int]]], probes: list[int]) -> None:
    seen, model = SortedRuns(), set[int]()
    for one_at_a_time, keys in batches:
        fresh = sorted(set(keys) - model)
        sorted_keys = np.array(fresh, dtype=np.int64)
        assert not seen.any_of(sorted_keys)
        if one_at_a_time:
            for key in fresh:
                seen.add(key)
        else:
            seen.add_sorted(sorted_keys)
        model.update(fresh)
        if model:
            assert seen.any_of(np.array(sorted(model)[:3], dtype=np.int64))
    assert len(seen) == len(model)
    for key in probes + sorted(model):
        assert (key in seen) == (key in model)
        assert seen.any_of(np.array([key], dtype=np.int64)) == (key in model)


def test_many_single_adds_make_runs_and_stay_exact() -> None:
    seen = SortedRuns()
    keys = [(index << 23) | 7 for index in range(20_000)]  # one filter slot for all: every probe searches
    for key in keys:
        seen.add(key)
    assert len(seen) == 20_000
    assert all(key in seen for key in keys[::997])
    assert ((20_001 << 23) | 7) not in seen
    assert not seen.any_of(np.array([(-5 << 23) | 7, (30_000 << 23) | 7], dtype=np.int64))


def test_keys_ignore_case_and_find_repeats() -> None:
    assert address_key("Ann@Example.com") == address_key("ann@example.com")
    keys = keys_of(["b@example.com", "a@example.com", "b@example.com"])
    assert list(keys) == sorted(keys) and has_repeats(keys)
    assert not has_repeats(keys_of(["a@example.com", "b@example.com"]))


@pytest.mark.parametrize("small_limit", [None, 1000], ids=["a set throughout", "moved to runs midway"])
def test_a_repeat_many_blocks_later_is_reported_on_its_row(small_limit: int | None, monkeypatch) -> None:
    if small_limit is not None:
        monkeypatch.setattr(engine, "SeenAddresses", partial(SeenAddresses, small_limit=small_limit))
    rows = [f"user{index}@example.com,true" for index in range(40_000)]  # about 1 MiB: 16 blocks of 64 KiB
    rows[30_000] = "User17@Example.com,false"  # repeats line 19 (the header is line 1)
    rows.append("user39999@example.com,false")
    content = ("emailAddress,unsubscribeAll\n" + "\n".join(rows) + "\n").encode()
    checked = check(CONTACTS, content, block_bytes=1 << 16)
    assert (checked.result.accepted_rows, checked.result.duplicate_rows) == (39_999, 2)
    assert [(row["row"], row["code"]) for row in checked.report_rows] == [
        ("30002", "DUPLICATE_ADDRESS"),
        ("40002", "DUPLICATE_ADDRESS"),
    ]
    staged = [row[0] for row in checked.output_rows[1:]]
    assert len(staged) == len(set(staged)) == 39_999 and "user17@example.com" in staged


def test_sorted_runs_start_from_the_keys_given() -> None:
    runs = SortedRuns({5, -3, 2**40})
    assert len(runs) == 3 and 5 in runs and -3 in runs and 4 not in runs
    assert runs.any_of(np.array([1, 2**40], dtype=np.int64))


ADDRESSES = st.lists(st.sampled_from([f"user{index}@example.com" for index in range(60)]), max_size=12)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.booleans(), ADDRESSES), max_size=30), st.integers(min_value=0, max_value=40))
def test_answers_like_a_set_across_the_move_to_runs(batches: list[tuple[bool, list[str]]], small_limit: int) -> None:
    """Blocks (all added, or none when any repeats) and single keys, with a limit the additions cross or not."""
    seen, model = SeenAddresses(small_limit=small_limit), set[int]()
    for one_at_a_time, addresses in batches:
        keys = [address_key(address) for address in addresses]
        if one_at_a_time:
            for key in keys:
                assert (key in seen) == (key in model)
                if key not in model:
                    seen.add(key)
                    model.add(key)
        else:
            fresh = len(set(keys)) == len(keys) and model.isdisjoint(keys)
            assert seen.add_block(addresses) == fresh
            if fresh:
                model.update(keys)
        assert len(seen) == len(model)
    for address in [f"user{index}@example.com" for index in range(60)]:
        assert (address_key(address) in seen) == (address_key(address) in model)

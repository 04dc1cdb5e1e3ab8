"""The near-duplicate filter decides as comparing the passages' term sets would, pair by pair,
whether or not the bitmaps let it skip the sets."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.duplicates import BUCKETS, OVERLAP, DuplicateFilter


def _filter(passages: list[list[int]]) -> DuplicateFilter:
    """A filter over passages given as their distinct term numbers."""
    runs = [sorted(set(terms)) for terms in passages]
    offsets = np.zeros(len(runs) + 1, dtype=np.int64)
    np.cumsum([len(run) for run in runs], out=offsets[1:])
    ids = np.array([term for run in runs for term in run], dtype=np.int32)
    return DuplicateFilter(offsets, ids)


def _by_sets(passages: list[list[int]], numbers: list[int], limit: int) -> list[int]:
    """The rule itself: a passage is dropped when it shares OVERLAP of the smaller's terms
    with a passage kept before it."""
    sets = [frozenset(terms) for terms in passages]
    kept: list[int] = []
    for number in numbers:
        if any(
            len(sets[number] & sets[other]) >= OVERLAP * min(len(sets[number]), len(sets[other]))
            for other in kept
        ):
            continue
        kept.append(number)
        if len(kept) == limit:
            break
    return kept


def test_a_passage_that_repeats_a_kept_one_is_dropped_and_the_rest_keep_their_order() -> None:
    passages = [[1, 2, 3, 4, 5], [1, 2, 3, 4, 9], [6, 7, 8, 10, 11], [1, 2, 40, 41, 42]]
    assert _filter(passages).distinct([0, 1, 2, 3], limit=10) == [0, 2, 3]
    assert _filter(passages).distinct([1, 0, 3], limit=10) == [1, 3]
    assert _filter(passages).distinct([0, 1, 2, 3], limit=2) == [0, 2]
    assert _filter(passages).distinct([], limit=3) == []


@pytest.mark.parametrize("seed", range(6))
def test_the_filter_keeps_what_comparing_the_sets_keeps(seed: int) -> None:
    rng = np.random.default_rng(seed)
    passages: list[list[int]] = []
    for _ in range(40):
        size = int(rng.integers(1, 300))
        if passages and rng.random() < 0.4:
            # Near another passage: some of its terms and some new ones, around the threshold.
            base = passages[int(rng.integers(len(passages)))]
            share = rng.uniform(0.4, 0.9)
            taken = rng.choice(base, size=max(1, int(share * len(base))), replace=False)
            terms = [*taken.tolist(), *rng.integers(0, 50_000, size).tolist()]
        elif rng.random() < 0.3:
            # Terms that all fall in a few buckets: the bitmaps say little, the sets decide.
            terms = (rng.integers(0, 40, size) * BUCKETS + rng.integers(0, 3, size)).tolist()
        else:
            terms = rng.integers(0, 5_000_000, size).tolist()
        passages.append(terms)
    for _ in range(20):
        numbers = rng.permutation(len(passages))[:20].tolist()
        limit = int(rng.integers(1, 12))
        assert _filter(passages).distinct(numbers, limit) == _by_sets(passages, numbers, limit)


def test_sets_are_built_only_for_pairs_the_bitmaps_cannot_tell_apart() -> None:
    # No two passages have a term in the same bucket: no set is needed.
    passages = [list(range(start, start + 200)) for start in range(0, 1000, 200)]
    duplicates = _filter(passages)
    assert duplicates.distinct(list(range(5)), limit=10) == list(range(5))
    assert duplicates.term_set.cache_info().currsize == 0
    # The same terms moved by one bucket's width: their buckets coincide, so the sets decide.
    passages.append([term + BUCKETS for term in passages[0]])
    duplicates = _filter(passages)
    assert duplicates.distinct([0, 5, 1], limit=10) == [0, 5, 1]
    assert duplicates.term_set.cache_info().currsize == 2

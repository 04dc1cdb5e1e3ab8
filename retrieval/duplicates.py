"""Near-duplicate passages: which passages of a ranking only repeat a better one.

Two passages say the same thing when they share OVERLAP of the distinct terms of the smaller
(the articles repeat each other's paragraphs). Building a Python set of each ranked passage's
terms and intersecting the sets took a tenth of a question's time at 100,000 passages, and
almost every pair shares far too little to matter. So each passage's terms are first hashed
into a bitmap of BUCKETS bits (a Python int; those a ranking may need are made together, by a
few numpy calls), and a pair's sets are compared only when the bitmaps allow that they overlap
enough:

    |a & b| <= popcount(A & B) + (|a| - popcount(A))

Every shared term lies in a bucket both bitmaps have; several shared terms in one bucket are
at most as many as the terms of ``a`` that share a bucket with another term of ``a``.
The decision is the sets' own, to the pair.
"""

from __future__ import annotations

import functools

import numpy as np

OVERLAP = 0.6  # passages sharing this share of their terms say the same thing
BUCKETS = 1024  # bits of a passage's term bitmap: a multiple of 8
SETS_KEPT = 4096  # passages' term sets kept (at scale some 8 KB each)


class DuplicateFilter:
    """Keeps the passages of a ranking that repeat none of the better ones they follow."""

    def __init__(self, term_offsets: np.ndarray, term_ids: np.ndarray) -> None:
        # Passage p's distinct terms, by number: term_ids[term_offsets[p]:term_offsets[p + 1]].
        self._offsets = term_offsets
        self._term_ids = term_ids
        self.term_set = functools.lru_cache(maxsize=SETS_KEPT)(self._terms_of)

    def distinct(self, numbers: list[int], limit: int) -> list[int]:
        """The first ``limit`` of the passage numbers (in their order) that repeat no
        earlier one kept."""
        kept: list[int] = []
        sizes: list[int] = []
        bitmaps: list[int] = []
        crowded: list[int] = []  # terms that share a bucket with another term of the passage
        for at, number in enumerate(numbers):
            if at == len(sizes):  # the bitmaps of as many more as could still be kept
                self._add_bitmaps(numbers[at : at + limit - len(kept)], sizes, bitmaps, crowded)
            size, bitmap, own_crowded = sizes[at], bitmaps[at], crowded[at]
            for earlier in kept:
                needed = OVERLAP * min(size, sizes[earlier])
                bound = (bitmap & bitmaps[earlier]).bit_count() + min(own_crowded, crowded[earlier])
                if bound >= needed and len(
                    self.term_set(number) & self.term_set(numbers[earlier])
                ) >= needed:
                    break
            else:
                kept.append(at)
                if len(kept) == limit:
                    break
        return [numbers[at] for at in kept]

    def _add_bitmaps(
        self, numbers: list[int], sizes: list[int], bitmaps: list[int], crowded: list[int]
    ) -> None:
        """Append each passage's count of distinct terms, the bitmap of their buckets and
        how many of them share a bucket with another."""
        offsets, term_ids = self._offsets, self._term_ids
        runs = [term_ids[offsets.item(n) : offsets.item(n + 1)] for n in numbers]
        counts = [len(run) for run in runs]
        rows = np.repeat(np.arange(len(numbers)) * BUCKETS, counts)
        bits = np.zeros(len(numbers) * BUCKETS, dtype=bool)
        bits[rows + (np.concatenate(runs) & (BUCKETS - 1))] = True
        packed = np.packbits(bits).tobytes()
        width = BUCKETS // 8
        for count, start in zip(counts, range(0, len(packed), width), strict=True):
            bitmap = int.from_bytes(packed[start : start + width], "little")
            sizes.append(count)
            bitmaps.append(bitmap)
            crowded.append(count - bitmap.bit_count())

    def _terms_of(self, number: int) -> frozenset[int]:
        run = self._offsets[number : number + 2]
        return frozenset(self._term_ids[run[0] : run[1]].tolist())

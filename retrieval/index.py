"""BM25+ over passages with rank-bm25, scored only where a query term occurs.

rank-bm25 supplies the model (IDF, document lengths, k1, b, delta). BM25Plus is used
because its IDF, log((N + 1) / df), stays positive for every term: BM25Okapi gives a
term that occurs in half or more of the passages zero or negative weight, so real
matches could score 0. delta (BM25+'s bonus for any match) measured best at 0 here.
Scoring goes term by term over an inverted index, so a query
touches only the passages that contain one of its terms.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rank_bm25 import BM25Plus

K1 = 1.2
B = 0.75
DELTA = 0.0


class BM25Index:
    """Postings in compressed sparse rows: one array of passage ids and one of term
    frequencies for all terms, each term's run found through one offsets array. rank-bm25's
    model (a dict of term counts per passage) is only used while building: search reads
    nothing of it but the IDFs and the passage lengths, kept as arrays.
    """

    def __init__(
        self, documents: Sequence[Sequence[str]], k1: float = K1, b: float = B, delta: float = DELTA
    ) -> None:
        if not documents:
            raise ValueError("cannot index an empty list of documents")
        if any(len(doc) == 0 for doc in documents):
            raise ValueError("every document needs at least one token")
        model = BM25Plus([list(doc) for doc in documents], k1=k1, b=b, delta=delta)
        lengths = np.asarray(model.doc_len, dtype=np.float64)
        # The per-passage part of BM25's denominator, computed once.
        self._length_norm = k1 * (1.0 - b + b * lengths / model.avgdl)
        self._k1 = k1
        self._delta = delta
        term_ids: dict[str, int] = {}
        owners: list[int] = []
        doc_ids: list[int] = []
        counts: list[int] = []
        for doc_id, freqs in enumerate(model.doc_freqs):
            for term, count in freqs.items():
                owners.append(term_ids.setdefault(term, len(term_ids)))
                doc_ids.append(doc_id)
                counts.append(count)
        owner_ids = np.asarray(owners, dtype=np.int32)
        # A stable sort by term keeps each term's passages in ascending order.
        order = np.argsort(owner_ids, kind="stable")
        self._doc_ids = np.asarray(doc_ids, dtype=np.int32)[order]
        self._term_freqs = np.asarray(counts, dtype=np.float64)[order]
        per_term = np.bincount(owner_ids, minlength=len(term_ids))
        self._offsets = np.concatenate(([0], np.cumsum(per_term)))
        self._term_ids = term_ids
        self._idf = np.array([model.idf[term] for term in term_ids], dtype=np.float64)
        self.size = len(documents)

    def arrays(self) -> tuple[list[str], dict[str, np.ndarray]]:
        """Everything search reads, as plain values: the terms in id order and the arrays
        (the parameters k1 and delta as one-element arrays). See :meth:`from_arrays`."""
        return list(self._term_ids), {
            "length_norm": self._length_norm,
            "doc_ids": self._doc_ids,
            "term_freqs": self._term_freqs,
            "offsets": self._offsets,
            "idf": self._idf,
            "k1": np.array([self._k1]),
            "delta": np.array([self._delta]),
        }

    @classmethod
    def from_arrays(cls, terms: Sequence[str], arrays: dict[str, np.ndarray]) -> BM25Index:
        """The index that :meth:`arrays` described (read back from a cache, say).

        The shapes are checked, so a cache written by other code is refused with a
        ValueError rather than scoring wrongly.
        """
        index = cls.__new__(cls)
        index._term_ids = {term: number for number, term in enumerate(terms)}
        index._length_norm = arrays["length_norm"]
        index._doc_ids = arrays["doc_ids"]
        index._term_freqs = arrays["term_freqs"]
        index._offsets = arrays["offsets"]
        index._idf = arrays["idf"]
        index._k1 = float(arrays["k1"][0])
        index._delta = float(arrays["delta"][0])
        index.size = len(index._length_norm)
        postings = len(index._doc_ids)
        if (
            len(index._term_ids) != len(terms)
            or index._offsets.shape != (len(terms) + 1,)
            or index._idf.shape != (len(terms),)
            or index._term_freqs.shape != (postings,)
            or int(index._offsets[-1]) != postings
            or (postings and int(index._doc_ids.max()) >= index.size)
        ):
            raise ValueError("the index arrays do not fit together")
        return index

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self._term_ids)

    def document_frequency(self, term: str) -> int:
        term_id = self._term_ids.get(term)
        if term_id is None:
            return 0
        return int(self._offsets[term_id + 1] - self._offsets[term_id])

    def idf(self, term: str) -> float:
        term_id = self._term_ids.get(term)
        return 0.0 if term_id is None else float(self._idf[term_id])

    def term_scores(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """BM25+ contribution of one term to each passage that contains it."""
        term_id = self._term_ids.get(term)
        if term_id is None:
            return np.empty(0, dtype=np.int32), np.empty(0)
        run = slice(self._offsets[term_id], self._offsets[term_id + 1])
        doc_ids, tf = self._doc_ids[run], self._term_freqs[run]
        saturation = tf * (self._k1 + 1.0) / (self._length_norm[doc_ids] + tf)
        return doc_ids, self._idf[term_id] * (self._delta + saturation)

    def dense_scores(self, weighted_terms: dict[str, float]) -> np.ndarray:
        """Score of every passage (0 where no term occurs), summed term by term."""
        totals = np.zeros(self.size)
        for term, weight in weighted_terms.items():
            doc_ids, contributions = self.term_scores(term)
            if len(doc_ids):
                # Postings hold each passage once per term, so plain fancy-index adds work.
                totals[doc_ids] += contributions * weight
        return totals

    def scores(self, weighted_terms: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, scores) for the passages that contain at least one term."""
        totals = self.dense_scores(weighted_terms)
        candidates = np.flatnonzero(totals)
        return candidates, totals[candidates]

    def top(self, weighted_terms: dict[str, float], k: int) -> list[tuple[int, float]]:
        """The k best passages, best first; ties broken by passage order."""
        candidates, scores = self.scores(weighted_terms)
        if len(candidates) > k:
            keep = np.argpartition(-scores, k - 1)[:k]
            candidates, scores = candidates[keep], scores[keep]
        order = np.lexsort((candidates, -scores))
        return [(int(candidates[i]), float(scores[i])) for i in order]

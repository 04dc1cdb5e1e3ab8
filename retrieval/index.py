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
from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25Plus

K1 = 1.2
B = 0.75
DELTA = 0.0


@dataclass(frozen=True)
class Posting:
    doc_ids: np.ndarray  # int32, ascending
    term_freqs: np.ndarray  # float64, same order


class BM25Index:
    def __init__(
        self, documents: Sequence[Sequence[str]], k1: float = K1, b: float = B, delta: float = DELTA
    ) -> None:
        if not documents:
            raise ValueError("cannot index an empty list of documents")
        if any(len(doc) == 0 for doc in documents):
            raise ValueError("every document needs at least one token")
        self.model = BM25Plus([list(doc) for doc in documents], k1=k1, b=b, delta=delta)
        lengths = np.asarray(self.model.doc_len, dtype=np.float64)
        # The per-passage part of BM25's denominator, computed once.
        self._length_norm = k1 * (1.0 - b + b * lengths / self.model.avgdl)
        self._k1 = k1
        self._delta = delta
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for doc_id, freqs in enumerate(self.model.doc_freqs):
            for term, count in freqs.items():
                ids, tfs = postings.setdefault(term, ([], []))
                ids.append(doc_id)
                tfs.append(float(count))
        self._postings = {
            term: Posting(np.asarray(ids, dtype=np.int32), np.asarray(tfs, dtype=np.float64))
            for term, (ids, tfs) in postings.items()
        }
        self.size = len(documents)

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self._postings)

    def document_frequency(self, term: str) -> int:
        posting = self._postings.get(term)
        return 0 if posting is None else len(posting.doc_ids)

    def idf(self, term: str) -> float:
        return float(self.model.idf.get(term, 0.0))

    def term_scores(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """BM25+ contribution of one term to each passage that contains it."""
        posting = self._postings.get(term)
        if posting is None:
            return np.empty(0, dtype=np.int32), np.empty(0)
        tf = posting.term_freqs
        saturation = tf * (self._k1 + 1.0) / (self._length_norm[posting.doc_ids] + tf)
        return posting.doc_ids, self.idf(term) * (self._delta + saturation)

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

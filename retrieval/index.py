"""BM25+ over passages with rank-bm25, scored only where a query term occurs.

rank-bm25 supplies the model (IDF, document lengths, k1, b, delta). BM25Plus is used
because its IDF, log((N + 1) / df), stays positive for every term: BM25Okapi gives a
term that occurs in half or more of the passages zero or negative weight, so real
matches could score 0. delta (BM25+'s bonus for any match) measured best at 0 here.
Scoring goes term by term over an inverted index, so a query
touches only the passages that contain one of its terms.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from rank_bm25 import BM25Plus

K1 = 1.2
B = 0.75
DELTA = 0.0
RECENT_TERMS = 512  # term numbers an index remembers (see BM25Index._term_id)


class _CountedBM25Plus(BM25Plus):
    """rank-bm25's BM25+ with the corpus counted by numpy instead of a dict per passage.

    BM25.__init__ calls :meth:`_initialize` and then BM25Plus's own ``_calc_idf``, which
    computes the IDFs from the term -> passage count dict returned here (one entry per
    term). The postings (term-major, passages ascending) and the lengths come out as arrays;
    ``doc_freqs`` stays empty, so rank-bm25's own get_scores is not for this class.
    """

    def _initialize(self, corpus: Sequence[Sequence[str]]) -> _DocumentCounts:
        lengths = np.fromiter(map(len, corpus), dtype=np.int64, count=len(corpus))
        flat = list(itertools.chain.from_iterable(corpus))
        # Terms numbered in order of first use, as rank-bm25's dicts would list them.
        numbers = dict.fromkeys(flat, 0)
        self.terms = list(numbers)
        for number, term in enumerate(self.terms):
            numbers[term] = number
        term_of_token = np.fromiter(map(numbers.__getitem__, flat), dtype=np.int64, count=len(flat))
        del flat, numbers
        passage_of_token = np.repeat(np.arange(len(corpus), dtype=np.int64), lengths)
        # One key per (term, passage) pair, sorted term-major: the postings in CSR order.
        pairs, counts = np.unique(
            term_of_token * len(corpus) + passage_of_token, return_counts=True
        )
        del term_of_token, passage_of_token
        self.posting_terms, self.posting_docs = np.divmod(pairs, len(corpus))
        self.posting_counts = counts
        self.corpus_size = len(corpus)
        self.doc_len = lengths
        # rank-bm25 divides the Python sum by the count: the same float, so the same scores.
        self.avgdl = int(lengths.sum()) / self.corpus_size
        self.document_counts = np.bincount(self.posting_terms, minlength=len(self.terms))
        return _DocumentCounts(self.terms, self.document_counts)


class _DocumentCounts:
    """What _calc_idf reads, term -> number of passages, without a dict of its own."""

    def __init__(self, terms: list[str], counts: np.ndarray) -> None:
        self._terms, self._counts = terms, counts

    def items(self):
        return zip(self._terms, self._counts.tolist(), strict=True)


class BM25Index:
    """Postings in compressed sparse rows: one array of passage ids and one of term
    frequencies for all terms, each term's run found through one offsets array. rank-bm25
    supplies the model (its BM25Plus, counting the corpus with numpy: _CountedBM25Plus);
    search reads nothing of it but the IDFs and the passage lengths, kept as arrays.
    """

    def __init__(
        self, documents: Sequence[Sequence[str]], k1: float = K1, b: float = B, delta: float = DELTA
    ) -> None:
        if not documents:
            raise ValueError("cannot index an empty list of documents")
        if any(len(doc) == 0 for doc in documents):
            raise ValueError("every document needs at least one token")
        model = _CountedBM25Plus(documents, k1=k1, b=b, delta=delta)
        # The per-passage part of BM25's denominator, computed once.
        self._length_norm = k1 * (1.0 - b + b * model.doc_len.astype(np.float64) / model.avgdl)
        self._k1 = k1
        self._delta = delta
        self._doc_ids = model.posting_docs.astype(np.int32)
        # Counts as the narrowest unsigned integers that hold them: scoring multiplies them
        # by floats, which gives float64 as exactly as float64 counts would.
        counts = model.posting_counts
        self._term_freqs = counts.astype(np.min_scalar_type(int(counts.max())))
        self._offsets = np.concatenate(([0], np.cumsum(model.document_counts)))
        self._terms = model.terms
        self._file_terms()
        # _calc_idf filled its dict in the order of the terms' numbers.
        self._idf = np.fromiter(model.idf.values(), dtype=np.float64, count=len(model.idf))
        self.size = len(documents)

    def arrays(self) -> tuple[list[str], dict[str, np.ndarray]]:
        """Everything search reads, as plain values: the terms in id order and the arrays
        (the parameters k1 and delta as one-element arrays). See :meth:`from_arrays`."""
        return list(self._terms), {
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
        index._terms = list(terms)
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
            index._offsets.shape != (len(terms) + 1,)
            or index._idf.shape != (len(terms),)
            or index._term_freqs.shape != (postings,)
            or int(index._offsets[-1]) != postings
            or (postings and int(index._doc_ids.max()) >= index.size)
        ):
            raise ValueError("the index arrays do not fit together")
        index._file_terms()
        return index

    def _file_terms(self) -> None:
        """File the terms by hash: their hashes sorted, with each one's term number. Some
        20 bytes a term, where a dict of term numbers costs over 60 (and there are
        millions of terms with the bigrams). String hashes differ from process to process,
        so this is made again for an index read back."""
        hashes = np.fromiter(map(hash, self._terms), dtype=np.int64, count=len(self._terms))
        order = np.argsort(hashes, kind="stable")
        self._hashes = hashes[order]
        self._hash_owners = order.astype(np.int32)
        self._recent: dict[str, int] = {}

    def _term_id(self, term: str) -> int:
        """The term's number, -1 for a term no passage has."""
        # A question asks for each of its terms several times (its document frequency,
        # its scores, its IDF): the last few hundred answers are kept.
        number = self._recent.get(term)
        if number is None:
            number = self._find_term(term)
            if len(self._recent) >= RECENT_TERMS:
                self._recent.clear()
            self._recent[term] = number
        return number

    def _find_term(self, term: str) -> int:
        wanted = hash(term)
        hashes = self._hashes
        at = int(hashes.searchsorted(wanted))
        while at < len(hashes) and hashes.item(at) == wanted:  # equal hashes: compare terms
            number = self._hash_owners.item(at)
            if self._terms[number] == term:
                return number
            at += 1
        return -1

    @property
    def term_count(self) -> int:
        return len(self._terms)

    def document_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """Each document's distinct terms, by number, document after document: the postings
        turned around. Document d's are ``numbers[offsets[d]:offsets[d + 1]]``."""
        owners = np.repeat(np.arange(len(self._terms), dtype=np.int32), np.diff(self._offsets))
        order = np.argsort(self._doc_ids, kind="stable")
        offsets = np.zeros(self.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(self._doc_ids, minlength=self.size), out=offsets[1:])
        return offsets, owners[order]

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self._terms)

    def __contains__(self, term: object) -> bool:
        """Whether some passage has the term (without building the vocabulary's set)."""
        return isinstance(term, str) and self._term_id(term) >= 0

    def document_frequency(self, term: str) -> int:
        term_id = self._term_id(term)
        if term_id < 0:
            return 0
        return int(self._offsets[term_id + 1] - self._offsets[term_id])

    def idf(self, term: str) -> float:
        term_id = self._term_id(term)
        return 0.0 if term_id < 0 else float(self._idf[term_id])

    def term_scores(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """BM25+ contribution of one term to each passage that contains it."""
        term_id = self._term_id(term)
        if term_id < 0:
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

"""BM25+ over passages with rank-bm25's model, scored only where a query term occurs.

rank-bm25 supplies the model: its BM25Plus computes the IDFs, log((N + 1) / df), and the
scores follow its formula with k1, b and delta. BM25Plus is used because its IDF stays
positive for every term: BM25Okapi gives a term that occurs in half or more of the passages
zero or negative weight, so real matches could score 0. delta (BM25+'s bonus for any match)
measured best at 0 here. Scoring goes term by term over an inverted index, so a query
touches only the passages that contain one of its terms.

Word pairs ("machine_learning", what :func:`retrieval.tokenize.with_bigrams` makes) are most
of the terms at scale, and are kept as word numbers (each word's second words, see
:class:`BM25Index`), not as strings: an index holds the strings of single words only.
:class:`Documents` hands the build its words and which adjacent ones pair up, so the joined
strings are never made at all.
"""

from __future__ import annotations

import functools
import threading
from array import array
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

K1 = 1.2
B = 0.75
DELTA = 0.0
RECENT_TERMS = 512  # term numbers an index remembers (see BM25Index._term_id)
# BM25Index.scores sums over the passages a question touches when they are fewer than one in
# this many; past that, a vector over all passages costs less than sorting them (measured).
SPARSE_SHARE = 8
# A term in at least this many documents has its scores kept once computed, up to
# HOT_BYTES of them an index (the least recently used go first): the common words of
# questions ("learn", "engin") come back question after question, and their scores over
# hundreds of thousands of lines were the largest cost of a question at scale.
HOT_RUN = 4096
HOT_BYTES = 32 << 20
PAIR_JOIN = "_"  # a word pair's term is its two words joined by this (as with_bigrams does)
# The largest sort key the build makes in one int64 (a term's code times the number of
# documents plus the document); word pairs are numbered densely first when theirs would not fit.
MAX_KEY = np.iinfo(np.int64).max


class WordNumbers(dict[str, int]):
    """Words numbered in order of first use: looking a new word up numbers it (in C for
    the words already numbered, which most of a text's are)."""

    def __missing__(self, word: str) -> int:
        number = self[word] = len(self)
        return number


class Documents:
    """Documents for :class:`BM25Index`, added a segment at a time. Each segment's tokens
    are terms, ``times`` over (a heading that counts twice); with ``pairs`` so is each
    adjacent two joined by "_", as in ``with_bigrams(tokens) * times``, but held as two word
    numbers: no joined string is made. Words are numbered in order of first use, in
    ``words`` (which several Documents may share, so they share its strings).
    """

    def __init__(self, words: WordNumbers | None = None) -> None:
        self.words = WordNumbers() if words is None else words
        self._ids = array("q")  # every segment's word numbers, end to end
        self._lengths = array("q")  # each segment's
        self._times = array("q")
        self._pairs = array("b")
        self._segments = array("q")  # each document's number of segments
        self._open = 0  # segments of the document being added

    def number(self, tokens: Sequence[str]) -> list[int]:
        """The tokens' word numbers (a new word numbered here): what :meth:`add_numbers`
        takes, for a segment that goes into more than one Documents sharing ``words``."""
        return list(map(self.words.__getitem__, tokens))

    def add(self, tokens: Sequence[str], times: int = 1, pairs: bool = True) -> None:
        """Add a segment to the document being made."""
        if tokens and times >= 1:
            self.add_numbers(self.number(tokens), times, pairs)

    def add_numbers(self, numbers: Sequence[int], times: int = 1, pairs: bool = True) -> None:
        """Add a segment given as word numbers (from :meth:`number`)."""
        if not numbers or times < 1:
            return
        self._ids.extend(numbers)
        self._lengths.append(len(numbers))
        self._times.append(times)
        self._pairs.append(pairs)
        self._open += 1

    def end(self) -> None:
        """End the document being made (one with no segment has no token: refused later)."""
        self._segments.append(self._open)
        self._open = 0

    def __len__(self) -> int:
        return len(self._segments)

    @classmethod
    def of(cls, documents: Sequence[Sequence[str]]) -> Documents:
        """Documents as token lists, every token a term of its own (no pairs)."""
        found = cls()
        for document in documents:
            found.add(document, pairs=False)
            found.end()
        return found

    def postings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(document lengths in tokens, the sorted codes of the terms, each term's number
        of documents, the postings' documents (int32) and counts, term after term, documents
        ascending). A word's code is its number; a pair's is len(words) times (its first
        word's number + 1) plus its second's, above every word's.

        Every array over the tokens is made once, in the narrowest type that holds it, and
        reused in place where it can be: at scale they are hundreds of megabytes each, and
        fresh memory (a page fault per page) cost more of the build than the arithmetic."""
        count = len(self._segments)
        words = len(self.words)
        ids = np.frombuffer(self._ids, dtype=np.int64) if len(self._ids) else np.empty(0, np.int64)
        lengths = np.asarray(self._lengths, dtype=np.int64)
        times = np.asarray(self._times, dtype=np.int64)
        paired = np.asarray(self._pairs, dtype=bool) & (lengths > 1)
        owner = np.repeat(np.arange(count, dtype=np.int32), np.asarray(self._segments, np.int64))
        tokens_per_segment = lengths + np.where(paired, lengths - 1, 0)
        document_lengths = np.bincount(owner, tokens_per_segment * times, minlength=count)
        document_lengths = document_lengths.astype(np.int64)
        # Each token's document (segments and documents are consecutive), and whether a pair
        # starts at it: the next token is in the same segment, which pairs its tokens.
        in_document = np.bincount(owner, lengths, minlength=count).astype(np.int64)
        document_of = np.repeat(np.arange(count, dtype=np.int32), in_document)
        follows = np.repeat(paired, lengths)[:-1]
        segment_ends = np.cumsum(lengths)[:-1] - 1  # each segment's last token but the last's
        follows[segment_ends[segment_ends < len(follows)]] = False
        pair_codes = ids[:-1][follows]
        pair_codes += 1
        pair_codes *= words
        pair_codes += ids[1:][follows]
        pair_documents = document_of[:-1][follows]
        repeats = None  # how many times each token counts, when some count more than once
        if (times != 1).any():
            repeats = np.repeat(times.astype(np.min_scalar_type(int(times.max()))), lengths)
        pair_repeats = None if repeats is None else repeats[:-1][follows]
        del follows
        # Unigrams and pairs apart, each sorted by one int64 key: term code * count + document.
        word_terms, word_df, word_docs, word_counts = _count(
            ids * count, document_of, repeats, count
        )
        del document_of, repeats
        top = int(pair_codes.max()) + 1 if len(pair_codes) else 0
        if top and top > MAX_KEY // max(count, 1):
            # Too many words for the codes times the documents: number the pairs densely.
            pair_terms, dense = np.unique(pair_codes, return_inverse=True)
            del pair_codes
            _, pair_df, pair_docs, pair_counts = _count(
                dense.astype(np.int64) * count, pair_documents, pair_repeats, count
            )
        else:
            pair_codes *= count
            pair_terms, pair_df, pair_docs, pair_counts = _count(
                pair_codes, pair_documents, pair_repeats, count
            )
        return (
            document_lengths,
            np.concatenate((word_terms, pair_terms)),
            np.concatenate((word_df, pair_df)),
            np.concatenate((word_docs, pair_docs)),
            np.concatenate((word_counts, pair_counts)),
        )


def _count(
    scaled_codes: np.ndarray, documents: np.ndarray, repeats: np.ndarray | None, count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(the distinct codes, each one's number of documents, the postings' documents (int32)
    and counts (in the narrowest unsigned type)) of tokens given as their codes times
    ``count`` (an array this takes over and overwrites), their documents and how many times
    each counts. The caller checked that code * count + document fits an int64."""
    if not len(scaled_codes):
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty.astype(np.int32), empty
    keys = scaled_codes
    keys += documents
    if repeats is not None:
        keys = np.repeat(keys, repeats)
    keys.sort()  # in place, and far faster than a stable argsort of the codes
    starts = _run_starts(keys)
    counts = np.empty(len(starts), dtype=np.int32 if len(keys) < 2**31 else np.int64)
    np.subtract(starts[1:], starts[:-1], out=counts[:-1])
    counts[-1] = len(keys) - starts[-1]
    counts = counts.astype(np.min_scalar_type(int(counts.max())))  # mostly one byte each
    terms = keys[starts]
    del keys, starts
    documents = np.empty(len(terms), dtype=np.int32)
    np.divmod(terms, count, out=(terms, documents))
    term_starts = _run_starts(terms)
    return terms[term_starts], np.diff(term_starts, append=len(terms)), documents, counts


def _run_starts(ordered: np.ndarray) -> np.ndarray:
    """Where each run of equal values begins in a sorted array. Compared as booleans, not
    found in ``np.diff``: no array of differences over tens of millions of keys, and
    ``flatnonzero`` of booleans does not branch on every element."""
    change = np.empty(len(ordered), dtype=bool)
    change[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=change[1:])
    return np.flatnonzero(change)


def nonzero_positions(values: np.ndarray) -> np.ndarray:
    """The positions of the values other than 0, ascending. ``np.flatnonzero`` of a float
    array branches on every element; of a boolean array it does not, and over 100,000
    scores a third of them set the comparison and all take a sixth of the time."""
    return np.flatnonzero(values != 0)


def run_positions(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions ``start:start + count`` of every run end to end (rows of compressed
    sparse rows, a passage's lines), and where each run begins among them."""
    firsts = np.cumsum(counts) - counts
    return np.arange(int(counts.sum())) + np.repeat(starts - firsts, counts), firsts


def _pairs_fit(starts: np.ndarray, seconds: np.ndarray, words: int) -> bool:
    """Whether word pairs filed by first word (see BM25Index) are in order and in range."""
    if starts.shape != (words + 1,) or starts.dtype.kind != "i" or seconds.dtype != np.int32:
        return False
    if int(starts[0]) != 0 or int(starts[-1]) != len(seconds) or (np.diff(starts) < 0).any():
        return False
    if not len(seconds):
        return True
    if int(seconds.min()) < 0 or int(seconds.max()) >= words:
        return False
    # Within each first word's run the second words ascend strictly.
    rising = np.diff(seconds) > 0
    rising[starts[1:-1][(starts[1:-1] > 0) & (starts[1:-1] < len(seconds))] - 1] = True
    return bool(rising.all())


def rank_bm25_idfs(
    corpus_size: int, frequencies: list[int], k1: float, b: float, delta: float
) -> dict[int, float]:
    """rank-bm25's BM25+ IDF of each document frequency, from its own ``_calc_idf`` (one per
    distinct frequency, not one per term: all a term's IDF depends on)."""
    return _idf_model()(corpus_size, frequencies, k1, b, delta).idf


@functools.cache
def _idf_model() -> type:
    # Imported here: an index read back from the cache never needs rank-bm25, which imports
    # multiprocessing (some 5 ms of a `career-advisor ask`).
    from rank_bm25 import BM25Plus

    class IdfBM25Plus(BM25Plus):
        """BM25Plus told only the corpus size and the document frequencies there are."""

        def __init__(
            self, corpus_size: int, frequencies: list[int], k1: float, b: float, delta: float
        ) -> None:
            self._given = corpus_size, frequencies
            super().__init__([], k1=k1, b=b, delta=delta)

        def _initialize(self, corpus: Sequence[Sequence[str]]) -> dict[int, int]:
            self.corpus_size, frequencies = self._given
            return {frequency: frequency for frequency in frequencies}

    return IdfBM25Plus


class BM25Index:
    """Postings in compressed sparse rows: one array of passage ids and one of term
    frequencies for all terms, each term's run found through one offsets array. Terms are
    numbered words first (their strings in ``_terms``), then word pairs, by first word and
    then second: word w's pairs are numbers ``_pair_starts[w]`` to ``_pair_starts[w + 1]``
    (after the words'), their second words in ``_pair_seconds``. rank-bm25's BM25Plus
    supplies the IDFs (:func:`rank_bm25_idfs`), kept by document frequency (``_idf[df]``);
    search reads nothing else of it.
    """

    def __init__(
        self,
        documents: Sequence[Sequence[str]] | Documents,
        k1: float = K1,
        b: float = B,
        delta: float = DELTA,
    ) -> None:
        """Index token lists (each token a term) or :class:`Documents` (with word pairs)."""
        if not isinstance(documents, Documents):
            documents = Documents.of(documents)
        if not len(documents):
            raise ValueError("cannot index an empty list of documents")
        lengths, codes, frequencies, doc_ids, counts = documents.postings()
        if (lengths == 0).any():
            raise ValueError("every document needs at least one token")
        words = list(documents.words)
        split = int(np.searchsorted(codes, len(words)))  # words' codes first, then pairs'
        word_codes = codes[:split]
        self._terms = [words[code] for code in word_codes.tolist()]
        if split < len(codes) and any(PAIR_JOIN in term for term in self._terms):
            raise ValueError(f"a word paired with another may not contain {PAIR_JOIN!r}")
        # Pairs renumbered from all the words' numbers to this index's own (the same order),
        # filed by first word: each word's run of second words, ascending. Both words of a
        # pair are words of this index (a pair joins two tokens of one segment), so each is
        # renumbered by looking it up, not by a binary search among millions.
        first, second = np.divmod(codes[split:], len(words))
        own_number = np.zeros(len(words), dtype=np.int32)
        own_number[word_codes] = np.arange(len(word_codes), dtype=np.int32)
        self._pair_starts = np.zeros(len(self._terms) + 1, dtype=np.int64)
        np.cumsum(
            np.bincount(own_number[first - 1], minlength=len(self._terms)),
            out=self._pair_starts[1:],
        )
        self._pair_seconds = own_number[second]
        del first, second, own_number
        self.size = len(documents)
        # rank-bm25 divides the Python sum by the count: the same float, so the same scores.
        avgdl = int(lengths.sum()) / self.size
        # The per-passage part of BM25's denominator, computed once.
        self._length_norm = k1 * (1.0 - b + b * lengths.astype(np.float64) / avgdl)
        self._k1 = k1
        self._delta = delta
        self._doc_ids = doc_ids.astype(np.int32, copy=False)
        # Counts as the narrowest unsigned integers that hold them: scoring multiplies them
        # by floats, which gives float64 as exactly as float64 counts would.
        self._term_freqs = counts.astype(np.min_scalar_type(int(counts.max())), copy=False)
        # int32 offsets while the postings allow: half the size, for millions of terms.
        offset_type = np.int32 if len(doc_ids) < 2**31 else np.int64
        self._offsets = np.zeros(len(frequencies) + 1, dtype=offset_type)
        np.cumsum(frequencies, out=self._offsets[1:])
        # A term's IDF depends on its document frequency alone: one IDF per frequency
        # (indexed by it), not one per term.
        distinct = np.unique(frequencies).tolist()
        idfs = rank_bm25_idfs(self.size, distinct, k1, b, delta)
        self._idf = np.zeros(distinct[-1] + 1)
        self._idf[distinct] = [idfs[f] for f in distinct]
        self._file_terms()

    def arrays(self) -> tuple[list[str], dict[str, np.ndarray]]:
        """Everything search reads, as plain values: the words in id order and the arrays
        (word pairs as word numbers; the parameters k1 and delta as one-element arrays). See
        :meth:`from_arrays`."""
        return list(self._terms), {
            "length_norm": self._length_norm,
            "doc_ids": self._doc_ids,
            "term_freqs": self._term_freqs,
            "offsets": self._offsets,
            "idf": self._idf,  # by document frequency
            "pair_starts": self._pair_starts,
            "pair_seconds": self._pair_seconds,
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
        index._pair_starts = arrays["pair_starts"]
        index._pair_seconds = arrays["pair_seconds"]
        index._k1 = float(arrays["k1"][0])
        index._delta = float(arrays["delta"][0])
        index.size = len(index._length_norm)
        postings = len(index._doc_ids)
        starts, seconds = index._pair_starts, index._pair_seconds
        count = len(terms) + len(seconds)
        if (
            index._offsets.shape != (count + 1,)
            or index._idf.ndim != 1
            or (count and int(np.diff(index._offsets).max()) >= len(index._idf))
            or index._term_freqs.shape != (postings,)
            or int(index._offsets[-1]) != postings
            or (postings and int(index._doc_ids.max()) >= index.size)
            or not _pairs_fit(starts, seconds, len(terms))
        ):
            raise ValueError("the index arrays do not fit together")
        index._file_terms()
        return index

    def _file_terms(self) -> None:
        """File the words by hash: their hashes sorted, with each one's term number. Some
        20 bytes a word, where a dict of term numbers costs over 60. String hashes differ
        from process to process, so this is made again for an index read back."""
        hashes = np.fromiter(map(hash, self._terms), dtype=np.int64, count=len(self._terms))
        order = np.argsort(hashes, kind="stable")
        self._hashes = hashes[order]
        self._hash_owners = order.astype(np.int32)
        self._recent: dict[str, int] = {}
        self._hot: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._hot_bytes = 0
        # Searches run on the event loop and in worker threads (long messages, inline
        # queries) at once: the kept scores and their byte count change together.
        self._hot_lock = threading.Lock()

    def _term_id(self, term: str) -> int:
        """The term's number, -1 for a term no passage has."""
        # A question asks for each of its terms several times (its document frequency,
        # its scores, its IDF): the last few hundred answers are kept.
        number = self._recent.get(term)
        if number is None:
            number = self._find_term(term)
            if number < 0 and PAIR_JOIN in term:
                number = self._find_pair(term)
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

    def _find_pair(self, term: str) -> int:
        """A pair's term number: "a_b" is a pair when a and b are both words here."""
        halves = term.split(PAIR_JOIN)
        if len(halves) != 2:
            return -1
        # (Through the recent answers: a question asks for its words on their own too.)
        first, second = self._term_id(halves[0]), self._term_id(halves[1])
        if first < 0 or second < 0:
            return -1
        start, end = self._pair_starts.item(first), self._pair_starts.item(first + 1)
        at = start + int(self._pair_seconds[start:end].searchsorted(second))
        if at < end and self._pair_seconds.item(at) == second:
            return len(self._terms) + at
        return -1

    @property
    def term_count(self) -> int:
        return len(self._terms) + len(self._pair_seconds)

    def document_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """Each document's distinct terms, by number, document after document: the postings
        turned around. Document d's are ``numbers[offsets[d]:offsets[d + 1]]``, ascending."""
        terms = self.term_count
        # One int64 key per posting, document-major, sorted in place: far faster than a
        # stable argsort of the documents (40 million postings at 100,000 passages).
        keys = self._doc_ids.astype(np.int64) * terms
        keys += np.repeat(np.arange(terms, dtype=np.int64), np.diff(self._offsets))
        keys.sort()
        offsets = np.zeros(self.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(self._doc_ids, minlength=self.size), out=offsets[1:])
        return offsets, (keys % terms).astype(np.int32)

    @property
    def vocabulary(self) -> frozenset[str]:
        """Every term as a string, pairs joined: millions of strings at scale (for tests)."""
        first = np.repeat(np.arange(len(self._terms)), np.diff(self._pair_starts))
        terms = self._terms
        joined = (
            f"{terms[a]}{PAIR_JOIN}{terms[b]}"
            for a, b in zip(first.tolist(), self._pair_seconds.tolist(), strict=True)
        )
        return frozenset((*terms, *joined))

    def __contains__(self, term: object) -> bool:
        """Whether some passage has the term (without building the vocabulary's set)."""
        return isinstance(term, str) and self._term_id(term) >= 0

    def document_frequency(self, term: str) -> int:
        term_id = self._term_id(term)
        if term_id < 0:
            return 0
        return int(self._offsets[term_id + 1] - self._offsets[term_id])

    def idf(self, term: str) -> float:
        # IDFs are kept by document frequency; no term has 0, whose entry is 0.0.
        return float(self._idf[self.document_frequency(term)])

    def term_scores(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """BM25+ contribution of one term to each passage that contains it (read-only
        arrays: a common term's are kept for the next question, see HOT_RUN)."""
        term_id = self._term_id(term)
        if term_id < 0:
            return np.empty(0, dtype=np.int32), np.empty(0)
        start, end = self._offsets.item(term_id), self._offsets.item(term_id + 1)
        hot = end - start >= HOT_RUN
        if hot:
            with self._hot_lock:
                kept = self._hot.get(term_id)
                if kept is not None:
                    self._hot.move_to_end(term_id)
                    return kept
        found = self._run_scores(start, end)
        if hot:
            self._keep(term_id, found)
        return found

    def _run_scores(self, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
        """(documents, contributions) of the postings ``start:end``, read-only."""
        doc_ids = self._doc_ids[start:end]
        scores = self._contributions(start, end, doc_ids, self._term_freqs[start:end])
        doc_ids = doc_ids.view()
        doc_ids.flags.writeable = scores.flags.writeable = False
        return doc_ids, scores

    def _keep(self, term_id: int, found: tuple[np.ndarray, np.ndarray]) -> None:
        with self._hot_lock:
            if term_id not in self._hot:  # another thread may have kept it meanwhile
                self._hot[term_id] = found
                self._hot_bytes += found[1].nbytes
                while self._hot_bytes > HOT_BYTES:
                    self._hot_bytes -= self._hot.popitem(last=False)[1][1].nbytes

    def keep_common_scores(self) -> None:
        """Keep the scores of the most common terms now, as many as HOT_BYTES holds (the
        least common of them first, so the most common are the last to give way). Otherwise
        the first questions after a start compute them, each over thousands of passages: at
        100,000 passages the first 300 questions computed 255 such terms, 20 MiB of scores.
        An index with no term that common keeps nothing."""
        runs = np.diff(self._offsets)
        common = np.flatnonzero(runs >= HOT_RUN)
        common = common[np.argsort(-runs[common], kind="stable")]
        room = HOT_BYTES - self._hot_bytes
        fits = np.cumsum(runs[common].astype(np.int64) * np.dtype(np.float64).itemsize) <= room
        for term_id in reversed(common[fits].tolist()):
            start, end = self._offsets.item(term_id), self._offsets.item(term_id + 1)
            self._keep(term_id, self._run_scores(start, end))

    def _contributions(
        self, start: int, end: int, doc_ids: np.ndarray, tf: np.ndarray
    ) -> np.ndarray:
        """BM25+ contributions of the term whose postings are ``start:end`` to the given of
        its documents (with their term frequencies)."""
        return self._idf[end - start] * self._saturation(doc_ids, tf)

    def _saturation(self, doc_ids: np.ndarray, tf: np.ndarray) -> np.ndarray:
        """BM25+'s term-frequency part, which the term's IDF multiplies: one formula for
        every way of scoring."""
        return self._delta + tf * (self._k1 + 1.0) / (self._length_norm[doc_ids] + tf)

    def scores_of(self, weighted_terms: dict[str, float], documents: np.ndarray) -> np.ndarray:
        """The scores of the given documents (ascending ids), :meth:`dense_scores`'s for
        them to the last bit, found by looking them up in each term's postings: for a few
        hundred documents, far less work than scoring every document a term occurs in."""
        count = len(documents)
        if not count:
            return np.zeros(0)
        # Per term only the lookup; the postings found are scored together, and summed
        # term by term in the terms' order as dense_scores sums them.
        wanted_runs, position_runs, idfs, weights = [], [], [], []
        for term, weight in weighted_terms.items():
            term_id = self._term_id(term)
            if term_id < 0:
                continue
            start, end = self._offsets.item(term_id), self._offsets.item(term_id + 1)
            postings = self._doc_ids[start:end]
            # Search the shorter list in the longer (both ascending).
            if len(postings) < count:
                at = np.minimum(documents.searchsorted(postings), count - 1)
                positions = np.flatnonzero(documents[at] == postings)
                wanted = at[positions]
            else:
                at = np.minimum(postings.searchsorted(documents), len(postings) - 1)
                wanted = np.flatnonzero(postings[at] == documents)
                positions = at[wanted]
            if len(wanted):
                wanted_runs.append(wanted)
                position_runs.append(positions + start)
                idfs.append(self._idf[end - start])
                weights.append(weight)
        if not wanted_runs:
            return np.zeros(count)
        found = [len(run) for run in wanted_runs]
        postings = np.concatenate(position_runs)
        contributions = self._saturation(self._doc_ids[postings], self._term_freqs[postings])
        contributions *= np.repeat(idfs, found)
        contributions *= np.repeat(weights, found)
        return np.bincount(np.concatenate(wanted_runs), weights=contributions, minlength=count)

    def dense_scores(self, weighted_terms: dict[str, float]) -> np.ndarray:
        """Score of every passage (0 where no term occurs), summed term by term."""
        return self._summed(self._weighted_runs(weighted_terms))

    def scores(self, weighted_terms: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, ascending, and scores) for the passages that contain at least one
        term (with a score other than 0): :meth:`dense_scores`'s, to the last bit (summed
        term by term in the same order), where only a few of the passages are touched
        without a vector over all of them."""
        runs = self._weighted_runs(weighted_terms)
        touched = sum(len(doc_ids) for doc_ids, _ in runs)
        if touched * SPARSE_SHARE >= self.size:  # sorting them would cost more
            totals = self._summed(runs)
            candidates = nonzero_positions(totals)
            return candidates, totals[candidates]
        if not runs:
            return np.empty(0, dtype=np.intp), np.empty(0)
        candidates, where = np.unique(
            np.concatenate([doc_ids for doc_ids, _ in runs]), return_inverse=True
        )
        totals = np.zeros(len(candidates))
        start = 0
        for doc_ids, values in runs:
            totals[where[start : start + len(doc_ids)]] += values
            start += len(doc_ids)
        keep = nonzero_positions(totals)
        return candidates[keep].astype(np.intp), totals[keep]

    def _weighted_runs(
        self, weighted_terms: dict[str, float]
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each present term's passages and weighted contributions, in the terms' order."""
        runs = []
        for term, weight in weighted_terms.items():
            doc_ids, contributions = self.term_scores(term)
            if len(doc_ids):
                # Most weights are 1, and times 1 every float stays as it is.
                runs.append((doc_ids, contributions if weight == 1.0 else contributions * weight))
        return runs

    def _summed(self, runs: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        if not runs:
            return np.zeros(self.size)
        # One bincount over the runs end to end: it adds each passage's values in the order
        # given, so the sums are term by term's to the last bit, without a numpy call (and a
        # pass over every passage's total) per term.
        return np.bincount(
            np.concatenate([doc_ids for doc_ids, _ in runs]),
            weights=np.concatenate([values for _, values in runs]),
            minlength=self.size,
        )

    def top(self, weighted_terms: dict[str, float], k: int) -> list[tuple[int, float]]:
        """The k best passages, best first; ties broken by passage order."""
        candidates, scores = self.scores(weighted_terms)
        if len(candidates) > k:
            keep = np.argpartition(-scores, k - 1)[:k]
            candidates, scores = candidates[keep], scores[keep]
        order = np.lexsort((candidates, -scores))
        return [(int(candidates[i]), float(scores[i])) for i in order]

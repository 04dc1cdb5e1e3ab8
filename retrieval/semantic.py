"""How close in meaning a question is to each passage: the second stage after BM25.

A passage is represented by its own text (with its article title and headings) and by the
questions it is known to answer (``knowledge/asked``); its similarity to a question is the
best of those cosines, since a question phrased like one of its asks is close to that ask
even where it shares few words with the passage. Messages the articles do not answer, though
they use the field's words (``off_topic_examples`` in ``knowledge/scope.yaml``), are embedded
too: a question closer in meaning to one of them than to any passage or ask is about
something else. Embeddings of the passages and asks come
from the :class:`~retrieval.embedding_cache.EmbeddingCache`; only the question is encoded
per search, and the last few hundred questions' vectors are kept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from retrieval.chunking import Passage
from retrieval.embedding_cache import EmbeddingCache

__all__ = ["Encoder", "SemanticIndex", "embedded_texts", "passage_text"]

QUESTIONS_KEPT = 512  # recent question vectors (the suggested questions recur often)


class Encoder(Protocol):
    """A sentence encoder: unit-length float32 rows, one per text."""

    @property
    def model_id(self) -> str: ...

    @property
    def dimensions(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def passage_text(passage: Passage) -> str:
    """What the encoder reads of a passage: where it is, then what it says."""
    where = " > ".join((passage.title, *passage.section))
    return f"{where}: {passage.text}"


def embedded_texts(
    passages: Sequence[Passage], asks: Sequence[Sequence[str]], outsiders: Sequence[str] = ()
) -> list[str]:
    """Every text the index embeds: each passage's, then every ask, passage by passage, then
    the off-topic examples."""
    return [
        *(passage_text(passage) for passage in passages),
        *(ask for passage_asks in asks for ask in passage_asks),
        *outsiders,
    ]


class SemanticIndex:
    def __init__(
        self,
        encoder: Encoder,
        passages: Sequence[Passage],
        asks: Sequence[Sequence[str]],
        cache_dir: Path | None,
        seed_dir: Path | None = None,
        outsiders: Sequence[str] = (),
    ) -> None:
        """``cache_dir`` keeps the passages' and asks' embeddings (None: memory only), and
        ``seed_dir`` holds those shipped with the knowledge (see EmbeddingCache).
        ``outsiders``: messages the passages do not answer though they share their words."""
        if len(asks) != len(passages):
            raise ValueError(f"{len(asks)} lists of asks for {len(passages)} passages")
        self.encoder = encoder
        self.cache = EmbeddingCache(cache_dir, encoder.model_id, encoder.dimensions, seed_dir)
        vectors = self.cache.embed(embedded_texts(passages, asks, outsiders), encoder.encode)
        ask_count = sum(map(len, asks))
        self._passages = vectors[: len(passages)]
        self._asks = vectors[len(passages) : len(passages) + ask_count]
        self._outsiders = vectors[len(passages) + ask_count :]
        owner = np.array(
            [number for number, passage_asks in enumerate(asks) for _ in passage_asks],
            dtype=np.intp,
        )
        # The asks come passage by passage: each passage's asks are one run, reduced at once.
        self._ask_runs = np.flatnonzero(np.diff(owner, prepend=-1))
        self._ask_owners = owner[self._ask_runs]
        self._questions: OrderedDict[str, np.ndarray] = OrderedDict()
        # The last question's similarities: the scope check and the re-ranking both need them.
        self._last: tuple[str, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self._passages)

    def question_vector(self, question: str) -> np.ndarray:
        """The question's vector: encoded on the calling thread, unless kept."""
        vector = self._questions.get(question)
        if vector is None:
            vector = self.encoder.encode([question])[0]
            self._questions[question] = vector
            if len(self._questions) > QUESTIONS_KEPT:
                self._questions.popitem(last=False)
        else:
            self._questions.move_to_end(question)
        return vector

    def load_encoder(self) -> None:
        """Load the encoder's model now (from a worker thread, say), not at the first question."""
        load = getattr(self.encoder, "load", None)
        if load is not None:
            load()

    def forget_questions(self) -> None:
        """Drop the kept question vectors (benchmarks time the encoding itself)."""
        self._questions.clear()
        self._last = None

    def similarities(self, question: str) -> np.ndarray:
        """Cosine of the question with each passage (its text or its closest ask); read-only."""
        if self._last is not None and self._last[0] == question:
            return self._last[1]
        vector = self.question_vector(question)
        scores = self._passages @ vector
        if len(self._asks):
            closest_ask = np.maximum.reduceat(self._asks @ vector, self._ask_runs)
            scores[self._ask_owners] = np.maximum(scores[self._ask_owners], closest_ask)
        scores.flags.writeable = False
        self._last = (question, scores)
        return scores

    def outsider_lead(self, question: str) -> float:
        """How much closer in meaning the question is to the closest off-topic example than to
        the closest passage or ask: above 0, it is more like what the articles do not answer
        (-inf without examples or passages)."""
        if not len(self._outsiders) or not len(self._passages):
            return float("-inf")
        closest_outsider = float((self._outsiders @ self.question_vector(question)).max())
        return closest_outsider - float(self.similarities(question).max())

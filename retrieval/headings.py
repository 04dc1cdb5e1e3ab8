"""Passages' headings as search weighs them: a passage whose heading the question names whole
("what is reinforcement learning" -> "Reinforcement Learning:") is lifted.

The headings stay in the engine state's arrays (each heading's words, each passage's
headings) rather than becoming a Python set per heading: at 100,000 passages those were
hundreds of thousands of objects, and reading them for a question's shortlist, scattered
through memory, took longer than the arithmetic.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from retrieval.engine_state import EngineState
from retrieval.index import run_positions


class Headings:
    def __init__(self, state: EngineState, idf: Callable[[str], float]) -> None:
        rows = state.headings
        word_idfs = np.array([idf(word) for word in rows.vocabulary])[rows.values].tolist()
        # A heading weighs its words' IDFs summed in its own order: a float sum's last bit
        # depends on the order, and near ties between passages must rank the same every time.
        self._weights = np.array(
            [sum(word_idfs[start:end]) for start, end in itertools.pairwise(rows.offsets.tolist())]
        )
        self._word_offsets = rows.offsets
        self._word_ids = rows.values
        self._number_of = {word: number for number, word in enumerate(rows.vocabulary)}
        # Passage p's headings are rows first[p]:first[p + 1] (rows are in passage order).
        self._first = np.searchsorted(state.heading_owner, np.arange(len(state.passages) + 1))

    def best_named(self, passages: np.ndarray, tokens: frozenset[str]) -> np.ndarray:
        """For each passage, the weight of its heaviest heading whose every word is among
        the tokens (0 when it has none)."""
        best = np.zeros(len(passages))
        named = [self._number_of[token] for token in tokens if token in self._number_of]
        starts = self._first[passages]
        counts = self._first[passages + 1] - starts
        if not named or not counts.any():
            return best
        rows, _ = run_positions(starts, counts)
        word_starts = self._word_offsets[rows]
        positions, firsts = run_positions(word_starts, self._word_offsets[rows + 1] - word_starts)
        words = self._word_ids[positions]
        named_sorted = np.array(sorted(named), dtype=words.dtype)
        found = named_sorted[np.minimum(named_sorted.searchsorted(words), len(named) - 1)]
        # Every row has a word (the state keeps no empty heading).
        whole = np.logical_and.reduceat(found == words, firsts)
        owners = np.repeat(np.arange(len(passages)), counts)
        np.maximum.at(best, owners[whole], self._weights[rows[whole]])
        return best


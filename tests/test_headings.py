"""A passage's heading lifts it only when the question names every word of that heading."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from retrieval.engine_state import Postings
from retrieval.headings import Headings

IDF = {"reinforc": 3.0, "learn": 0.5, "machin": 0.25, "salari": 2.0, "india": 1.5}


def _headings(rows_by_passage: list[list[list[str]]]) -> Headings:
    rows = [row for passage in rows_by_passage for row in passage]
    owners = [number for number, passage in enumerate(rows_by_passage) for _ in passage]
    state = SimpleNamespace(
        headings=Postings.of(rows),
        heading_owner=np.asarray(owners, dtype=np.int32),
        passages=[None] * len(rows_by_passage),
    )
    return Headings(state, IDF.__getitem__)  # type: ignore[arg-type]


def test_the_heaviest_heading_named_whole_counts_and_a_half_named_one_does_not() -> None:
    headings = _headings(
        [
            [["learn", "reinforc"], ["learn", "machin"]],
            [["india", "salari"]],
            [],  # no heading at all
            [["learn"]],
        ]
    )
    found = headings.best_named(np.array([0, 1, 2, 3]), frozenset({"reinforc", "learn"}))
    assert found.tolist() == [3.5, 0.0, 0.0, 0.5]
    # In any order, and a passage more than once.
    found = headings.best_named(np.array([3, 0, 3]), frozenset({"learn", "machin", "salari"}))
    assert found.tolist() == [0.5, 0.75, 0.5]
    assert headings.best_named(np.array([1, 2]), frozenset({"python"})).tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    "question",
    ["what is reinforcement learning", "machine learning engineer salary in India",
     "which python libraries should I learn", "certifications"],
)
def test_the_engine_weighs_headings_as_their_token_sets_would(engine, question: str) -> None:
    state_rows = engine.headings
    tokens = frozenset(engine.analyzer.analyze(question).tokens)
    passages = np.arange(len(engine.passages))
    expected = np.zeros(len(passages))
    offsets = state_rows._word_offsets.tolist()
    vocabulary = [*state_rows._number_of]
    first = state_rows._first.tolist()
    for number in passages.tolist():
        for row in range(first[number], first[number + 1]):
            words = {vocabulary[i] for i in state_rows._word_ids[offsets[row] : offsets[row + 1]]}
            if words <= tokens:
                expected[number] = max(expected[number], sum(engine.index.idf(w) for w in words))
    found = state_rows.best_named(passages, tokens)
    assert np.allclose(found, expected)
    if question != "certifications":
        assert found.max() > 0

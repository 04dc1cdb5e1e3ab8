from __future__ import annotations

import numpy as np
import pytest
from rank_bm25 import BM25Okapi, BM25Plus

from retrieval import index as index_module
from retrieval.index import K1, B, BM25Index, Documents, WordNumbers
from retrieval.tokenize import with_bigrams

DOCS = [
    ["salari", "pakistan", "pkr"],
    ["salari", "india", "lakh"],
    ["salari", "usa"],
    ["python", "skill"],
]


def test_a_term_in_most_passages_still_scores_above_zero() -> None:
    # "salari" is in 3 of 4 passages: BM25Okapi would give it zero or negative weight.
    okapi = BM25Okapi(DOCS)
    assert okapi.get_scores(["salari"])[0] <= okapi.average_idf * okapi.epsilon * 3
    index = BM25Index(DOCS)
    candidates, scores = index.scores({"salari": 1.0})
    assert candidates.tolist() == [0, 1, 2]
    assert (scores > 0).all()


def test_scores_match_rank_bm25_on_the_passages_that_contain_a_term() -> None:
    index = BM25Index(DOCS, delta=0.7)
    query = ["salari", "india"]
    candidates, scores = index.scores(dict.fromkeys(query, 1.0))
    reference = BM25Plus(DOCS, k1=K1, b=B, delta=0.7).get_batch_scores(
        query, candidates.tolist()
    )
    # rank-bm25's BM25Plus adds delta * idf for query terms a passage lacks; BM25+ proper
    # does not. The difference is exactly that.
    missing = np.array(
        [sum(index.idf(t) for t in query if t not in DOCS[d]) for d in candidates.tolist()]
    )
    assert np.allclose(scores, reference - 0.7 * missing)


def test_only_matching_passages_are_scored() -> None:
    index = BM25Index(DOCS)
    candidates, _ = index.scores({"python": 1.0, "unknown": 1.0})
    assert candidates.tolist() == [3]
    assert index.top({"nothing": 1.0}, 3) == []


def test_top_is_best_first_and_weights_count() -> None:
    index = BM25Index(DOCS)
    assert index.top({"india": 1.0, "usa": 0.1}, 2)[0][0] == 1
    assert index.top({"india": 0.1, "usa": 1.0}, 2)[0][0] == 2


def test_an_index_read_back_from_its_arrays_scores_the_same() -> None:
    index = BM25Index(DOCS)
    terms, arrays = index.arrays()
    copy = BM25Index.from_arrays(terms, {name: array.copy() for name, array in arrays.items()})
    query = {"salari": 1.0, "india": 0.5, "python": 2.0}
    assert np.array_equal(copy.dense_scores(query), index.dense_scores(query))
    assert copy.vocabulary == index.vocabulary
    assert copy.document_frequency("salari") == 3


def test_arrays_that_do_not_fit_together_are_refused() -> None:
    terms, arrays = BM25Index(DOCS).arrays()
    with pytest.raises(ValueError, match="fit"):
        BM25Index.from_arrays(terms[:-1], arrays)
    with pytest.raises(ValueError, match="fit"):
        BM25Index.from_arrays(terms, {**arrays, "doc_ids": arrays["doc_ids"] + 10})



@pytest.mark.parametrize("docs", [[], [["a"], []]])
def test_empty_input_is_a_clear_error(docs) -> None:
    with pytest.raises(ValueError, match="document"):
        BM25Index(docs)


def test_definition_questions_find_the_passage_that_defines(engine) -> None:
    for question, start in [
        ("define machine learning", "Machine learning is"),
        ("what is reinforcement learning", "Reinforcement Learning: This type of learning"),
        ("what does a deep learning engineer do", "Deep Learning Engineer: Focuses"),
    ]:
        top = engine.search(question).hits[0].passage
        assert any(unit.startswith(start) for unit in top.units), (question, top.id)


def test_two_things_compared_are_each_defined_where_no_passage_compares_them(engine) -> None:
    """No article compares AI with ML, but one says what ML is (an area of AI); ML engineers
    and data scientists are compared, and that comparison stays among the first two."""
    query = engine.analyzer.analyze("what's the difference between AI and ML?")
    assert query.compared == (("artifici", "intellig"), ("machin", "learn"))
    top = engine.search("what's the difference between AI and ML?").hits[0].passage
    assert any(unit.startswith("Machine learning is") for unit in top.units), top.id
    hits = engine.search("what is the difference between an ML engineer and a data scientist?").hits
    assert any("Key Differences" in hit.passage.text for hit in hits[:2])
    assert engine.analyzer.analyze("what is machine learning?").compared == ()


def test_what_skills_to_become_an_ml_engineer_finds_the_skills_overview(engine) -> None:
    """Its asked questions (knowledge/asked) include the plainest way to ask for it, which
    the passages on what else it takes to become one must not crowd out."""
    hits = engine.search("what skills do I need to become an ML engineer?").hits[:2]
    assert any(
        "requires a diverse set of skills" in hit.passage.text for hit in hits
    ), [hit.passage.id for hit in hits]


def test_a_question_naming_a_country_prefers_its_article(engine) -> None:
    for question, doc_id in [
        ("how much does a machine learning engineer earn in Pakistan?", "pakistan-roadmap"),
        ("ML engineer pay in Lahore", "pakistan-roadmap"),
        ("fresher ML engineer package in Bangalore?", "india-career-guide"),
    ]:
        assert engine.search(question).hits[0].passage.doc_id == doc_id, question


def _reference_scores(docs, term, k1=K1, b=B, delta=0.0):
    """A term's BM25+ score in each passage that has it, from rank-bm25's own dicts."""
    model = BM25Plus(docs, k1=k1, b=b, delta=delta)
    ids = [number for number, freqs in enumerate(model.doc_freqs) if term in freqs]
    tf = np.array([model.doc_freqs[number][term] for number in ids], dtype=np.float64)
    lengths = np.asarray(model.doc_len, dtype=np.float64)[ids]
    norm = k1 * (1.0 - b + b * lengths / model.avgdl)
    return ids, model.idf[term] * (delta + tf * (k1 + 1.0) / (norm + tf))


def test_every_term_scores_as_rank_bm25s_model_says_over_a_random_corpus() -> None:
    rng = np.random.default_rng(3)
    words = [f"w{n}" for n in range(400)]
    # Zipf-like: a few words in most passages, most in one or two; repeats within a passage.
    docs = [
        [words[min(int(rng.zipf(1.3)) - 1, len(words) - 1)] for _ in range(rng.integers(1, 60))]
        for _ in range(300)
    ]
    for delta in (0.0, 0.7):
        index = BM25Index(docs, delta=delta)
        model = BM25Plus(docs, k1=K1, b=B, delta=delta)
        assert index.vocabulary == set(model.idf)
        terms, _ = index.arrays()
        # Terms are numbered in order of first use, as before.
        assert terms == list(dict.fromkeys(t for doc in docs for t in doc))
        for term in terms:
            ids, expected = _reference_scores(docs, term, delta=delta)
            doc_ids, scores = index.term_scores(term)
            assert doc_ids.tolist() == ids
            assert np.array_equal(scores, expected), term
            assert index.idf(term) == model.idf[term]
            assert index.document_frequency(term) == len(ids)


def test_terms_whose_hashes_are_equal_are_told_apart(monkeypatch) -> None:
    index = BM25Index([["a", "b"], ["c"]])
    # As if every term had the same hash: the terms themselves decide.
    index._hashes = np.zeros(3, dtype=np.int64)
    monkeypatch.setattr("builtins.hash", lambda term: 0)
    assert [index._find_term(t) for t in ("a", "b", "c", "d")] == [0, 1, 2, -1]


def test_counts_are_stored_narrow_and_still_round_trip() -> None:
    index = BM25Index([["a"] * 300 + ["b"], ["b", "c"]])
    terms, arrays = index.arrays()
    assert arrays["term_freqs"].dtype == np.uint16
    assert arrays["doc_ids"].dtype == np.int32
    copy = BM25Index.from_arrays(terms, arrays)
    assert np.array_equal(copy.dense_scores({"a": 1.0, "b": 2.0}),
                          index.dense_scores({"a": 1.0, "b": 2.0}))
    assert index.term_scores("a")[1].dtype == np.float64


def test_each_documents_terms_come_back_from_the_postings() -> None:
    index = BM25Index(DOCS)
    terms, _ = index.arrays()
    offsets, numbers = index.document_terms()
    assert offsets.tolist()[0] == 0 and len(offsets) == len(DOCS) + 1
    for number, doc in enumerate(DOCS):
        own = numbers[offsets[number] : offsets[number + 1]].tolist()
        assert sorted(terms[i] for i in own) == sorted(set(doc))


def _random_segments(seed: int) -> list[list[tuple[list[str], int, bool]]]:
    """Documents as segments (tokens, times, pairs?), Zipf-like words, repeats included."""
    rng = np.random.default_rng(seed)
    words = [f"w{n}" for n in range(60)]
    return [
        [
            ([words[min(int(rng.zipf(1.4)) - 1, len(words) - 1)]
              for _ in range(rng.integers(0, 8))],
             int(rng.integers(1, 3)), bool(rng.integers(0, 4)))
            for _ in range(rng.integers(1, 5))
        ]
        for _ in range(200)
    ]


def _documents(docs, words: WordNumbers | None = None) -> Documents:
    found = Documents(words)
    for segments in docs:
        for tokens, times, pairs in segments:
            found.add(tokens, times=times, pairs=pairs)
        found.end()
    return found


def _joined(docs) -> list[list[str]]:
    """The same documents as the strings with_bigrams makes, for rank-bm25."""
    return [
        [token for tokens, times, pairs in segments
         for token in (with_bigrams(tokens) if pairs else tokens) * times]
        for segments in docs
    ]


@pytest.mark.parametrize("dense_pairs", [False, True])
def test_word_pairs_score_as_rank_bm25_says_of_the_joined_strings(
    monkeypatch: pytest.MonkeyPatch, dense_pairs: bool
) -> None:
    if dense_pairs:  # as if the pairs' codes times the documents overflowed an int64
        monkeypatch.setattr(index_module, "MAX_KEY", 1)
    docs = [segments for segments in _random_segments(5) if any(t for t, _, _ in segments)]
    joined = _joined(docs)
    index = BM25Index(_documents(docs))
    model = BM25Plus(joined, k1=K1, b=B, delta=0.0)
    assert index.vocabulary == set(model.idf)
    assert index.term_count == len(model.idf)
    assert any("_" in term for term in model.idf)
    for term in model.idf:
        ids, expected = _reference_scores(joined, term)
        doc_ids, scores = index.term_scores(term)
        assert doc_ids.tolist() == ids, term
        assert np.array_equal(scores, expected), term
        assert index.idf(term) == model.idf[term]
        assert index.document_frequency(term) == len(ids)
        assert term in index
    query = {"w0_w1": 1.0, "w2": 0.5, "w1_w0": 2.0}
    assert np.array_equal(
        index.dense_scores(query), BM25Index(joined).dense_scores(query)
    )


def test_an_index_keeps_no_string_per_word_pair() -> None:
    docs = [[(["machin", "learn", "engin"], 1, True)], [(["learn", "machin"], 2, True)]]
    index = BM25Index(_documents(docs))
    terms, arrays = index.arrays()
    assert terms == ["machin", "learn", "engin"]  # the words alone, in order of first use
    assert arrays["pair_seconds"].tolist() == [1, 0, 2]  # machin: learn; learn: machin, engin
    assert arrays["pair_starts"].tolist() == [0, 1, 3, 3]
    assert index.document_frequency("machin_learn") == 1
    assert index.document_frequency("learn_machin") == 1
    assert index.term_scores("learn_machin")[0].tolist() == [1]
    for missing in ("engin_learn", "machin_", "_learn", "machin_learn_engin", "x_y"):
        assert missing not in index and index.idf(missing) == 0.0
    copy = BM25Index.from_arrays(terms, arrays)
    assert copy.document_frequency("learn_engin") == 1
    assert copy.vocabulary == index.vocabulary


def test_word_numbers_shared_by_several_documents_give_the_same_index() -> None:
    docs = [segments for segments in _random_segments(6) if any(t for t, _, _ in segments)]
    shared = WordNumbers({f"other{n}": n for n in range(50)})  # words of another index
    alone, together = BM25Index(_documents(docs)), BM25Index(_documents(docs, shared))
    assert alone.arrays()[0] == together.arrays()[0]
    for name, array in alone.arrays()[1].items():
        assert np.array_equal(array, together.arrays()[1][name]), name


def test_a_paired_word_with_the_joining_character_is_refused() -> None:
    with pytest.raises(ValueError, match="contain"):
        BM25Index(_documents([[(["a_b", "c"], 1, True)]]))
    # Without pairs a term is only ever a string of its own.
    assert BM25Index([["a_b", "c"]]).document_frequency("a_b") == 1


def test_pairs_that_do_not_fit_are_refused() -> None:
    # Pairs a_b, a_c (word a's run: b, c) and b_a.
    terms, arrays = BM25Index(_documents([[(["a", "b", "a", "c"], 1, True)]])).arrays()
    assert arrays["pair_seconds"].tolist() == [1, 2, 0]
    for seconds, starts in [
        ([2, 1, 0], [0, 2, 3, 3]),  # a's run out of order
        ([1, 2, 5], [0, 2, 3, 3]),  # no word 5
        ([1, 2, 0], [0, 2, 4, 3]),  # runs that overlap, past the end
        ([1, 2, 0], [0, 2, 3]),  # a run too few
    ]:
        with pytest.raises(ValueError, match="fit"):
            BM25Index.from_arrays(terms, {
                **arrays,
                "pair_seconds": np.array(seconds, dtype=np.int32),
                "pair_starts": np.array(starts, dtype=np.int64),
            })


@pytest.mark.parametrize("share", [1, 10**9])  # a vector over all passages, or not
def test_scores_are_the_dense_scores_to_the_last_bit(
    monkeypatch: pytest.MonkeyPatch, share: int
) -> None:
    monkeypatch.setattr(index_module, "SPARSE_SHARE", share)
    docs = [segments for segments in _random_segments(7) if any(t for t, _, _ in segments)]
    index = BM25Index(_documents(docs))
    for query in ({"w0": 0.3, "w1_w2": 1.0, "w3": 0.7, "w0_w1": 0.5}, {"w5": 1.0}, {"x": 1.0}):
        dense = index.dense_scores(query)
        candidates, scores = index.scores(query)
        assert candidates.tolist() == np.flatnonzero(dense).tolist()
        assert np.array_equal(scores, dense[candidates])


def test_scores_of_some_documents_are_their_dense_scores_to_the_last_bit() -> None:
    docs = [segments for segments in _random_segments(7) if any(t for t, _, _ in segments)]
    index = BM25Index(_documents(docs))
    rng = np.random.default_rng(3)
    queries = ({"w0": 0.3, "w1_w2": 1.0, "w3": 0.7, "w0_w1": 0.5}, {"w5": 1.0}, {"x": 1.0})
    for query in queries:
        dense = index.dense_scores(query)
        # Few documents (each term's postings searched for them) and many (the other way).
        for count in (0, 1, 3, index.size // 2, index.size):
            some = np.sort(rng.choice(index.size, size=count, replace=False))
            assert np.array_equal(index.scores_of(query, some), dense[some])


def test_nonzero_positions_are_numpys_for_floats_and_integers() -> None:
    for values in (np.array([0.0, -0.0, 1.5, np.nan, 0.0, -2.0]), np.array([3, 0, 0, 7])):
        assert index_module.nonzero_positions(values).tolist() == np.flatnonzero(values).tolist()


def test_common_terms_scores_are_kept_read_only_and_within_bounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(index_module, "HOT_RUN", 2)
    monkeypatch.setattr(index_module, "HOT_BYTES", 3 * 8)  # three passages' scores
    index = BM25Index([["a", "b"], ["a", "b"], ["a", "c"]])
    first = index.term_scores("a")  # in 3 passages: kept
    assert index.term_scores("a") is first
    with pytest.raises(ValueError, match="read-only"):
        first[1][0] = 0.0
    index.term_scores("c")  # in 1 passage: not kept
    assert list(index._hot) == [index._term_id("a")]
    index.term_scores("b")  # kept, and over the bound: "a"'s go
    assert list(index._hot) == [index._term_id("b")] and index._hot_bytes == 2 * 8
    again = index.term_scores("a")
    assert again is not first and np.array_equal(again[1], first[1])
    assert again[0].tolist() == first[0].tolist() == [0, 1, 2]


def test_the_most_common_terms_scores_are_kept_before_any_question(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(index_module, "HOT_RUN", 2)
    monkeypatch.setattr(index_module, "HOT_BYTES", 5 * 8)  # five passages' scores
    documents = [["a", "b", "c"], ["a", "b", "c"], ["a", "b"], ["a", "d"], ["e"]]
    index = BM25Index(documents)
    fresh = {word: index.term_scores(word) for word in "abcd"}
    index = BM25Index(documents)
    index.keep_common_scores()
    # "a" (4 passages) fits, "b" (3) would not fit beside it, "c" (2) is not looked at past
    # the first that does not fit, "d" (1) is not common.
    assert list(index._hot) == [index._term_id("a")] and index._hot_bytes == 4 * 8
    kept = index.term_scores("a")
    assert kept is index._hot[index._term_id("a")]
    assert kept[0].tolist() == fresh["a"][0].tolist()
    assert np.array_equal(kept[1], fresh["a"][1])
    with pytest.raises(ValueError, match="read-only"):
        kept[1][0] = 0.0
    monkeypatch.setattr(index_module, "HOT_BYTES", 8 * 8)
    index = BM25Index(documents)
    index.keep_common_scores()
    # The least common first, so that the most common are the last to give way.
    assert list(index._hot) == [index._term_id("b"), index._term_id("a")]
    index.term_scores("c")  # a miss still keeps its scores, and the oldest give way
    assert list(index._hot) == [index._term_id("a"), index._term_id("c")]


def test_kept_scores_survive_searches_from_several_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The bot answers long messages and inline queries in worker threads while the event
    # loop answers others: the kept scores are one table that they all read and evict from.
    import sys
    import threading

    monkeypatch.setattr(index_module, "HOT_RUN", 2)
    monkeypatch.setattr(index_module, "HOT_BYTES", 2 * 4 * 8)  # two terms' scores at most
    words = [f"w{n}" for n in range(6)]
    index = BM25Index([words, words, words, words])
    expected = {word: index.term_scores(word)[1].tolist() for word in words}
    failures: list[BaseException] = []

    def search(offset: int) -> None:
        try:
            for round_ in range(3000):
                word = words[(offset + round_) % len(words)]
                assert index.term_scores(word)[1].tolist() == expected[word]
        except BaseException as error:  # reported by the main thread below
            failures.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, to meet the races
    try:
        threads = [threading.Thread(target=search, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
    assert index._hot_bytes == sum(scores.nbytes for _, scores in index._hot.values())
    assert index._hot_bytes <= 2 * 4 * 8

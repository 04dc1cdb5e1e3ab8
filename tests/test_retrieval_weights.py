"""Query-term weights in ranking: the domain's own name, where a country is named, and
each passage's best line."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval import duplicates as duplicates_module
from retrieval import search as search_module
from retrieval.query import BIGRAM_WEIGHT, GOAL_VERB_WEIGHT
from retrieval.search import COMMON_WEIGHT, UNIT_WEIGHT


def test_naming_the_domain_says_little_about_which_passage_answers(engine) -> None:
    terms = engine._weighted_terms(engine.analyzer.analyze("coding languages for AI jobs"))
    # "AI" stands for the bot's own domain, like "machine learning": it counts little.
    assert terms["artifici"] == COMMON_WEIGHT * 1.0
    assert terms["intellig"] == COMMON_WEIGHT * 1.0
    assert terms["languag"] == 1.0
    # Rare words keep their full weight.
    assert engine._weighted_terms(engine.analyzer.analyze("what is a random forest"))[
        "forest"
    ] == 1.0


def test_goal_verbs_count_less_than_what_is_asked_about(engine) -> None:
    query = engine.analyzer.analyze("what skills do I need to become an ML engineer?")
    terms = engine._weighted_terms(query)
    # "need" and "become" are in few passages, "skills" in a quarter of them: by rarity
    # alone the goal would outweigh the subject.
    assert engine.index.idf("need") > engine.index.idf("skill")
    assert query.goal == {"need", "becom", "skill_need", "need_becom", "becom_ml"}
    assert query.terms["need"] == query.terms["becom"] == GOAL_VERB_WEIGHT
    assert query.terms["need_becom"] == GOAL_VERB_WEIGHT * BIGRAM_WEIGHT
    assert terms["need"] < terms["skill"]
    # so the passage about skills, not the one that says "to become ... you need", leads
    assert "Skill" in engine.search(query.text).hits[0].passage.section_label


@pytest.mark.parametrize(
    "question",
    [
        "how do I become an ML engineer?",
        "I want to become an AI engineer in Pakistan",
        # who asks is not what about: the one passage with "student" predicts grades
        "I'm a student, how do I become an ML engineer?",
    ],
)
def test_the_goal_counts_fully_when_nothing_else_is_asked_about(engine, question) -> None:
    query = engine.analyzer.analyze(question)
    assert query.goal == frozenset()
    assert query.terms["becom"] == 1.0


def test_a_country_in_the_question_counts_fully_and_in_the_story_less(engine) -> None:
    asked = engine._regions(engine.analyzer.analyze("ML engineer salary in Lahore"))
    assert asked == {"pakistan": 1.0}
    story = engine._regions(
        engine.analyzer.analyze(
            "My sister is a pharmacist in Lahore and wants to move into AI. She knows a "
            "little Python. Which skills should she learn to become an ML engineer?"
        )
    )
    assert 0 < story["pakistan"] < 1.0
    assert engine._regions(engine.analyzer.analyze("what skills does an MLE need")) == {}



def _best_line_bonus(engine, question: str) -> tuple[np.ndarray, np.ndarray]:
    terms = engine._weighted_terms(engine.analyzer.analyze(question))
    own = engine.index.dense_scores(terms)
    total = own.copy()
    engine._add_best_lines(total, terms, engine._best_of(own, search_module.LINE_DEPTH))
    return own, total - own


def test_each_passage_gains_half_its_best_lines_score(engine) -> None:
    question = "which python libraries should I learn"
    line_scores = engine.unit_index.dense_scores(
        engine._weighted_terms(engine.analyzer.analyze(question))
    )
    _, bonus = _best_line_bonus(engine, question)
    assert len(engine.passages) <= search_module.LINE_DEPTH  # so every passage is searched
    for number in range(len(engine.passages)):
        lines = line_scores[engine._first_line[number] : engine._first_line[number + 1]]
        assert bonus[number] == pytest.approx(UNIT_WEIGHT * lines.max(), abs=1e-9)
    assert (bonus > 0).sum() > 3  # the question's words are on several passages' lines


def test_at_scale_only_the_passages_that_match_best_on_their_own_have_lines_searched(
    engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "LINE_DEPTH", 4)
    own, bonus = _best_line_bonus(engine, "which python libraries should I learn")
    best_four = set(np.argsort(-own, kind="stable")[:4].tolist())
    assert set(np.flatnonzero(bonus).tolist()) == best_four


def test_the_shortlist_is_drawn_from_the_passages_whose_lines_were_searched() -> None:
    # A passage outside LINE_DEPTH scores no more than any inside it: the RERANK_DEPTH best
    # are inside only while there are at least as many inside.
    assert search_module.LINE_DEPTH >= search_module.RERANK_DEPTH


def test_best_of_gives_the_highest_scores_above_zero_in_ascending_positions(engine) -> None:
    scores = np.array([0.0, 3.0, 1.0, 0.0, 5.0, 2.0, 3.0])
    assert engine._best_of(scores, 1).tolist() == [4]
    assert engine._best_of(scores, 2).tolist() == [1, 4, 6]  # 3.0 twice: both
    assert engine._best_of(scores, 10).tolist() == [1, 2, 4, 5, 6]
    assert engine._best_of(np.zeros(3), 2).tolist() == []


def _best_of_the_slow_way(scores: np.ndarray, count: int) -> list[int]:
    positive = np.flatnonzero(scores > 0)
    if len(positive) <= count:
        return positive.tolist()
    cut = np.sort(scores[positive])[-count]
    return positive[scores[positive] >= cut].tolist()


@pytest.mark.parametrize("seed", range(6))
def test_best_of_at_scale_gives_what_looking_at_every_score_gives(engine, seed: int) -> None:
    # Large enough for the sampled floor; sparse, dense, with ties at the cut, and with
    # the best crowded into one part of the passages, where a sample sees few of them.
    rng = np.random.default_rng(seed)
    size = 2 * search_module.SAMPLE_STRIDE * 200 + rng.integers(0, 5000)
    scores = np.zeros(size)
    share = (0.002, 0.02, 0.3, 1.0, 0.05, 0.5)[seed]
    touched = rng.random(size) < share
    scores[touched] = rng.integers(1, 40, touched.sum()) / 4  # many equal scores
    if seed >= 4:
        scores[: size // 3] *= 50  # the best all in the first third
    for count in (1, 50, 200, 1000):
        assert engine._best_of(scores, count).tolist() == _best_of_the_slow_way(scores, count)


def _definition_match_by_every_term(engine, subject: frozenset[str]) -> np.ndarray:
    """What _definition_match must give, found the slow way: every defined term weighed."""
    match = np.zeros(len(engine.passages))
    weight = engine._term_weight
    subject_weight = sum(weight(t) for t in sorted(subject))
    for term, owners, strengths in engine._definitions:
        shared = sum(weight(t) for t in sorted(term & subject))
        exactness = (shared / subject_weight) * (shared / sum(weight(t) for t in sorted(term)))
        if exactness >= search_module.MIN_DEFINITION_MATCH:
            match[owners] = np.maximum(match[owners], exactness * strengths)
    return match


@pytest.mark.parametrize(
    "question",
    ["what is machine learning", "what is a random forest", "what is overfitting",
     "what is deep learning engineer", "what is python", "what is the meaning of life"],
)
def test_definition_match_weighs_only_terms_that_can_match_and_misses_none(
    engine, question: str
) -> None:
    subject = frozenset(engine.analyzer.analyze(question).subject)
    assert subject
    found = engine._definition_match(subject)
    assert np.array_equal(found, _definition_match_by_every_term(engine, subject))
    if question != "what is the meaning of life":
        assert found.max() > 0


def test_passages_term_sets_are_kept_within_a_bound(engine) -> None:
    for question in ("which python libraries should I learn", "ML engineer salary in India"):
        engine.search(question)
    kept = engine.duplicates.term_set.cache_info()
    assert kept.currsize <= kept.maxsize == duplicates_module.SETS_KEPT
    terms = engine._weighted_terms(engine.analyzer.analyze("python"))
    (number,) = np.flatnonzero(engine.index.dense_scores(terms))[:1]
    assert engine.index._term_id("python") in engine.duplicates.term_set(int(number))


def test_no_hit_shares_most_of_its_tokens_with_a_better_one(engine) -> None:
    offsets, ids = engine.duplicates._offsets, engine.duplicates._term_ids
    for question in ("which python libraries should I learn", "what is overfitting"):
        hits = engine.search(question).hits
        numbers = [engine.passages.index(hit.passage) for hit in hits]
        sets = [frozenset(ids[offsets[n] : offsets[n + 1]].tolist()) for n in numbers]
        assert len(hits) >= 3
        for later, tokens in enumerate(sets):
            for earlier in sets[:later]:
                overlap = len(tokens & earlier)
                assert overlap < duplicates_module.OVERLAP * min(len(tokens), len(earlier))


@pytest.mark.parametrize(
    "question",
    ["how long does it take to become an ML engineer?", "how long to learn ML from scratch"],
)
def test_how_long_is_not_read_as_a_pay_period(engine, question: str) -> None:
    """ "how long" stands for years, as durations are written ("(4 years)", "2-4 years of
    experience"), not for months: in the articles, "month" is mostly a pay period ("PKR
    80,000 – 150,000 per month"), and a pay table would answer every how-long question."""
    top = engine.search(question).hits[0].passage
    assert "salar" not in top.section_label.lower()
    assert "per month" not in top.text

"""Query-term weights in ranking: the domain's own name, and where a country is named."""

from __future__ import annotations

from retrieval.search import COMMON_WEIGHT


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


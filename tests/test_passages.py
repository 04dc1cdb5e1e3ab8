"""The article-to-passage rules, pinned on the real articles."""

from __future__ import annotations

import re

import pytest

from evaluation.quality import fold

DEBRIS = (
    "eyru 5u",
    "Share:",
    "Subscribe for newsletter",
    "Trusted By",
    "Related Article",
    "Ready to scale your team with remote engineers?",
    "Our platform focuses on making the remote hiring process easier",
    "No responses yet",
    "Civil Engineer |",
    "Table of Summary",
)



def test_every_passage_is_verbatim_in_its_article(engine, knowledge) -> None:
    articles = {article.entry.id: fold(article.text) for article in knowledge.articles}
    for passage in engine.passages:
        assert fold(passage.text) in articles[passage.doc_id], passage.id


def test_every_article_has_passages_that_know_where_they_come_from(engine, knowledge) -> None:
    titles = {article.entry.id: article.entry.title for article in knowledge.articles}
    assert {p.doc_id for p in engine.passages} == set(titles)
    for passage in engine.passages:
        assert passage.title == titles[passage.doc_id]
        assert passage.section_label


@pytest.mark.parametrize("debris", DEBRIS)
def test_no_passage_contains_scraping_debris(engine, debris: str) -> None:
    assert not [p.id for p in engine.passages if debris.casefold() in p.text.casefold()]


def test_no_passage_is_a_run_of_lone_zeros(engine) -> None:
    for passage in engine.passages:
        assert not any(re.fullmatch(r"\d{1,3}", unit.strip()) for unit in passage.units)


def test_split_headings_are_recovered_whole(engine) -> None:
    sections = {label for p in engine.passages for label in p.section}
    for heading in (
        "Machine Learning Engineer Job Role",
        "Machine Learning Engineer Salary in India",
        "How to Become Machine Learning Engineer",
        "What is Machine Learning",
    ):
        assert heading in sections
    assert not any(label in {"Machine", "Key", "What is", "How to"} for label in sections)


def test_hard_wrapped_sentences_are_joined(engine) -> None:
    india = [p for p in engine.passages if p.doc_id == "india-career-guide"]
    units = [unit for p in india for unit in p.units]
    assert any(
        unit.startswith(
            "Machine learning is a subfield of artificial intelligence (AI) that focuses"
        )
        for unit in units
    )


def test_passages_are_bounded(engine) -> None:
    counts = [p.word_count for p in engine.passages]
    assert max(counts) <= 150
    assert sum(1 for count in counts if count < 20) <= 0.05 * len(counts)


def test_no_passage_ends_mid_sentence(engine) -> None:
    for passage in engine.passages:
        last = passage.units[-1].rstrip()
        assert not re.search(r"\b(such as|of|the|and|to|for|with)$", last), passage.id


def test_truncated_fragment_is_dropped(engine) -> None:
    assert not any(
        p.text.rstrip().endswith("space exploration data for tasks such as")
        for p in engine.passages
    )


def test_bullets_of_all_kinds_are_units(engine) -> None:
    units = [unit for p in engine.passages for unit in p.units]
    assert any(unit.startswith("- Coursera/Stanford") for unit in units)
    assert any(unit.startswith("• 1. They’re excellent programmers") for unit in units)
    assert any(unit.startswith("a. Role: Machine Learning Engineers primarily") for unit in units)
    assert "4. Certifications" in units

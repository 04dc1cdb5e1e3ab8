from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what certs should I get", "certif"),
        ("ML roadmap", "machin"),
        ("DS vs MLE", "scientist"),
        ("data sci or ml eng", "scientist"),
        ("do i need a masters", "master"),
        ("how much do they pay", "salari"),
        ("what do mles make in pk", "salari"),
        ("is the package good", "salari"),
        ("CTC for freshers", "salari"),
        ("how much money", "salari"),
        ("earn in pk", "pakistan"),
        ("MLE in lahore", "engin"),
    ],
)
def test_abbreviations_and_synonyms_expand(engine, question: str, expected: str) -> None:
    assert expected in engine.analyzer.analyze(question).terms


@pytest.mark.parametrize(
    ("question", "expected"),
    [("intership in lahore", "internship"), ("best certifcation", "certification"),
     ("machne lerning", "machine learning"), ("netwroking", "networking")],
)
def test_misspellings_are_corrected(engine, question: str, expected: str) -> None:
    assert expected in engine.analyzer.analyze(question).text


def test_very_long_input_is_capped(engine) -> None:
    query = engine.analyzer.analyze("salary " * 5000)
    assert len(query.text) <= 1000


def test_lowercase_r_next_to_python_is_the_language(engine) -> None:
    assert "r" in engine.analyzer.analyze("python or r?").tokens

from __future__ import annotations

import pytest

from retrieval.tokenize import tokenize


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("Proficiency in C++ and Java", "c++"),
        ("Python, R, and SQL", "r"),
        ("Python, R, and SQL", "sql"),
        ("AWS Certified Machine Learning", "aws"),
        ("a master's or Ph.D. in machine learning", "phd"),
        ("a PhD", "phd"),
        ("MLOps is deployment", "mlops"),
        ("PyTorch and TensorFlow", "pytorch"),
        ("₹400,000 to ₹900,000 per annum", "₹"),
        ("PKR 20,000 – 40,000 per month", "pkr"),
        ("salaries in the U.S.", "usa"),
    ],
)
def test_domain_tokens_survive(text: str, token: str) -> None:
    assert token in tokenize(text)


def test_possessive_and_plural_meet_the_same_stem() -> None:
    assert tokenize("master's")[0] == tokenize("Masters")[0] == tokenize("MASTER")[0]


def test_stop_words_and_case_are_dropped() -> None:
    assert tokenize("What IS the Salary of an Engineer?") == ["salari", "engin"]


def test_lowercase_us_and_r_are_ordinary_words() -> None:
    assert tokenize("tell us r") == []


def test_unicode_is_normalised() -> None:
    assert tokenize("ｍａｃｈｉｎｅ ｌｅａｒｎｉｎｇ") == tokenize("machine learning")
    assert tokenize("Master’s") == tokenize("Master's")


def test_thousands_separators_do_not_split_numbers() -> None:
    assert "148485" in tokenize("an average of $148,485")

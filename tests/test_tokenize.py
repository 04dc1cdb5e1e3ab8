from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retrieval.tokenize as T
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


def test_a_decimal_number_is_one_token() -> None:
    # "2.5 years" must not match the "5" of "5+ years"; a sentence's full stop stays out
    assert tokenize("2.5 years left, 3.3 lakhs.") == ["2.5", "year", "left", "3.3", "lakh"]
    assert tokenize("python3.10") == ["python3", "10"]


# The tokenizer as it was before its fast paths (no special-token hints, no ASCII shortcut,
# an LRU stem cache): the fast one must give the very same tokens for every text.
# The special patterns in one alternation, plainly: no lookahead, no groups.
_REFERENCE_SPECIALS = re.compile(
    "|".join(
        f"(?i:{p.pattern})" if p.flags & re.IGNORECASE else f"(?:{p.pattern})"
        for p, _ in T._SPECIAL
    )
)


def _reference_words(text: str) -> list[tuple[str, bool]]:
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")
    text = T._NUMBER_GROUPS.sub("", text)

    def plain(part: str) -> list[str]:
        found = [m.group(0) for m in T._WORD.finditer(part.casefold())]
        return [w[:-2] if w.endswith("'s") else w for w in found]

    result: list[tuple[str, bool]] = []
    position = 0
    for match in _REFERENCE_SPECIALS.finditer(text):
        result.extend((word, False) for word in plain(text[position : match.start()]))
        token = next(t for p, t in T._SPECIAL if p.fullmatch(match.group(0).strip()))
        result.append((token, True))
        position = match.end()
    result.extend((word, False) for word in plain(text[position:]))
    return result


def _reference_tokenize(text: str) -> list[str]:
    return [
        T._STEM_OVERRIDES.get(word)
        or (word if word in T._UNSTEMMED or not word.isalpha() else T._stemmer.stemWord(word))
        for word, special in _reference_words(text)
        if special or word not in T.STOP_WORDS
    ]


def _sample_texts() -> list[str]:
    from bench.corpus import synthetic_corpus
    from evaluation.quality import load_eval_set
    from knowledge import load_knowledge

    knowledge = load_knowledge()
    texts = [line for article in knowledge.articles for line in article.text.splitlines()]
    eval_set = load_eval_set()
    texts += [item["q"] for item in eval_set["in_scope"] + eval_set["off_topic"]]
    corpus = synthetic_corpus(300)
    texts += [unit for p in corpus.passages for unit in p.units] + corpus.queries
    return texts


def test_the_fast_paths_give_the_reference_tokens_on_real_and_synthetic_text() -> None:
    for text in _sample_texts():
        assert T.words(text) == _reference_words(text), text
        assert tokenize(text) == _reference_tokenize(text), text
        assert T.tokenize_words(text) == (tokenize(text), [w for w, _ in T.words(text)]), text


_TRICKY = st.lists(
    st.sampled_from(
        [*"abcRUSITphdDPC.,'’‘ $#+₹0123456789\n-éİıKſﬁ", "Ph.D", "ph d", "U.S.", "USA", "US",
         "C++", "C#", " R ", "R's", "IT", "1,000", "Master’s", "ｍａｃｈｉｎｅ", "graph"]
    ),
    max_size=25,
).map("".join)


@given(st.one_of(_TRICKY, st.text(max_size=40)))
@settings(max_examples=600, deadline=None)
def test_the_fast_paths_give_the_reference_tokens_on_any_text(text: str) -> None:
    assert T.words(text) == _reference_words(text)
    assert tokenize(text) == _reference_tokenize(text)
    assert T.tokenize_words(text) == (tokenize(text), [w for w, _ in T.words(text)])


@pytest.mark.parametrize(
    ("word", "other"),
    [
        ("experiments", "experience"),
        ("mechanisms", "mechanical"),
        ("prospective", "prospects"),
        ("accountability", "accountant"),
    ],
)
def test_words_of_another_meaning_keep_tokens_of_their_own(word: str, other: str) -> None:
    """The stemmer would merge these ("experi", "mechan", "prospect", "account"): an ML
    experiment is not work experience. Their own inflections still meet."""
    assert tokenize(word) != tokenize(other)


def test_an_experiments_inflections_share_its_token() -> None:
    assert tokenize("experiment experiments experimenting") == ["experiment"] * 3


def test_roman_urdu_function_words_are_neither_english_nor_in_the_knowledge(knowledge) -> None:
    """They are dropped from every text, so none may be a word the articles, the asked
    questions or the vocabulary use, nor an English word a user might mean."""
    from knowledge.english_words import load_english_words

    english = load_english_words()
    # Two are three-letter English words too, far more often meant in Urdu here ("hum" we,
    # "jab" when); a message with Roman Urdu in it does not read its three-letter words as
    # English (bot/core/coverage.py).
    assert T.ROMAN_URDU_STOP_WORDS & english == {"hum", "jab"}
    texts = [article.text for article in knowledge.articles]
    texts += [ask for entry in knowledge.asked for p in entry.passages for ask in p.asks]
    texts += [*knowledge.vocabulary.expansions, *knowledge.vocabulary.expansions.values()]
    used = {word for text in texts for word in re.findall(r"[a-z]+", text.lower())}
    assert not T.ROMAN_URDU_STOP_WORDS & used
    assert tokenize("ML engineer ka kaam kya hota hai") == ["ml", "engin", "kaam"]


def test_quite_is_no_quit() -> None:
    # "my current salary is quite low" was stemmed to "quit", as in quitting a job
    assert "quit" not in tokenize("my current salary is quite low, rather low")
    assert "quit" in tokenize("should I quit my job")

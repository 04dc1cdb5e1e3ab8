"""Questions in Roman Urdu and Hinglish, as many of the bot's users in Pakistan and India
write: their function words are stop words (retrieval/tokenize.py), and the words that carry
meaning are read as the English they stand for (knowledge/vocabulary.yaml's corrections)."""

from __future__ import annotations

import pytest

from bot.core.dialogue import Dialogue
from evaluation.replies import visible_text


def _reply(advisor, question: str) -> str:
    return visible_text(Dialogue(advisor).search_answer(question).reply.html)


def test_function_words_are_not_corrected_into_english_words(engine) -> None:
    """"liye" is not "life", nor "yaar" "year": the question asks about a degree."""
    query = engine.analyzer.analyze("bhai ML ke liye konsi degree chahiye yaar")
    assert "life" not in query.tokens and "year" not in query.tokens
    assert "degre" in query.tokens and not query.unknown


@pytest.mark.parametrize(
    ("question", "opening"),
    [
        ("ML engineer ka kaam kya hota hai?", "responsibilities"),
        ("machine learning engineer banne mein kitna time lagta hai?", "years"),
        ("ML engineer kaise bane?", "become"),
        # "karna parega": will have to do; "parega" is no subject to search for
        ("ML engineer banne ke liye kya karna parega?", "become"),
        ("ML engineer ki tankhwah kitni hoti hai India mein?", "salaries in"),
        # "roz" (daily), "kama leta" (earns), "N mahine mein" (in N months)
        ("ML engineer roz office mein kya karta hai? asal kaam kya hota hai", "daily"),
        ("Chennai mein 8 years experience wala ML engineer kitna kama leta hai?", "senior ml"),
        ("3 mahine me ML job mil sakti hai?", "how long it takes"),
        ("6 mahine mein ML engineer ban sakta hoon kya? sach batao", "how long it takes"),
        # "khatam hone wala hai" (is about to finish): "hone" was a subject the articles lack
        ("mera BS khatam hone wala hai, ML mein internship kaise milegi koi idea?", "internships"),
        # "career kaisa hai" (how is the career): its prospects, not a list of job types
        ("bhai ML me career kaisa hai India me", "prospects"),
    ],
)
def test_a_roman_urdu_question_is_answered_in_its_first_line(
    advisor, question: str, opening: str
) -> None:
    first = _reply(advisor, question).splitlines()[0]
    assert opening in first.lower(), first


def test_farq_asks_for_a_difference_not_about_cities(advisor) -> None:
    """"farq" is any difference: between the two roles here, not pay between cities."""
    reply = _reply(advisor, "data scientist aur ML engineer mein kya farq hai?")
    assert not reply.startswith("The articles don't")
    assert "Data Scientist" in reply.splitlines()[0]


def test_a_word_for_age_says_the_articles_lack_age_limits(advisor) -> None:
    first = _reply(advisor, "kya 30 saal ki umar mein ML engineer ban sakta hoon?").splitlines()[0]
    assert first == "The articles don't cover age limits."


@pytest.mark.parametrize(
    "question", ["ML ka scope kya hai India mein?", "scope of machine learning jobs?"]
)
def test_the_scope_of_a_field_reads_as_its_prospects(advisor, question: str) -> None:
    """In Pakistani and Indian English, a field's "scope" is its job prospects."""
    assert "prospects" in _reply(advisor, question).splitlines()[0].lower()


@pytest.mark.parametrize(
    ("question", "opening"),
    [
        ("US mein senior ML engineer kitna kamata hai?", "Senior ML engineers in the 🇺🇸 US"),
        ("ML engineer ki tankhwah Pakistan mein kitni hai?", "ML engineer salaries in 🇵🇰 Pakistan"),
        ("what is the salray of ML engineers in India?", "ML engineer salaries in 🇮🇳 India"),
        # "how much does one get", "how much money": pay, asked without a word for it
        ("bhai fresher ko pakistan mein kitna milta hai ML mein", "Entry-level ML engineers in 🇵🇰"),
        ("senior ML engineer ko kitna milta hai", "Senior ML engineers"),
        ("india mein ML engineer ko kitne paise milte hain", "ML engineer salaries in 🇮🇳 India"),
    ],
)
def test_pay_asked_in_roman_urdu_or_misspelled_gets_the_pay_view(
    advisor, question: str, opening: str
) -> None:
    """The pay view is chosen from the text as understood: "kamata" (earns) and "tankhwah"
    (salary) are pay words there, as is "salray" once corrected."""
    assert opening in _reply(advisor, question).splitlines()[0]


@pytest.mark.parametrize(
    ("message", "asks"),
    [
        ("ml engineer banne mein kitna time lagta hai", True),
        ("kitne saal lagenge masters mein", True),
        ("kab tak job mil jaye gi", True),
        ("kitni salary hoti hai", False),
    ],
)
def test_how_long_asked_in_roman_urdu_is_a_how_long_question(message: str, asks: bool) -> None:
    from bot.core.coverage import ASKS_DURATION

    assert bool(ASKS_DURATION.search(message)) == asks


@pytest.mark.parametrize(
    "message",
    ["btech kar raha hu abhi 2nd year mein", "why start with math? i hate math"],
)
def test_a_year_of_study_or_a_feeling_is_no_subject_the_articles_lack(advisor, message) -> None:
    """ "2nd year" is when, "hu" (am) a function word, "hate" how the asker feels: none of
    them declines the message (they were 'words the articles lack')."""
    assert advisor.answer(message).in_scope


@pytest.mark.parametrize(
    ("message", "opening"),
    [
        ("certifications se kaam chal jayega?", "Certificate"),  # will certifications do?
        ("projects kaunse banau", "projects"),  # which projects should I make?
    ],
)
def test_roman_urdu_verbs_of_doing_are_no_missing_subject(advisor, message, opening) -> None:
    """ "chal jayega" (will do), "banau" (should I make): declined before as words the
    articles lack."""
    answer = advisor.answer(message)
    assert answer.in_scope and opening in _reply(advisor, message).splitlines()[0]


def test_isloo_is_islamabad(lexicon) -> None:
    assert lexicon.regions_in("ML jobs in isloo") == ("pakistan",)


def test_not_finding_a_job_in_roman_urdu_gets_the_job_hunt(advisor) -> None:
    # "sir mujhe job nahi mil rahi" (I can't find a job) was declined, then answered with the
    # role's responsibilities
    assert "applying" in _reply(advisor, "sir mujhe job nahi mil rahi").splitlines()[0]

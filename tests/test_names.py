from __future__ import annotations

import pytest

from bot.core.dialogue import Dialogue
from evaluation.replies import visible_text
from retrieval.names import capitalized_words, dotted_names, written_names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("I'm doing BSCS from COMSATS. Do employers care?", {"bscs", "comsats"}),
        ("Should I learn LangChain or MLflow first?", {"langchain", "mlflow"}),
        ("How do I get hired at OpenAI", {"openai"}),
        # A name after digits, and one right after a capital that starts the word.
        ("Is 3DSMax or x86AI useful? What about iOS", {"dsmax", "x86ai", "ios"}),
        # Too short to tell, or capitalized only as a sentence or a place is.
        ("I want AI and ML jobs in Lahore. Which skills?", set()),
        # Shouted: every word has capitals, none is a name.
        ("HOW TO BECOM ML ENGINER", set()),
        ("", set()),
    ],
)
def test_words_with_capitals_inside_are_names(text: str, names: set[str]) -> None:
    assert written_names(text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("is fast.ai's course enough? or d2l.ai?", ("fast.ai", "d2l.ai")),
        ("Node.js or python? see docs.python.org", ("Node.js", "docs.python.org")),
        ("the DeepLearning.AI specialization", ("DeepLearning.AI",)),
        # A missing space after a full stop, an abbreviation, a decimal: no name.
        ("I am a student.How do I start? e.g. Ph.D or 2.5 years", ()),
    ],
)
def test_names_written_with_a_dot(text: str, names: tuple[str, ...]) -> None:
    assert dotted_names(text) == names


@pytest.mark.parametrize(
    ("question", "first"),
    [
        ("Is the fast.ai course enough to land an ML engineer role?",
         "The articles don't mention fast.ai."),
        ("should I learn Node.js for ML?", "The articles don't mention Node.js."),
    ],
)
def test_a_dotted_name_the_articles_lack_is_said_to_be_missing(
    advisor, question: str, first: str
) -> None:
    # "fast" and "AI" are each in the articles; "fast.ai" is not.
    assert _first_line(Dialogue(advisor), question).startswith(first)


@pytest.mark.parametrize(
    "question", ["is the DeepLearning.ai specialization worth it?", "is kaggle.com good practice?"]
)
def test_a_dotted_name_the_articles_have_is_answered(advisor, question: str) -> None:
    # The articles name DeepLearning.ai and Kaggle (a web address is its site's name).
    first = _first_line(Dialogue(advisor), question)
    assert not first.startswith("The articles don't")


def test_a_name_is_not_corrected_to_an_article_word(engine) -> None:
    query = engine.analyzer.analyze("Do employers treat a COMSATS degree differently?")
    assert "comsats" in query.text
    # Typed in lower case it is no name, but two letters longer than "costs" it is no typo
    # of it either (retrieval/spelling.py).
    assert "comsats" in engine.analyzer.analyze("is a comsats degree good").text


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("Should I learn LangChain to get hired as an ML engineer these days?", "LangChain"),
        ("Do ML engineer jobs expect you to know MLflow?", "MLflow"),
        ("How does one get hired at OpenAI as a machine learning engineer?", "OpenAI"),
    ],
)
def test_a_named_product_the_articles_lack_is_said_to_be_missing(
    advisor, question: str, name: str
) -> None:
    first = _first_line(Dialogue(advisor), question)
    assert first.startswith("The articles don't mention") and name in first


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Is Apache Airflow worth learning? Which one, Kubeflow or MLflow",
         {"apache", "airflow", "kubeflow"}),
        # A sentence's first word, and a place after "in", "from", "to" (with its list).
        ("Salary in Seattle? Moving from Austin, Texas or Denver to Boston.", set()),
        ("I live in Lahore and the Databricks exam is next week", {"databricks"}),
        # A person, after a word that introduces one; a place after "In" that opens a sentence.
        ("My friend Ali and Mr Khan say ML is dead. In Seattle, is it?", set()),
        # Title case and shouting say nothing.
        ("How To Become An ML Engineer In Canada", set()),
        ("WHAT IS THE SALARY IN TORONTO", set()),
    ],
)
def test_capitalized_words_mid_sentence_are_names_unless_places(
    text: str, words: set[str]
) -> None:
    assert capitalized_words(text) == words


def test_a_capitalized_product_is_said_to_be_missing_but_a_city_in_a_pay_question_is_not(
    advisor,
) -> None:
    dialogue = Dialogue(advisor)
    first = _first_line(
        dialogue, "Is the Databricks Machine Learning Associate certification useful for ML jobs?"
    )
    assert first.startswith("The articles don't mention") and "Databricks" in first
    # In a pay question a capitalized word is a place: the pay view says what it has.
    first = _first_line(
        dialogue, "what's the average ML engineer salary in Australia, like Sydney or Melbourne"
    )
    assert first == "The articles don't give ML salaries for Australia."


def test_a_name_the_articles_lack_weighs_as_a_subject(advisor) -> None:
    # "GPUs" is written as a name: with "budget", it is what the question is about.
    first = _first_line(
        Dialogue(advisor),
        "Do companies usually provide ML engineers a budget for GPUs or cloud credits for "
        "experimentation? Kindly clarify.",
    )
    assert first.startswith("The articles don't mention") and "GPUs" in first


def test_a_missing_word_written_twice_is_named_once(advisor) -> None:
    first = _first_line(
        Dialogue(advisor),
        "I'm doing BSCS from COMSATS. Do employers treat a COMSATS degree differently when "
        "hiring ML engineers?",
    )
    assert first.startswith("The articles don't mention") and first.count("COMSATS") == 1


@pytest.mark.parametrize(
    "question",
    [
        "is an ML engineer just a fancy software engineer?",
        "is ML engineering just glorified data analysis?",
        "how many years till I become a senior ML engineer",
        "sklearn first or jump straight to deep learning?",
        "FAST se BSCS kar raha hun 6th semester, ML mein jana hai, abhi se kya karun",
    ],
)
def test_a_word_that_judges_or_joins_is_no_missing_subject(advisor, question: str) -> None:
    """ "fancy", "glorified", "till", "semester": no article uses them, yet they say how or
    when the question is put, not what it is about, which the articles do cover."""
    first = _first_line(Dialogue(advisor), question)
    assert not first.startswith("The articles don't")


def test_the_job_outlook_is_read_as_the_demand_the_articles_describe(advisor) -> None:
    first = _first_line(Dialogue(advisor), "what is the career outlook for machine learning?")
    assert not first.startswith("The articles don't") and "demand" in first.lower()


@pytest.mark.parametrize(
    "question",
    [
        "can a pharmacist switch to machine learning?",
        "I'm a lawyer, can I become an ML engineer?",
        "can a mechanical engineer switch to machine learning?",
        "how to become an ML engineer after BCom?",
        "can I become an ML engineer after BBA?",
    ],
)
def test_the_askers_own_field_is_background_not_a_missing_subject(
    advisor, question: str
) -> None:
    """No article names pharmacists or lawyers, nor need one: moving into ML is what is asked."""
    turn = Dialogue(advisor).search_answer(question)
    assert turn.answered
    assert not visible_text(turn.reply.html).startswith("The articles don't")


def test_a_subject_off_the_domain_is_still_missing_beside_ml(advisor) -> None:
    """Only an occupation or field is background: a visa is what this question asks about."""
    first = _first_line(Dialogue(advisor), "what is the H-1B visa process for ML engineers?")
    assert first.startswith("The articles don't cover visas"), first


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("PIAIC ka AI course karne se ML engineer ki job mil sakti hai? kisi ne kiya hai?",
         "PIAIC"),
        # ("naukri" is Hindi for a job here, not the job site naukri.com)
        ("kya AlmaBetter ka course karke ML engineer ki naukri mil jayegi?", "AlmaBetter"),
    ],
)
def test_words_of_another_language_do_not_hide_a_missing_subject(
    advisor, question: str, subject: str
) -> None:
    """Roman Urdu or Hindi words ("ka", "sakti", "kiya") are never the missing subject, so
    they do not outweigh the one that is: no article names PIAIC or AlmaBetter."""
    first = _first_line(Dialogue(advisor), question)
    assert first.startswith("The articles don't mention") and subject in first


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("How many LeetCode problems should I grind before applying to ML roles?",
         "LeetCode"),
        ("how do I get ready for the ML system design round?", "system design"),
        # not "system design interviews": this one asks what a senior does, not interviews
        ("what separates a senior from a mid level ML engineer, is it system design?",
         "cover system design."),
    ],
)
def test_interview_practice_the_articles_never_describe_is_said_to_be_missing(
    advisor, question: str, missing: str
) -> None:
    """The articles only say to be ready for technical interviews: the reply says first that
    they cover neither practice sites nor system design rounds."""
    first = _first_line(Dialogue(advisor), question)
    assert first.startswith("The articles don't cover") and missing in first


def test_everyday_words_for_the_maths_find_the_maths(advisor) -> None:
    first = _first_line(
        Dialogue(advisor),
        "how much of the maths bits (the matrix stuff, calculus, probability) do u really "
        "need for the job",
    )
    assert not first.startswith("The articles don't") and "Linear Algebra" in first


def _first_line(dialogue: Dialogue, question: str) -> str:
    """The first line of the reply a person reads."""
    return visible_text(dialogue.search_answer(question).reply.html).splitlines()[0]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how do I get my foot in the door as a fresher in ML?", "internships"),
        ("I wrote a study plan; what should be on my checklist to become an ML engineer?", ""),
        # "0 coding" is a beginner's, not the "(0-2 years)" of entry-level pay; and the
        # beginner is who asks, not the "help beginners practice" of Kaggle
        ("complete beginner, 0 coding. is becoming an ML engineer realistic for me or am i "
         "dreaming", "foundation"),
    ],
)
def test_career_idioms_are_read_for_what_they_mean(advisor, question: str, expected: str) -> None:
    """ "a foot in the door" is a first job, "a checklist" the steps, "wrote" how it is put,
    "0 coding" a beginner: none is a subject the articles lack."""
    first = _first_line(Dialogue(advisor), question)
    assert not first.startswith("The articles don't"), first
    assert expected in first.lower()

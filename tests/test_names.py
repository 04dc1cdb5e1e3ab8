from __future__ import annotations

import pytest

from bot.core.dialogue import Dialogue
from evaluation.replies import visible_text
from retrieval.names import written_names


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


def test_a_name_is_not_corrected_to_an_article_word(engine) -> None:
    query = engine.analyzer.analyze("Do employers treat a COMSATS degree differently?")
    assert "comsats" in query.text
    # The same word typed in lower case is taken for a typo, as before.
    assert "comsats" not in engine.analyzer.analyze("is a comsats degree good").text


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
    html = Dialogue(advisor).search_answer(question).reply.html
    first = visible_text(html).splitlines()[0]
    assert first.startswith("The articles don't mention") and name in first

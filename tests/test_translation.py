"""Messages in another script, read as the English of the terms they use."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.core.conversation import ChatState, UserState
from bot.core.dialogue import Dialogue, Text
from bot.core.markup import visible_text
from knowledge import load_knowledge
from knowledge.models import Vocabulary
from retrieval.translation import Translator

TERMS = {
    "머신러닝": "machine learning",
    "엔지니어": "engineer",
    "석사": "master's degree",
    "대학": "university",
    "대학원": "graduate school",
    "미국": "US",
    "회사": "companies",
}
ANCHORS = {"machine learning", "engineer", "master's degree", "python", "graduate school"}


def translator(terms: dict[str, str] = TERMS) -> Translator:
    return Translator(terms, ANCHORS)


@pytest.fixture(scope="module")
def dialogue(advisor) -> Dialogue:
    return Dialogue(advisor)


def test_terms_are_read_through_particles_and_compounds() -> None:
    reading = translator().english_reading("머신러닝엔지니어가 되려면 석사가 필요한가요?")
    assert reading is not None
    assert reading.terms == ("machine learning", "engineer", "master's degree")
    assert reading.text == "machine learning, engineer, master's degree"


def test_a_term_written_as_two_words_is_read_as_one() -> None:
    reading = translator().english_reading("머신 러닝 엔지니어가 되려면 대학 졸업이 필요한가요?")
    assert reading is not None
    assert reading.terms == ("machine learning", "engineer", "university")


def test_in_chinese_a_term_is_found_at_any_character_and_links_are_left_out() -> None:
    terms = {"机器学习": "machine learning", "数学": "mathematics", "学习": "learn"}
    reading = translator(terms).english_reading(
        "现在想接触机器学习了，数学不好，如何系统地学习？见 https://example.com/python-ml"
    )
    assert reading is not None
    assert reading.terms == ("machine learning", "mathematics", "learn")


def test_devanagari_vowel_signs_and_urdu_two_word_terms_stay_in_their_words() -> None:
    terms = {
        "मशीनलर्निंग": "machine learning",
        "इंजीनियर": "engineer",
        "सीख": "learn",
        "مشینلرننگ": "machine learning",
        "انجینئر": "engineer",
    }
    hindi = translator(terms).english_reading("मशीन लर्निंग इंजीनियर बनने के लिए क्या सीखना चाहिए?")
    urdu = translator(terms).english_reading("مشین لرننگ انجینئر بننے کے لیے کیا کریں؟")
    assert hindi is not None and hindi.terms == ("machine learning", "engineer", "learn")
    assert urdu is not None and urdu.terms == ("machine learning", "engineer")


def test_the_longest_term_that_begins_a_word_wins() -> None:
    reading = translator().english_reading("대학원에 가야 하나요, 대학만으로 충분한가요?")
    assert reading is not None and reading.terms == ("graduate school", "university")


def test_latin_words_are_kept_as_written_and_each_term_is_read_once() -> None:
    reading = translator().english_reading("머신러닝 공부는 Python부터? 머신러닝 AI관련")
    assert reading is not None
    assert reading.terms == ("machine learning", "Python", "AI")
    assert reading.translated == 1


@pytest.mark.parametrize(
    "message",
    [
        "how do I become an ML engineer?",  # Latin script: the English path reads it
        "ML engineer 석사 worth it?",  # mostly Latin letters
        "머신러닝이 뭐예요?",  # one term: too little to ask about
        "Python Java 뭐가 좋아요?",  # no term of its own language understood
        "오늘 날씨가 정말 좋네요",  # no term at all
        "미국 회사 주식 살까요?",  # "US, companies": no anchor ("should I buy US stocks?")
    ],
)
def test_messages_not_read_through_translations(message: str) -> None:
    assert translator().english_reading(message) is None


def test_no_translations_read_nothing() -> None:
    assert translator({}).english_reading("머신러닝 엔지니어 석사") is None


@pytest.mark.parametrize("term", ["ML", "머신 러닝", "석", "AI공부", "2학년"])
def test_the_vocabulary_refuses_terms_that_could_never_match(term: str) -> None:
    with pytest.raises(ValidationError):
        Vocabulary.model_validate(
            {"expansions": {}, "corrections": {}, "translations": {term: "machine learning"}}
        )


def test_the_vocabulary_refuses_translations_that_are_not_english_words() -> None:
    with pytest.raises(ValidationError):
        Vocabulary.model_validate(
            {"expansions": {}, "corrections": {}, "translations": {"석사": "석사 degree"}}
        )


def test_every_translation_names_words_the_articles_use() -> None:
    # A translation the index cannot match would read a message as words that find nothing.
    from retrieval.tokenize import tokenize

    knowledge = load_knowledge()
    text = " ".join(article.text for article in knowledge.articles)
    article_tokens = set(tokenize(text))
    expansions = " ".join(knowledge.vocabulary.expansions.values())
    known = article_tokens | set(tokenize(expansions))
    unknown = {
        english
        for english in knowledge.vocabulary.translations.values()
        if not set(tokenize(english)) & known
    }
    # Places the articles do not cover are read too, so that a reply can say so.
    assert unknown <= {"Korea"}, unknown


def reply_text(dialogue: Dialogue, message: str) -> tuple[str, list]:
    turn = dialogue.respond(ChatState(), Text(message), UserState())
    return visible_text(turn.reply.html), list(turn.reply.citations)


def test_a_korean_question_is_answered_from_the_articles_and_says_how_it_was_read(
    dialogue,
) -> None:
    text, citations = reply_text(
        dialogue, "머신러닝 엔지니어로 취업하려면 석사 학위가 꼭 필요한가요?"
    )
    shown_as, answer = text.split("\n", 1)
    assert shown_as.startswith("↪ machine learning, engineer, job, master's degree")
    assert shown_as.endswith("(read in English)")
    assert citations
    assert "master" in answer.split("\n", 1)[0].lower()


def test_a_korean_pay_question_gets_the_pay_view_of_its_country(dialogue) -> None:
    text, _ = reply_text(dialogue, "인도 머신러닝 엔지니어 연봉은 얼마인가요?")
    assert "India" in text.split("\n", 1)[0]
    assert "$" not in text.split("\n", 1)[0] and "₹" in text


def test_a_korean_message_read_as_nothing_the_articles_answer_is_declined_for_its_language(
    dialogue,
) -> None:
    # "Korea, weather": read as "Korea" alone, which nothing answers
    text, citations = reply_text(dialogue, "한국 날씨 어때요?")
    assert not citations
    assert "only read questions in English" in text


def test_a_korean_pay_question_about_korea_says_there_are_no_figures_for_it(dialogue) -> None:
    # "Korea, salary": the pay view says the articles give nothing for South Korea (it was
    # declined for its language, as if its words had not been read)
    text, _ = reply_text(dialogue, "한국 연봉 얼마예요?")
    assert text.startswith("The articles don't give ML salaries for South Korea")


@pytest.mark.parametrize(
    "message",
    [
        "请问有 ds 的具体学习路线吗？",  # "is there a roadmap for DS?" (Chinese)
        "DS 로드맵이 있나요?",  # Korean
        "DS のロードマップはありますか？",  # Japanese
    ],
)
def test_an_abbreviation_the_vocabulary_spells_out_names_the_field(dialogue, message) -> None:
    # Read as "ds, roadmap": a request for the roadmap, which opens its overview.
    text, _ = reply_text(dialogue, message)
    assert "only read questions in English" not in text
    assert text.split("\n", 1)[0] == "🗺 Roadmap to becoming an ML engineer"


MASTERS = ("master's degree", ("master",))
DIFFERENCE = ("difference", ("machine learning engineers", "data scientists"))


@pytest.mark.parametrize(
    ("message", "asked"),
    [
        ("کیا مشین لرننگ انجینئر بننے کے لیے ماسٹرز ڈگری ضروری ہے؟", MASTERS),  # Urdu
        ("क्या मशीन लर्निंग इंजीनियर बनने के लिए मास्टर्स डिग्री ज़रूरी है?", MASTERS),  # Hindi
        ("머신러닝 엔지니어가 되려면 석사 학위가 꼭 필요한가요?", MASTERS),  # Korean
        ("成为机器学习工程师需要硕士学位吗？", MASTERS),  # Chinese
        ("ڈیٹا سائنٹسٹ اور مشین لرننگ انجینئر میں کیا فرق ہے؟", DIFFERENCE),
        ("डेटा साइंटिस्ट और मशीन लर्निंग इंजीनियर में क्या अंतर है?", DIFFERENCE),
        ("데이터 사이언티스트와 머신러닝 엔지니어의 차이가 뭔가요?", DIFFERENCE),
    ],
)
def test_each_language_read_is_answered_under_its_reading(dialogue, message, asked) -> None:
    term, opening_words = asked
    text, citations = reply_text(dialogue, message)
    shown_as, answer = text.split("\n", 1)
    assert term in shown_as and shown_as.endswith("(read in English)")
    opening = answer.split("\n", 1)[0].lower()
    assert citations and all(word in opening for word in opening_words)


def test_the_advisor_reads_korean_as_the_dialogue_does(advisor) -> None:
    answer = advisor.answer("텐서플로우 자격증을 준비하려면 어떤 준비가 필요한가요?")
    assert answer.in_scope
    assert any("TensorFlow" in citation.text for citation in answer.citations)

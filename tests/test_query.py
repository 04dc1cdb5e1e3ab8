from __future__ import annotations

import pytest

from retrieval.query import SETTING_WEIGHT


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


@pytest.mark.parametrize(
    "question", ["ML salary in the US?", "what does the U.S. pay an MLE", "USA vs India salary"]
)
def test_capital_us_is_the_country(engine, question: str) -> None:
    query = engine.analyzer.analyze(question)
    assert "usa" in query.tokens
    assert engine._regions(query)["us"] == 1.0


def test_lowercase_us_is_a_pronoun(engine) -> None:
    assert "usa" not in engine.analyzer.analyze("tell us about ML salaries").tokens


def test_capital_r_mid_sentence_is_the_language(engine) -> None:
    assert "r" in engine.analyzer.analyze("is R any good for machine learning").tokens
    assert "r" not in engine.analyzer.analyze("r u sure about that").tokens


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("what is overfitting", {"overfit"}),
        ("define machine learning", {"machin", "learn"}),
        ("machne lerning meaning?", {"machin", "learn"}),
        ("what is machine learning in simple words", {"machin", "learn"}),
        ("whats a decision tree", {"decis", "tree"}),
        ("what does an ML engineer do", {"machin", "learn", "engin"}),
        ("what do people mean by supervised learning", {"supervis", "learn"}),
        ("what is the generally accepted definition of an ML engineer?",
         {"machin", "learn", "engin"}),
        ("what's the meaning of underfitting", {"underfit"}),
    ],
)
def test_definition_questions_name_their_subject(engine, question: str, subject: set) -> None:
    query = engine.analyzer.analyze(question)
    assert set(query.subject) == subject
    # How the answer should be put ("in simple words", "meaning") is not searched for.
    assert {t for t in query.terms if "_" not in t} <= subject | {"ml"}


@pytest.mark.parametrize(
    "question",
    ["what skills do I need", "what is the best way to get an internship in lahore",
     "how much do ML engineers earn"],
)
def test_other_questions_have_no_definition_subject(engine, question: str) -> None:
    assert engine.analyzer.analyze(question).subject == ()


def test_in_a_long_message_the_asking_sentence_weighs_most(engine) -> None:
    query = engine.analyzer.analyze(
        "I did calculus in uni but forgot most of it, and for three years now I have "
        "worked at a bank making reports. Which python libraries should I learn?"
    )
    assert query.terms["librari"] == 1.0
    assert query.terms["calculus"] < 1.0
    # A short message is all question: its first sentence keeps its full weight.
    short = engine.analyzer.analyze("i never went to college. is ML still an option for me?")
    assert short.terms["bootcamp"] == engine.analyzer.analyze("never went to college").terms[
        "bootcamp"
    ]


@pytest.mark.parametrize(
    ("question", "expected"),
    [("tips for my cv", "resum"), ("how to get hired", "search"), ("perks of the job", "bonus"),
     ("is it future proof", "demand"), ("grad school for ML?", "master"),
     ("how do teams ship models", "deploy"), ("a novice in ML", "beginn"),
     ("can I switch careers into ML", "roadmap"), ("ML without going to university", "bootcamp"),
     ("what qualities does an MLE need", "trait"), ("will ML still be around years from now",
     "demand"), ("ML starting salary", "entri"), ("how to stand out to employers", "portfolio"),
     ("ML engineer w/o a degree", "without")],
)
def test_everyday_phrasings_expand(engine, question: str, expected: str) -> None:
    assert expected in engine.analyzer.analyze(question).terms


@pytest.mark.parametrize(
    ("question", "kept", "not_wanted"),
    [
        ("how do I write a good sentence", "sentence", "sequence"),
        ("can you teach me to knit", "teach", "tech"),
        ("which subjects matter most", "matter", "master"),
        ("how to fix a leaking tap", "leaking", "learning"),
        ("I feel stuck", "stuck", "stack"),
        ("I keep hearing about it", "hearing", "hiring"),
    ],
)
def test_real_english_words_are_not_corrected(
    engine, question: str, kept: str, not_wanted: str
) -> None:
    text = engine.analyzer.analyze(question).text
    assert kept in text.split()
    assert not_wanted not in text.split()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("kagle competitions", "kaggle"),
        ("portfolo tips", "portfolio"),
        ("computer vison", "vision"),
        ("specilization options", "specialization"),  # the nearest word, not a longer one
        ("professional organisations", "organizations"),  # British spelling to the articles'
        ("salray in pakistan", "salary"),  # two letters swapped is one edit
        ("ml enigneer", "engineer"),
    ],
)
def test_non_words_near_an_article_word_are_corrected(
    engine, question: str, expected: str
) -> None:
    assert expected in engine.analyzer.analyze(question).text.split()


def test_the_english_word_list_is_loaded_and_checked(knowledge_copy) -> None:
    from knowledge import KnowledgeError
    from knowledge.english_words import load_english_words

    words = load_english_words(knowledge_copy)
    assert {"sentence", "teach", "matter", "portfolio"} <= words
    assert "kagle" not in words
    assert all(word.isalpha() and word.islower() for word in words)
    (knowledge_copy / "english_words.txt").write_text("# a comment\nfine\nNot Fine\n")
    with pytest.raises(KnowledgeError, match=r"english_words.txt: line 3"):
        load_english_words(knowledge_copy)


def test_edit_distance_counts_a_swap_of_neighbours_as_one_edit() -> None:
    from retrieval.spelling import within_edits as _edit_distance_within

    assert _edit_distance_within("salray", "salary", 1)
    assert _edit_distance_within("lern", "learn", 1)
    assert not _edit_distance_within("slaray", "salary", 1)  # a swap and more
    assert _edit_distance_within("slaray", "salary", 2)
    assert not _edit_distance_within("python", "salary", 2)


@pytest.mark.parametrize(
    "question",
    [
        "what does a machine learning engineer actually do at work?",
        "Machine learning engineers, what do you do at work?",
        "what do ML engineers do on the job",
    ],
)
def test_what_the_job_is_at_work_finds_the_responsibilities(engine, question: str) -> None:
    # "work" alone matches the industries ML engineers "work on" (supply chain, EdTech).
    best = engine.search(question).hits[0].passage
    assert "responsibilit" in " ".join((*best.section, best.text)).lower()
    assert "Supply Chain" not in best.text


@pytest.mark.parametrize(
    ("question", "plain", "words"),
    [
        ("How do I learn machine learning in 10 days?",
         "How do I learn machine learning, 10 days?", ("10", "day")),
        ("can I become an ML engineer within 2 years",
         "can I become an ML engineer, 2 years", ("2", "year")),
        ("is it possible in the next six months",
         "is it possible, the next, six months", ("next", "month")),
        ("how should i plan the next 3 years",
         "how should i plan the next, 3 years", ("next", "3", "year")),
        ("give me a month by month roadmap", "give me a month, by month roadmap", ("month",)),
        ("2nd year cs student, what should i do to get ML roles",
         "2nd, year cs student, what should i do to get ML roles", ("2nd", "year")),
        ("FAST se BSCS, 6th semester, ML ke liye kya karun",
         "FAST se BSCS, 6th, semester, ML ke liye kya karun", ("6th", "semest")),
        ("my 15-year-old wants to build AI, which classes should she take",
         "my 15, year, old wants to build AI, which classes should she take", ("15", "year")),
        ("I'm 24 years old, can I become an ML engineer",
         "I'm 24, years, old, can I become an ML engineer", ("24", "year")),
    ],
)
def test_a_time_frame_year_of_study_or_age_says_when_not_what_about(
    engine, question: str, plain: str, words
) -> None:
    terms = engine.analyzer.analyze(question).terms
    plain_terms = engine.analyzer.analyze(plain).terms  # the same words, not as a setting
    for word in words:
        # (no more: "month by month" is also a phrase, whose own words count less)
        assert terms[word] <= SETTING_WEIGHT * plain_terms[word] + 1e-9


def test_a_unit_also_asked_about_keeps_its_weight(engine) -> None:
    # "per year" asks about yearly pay: "year" is not only the time frame's.
    terms = engine.analyzer.analyze("what salary per year can I reach in 2 years").terms
    plain = engine.analyzer.analyze("what salary per year can I reach").terms
    assert terms["year"] == pytest.approx(plain["year"]) and terms["2"] < 1.0


def test_learning_in_a_few_days_finds_learning_not_daily_work(engine) -> None:
    hits = engine.search("How do I learn Machine Learning in 10 days?").hits
    assert "responsibilit" not in hits[0].passage.text.lower()
    assert "learn" in hits[0].passage.text.lower()


def test_the_industry_around_a_question_is_its_setting_not_its_subject(engine) -> None:
    # "skills ... in the AI industry" asks for skills, not for the industries that hire...
    hits = engine.search("What skills are essential for an ML engineer in the AI industry?").hits
    assert "sector" not in hits[0].passage.text and "skill" in hits[0].passage.text.lower()
    # ... while "other industries" are what this one asks about.
    terms = engine.analyzer.analyze("can I work in other industries too?").terms
    assert terms["industri"] == pytest.approx(1.0)


def test_the_encoder_reads_a_roman_urdu_question_without_its_function_words(engine) -> None:
    """The sentence encoder is an English model: "kya hota hai" would be three words to it.
    An English question is read as it is."""
    query = engine.analyzer.analyze("ML engineer ka kaam kya hota hai?")
    assert query.encoded_text == "ml engineer job responsibilities ?"
    english = engine.analyzer.analyze("What does an ML engineer do?")
    assert english.encoded_text == english.text


def test_how_fast_is_no_university(engine) -> None:
    # "how fast does pay grow" opened with "Top universities in Pakistan like NUST, FAST"
    assert "fast" not in engine.analyzer.analyze("how fast does pay grow in pakistan").tokens
    assert "fast" in engine.analyzer.analyze("i did BSCS from FAST, what next").tokens

from __future__ import annotations

import html
import re

import pytest

from bot.core.dialogue import Dialogue
from bot.core.markup import visible_text
from bot.core.points import clean_sentence, passage_points
from evaluation.quality import fold, load_eval_set
from standin.telegram_html import parse_telegram_html, telegram_length

QUESTIONS = (
    "what certifications should I get",
    "do i really need a masters",
    "ML eng vs data sci?",
    "how much do ML engineers earn in India?",
    "skills for <b>ML</b> & data <script>alert(1)</script>",
    "what does an MLE do all day " + "really " * 400,
)
_MARKS = re.compile(r"((?:\[\d+\])+)(?: <i>\(\d+ articles\)</i>)?$")


def _quoted_lines(answer_html: str) -> list[tuple[str, list[int]]]:
    """Each cited line of a reply (the opening and the points): its text and citations."""
    found = []
    for line in answer_html.split("\n\n")[0].splitlines() + answer_html.splitlines():
        match = _MARKS.search(line)
        if not match or line.startswith("["):
            continue
        body = re.sub(r"^• ", "", line[: match.start()].strip())
        body = re.sub(r"^<b>Not always\.</b> ", "", body)
        body = re.sub(r"^<b>[^<]*</b>: ", "", body)  # a "Label:" is the passage's own
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        found.append((html.unescape(body), numbers))
    return found


@pytest.mark.parametrize("question", QUESTIONS)
def test_reply_is_valid_telegram_html_within_the_limit(advisor, question: str) -> None:
    answer = advisor.answer(question)
    parsed = parse_telegram_html(answer.html)
    assert 1 <= telegram_length(parsed.plain.strip()) <= 4096


@pytest.mark.parametrize("question", QUESTIONS[:4])
def test_every_quoted_line_is_a_verbatim_span_of_each_passage_it_cites(
    advisor, question: str
) -> None:
    answer = advisor.answer(question)
    cited = {c.n: fold(c.text) for c in answer.citations}
    lines = _quoted_lines(answer.html)
    assert lines
    for text, numbers in lines:
        # A line merged from several articles is verbatim in one of them; the others say
        # the same thing in nearly the same words. List items are joined on one line, and a
        # long list is cut after an item with "…".
        parts = re.split(r"; |, ", text.removesuffix("; …"))
        assert any(all(fold(p) in cited[n] for p in parts) for n in numbers), (text, numbers)


def test_reply_opens_with_an_answer_then_points_then_sources(advisor) -> None:
    answer = advisor.answer("do i really need a masters")
    lines = answer.html.splitlines()
    assert lines[0].startswith("<b>Not always.</b>")
    assert "not always necessary" in lines[0] or "not always required" in lines[0]
    assert "<i>Sources:</i>" in lines
    for citation in answer.citations:
        assert f"[{citation.n}] {html.escape(citation.title, quote=False)}" in answer.html


def test_a_stance_that_refers_back_opens_with_what_it_is_about(advisor) -> None:
    # "Consider ... a master's or Ph.D. ... However, it's not always necessary ...": the
    # stance alone names nothing asked; with the sentence before it, it answers.
    first = advisor.answer("Do I need a PhD to become an ML engineer?").html.splitlines()[0]
    assert first.startswith("<b>Not always.</b>")
    assert "Ph.D." in first and "not always necessary" in first


def test_not_always_does_not_answer_a_question_asked_the_other_way_round(advisor) -> None:
    # "can I ... without a PhD?": "Not always." would read as "no"; the stance speaks alone.
    first = advisor.answer("can i get hired as mle without a phd").html.splitlines()[0]
    assert "not always required" in first and not first.startswith("<b>Not always.</b>")


def test_a_posts_yes_no_question_about_needing_something_opens_with_a_stance(advisor) -> None:
    question = (
        "Background: BBA grad, 26, working in marketing in Dubai. Zero coding background but "
        "I got hooked on AI after using it for campaign stuff. I know it's a long shot. Would "
        "a 6 month bootcamp be enough for a first ML job or do I realistically need a second "
        "bachelors or a masters in CS? Honest answers pls, I can take it"
    )
    first = advisor.answer(question).html.splitlines()[0]
    assert "not always" in first.lower() or "optional" in first.lower(), first


@pytest.mark.parametrize(
    "question",
    ["Do I need C++ for ML engineering or is Python enough?", "do ML engineers use SQL?"],
)
def test_not_always_is_said_only_of_what_was_asked(advisor, question: str) -> None:
    # The opening lists "R (optional, ...)": optional is said of R, not of C++ or SQL.
    first = advisor.answer(question).html.splitlines()[0]
    assert "optional" in first
    assert not first.startswith("<b>Not always.</b>")


@pytest.mark.parametrize(
    "question",
    [
        "what skills do I need to become an ML engineer?",
        "Which skills would I want to have if I'm to pursue machine learning engineering?",
    ],
)
def test_the_opening_answers_what_is_asked_about_not_the_goal(advisor, question: str) -> None:
    # "To become an ML engineer, you typically need education, experience and
    # certifications" shares the question's "need" and "become", not its skills.
    first = advisor.answer(question).html.splitlines()[0]
    assert "skills" in first.lower()
    assert "typically need" not in first


@pytest.mark.parametrize(
    ("question", "not_about"),
    [
        ("what are the major skills for ml", "tech hubs"),
        ("what are the top skills for ml", "top companies"),
        ("which major should i pick for machine learning", "tech hubs"),
    ],
)
def test_a_word_of_how_much_it_matters_does_not_choose_the_opening(
    advisor, question: str, not_about: str
) -> None:
    # "major", "top" are rarer in the articles than "skills": they outweighed it, and the
    # reply opened with "Major tech hubs like San Francisco ..." or "... in top companies".
    first = advisor.answer(question).html.splitlines()[0]
    assert not_about not in first.lower()
    assert "skills" in first.lower() or "bachelor" in first.lower() or any(
        word in first for word in ("Python", "TensorFlow")
    ), first


def test_a_list_opens_a_reply_under_a_heading_that_names_what_was_asked(advisor) -> None:
    # The Pakistan roadmap's "4. Certifications" list names no certification as such
    # ("Coursera/Stanford: Machine Learning by Andrew Ng"); its heading does. It is the
    # best passage, so it opens, not another article's sentence that says "certification".
    answer = advisor.answer("which certifications are valued in Pakistan?")
    first = answer.html.splitlines()[0]
    opening = next(c for c in answer.citations if f"[{c.n}]" in first)
    assert opening.doc_id == "pakistan-roadmap" and "Certifications" in opening.section
    assert "Andrew Ng" in first or "Azure" in first or "AWS" in first


def test_a_country_named_beside_a_subject_breaks_a_tie_on_the_subject(advisor) -> None:
    # Two "Institutions" lines name universities; the one in Pakistan answers this.
    turn = Dialogue(advisor).search_answer("which universities in pakistan are good for AI/ML")
    assert "NUST" in turn.reply.html.splitlines()[0]


def test_a_country_named_beside_a_subject_does_not_choose_the_opening(advisor) -> None:
    # "Top universities in Pakistan ..." names the country, not the demand asked about.
    first = advisor.answer("is there demand for ML engineers in Pakistan?").html.splitlines()[0]
    assert "universities" not in first.lower()
    first = advisor.answer("what is the demand for ML engineers in India?").html.splitlines()[0]
    assert "demand" in first.lower() and "salary" not in first.lower()


@pytest.mark.parametrize(
    ("question", "duration"),
    [
        ("How long does a master's degree take?", "2 years"),
        ("how long before I can call myself a senior ML engineer", "After 5+ years"),
    ],
)
def test_a_how_long_question_opens_with_the_duration_of_what_it_asks(
    advisor, question: str, duration: str
) -> None:
    # Not a pay table's "(5+ years)" or a bootcamp's "within months": the duration of the
    # thing asked about.
    first = advisor.answer(question).html.splitlines()[0]
    assert duration in first


def test_replies_are_short(advisor) -> None:
    # The median over the evaluation set's questions (about 500 characters), not over a
    # handful, where one reply gaining a point tips it.
    dialogue = Dialogue(advisor)
    questions = [item["q"] for item in load_eval_set()["in_scope"]] + list(QUESTIONS[:5])
    lengths = sorted(len(visible_text(dialogue.search_answer(q).reply.html)) for q in questions)
    assert lengths[len(lengths) // 2] <= 600
    assert lengths[-1] <= 1400


def test_citations_are_numbered_in_order_and_carry_the_full_passage(advisor, engine) -> None:
    answer = advisor.answer("what skills does an ML engineer need")
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert 1 <= len(answer.citations) <= 3
    texts = {p.text for p in engine.passages}
    for citation in answer.citations:
        assert citation.text in texts
        assert citation.doc_id and citation.title and citation.section
        assert f"[{citation.n}]" in answer.html.split("<i>Sources:</i>")[0]


def test_a_one_region_question_shows_no_other_regions_money(advisor) -> None:
    answer = advisor.answer("how much do ML engineers make in Pakistan")
    assert answer.intent == "salary"
    assert "PKR" in answer.html
    assert "₹" not in answer.html and "lakh" not in answer.html
    assert answer.citations[0].doc_id == "pakistan-roadmap"


def test_article_text_is_escaped(advisor) -> None:
    # The step-by-step guide's label "Python & R" opens the answer.
    answer = advisor.answer("python vs R for machine learning")
    assert "&amp;" in answer.html
    assert " & " not in re.sub(r"<[^>]+>", "", answer.html)


@pytest.mark.parametrize(
    ("sentence", "shown"),
    [
        (
            "Explain that internships are a great way to gain experience.",
            "internships are a great way to gain experience.",
        ),
        ("Note that entry-level engineers earn more.", "entry-level engineers earn more."),
        ("Highlight the importance of foundational skills.", None),
        ("Let's delve into the details of each role:", None),
        ("Below is a detailed outline of the degree courses.", None),
        ("Imagine a world where machines assist doctors.", None),
        ("By following this roadmap, you can build a successful career.", None),
        ("Preview the article’s focus on roles, steps, and salary potential.", None),
        ("b.", None),
        ("Python is the preferred language.", "Python is the preferred language."),
        ("Cover letters are read by recruiters.", "Cover letters are read by recruiters."),
    ],
)
def test_writing_instructions_and_filler_are_never_shown(sentence: str, shown: str | None) -> None:
    assert clean_sentence(sentence) == shown


def test_an_instruction_after_a_label_gives_up_its_object() -> None:
    assert clean_sentence("Recommend courses from Coursera or edX.", first_after_label=True) == (
        "courses from Coursera or edX."
    )
    assert (
        clean_sentence("Encourage readers to showcase their work.", first_after_label=True) is None
    )


def test_bare_labels_head_their_items_and_short_items_share_a_line(engine) -> None:
    for passage in engine.passages:
        for point in passage_points(passage):
            assert not point.text.endswith(":"), point
            assert len(re.findall(r"[A-Za-z]", point.text)) >= 3, point
    skills = next(p for p in engine.passages if p.id == "pakistan-roadmap#9")
    points = passage_points(skills)
    assert points[0].label == "Specializations"
    assert "Deep Learning" in points[0].text


def test_one_word_items_are_joined_under_their_heading(engine) -> None:
    joined = [
        point
        for passage in engine.passages
        for point in passage_points(passage)
        if ", " in point.text and "PyTorch" in point.text
    ]
    assert joined
    assert all(len(point.text.split()) > 2 for point in joined)


@pytest.mark.parametrize(
    "question",
    [
        "I'm a senior ML engineer, is it worth moving to the US for the money?",
        "as a senior engineer would a masters help my pay in the us",
    ],
)
def test_a_senior_askers_reply_does_not_open_with_entry_level_pay(advisor, question) -> None:
    # (the dialogue reads the level the asker names; the bot replies through it)
    first = Dialogue(advisor).search_answer(question).reply.html.splitlines()[0]
    assert "entry-level" not in first.lower() and "senior" in first.lower(), first


@pytest.mark.parametrize(
    ("question", "opens_with"),
    [
        # "Mid-Level Positions: ... mentor junior team members" is about mid-level roles
        ("what does a junior ml engineer do day to day", "Entry-Level Positions"),
        # ... which is the answer when the next step is asked about
        ("whats the career path after junior ml engineer", "Mid-Level Positions"),
    ],
)
def test_a_step_of_the_ladder_opens_with_that_step_unless_the_next_is_asked(
    advisor, question: str, opens_with: str
) -> None:
    first = Dialogue(advisor).search_answer(question).reply.html.splitlines()[0]
    assert first.startswith(f"<b>{opens_with}</b>"), first


def test_a_label_that_is_all_the_question_asks_counts_in_full(advisor) -> None:
    # "Data Structures and Algorithms: Proficiency in algorithms is key ..." says "data
    # structures" only in its label; a degree's sentence listing "courses in algorithms, data
    # structures, ..." opened the reply instead.
    first = advisor.answer("are data structures and algorithms important for ml").html
    assert first.splitlines()[0].startswith("<b>Data Structures and Algorithms</b>")


@pytest.mark.parametrize(
    ("question", "opens_with"),
    [
        # "Entry-Level Machine Learning Engineer (0-2 years): PKR ...": the bracket is an
        # aside; the US article's "entry-level ... $70,000" opened instead
        ("salary for a junior ML engineer in Karachi",
         "<b>Entry-Level Machine Learning Engineer (0-2 years)</b>: PKR"),
        # "Bachelor’s Degree (4 years) › Field of Study": each part of the label counts
        ("I have a bachelor's in electrical engineering, can I switch to ML without doing a "
         "masters?", "<b>Bachelor’s Degree (4 years) › Field of Study</b>"),
    ],
)
def test_a_label_counts_in_full_without_its_bracketed_aside(
    advisor, question: str, opens_with: str
) -> None:
    first = advisor.answer(question).html.splitlines()[0]
    assert first.startswith(opens_with), first


@pytest.mark.parametrize(
    "question",
    ["should I get into machine learning?", "should i become an ml engineer"],
)
def test_should_i_asks_whether_the_career_is_worth_it_not_how(advisor, question) -> None:
    # "should I get into ML?" opened with the roadmap's first item, "Linear Algebra: Study
    # matrices, ...", and "should I become one?" with what it takes.
    first = advisor.answer(question).html.splitlines()[0]
    assert "Linear Algebra" not in first and "you typically need" not in first, first
    assert any(word in first.lower() for word in ("prospects", "invest", "demand", "career"))


def test_a_lone_short_item_titles_the_sentence_after_it(engine, advisor) -> None:
    education = next(
        p for p in engine.passages
        if p.doc_id == "pakistan-roadmap" and "High School (Secondary Education)" in p.text
    )
    first = passage_points(education)[0]
    assert first.label == "High School (Secondary Education)"
    assert first.text.startswith("Focus on subjects like Mathematics")
    # so the reply opens with the subjects, not with the bare title
    opening = advisor.answer("what subjects should i take in high school for ml")
    assert "Focus on subjects like Mathematics" in opening.html.splitlines()[0]


def test_a_lone_short_item_heads_the_labelled_sentences_after_it(engine, advisor) -> None:
    """ "- Bachelor’s Degree (4 years)", "- Field of Study: ...", "- Institutions: ...": the
    scrape flattened a nested list, and the two labelled items are about that degree. They
    say so in their labels, up to the next short item; the degree stays a point of its own
    (it answers "how long")."""
    education = next(
        p for p in engine.passages
        if p.doc_id == "pakistan-roadmap" and "High School (Secondary Education)" in p.text
    )
    labels = [(point.label, point.text[:30]) for point in passage_points(education)]
    assert labels[1:] == [
        ("Education", "Bachelor’s Degree (4 years)"),
        ("Bachelor’s Degree (4 years) › Field of Study", "Bachelor of Science in Compute"),
        ("Bachelor’s Degree (4 years) › Institutions", "Top universities in Pakistan l"),
        ("Optional", "Master’s Degree (2 years)"),
        ("Field of Study", "Master of Science (MS) in Mach"),
        ("Institutions", "Similar to bachelor’s institut"),
    ]
    opening = advisor.answer("how long is a bachelor's degree in pakistan?")
    assert "Bachelor’s Degree (4 years)" in opening.html.splitlines()[0]


def test_replies_do_not_depend_on_string_hashing() -> None:
    """The bot and a test (or two bot processes) hash strings differently; a reply must not
    change with that: near ties in scores and equally near typo fixes once went either way."""
    import os
    import subprocess
    import sys

    questions = [
        "I love writing production code more than doing analysis. data scientist or ML "
        "engineer, which fits",
        "kya FPSC ya PPSC ke through government department mein ML engineer ki post aati hai? "
        "test aur interview kaisa hota hai",
        "Pakistan mein ML engineer ki saal ki tankhwah kitni banti hai?",
        "ML ki internship kahan dhoondun? startups mein ya research labs mein?",
        "How do I get my degree attested by HEC and IBCC before applying for ML jobs in the Gulf?",
    ]
    script = (
        "import sys\nfrom bot.core.dialogue import Dialogue\nd = Dialogue()\n"
        "for q in sys.argv[1:]:\n    print(d.search_answer(q).reply.html)\n"
    )

    def replies(seed: str) -> str:
        env = dict(os.environ, PYTHONHASHSEED=seed)
        return subprocess.run(
            [sys.executable, "-c", script, *questions],
            env=env, capture_output=True, text=True, check=True,
        ).stdout

    first = replies("1")
    assert first.count("[1]") >= 3
    assert replies("3") == first
    assert replies("5") == first


def test_a_list_under_the_heading_asked_about_opens_with_its_first_item(advisor) -> None:
    # The roadmap's maths list: "Linear Algebra", "Calculus", "Probability and Statistics:
    # Learn ...". Its heading answers "how do I get into ML" (a roadmap); the third item's
    # "learn" is no reason to skip the first two.
    first = advisor.answer("how do i get into ML").html.splitlines()[0]
    assert first.startswith("<b>Linear Algebra</b>"), first


def test_an_item_that_repeats_its_lists_common_heading_word_is_not_preferred(advisor) -> None:
    # Under "Skills", "Soft Skills: ... analytical skills" says "skills" twice; every item
    # of that list is a skill, so the list opens with its first, technical, item.
    first = advisor.answer("which skills do I need?").html.splitlines()[0]
    assert not first.startswith("<b>Soft Skills</b>"), first
    assert first.startswith("<b>Programming</b>"), first



def test_an_inline_bullet_opens_a_reply_without_its_dash(advisor) -> None:
    # "c. Skills: - Proficiency in ... - Problem-solving skills and ...": the scrape left
    # the list's items inline; one chosen as the opening is a sentence, not "- Problem...".
    first = advisor.answer("what skills do i need").html.splitlines()[0]
    assert not re.match(r"(?:<b>[^<]*</b>: )?[-•*]", first), first


@pytest.mark.parametrize(
    "question",
    [
        "can i still become ML engineer?",
        "I studied mechanical engineering, not CS. can I still become an ML engineer?",
    ],
)
def test_still_says_how_it_is_asked_not_what_about(advisor, question: str) -> None:
    # "still" matched "The field of machine learning is still in its development" best.
    first = advisor.answer(question).html.splitlines()[0]
    assert "still in its development" not in first, first


_CURRENCY = re.compile(r"PKR|₹|\$\s?\d|lakh", re.IGNORECASE)


@pytest.mark.parametrize(
    "question",
    [
        "how long does it take to become an ML engineer if i study 3 hours daily",
        "how many US companies are hiring ML engineers",
    ],
)
def test_a_figure_of_pay_opens_only_a_question_about_pay(advisor, question: str) -> None:
    # "a few years of experience can earn ... ₹900,000" matched "how long" for its years,
    # "earn an average of $148,485 in the United States" "US companies" for its place.
    first = advisor.answer(question).html.splitlines()
    opening = next(line for line in first if "[1]" in line or "[2]" in line)
    assert not _CURRENCY.search(opening), opening


def test_an_amount_in_the_question_asks_about_pay(advisor) -> None:
    question = "they're offering 90k a month for a junior ML job in Islamabad, fair?"
    html = advisor.answer(question).html
    assert "PKR" in html.splitlines()[0]

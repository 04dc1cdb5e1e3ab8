"""/salary: filters, free-text questions, buttons, citations and Telegram-valid HTML."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.profile import Profile
from bot.reply import Reply
from bot.salary_view import (
    SalaryFilters,
    parse_salary_filters,
    salary_answer,
    salary_button,
    salary_command,
    salary_filters_from_text,
)
from knowledge import KnowledgeBase
from knowledge.career_models import fold_whitespace
from tests.support.telegram_html import prepare_message_text

NO_PROFILE = Profile()


def valid(reply: Reply) -> str:
    """The reply's text as Telegram shows it; fails if Telegram would refuse it."""
    parsed = prepare_message_text(reply.html)  # raises on bad HTML or > 4096 characters
    for button in reply.button_list:
        assert button.data.startswith(("sal:", "rm:", "prof:")), button.data
    return parsed.plain


@pytest.fixture(scope="module")
def show(knowledge: KnowledgeBase):
    def show(args: str = "", profile: Profile = NO_PROFILE, rates: bool = True) -> Reply:
        return salary_command(
            knowledge.salaries,
            args,
            profile,
            titles=knowledge.article_titles,
            rates=knowledge.exchange_rates if rates else None,
        )

    return show


@pytest.fixture(scope="module")
def press(knowledge: KnowledgeBase):
    def press(payload: str, profile: Profile = NO_PROFILE) -> Reply:
        return salary_button(
            knowledge.salaries,
            payload,
            profile,
            titles=knowledge.article_titles,
            rates=knowledge.exchange_rates,
        )

    return press


def test_overview_shows_every_figure_as_written_with_its_source(show, knowledge) -> None:
    reply = show()
    text = valid(reply)
    for figure in knowledge.salaries.figures:
        assert fold_whitespace(figure.written) in text, figure.id
    for region in ("Pakistan", "India", "US", "Global"):
        assert region in text
    assert len(reply.citations) == 5
    assert {c.doc_id for c in reply.citations} == {a.entry.id for a in knowledge.articles}
    for citation in reply.citations:
        assert f"[{citation.n}] {citation.title}" in text
        article = next(a for a in knowledge.articles if a.entry.id == citation.doc_id)
        for quote in citation.text.split("\n"):
            assert fold_whitespace(quote) in fold_whitespace(article.text)
    figure_lines = [line for line in text.split("\n") if line.startswith("• ") and "→" in line]
    assert figure_lines and all(line.rstrip().endswith("]") for line in figure_lines)
    assert not reply.edit


def test_monthly_and_lakh_figures_are_restated_per_year(show) -> None:
    text = valid(show())
    assert "PKR 20,000 – 40,000 per month → PKR 240,000–480,000 a year" in text
    assert "PKR 300,000 – 600,000+ per month → PKR 3,600,000–7,200,000+ a year" in text
    assert "7.4 lakhs → ₹330,000–2,270,000, average ₹740,000 a year" in text
    assert "exceeding ₹1 crore → ₹10,000,000+ a year" in text
    assert "₹1-2 crore+ annually → ₹10,000,000–20,000,000+ a year" in text


def test_approximate_dollars_are_labelled_with_their_date(show, knowledge) -> None:
    text = valid(show())
    rates = knowledge.exchange_rates
    assert "(≈ $860–1,730)" in text  # PKR 240,000 / 278 and 480,000 / 278, rounded
    assert f"exchange rates as of {rates.as_of.isoformat()}" in text
    assert "approximate" in text
    without = valid(show(rates=False))
    assert "≈" not in without and "exchange rates" not in without


def test_caveats_are_honest(show) -> None:
    text = valid(show())
    assert "None of the articles gives a publication date" in text
    assert "Only one of the 5 sources with figures states a sample size (1,300 salaries [" in text
    assert "monthly × 12; 1 lakh = 100,000; 1 crore = 10,000,000" in text


def test_disagreeing_sources_show_the_range_across_them(show) -> None:
    text = valid(show("us"))
    assert "The 2 sources differ; together they span $70,000–200,000 a year [1][2]" in text
    india = valid(show("india"))
    assert "together they span ₹330,000–3,000,000+ a year" in india
    assert "differ" not in valid(show("pk"))  # one source only: nothing to reconcile


@pytest.mark.parametrize(
    "args", ["pk senior", "senior pk", "PAK Sr", "pakistan seniors", "Pakistn snior", "sr. PK"]
)
def test_filters_in_any_order_case_and_spelling(show, args: str) -> None:
    assert show(args).html == show("pakistan senior").html
    text = valid(show(args))
    assert "PKR 300,000 – 600,000+ per month" in text
    assert "PKR 20,000" not in text and "India" not in text


def test_india_shows_only_india(show) -> None:
    text = valid(show("india"))
    assert "₹400,000 to ₹900,000 per annum" in text and "3.3 lakhs" in text
    assert "PKR" not in text and "$70,000" not in text
    assert show("IND").html == show("in").html == show("Indian").html == show("india").html


def test_entry_us(show) -> None:
    text = valid(show("entry us"))
    assert "between $70,000 and $90,000 annually" in text
    assert "148,485" not in text and "PKR" not in text
    for same in ("us entry", "junior USA", "fresher america", "entry in us", "U.S. entry-level"):
        assert show(same).html == show("entry us").html, same


def test_intern_shows_internship_figures(show) -> None:
    text = valid(show("intern"))
    assert "PKR 20,000 – 40,000 per month" in text
    assert "PKR 80,000" not in text
    assert show("internships").html == show("intern").html


def test_overall_level(show) -> None:
    text = valid(show("average us"))
    assert "an average of $148,485" in text and "San Francisco" in text
    assert "$70,000" not in text


def test_unknown_filters_list_the_valid_ones(show) -> None:
    reply = show("mars <b>ceo</b>")
    text = valid(reply)
    assert "I don't know the salary filter “mars”, “b”, “ceo”." in text
    for valid_word in ("pakistan (pk)", "india (in)", "us (usa", "global", "intern", "senior (sr)"):
        assert valid_word in text
    assert not reply.citations
    assert reply.buttons  # buttons still let the user pick without typing


def test_two_regions_ask_to_pick_one(show) -> None:
    text = valid(show("india pakistan"))
    assert "pick one of the regions India and Pakistan" in text
    assert "senior" in valid(show("entry senior")).lower()


def test_no_matching_figures_says_so_and_shows_the_nearest(show) -> None:
    text = valid(show("global mid"))
    assert "The articles give no mid level figures for Global" in text
    assert "exceeding ₹1 crore" in text


def test_profile_fills_in_missing_filters(show) -> None:
    profile = Profile("india", "senior")
    text = valid(show("", profile))
    assert "Filtered by your /profile" in text
    assert "₹1,500,000 to ₹3,000,000" in text and "₹400,000" not in text
    overridden = valid(show("us", profile))  # typed region wins, level still from the profile
    assert "$160,000 or more" in overridden and "$70,000" not in overridden
    everything = valid(show("all", profile))
    assert "PKR 20,000" in everything and "$70,000" in everything
    assert "Filtered by your /profile" not in everything


def test_a_beginner_profile_sees_internship_and_entry(show) -> None:
    text = valid(show("pk", Profile(level="beginner")))
    assert "PKR 20,000 – 40,000" in text and "PKR 80,000 – 150,000" in text
    assert "PKR 150,000 – 300,000" not in text


def test_buttons_switch_region_or_level_keeping_the_other(show) -> None:
    reply = show("india senior")
    rows = [[(button.label, button.data) for button in row] for row in reply.buttons]
    assert rows[0] == [
        ("🇵🇰 Pakistan", "sal:f:pakistan:senior"),
        ("• 🇮🇳 India", "sal:f:india:senior"),
        ("🇺🇸 US", "sal:f:us:senior"),
        ("🌍 Global", "sal:f:global:senior"),
        ("All", "sal:f:all:senior"),
    ]
    assert rows[1] == [
        ("Intern", "sal:f:india:internship"),
        ("Entry", "sal:f:india:entry"),
        ("Mid", "sal:f:india:mid"),
        ("• Senior", "sal:f:india:senior"),
        ("Overall", "sal:f:india:overall"),
        ("All", "sal:f:india:all"),
    ]


def test_pressing_a_button_edits_the_message_with_the_new_filters(press, show) -> None:
    reply = press("f:pakistan:senior")
    assert reply.edit
    assert reply.html == show("pk senior").html
    assert "PKR 300,000" in valid(press("f:pakistan:all", Profile("india", "senior")))


def test_every_button_path_gives_a_valid_reply(press, show) -> None:
    seen: set[str] = set()
    queue = [button.data for button in show().button_list]
    while queue:
        data = queue.pop()
        if data in seen:
            continue
        seen.add(data)
        assert data.startswith("sal:")
        reply = press(data.removeprefix("sal:"))
        valid(reply)
        assert reply.edit and reply.citations
        queue.extend(button.data for button in reply.button_list)
    assert len(seen) == 5 * 6  # every region x level combination, "all" included


@pytest.mark.parametrize(
    "payload",
    ["", "f", "f:mars:all", "f:india:ceo", "f:india:senior:extra", "x", "f::", "me:now", "💥"],
)
def test_forged_or_stale_buttons_are_harmless(press, payload: str) -> None:
    reply = press(payload)
    text = valid(reply)
    assert "That button is out of date" in text
    assert reply.edit


def test_my_salaries_button_uses_the_profile(press) -> None:
    text = valid(press("me", Profile("pakistan", "mid")))
    assert "PKR 150,000 – 300,000 per month" in text and "That button" not in text


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how much do ML engineers earn in India", SalaryFilters("india", None)),
        ("pay for a senior MLE in Pakistan", SalaryFilters("pakistan", "senior")),
        ("What's the salary of an intern?", SalaryFilters(None, "internship")),
        ("How much does a fresher make in the U.S.?", SalaryFilters("us", "entry")),
        ("salary in the US for juniors", SalaryFilters("us", "entry")),
        ("average ML engineer pay in america", SalaryFilters("us", "overall")),
        ("how much do they pay us", SalaryFilters(None, None)),
        ("ML engineer salery in pakistn", SalaryFilters("pakistan", None)),
        ("salaries in india or pakistan?", SalaryFilters("all", None)),
        ("What is the CTC for mid level in India", SalaryFilters("india", "mid")),
    ],
)
def test_free_text_salary_questions(question: str, expected: SalaryFilters) -> None:
    assert salary_filters_from_text(question) == expected


@pytest.mark.parametrize(
    "question",
    [
        "what certifications should I get?",
        "roadmap for a beginner",
        "is India good for ML?",
        "how much time does it take to make a portfolio?",
        "how much math do I need to get a job?",
        "",
    ],
)
def test_other_questions_are_not_salary_questions(question: str) -> None:
    assert salary_filters_from_text(question) is None


def test_free_text_answers_come_from_the_same_data(knowledge, show) -> None:
    filters = salary_filters_from_text("pay for a senior MLE in Pakistan")
    assert filters is not None
    reply = salary_answer(
        knowledge.salaries,
        filters,
        NO_PROFILE,
        titles=knowledge.article_titles,
        rates=knowledge.exchange_rates,
    )
    assert reply.html == show("pk senior").html
    assert not reply.edit


def test_every_filter_combination_fits_telegram(show) -> None:
    regions = ["", "pk", "india", "us", "global", "all"]
    levels = ["", "intern", "entry", "mid", "senior", "overall", "beginner", "all"]
    profiles = [NO_PROFILE, Profile("india", "beginner"), Profile("us", "senior")]
    for region, level, profile in itertools.product(regions, levels, profiles):
        reply = show(f"{region} {level}", profile)
        valid(reply)
        assert len(reply.html) <= 4096


def test_article_text_and_titles_are_escaped(knowledge) -> None:
    titles = {**knowledge.article_titles, "pakistan-roadmap": "Pay <b>&</b> perks"}
    reply = salary_command(knowledge.salaries, "pk", NO_PROFILE, titles=titles)
    assert "Pay &lt;b&gt;&amp;&lt;/b&gt; perks" in reply.html
    assert "[1] Pay <b>&</b> perks" in valid(reply)


def test_without_titles_the_sources_fall_back_to_article_ids(knowledge) -> None:
    reply = salary_command(knowledge.salaries, "pk", NO_PROFILE)
    assert "[1] pakistan-roadmap" in valid(reply)


def test_parse_reports_unknown_words_and_ignores_filler() -> None:
    parsed = parse_salary_filters("for a senior ML engineer in pk please")
    assert parsed.filters == SalaryFilters("pakistan", "senior")
    assert parsed.unknown == ("please",)


_WORDS = st.sampled_from(
    ["pk", "india", "US", "usa", "senior", "intern", "all", "in", "mid", "<b>", "&", "salary", "x"]
)
_ANY_TEXT = st.one_of(st.text(max_size=80), st.lists(_WORDS, max_size=6).map(" ".join))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(args=_ANY_TEXT)
def test_any_arguments_or_question_give_a_valid_reply(knowledge, args: str) -> None:
    for profile in (NO_PROFILE, Profile("us", "beginner")):
        valid(salary_command(knowledge.salaries, args, profile, rates=knowledge.exchange_rates))
        filters = salary_filters_from_text(args)
        if filters is not None:
            valid(salary_answer(knowledge.salaries, filters, profile))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=st.one_of(st.text(max_size=60), _ANY_TEXT.map(lambda text: "f:" + text)))
def test_any_payload_gives_a_valid_reply(knowledge, payload: str) -> None:
    reply = salary_button(knowledge.salaries, payload, Profile("india", "mid"))
    valid(reply)
    assert reply.edit

"""/salary: answers that lead with the figure, one region's figures only, a compact overview
of every region, conversions when asked, notes only where they apply, filters, buttons,
citations and Telegram-valid HTML."""

from __future__ import annotations

import dataclasses
import itertools
import re
from html import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bot.core.salary_view
from bot.core.profile import Profile
from bot.core.reply import Reply
from bot.core.salary_view import (
    SalaryFilters,
    parse_salary_filters,
    salary_answer,
    salary_button,
    salary_command,
    salary_filters_from_text,
)
from knowledge import KnowledgeBase
from knowledge.career_models import fold_whitespace
from standin.telegram_html import prepare_message_text

NO_PROFILE = Profile()
# What a one-region reply must never show: another region's currency.
FOREIGN_MONEY = {
    "pakistan": ("₹", "$", "lakh"),
    "india": ("PKR", "$"),
    "us": ("PKR", "₹", "lakh"),
}
CALLBACK = re.compile(
    r"^sal:f:(?:pakistan|india|us|global|all):(?:internship|entry|mid|senior|overall|early|all)$"
)
ONE_REGION_TARGET = 700  # visible characters of a one-region answer without conversions
ONE_REGION_CEILING = 1400
OVERVIEW_TARGET = 1200  # visible characters of the every-region overview without conversions
# The overview's lines, one per region, in this order, by how each begins.
REGION_LINE_STARTS = {
    "pakistan": "🇵🇰 Pakistan",
    "india": "🇮🇳 India",
    "us": "🇺🇸 US",
    "global": "🌍 Worldwide",
}
MONEY_SIGNS = {"PKR": ("PKR",), "INR": ("₹", "lakh"), "USD": ("$",)}


def valid(reply: Reply) -> str:
    """The reply's text as Telegram shows it; fails if Telegram would refuse it."""
    parsed = prepare_message_text(reply.html)  # raises on bad HTML or > 4096 characters
    for button in reply.button_list:
        assert button.data.startswith(("sal:", "rm:", "prof:")), button.data
    return parsed.plain


def first_line(reply: Reply) -> str:
    return valid(reply).splitlines()[0]


def region_lines(text: str) -> dict[str, str]:
    """The overview's line of each region it shows."""
    lines = {}
    for line in text.splitlines():
        for region, start in REGION_LINE_STARTS.items():
            if line.startswith((f"{start}:", f"{start}, per ")):
                assert region not in lines, f"two lines for {region}"
                lines[region] = line
    return lines


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
def ask(knowledge: KnowledgeBase):
    """A typed question answered as the dialogue answers it."""

    def ask(question: str, profile: Profile = NO_PROFILE) -> Reply:
        filters = salary_filters_from_text(question)
        assert filters is not None, question
        return salary_answer(
            knowledge.salaries,
            filters,
            profile,
            titles=knowledge.article_titles,
            rates=knowledge.exchange_rates,
        )

    return ask


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


# The first line answers ----------------------------------------------------------------------


def test_one_region_and_level_leads_with_the_cited_figure(show) -> None:
    reply = show("pk entry")
    assert reply.html.startswith(
        "💰 <b>Entry-level ML engineers in 🇵🇰 Pakistan</b>: PKR 80,000 – 150,000 per month [1]\n"
    )
    assert reply.citations[0].n == 1 and reply.citations[0].doc_id == "pakistan-roadmap"
    assert "Entry-Level Machine Learning Engineer (0-2 years)" in reply.citations[0].text


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("india entry", "💰 Entry-level ML engineers in 🇮🇳 India: ₹400,000 to ₹900,000 per annum"),
        ("us senior", "💰 Senior ML engineers in the 🇺🇸 US, per year: $160,000 or more [1]"),
        ("us mid", "💰 Mid-level ML engineers in the 🇺🇸 US, per year: $120,000-$150,000 [1]"),
        ("pk intern", "💰 ML engineering interns in 🇵🇰 Pakistan: PKR 20,000 – 40,000 per month"),
        ("global senior", "💰 Senior ML engineers 🌍 worldwide: ₹1-2 crore+ annually in top"),
        ("us average", "💰 ML engineers overall in the 🇺🇸 US, per year: an average of $148,485"),
    ],
)
def test_first_line_names_the_question_and_gives_the_figure(show, args, expected) -> None:
    assert first_line(show(args)).startswith(expected)


def test_a_region_without_a_level_lists_one_line_per_level(show) -> None:
    lines = valid(show("india")).splitlines()
    assert lines[0] == "💰 ML engineer salaries in 🇮🇳 India"
    figure_lines = [line for line in lines if line.startswith("• ")]
    assert [line.split(":")[0] for line in figure_lines] == [
        "• Entry level (0-2 years)",
        "• Mid level (2-5 years)",
        "• Senior (5+ years)",
        "• Overall",
    ]
    assert all(line.endswith("]") for line in figure_lines)
    us_lines = [line for line in valid(show("us")).splitlines() if line.startswith("• ")]
    assert len(us_lines) == 4  # the four overall US figures share one line


def test_a_city_asked_about_gets_its_own_figure_first(ask, show) -> None:
    line = first_line(ask("ML engineer salary in San Francisco"))
    assert line == (
        "💰 ML engineers overall in the 🇺🇸 US, per year: "
        "an average salary of just under $200,000 in San Francisco [1]"
    )
    assert "just under $170,000 in New York [1]" in first_line(show("nyc"))


def test_uncovered_country_says_so_first_then_the_global_figures(ask, show) -> None:
    reply = ask("salary of ML engineer in Germany")
    text = valid(reply)
    assert text.splitlines()[0] == "The articles don't give ML salaries for Germany."
    assert "exceeding ₹1 crore or $120,000+ in the U.S., Europe and Singapore [1]" in text
    assert "PKR" not in text and "148,485" not in text
    assert [c.doc_id for c in reply.citations] == ["high-earning-pathway"]
    assert len(text) <= ONE_REGION_TARGET
    assert valid(show("germany")) == text  # the command answers the same
    senior = valid(ask("how much does a senior ML engineer earn in Dubai"))
    assert senior.splitlines()[0] == "The articles don't give ML salaries for the UAE."
    assert "₹1-2 crore+ annually" in senior and "exceeding ₹1 crore" not in senior


def test_a_place_inside_the_global_figure_is_not_called_missing(ask) -> None:
    text = valid(ask("ML engineer salary in Europe"))
    assert "don't give" not in text
    assert text.startswith("The articles give no separate ML salaries for Europe")


def test_an_uncovered_country_beside_a_covered_one_is_noted(ask) -> None:
    text = valid(ask("salary in Germany and India"))
    assert text.splitlines()[0] == "💰 ML engineer salaries in 🇮🇳 India"
    assert "The articles give nothing for Germany." in text


def test_no_matching_figures_says_so_and_shows_the_nearest(show) -> None:
    text = valid(show("global mid"))
    lines = text.splitlines()
    assert lines[0] == "💰 Mid-level ML engineers 🌍 worldwide: the articles give no figure."
    assert lines[1] == "What they give 🌍 worldwide, per year:"
    assert "exceeding ₹1 crore" in text
    intern = valid(show("india intern"))  # the nearest level, not every level
    assert "the articles give no figure" in intern.splitlines()[0]
    assert "₹400,000 to ₹900,000" in intern and "₹900,000 to ₹1,500,000" not in intern


# Only the region asked about -------------------------------------------------------------------


@pytest.mark.parametrize("region", ["pakistan", "india", "us"])
@pytest.mark.parametrize("level", ["", "intern", "entry", "mid", "senior", "overall", "beginner"])
def test_a_one_region_reply_never_shows_another_regions_money(show, region, level) -> None:
    text = valid(show(f"{region} {level}"))
    body = text.split("\n[1] ")[0]  # source titles name regions, not amounts
    for money in FOREIGN_MONEY[region]:
        assert money not in body, (region, level, money)


@pytest.mark.parametrize(
    ("question", "region", "absent"),
    [
        ("ML engineer salary in Lahore", "Pakistan", ("₹", "$")),
        ("how much do ML engineers earn in Karachi", "Pakistan", ("₹", "$")),
        ("Bangalore fresher salary", "India", ("PKR", "$")),
        ("salary of a junior ML engineer in Pune", "India", ("PKR", "$")),
        ("ML engineer pay in San Francisco", "US", ("PKR", "₹")),
        ("what's the salary in new york for seniors", "US", ("PKR", "₹")),
    ],
)
def test_cities_count_as_their_country(ask, question, region, absent) -> None:
    text = valid(ask(question))
    assert region in text.splitlines()[0]
    body = text.split("\n[1] ")[0]
    for money in absent:
        assert money not in body, (question, money)


def test_a_city_without_figures_of_its_own_is_said_plainly(ask, show) -> None:
    text = valid(ask("ML engineer salary in Lahore"))
    assert "These are for Pakistan as a whole; the articles give no figures for Lahore alone." in (
        text
    )
    sf_entry = valid(show("sf entry"))
    assert "for SF the articles give only overall pay" in sf_entry
    assert "as a whole" not in valid(ask("ML engineer pay in San Francisco"))


# Conversions: lakh, monthly, yearly, dollars ---------------------------------------------------


def test_indian_figures_are_also_in_lakh_a_year(show) -> None:
    text = valid(show("india"))
    assert "₹400,000 to ₹900,000 per annum (₹4–9 lakh a year) [1]" in text
    assert "₹900,000 to ₹1,500,000 annually (₹9–15 lakh a year) [1]" in text
    assert "or even higher (₹15–30+ lakh a year) [1]" in text
    assert "3.3 lakhs to 22.7 lakhs per year, with an average of 7.4 lakhs [2]" in text  # as said
    assert "Computed: 1 lakh = 100,000." in text


def test_monthly_amounts_when_asked(show, ask) -> None:
    text = valid(show("india entry per month"))
    assert "(₹4–9 lakh a year; ≈ ₹33,300–75,000 a month) [1]" in text
    assert "yearly ÷ 12, rounded" in text
    assert "a month" not in valid(show("india entry"))
    us = valid(ask("how much does an entry level ML engineer make per month in the US"))
    assert "between $70,000 and $90,000 annually (≈ $5,800–7,500 a month) [1]" in us
    pakistan = valid(show("pk entry monthly"))  # already monthly: nothing to compute
    assert "Computed" not in pakistan and "≈" not in pakistan


def test_yearly_amounts_of_monthly_figures_when_asked(show) -> None:
    text = valid(show("pk entry per year"))
    assert "PKR 80,000 – 150,000 per month (PKR 960,000–1,800,000 a year) [1]" in text
    assert "Computed: monthly × 12." in text
    lakh = valid(show("pk senior lpa"))
    assert "PKR 300,000 – 600,000+ per month (PKR 36–72+ lakh a year) [1]" in lakh
    assert "monthly × 12; 1 lakh = 100,000" in lakh
    assert "a year" not in valid(show("pk entry")).split("\n[1]")[0]


def test_dollars_when_asked_labelled_approximate_with_their_date(show, knowledge) -> None:
    date = knowledge.exchange_rates.as_of.isoformat()
    text = valid(show("pk entry usd"))
    assert "PKR 80,000 – 150,000 per month (≈ US$290–540 a month) [1]" in text
    assert f"≈ US$ at approximate mid-2024 market rates, rounded ({date})" in text
    assert text.count(date) == 1
    india = valid(show("india entry in dollars"))
    assert "(₹4–9 lakh a year; ≈ US$4,800–10,800 a year)" in india


def test_overview_converts_to_dollars_only_when_asked(show, ask, knowledge) -> None:
    date = knowledge.exchange_rates.as_of.isoformat()
    asked = ask("how much do ML engineers earn?")
    for text in (valid(show()), valid(show("senior")), valid(asked)):
        assert "≈" not in text and "market rates" not in text and date not in text
    usd = valid(show("usd"))
    assert "entry PKR 80,000 – 150,000 per month (≈ US$290–540 a month);" in usd
    assert "(₹4–9 lakh a year; ≈ US$4,800–10,800 a year);" in usd
    assert f"≈ US$ at approximate mid-2024 market rates, rounded ({date})" in usd
    assert usd.count(date) == 1
    # The article's own dollars next to its crores: no conversion needed.
    assert "overall exceeding ₹1 crore or $120,000+ in the U.S., Europe and Singapore;" in usd
    assert "entry between $70,000 and $90,000 annually; senior $160,000 or more [3]" in usd
    without = valid(show("usd", rates=False))
    assert "≈ US$" not in without and "market rates" not in without


def test_the_year_an_article_gives_is_shown(show) -> None:
    text = valid(show("us"))
    assert "an average of $148,485 (2019)" in text
    assert "Figures without a year are undated and may be out of date." in text
    entry = valid(show("us entry"))
    assert "(20" not in entry and "The article gives no date" in entry


# Notes only where they apply -------------------------------------------------------------------


def test_a_simple_answer_carries_only_the_date_note(show) -> None:
    text = valid(show("pk entry"))
    assert text.split("\n\n")[1:] == [
        "Note\nThe article gives no date, so the figures may be out of date.",
        "[1] ML Engineer career roadmap (Pakistan)",
    ]
    for absent in ("Keep in mind", "Computed", "≈", "sample size", "differ", "exchange"):
        assert absent not in text


def test_the_sample_size_is_noted_beside_figures_without_one(show) -> None:
    assert "Only [2] gives a sample size (1,300 salaries)." in valid(show("india"))
    assert "Based on 1,300 salaries." in valid(show("india overall"))
    assert "sample size" not in valid(show("india entry"))


def test_notes_are_at_most_two_short_lines(show) -> None:
    for args in ("", "india per month usd", "pk lpa usd", "us", "global", "entry"):
        text = valid(show(args))
        notes = text.split("\nNote\n")[1].split("\n\n")[0].splitlines()
        assert 1 <= len(notes) <= 2, args
        assert "Keep in mind" not in text


def test_disagreeing_sources_show_the_range_across_them(show) -> None:
    text = valid(show("us"))
    assert "↔ The 2 sources differ; together they span $70,000–200,000 a year [1][2]" in text
    assert "together they span ₹3.3–30+ lakh a year [1][2]" in valid(show("india"))
    assert "differ" not in valid(show("pk"))  # one source only: nothing to reconcile
    assert "differ" not in valid(show("us entry"))  # one source shown


# Length --------------------------------------------------------------------------------------


@pytest.mark.parametrize("region", ["pk", "india", "us", "global"])
def test_one_region_replies_are_short(show, region) -> None:
    levels = ["", "intern", "entry", "mid", "senior", "overall", "beginner"]
    profiles = [NO_PROFILE, Profile("india", "beginner"), Profile("us", "senior")]
    for level, profile in itertools.product(levels, profiles):
        assert len(valid(show(f"{region} {level}", profile))) <= ONE_REGION_TARGET, level
        for units in ("per month", "lpa", "per year usd", "per month usd"):
            reply = show(f"{region} {level} {units}", profile)
            assert len(valid(reply)) <= ONE_REGION_CEILING, (level, units)


def test_the_overview_fits_telegram(show) -> None:
    for args in ("", "all", "per month usd", "all lpa"):
        reply = show(args)
        assert len(valid(reply)) < 4096 and len(reply.html) <= 4096


def test_a_reply_over_the_limit_drops_figure_lines_but_keeps_notes_and_sources(
    show, monkeypatch
) -> None:
    monkeypatch.setattr(bot.core.salary_view, "MESSAGE_LIMIT", 900)
    reply = show("india per month usd")
    assert len(reply.html) <= 900
    text = valid(reply)
    assert "(more figures: narrow the filters)" in text
    assert "\nNote\n" in text and text.rstrip().endswith(reply.citations[-1].title)
    monkeypatch.setattr(bot.core.salary_view, "MESSAGE_LIMIT", 700)
    overview = show()
    assert len(overview.html) <= 700
    text = valid(overview)
    assert "(more figures: narrow the filters)\nPick a region below for every level." in text
    assert "\nNote\n" in text and text.rstrip().endswith(overview.citations[-1].title)


# The overview of every region ------------------------------------------------------------------


OVERVIEW_LEVELS = ["", "all", "intern", "entry", "mid", "senior", "overall", "beginner"]


def test_the_overview_has_one_line_per_region_then_an_invitation(show, ask) -> None:
    reply = show()
    lines = valid(reply).splitlines()
    assert lines[0] == "💰 ML engineer salaries by region"
    assert lines[1:6] == [
        *region_lines("\n".join(lines)).values(),
        "Pick a region below for every level.",
    ]
    assert [line.split(":")[0] for line in lines[1:5]] == [
        "🇵🇰 Pakistan", "🇮🇳 India", "🇺🇸 US, per year", "🌍 Worldwide, per year"
    ]  # fmt: skip
    assert lines[6:8] == ["", "Note"]
    assert lines[8] == "The articles give no date, so the figures may be out of date."
    for same in (show("all"), show("all all"), ask("how much do ML engineers earn?")):
        assert same.html == reply.html
    clash = ask("salaries in india or pakistan?")  # several regions: every one, compactly
    assert clash.html == reply.html


@pytest.mark.parametrize("level", OVERVIEW_LEVELS)
def test_each_regions_currency_appears_only_on_its_own_line(show, knowledge, level) -> None:
    text = valid(show(level))
    lines = region_lines(text)
    assert lines
    for region, line in lines.items():
        own = {f.currency for f in knowledge.salaries.figures if f.region == region}
        for currency, signs in MONEY_SIGNS.items():
            if currency not in own:
                for sign in signs:
                    assert sign not in line, (level, region, sign)
        assert line.endswith("]") and "US$" not in line
    for line in text.split("\n[1] ")[0].splitlines():
        if line not in lines.values():
            assert not re.search(r"PKR|₹|\$\d", line), line  # amounts only on region lines


@pytest.mark.parametrize("level", OVERVIEW_LEVELS)
def test_the_overview_is_short_for_every_level(show, level) -> None:
    assert len(valid(show(level))) <= OVERVIEW_TARGET, level
    for profile in (Profile(level="beginner"), Profile(level="senior")):
        assert len(valid(show(level, profile))) <= OVERVIEW_TARGET, (level, profile)
    assert len(valid(show(f"{level} usd"))) <= ONE_REGION_CEILING, level


@pytest.mark.parametrize(
    ("args", "heading"),
    [
        ("intern", "💰 ML engineering interns by region"),
        ("entry", "💰 Entry-level ML engineers by region"),
        ("mid", "💰 Mid-level ML engineers by region"),
        ("senior", "💰 Senior ML engineers by region"),
        ("overall", "💰 ML engineers overall by region"),
        ("beginner", "💰 ML interns and entry-level engineers by region"),
        ("all", "💰 ML engineer salaries by region"),
    ],
)
def test_the_overview_first_line_names_the_level_asked(show, args, heading) -> None:
    assert first_line(show(args)) == heading


def test_a_level_asked_gives_that_levels_figure_per_region(show, ask) -> None:
    text = valid(show("senior"))
    assert region_lines(text) == {
        "pakistan": "🇵🇰 Pakistan: PKR 300,000 – 600,000+ per month [1]",
        "india": (
            "🇮🇳 India: ₹1,500,000 to ₹3,000,000 per annum or even higher "
            "(₹15–30+ lakh a year) [2]"
        ),
        "us": "🇺🇸 US, per year: $160,000 or more [3]",
        "global": "🌍 Worldwide: ₹1-2 crore+ annually in top companies [4]",
    }
    assert "Pick a region below for more detail." in text
    assert first_line(ask("What's the salary of an intern?")) == (
        "💰 ML engineering interns by region"
    )


def test_regions_without_the_level_asked_are_named_once(show) -> None:
    intern = valid(show("intern"))
    assert list(region_lines(intern)) == ["pakistan"]
    assert "The articles give no internship figure for 🇮🇳 India, 🇺🇸 US or 🌍 Worldwide." in (
        intern
    )
    assert "The articles give no mid-level figure for 🌍 Worldwide." in valid(show("mid"))
    assert "The articles give no overall figure for 🇵🇰 Pakistan." in valid(show("overall"))
    assert "figure for" not in valid(show()) and "figure for" not in valid(show("senior"))
    beginner = region_lines(valid(show("beginner")))  # two levels: each figure says its own
    assert beginner["pakistan"] == (
        "🇵🇰 Pakistan: intern PKR 20,000 – 40,000 per month; "
        "entry PKR 80,000 – 150,000 per month [1]"
    )
    assert beginner["india"].startswith("🇮🇳 India: entry ₹400,000 to ₹900,000 per annum")


def test_the_overview_notes_stay_short_and_apply(show) -> None:
    overall = valid(show("overall"))
    assert "Only [1] gives a sample size (1,300 salaries)." in overall
    assert "an average of $148,485 (2019)" in overall
    text = valid(show())
    assert "sample size" not in text and "differ" not in text and "Filtered" not in text
    assert "Filtered by your /profile" in valid(show("", Profile(level="senior")))


def test_pressing_a_region_in_the_overview_gives_its_full_view(show, press) -> None:
    for level, pressed_level in (("", "all"), ("senior", "senior")):
        overview = show(level)
        for button in overview.buttons[0][:-1]:
            region = button.data.split(":")[2]
            assert button.data == f"sal:f:{region}:{pressed_level}"
            reply = press(button.data.removeprefix("sal:"))
            assert reply.edit and "by region" not in first_line(reply)
            typed = show(f"{region} {level}")
            assert reply.html == typed.html and reply.buttons == typed.buttons
            assert region_lines(valid(reply)) == {}
    pakistan = valid(press("f:pakistan:all"))
    assert "PKR 20,000 – 40,000 per month" in pakistan and "PKR 150,000 – 300,000" in pakistan
    assert valid(press("f:all:all")) == valid(show())
    assert press("f:all:senior").html == show("senior").html


# Every figure, cited ---------------------------------------------------------------------------


def test_overview_gives_each_regions_range_as_written_with_its_source(show, knowledge) -> None:
    reply = show()
    text = valid(reply)
    written = {figure.id: fold_whitespace(figure.written) for figure in knowledge.salaries.figures}
    lines = region_lines(text)
    assert lines == {
        "pakistan": f"🇵🇰 Pakistan: entry {written['pk-entry']}; senior {written['pk-senior']} [1]",
        "india": (
            f"🇮🇳 India: entry {written['in-entry']} (₹4–9 lakh a year); "
            f"senior {written['in-senior']} (₹15–30+ lakh a year) [2]"
        ),
        "us": f"🇺🇸 US, per year: entry {written['us-entry']}; senior {written['us-senior']} [3]",
        "global": (
            f"🌍 Worldwide, per year: overall {written['gl-crore']} or {written['gl-usd']} "
            f"in the U.S., Europe and Singapore; senior {written['gl-top']} in top companies [4]"
        ),
    }
    assert [c.doc_id for c in reply.citations] == [
        "pakistan-roadmap", "india-career-guide", "step-by-step-guide", "high-earning-pathway"
    ]  # fmt: skip
    for citation in reply.citations:
        assert f"[{citation.n}] {citation.title}" in text
        article = next(a for a in knowledge.articles if a.entry.id == citation.doc_id)
        for quote in citation.text.split("\n"):
            assert fold_whitespace(quote) in fold_whitespace(article.text)
        shown = [f for f in knowledge.salaries.figures if fold_whitespace(f.quote) in citation.text]
        assert shown and all(written[figure.id] in text for figure in shown)
    assert not reply.edit


def test_every_figure_is_one_region_button_away_from_the_overview(show, press, knowledge) -> None:
    overview = show()
    region_buttons = [button.data for button in overview.buttons[0][:-1]]
    assert region_buttons == [f"sal:f:{region}:all" for region in REGION_LINE_STARTS]
    pressed = {data: valid(press(data.removeprefix("sal:"))) for data in region_buttons}
    for figure in knowledge.salaries.figures:
        text = pressed[f"sal:f:{figure.region}:all"]
        assert fold_whitespace(figure.written) in text, figure.id


def test_every_citation_number_in_a_reply_has_its_source(show) -> None:
    for args in ("", "us", "india", "entry", "global", "pk senior usd"):
        reply = show(args)
        text = valid(reply)
        cited = {int(n) for n in re.findall(r"\[(\d)\]", text)}
        assert cited == {c.n for c in reply.citations}, args


# Filters ---------------------------------------------------------------------------------------


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
    assert "PKR" not in text and "$" not in text
    assert show("IND").html == show("in").html == show("Indian").html == show("india").html


def test_entry_us(show) -> None:
    text = valid(show("entry us"))
    assert "between $70,000 and $90,000 annually" in text
    assert "148,485" not in text and "PKR" not in text
    for same in ("us entry", "junior USA", "fresher america", "entry in us", "U.S. entry-level"):
        assert show(same).html == show("entry us").html, same
    for same in ("new grad us", "fresh grad US", "US 0-2 years"):
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


def test_cities_in_commands(show) -> None:
    assert first_line(show("karachi")) == "💰 ML engineer salaries in 🇵🇰 Pakistan"
    assert first_line(show("bangalore entry")).startswith("💰 Entry-level ML engineers in 🇮🇳 India")


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


def test_profile_fills_in_missing_filters(show) -> None:
    profile = Profile("india", "senior")
    text = valid(show("", profile))
    assert text.splitlines()[0].startswith("💰 Senior ML engineers in 🇮🇳 India:")
    assert "Filtered by your /profile" in text.splitlines()[1]
    assert "₹1,500,000 to ₹3,000,000" in text and "₹400,000" not in text
    overridden = valid(show("us", profile))  # typed region wins, level still from the profile
    assert "$160,000 or more" in overridden and "$70,000" not in overridden
    everything = valid(show("all", profile))
    assert "PKR 80,000" in everything and "$70,000" in everything
    assert "Filtered by your /profile" not in everything


def test_a_beginner_profile_sees_internship_and_entry(show) -> None:
    text = valid(show("pk", Profile(level="beginner")))
    assert text.splitlines()[0] == "💰 ML interns and entry-level engineers in 🇵🇰 Pakistan"
    assert "PKR 20,000 – 40,000" in text and "PKR 80,000 – 150,000" in text
    assert "PKR 150,000 – 300,000" not in text
    us = valid(show("us", Profile(level="beginner")))  # no US internship figure
    assert us.splitlines()[0].startswith("💰 Entry-level ML engineers in the 🇺🇸 US:")


def test_parse_reports_unknown_words_and_ignores_filler() -> None:
    parsed = parse_salary_filters("for a senior ML engineer in pk please")
    assert parsed.filters == SalaryFilters("pakistan", "senior")
    assert parsed.unknown == ("please",)


def test_parse_reads_units_and_uncovered_places_in_commands() -> None:
    parsed = parse_salary_filters("germany senior usd")
    assert parsed.unknown == () and parsed.clashes == ()
    assert parsed.filters == SalaryFilters(
        None, "senior", units=frozenset({"usd"}), uncovered=("Germany",)
    )


def test_salary_filters_stay_frozen_and_backwards_compatible() -> None:
    filters = SalaryFilters("india", "entry")
    assert filters == SalaryFilters("india", "entry", frozenset(), ())
    assert filters.units == frozenset() and filters.uncovered == () and filters.city is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        filters.region = "us"  # type: ignore[misc]


# Buttons ---------------------------------------------------------------------------------------


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


def test_callback_data_is_small_and_well_formed(show, ask) -> None:
    replies = [show(args) for args in ("", "pk entry", "india", "mars", "germany", "pk lpa")]
    replies.append(ask("how much does a fresher earn in bangalore in LPA"))
    for reply in replies:
        for button in reply.button_list:
            assert len(button.data.encode("utf-8")) <= 64
            assert CALLBACK.match(button.data), button.data


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


# Typed questions -------------------------------------------------------------------------------


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
        (
            "What is the CTC for mid level in India",
            SalaryFilters("india", "mid", units=frozenset({"lakh"})),
        ),
        ("salary in Lahore", SalaryFilters("pakistan", None, city="Lahore")),
        ("Bangalore fresher salary", SalaryFilters("india", "entry", city="Bangalore")),
        ("ML salary in San Francisco", SalaryFilters("us", None, city="San Francisco")),
        ("salary of a fresh grad in India", SalaryFilters("india", "entry")),
        ("new grad ML engineer salary", SalaryFilters(None, "entry")),
        ("what's the average salary of a fresher in india", SalaryFilters("india", "entry")),
        ("salary for a beginner in pakistan", SalaryFilters("pakistan", "early")),
        ("fresher salary with 1 year of experience", SalaryFilters(None, "entry")),
        (
            "how much does a fresher earn in bangalore in LPA",
            SalaryFilters("india", "entry", units=frozenset({"lakh"}), city="Bangalore"),
        ),
        (
            "ML engineer salary in Lahore per month",
            SalaryFilters("pakistan", None, units=frozenset({"month"}), city="Lahore"),
        ),
        ("salary of ML engineer in Germany", SalaryFilters(uncovered=("Germany",))),
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


@pytest.mark.parametrize(
    "question",
    [
        "what factors affect an ML engineer's salary?",
        "which industries pay ML engineers the most?",
        "besides base pay, what perks come with an ML job",
        "how do I negotiate a higher salary offer?",
        "so what do MLEs actually get paid to do all day?",
        "why do ML engineers earn so much?",
        "I work in a bank as a business analyst and earn well, but I'm bored. Should I move "
        "into machine learning even if the pay drops at first?",
    ],
)
def test_questions_about_more_than_the_figures_are_left_to_the_articles(question: str) -> None:
    """The table of figures would not answer them; the passages about pay do."""
    assert salary_filters_from_text(question) is None


@pytest.mark.parametrize(
    "question",
    [
        "what's the highest salary an ML engineer can get in the US?",
        "ML engineer pay scale pakistan",
        "average salary of an MLE with 3 years of experience in india",
        "starting salary in rupees for ML freshers",
    ],
)
def test_asking_for_the_figures_in_other_words_still_gets_the_table(question: str) -> None:
    assert salary_filters_from_text(question) is not None


def test_free_text_answers_come_from_the_same_data(ask, show) -> None:
    reply = ask("pay for a senior MLE in Pakistan")
    assert reply.html == show("pk senior").html
    assert not reply.edit


def test_the_examples_of_the_brief(ask, show) -> None:
    bangalore = valid(ask("how much does a fresher earn in bangalore in LPA"))
    assert bangalore.splitlines()[0] == (
        "💰 Entry-level ML engineers in 🇮🇳 India: "
        "₹400,000 to ₹900,000 per annum (₹4–9 lakh a year) [1]"
    )
    lahore = valid(ask("ML engineer salary in Lahore per month"))
    assert lahore.splitlines()[0] == "💰 ML engineer salaries in 🇵🇰 Pakistan"
    assert "• Entry level (0-2 years): PKR 80,000 – 150,000 per month [1]" in lahore
    for text in (bangalore, lahore, valid(show("pk entry")), valid(show("india"))):
        assert len(text) <= ONE_REGION_TARGET


# Robustness ------------------------------------------------------------------------------------


def test_every_filter_combination_fits_telegram(show) -> None:
    regions = ["", "pk", "india", "us", "global", "all", "lahore", "germany"]
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


def test_a_typed_city_is_escaped(ask) -> None:
    reply = ask("salary in LAHORE<b> & more")
    assert "LAHORE" in valid(reply) and "<b> &" not in reply.html


def test_without_titles_the_sources_fall_back_to_article_ids(knowledge) -> None:
    reply = salary_command(knowledge.salaries, "pk", NO_PROFILE)
    assert "[1] pakistan-roadmap" in valid(reply)


_WORDS = st.sampled_from(
    [
        "pk", "india", "US", "usa", "senior", "intern", "all", "in", "mid", "<b>", "&", "salary",
        "x", "lahore", "germany", "lpa", "per month", "usd", "fresher", "average", "sf",
    ]
)  # fmt: skip
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


@pytest.mark.parametrize(
    ("question", "level"),
    [
        ("how much does an ML engineer with 3 yrs exp make in Karachi per month roughly?",
         "Mid-level"),
        ("senior ML engineer salary karachi 5+ yrs exp", "Senior"),
    ],
)
def test_years_written_short_get_the_figure_of_their_level(advisor, question, level) -> None:
    from bot.core.dialogue import Dialogue
    from evaluation.replies import visible_text

    reply = visible_text(Dialogue(advisor).search_answer(question).reply.html)
    assert reply.startswith(f"💰 {level} ML engineers in 🇵🇰 Pakistan"), reply.splitlines()[0]


@pytest.mark.parametrize("args", ["", "india", "senior", "us"])
def test_every_figure_shown_has_its_own_sentence_in_the_citation(show, knowledge, args) -> None:
    # the overview's line "entry …; senior … [1]" cited the senior figure's sentence alone
    reply = show(args)
    shown = [f for f in knowledge.salaries.figures if escape(f.written) in reply.html]
    assert shown, reply.html
    for figure in shown:
        cited = [c.text for c in reply.citations if c.doc_id == figure.source]
        assert cited and figure.quote in cited[0], (figure.written, cited)

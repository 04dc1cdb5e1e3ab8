"""salaries.yaml and exchange_rates.yaml: every figure in the articles, cited, computed right."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge import KnowledgeBase, KnowledgeError, annual_amount, load_knowledge
from knowledge.career_models import UNIT_MULTIPLIERS, fold_whitespace, sentence_around

# A currency figure: a currency marker, then a number, maybe "lakh"/"crore", maybe a range
# ("– 40,000", "-2 crore", "to ₹900,000"). Bare "3.3 lakhs" counts too (lakh implies rupees).
NUMBER = r"\d[\d,]*(?:\.\d+)?"
MULTIPLIER = r"(?i:lakhs?|crores?)"
MARKER = r"(?:\bPKR|\bRs\.?|US\$|₹|\$)"
MONEY = re.compile(rf"(?P<marker>{MARKER})\s*(?P<num>{NUMBER})(?:\s*(?P<mult>{MULTIPLIER})\b)?")
RANGE_TAIL = re.compile(
    rf"\s*(?:[-–—]|\bto\b)\s*(?:{MARKER})?\s*(?P<num>{NUMBER})(?:\s*(?P<mult>{MULTIPLIER})\b)?"
)
BARE_RUPEES = re.compile(rf"(?<![\d.,$₹])(?P<num>{NUMBER})\s*(?P<mult>{MULTIPLIER})\b")
CURRENCIES = {"PKR": {"PKR"}, "Rs": {"PKR", "INR"}, "Rs.": {"PKR", "INR"}, "₹": {"INR"}}


def _unit(multiplier: str | None) -> str:
    if not multiplier:
        return "one"
    return "crore" if multiplier.lower().startswith("crore") else "lakh"


def currency_figures(text: str) -> list[tuple[frozenset[str], int, str]]:
    """(possible currencies, amount in plain currency units, matched text) for each figure."""
    found: list[tuple[frozenset[str], int, str]] = []
    covered: list[tuple[int, int]] = []
    for match in MONEY.finditer(text):
        if covered and match.start() < covered[-1][1]:
            continue  # the second half of a range already read ("$120,000-$150,000")
        marker = match["marker"]
        currencies = frozenset(CURRENCIES.get(marker, {"USD"}))
        numbers = [(match["num"], match["mult"])]
        end = match.end()
        while (tail := RANGE_TAIL.match(text, end)) is not None:
            numbers.append((tail["num"], tail["mult"]))
            end = tail.end()
        # "₹1-2 crore": a multiplier after the range applies to the whole range.
        last_multiplier = numbers[-1][1]
        for number, multiplier in numbers:
            unit = _unit(multiplier or last_multiplier)
            amount = round(float(number.replace(",", "")) * UNIT_MULTIPLIERS[unit])
            found.append((currencies, amount, text[match.start() : end]))
        covered.append((match.start(), end))
    for match in BARE_RUPEES.finditer(text):
        if any(start <= match.start() < stop for start, stop in covered):
            continue
        unit = _unit(match["mult"])
        amount = round(float(match["num"].replace(",", "")) * UNIT_MULTIPLIERS[unit])
        found.append((frozenset({"INR"}), amount, match.group(0)))
    return found


def _stated(knowledge: KnowledgeBase) -> set[tuple[str, str, int]]:
    """(article, currency, amount per period in plain units) for every salaries.yaml figure."""
    stated = set()
    for figure in knowledge.salaries.figures:
        for amount in (figure.min, figure.max, figure.average):
            if amount is not None:
                plain = round(amount * UNIT_MULTIPLIERS[figure.unit])
                stated.add((figure.source, figure.currency, plain))
    return stated


def test_the_scanner_reads_every_shape_the_articles_use() -> None:
    text = (
        "PKR 20,000 – 40,000 per month; ₹1-2 crore+; between $70,000 and $90,000; "
        "$120,000-$150,000; 3.3 lakhs to 22.7 lakhs; ₹400,000 to ₹900,000; Rs. 5 lakh; "
        "US$ 1,000; 2-4 years, 1.3k salaries, 30% of managers"
    )
    amounts = [(sorted(currencies), amount) for currencies, amount, _ in currency_figures(text)]
    assert amounts == [
        (["PKR"], 20_000),
        (["PKR"], 40_000),
        (["INR"], 10_000_000),
        (["INR"], 20_000_000),
        (["USD"], 70_000),
        (["USD"], 90_000),
        (["USD"], 120_000),
        (["USD"], 150_000),
        (["INR"], 400_000),
        (["INR"], 900_000),
        (["INR", "PKR"], 500_000),
        (["USD"], 1_000),
        (["INR"], 330_000),
        (["INR"], 2_270_000),
    ]


def test_every_currency_figure_in_every_article_is_in_salaries_yaml(knowledge) -> None:
    stated = _stated(knowledge)
    missing = []
    scanned = 0
    for article in knowledge.articles:
        for currencies, amount, context in currency_figures(article.text):
            scanned += 1
            if not any((article.entry.id, cur, amount) in stated for cur in currencies):
                missing.append(f"{article.entry.id}: {context!r} ({amount:,})")
    assert not missing, "figures missing from salaries.yaml:\n" + "\n".join(missing)
    assert scanned >= 30  # the scan really ran over the salary sections


def test_a_new_article_with_an_unlisted_figure_is_caught(knowledge_copy: Path) -> None:
    (knowledge_copy / "articles" / "pakistan-roadmap.txt").write_text(
        (knowledge_copy / "articles" / "pakistan-roadmap.txt").read_text(encoding="utf-8")
        + "\nPrincipal engineers: PKR 900,000 – 1,200,000 per month\n",
        encoding="utf-8",
    )
    knowledge = load_knowledge(knowledge_copy)
    stated = _stated(knowledge)
    article = next(a for a in knowledge.articles if a.entry.id == "pakistan-roadmap")
    unlisted = {
        amount
        for currencies, amount, _ in currency_figures(article.text)
        if not any(("pakistan-roadmap", cur, amount) in stated for cur in currencies)
    }
    assert unlisted == {900_000, 1_200_000}


def test_every_figure_states_only_the_numbers_it_was_written_with(knowledge) -> None:
    for figure in knowledge.salaries.figures:
        written = {amount for _, amount, _ in currency_figures(figure.written)}
        stated = {
            round(amount * UNIT_MULTIPLIERS[figure.unit])
            for amount in (figure.min, figure.max, figure.average)
            if amount is not None
        }
        assert written == stated, figure.id


def test_every_quote_and_written_figure_is_in_its_article(knowledge) -> None:
    texts = {article.entry.id: fold_whitespace(article.text) for article in knowledge.articles}
    for figure in knowledge.salaries.figures:
        assert fold_whitespace(figure.quote) in texts[figure.source], figure.id
        assert fold_whitespace(figure.written) in fold_whitespace(figure.quote), figure.id


def test_periods_match_the_wording(knowledge) -> None:
    for figure in knowledge.salaries.figures:
        monthly = "per month" in figure.written
        assert (figure.period == "month") == monthly, figure.id


def test_figures_cover_every_region_level_and_the_sources_that_give_pay(knowledge) -> None:
    figures = knowledge.salaries.figures
    regions_levels = {(figure.region, figure.level) for figure in figures}
    for level in ("internship", "entry", "mid", "senior"):
        assert ("pakistan", level) in regions_levels
    for level in ("entry", "mid", "senior", "overall"):
        assert ("india", level) in regions_levels
        assert ("us", level) in regions_levels
    assert {figure.source for figure in figures} == {a.entry.id for a in knowledge.articles}
    assert len({figure.id for figure in figures}) == len(figures)
    assert all(len(figure.id) <= 12 for figure in figures)


def test_the_one_stated_sample_size(knowledge) -> None:
    sampled = [figure for figure in knowledge.salaries.figures if figure.sample_size]
    assert [(figure.id, figure.sample_size) for figure in sampled] == [("in-overall", 1300)]


def test_years_are_set_where_the_article_gives_one(knowledge) -> None:
    dated = {figure.id: figure.year for figure in knowledge.salaries.figures if figure.year}
    assert dated == {"us-avg": 2019}  # "the best job in 2019 for a reason: they earn ..."
    texts = {article.entry.id: fold_whitespace(article.text) for article in knowledge.articles}
    for figure in knowledge.salaries.figures:
        sentence = sentence_around(texts[figure.source], fold_whitespace(figure.quote))
        assert sentence is not None, figure.id
        years = set(re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", sentence))
        # Every year stated beside a figure is on it; none is made up.
        assert years == ({str(figure.year)} if figure.year else set()), figure.id


def test_the_sentence_around_a_quote() -> None:
    text = "Salaries vary. In 2019 it was the best job: they earn $1. Then - item A - item B"
    assert sentence_around(text, "they earn $1.") == "In 2019 it was the best job: they earn $1."
    assert sentence_around(text, "they earn") == "In 2019 it was the best job: they earn $1."
    assert sentence_around(text, "item A") == "item A"  # list bullets end a sentence too
    assert sentence_around(text, "Salaries") == "Salaries vary."
    assert sentence_around(text, "not there") is None


@pytest.mark.parametrize(
    ("amount", "unit", "period", "expected"),
    [
        (20_000, "one", "month", 240_000),
        (600_000, "one", "month", 7_200_000),
        (3.3, "lakh", "year", 330_000),
        (22.7, "lakh", "year", 2_270_000),
        (7.4, "lakh", "year", 740_000),
        (1, "crore", "year", 10_000_000),
        (2, "crore", "year", 20_000_000),
        (148_485, "one", "year", 148_485),
        (1.5, "thousand", "month", 18_000),
    ],
)
def test_annual_amount(amount: float, unit: str, period: str, expected: int) -> None:
    assert annual_amount(amount, unit, period) == expected


def test_normalized_amounts_of_real_figures(knowledge) -> None:
    by_id = {figure.id: figure for figure in knowledge.salaries.figures}
    assert by_id["pk-intern"].annual_amounts == (240_000, 480_000)
    assert by_id["pk-senior"].annual_min == 3_600_000
    assert by_id["pk-senior"].annual_max == 7_200_000 and by_id["pk-senior"].open_ended
    assert by_id["in-overall"].annual_amounts == (330_000, 2_270_000, 740_000)
    assert by_id["gl-top"].annual_amounts == (10_000_000, 20_000_000)
    assert by_id["us-avg"].annual_average == 148_485
    assert by_id["us-senior"].annual_max is None


def test_exchange_rates_are_dated_and_cover_every_currency(knowledge) -> None:
    rates = knowledge.exchange_rates
    assert rates is not None
    assert rates.as_of.year >= 2024
    assert "approximate" in rates.note
    assert set(rates.per_usd) == {"PKR", "INR"}
    assert rates.to_usd(278, "PKR") == pytest.approx(278 / rates.per_usd["PKR"])
    assert rates.to_usd(100, "USD") == 100


# Broken files ------------------------------------------------------------------------------


def _edit(root: Path, name: str, edit: Callable[[Any], None]) -> None:
    path = root / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _figure(index: int, **changes: Any) -> Callable[[Any], None]:
    def edit(data: Any) -> None:
        data["figures"][index].update(changes)

    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_figure(3, currency="EUR"), r"salaries\.yaml: figures\[3\]\.currency: Input should be"),
        (_figure(0, min=50_000), r"salaries\.yaml: figures\[0\]: .*min 50000 is greater than"),
        (_figure(2, source="no-such"), r"figures\[2\]\.source: .*unknown article 'no-such'"),
        (_figure(1, quote="PKR 1 per month"), r"figures\[1\]\.quote: .*quote not found"),
        (_figure(0, written="PKR 1"), r"figures\[0\]\.quote: .*does not contain the written"),
        (_figure(4, region="mars"), r"figures\[4\]\.region: Input should be"),
        (_figure(4, period="week"), r"figures\[4\]\.period: Input should be"),
        (_figure(5, id="a-much-too-long-id"), r"figures\[5\]\.id: String should have at most"),
        (_figure(0, salary=1), r"figures\[0\]\.salary: Extra inputs are not permitted"),
        (_figure(7, average=-3), r"figures\[7\]\.average: Input should be greater than 0"),
        (_figure(11, average=99), r"figures\[11\]: .*average 99 is outside min-max"),
        (_figure(1, id="pk-intern"), r"salaries\.yaml: figures: .*duplicate figure id"),
        # us-top follows the "best job in 2019" sentence but is not in it.
        (_figure(8, year=2019), r"figures\[8\]\.year: .*year 2019 is not in the quote or the"),
        (_figure(7, year=2020), r"figures\[7\]\.year: .*year 2020 is not in the quote"),
        (_figure(7, year=1066), r"figures\[7\]\.year: Input should be greater than or equal"),
        (_figure(7, year="soon"), r"figures\[7\]\.year: Input should be a valid integer"),
        (lambda data: data.update(caveats=["x"]), r"caveats: Extra inputs are not permitted"),
    ],
)
def test_a_broken_figure_names_file_and_field(
    knowledge_copy: Path, edit: Callable[[Any], None], message: str
) -> None:
    _edit(knowledge_copy, "salaries.yaml", edit)
    with pytest.raises(KnowledgeError, match=message):
        load_knowledge(knowledge_copy)


def test_a_year_in_the_quote_itself_is_accepted(knowledge_copy: Path) -> None:
    sentence = (
        "Indeed named Machine Learning Engineer is the best job in 2019 for a reason: they earn "
        "an average of $148,485 in the United States, according to the site."
    )
    _edit(knowledge_copy, "salaries.yaml", _figure(7, quote=sentence, year=2019))
    figure = load_knowledge(knowledge_copy).salaries.figures[7]
    assert (figure.id, figure.year, figure.quote) == ("us-avg", 2019, sentence)


def test_a_figure_without_amounts_is_refused(knowledge_copy: Path) -> None:
    def strip_amounts(data: Any) -> None:
        for key in ("min", "max", "average"):
            data["figures"][0].pop(key, None)

    _edit(knowledge_copy, "salaries.yaml", strip_amounts)
    with pytest.raises(KnowledgeError, match=r"figures\[0\]: .*at least one of min, max"):
        load_knowledge(knowledge_copy)


def test_missing_salaries_file_is_named(knowledge_copy: Path) -> None:
    (knowledge_copy / "salaries.yaml").unlink()
    with pytest.raises(KnowledgeError, match=r"salaries\.yaml: file not found"):
        load_knowledge(knowledge_copy)


def test_exchange_rates_are_optional(knowledge_copy: Path) -> None:
    (knowledge_copy / "exchange_rates.yaml").unlink()
    assert load_knowledge(knowledge_copy).exchange_rates is None


def test_a_missing_exchange_rate_is_named(knowledge_copy: Path) -> None:
    _edit(knowledge_copy, "exchange_rates.yaml", lambda data: data["per_usd"].pop("INR"))
    with pytest.raises(KnowledgeError, match=r"exchange_rates\.yaml: per_usd: no rate for INR"):
        load_knowledge(knowledge_copy)


def test_a_bad_exchange_rate_date_is_named(knowledge_copy: Path) -> None:
    _edit(knowledge_copy, "exchange_rates.yaml", lambda data: data.update(as_of="soon"))
    with pytest.raises(KnowledgeError, match=r"exchange_rates\.yaml: as_of: "):
        load_knowledge(knowledge_copy)

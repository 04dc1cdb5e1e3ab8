"""Pydantic models for the structured career data: roadmap.yaml, salaries.yaml, exchange rates.

Checks that need the articles (known article ids, quotes found verbatim in the article,
resources named by a cited article) run when a validation context is given:
``{"articles": {article_id: text}}``. The loader always gives it, so the bot never starts with a
quote it cannot back up.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import (
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from knowledge.models import StrictModel

# Short ids: they travel in button callback data (64 bytes) and in saved progress.
ShortId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=12)]
ArticleId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=40)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]

RoadmapLevel = Literal["beginner", "intermediate", "advanced"]
SalaryRegion = Literal["pakistan", "india", "us", "global"]
SalaryLevel = Literal["internship", "entry", "mid", "senior", "overall"]
Currency = Literal["PKR", "INR", "USD"]
AmountUnit = Literal["one", "thousand", "lakh", "crore"]
Period = Literal["month", "year"]

ROADMAP_LEVELS: tuple[RoadmapLevel, ...] = ("beginner", "intermediate", "advanced")
SALARY_REGIONS: tuple[SalaryRegion, ...] = ("pakistan", "india", "us", "global")
SALARY_LEVELS: tuple[SalaryLevel, ...] = ("internship", "entry", "mid", "senior", "overall")
UNIT_MULTIPLIERS: dict[str, int] = {
    "one": 1,
    "thousand": 1_000,
    "lakh": 100_000,
    "crore": 10_000_000,
}
PERIODS_PER_YEAR: dict[str, int] = {"month": 12, "year": 1}


def fold_whitespace(text: str) -> str:
    """Text with every run of whitespace made one space: how quotes are matched to articles."""
    return " ".join(text.split())


def annual_amount(amount: float, unit: str, period: str) -> int:
    """An amount as written (e.g. 3.3 lakh per year, 20,000 per month) in currency units a year."""
    # Rounded because the articles' figures are whole currency units; 3.3 * 100000 is not exact.
    return round(amount * UNIT_MULTIPLIERS[unit] * PERIODS_PER_YEAR[period])


def _article_texts(info: ValidationInfo) -> dict[str, str] | None:
    context = info.context
    if isinstance(context, dict) and isinstance(context.get("articles"), dict):
        return context["articles"]
    return None


def _folded_articles(info: ValidationInfo, lower: bool = False) -> dict[str, str] | None:
    """The articles with whitespace folded (and lowercased, with ``lower``), made once per
    validation context: the loader passes one context to every file."""
    context = info.context
    texts = _article_texts(info)
    if texts is None or not isinstance(context, dict):
        return None
    key = "_folded_lower" if lower else "_folded"
    folded = context.get(key)
    if folded is None:
        folded = {article_id: fold_whitespace(text) for article_id, text in texts.items()}
        if lower:
            folded = {article_id: text.lower() for article_id, text in folded.items()}
        context[key] = folded
    return folded


def check_article(article_id: str, info: ValidationInfo) -> str:
    texts = _article_texts(info)
    if texts is not None and article_id not in texts:
        known = ", ".join(sorted(texts))
        raise ValueError(f"unknown article {article_id!r} (known: {known})")
    return article_id


# Where a sentence ends in whitespace-folded article text: . ! or ? before a space, or a list
# bullet between items (the articles' salary lists are bullets without full stops).
_SENTENCE_BREAK = re.compile(r"[.!?](?= )| [-•] ")


def sentence_around(text: str, part: str) -> str | None:
    """The sentence(s) of text that contain part (both whitespace-folded), or None."""
    start = text.find(part)
    if start < 0:
        return None
    begin = max((m.end() for m in _SENTENCE_BREAK.finditer(text, 0, start)), default=0)
    # From the part's last character on, so a full stop ending the part ends the sentence.
    stop = _SENTENCE_BREAK.search(text, max(start, start + len(part) - 1))
    return text[begin : stop.start() + 1 if stop else len(text)].strip()


def check_quote(quote: str, article_id: str | None, info: ValidationInfo) -> str:
    folded = _folded_articles(info)
    if folded is None or article_id is None or article_id not in folded:
        return quote  # the article id itself is reported by its own field
    if fold_whitespace(quote) not in folded[article_id]:
        raise ValueError(f"quote not found in article {article_id!r}: {quote[:60]!r}")
    return quote


def _unique_ids(ids: Iterable[str], kind: str) -> None:
    seen: set[str] = set()
    for entry_id in ids:
        if entry_id in seen:
            raise ValueError(f"duplicate {kind} id {entry_id!r}")
        seen.add(entry_id)


# Roadmap ----------------------------------------------------------------------------------------


class SourceQuote(StrictModel):
    """An article that recommends a roadmap item, with its own words."""

    article: ArticleId
    quote: Text

    @field_validator("article")
    @classmethod
    def _known_article(cls, article: str, info: ValidationInfo) -> str:
        return check_article(article, info)

    @field_validator("quote")
    @classmethod
    def _quote_in_article(cls, quote: str, info: ValidationInfo) -> str:
        return check_quote(quote, info.data.get("article"), info)


class RoadmapItem(StrictModel):
    """One thing to learn or do, with the articles that recommend it."""

    id: ShortId
    title: Label
    detail: Text
    # sources before resources: pydantic validates in declaration order, and the resources
    # check needs the sources.
    sources: tuple[SourceQuote, ...] = Field(min_length=1)
    resources: tuple[Text, ...] = ()

    @field_validator("resources")
    @classmethod
    def _resources_named_by_sources(
        cls, resources: tuple[str, ...], info: ValidationInfo
    ) -> tuple[str, ...]:
        # A resource the articles never name would be advice from nowhere.
        folded = _folded_articles(info, lower=True)
        sources: tuple[SourceQuote, ...] | None = info.data.get("sources")
        if folded is None or sources is None:
            return resources
        texts = [folded.get(source.article, "") for source in sources]
        for resource in resources:
            if not any(fold_whitespace(resource).lower() in text for text in texts):
                raise ValueError(f"resource {resource!r} is not named in any cited article")
        return resources

    @property
    def article_ids(self) -> tuple[str, ...]:
        """The distinct recommending articles, in the order they are cited."""
        return tuple(dict.fromkeys(source.article for source in self.sources))


class RoadmapStage(StrictModel):
    id: ShortId
    title: Label
    goal: Text
    items: tuple[RoadmapItem, ...] = Field(min_length=1)

    @field_validator("items")
    @classmethod
    def _unique_item_ids(cls, items: tuple[RoadmapItem, ...]) -> tuple[RoadmapItem, ...]:
        _unique_ids((item.id for item in items), "item")
        return items


class Roadmap(StrictModel):
    """The consolidated roadmap: ordered stages, and where each level starts."""

    starts: dict[RoadmapLevel, ShortId]
    stages: tuple[RoadmapStage, ...] = Field(min_length=1)

    @field_validator("stages")
    @classmethod
    def _unique_ids_across_stages(
        cls, stages: tuple[RoadmapStage, ...]
    ) -> tuple[RoadmapStage, ...]:
        _unique_ids((stage.id for stage in stages), "stage")
        # Progress is stored as a set of item ids, so an id must be unique across stages too.
        _unique_ids((item.id for stage in stages for item in stage.items), "item")
        return stages

    @model_validator(mode="after")
    def _starts_name_stages(self) -> Roadmap:
        stage_ids = {stage.id for stage in self.stages}
        missing = [level for level in ROADMAP_LEVELS if level not in self.starts]
        if missing:
            raise ValueError(f"starts: no stage for {', '.join(missing)}")
        for level, stage_id in self.starts.items():
            if stage_id not in stage_ids:
                raise ValueError(f"starts.{level}: no stage {stage_id!r}")
        return self

    def stage(self, stage_id: str) -> RoadmapStage | None:
        return next((stage for stage in self.stages if stage.id == stage_id), None)

    def stage_index(self, stage_id: str) -> int | None:
        for index, stage in enumerate(self.stages):
            if stage.id == stage_id:
                return index
        return None

    @property
    def item_ids(self) -> frozenset[str]:
        return frozenset(item.id for stage in self.stages for item in stage.items)


# Salaries ---------------------------------------------------------------------------------------


class SalaryFigure(StrictModel):
    """One salary figure as an article gives it; yearly amounts are computed, not typed."""

    id: ShortId
    source: ArticleId
    region: SalaryRegion
    place: Label | None = None
    level: SalaryLevel
    experience: Label | None = None
    currency: Currency
    unit: AmountUnit = "one"
    period: Period
    min: float | None = Field(default=None, gt=0)
    max: float | None = Field(default=None, gt=0)
    average: float | None = Field(default=None, gt=0)
    open_ended: bool = False
    qualifier: Label | None = None
    sample_size: int | None = Field(default=None, gt=0)
    written: Text
    quote: Text
    # The year the article gives the figure for ("the best job in 2019"): shown with it, since
    # a dated figure can be judged for its age. After quote: its check reads the quote.
    year: int | None = Field(default=None, ge=1990, le=2100)

    @field_validator("source")
    @classmethod
    def _known_article(cls, source: str, info: ValidationInfo) -> str:
        return check_article(source, info)

    @field_validator("quote")
    @classmethod
    def _quote_in_article(cls, quote: str, info: ValidationInfo) -> str:
        quote = check_quote(quote, info.data.get("source"), info)
        written = info.data.get("written")
        if written is not None and fold_whitespace(written) not in fold_whitespace(quote):
            raise ValueError(f"the quote does not contain the written figure {written!r}")
        return quote

    @field_validator("year")
    @classmethod
    def _year_in_article(cls, year: int | None, info: ValidationInfo) -> int | None:
        # A year the article does not state next to the figure would be a guess.
        quote = info.data.get("quote")
        if year is None or quote is None:
            return year
        said = re.compile(rf"(?<!\d){year}(?!\d)")
        if said.search(quote):
            return year
        folded = _folded_articles(info)
        article = None if folded is None else folded.get(info.data.get("source", ""))
        if article is None:
            return year  # no articles to check against (the source is reported by its field)
        sentence = sentence_around(article, fold_whitespace(quote))
        if sentence is None or not said.search(sentence):
            raise ValueError(f"year {year} is not in the quote or the article sentence around it")
        return year

    @model_validator(mode="after")
    def _consistent_amounts(self) -> SalaryFigure:
        if self.min is None and self.max is None and self.average is None:
            raise ValueError("give at least one of min, max, average")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is greater than max {self.max:g}")
        low = self.min if self.min is not None else 0
        high = self.max if self.max is not None and not self.open_ended else float("inf")
        if self.average is not None and not low <= self.average <= high:
            raise ValueError(f"average {self.average:g} is outside min-max")
        return self

    def _annual(self, amount: float | None) -> int | None:
        return None if amount is None else annual_amount(amount, self.unit, self.period)

    @property
    def annual_min(self) -> int | None:
        return self._annual(self.min)

    @property
    def annual_max(self) -> int | None:
        return self._annual(self.max)

    @property
    def annual_average(self) -> int | None:
        return self._annual(self.average)

    @property
    def annual_amounts(self) -> tuple[int, ...]:
        """Every yearly amount this figure states, in currency units."""
        amounts = (self.annual_min, self.annual_max, self.annual_average)
        return tuple(amount for amount in amounts if amount is not None)


class Salaries(StrictModel):
    """Every salary figure in the articles. Caveats are not stored: the view words them from
    the figures it shows (no year, a sample size or none, computed amounts)."""

    figures: tuple[SalaryFigure, ...] = Field(min_length=1)

    @field_validator("figures")
    @classmethod
    def _unique_figure_ids(cls, figures: tuple[SalaryFigure, ...]) -> tuple[SalaryFigure, ...]:
        _unique_ids((figure.id for figure in figures), "figure")
        return figures


class ExchangeRates(StrictModel):
    """Approximate rates for a rough US-dollar equivalent; dated, and labelled approximate."""

    as_of: datetime.date
    note: Text
    per_usd: dict[Currency, Annotated[float, Field(gt=0)]] = Field(min_length=1)

    def to_usd(self, amount: float, currency: str) -> float | None:
        if currency == "USD":
            return amount
        rate = self.per_usd.get(currency)  # type: ignore[call-overload]
        return None if rate is None else amount / rate


def missing_rates(rates: ExchangeRates, salaries: Salaries) -> tuple[str, ...]:
    """Currencies used by salary figures that have no exchange rate."""
    used = {figure.currency for figure in salaries.figures} - {"USD"}
    return tuple(sorted(used - set(rates.per_usd)))

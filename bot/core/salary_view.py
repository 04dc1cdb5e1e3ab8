"""/salary and typed pay questions: what ML engineers earn, answered like an advisor would.

The first line answers: it names the region and level asked about and, for one region and one
level, gives the article's figure itself, cited. A one-region reply shows only that region's
figures, so never an amount in another region's currency (unless US$ is asked for). When no
single region is asked, a compact overview gives one line per region (its entry and senior
ends, or the level asked) and invites a region for the rest. Every figure is shown as its
article words it; what is computed from it follows in brackets: Indian pay in lakh a year, a
monthly or yearly equivalent when asked, ≈ US$ when asked. Notes are short and only those that
apply to the figures shown.

Words for regions (and their cities), levels and pay units come from the lexicon
(knowledge/lexicon.yaml), so "Lahore", "fresher" or "LPA" mean what they mean elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from bot.core.buttons import Action, button_data, payload_parts
from bot.core.citation import Citation
from bot.core.limits import MESSAGE_LIMIT, utf16_size
from bot.core.profile import REGION_FLAGS, REGION_NAMES, Profile, escape, match_word
from bot.core.reply import Button, ButtonRows, Reply
from knowledge.career_models import (
    SALARY_LEVELS,
    SALARY_REGIONS,
    ExchangeRates,
    Salaries,
    SalaryFigure,
)
from knowledge.english_words import load_english_words
from knowledge.lexicon import Lexicon, load_lexicon
from retrieval.asking_words import GENERIC, NOT_SUBJECTS
from retrieval.tokenize import STOP_WORDS, tokenize

ALL = "all"

# Levels a filter can name; "early" (internship and entry) is what a beginner wants to see.
LEVEL_GROUPS: dict[str, tuple[str, ...]] = {
    **{level: (level,) for level in SALARY_LEVELS},
    "early": ("internship", "entry"),
}
# The lexicon's career levels on this view's scale.
LEXICON_LEVELS: dict[str, str] = {
    "beginner": "early",
    "internship": "internship",
    "entry": "entry",
    "mid": "mid",
    "senior": "senior",
}
OVERALL = "overall"
LEVEL_NAMES: dict[str, str] = {  # a figure line's label
    "internship": "Internship",
    "entry": "Entry level",
    "mid": "Mid level",
    "senior": "Senior",
    "overall": "Overall",
    "early": "Internship and entry",
}
LEVEL_HEADINGS: dict[str, str] = {  # who is paid, for the first line
    "internship": "ML engineering interns",
    "entry": "Entry-level ML engineers",
    "mid": "Mid-level ML engineers",
    "senior": "Senior ML engineers",
    "overall": "ML engineers overall",
    "early": "ML interns and entry-level engineers",
}
ALL_LEVELS_HEADING = "ML engineer salaries"
# A figure's level inside a region's line of the overview: "entry PKR 80,000 – 150,000 …".
LINE_LEVELS: dict[str, str] = {
    "internship": "intern",
    "entry": "entry",
    "mid": "mid",
    "senior": "senior",
    "overall": "overall",
}
# What the articles give no figure of, in "The articles give no senior figure for …".
MISSING_LEVELS: dict[str, str] = {
    "internship": "internship",
    "entry": "entry-level",
    "mid": "mid-level",
    "senior": "senior",
    "overall": "overall",
    "early": "internship or entry-level",
}
CAREER_LEVELS = ("entry", "mid", "senior")  # the ends of a career, for the overview
ALL_LEVELS_INVITE = "Pick a region below for every level."
LEVEL_INVITE = "Pick a region below for more detail."
LEVEL_BUTTONS: tuple[tuple[str, str], ...] = (
    ("internship", "Intern"),
    ("entry", "Entry"),
    ("mid", "Mid"),
    ("senior", "Senior"),
    ("overall", "Overall"),
)
PROFILE_SALARY_LEVEL: dict[str, str] = {
    "beginner": "early",
    "entry": "entry",
    "mid": "mid",
    "senior": "senior",
}
ALL_WORDS = frozenset({"all", "any", "every", "everything", "everywhere", "overview"})
# Shorthands a /salary command may use that the lexicon leaves out on purpose: in free text
# "us" is the pronoun and "in" a preposition; in "/salary us" or "/salary in" they are places.
COMMAND_REGION_WORDS: dict[str, str] = {"us": "us", "ind": "india"}
# Words a command may carry that are not filters ("/salary for a senior ML engineer in pk").
COMMAND_FILLER = frozenset(
    {
        "a", "an", "the", "for", "of", "at", "and", "level", "levels", "region", "salary",
        "salaries", "pay", "ml", "mle", "engineer", "engineers", "machine", "learning", "me",
        "show", "what", "is", "role", "roles", "job", "jobs",
    }
)  # fmt: skip
SALARY_CUES = frozenset(
    {
        "salary", "salaries", "earn", "earns", "earning", "earnings", "pay", "pays", "paid",
        "payscale", "package", "packages", "ctc", "lpa", "income", "compensation", "wage",
        "wages", "stipend", "remuneration",
    }
)  # fmt: skip
# Words a question for the figures may use besides the cues, places, levels and units:
# "average", "range", "scale", "in rupees", "with 3 years of experience", the role's names,
# how one asks for a figure for oneself ("what can I expect after switching?") or compares
# the regions' figures ("salary comparison pakistan vs india")
PAY_DETAIL = frozenset(
    tokenize(
        "money average avg typical median range scale band highest lowest maximum minimum top "
        "starting start rupees rupee dollars dollar experience experienced exp yrs yr mle mles "
        "roughly approximately approx ballpark estimate expect expected expecting switch "
        "switching switched switcher switchers expectation expectations vs versus compare "
        "compared comparing comparison comparision"
    )
)
# "What do MLEs get paid to do all day?" asks about the work, not the pay; "why are they paid
# so much?" asks for reasons, which the figures do not give.
_NOT_THE_FIGURES = re.compile(
    r"\bpaid\s+to\s+(?:do|work|build|make)\b|\bwhy\b|\breasons?\b", re.IGNORECASE
)
# "How much does a fresher make" is about pay; "how much time does it take to make..." is not.
_HOW_MUCH = re.compile(
    r"\bhow\s+much\s+(?:do|does|did|can|could|will|would|should)\b[^?]*"
    r"\b(?:make|makes|earn|earns|get\s+paid|paid)\b"
    # "after degree how much he will get": a person getting, with no object of their own
    r"|\bhow\s+much\s+(?:(?:will|would|can|could|does|do)\s+)?(?:he|she|i|they|you|we)\s+"
    r"(?:will\s+|would\s+|can\s+)?(?:get|gets|make|earn)\W*$",
    re.IGNORECASE,
)
# Figure places the lexicon names differently ("SF" is a city word, the figure says
# "San Francisco"), so a city asked about finds its figure.
CITY_PLACES: dict[str, str] = {
    "sf": "san francisco",
    "bay area": "san francisco",
    "silicon valley": "san francisco",
    "nyc": "new york",
    "new york city": "new york",
}
CURRENCY_SIGNS = {"PKR": "PKR ", "INR": "₹", "USD": "$"}
USD_SIGN = "US$"  # for converted amounts, so they never read as an article's own dollars
LAKH = 100_000
_PERIOD_WORDS = re.compile(r"month|annum|annual|year", re.IGNORECASE)
STALE_NOTE = "That button is out of date; here is the current view."
MORE_NOTE = "<i>(more figures: narrow the filters)</i>"


@dataclass(frozen=True)
class SalaryFilters:
    """What to show. None: not given (the profile decides); "all": explicitly everything.

    units: how amounts are wanted ("month", "year", "lakh", "usd"); uncovered: places the
    articles give nothing for ("Germany"); city: the city the region was named by ("Lahore").
    """

    region: str | None = None
    level: str | None = None
    units: frozenset[str] = frozenset()
    uncovered: tuple[str, ...] = ()
    city: str | None = None


@dataclass(frozen=True)
class ParsedFilters:
    filters: SalaryFilters
    unknown: tuple[str, ...] = ()
    clashes: tuple[str, ...] = ()  # e.g. two different regions in one request


# Reading filters ----------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _misspelling_tables(lexicon: Lexicon) -> tuple[dict[str, str], dict[str, str]]:
    """Single region and level words a misspelling may be matched to (not cities: "settle"
    is too close to "seattle")."""
    data = lexicon.data
    regions = {word: region for region, entry in data.regions.items() for word in entry.words}
    levels = {
        word: LEXICON_LEVELS[level] for level, entry in data.levels.items() for word in entry.words
    }
    levels.update(dict.fromkeys(data.overall_words, OVERALL))

    def single(table: dict[str, str]) -> dict[str, str]:
        return {word: value for word, value in table.items() if word.isalpha()}

    return single(regions), single(levels)


@lru_cache(maxsize=1)
def _english_words() -> frozenset[str]:
    return load_english_words()


def _misspelled(word: str, table: Mapping[str, str], free_text: bool) -> str | None:
    """A word's value by plural or close spelling; English words ("experience") are left
    alone, and in free text only longer words are guessed at."""
    if word in _english_words():
        return match_word(word, table, fuzzy=False)
    return match_word(word, table, fuzzy=len(word) >= 6 if free_text else True)


def _distinct_levels(levels: list[str]) -> list[str]:
    distinct = list(dict.fromkeys(levels))
    if len(distinct) > 1 and OVERALL in distinct:  # "average pay of a fresher": entry
        distinct.remove(OVERALL)
    if "early" in distinct and any(level in LEVEL_GROUPS["early"] for level in distinct):
        distinct.remove("early")  # "a fresh graduate with no experience": entry
    return distinct


def _city(text: str, region: str | None, lexicon: Lexicon) -> str | None:
    """The city the region was named by, as typed ("lahore" -> "Lahore", "sf" -> "SF")."""
    mention = next(
        (m for m in lexicon.region_mentions(text) if m.is_city and m.value == region), None
    )
    if mention is None:
        return None
    typed = " ".join(mention.phrase.split())
    if not typed.islower():
        return typed
    return typed.upper() if len(typed) <= 3 else typed.title()


def parse_salary_filters(
    text: str, *, free_text: bool = False, lexicon: Lexicon | None = None
) -> ParsedFilters:
    """Filters in any order, case and common spelling: "pk senior", "Entry US", "Lahore"."""
    lexicon = lexicon or load_lexicon()
    regions = list(lexicon.regions_in(text))
    levels = [LEXICON_LEVELS[level] for level in lexicon.levels_in(text)]
    if lexicon.asks_overall(text):
        levels.append(OVERALL)
    region_table, level_table = _misspelling_tables(lexicon)
    bare_in = False  # "in" alone: India in "/salary in", a preposition in "/salary entry in us"
    everything = False
    unknown: list[str] = []
    for word in lexicon.leftover_words(text):
        if word in ALL_WORDS:
            everything = True
        elif word == "in":
            bare_in = not free_text
        elif not free_text and word in COMMAND_REGION_WORDS:
            regions.append(COMMAND_REGION_WORDS[word])
        elif free_text and (word in SALARY_CUES or word == "us"):
            continue  # "how much do they pay us": a pronoun, not the country
        elif (region := _misspelled(word, region_table, free_text)) is not None:
            regions.append(region)
        elif (level := _misspelled(word, level_table, free_text)) is not None:
            levels.append(level)
        elif not free_text and word not in COMMAND_FILLER:
            unknown.append(word)
    if bare_in and not regions:
        regions.append("india")
    distinct_regions = list(dict.fromkeys(regions))
    if len(distinct_regions) == 2 and "global" in distinct_regions and free_text:
        # "I want to work abroad ... what's the pay in the US": the country is the question.
        distinct_regions.remove("global")
    distinct_levels = _distinct_levels(levels)
    clashes: list[str] = []
    if len(distinct_regions) > 1:
        clashes.append("regions " + " and ".join(REGION_NAMES[r] for r in distinct_regions))
    if len(distinct_levels) > 1:
        clashes.append("levels " + " and ".join(LEVEL_NAMES[lv] for lv in distinct_levels))
    region = distinct_regions[0] if len(distinct_regions) == 1 else None
    level = distinct_levels[0] if len(distinct_levels) == 1 else None
    if everything:
        region = region or ALL
        level = level or ALL
    filters = SalaryFilters(
        region,
        level,
        units=lexicon.units_in(text),
        uncovered=lexicon.uncovered_in(text),
        city=_city(text, region, lexicon),
    )
    return ParsedFilters(filters, tuple(dict.fromkeys(unknown)), tuple(clashes))


_CUES = dict.fromkeys(SALARY_CUES, "pay")


def _is_pay_word(word: str) -> bool:
    """A salary cue, or a misspelling of one ("salery")."""
    return word in SALARY_CUES or match_word(word, _CUES, len(word) >= 5) is not None


def _asks_besides_the_figures(text: str, lexicon: Lexicon) -> bool:
    """ "What factors affect an ML engineer's salary?", "which industries pay the most?",
    "perks besides base pay", a story around a question on pay: words beyond pay, places,
    levels, units and the ways of asking say the question is about something the figures do
    not show, and the articles answer it."""
    subject = {
        token for word in lexicon.leftover_words(text) if not _is_pay_word(word)
        for token in tokenize(word)
        if len(token) > 2 and not token.isdigit()
    }
    return bool(subject - STOP_WORDS - GENERIC - NOT_SUBJECTS - PAY_DETAIL)


def asks_how_much_one_makes(text: str) -> bool:
    """ "how much does a fresher make", "after degree how much he will get": a question for
    the figures, whatever else it names."""
    return _HOW_MUCH.search(text) is not None


def salary_filters_from_text(text: str, *, lexicon: Lexicon | None = None) -> SalaryFilters | None:
    """Filters from a typed question about the pay figures, or None when the text is not
    about pay, or asks about something besides the figures (see _asks_besides_the_figures)."""
    asks_pay = any(_is_pay_word(word) for word in re.findall(r"[a-z0-9]+", text.lower()))
    if not asks_pay and _HOW_MUCH.search(text) is None:
        return None
    lexicon = lexicon or load_lexicon()
    if _NOT_THE_FIGURES.search(text) or _asks_besides_the_figures(text, lexicon):
        return None
    parsed = parse_salary_filters(text, free_text=True, lexicon=lexicon)
    filters = parsed.filters
    if parsed.clashes:  # "India or Pakistan?": show every region rather than guess
        regions_clash = any(clash.startswith("regions") for clash in parsed.clashes)
        levels_clash = any(clash.startswith("levels") for clash in parsed.clashes)
        filters = SalaryFilters(
            ALL if regions_clash else filters.region,
            ALL if levels_clash else filters.level,
            units=filters.units,
            uncovered=filters.uncovered,
            city=None if regions_clash else filters.city,
        )
    return filters


# Entry points -------------------------------------------------------------------------------


def salary_command(
    salaries: Salaries,
    args: str,
    profile: Profile,
    *,
    titles: Mapping[str, str] | None = None,
    rates: ExchangeRates | None = None,
    lexicon: Lexicon | None = None,
) -> Reply:
    """/salary [filters]: the answer for the filters; unknown filters get the valid ones."""
    parsed = parse_salary_filters(args, lexicon=lexicon)
    if parsed.unknown or parsed.clashes:
        return _help_reply(parsed)
    return _overview(salaries, parsed.filters, profile, titles=titles, rates=rates, lexicon=lexicon)


def salary_answer(
    salaries: Salaries,
    filters: SalaryFilters,
    profile: Profile,
    *,
    titles: Mapping[str, str] | None = None,
    rates: ExchangeRates | None = None,
    lexicon: Lexicon | None = None,
) -> Reply:
    """The answer to a typed pay question, from the same data and filters as /salary."""
    return _overview(salaries, filters, profile, titles=titles, rates=rates, lexicon=lexicon)


def salary_button(
    salaries: Salaries,
    payload: str,
    profile: Profile,
    *,
    titles: Mapping[str, str] | None = None,
    rates: ExchangeRates | None = None,
    lexicon: Lexicon | None = None,
) -> Reply:
    """A press: "f:<region|all>:<level|all>" or "me" (the profile's defaults)."""
    parts = payload_parts(payload)
    note = ""
    if payload == "me":
        filters = SalaryFilters()
    elif (
        len(parts) == 3
        and parts[0] == "f"
        and (parts[1] in SALARY_REGIONS or parts[1] == ALL)
        and (parts[2] in LEVEL_GROUPS or parts[2] == ALL)
    ):
        filters = SalaryFilters(parts[1], parts[2])
    else:
        filters, note = SalaryFilters(), STALE_NOTE
    return _overview(
        salaries, filters, profile, titles=titles, rates=rates, lexicon=lexicon, edit=True,
        note=note,
    )  # fmt: skip


def _help_reply(parsed: ParsedFilters) -> Reply:
    lines = []
    if parsed.unknown:
        unknown = ", ".join(f"“{word}”" for word in parsed.unknown)
        lines.append(f"I don't know the salary filter {escape(unknown)}.")
    if parsed.clashes:
        lines.append(f"Please pick one of the {escape(' / '.join(parsed.clashes))}.")
    lines += [
        "",
        "<b>Regions</b>: pakistan (pk), india (in), us (usa, america), global, "
        "or a city (Lahore, Bangalore, New York)",
        "<b>Levels</b>: intern, entry (junior, fresher), mid, senior (sr), overall (average)",
        "<b>Units</b>: per month, per year, lpa, usd",
        "Or <code>all</code> for everything. In any order, for example:",
        "<code>/salary india</code> · <code>/salary pk senior</code> · "
        "<code>/salary entry us</code> · <code>/salary karachi per year</code>",
    ]
    return Reply("\n".join(lines), _filter_buttons(None, None))


# What to show -------------------------------------------------------------------------------


def _resolve(filters: SalaryFilters, profile: Profile) -> tuple[str | None, str | None, bool]:
    """Region and level to show (None = all), and whether the profile filled any in."""
    used_profile = False
    region = filters.region
    if region is None:
        region, used_profile = profile.region, profile.region is not None
    level = filters.level
    if level is None and profile.level is not None:
        level, used_profile = PROFILE_SALARY_LEVEL[profile.level], True
    return (
        None if region == ALL else region,
        None if level == ALL else level,
        used_profile,
    )


def _select(
    figures: Iterable[SalaryFigure], region: str | None, level: str | None
) -> list[SalaryFigure]:
    """The figures for a region and level (None: any), lowest level first."""
    levels = LEVEL_GROUPS[level] if level else SALARY_LEVELS
    chosen = [
        figure
        for figure in figures
        if (region is None or figure.region == region) and figure.level in levels
    ]
    return sorted(chosen, key=lambda figure: SALARY_LEVELS.index(figure.level))


def _for_city(figure: SalaryFigure, city: str | None) -> bool:
    if city is None or figure.place is None:
        return False
    asked = city.lower()
    return CITY_PLACES.get(asked, asked) in figure.place.lower()


# Rendering ----------------------------------------------------------------------------------


@dataclass
class _Render:
    """One reply being written: how amounts are wanted, and what has been shown so far
    (the articles cited, computed conversions, ≈ US$) so that only notes that apply follow."""

    units: frozenset[str]
    rates: ExchangeRates | None
    numbers: dict[str, int] = field(default_factory=dict)
    quotes: dict[str, list[str]] = field(default_factory=dict)
    figures: list[SalaryFigure] = field(default_factory=list)
    computed: dict[str, None] = field(default_factory=dict)  # an ordered set
    usd_shown: bool = False

    def cite(self, figure: SalaryFigure) -> int:
        number = self.numbers.setdefault(figure.source, len(self.numbers) + 1)
        quotes = self.quotes.setdefault(figure.source, [])
        if figure.quote not in quotes:
            quotes.append(figure.quote)
        return number

    def cite_all(self, figures: Sequence[SalaryFigure]) -> int:
        """One source's figures, shown under one mark: every figure's quote is cited, so the
        citation holds the sentence behind each figure shown, not only the first one's."""
        numbers = {self.cite(figure) for figure in figures}
        assert len(numbers) == 1, "one mark stands for one source"
        return numbers.pop()

    def wants_usd(self, figure: SalaryFigure) -> bool:
        if self.rates is None or figure.currency == "USD":
            return False
        return "usd" in self.units

    # One figure -------------------------------------------------------------------------

    def figure_text(self, figure: SalaryFigure, *, usd: bool = True) -> str:
        """As written (and where), then what is computed from it, in brackets."""
        self.figures.append(figure)
        text = escape(figure.written)
        if figure.place:
            text += f" in {escape(figure.place)}"
        extras = [str(figure.year)] if figure.year else []
        extras += self._conversions(figure, usd=usd)
        if extras:
            text += f" ({escape('; '.join(extras))})"  # the qualifier comes from the data
        return text

    def _conversions(self, figure: SalaryFigure, *, usd: bool) -> list[str]:
        found = []
        sign = CURRENCY_SIGNS[figure.currency]
        yearly = _amounts(figure)
        if figure.currency == "INR" and figure.unit == "one":  # pay in India is told in lakh
            found.append(_range_text(yearly, sign, figure, scale=LAKH) + " a year")
            self.computed["1 lakh = 100,000"] = None
        if figure.period == "month" and self.units & {"year", "lakh"}:
            self.computed["monthly × 12"] = None
            if "lakh" in self.units:
                self.computed["1 lakh = 100,000"] = None
                found.append(_range_text(yearly, sign, figure, scale=LAKH) + " a year")
            else:
                found.append(_range_text(yearly, sign, figure) + " a year")
        monthly = figure.period == "month" or "month" in self.units
        if figure.period == "year" and "month" in self.units:
            self.computed["yearly ÷ 12, rounded"] = None
            found.append(f"≈ {_range_text(_per_month(yearly), sign, figure)} a month")
        if usd and self.wants_usd(figure):
            assert self.rates is not None
            divisor = 12 if monthly else 1
            in_usd = [
                None if value is None else self.rates.to_usd(value / divisor, figure.currency)
                for value in yearly
            ]
            rounded = [None if value is None else _round_sensibly(value) for value in in_usd]
            period = "a month" if monthly else "a year"
            found.append(f"≈ {_range_text(rounded, USD_SIGN, figure)} {period}")
            self.usd_shown = True
        return found

    # Lines ------------------------------------------------------------------------------

    def items_text(self, figures: Sequence[SalaryFigure]) -> str:
        """Figures of one line: those of one source and place joined by "or", each source's
        figures followed by its citation."""
        by_source: dict[str, dict[str | None, list[SalaryFigure]]] = {}
        for figure in figures:
            by_source.setdefault(figure.source, {}).setdefault(figure.place, []).append(figure)
        parts = []
        for places in by_source.values():
            items = [self._same_place(group) for group in places.values()]
            cited = self.cite_all([figure for group in places.values() for figure in group])
            parts.append(f"{'; '.join(items)} [{cited}]")
        return "; ".join(parts)

    def _same_place(self, figures: list[SalaryFigure]) -> str:
        # "exceeding ₹1 crore or $120,000+ in the U.S., Europe and Singapore": one place once.
        place = figures[0].place
        # "₹1 crore (or $120,000+)": the article's own dollars make a conversion needless.
        usd = not any(figure.currency == "USD" for figure in figures)
        texts = [self.figure_text(figure, usd=usd) for figure in figures]
        if place and len(texts) > 1:
            where = f" in {escape(place)}"
            texts = [text.replace(where, "", 1) for text in texts[:-1]] + texts[-1:]
        return " or ".join(texts)

    def region_line(self, title: str, figures: Sequence[SalaryFigure], *, labelled: bool) -> str:
        """A region in one line of the overview: its figures in the order given, each level's
        named when labelled ("entry …; senior …"), each source's followed by its citation."""
        groups: dict[tuple[str, str, str | None], list[SalaryFigure]] = {}
        for figure in figures:
            groups.setdefault((figure.level, figure.source, figure.place), []).append(figure)
        keys = list(groups)
        parts = []
        for index, (level, source, place) in enumerate(keys):
            group = groups[level, source, place]
            text = self._same_place(group)
            if labelled:
                text = f"{LINE_LEVELS[level]} {text}"
            if index + 1 == len(keys) or keys[index + 1][1] != source:
                # (the mark ends the source's run of figures and cites each of them)
                run = [f for key in keys[: index + 1] if key[1] == source for f in groups[key]]
                text += f" [{self.cite_all(run)}]"
            parts.append(text)
        return f"{title}: {'; '.join(parts)}"

    def level_lines(self, figures: Sequence[SalaryFigure]) -> list[str]:
        """One line per level: "• Entry level (0-2 years): … [1]"."""
        lines = []
        for level in SALARY_LEVELS:
            at_level = [figure for figure in figures if figure.level == level]
            if at_level:
                lines.append(f"• {_label(at_level)}: {self.items_text(at_level)}")
        return lines

    def spread_lines(self, figures: Sequence[SalaryFigure]) -> list[str]:
        """The range across sources, per currency, when more than one source covers it."""
        lines = []
        for currency in dict.fromkeys(figure.currency for figure in figures):
            same = [figure for figure in figures if figure.currency == currency]
            sources = list(dict.fromkeys(figure.source for figure in same))
            if len(sources) < 2:
                continue
            low = min(min(figure.annual_amounts) for figure in same)
            high = max(max(figure.annual_amounts) for figure in same)
            top_open = any(f.open_ended and max(f.annual_amounts) == high for f in same)
            scale = 1
            if currency == "INR":  # said in lakh, as Indian pay is
                scale = LAKH
                self.computed["1 lakh = 100,000"] = None
            span = _span_text(low, high, CURRENCY_SIGNS[currency], top_open, scale)
            cited = "".join(
                f"[{self.numbers[source]}]"
                for source in sorted(sources, key=self.numbers.__getitem__)
            )
            lines.append(
                f"↔ <i>The {len(sources)} sources differ; together they span "
                f"{escape(span)} a year</i> {cited}"
            )
        return lines

    # Notes ------------------------------------------------------------------------------

    def notes(self) -> list[str]:
        """At most two short lines, each only when it applies to a figure shown."""
        lines = [line for line in (self._provenance(), self._computed()) if line]
        if not lines:
            return []
        return ["", "<b>Note</b>", *(f"<i>{line}</i>" for line in lines)]

    def _provenance(self) -> str:
        parts = []
        undated = [figure for figure in self.figures if figure.year is None]
        if undated and len(undated) < len(self.figures):
            parts.append("Figures without a year are undated and may be out of date.")
        elif undated:
            several = len({figure.source for figure in undated}) > 1
            parts.append(
                f"{'The articles give' if several else 'The article gives'} no date, "
                "so the figures may be out of date."
            )
        sampled = list({f.source: f for f in self.figures if f.sample_size}.values())
        sizes = ", ".join(f"{figure.sample_size:,} salaries" for figure in sampled)
        if sampled and len(sampled) < len({figure.source for figure in self.figures}):
            # Worth saying only beside figures that do not say it: they are not equal.
            cited = "".join(f"[{self.numbers[figure.source]}]" for figure in sampled)
            parts.append(f"Only {cited} gives a sample size ({sizes}).")
        elif sampled:
            parts.append(f"Based on {sizes}.")
        return " ".join(parts)

    def _computed(self) -> str:
        parts = []
        if self.computed:
            parts.append(f"Computed: {'; '.join(self.computed)}.")
        if self.usd_shown and self.rates is not None:
            parts.append(
                f"≈ {USD_SIGN} at {escape(self.rates.note)} ({self.rates.as_of.isoformat()}), "
                "not from the articles."
            )
        return " ".join(parts)

    def sources(self, titles: Mapping[str, str] | None) -> tuple[list[str], list[Citation]]:
        lines = [""]
        citations = []
        for source, number in self.numbers.items():
            title = (titles or {}).get(source, source)
            lines.append(f"[{number}] {escape(title)}")
            citations.append(
                Citation(
                    n=number,
                    passage_id=f"salaries:{source}",  # not a search passage: the quotes
                    doc_id=source,
                    title=title,
                    section="Salary figures",
                    text="\n".join(self.quotes[source]),
                    score=1.0,  # a direct citation of the figure's own sentence
                )
            )
        return lines, citations


def _amounts(figure: SalaryFigure) -> list[float | None]:
    return [figure.annual_min, figure.annual_max, figure.annual_average]


def _per_month(yearly: Sequence[float | None]) -> list[float | None]:
    return [None if value is None else _round_sensibly(value / 12) for value in yearly]


def _round_sensibly(amount: float) -> float:
    """Computed amounts to two or three significant figures: they are estimates."""
    step = 10 if amount < 1_000 else 100 if amount < 100_000 else 1_000
    return round(amount / step) * step


def _number(amount: float, scale: int) -> str:
    if scale == 1:
        return f"{amount:,.0f}"
    return f"{amount / scale:,.1f}".removesuffix(".0")


def _span_text(low: float, high: float, sign: str, open_ended: bool, scale: int = 1) -> str:
    unit = " lakh" if scale == LAKH else ""
    plus = "+" if open_ended else ""
    return f"{sign}{_number(low, scale)}–{_number(high, scale)}{plus}{unit}"


def _range_text(
    amounts: Sequence[float | None], sign: str, figure: SalaryFigure, scale: int = 1
) -> str:
    """Computed amounts (low, high, average) as "₹4–9 lakh" or "US$290–540"."""
    low, high, average = amounts
    unit = " lakh" if scale == LAKH else ""
    plus = "+" if figure.open_ended else ""
    if low is not None and high is not None:
        text = f"{sign}{_number(low, scale)}–{_number(high, scale)}{plus}{unit}"
    elif low is not None:
        text = f"{sign}{_number(low, scale)}{plus}{unit}"
    elif high is not None:
        text = f"up to {sign}{_number(high, scale)}{unit}"
    else:
        text = ""
    if average is not None:
        qualifier = f"{figure.qualifier} " if figure.qualifier else ""
        mean = f"{qualifier}{sign}{_number(average, scale)}{unit}"
        text = f"{text}, average {mean}" if text else mean  # "an average of" is in the words
    return text


def _label(figures: Sequence[SalaryFigure]) -> str:
    """The level, and the experience when every figure gives the same: "Entry level (0-2 years)"."""
    label = LEVEL_NAMES[figures[0].level]
    experiences = {figure.experience for figure in figures}
    if len(experiences) == 1 and None not in experiences:
        label += f" ({experiences.pop()})"
    return escape(label)


def _period_tag(figures: Iterable[SalaryFigure]) -> str:
    """The period, as ", per year", when a figure's words do not say it ("$120,000-$150,000")."""
    unsaid = {f.period for f in figures if not _PERIOD_WORDS.search(f.written)}
    return f", per {unsaid.pop()}" if len(unsaid) == 1 else ""


def _where(region: str, lexicon: Lexicon) -> str:
    """Where, after who: "in 🇵🇰 Pakistan", "in the 🇺🇸 US", "🌍 worldwide"."""
    flagged = lexicon.flagged_name(region)
    return flagged if region == "global" else f"in {flagged}"


def _region_title(region: str, lexicon: Lexicon) -> str:
    entry = lexicon.region(region)
    return f"{entry.flag} {REGION_NAMES[region] if region != 'global' else 'Worldwide'}"


def _heading(region: str | None, level: str | None, lexicon: Lexicon) -> str:
    who = LEVEL_HEADINGS[level] if level else ALL_LEVELS_HEADING
    return f"{who} {_where(region, lexicon)}" if region else f"{who} by region"


def _place_list(names: Sequence[str]) -> str:
    if len(names) <= 2:
        return " or ".join(names)
    return f"{', '.join(names[:-1])} or {names[-1]}"


# Layouts ------------------------------------------------------------------------------------


@dataclass
class _Layout:
    """A reply in parts, so that a long one can drop figure lines from the body; the foot
    (an invitation to narrow down) is kept with the notes and sources that follow it."""

    head: list[str]
    body: list[str] = field(default_factory=list)
    foot: list[str] = field(default_factory=list)

    def html(self, tail: list[str]) -> str:
        end = [*self.foot, *tail]
        text = "\n".join([*self.head, *self.body, *end])
        if utf16_size(text) <= MESSAGE_LIMIT:
            return text
        body = list(self.body)
        while body and utf16_size("\n".join([*self.head, *body, MORE_NOTE, *end])) > MESSAGE_LIMIT:
            body.pop()
        return "\n".join([*self.head, *body, MORE_NOTE, *end])


def _one_level(
    render: _Render,
    figures: list[SalaryFigure],
    region: str,
    level: str,
    lexicon: Lexicon,
    city: str | None,
) -> _Layout:
    """One region, one level: the first line gives the figure (the asked city's first)."""
    figures = sorted(figures, key=lambda figure: not _for_city(figure, city))
    first = [f for f in figures if (f.source, f.place) == (figures[0].source, figures[0].place)]
    rest = [figure for figure in figures if figure not in first]
    heading = escape(_heading(region, level, lexicon))
    answer = render.items_text(first)
    layout = _Layout([f"💰 <b>{heading}</b>{_period_tag(figures)}: {answer}"])
    for figure in rest:
        layout.body.append(f"• {render.items_text([figure])}")
    layout.body += render.spread_lines(figures)
    return layout


def _one_region(
    render: _Render, figures: list[SalaryFigure], region: str, level: str | None, lexicon: Lexicon
) -> _Layout:
    """One region, several levels: a heading, then a line per level."""
    heading = escape(_heading(region, level, lexicon))
    layout = _Layout([f"💰 <b>{heading}</b>{_period_tag(figures)}"])
    layout.body = render.level_lines(figures) + render.spread_lines(figures)
    return layout


def _by_region(
    render: _Render,
    figures: list[SalaryFigure],
    level: str | None,
    lexicon: Lexicon,
    missing: Sequence[str] = (),
) -> _Layout:
    """Several regions, compactly: a line per region with its entry and senior ends (or the
    level asked), the regions without the level asked, then an invitation to pick one."""
    layout = _Layout([f"💰 <b>{escape(_heading(None, level, lexicon))}</b>"])
    labelled = level is None or len(LEVEL_GROUPS[level]) > 1
    for region in SALARY_REGIONS:
        group = [figure for figure in figures if figure.region == region]
        if not group:
            continue
        if level is None:
            group = _ends(group)
        title = escape(_region_title(region, lexicon)) + _period_tag(group)
        layout.body.append(render.region_line(title, group, labelled=labelled))
    if level is not None and missing:
        places = _place_list([_region_title(region, lexicon) for region in missing])
        layout.body.append(
            f"<i>The articles give no {MISSING_LEVELS[level]} figure for {escape(places)}.</i>"
        )
    layout.foot = [f"<i>{ALL_LEVELS_INVITE if level is None else LEVEL_INVITE}</i>"]
    return layout


def _ends(figures: Sequence[SalaryFigure]) -> list[SalaryFigure]:
    """A region's range in its own figures: entry pay (else overall pay) to the most senior
    level it gives; each end from one source, the first its article gives."""
    levels = [level for level in SALARY_LEVELS if any(f.level == level for f in figures)]
    career = [level for level in CAREER_LEVELS if level in levels]
    low = "entry" if "entry" in levels else OVERALL if OVERALL in levels else levels[0]
    high = career[-1] if career else levels[-1]
    chosen = []
    for level in dict.fromkeys((low, high)):
        at_level = [figure for figure in figures if figure.level == level]
        chosen += [figure for figure in at_level if figure.source == at_level[0].source]
    return chosen


def _overview(
    salaries: Salaries,
    filters: SalaryFilters,
    profile: Profile,
    *,
    titles: Mapping[str, str] | None,
    rates: ExchangeRates | None,
    lexicon: Lexicon | None = None,
    edit: bool = False,
    note: str = "",
) -> Reply:
    lexicon = lexicon or load_lexicon()
    if filters.uncovered and filters.region is None:
        return _uncovered(salaries, filters, titles=titles, rates=rates, lexicon=lexicon)
    region, level, used_profile = _resolve(filters, profile)
    asked_city = filters.city if region == filters.region else None
    city_figure = next(
        (f for f in _select(salaries.figures, region, None) if _for_city(f, asked_city)), None
    )
    if city_figure is not None and filters.level is None:
        # "Pay in San Francisco": the city's own figure answers, whatever the profile's level.
        level, used_profile = city_figure.level, False
    buttons = _filter_buttons(region, level)  # what was asked, even when it has no figure
    shown = _select(salaries.figures, region, level)
    render = _Render(filters.units, rates)
    if shown:
        missing = _missing(salaries.figures, shown) if region is None else ()
        layout = _layout(render, shown, region, level, lexicon, asked_city, missing)
    else:  # say so, then the nearest thing the articles do have
        asked = escape(_heading(region, level, lexicon))
        region, level, shown = _nearest(salaries.figures, region, level)
        if region is None:
            layout = _by_region(render, shown, level, lexicon, _missing(salaries.figures, shown))
            intro = "What they give:"
        else:
            layout = _one_region(render, shown, region, level, lexicon)
            intro = f"What they give {escape(_where(region, lexicon))}{_period_tag(shown)}:"
        layout.head = [f"💰 <b>{asked}</b>: the articles give no figure.", intro]
    layout.head[1:1] = _second_lines(
        filters, region, shown, used_profile, note, lexicon, city_figure
    )
    tail, citations = _tail(render, titles)
    return Reply(layout.html(tail), buttons, tuple(citations), edit=edit)


def _nearest(
    figures: Sequence[SalaryFigure], region: str | None, level: str | None
) -> tuple[str | None, str | None, list[SalaryFigure]]:
    """Region, level and figures to show when the articles have none for those asked: an
    intern in India sees entry pay; else every level of the region; else the level anywhere."""
    if level in LEVEL_GROUPS["early"] and (early := _select(figures, region, "early")):
        return region, "early", early
    if in_region := _select(figures, region, None):
        return region, None, in_region
    if anywhere := _select(figures, None, level):
        return None, level, anywhere
    return None, None, _select(figures, None, None)


def _missing(figures: Sequence[SalaryFigure], shown: Sequence[SalaryFigure]) -> list[str]:
    """Regions with figures in the articles but none among those shown."""
    given = {figure.region for figure in figures} - {figure.region for figure in shown}
    return [region for region in SALARY_REGIONS if region in given]


def _layout(
    render: _Render,
    shown: list[SalaryFigure],
    region: str | None,
    level: str | None,
    lexicon: Lexicon,
    city: str | None,
    missing: Sequence[str] = (),
) -> _Layout:
    if region is None:
        return _by_region(render, shown, level, lexicon, missing)
    levels_shown = {figure.level for figure in shown}
    if level is not None and len(levels_shown) == 1:  # a beginner in the US: entry pay only
        return _one_level(render, shown, region, levels_shown.pop(), lexicon, city)
    return _one_region(render, shown, region, level, lexicon)


def _second_lines(
    filters: SalaryFilters,
    region: str | None,
    shown: Sequence[SalaryFigure],
    used_profile: bool,
    note: str,
    lexicon: Lexicon,
    city_figure: SalaryFigure | None,
) -> list[str]:
    """Short italic lines under the first: a stale button, the profile, a city, a place."""
    lines = []
    if note:
        lines.append(f"<i>{escape(note)}</i>")
    if used_profile:
        lines.append("<i>Filtered by your /profile; tap “All” to see more.</i>")
    city = filters.city if region is not None and region == filters.region else None
    if region is not None and city and not any(_for_city(figure, city) for figure in shown):
        line = f"These are for {escape(lexicon.region(region).name)} as a whole; "
        if city_figure is not None:  # "sf entry": its only San Francisco figure is overall
            level = LEVEL_NAMES[city_figure.level].lower()
            line += f"for {escape(city)} the articles give only {level} pay."
        else:
            line += f"the articles give no figures for {escape(city)} alone."
        lines.append(f"<i>{line}</i>")
    if filters.uncovered and region is not None:
        lines.append(
            f"<i>The articles give nothing for {escape(_place_list(filters.uncovered))}.</i>"
        )
    return lines


def _uncovered(
    salaries: Salaries,
    filters: SalaryFilters,
    *,
    titles: Mapping[str, str] | None,
    rates: ExchangeRates | None,
    lexicon: Lexicon,
) -> Reply:
    """A country the articles don't cover: say so first, then the worldwide figures."""
    level = filters.level if filters.level not in (None, ALL) else None
    nearest = _select(salaries.figures, "global", level) or _select(
        salaries.figures, "global", None
    )
    places = " ".join(figure.place or "" for figure in nearest).lower()
    named = [name for name in filters.uncovered if name.lower() in places]
    unnamed = [name for name in filters.uncovered if name not in named]
    head = []
    if unnamed:
        head.append(f"The articles don't give ML salaries for {escape(_place_list(unnamed))}.")
    if named:
        head.append(
            f"The articles give no separate ML salaries for {escape(_place_list(named))}; "
            "they count it among global markets."
        )
    render = _Render(filters.units, rates)
    if nearest:
        head.append(
            f"The nearest they give, {escape(_where('global', lexicon))}{_period_tag(nearest)}:"
        )
    layout = _Layout(head, render.level_lines(nearest))
    tail, citations = _tail(render, titles)
    return Reply(layout.html(tail), _filter_buttons(None, level), tuple(citations))


def _tail(render: _Render, titles: Mapping[str, str] | None) -> tuple[list[str], list[Citation]]:
    sources, citations = render.sources(titles)
    return [*render.notes(), *sources], citations


def _filter_buttons(region: str | None, level: str | None) -> ButtonRows:
    current_region = region or ALL
    current_level = level or ALL

    def mark(chosen: bool, label: str) -> str:
        return f"• {label}" if chosen else label

    region_row = [
        Button(
            mark(choice == current_region, f"{REGION_FLAGS[choice]} {REGION_NAMES[choice]}"),
            button_data(Action.SALARY, "f", choice, current_level),
        )
        for choice in SALARY_REGIONS
    ]
    region_row.append(
        Button(
            mark(current_region == ALL, "All"),
            button_data(Action.SALARY, "f", ALL, current_level),
        )
    )
    level_row = [
        Button(
            mark(choice == current_level, label),
            button_data(Action.SALARY, "f", current_region, choice),
        )
        for choice, label in LEVEL_BUTTONS
    ]
    level_row.append(
        Button(
            mark(current_level == ALL, "All"),
            button_data(Action.SALARY, "f", current_region, ALL),
        )
    )
    return (tuple(region_row), tuple(level_row))

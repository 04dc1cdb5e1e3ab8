"""/salary: every salary figure in the articles, by region and level, each line cited.

Figures are shown as the source writes them (its currency, unit and period), then as a yearly
amount computed from the structured data, and, when exchange rates are loaded, as an
approximate US-dollar amount. Where several sources cover a region, the spread across them is
shown instead of picking one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.answer import Citation
from bot.profile import (
    REGION_FLAGS,
    REGION_NAMES,
    REGION_WORDS,
    Profile,
    escape,
    match_word,
    words,
)
from bot.reply import Button, ButtonRows, Reply
from knowledge.career_models import (
    SALARY_LEVELS,
    SALARY_REGIONS,
    ExchangeRates,
    Salaries,
    SalaryFigure,
)

PREFIX = "sal:"
TELEGRAM_LIMIT = 4096
ALL = "all"

# Levels a filter can name; "early" (internship and entry) is what a beginner wants to see.
LEVEL_GROUPS: dict[str, tuple[str, ...]] = {
    **{level: (level,) for level in SALARY_LEVELS},
    "early": ("internship", "entry"),
}
LEVEL_NAMES: dict[str, str] = {
    "internship": "Internship",
    "entry": "Entry level",
    "mid": "Mid level",
    "senior": "Senior",
    "overall": "Overall",
    "early": "Internship and entry",
}
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
SALARY_LEVEL_WORDS: dict[str, str] = {
    "intern": "internship",
    "internship": "internship",
    "trainee": "internship",
    "stipend": "internship",
    "entry": "entry",
    "junior": "entry",
    "jr": "entry",
    "fresher": "entry",
    "graduate": "entry",
    "grad": "entry",
    "starting": "entry",
    "beginner": "early",
    "newbie": "early",
    "novice": "early",
    "student": "early",
    "mid": "mid",
    "middle": "mid",
    "midlevel": "mid",
    "intermediate": "mid",
    "senior": "senior",
    "sr": "senior",
    "lead": "senior",
    "experienced": "senior",
    "overall": "overall",
    "average": "overall",
    "avg": "overall",
    "typical": "overall",
    "general": "overall",
}
ALL_WORDS = frozenset({"all", "any", "every", "everything", "everywhere", "overview"})
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
# "How much does a fresher make" is about pay; "how much time does it take to make..." is not.
_HOW_MUCH = re.compile(
    r"\bhow\s+much\s+(?:do|does|did|can|could|will|would|should)\b[^?]*"
    r"\b(?:make|makes|earn|earns|get\s+paid|paid)\b",
    re.IGNORECASE,
)
_UPPERCASE_US = re.compile(r"\bU\.?S\b|\bUSA\b")
CURRENCY_SIGNS = {"PKR": "PKR ", "INR": "₹", "USD": "$"}
STALE_NOTE = "That button is out of date; here is the current view."


@dataclass(frozen=True)
class SalaryFilters:
    """What to show. None: not given (the profile decides); "all": explicitly everything."""

    region: str | None = None
    level: str | None = None


@dataclass(frozen=True)
class ParsedFilters:
    filters: SalaryFilters
    unknown: tuple[str, ...] = ()
    clashes: tuple[str, ...] = ()  # e.g. two different regions in one request


def parse_salary_filters(text: str, *, free_text: bool = False) -> ParsedFilters:
    """Filters in any order, case and common spelling: "pk senior", "Entry US", "interns"."""
    regions: list[str] = []
    bare_in = False  # "in" alone: India in "/salary in", a preposition in "/salary entry in us"
    levels: list[str] = []
    unknown: list[str] = []
    everything = False
    says_us = _UPPERCASE_US.search(text) is not None
    for word in words(text):
        if word in ALL_WORDS:
            everything = True
            continue
        if word == "in":
            bare_in = not free_text
            continue
        if free_text and (word in SALARY_CUES or (word == "us" and not says_us)):
            continue  # "how much do they pay us": a pronoun, not the country
        fuzzy = len(word) >= 6 if free_text else True
        region = match_word(word, REGION_WORDS, fuzzy)
        level = match_word(word, SALARY_LEVEL_WORDS, fuzzy) if region is None else None
        if region is not None:
            regions.append(region)
        elif level is not None:
            levels.append(level)
        elif not free_text and word not in COMMAND_FILLER:
            unknown.append(word)
    if bare_in and not regions:
        regions.append("india")
    distinct_regions = list(dict.fromkeys(regions))
    distinct_levels = list(dict.fromkeys(levels))
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
    return ParsedFilters(
        SalaryFilters(region, level), tuple(dict.fromkeys(unknown)), tuple(clashes)
    )


def salary_filters_from_text(text: str) -> SalaryFilters | None:
    """Filters from a typed question about pay, or None when the text is not about pay."""
    vocabulary = words(text)
    asks_pay = any(
        word in SALARY_CUES or match_word(word, dict.fromkeys(SALARY_CUES, "x"), len(word) >= 5)
        for word in vocabulary
    )
    if not asks_pay and _HOW_MUCH.search(text) is None:
        return None
    parsed = parse_salary_filters(text, free_text=True)
    filters = parsed.filters
    if parsed.clashes:  # "India or Pakistan?": show every region rather than guess
        filters = SalaryFilters(
            ALL if any("regions" in c for c in parsed.clashes) else filters.region,
            ALL if any("levels" in c for c in parsed.clashes) else filters.level,
        )
    return filters


# Views --------------------------------------------------------------------------------------


def salary_command(
    salaries: Salaries,
    args: str,
    profile: Profile,
    *,
    titles: Mapping[str, str] | None = None,
    rates: ExchangeRates | None = None,
) -> Reply:
    """/salary [filters]: the overview, filtered; unknown filters get the list of valid ones."""
    parsed = parse_salary_filters(args)
    if parsed.unknown or parsed.clashes:
        return _help_reply(parsed)
    return _overview(salaries, parsed.filters, profile, titles=titles, rates=rates)


def salary_answer(
    salaries: Salaries,
    filters: SalaryFilters,
    profile: Profile,
    *,
    titles: Mapping[str, str] | None = None,
    rates: ExchangeRates | None = None,
) -> Reply:
    """The answer to a typed pay question, from the same data and filters as /salary."""
    return _overview(salaries, filters, profile, titles=titles, rates=rates)


def salary_button(
    salaries: Salaries,
    payload: str,
    profile: Profile,
    *,
    titles: Mapping[str, str] | None = None,
    rates: ExchangeRates | None = None,
) -> Reply:
    """A press: "f:<region|all>:<level|all>" or "me" (the profile's defaults)."""
    parts = payload.split(":")
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
    return _overview(salaries, filters, profile, titles=titles, rates=rates, edit=True, note=note)


def _help_reply(parsed: ParsedFilters) -> Reply:
    lines = []
    if parsed.unknown:
        unknown = ", ".join(f"“{word}”" for word in parsed.unknown)
        lines.append(f"I don't know the salary filter {escape(unknown)}.")
    if parsed.clashes:
        lines.append(f"Please pick one of the {escape(' / '.join(parsed.clashes))}.")
    lines += [
        "",
        "<b>Regions</b>: pakistan (pk), india (in), us (usa, america), global",
        "<b>Levels</b>: intern, entry (junior, fresher), mid, senior (sr), overall (average)",
        "Or <code>all</code> for everything. In any order, for example:",
        "<code>/salary india</code> · <code>/salary pk senior</code> · "
        "<code>/salary entry us</code> · <code>/salary intern</code>",
    ]
    return Reply("\n".join(lines), _filter_buttons(None, None))


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
    levels = LEVEL_GROUPS[level] if level else SALARY_LEVELS
    return [
        figure
        for figure in figures
        if (region is None or figure.region == region) and figure.level in levels
    ]


def _overview(
    salaries: Salaries,
    filters: SalaryFilters,
    profile: Profile,
    *,
    titles: Mapping[str, str] | None,
    rates: ExchangeRates | None,
    edit: bool = False,
    note: str = "",
) -> Reply:
    region, level, used_profile = _resolve(filters, profile)
    shown = _select(salaries.figures, region, level)
    fallback = ""
    if not shown:  # say so, then show the nearest thing the articles do have
        wanted = f"{LEVEL_NAMES[level] if level else 'any'} figures"
        where = REGION_NAMES[region] if region else "any region"
        fallback = f"The articles give no {wanted.lower()} for {where}; here is what they give."
        shown = _select(salaries.figures, region, None) or _select(salaries.figures, None, level)
    lines = [_header(region, level, used_profile)]
    if note:
        lines.append(f"<i>{escape(note)}</i>")
    if fallback:
        lines.append(f"<i>{escape(fallback)}</i>")
    numbers: dict[str, int] = {}
    quotes: dict[str, list[str]] = {}
    for group_region in SALARY_REGIONS:
        group = _ordered([figure for figure in shown if figure.region == group_region])
        if not group:
            continue
        lines += ["", f"<b>{REGION_FLAGS[group_region]} {REGION_NAMES[group_region]}</b>"]
        for figure in group:
            number = numbers.setdefault(figure.source, len(numbers) + 1)
            quotes.setdefault(figure.source, [])
            if figure.quote not in quotes[figure.source]:
                quotes[figure.source].append(figure.quote)
            lines.append(f"• {_figure_line(figure, rates)} [{number}]")
        lines += _spread_lines(group, numbers)
    lines += ["", "<b>Keep in mind</b>"]
    lines += [f"• {line}" for line in _caveats(salaries, numbers, rates)]
    lines += ["", "<b>Sources</b>"]
    citations = []
    for source, number in numbers.items():
        title = (titles or {}).get(source, source)
        lines.append(f"[{number}] {escape(title)}")
        citations.append(
            Citation(
                n=number,
                passage_id=f"salaries:{source}",  # not a search passage: the figures' quotes
                doc_id=source,
                title=title,
                section="Salary figures",
                text="\n".join(quotes[source]),
                score=1.0,  # a direct citation of the figure's own sentence, not a search hit
            )
        )
    text = _fit("\n".join(lines))
    return Reply(text, _filter_buttons(region, level), tuple(citations), edit=edit)


def _header(region: str | None, level: str | None, used_profile: bool) -> str:
    where = f"{REGION_FLAGS[region]} {REGION_NAMES[region]}" if region else "all regions"
    which = LEVEL_NAMES[level] if level else "all levels"
    header = f"💰 <b>ML engineer salaries</b> · {escape(where)} · {escape(which.lower())}"
    if used_profile:
        header += "\n<i>Filtered by your /profile; tap “All” to see more.</i>"
    return header


def _ordered(figures: list[SalaryFigure]) -> list[SalaryFigure]:
    return sorted(figures, key=lambda figure: SALARY_LEVELS.index(figure.level))


def _label(figure: SalaryFigure) -> str:
    parts = [LEVEL_NAMES[figure.level]]
    if figure.experience:
        parts.append(figure.experience)
    if figure.place:
        parts.append(figure.place)
    return escape(", ".join(parts))


def _money(amount: float, currency: str) -> str:
    return f"{CURRENCY_SIGNS[currency]}{amount:,.0f}"


def _amount_text(
    low: float | None,
    high: float | None,
    average: float | None,
    currency: str,
    open_ended: bool = False,
    qualifier: str | None = None,
) -> str:
    plus = "+" if open_ended else ""
    if low is not None and high is not None:
        text = f"{_money(low, currency)}–{high:,.0f}{plus}"
    elif low is not None:
        text = f"{_money(low, currency)}{plus}"
    elif high is not None:
        text = f"up to {_money(high, currency)}"
    else:
        text = ""
    if average is not None:
        mean = f"{qualifier + ' ' if qualifier else ''}{_money(average, currency)}"
        text = f"{text}, average {mean}" if text else f"average {mean}"
    return text


def _round_usd(amount: float) -> float:
    step = 10 if amount < 10_000 else 100
    return round(amount / step) * step


def _figure_line(figure: SalaryFigure, rates: ExchangeRates | None) -> str:
    """Label: as written → yearly amount (≈ US$)."""
    written = escape(figure.written)
    yearly = _amount_text(
        figure.annual_min,
        figure.annual_max,
        figure.annual_average,
        figure.currency,
        figure.open_ended,
        figure.qualifier,
    )
    line = f"{_label(figure)}: {written}"
    restated = figure.period != "year" or figure.unit != "one"
    if restated:
        line += f" → <b>{escape(yearly)} a year</b>"
    if rates is not None and figure.currency != "USD":
        usd = [
            None if amount is None else rates.to_usd(amount, figure.currency)
            for amount in (figure.annual_min, figure.annual_max, figure.annual_average)
        ]
        rounded = [None if value is None else _round_usd(value) for value in usd]
        in_usd = _amount_text(*rounded, "USD", figure.open_ended, figure.qualifier)
        line += f" (≈ {escape(in_usd)}{'' if restated else ' a year'})"
    return line


def _spread_lines(group: list[SalaryFigure], numbers: Mapping[str, int]) -> list[str]:
    """The range across sources, per currency, when more than one source covers a region."""
    lines = []
    for currency in dict.fromkeys(figure.currency for figure in group):
        same = [figure for figure in group if figure.currency == currency]
        sources = list(dict.fromkeys(figure.source for figure in same))
        if len(sources) < 2:
            continue
        low = min(min(figure.annual_amounts) for figure in same)
        high = max(max(figure.annual_amounts) for figure in same)
        open_top = any(figure.open_ended and max(figure.annual_amounts) == high for figure in same)
        cited = "".join(f"[{n}]" for n in sorted(numbers[source] for source in sources))
        spread = _amount_text(low, high, None, currency, open_top)
        lines.append(
            f"↔ <i>The {len(sources)} sources differ; together they span "
            f"{escape(spread)} a year</i> {cited}"
        )
    return lines


def _caveats(
    salaries: Salaries, numbers: Mapping[str, int], rates: ExchangeRates | None
) -> list[str]:
    lines = [escape(caveat) for caveat in salaries.caveats]
    with_figures = {figure.source for figure in salaries.figures}
    sampled = [figure for figure in salaries.figures if figure.sample_size]
    sampled_sources = {figure.source for figure in sampled}
    if not sampled:
        lines.append("None of the sources says how many salaries its figures are based on.")
    else:
        details = "; ".join(
            f"{figure.sample_size:,} salaries"
            + (f" [{numbers[figure.source]}]" if figure.source in numbers else "")
            for figure in sampled
        )
        count = "one" if len(sampled_sources) == 1 else str(len(sampled_sources))
        lines.append(
            f"Only {count} of the {len(with_figures)} sources with figures states a sample size "
            f"({details})."
        )
    lines.append(
        "Yearly amounts are computed: monthly × 12; 1 lakh = 100,000; 1 crore = 10,000,000."
    )
    if rates is not None:
        lines.append(
            f"≈ dollar amounts are approximate, at exchange rates as of "
            f"{rates.as_of.isoformat()} ({escape(rates.note)}), not from the articles."
        )
    return lines


def _filter_buttons(region: str | None, level: str | None) -> ButtonRows:
    current_region = region or ALL
    current_level = level or ALL

    def mark(chosen: bool, label: str) -> str:
        return f"• {label}" if chosen else label

    region_row = [
        Button(
            mark(choice == current_region, f"{REGION_FLAGS[choice]} {REGION_NAMES[choice]}"),
            f"{PREFIX}f:{choice}:{current_level}",
        )
        for choice in SALARY_REGIONS
    ]
    region_row.append(
        Button(mark(current_region == ALL, "All"), f"{PREFIX}f:{ALL}:{current_level}")
    )
    level_row = [
        Button(mark(choice == current_level, label), f"{PREFIX}f:{current_region}:{choice}")
        for choice, label in LEVEL_BUTTONS
    ]
    level_row.append(Button(mark(current_level == ALL, "All"), f"{PREFIX}f:{current_region}:{ALL}"))
    return (tuple(region_row), tuple(level_row))


def _fit(text: str) -> str:
    """Keep a reply within Telegram's limit by dropping whole figure lines from the end."""
    if len(text) <= TELEGRAM_LIMIT:
        return text
    lines = text.split("\n")
    keep_from = lines.index("<b>Keep in mind</b>") - 1
    head, tail = lines[:keep_from], lines[keep_from:]
    while len("\n".join(head + tail)) > TELEGRAM_LIMIT - 40 and len(head) > 2:
        head.pop()
    return "\n".join([*head, "<i>(more figures: narrow the filters)</i>", *tail])

"""The one vocabulary of places, career levels and pay units (lexicon.yaml), and how to find
its words in a message.

Every part of the bot that reads a region, a level or a unit wish from text goes through a
`Lexicon`, so "fresher" or "Lahore" mean the same thing in search, /salary, /roadmap,
/profile and follow-ups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from knowledge.models import NonEmpty, Region, StrictModel, Term
from knowledge.phrase_pattern import PhrasePattern

CareerLevel = Literal["beginner", "internship", "entry", "mid", "senior"]
CAREER_LEVELS: tuple[CareerLevel, ...] = ("beginner", "internship", "entry", "mid", "senior")
Unit = Literal["month", "year", "lakh", "usd"]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class RegionWords(StrictModel):
    name: NonEmpty
    flag: NonEmpty
    currency: Currency | None = None
    words: tuple[Term, ...] = Field(min_length=1)
    upper_case_only: tuple[NonEmpty, ...] = ()
    cities: tuple[Term, ...] = ()


class LevelWords(StrictModel):
    name: NonEmpty
    phrase: NonEmpty  # how a question says it: "at senior level"
    words: tuple[Term, ...] = Field(min_length=1)


class LexiconFile(StrictModel):
    """lexicon.yaml, validated: every word belongs to one place, level or unit."""

    regions: dict[Region, RegionWords]
    uncovered_places: dict[NonEmpty, tuple[Term, ...]]
    levels: dict[CareerLevel, LevelWords]
    overall_words: tuple[Term, ...]
    units: dict[Unit, tuple[Term, ...]]
    uncovered_topics: dict[NonEmpty, tuple[Term, ...]] = Field(default_factory=dict)
    # Phrases that use a listed subject's word in another sense ("cost/benefit").
    uncovered_topic_idioms: tuple[Term, ...] = ()

    @model_validator(mode="after")
    def _each_word_once(self) -> LexiconFile:
        owner: dict[str, str] = {}

        def claim(words: tuple[str, ...], name: str) -> None:
            for word in words:
                if owner.setdefault(word, name) != name:
                    raise ValueError(f"{word!r} is listed under both {owner[word]} and {name}")

        for region, entry in self.regions.items():
            claim(entry.words + entry.cities, f"regions.{region}")
        for place, words in self.uncovered_places.items():
            claim(words, f"uncovered_places.{place}")
        for level, entry in self.levels.items():
            claim(entry.words, f"levels.{level}")
        claim(self.overall_words, "overall_words")
        for topic, words in self.uncovered_topics.items():
            claim(words, f"uncovered_topics.{topic}")
        missing = set(CAREER_LEVELS) - set(self.levels)
        if missing:
            raise ValueError(f"levels: missing {', '.join(sorted(missing))}")
        return self


def _key(phrase: str) -> str:
    """How a phrase is matched: lower case, a hyphen as a space ("entry-level"). Case is
    folded character by character as the patterns' IGNORECASE does, so whatever they match
    has a key: "pakiſtan" and "PAKİSTAN" are "pakistan" (lower() keeps "ſ", and makes "İ"
    two characters)."""
    if phrase.isascii():
        return phrase.lower().replace("-", " ")
    return "".join(map(_fold, phrase)).replace("-", " ")


def _fold(char: str) -> str:
    folded = char.casefold()
    return folded if len(folded) == 1 else char.lower()[0]


def _phrase_pattern(phrases: list[str], flags: int = re.IGNORECASE) -> PhrasePattern:
    # Whole words only; a trailing "." of "u.s." may end the sentence too.
    return PhrasePattern(phrases, r"(?<![\w.$])", r"(?![\w+$])", flags)


_LONE_US = re.compile(r"^(?:(?:and|or)\s+)?us(?=\W*$)", re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    """A word of the lexicon found in a message: what it names and where."""

    value: str
    phrase: str
    start: int
    is_city: bool = False


class Lexicon:
    """lexicon.yaml ready for matching: phrase -> what it names, one pattern per kind.

    Built once at start and only read afterwards.
    """

    def __init__(self, data: LexiconFile) -> None:
        self.data = data
        regions = [(w, r) for r, e in data.regions.items() for w in (*e.words, *e.cities)]
        upper = [(w, r) for r, e in data.regions.items() for w in e.upper_case_only]
        places = [(w, name) for name, ws in data.uncovered_places.items() for w in ws]
        levels = [(w, lv) for lv, e in data.levels.items() for w in e.words]
        units = [(w, unit) for unit, ws in data.units.items() for w in ws]
        topics = [(w, topic) for topic, ws in data.uncovered_topics.items() for w in ws]
        overall = [(w, "overall") for w in data.overall_words]
        self._tables: dict[str, dict[str, str]] = {
            "regions": {_key(w): r for w, r in regions},
            "upper": dict(upper),
            "places": {_key(w): name for w, name in places},
            "levels": {_key(w): lv for w, lv in levels},
            "units": {_key(w): unit for w, unit in units},
            "topics": {_key(w): topic for w, topic in topics},
            "overall": {_key(w): value for w, value in overall},
        }
        # (read for every region a question names: made once)
        self._countries = tuple(region for region in data.regions if region != "global")
        self._cities = frozenset(_key(c) for e in data.regions.values() for c in e.cities)
        self._patterns = {
            "regions": _phrase_pattern([_key(w) for w, _ in regions]),
            "upper": _phrase_pattern([w for w, _ in upper], flags=0),
            "places": _phrase_pattern([_key(w) for w, _ in places]),
            "levels": _phrase_pattern([_key(w) for w, _ in levels]),
            "units": _phrase_pattern([_key(w) for w, _ in units]),
            "topics": _phrase_pattern([_key(w) for w, _ in topics]),
            "overall": _phrase_pattern([_key(w) for w in data.overall_words]),
        }
        self._idioms = (
            _phrase_pattern([_key(w) for w in data.uncovered_topic_idioms])
            if data.uncovered_topic_idioms
            else None
        )

    # What the words name ------------------------------------------------------------------

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(self.data.regions)

    @property
    def countries(self) -> tuple[str, ...]:
        """The regions that are one country each: all but "global" (worldwide)."""
        return self._countries

    def region(self, region: str) -> RegionWords:
        return self.data.regions[region]  # type: ignore[index]

    def flagged_name(self, region: str) -> str:
        """The region's name with its flag before the name itself: "🇵🇰 Pakistan", "the 🇺🇸 US"."""
        entry = self.region(region)
        article = "the " if entry.name.startswith("the ") else ""
        return f"{article}{entry.flag} {entry.name.removeprefix('the ')}"

    def level_name(self, level: str) -> str:
        return self.data.levels[level].name  # type: ignore[index]

    def level_phrase(self, level: str) -> str:
        return self.data.levels[level].phrase  # type: ignore[index]

    def word_table(self, kind: Literal["regions", "levels", "units"]) -> dict[str, str]:
        """Phrase -> value, for views that match single command words ("pk", "sr")."""
        return dict(self._tables[kind])

    # Finding them in text ------------------------------------------------------------------

    def _find(self, kind: str, text: str) -> list[tuple[str, re.Match[str]]]:
        pattern = self._patterns[kind]
        table = self._tables[kind]
        key = (lambda word: word) if kind == "upper" else _key
        # "work-from-home" is "work from home": same length, so positions still hold.
        spaced = text.replace("-", " ")
        return [(table[key(m.group(0))], m) for m in pattern.finditer(spaced)]

    def region_mentions(self, text: str) -> list[Mention]:
        found = [
            Mention(value, m.group(0), m.start(), _key(m.group(0)) in self._cities)
            for value, m in self._find("regions", text)
        ]
        found += [Mention(value, m.group(0), m.start()) for value, m in self._find("upper", text)]
        return sorted(found, key=lambda mention: mention.start)

    @staticmethod
    def lone_us_spelled_out(text: str) -> str:
        """ "us" as a whole message ("us?", "and us") is the country: a pronoun needs a
        sentence around it. Written "the US", which the lexicon names."""
        return _LONE_US.sub("the US", text)

    def countries_in(self, text: str) -> tuple[str, ...]:
        """The covered countries a text names: regions_in without "worldwide"."""
        return tuple(region for region in self.regions_in(text) if region in self.countries)

    def regions_in(self, text: str) -> tuple[str, ...]:
        """The covered regions a text names (a city names its country), first named first."""
        return tuple(dict.fromkeys(m.value for m in self.region_mentions(text)))

    def uncovered_in(self, text: str) -> tuple[str, ...]:
        """Places the articles give nothing for ("Germany", "Dubai" -> "the UAE")."""
        return tuple(dict.fromkeys(value for value, _ in self._find("places", text)))

    def uncovered_spans(self, text: str) -> list[tuple[int, int]]:
        """Where the places the articles give nothing for stand in a text."""
        return [(m.start(), m.end()) for _, m in self._find("places", text)]

    def levels_in(self, text: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(value for value, _ in self._find("levels", text)))

    def level_spans(self, text: str) -> list[tuple[int, int]]:
        """Where level words stand in a text, to take them out of a re-aimed question."""
        return [(m.start(), m.end()) for _, m in self._find("levels", text)]

    def unit_spans(self, text: str) -> list[tuple[int, int]]:
        """Where pay-unit words stand in a text ("per month", "LPA")."""
        return [(m.start(), m.end()) for _, m in self._find("units", text)]

    def units_in(self, text: str) -> frozenset[str]:
        return frozenset(value for value, _ in self._find("units", text))

    def uncovered_topic_in(self, text: str) -> str | None:
        """A subject the articles don't cover although they use its words ("remote work");
        not where its word is part of an idiom ("the cost/benefit of a topic")."""
        if self._idioms is not None:
            text = self._idioms.sub(" ", text.replace("-", " "))
        found = self._find("topics", text)
        return found[0][0] if found else None

    def uncovered_topic_phrases(self, topic: str) -> tuple[str, ...]:
        """The phrases of a listed subject, for telling what else a question asks."""
        return self.data.uncovered_topics.get(topic, ())

    def leftover_words(self, text: str) -> list[str]:
        """The lower-case words of a text that no phrase of the lexicon covers ("/salary pk
        senior please" -> ["please"])."""
        spaced = text.replace("-", " ")
        for kind in ("regions", "upper", "places", "levels", "units", "overall"):
            spaced = self._patterns[kind].sub(" ", spaced)
        return re.findall(r"[a-z0-9]+", spaced.lower())

    def asks_overall(self, text: str) -> bool:
        return bool(self._find("overall", text))


def load_lexicon(path: Path | None = None) -> Lexicon:
    """lexicon.yaml as a Lexicon (the knowledge folder's unless a path is given), read and
    compiled once per version of the file: the loader and the views share it."""
    from knowledge.loader import KNOWLEDGE_DIR

    path = (path or KNOWLEDGE_DIR / "lexicon.yaml").resolve()
    try:
        modified = path.stat().st_mtime_ns
    except OSError:
        modified = 0  # validate_file reports the missing file by name
    return _load_lexicon(path, modified)


@lru_cache(maxsize=4)
def _load_lexicon(path: Path, modified_ns: int) -> Lexicon:
    from knowledge.loader import validate_file

    return Lexicon(validate_file(LexiconFile, path))

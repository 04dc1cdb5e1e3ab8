"""Read a message once, before anything answers it: what it asks and about where.

One pass turns a typed message into a `Reading`: its kind (greeting, thanks, a follow-up,
a pay or roadmap request, a question, off-topic), the regions, places, levels and pay units
it names (from the one lexicon), its topic, and the search engine's understanding of it.
Every view and the search use this result instead of reading the words again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.core.conversation import Exchange
from bot.core.follow_up import FollowUp, classify_follow_up, points_back
from bot.core.roadmap_view import roadmap_level_from_text
from bot.core.salary_view import salary_filters_from_text
from knowledge.lexicon import Lexicon
from retrieval.scope import MessageKind
from retrieval.search import SearchEngine, Understanding

# "Which cert should a beginner start with?" is about certifications, not the whole roadmap.
ROADMAP_TOPICS = frozenset({"roadmap", "general", "career"})
_PROFILE_REQUEST = re.compile(
    r"^(?:(?:show|see|view|open|change|update|edit|set)\s+)?(?:my\s+)(?:profile|region|level)\b",
    re.IGNORECASE,
)


# What something costs is not what a job pays: "how much does the AWS exam cost".
_COST = re.compile(
    r"\b(?:cost|costs|fee|fees|price|prices|tuition|charges?|expensive|cheap|afford)\b",
    re.IGNORECASE,
)


# Declines that stand whatever came before: "tell me a joke about it" is still a joke.
_FIRM_DECLINES = frozenset(
    {"asks for a task, not career advice", "instructions to the bot", "about another field"}
)


def _could_lean_back(understood: Understanding) -> bool:
    """A message that names nothing of the career itself and is not a firm decline."""
    decision = understood.decision
    if decision.anchored or decision.reason in _FIRM_DECLINES:
        return False
    return decision.kind in (MessageKind.QUESTION, MessageKind.OFF_TOPIC)


class Kind(StrEnum):
    EMPTY = "empty"
    GREETING = "greeting"
    THANKS = "thanks"
    MORE = "more"
    WHY = "why"
    REFINE = "refine"
    CONTEXT = "context"  # a short question that points back: asked about the last subject
    SALARY = "salary"
    ROADMAP = "roadmap"
    PROFILE = "profile"
    QUESTION = "question"
    OFF_TOPIC = "off_topic"


_SCOPE_KINDS = {
    MessageKind.GREETING: Kind.GREETING,
    MessageKind.THANKS: Kind.THANKS,
    MessageKind.OFF_TOPIC: Kind.OFF_TOPIC,
}


@dataclass(frozen=True)
class Reading:
    """What one message asks."""

    text: str
    kind: Kind
    regions: tuple[str, ...] = ()  # covered regions named (a city names its country)
    places: tuple[str, ...] = ()  # places the articles don't cover ("Germany")
    levels: tuple[str, ...] = ()  # career levels named
    units: frozenset[str] = frozenset()  # how pay should be expressed
    topic: str = "general"
    understood: Understanding | None = None  # the engine's reading, for the search

    @property
    def region(self) -> str | None:
        """The one country asked about, if exactly one is named."""
        countries = [r for r in self.regions if r != "global"]
        return countries[0] if len(countries) == 1 else None


class MessageReader:
    def __init__(self, engine: SearchEngine, lexicon: Lexicon) -> None:
        self.engine = engine
        self.lexicon = lexicon

    def read(self, text: str, last: Exchange | None) -> Reading:
        text = " ".join(text.split())
        if not text:
            return Reading(text, Kind.EMPTY)
        lexicon = self.lexicon
        names = {
            "regions": lexicon.regions_in(text),
            "places": lexicon.uncovered_in(text),
            "levels": lexicon.levels_in(text),
            "units": lexicon.units_in(text),
        }
        follow_up = classify_follow_up(text, last is not None, lexicon)
        if follow_up != FollowUp.NONE:
            kind = {FollowUp.MORE: Kind.MORE, FollowUp.WHY: Kind.WHY}.get(follow_up, Kind.REFINE)
            return Reading(text, kind, **names)
        if _PROFILE_REQUEST.match(text):
            return Reading(text, Kind.PROFILE, **names)
        understood = self.engine.understand(text)
        kind = _SCOPE_KINDS.get(understood.decision.kind, Kind.QUESTION)
        if last is not None and points_back(text) and _could_lean_back(understood):
            return Reading(text, Kind.CONTEXT, **names)
        if kind == Kind.QUESTION:
            asks_pay = understood.topic == "salary" and not _COST.search(text)
            if asks_pay and salary_filters_from_text(text) is not None:
                kind = Kind.SALARY
            elif understood.topic in ROADMAP_TOPICS and roadmap_level_from_text(text):
                kind = Kind.ROADMAP
            if kind == Kind.ROADMAP and lexicon.uncovered_topic_in(text):
                kind = Kind.QUESTION  # "too old to start?": say what isn't covered first
        return Reading(text, kind, topic=understood.topic, understood=understood, **names)

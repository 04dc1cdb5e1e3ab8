"""Read a message once, before anything answers it: what it asks and about where.

One pass turns a typed message into a `Reading`: its kind (greeting, thanks, a follow-up,
a pay or roadmap request, a question, off-topic), the regions, levels and pay units it names
(from the one lexicon), what a pay or roadmap request asks, and the search engine's
understanding of it (query, scope and topic).
Every view and the search use this result instead of reading the words again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.core.conversation import Exchange
from bot.core.coverage import ASKS_DURATION
from bot.core.follow_up import (
    FollowUp,
    asks_next_stage,
    classify_follow_up,
    drop_regions,
    points_back,
    without_places,
)
from bot.core.roadmap_view import (
    asks_for_a_timed_plan,
    asks_for_the_roadmap,
    asks_where_to_start,
    roadmap_level_from_text,
    stage_after_learning,
    stage_number_in,
)
from bot.core.salary_view import (
    SalaryFilters,
    asks_how_much_one_makes,
    salary_filters_from_text,
)
from knowledge.lexicon import Lexicon
from retrieval.people import without_story_people
from retrieval.scope import ANOTHER_FIELD, MessageKind, has_emoji, wordless
from retrieval.search import CLOSER_TO_OUTSIDERS, SearchEngine, Understanding

# "Which cert should a beginner start with?" is about certifications, not the whole roadmap.
ROADMAP_TOPICS = frozenset({"roadmap", "general", "career"})
_PROFILE_REQUEST = re.compile(
    r"^(?:(?:show|see|view|open|change|update|edit|set)\s+)?(?:my\s+)(?:profile|region|level)\b",
    re.IGNORECASE,
)

# "help", "menu", "what can you do?": /help asked in words (a word alone, not "help me
# choose a certification"); and questions about the bot itself ("are you a bot?", "who made
# you and what model are you?"), one or more, which the help answers.
_WHAT_THE_BOT_IS = (
    r"(?:who|what) are you|"
    r"(?:are you|is this|r u|u) (?:an? )?(?:bot|robot|chat ?bot|human|real|real person|person|"
    r"ai|chatgpt|gpt|gemini|claude|llm)(?: or (?:an? )?(?:bot|human|real person|person|ai))?|"
    r"who (?:made|built|created|programmed|developed|owns|trained) (?:you|this)(?: bot)?|"
    r"(?:what|which) (?:ai |language |llm )?(?:model|llm|ai) (?:are you|is this|do you use|"
    r"powers you|runs you)"
)
_HELP_REQUEST = re.compile(
    r"^(?:(?:ok|okay|so|then)\W+)?(?:help|menu|commands|options|what can you do|what do you do|"
    r"how does this work|what (?:topics |things |questions )?(?:do|can) (?:you|u) "
    r"(?:cover|answer|know(?: about)?|help with)(?: then)?|what can i ask(?: you)?|"
    r"how (?:do i|to) use (?:this|you|this bot)|"
    rf"(?:{_WHAT_THE_BOT_IS})(?:\W*(?:\band\b|\bor\b|&)?\W*(?:{_WHAT_THE_BOT_IS}))*)\W*$",
    re.IGNORECASE,
)

# A message that only says who the asker is ("im in 1st yr electrical engineering, india",
# "hi, I'm a 3rd year BSCS student at FAST, know python"): nothing to search for yet. It opens
# with the asker (after a greeting, if any) and has no question mark, no word that asks and
# no wish or doubt ("I want to ...", "thinking of switching", "I have a doubt").
_INTRODUCES = re.compile(
    r"^\W*(?:(?:hi|hello|hey|salam|aoa|assalam o alaikum|assalamu? ?alaikum|asalam o alaikum|"
    r"namaste|good (?:morning|evening|afternoon))\b[\s,!.]*)?"
    r"(?:i'm|im|i am|i have|i've|ive|i work|i did|i just|i completed|i finished|i graduated|"
    r"i live|i stay|"
    r"my name is|main|mein|mai|currently|did|doing|done|completed|finished|graduated|"
    # a parent, or anyone asking for someone else: "my son is in 12th class in Karachi"
    r"my (?:son|daughter|kid|child|nephew|niece|brother|sister) (?:is|has|just|did|wants|"
    r"finished|completed|graduated|studies|knows)|"
    # ... and goes on about them: "he is in grade 11 in Dubai"
    r"(?:he|she) (?:is|has|just|did|studies|knows)|he's|she's)\b",
    re.IGNORECASE,
)
_FROM = re.compile(r"^\W*from\s+", re.IGNORECASE)
_ASKS = re.compile(
    r"\?|\b(?:what|how|which|why|when|where|who|should|shall|can|could|would|will|is it|"
    r"is there|are there|do i|does|did i|doubt|query|kya|kaise|kaisay|kaun|kon|kitn\w*|kab|"
    r"kahan|batao|bataen|bataiye|suggest\w*|recommend\w*|help|guide|guidance|advice|advise|"
    r"tell me|want|wanna|thinking|planning|plan to|confused|wondering|unsure|not sure|tips|"
    r"please|pls|plz|chahta|chahti|chahiye|karun|karoon|kar do|karo)\b",
    re.IGNORECASE,
)


# "that's not helpful", "too generic", "you didn't answer my question", "bakwas": the last
# reply did not help (with a few words more at most: "not helpful, i asked if i NEED it").
_COMPLAINT = re.compile(
    r"^\W*(?:(?:ok|okay|bro|bhai|but|hmm+|lol|dude|yaar|sorry|no|nah)\W+)*"
    r"(?:(?:this|that|it|that's|thats|this is|that is|it's|its|these are|those are|these|"
    r"those|you're|youre|you are|ur|u r|"
    r"u are|you|u)\s+)?"
    # "the most useless bot i have ever used", "just a bot copying articles"
    r"(?:(?:just|the most|most|such an?|so|very|really|totally|completely|a|an|the)\s+)*(?:"
    # doubt in the answer itself: "google says otherwise", "all you do is copy paste"
    r"(?:but )?(?:google|chatgpt|gpt|the internet|internet|everyone|others|my (?:friends?|"
    r"teacher|senior)s?) (?:says?|said|told me) (?:otherwise|different(?:ly)?|something else)|"
    r"all (?:you|u) (?:do|can do) is\b[^.?!]*|copy[- ]?past(?:e|ing)\b[^.?!]*|"
    r"(?:stupid|dumb|a bad bot|bad bot)|bot (?:copying|copy[- ]?pasting)\b[^.?!]*|"
    r"(?:not|aren'?t|are not) answering\b[^.?!]*|"
    r"(?:not|wasn'?t|isn'?t|was not|is not) (?:helpful|useful|what i asked|what i meant|clear|"
    r"right|correct|an answer)|(?:too|very|so) (?:generic|vague|general)|generic|useless|"
    r"(?:you|u) (?:didn'?t|did not|dont|don'?t|do not) (?:answer|understand|get)\b[^.?!]*|"
    r"doesn'?t (?:help|answer)\b[^.?!]*|no help|bakwas|bekar|faltu|"
    r"(?:wrong|incorrect)(?: answer)?(?=\W*$)|"
    r"(?:kuch )?samajh nahi aaya|not satisfied)\b"
)
MAX_COMPLAINT_WORDS = 12


def complains(text: str) -> bool:
    """Whether a message says the last reply did not help."""
    return len(text.split()) <= MAX_COMPLAINT_WORDS and bool(_COMPLAINT.match(text.lower()))


# longer, and a firm decline's reasons are more than words ("Hi, I'm Ayesha, 26, working as a
# bank teller in Islamabad. I have a BCom degree." is 16)
MAX_INTRODUCTION_WORDS = 20


def introduces_only(text: str, lexicon: Lexicon) -> bool:
    """Whether a message only tells who the asker is, asking nothing yet, or where they are
    from ("from multan", "from usa, working as postdoc": a place the lexicon names)."""
    if _ASKS.search(text):
        return False
    if _INTRODUCES.match(text):
        return True
    place = _FROM.match(text)
    return place is not None and any(
        mention.start == place.end() for mention in lexicon.region_mentions(text)
    )


# What something costs is not what a job pays: "how much does the AWS exam cost".
_COST = re.compile(
    r"\b(?:cost|costs|fee|fees|price|prices|tuition|charges?|expensive|cheap|afford)\b",
    re.IGNORECASE,
)


def _could_lean_back(understood: Understanding, background: frozenset[str]) -> bool:
    """A message that names nothing of the career itself and is not a firm decline, unless
    it is declined only for naming another field, which after a question is the asker's
    background ("what if i have a bba?"). ``background``: the other field's tokens."""
    decision = understood.decision
    background_alone = bool(background) and decision.reason == ANOTHER_FIELD
    if decision.anchored or (decision.firm and not background_alone):
        return False
    return decision.kind in (MessageKind.QUESTION, MessageKind.OFF_TOPIC)


class Kind(StrEnum):
    EMPTY = "empty"
    GREETING = "greeting"
    THANKS = "thanks"
    MORE = "more"
    WHY = "why"
    SHORTER = "shorter"  # the last answer's opening alone
    REFINE = "refine"
    CONTEXT = "context"  # a short question that points back: asked about the last subject
    SALARY = "salary"
    ROADMAP = "roadmap"
    PROFILE = "profile"
    HELP = "help"
    INTRODUCTION = "introduction"  # who the asker is, and nothing asked yet
    COMPLAINT = "complaint"  # "that's not helpful", "you didn't answer my question"
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
    levels: tuple[str, ...] = ()  # career levels named
    units: frozenset[str] = frozenset()  # how pay should be expressed
    understood: Understanding | None = None  # the engine's reading (query, scope, topic)
    salary_filters: SalaryFilters | None = None  # what a pay request asks, read once
    roadmap_level: str | None = None  # the stage a roadmap request starts from

    @property
    def region(self) -> str | None:
        """The one country asked about, if exactly one is named."""
        countries = [r for r in self.regions if r != "global"]
        return countries[0] if len(countries) == 1 else None


def place_of(exchange: Exchange, lexicon: Lexicon) -> str | None:
    """The one country an exchange was about: its view's, or the one its question named."""
    if exchange.region:  # (a view of every region, or worldwide, is about no one country)
        return exchange.region if exchange.region in lexicon.countries else None
    named = lexicon.regions_in(exchange.question)
    return named[0] if len(named) == 1 and named[0] in lexicon.countries else None


class MessageReader:
    def __init__(self, engine: SearchEngine, lexicon: Lexicon) -> None:
        self.engine = engine
        self.lexicon = lexicon

    def _leans_back(self, text: str, understood: Understanding) -> bool:
        """Whether a message that points back leans on the last question: it names nothing
        of the career but, perhaps, a place ("how do i get one in pakistan?" after
        internships), where the last question said what."""
        background = self.engine.scope.other_field_tokens(understood.query.tokens)
        if _could_lean_back(understood, background):
            return True
        # "is that before tax?" after the pay figures: a topic the articles lack, asked of
        # what was just said, is told so there, not declined as another field's question
        if self.lexicon.uncovered_topic_in(text) is not None:
            return True
        if not understood.decision.anchored or not self.lexicon.region_mentions(text):
            return False
        placeless = self.engine.understand(drop_regions(text, self.lexicon))
        return _could_lean_back(placeless, background)

    def _past_a_lacking_place(self, text: str, understood: Understanding) -> Understanding:
        """ "do i need a masters in the UK?" was declined for a word no article uses: the
        place. Understood without it, a question that names the career is one (and its
        reply says first that the articles lack the place); "what time is it in London"
        names nothing of the career and stays declined."""
        decision = understood.decision
        if (
            decision.kind != MessageKind.OFF_TOPIC
            or decision.firm
            or not self.lexicon.uncovered_in(text)
        ):
            return understood
        placeless = self.engine.understand(without_places(text, self.lexicon))
        if placeless.decision.kind != MessageKind.QUESTION or not placeless.decision.anchored:
            return understood
        return replace(placeless, question=text)

    def read(self, text: str, last: Exchange | None) -> Reading:
        text = self.lexicon.lone_us_spelled_out(" ".join(text.split()))
        if not text or (wordless(text) and not has_emoji(text)):
            return Reading(text, Kind.EMPTY)  # nothing, or "?", "...": nothing said
        lexicon = self.lexicon
        # The levels it names are not its story's people ("a senior of mine got a job":
        # retrieval/people.py), in the pay view, the roadmap or a follow-up.
        unpeopled = without_story_people(text)
        names = {
            "regions": lexicon.regions_in(text),
            "levels": lexicon.levels_in(unpeopled),
            "units": lexicon.units_in(text),
        }
        if complains(text):
            return Reading(text, Kind.COMPLAINT, **names)
        follow_up = classify_follow_up(text, last is not None, lexicon)
        if follow_up != FollowUp.NONE:
            kind = {
                FollowUp.MORE: Kind.MORE, FollowUp.WHY: Kind.WHY, FollowUp.SHORTER: Kind.SHORTER
            }.get(follow_up, Kind.REFINE)
            return Reading(text, kind, **names)
        if _PROFILE_REQUEST.match(text):
            return Reading(text, Kind.PROFILE, **names)
        if _HELP_REQUEST.match(text):
            return Reading(text, Kind.HELP, **names)
        stage = stage_number_in(text) or stage_after_learning(self.engine.knowledge.roadmap, text)
        if stage is not None:  # "what's stage 7"
            return Reading(text, Kind.ROADMAP, roadmap_level=stage, **names)
        if asks_where_to_start(text):
            return Reading(text, Kind.ROADMAP, roadmap_level="beginner", **names)
        if asks_next_stage(text, whole=True):
            # "whats the next step", with no roadmap stage shown to follow (the dialogue
            # follows one itself): the roadmap's stages, to pick up where one is ("zero
            # experience, just graduated. what now?" says where one is: it is searched)
            return Reading(text, Kind.ROADMAP, **names)
        understood = self._past_a_lacking_place(text, self.engine.understand(text))
        kind = _SCOPE_KINDS.get(understood.decision.kind, Kind.QUESTION)
        decision = understood.decision
        if (
            kind in (Kind.QUESTION, Kind.OFF_TOPIC)
            # (not a task, but a field of one's own, a nurse's, or a short story that only
            # its meaning declined: "i work full time 9 to 5")
            and (
                not decision.firm
                or (
                    decision.reason in (ANOTHER_FIELD, CLOSER_TO_OUTSIDERS)
                    and len(text.split()) <= MAX_INTRODUCTION_WORDS
                )
            )
            and introduces_only(text, lexicon)
        ):
            return Reading(text, Kind.INTRODUCTION, understood=understood, **names)
        if last is not None and points_back(text) and self._leans_back(text, understood):
            return Reading(text, Kind.CONTEXT, **names)
        filters, level = None, None
        if kind == Kind.QUESTION:
            # ("ml salary pakistan vs india" compares the figures the pay view shows side by side)
            asks_pay = (
                understood.topic == "salary"
                or (understood.topic == "comparison" and len(names["regions"]) > 1)
                # ("... in San Francisco make vs New York?" compares what one view cannot)
                or (understood.topic != "comparison" and asks_how_much_one_makes(text))
            )
            if asks_pay and not _COST.search(text):
                filters = salary_filters_from_text(unpeopled)
                corrected = understood.query.text
                if filters is None and corrected != text.lower():
                    # The text as understood names pay where the user wrote it in Roman
                    # Urdu ("tankhwah", "kamata") or misspelled it.
                    filters = salary_filters_from_text(corrected)
            if filters is not None:
                kind = Kind.SALARY
                if filters.region is None and not filters.uncovered and last is not None:
                    # "salary kitni hoti hai wahan" (there), "what would my salary be after
                    # switching" (after "... a java developer in pune"): in a chat, a pay
                    # question that names no place asks about the one the last one named
                    filters = replace(filters, region=place_of(last, lexicon))
            elif understood.topic in ROADMAP_TOPICS or asks_for_a_timed_plan(text):
                level = roadmap_level_from_text(unpeopled)
                # "how long does it take from zero?" asks for a time, which no stage gives
                if level is not None and ASKS_DURATION.search(text):
                    level = None
                # "too old to start?": say what isn't covered first, not the roadmap
                if (level or asks_for_the_roadmap(text)) and not lexicon.uncovered_topic_in(text):
                    kind = Kind.ROADMAP
        return Reading(
            text, kind, understood=understood,
            salary_filters=filters, roadmap_level=level, **names,
        )

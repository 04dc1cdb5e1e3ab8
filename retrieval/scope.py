"""Is a message a career question, a greeting, or something the bot should decline?"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from knowledge.models import Scope
from retrieval.asking_words import NOT_SUBJECTS
from retrieval.people import without_story_people
from retrieval.query import Query
from retrieval.tokenize import normalize, tokenize

# Words that may surround a greeting without making it a question.
_GREETING_FILLER = frozenset(
    """
    there bot everyone all guys sir bro dear friend buddy team again advisor career so
    much a lot very bhai yaar ji jee janab dost bhaiya bhaijaan madam ok okay bahut bohat
    bohot boht
    """.split()
)
_MIN_CONTENT_TOKENS = 1
# Domain words that everyday tech messages use too ("AI camera", "as an AI", "a Python list
# comprehension", "PTCL wifi tech fix"): alone, they do not make a message about the career.
_AI_NAMES = frozenset(
    tokenize(
        "ai artificial intelligence a.i. data python r sql java programming coding tech "
        "developer cloud engineer engineers aws azure docker git github computer"
    )
)
AI_ONLY_UNKNOWN_SHARE = 0.25
_LOOSE_TOPICS = frozenset({"comparison"})  # "iPhone vs Samsung" compares, but not careers
# Words of someone preparing for or working in the field, not using AI for something else:
# "HEC scholarship for an MS in AI", "age limit for AI engineer posts", "AI startups".
_STUDYING = frozenset(
    tokenize(
        "prepare subjects school college university grade student students fsc later ms "
        "masters mtech phd bachelors degree scholarship scholarships admission gate posts "
        "startup startups employer employers hiring"
    )
)
MAX_SMALL_TALK_WORDS = 14  # longer, and a greeting is the opening of something else
LONG_MESSAGE_WORDS = 45  # a longer message tells what happened around what it asks
_DRAWN_OUT = re.compile(r"(\w)\1{2,}")
# A request that opens with a verb of doing something for the asker ("write me ...",
# "can you build ...", "pls fix ..."): hands-on work unless the career is named.
_DO_IT_FOR_ME = re.compile(
    r"^(?:(?:please|pls|plz|kindly|hey|hi|yo|bro|bhai|sir|ok|okay|so|now|quickly)[\s,!]+)*"
    r"(?:(?:can|could|would|will) (?:you|u)(?: please| pls| kindly)? )?(?:help me (?:to )?)?"
    r"(?:write|make|build|create|generate|draw|compose|solve|fix|debug|calculate|compute|"
    r"translate|summari[sz]e|code|program|implement|train|design|develop|predict|analy[sz]e|"
    r"review|check|rate|edit|correct|convert|plot|scrape|optimi[sz]e|tune|label|classify|"
    r"prepare|explain this|tell me a|sing|paint|rewrite|paraphrase|proofread|deploy|host|"
    r"run|install|set up|setup)\b",
    re.IGNORECASE,
)
# What such a request asks for is code ("write a SQL query to find the highest salary",
# "create a script to scrape job posts") or the asker's own papers ("can you review my CV",
# "write my cover letter for a bank job"): a task, whatever career word it has. (Asked how
# to, "how should I write my CV for ML jobs?", it is a question.)
_TASK_OBJECT = re.compile(
    r"^ (?:(?:me|us) )?(?:an?|the|some|this|my) (?:[\w+#-]+ ){0,2}?"
    r"(?:quer(?:y|ies)|functions?|scripts?|programs?|code|snippets?|regex|class(?:es)?|loops?|"
    r"cv|cvs|resume|résumé|cover letter|sop|statement of purpose|essay|linkedin)\b",
    re.IGNORECASE,
)
# A report of an error met while running something ("keep getting a CORS error", "my api
# throws 500"): a request to fix it. ("Mean squared error" names a measure.)
_ERROR_MET = re.compile(
    r"\b(?:get|gets|getting|got|throws?|throwing|gives?|giving|shows?|showing|raises?|hit"
    r"|returns?)(?: \w+){0,3} (?:errors?|exceptions?|[45]\d\d)\b",
    re.IGNORECASE,
)
# A request for an AI product ("which AI voice tool can clone my voice", "best AI image
# generator app"): hands-on, unless the career is named ("which AI tools should an ML
# engineer learn") or the message is about learning ("what AI tools should I learn first").
_AI_PRODUCT = re.compile(
    r"\bai (?:[a-z]+ ){0,2}?(?:tools?|apps?|generators?|websites?)\b", re.IGNORECASE
)
_LEARNING = re.compile(
    # (not the "learning" of "machine learning" or "deep learning", a field's name)
    r"\b(?:(?<!machine )(?<!deep )(?<!reinforcement )(?<!supervised )(?<!transfer )learn\w*|"
    r"stud(?:y|ying|ies)|skills?|courses?|seekh\w*|padh\w*|parh\w*)\b",
    re.IGNORECASE,
)  # (and Roman Urdu's and Hindi's "seekhna", "padhna": to learn, to study)
# Code pasted into the message: "x % 2 == 0", "result.append(x)", "def f():", "import torch".
_PASTED_CODE = re.compile(
    r"==|!=|\w\.\w+\(|\[\s*\]|\bdef \w+\(|^\s*(?:import [\w.]+|from [\w.]+ import)\b"
    r"|\bfor \w+ in \w+:|%>%",
    re.MULTILINE,
)
# Maths to work out: a matrix "[[2, 1], [1, 2]]", "x^2 + 3x", "2*3 = ?", "dy/dx".
_MATHS = re.compile(
    r"\[\s*\[|\b\w\s*\^\s*\d|\d\s*[*/^]\s*\d|\bdy\s*/\s*dx\b|=\s*\?|\bf\(x\)"
)


class MessageKind(StrEnum):
    QUESTION = "question"
    GREETING = "greeting"
    THANKS = "thanks"
    OFF_TOPIC = "off_topic"


# The reason of a THANKS decision for "ok", "got it": a nod, where thanks get "you're welcome".
ACKNOWLEDGMENT = "acknowledgment"
# ... and for "bye", "ok thanks bye": a goodbye.
FAREWELL = "farewell"
# The reason of a decline for naming another field or subject alone ("what if i have a bba").
ANOTHER_FIELD = "about another field"
_SYMBOLS = re.compile(r"[+#]")  # "c++", "c#": a language, not a lone letter


def wordless(text: str) -> bool:
    """Whether a text has no letter or digit ("👍", "?", "...")."""
    return not any(character.isalnum() for character in text)


def has_emoji(text: str) -> bool:
    """Whether a text has an emoji or another pictographic symbol."""
    return any(unicodedata.category(character) == "So" for character in text)


@dataclass(frozen=True)
class ScopeDecision:
    kind: MessageKind
    reason: str
    anchored: bool = False  # a question that names the ML domain or a career term
    names_domain: bool = False  # it names the ML domain itself, not only a career term
    # A decline that stands whatever came before: "tell me a joke about it" after an
    # answer is still a joke, not a follow-up of the answer.
    firm: bool = False


@dataclass(frozen=True, eq=False)
class _Phrases:
    """Word phrases, longest first, filed by their first word: a message is checked only
    against the phrases that start with one of its words, not against every phrase."""

    phrases: tuple[tuple[str, ...], ...]
    by_first: dict[str, tuple[int, ...]]


def _word_phrases(phrases: Iterable[tuple[str, ...]]) -> _Phrases:
    """The phrases (but empty ones), each once, filed by first word."""
    ordered = tuple(sorted({phrase for phrase in phrases if phrase}, key=len, reverse=True))
    by_first: dict[str, list[int]] = {}
    for number, phrase in enumerate(ordered):
        by_first.setdefault(phrase[0], []).append(number)
    return _Phrases(ordered, {first: tuple(numbers) for first, numbers in by_first.items()})


def _phrases(terms: tuple[str, ...]) -> _Phrases:
    """Terms as phrases of the tokens search uses."""
    return _word_phrases(tuple(tokenize(term)) for term in terms)


def _find(phrases: _Phrases, tokens: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where each phrase occurs in the tokens, phrase by phrase (longest first)."""
    candidates = sorted(
        {number for token in set(tokens) for number in phrases.by_first.get(token, ())}
    )
    spans = []
    for phrase in (phrases.phrases[number] for number in candidates):
        size = len(phrase)
        for start in range(len(tokens) - size + 1):
            if tokens[start : start + size] == phrase:
                spans.append((start, start + size))
    return spans


def _longest_at(phrases: _Phrases, words: Sequence[str], start: int) -> tuple[str, ...] | None:
    """The longest of the phrases that the words have at `start`, if any."""
    for number in phrases.by_first.get(words[start], ()):
        phrase = phrases.phrases[number]
        if tuple(words[start : start + len(phrase)]) == phrase:
            return phrase
    return None


def _occurs(phrases: _Phrases, words: Sequence[str]) -> bool:
    """Whether any of the phrases occurs in the words, as whole words in order."""
    if phrases.by_first.keys().isdisjoint(words):  # most messages: no phrase can start
        return False
    return any(_longest_at(phrases, words, start) for start in range(len(words)))


def _words_and_numbers(text: str) -> list[str]:
    """Words with their digits ("gpt-4" -> "gpt 4"), for phrases that name versions."""
    return re.findall(r"[a-z0-9']+", normalize(text).lower())


def is_long_message(text: str) -> bool:
    """Whether a message has over LONG_MESSAGE_WORDS words: a post that tells what happened
    around what it asks, not a question alone."""
    return _is_long(_words_and_numbers(text))


def _is_long(words: Sequence[str]) -> bool:
    """is_long_message for a message's words and numbers, already split."""
    return len(words) > LONG_MESSAGE_WORDS


def _plain_words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", normalize(text).lower())


class ScopeClassifier:
    def __init__(self, scope: Scope) -> None:
        self._domain = _phrases(scope.domain_terms)
        self._shared = frozenset(_phrases(scope.shared_domain_terms).phrases)
        self._career = _phrases(scope.career_terms)
        self._off_domain = _phrases((*scope.other_fields, *scope.off_domain_terms))
        self._other_fields = _phrases(scope.other_fields)
        self._injections = tuple(" ".join(_plain_words(p)) for p in scope.injection_phrases)
        greetings = [tuple(_plain_words(g)) for g in scope.greetings]
        self._thanks = _word_phrases(tuple(_plain_words(t)) for t in scope.thanks)
        self._greetings_or_thanks = _word_phrases([*greetings, *self._thanks.phrases])
        self._acknowledgments = _word_phrases(
            tuple(_plain_words(a)) for a in scope.acknowledgments
        )
        self._farewells = _word_phrases(tuple(_plain_words(f)) for f in scope.farewells)
        # A goodbye may come with thanks or a nod: "ok thanks, bye".
        self._parting = _word_phrases(
            [*self._farewells.phrases, *self._thanks.phrases, *self._acknowledgments.phrases]
        )
        # The words of greetings, thanks, nods and goodbyes, each as written
        self._social_words = frozenset(
            word
            for phrases in (self._greetings_or_thanks, self._acknowledgments, self._farewells)
            for phrase in phrases.phrases
            for word in phrase
        )
        self._topics = {name: _phrases(terms) for name, terms in scope.topics.items()}
        # Every topic's phrases filed by first word, each with its topic's place in the list:
        # a message's topic is then found in one pass over its tokens, not one per topic.
        self._topic_names = (*self._topics, "general")
        topic_phrases: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for place, phrases in enumerate(self._topics.values()):
            for phrase in phrases.phrases:
                topic_phrases.setdefault(phrase[0], []).append((phrase, place))
        self._topic_phrases = {first: tuple(found) for first, found in topic_phrases.items()}
        self._tasks = _word_phrases(tuple(_words_and_numbers(t)) for t in scope.task_terms)
        self._requests = _word_phrases(
            tuple(_words_and_numbers(t)) for t in scope.request_terms
        )
        self._hands_on = _word_phrases(tuple(_words_and_numbers(t)) for t in scope.hands_on_terms)
        anchors = (*scope.career_anchors, *scope.ways_in, *scope.role_names)
        self._anchors = _word_phrases(tuple(_words_and_numbers(t)) for t in anchors)
        self._role = _word_phrases(tuple(_words_and_numbers(t)) for t in scope.role_names)
        self._ways_in = _word_phrases(tuple(_words_and_numbers(t)) for t in scope.ways_in)

    def _social_form(self, word: str) -> str:
        """ "hii", "heyy", "helloo", "okk", "byee": a greeting's or a nod's word typed with its
        last letter doubled is that word."""
        if word in self._social_words or len(word) < 3 or word[-1] != word[-2]:
            return word
        return word[:-1] if word[:-1] in self._social_words else word

    def _only_mentions_ai(
        self, tokens: tuple[str, ...], domain_spans: list[tuple[int, int]], query: Query
    ) -> bool:
        """ "Which CCTV has the best AI face detection?", "use your AI to predict the match":
        a message whose only tie to the domain is the word AI, that names nothing of the
        career, and whose other words the articles mostly lack is about something else."""
        named = {tokens[i] for a, b in domain_spans for i in range(a, b)}
        if not named <= _AI_NAMES or _occurs(self._career, tokens):
            return False
        topics = (phrases for name, phrases in self._topics.items() if name not in _LOOSE_TOPICS)
        if any(_occurs(phrases, tokens) for phrases in topics):
            return False  # "which subjects should I study to do AI later": the way in
        if _STUDYING & set(tokens):
            return False
        content = [t for t in tokens if t not in _AI_NAMES and not t.isdigit()]
        unknown = [t for t in content if t in query.unknown]
        return bool(content) and len(unknown) >= AI_ONLY_UNKNOWN_SHARE * len(content)

    def _social_kind(self, said: list[str], query: Query) -> MessageKind | None:
        """ "hi sir good morning, aap se kuch poochna tha", "arre wah, mast answer tha bhai,
        thanks a lot": a greeting or thanks wrapped in small talk, in any language, that
        names nothing of the domain or the career, is a greeting or thanks."""
        thanks = _occurs(self._thanks, said)
        greeting = thanks or _occurs(self._greetings_or_thanks, said)
        if not greeting or len(said) > MAX_SMALL_TALK_WORDS:
            return None
        named = (self._domain, self._career, self._off_domain)
        if any(_occurs(phrases, query.tokens) for phrases in named):
            return None
        return MessageKind.THANKS if thanks else MessageKind.GREETING

    def _asks_for_a_task(self, words: list[str], raw: str = "") -> bool:
        """A request for something other than career advice: a joke, a laptop, homework,
        maths to work out or code to write; or, unless the message also names the career,
        hands-on work done or fixed (an error met, pasted code) or an AI product to use.

        In a long message (is_long_message), such words are what happened, not what is asked
        ("placements are a joke here", "my github is just code dumps"): only pasted code,
        maths, an error met or a request to the bot ("can you build us ...") count there,
        and the engine's check of the whole message's meaning (stricter for a long one)
        declines the rest."""
        anchored = _occurs(self._anchors, words)
        long = _is_long(words)
        if (not long and _occurs(self._tasks, words)) or _MATHS.search(raw):
            return True
        if _occurs(self._requests, words):
            return True
        stripped = raw.strip()
        request = _DO_IT_FOR_ME.match(stripped)
        if request and _TASK_OBJECT.match(stripped[request.end() :]):
            return True
        # A request, an error met or an AI product, in a message about learning ("make
        # projects or learn theory first?", "getting errors while learning python, is ML for
        # me?"), is a question about the way in.
        asked_of_the_bot = bool(
            request or _ERROR_MET.search(raw) or _AI_PRODUCT.search(raw)
        ) and not _LEARNING.search(raw)
        hands_on = (
            (not long and _occurs(self._hands_on, words))
            or bool(_PASTED_CODE.search(raw))
            or asked_of_the_bot
        )
        return hands_on and not anchored

    @staticmethod
    def _only(words: list[str], phrases: _Phrases) -> bool:
        """The words are one or more of the phrases (longest first), with filler around them."""
        position, found = 0, False
        while position < len(words):
            phrase = _longest_at(phrases, words, position)
            if phrase is not None:
                position += len(phrase)
                found = True
            elif words[position] in _GREETING_FILLER:
                position += 1
            else:
                return False
        return found

    def classify(self, raw: str, query: Query) -> ScopeDecision:
        if raw.strip() and wordless(raw):
            # "👍", "🙏", "😂😂": a reaction, nodded to; "?", "...": nothing said
            if has_emoji(raw):
                return ScopeDecision(MessageKind.THANKS, ACKNOWLEDGMENT)
            return ScopeDecision(MessageKind.OFF_TOPIC, "no words to search for")
        words = _plain_words(raw)
        # "hiii", "heyyy", "thanksss": a drawn-out greeting is still a greeting.
        joined = " ".join(words)
        # (a run of one letter stays in its word; a last letter doubled goes: "hii", "heyy")
        said = [self._social_form(word) for word in _DRAWN_OUT.sub(r"\1", joined).split()]
        if said and _occurs(self._farewells, said) and self._only(said, self._parting):
            return ScopeDecision(MessageKind.THANKS, FAREWELL)
        if said and self._only(said, self._thanks):
            return ScopeDecision(MessageKind.THANKS, "thanks")
        if said and self._only(said, self._greetings_or_thanks):
            return ScopeDecision(MessageKind.GREETING, "greeting")
        if said and self._only(said, self._acknowledgments):
            return ScopeDecision(MessageKind.THANKS, ACKNOWLEDGMENT)
        # "q", "k?": a letter alone names nothing (and "q" is not Q-learning)
        if len(said) == 1 and len(said[0]) == 1 and not _SYMBOLS.search(raw):
            return ScopeDecision(MessageKind.OFF_TOPIC, "no words to search for")
        social = self._social_kind(said, query)
        if social is not None:
            return ScopeDecision(social, "small talk around a greeting or thanks")
        if any(phrase in joined for phrase in self._injections):
            return ScopeDecision(MessageKind.OFF_TOPIC, "instructions to the bot", firm=True)
        # Someone who thinks or wants something ("my girlfriend wants me to do a master's")
        # is a person in the story, not what the message is about: blanked out, as the
        # query was analysed (QueryAnalyzer.analyze), so its tokens have none of them either.
        words_and_numbers = _words_and_numbers(without_story_people(raw))
        if self._asks_for_a_task(words_and_numbers, raw):
            return ScopeDecision(
                MessageKind.OFF_TOPIC, "asks for a task, not career advice", firm=True
            )
        tokens = query.tokens
        off_spans = _find(self._off_domain, tokens)
        outside = tuple(
            token if not any(a <= i < b for a, b in off_spans) else "\0"
            for i, token in enumerate(tokens)
        )
        domain_spans = _find(self._domain, outside)
        if domain_spans and self._only_mentions_ai(tokens, domain_spans, query):
            return ScopeDecision(MessageKind.OFF_TOPIC, "about something else that uses AI")
        # (Not in a long message: a story's "movie recommender" is no other field.)
        if domain_spans and off_spans and not _is_long(words_and_numbers) and all(
            tokens[a:b] in self._shared for a, b in domain_spans
        ):
            return ScopeDecision(
                MessageKind.OFF_TOPIC, "about another field, with words it shares", firm=True
            )
        # A post that tells of its model, data or code with not one word of the career
        # (job, degree, skills, learn, salary...) asks for help with the work itself: in the
        # question sets, every long career question names one.
        if domain_spans and _is_long(words_and_numbers) and not _find(self._career, outside):
            return ScopeDecision(
                MessageKind.OFF_TOPIC, "a post about the work, not the career", firm=True
            )
        if domain_spans:
            return ScopeDecision(
                MessageKind.QUESTION, "names the ML domain", anchored=True, names_domain=True
            )
        if off_spans:
            return ScopeDecision(MessageKind.OFF_TOPIC, ANOTHER_FIELD, firm=True)
        # (asking how to begin is a career word of its own: its words, "start", are not)
        own_hits = len(_find(self._career, outside)) + _occurs(self._ways_in, words_and_numbers)
        # Career words the vocabulary added ("per month" -> salary, "get into" ->
        # roadmap) help a question the user anchored, but cannot anchor one alone:
        # "how much rent per month in karachi" names nothing of the career itself.
        added = tuple(t for t in query.terms if t not in tokens)
        career_hits = own_hits + len(_find(self._career, added))
        # Words that only say how it is asked ("not sure", "my chances", "why does there
        # seem to be") are no subject the articles lack.
        unknown = sum(1 for token in query.unknown if token not in NOT_SUBJECTS)
        content = [t for t in tokens if not t.isdigit()]
        if career_hits:
            if unknown > own_hits or (unknown and unknown == own_hits and len(content) <= 4):
                return ScopeDecision(MessageKind.OFF_TOPIC, "about something the articles lack")
            if not own_hits:
                return ScopeDecision(MessageKind.QUESTION, "a career phrasing")
            return ScopeDecision(MessageKind.QUESTION, "a career question", anchored=True)
        if len(content) < _MIN_CONTENT_TOKENS:
            return ScopeDecision(MessageKind.OFF_TOPIC, "no words to search for")
        # Naming neither the domain nor the career, a question with words no article
        # uses is about something else ("what qualities make a good husband").
        if unknown:
            return ScopeDecision(MessageKind.OFF_TOPIC, "words the articles lack")
        return ScopeDecision(MessageKind.QUESTION, "words the articles use")

    def other_field_tokens(self, tokens: tuple[str, ...]) -> frozenset[str]:
        """The tokens of another occupation or field a message names ("mechanical engineer"):
        in a question about moving into ML, the asker's background, not what is asked."""
        spans = _find(self._other_fields, tokens)
        return frozenset(tokens[i] for a, b in spans for i in range(a, b))

    def names_role(self, raw: str) -> bool:
        """Whether the message names the ML-engineer role itself ("ML engineers", "an MLE")."""
        return _occurs(self._role, _words_and_numbers(raw))

    def topic(self, query: Query) -> str:
        return self.topic_of(query.tokens, tuple(query.terms))

    def topic_of(self, *token_lists: tuple[str, ...]) -> str:
        """The first topic (in the scope file's order) that any of the lists names."""
        first = len(self._topics)  # "general"
        for tokens in token_lists:
            for start, token in enumerate(tokens):
                for phrase, place in self._topic_phrases.get(token, ()):
                    if place < first and tokens[start : start + len(phrase)] == phrase:
                        first = place
        return self._topic_names[first]

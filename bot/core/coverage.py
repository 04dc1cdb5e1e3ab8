"""What of a question the articles don't cover, found before the reply is written.

Three general signs, none tied to particular wordings of a question:
- a place the articles give nothing for ("Germany", "Dubai"), with no covered region named;
- words that no article uses at all ("visa", "hours", "layoffs"): the subject is absent;
- an answer of a kind the cited passages cannot give: "how long / how many months" needs a
  duration, and none of them states one;
plus the lexicon's short list of subjects whose words the articles use in another sense
("remote" appears only in "remote sensing").
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable
from dataclasses import dataclass

from knowledge.lexicon import Lexicon
from retrieval.asking_words import GENERIC, NOT_SUBJECTS, PLACE_WORDS
from retrieval.names import capitalized_words, dotted_names
from retrieval.people import asker_words, people_tokens, story_people
from retrieval.query import Query
from retrieval.scope import is_long_message
from retrieval.sentences import split_sentences, worded_sentences
from retrieval.tokenize import (
    STOP_WORDS,
    has_roman_urdu_function_words,
    tokenize,
    with_bigrams,
)

ABSENT_SHARE = 1 / 3
# Roles besides the ML engineer. A sentence contrasting the role with one the question does
# not name ("... while Data Scientists ..." for "ML engineer vs AI engineer?") answers
# another comparison, and the pay figures are the ML engineer's alone. A question names a
# role by its field too ("data science vs ML"); a sentence's "data analysis" is no role.
OTHER_ROLE = re.compile(
    r"\b(?:data scientists?|data analysts?|data engineers?|software engineers?|"
    r"software developers?|ai engineers?|research scientists?|ai researchers?|"
    r"business analysts?)\b",
    re.IGNORECASE,
)
OTHER_ROLE_OR_FIELD = re.compile(
    r"\b(?:data scien\w*|data analy\w*|data engineer\w*|software (?:engineer|develop)\w*|"
    r"ai engineer\w*|research scien\w*|ai research\w*|business analy\w*)",
    re.IGNORECASE,
)
# What asks about pay.
PAY_WORDS = frozenset(tokenize("salary salaries pay paid earn earning earnings income package "
                          "ctc lpa lakh money compensation stipend wage"))
# A question that asks how long something takes, and a sentence that says so.
ASKS_DURATION = re.compile(
    r"\bhow (?:long|many (?:months|years|weeks|days))\b|\bhow much time\b|\btime (?:does it|it) "
    r"takes?\b|\btimeline\b|\btime frame\b|\btimeframe\b|\bin (?:\d+|a few|six|three) months\b"
    # Roman Urdu and Hindi: "kitna time lagta hai", "kitne saal lagenge", "kab tak"
    r"|\bkitn[ae] (?:time|waqt|saal|mahine|hafte|din|months?|years?|weeks?|days?)\b|\bkab tak\b"
    # "3 mahine me ML job mil sakti hai?" (in 3 months; months only, as above: "2-3 saal
    # mein saturate ho jayegi?" asks no time of its own)
    r"|\b(?:\d+|ek|do|teen|chaar|chhe|chay) (?:mahine|mahino|months?) (?:me|mein|mai)\b",
    re.IGNORECASE,
)
DURATION = re.compile(
    r"\b\d+(?:\s*[-–+]\s*\d+)?\+?\s*(?:years?|months?|weeks?)\b|\bwithin (?:a few )?months\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_SITE_ENDING = re.compile(r"\.(?:com|org|io|net|dev)$")


# Three-letter English words ("tax", "fee", "gap") are as often Roman Urdu words of their own
# ("kitne din", "kin companies"): in a message with Roman Urdu in it they are not read as English.
SHORT_WORD_LETTERS = 3


@dataclass(frozen=True)
class _WithoutShortWords:
    """The English words longer than SHORT_WORD_LETTERS."""

    words: Container[str]

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and len(word) > SHORT_WORD_LETTERS and word in self.words


@dataclass(frozen=True)
class Gap:
    """What the articles don't cover of a question, and whether anything else of it is."""

    missing: str  # in plain words: "working hours", "Germany", "how long a switch takes"
    coverage: str  # "partial" or "none"
    wording: str = "cover"  # "The articles don't <wording> <missing>."


def gap_sentence(gap: Gap) -> str:
    """The plain first line of a reply the articles only partly cover (text, not HTML)."""
    return f"The articles don't {gap.wording} {gap.missing}."


def _user_phrase(question: str, stems: set[str]) -> str:
    """The user's own words for the missing stems: runs of neighbouring words kept together
    ("H-1B visa"), a lone word in quotes (“nervous”), several joined with "or"."""
    runs: list[list[str]] = []
    previous = -2
    for position, word in enumerate(_WORD.findall(question)):
        if not set(tokenize(word.lower())) & stems:
            continue
        if position == previous + 1:
            runs[-1].append(word)
        else:
            runs.append([word])
        previous = position
    # Each once, as first written: "probation ... during probation" names it once.
    first_written: dict[str, str] = {}
    for phrase in (" ".join(run) for run in runs):
        first_written.setdefault(phrase.casefold(), phrase)
    phrases = list(first_written.values())
    if len(phrases) == 1 and " " not in phrases[0]:
        return f"“{phrases[0]}”"
    if len(phrases) > 1:
        return ", ".join(phrases[:-1]) + " or " + phrases[-1]
    return phrases[0] if phrases else ""


def _content(query: Query, leave_out: Iterable[str] = ()) -> set[str]:
    skip = GENERIC | STOP_WORDS | set(leave_out)
    # (a number, "3" or "2.4", is no subject)
    return {t for t in query.tokens if t not in skip and not t.replace(".", "", 1).isdigit()}


_OTHER_ROLE_PAY = re.compile(
    rf"(?:{OTHER_ROLE.pattern})\s+(?:salary|salaries|pay|package|income|earnings?)\b"
    rf"|\b(?:salary|salaries|pay|package|income) (?:of|for) (?:an? |the )?(?:{OTHER_ROLE.pattern})",
    re.IGNORECASE,
)


def other_role_pay(text: str) -> Gap | None:
    """ "data scientist salary in india": the figures are the ML engineer's alone, so a pay
    question about another role says so before them ("I'm a data analyst, what salary can
    I expect" asks the ML engineer's)."""
    found = _OTHER_ROLE_PAY.search(text)
    if found is None:
        return None
    role = OTHER_ROLE.search(found.group(0))
    assert role is not None
    return Gap(f"figures for the {re.sub(r's$', '', role.group(0).lower())} role", "partial",
               "give")


def _topic_words(lexicon: Lexicon, topic: str) -> set[str]:
    """The tokens of the phrases that name a topic the articles lack."""
    phrases = lexicon.uncovered_topic_phrases(topic)
    return {token for phrase in phrases for token in tokenize(phrase)}


def only_an_uncovered_topic(query: Query, lexicon: Lexicon) -> str | None:
    """The topic the articles lack that a message is about and nothing else ("visa kaise
    milega", "how to get a work visa"): declined, it is told that topic is not covered, not
    that the bot cannot help. A message with more to it ("how to impress girls") is not."""
    topic = lexicon.uncovered_topic_in(query.text)
    if topic is None:
        return None
    rest = _content(query, _topic_words(lexicon, topic)) - NOT_SUBJECTS
    return topic if query.tokens and not rest else None


def find_gap(
    question: str,
    query: Query,
    lexicon: Lexicon,
    article_vocabulary: Container[str],
    cited_texts: list[str],
    english_words: Container[str] = frozenset(),
    background: frozenset[str] = frozenset(),
) -> Gap | None:
    """What the articles don't cover of the question, or None when they cover all of it.
    ``background``: tokens naming the asker's own field ("mechanical engineer" in "can a
    mechanical engineer switch to ML?"), which the articles need not mention."""
    # In a post, what is missing is what it asks about, not what its story names: a PhD
    # "in the UK" asking whether to drop out asks nothing about the UK; nor does a
    # story's "on weekends" ask about working hours.
    asked = _asked_part(question, query)
    places = lexicon.uncovered_in(asked)
    if places and lexicon.countries_in(asked):
        # beside a country they cover ("Singapore pay compared to the US", "is there demand
        # in Riyadh? ... moving from Karachi"): that one is answered, this one said missing
        return Gap(" or ".join(places), "partial", "cover")
    if places:
        place_words = {t for p in places for t in tokenize(p)} | {
            t for word in _WORD.findall(question) if lexicon.uncovered_in(word)
            for t in tokenize(word)
        }
        rest = _content(query, place_words)
        names = " or ".join(places)
        if not rest or rest <= PAY_WORDS:
            return Gap(names, "none", "give figures for" if rest else "cover")
        return Gap(names, "partial", "cover")
    # (its asking sentences first: "I'm 34 ... courses on weekends ... Is it too late for
    # me to switch?" asks about age, not working hours)
    topic = (query.asking and lexicon.uncovered_topic_in(query.asking)) or (
        lexicon.uncovered_topic_in(asked)
    )
    if topic is not None:
        return Gap(topic, _level(query, _topic_words(lexicon, topic), cited_texts))
    if (role_gap := other_role_pay(question)) is not None:
        return role_gap
    if ASKS_DURATION.search(question) and not states_duration(query, cited_texts):
        return Gap("how long it takes", "partial", "say")
    return absent_gap(
        question, query, article_vocabulary, cited_texts, english_words, background=background
    )


# A sentence that asks without a "?": "I have no idea if I should negotiate", "not sure
# whether to stay", "tell me what to do".
_ASKS_INDIRECTLY = re.compile(
    r"\b(?:if|whether|should|how|what|which|why|when|where|wonder(?:ing)?|any advice|"
    r"suggest(?:ions?)?|recommend|tell me|let me know|help me)\b",
    re.IGNORECASE,
)


def _asked_part(question: str, query: Query) -> str:
    """What a post asks: its question sentences, and its last one when that asks too
    without its "?" ("... no idea if I should negotiate."), not when it only adds to the
    story ("Money is tight, so I want to be sure before paying for the GRE."). All of a
    shorter message, whose question may point back at what it names first ("My notice
    period is 90 days. Will startups wait that long?")."""
    if not query.asking or not is_long_message(question):
        return question
    sentences = worded_sentences(question)
    if sentences and _ASKS_INDIRECTLY.search(sentences[-1]):
        return f"{query.asking} {sentences[-1]}"
    return query.asking



def absent_gap(
    question: str,
    query: Query,
    article_vocabulary: Container[str],
    cited_texts: list[str],
    english_words: Container[str] = frozenset(),
    about_pay: bool = False,
    background: frozenset[str] = frozenset(),
) -> Gap | None:
    """A gap for words no article uses, when they carry a good share of what is asked (a
    word the articles lack in a long story is rarely what is asked). ``about_pay``: the
    question asks for pay, where a capitalized word is most often a city, a country or a
    currency (the pay view says which of those it has figures for), not a product."""
    unknown_names = [] if about_pay else _unknown_dotted_names(question, query, article_vocabulary)
    if unknown_names:  # a name is what it asks about ("is fast.ai's course enough?")
        missing = {token for name in unknown_names for token in tokenize(name.lower())}
        return Gap(" or ".join(unknown_names), _level(query, missing, cited_texts), "mention")
    names = query.names if about_pay else query.names | capitalized_words(question)
    if has_roman_urdu_function_words(question):
        english_words = _WithoutShortWords(english_words)
    # The people in it (the asker as they describe themselves, someone who thinks or says
    # something) are background as well: neither missing nor asked about.
    background = background | people_tokens(story_people(question) | asker_words(question))
    absent = _absent_words(question, query, article_vocabulary, english_words, names)
    absent -= background
    # Words of another language or slang ("kya", "sakti", "kinda") are never a missing
    # subject, so they do not count against one either: "PIAIC ka AI course karne se job
    # mil sakti hai?" asks about PIAIC and a course.
    unread = set(query.unknown) - absent - _known_as_words(question, english_words, names)
    asked = {
        token for token in _content(query, background) - NOT_SUBJECTS - PAY_WORDS - query.phrased
        if len(token) > 2 and token not in PLACE_WORDS and token not in unread
    }
    # A word written as a name ("GPUs", "LangChain") that no article has counts twice: it
    # names the subject, where an ordinary word may only be a way of asking. (Not in a pay
    # question, where such a word is mostly a currency or a place: "in CAD".)
    named = set() if about_pay else {t for name in query.names for t in tokenize(name)} & absent
    if absent and len(absent) + len(named) >= ABSENT_SHARE * len(asked | absent):
        return Gap(_user_phrase(question, absent), _level(query, absent, cited_texts), "mention")
    return None


def _unknown_dotted_names(
    question: str, query: Query, article_vocabulary: Container[str]
) -> list[str]:
    """The names written with a dot ("fast.ai") that no article has, outside the story
    around the question. Their words may each be in the articles ("fast", "AI"): the name
    is known only when the articles have them side by side ("DeepLearning.ai")."""
    unknown = []
    for name in dotted_names(question):
        # A web address is its site's name: "kaggle.com" is Kaggle, which the articles have.
        tokens = tokenize(_SITE_ENDING.sub("", name.lower()))
        if not tokens or set(tokens) <= query.story:
            continue
        terms = with_bigrams(tokens)[len(tokens):] if len(tokens) > 1 else tokens
        if not all(term in article_vocabulary for term in terms):
            unknown.append(name)
    return unknown


def _known_as_words(question: str, english: Container[str], names: frozenset[str]) -> set[str]:
    """Stems of the question's words that are English words or names."""
    return {
        token
        for word in _WORD.findall(question)
        if word.lower() in english or word.lower() in names
        for token in tokenize(word.lower())
    }


def _absent_words(
    question: str,
    query: Query,
    article_vocabulary: Container[str],
    english: Container[str],
    names: frozenset[str],
) -> set[str]:
    """Stems of the question's words that the bot does not know at all: in no article, in
    no question people ask of a passage (knowledge/asked), in no vocabulary entry. Such a
    word ("visa", "layoffs", "GRE") names a subject the articles lack; a word merely absent
    from the articles ("matter", "ready") is usually a way of asking about what they have."""
    unknown = set(query.unknown) - query.story  # words of the story around the question
    absent: set[str] = set()
    for word in _WORD.findall(question):
        for token in tokenize(word.lower()):
            if token not in unknown or token in article_vocabulary or token in NOT_SUBJECTS:
                continue
            if len(token) <= 2 or token in PLACE_WORDS or not token.isalpha():
                continue
            if word.lower() not in names and word.lower() not in english:
                continue  # slang or a typo ("kinda", "smth"): not a subject
            if _is_adverb(word.lower(), english):
                continue  # "roughly", "honestly": how it is asked
            absent.add(token)
    return absent


def _is_adverb(word: str, english: Container[str]) -> bool:
    """Whether the word is an English word's "-ly" adverb: roughly (rough), happily (happy),
    simply (simple), fully (full)."""
    if len(word) < 5 or not word.endswith("ly"):
        return False
    bases = (word[:-2], word[:-3] + "y", word[:-1] + "e", word[:-1])
    return any(base in english for base in bases)


def duration_subject(query: Query) -> set[str]:
    """The words of what a how-long question asks about, which a sentence must share to give
    its duration ("master" and "degre" for "how long does a master's degree take")."""
    return _content(query) - NOT_SUBJECTS


def gives_duration(sentence: str, subject: set[str]) -> bool:
    """Whether the sentence gives a duration of ``subject`` (of anything, when empty):
    "(0-2 years)" in a pay table does not say how long a career switch takes."""
    return bool(DURATION.search(sentence)) and (
        not subject or bool(subject & set(tokenize(sentence)))
    )


def states_duration(query: Query, cited_texts: list[str]) -> bool:
    """Whether a cited sentence gives a duration for what was asked."""
    subject = duration_subject(query)
    return any(
        gives_duration(sentence, subject)
        for text in cited_texts
        for sentence in split_sentences(text)
    )


def _level(query: Query, missing: Iterable[str], cited_texts: list[str]) -> str:
    """ "partial" when something else the question asks (in its words or the vocabulary's
    spelled-out ones: "DSA" -> "data structures") is in the cited passages."""
    skip = GENERIC | STOP_WORDS | set(missing) | NOT_SUBJECTS
    rest = _content(query, missing) | {t for t in query.terms if "_" not in t and t not in skip}
    cited = {t for text in cited_texts for t in tokenize(text)}
    return "partial" if rest & cited else "none"

"""Query understanding: corrections, abbreviations and synonyms, then tokenize()."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass

from knowledge.models import Vocabulary
from knowledge.phrase_pattern import PhrasePattern
from retrieval.asking_words import GOAL_VERBS, INTENSIFIERS, names_a_subject, term_words
from retrieval.names import written_names
from retrieval.people import without_story_people
from retrieval.sentences import worded_sentences
from retrieval.spelling import SpellingIndex
from retrieval.tokenize import (
    STOP_WORDS,
    normalize,
    tokenize,
    with_bigrams,
    without_roman_urdu_function_words,
)

# A phrase the vocabulary knows ("pk", "they make", "certs") stands for its expansion
# ("pakistan", "salary", "certifications"): the expansion carries the meaning, the
# literal words count less. Long expansions spread their weight over their words.
EXPANSION_WEIGHT = 1.0
LONG_EXPANSION_WEIGHT = 0.6
PHRASE_WORD_WEIGHT = 0.5
BIGRAM_WEIGHT = 0.5  # "random forest" as a pair, on top of "random" and "forest"
_NUMBER = re.compile(r"\d+(?:st|nd|rd|th)?")  # "2", "2nd": a setting, never a subject
MAX_QUESTION_CHARS = 1000  # longer input is cut before search (a pasted essay, a flood)
_WORD = re.compile(r"[a-z]+")
_LANGUAGE_CONTEXT = re.compile(r"\b(python|sql|java|julia|matlab|language|languages|programming)\b")
# A capital "R" standing alone after the first word is the language ("is R any good").
_CAPITAL_R = re.compile(r"(?<=\S )R(?![\w'’])")
_LOWER_R = re.compile(r"(?<![\w'])r(?![\w'])")
# "US" and "U.S." are the country; lower-cased they would be the stop word "us".
_CAPITAL_US = re.compile(r"(?<![\w.])U\.?S\.?(?![\w'])")
# "how fast does pay grow" asks how quickly, not about FAST, a university in Pakistan that
# one article names ("NUST, FAST, LUMS"): an adverb's "fast" is dropped.
_HOW_FAST = re.compile(r"\b(how|so|too|very|as|really|pretty) fast\b")

# A question that asks what something is: "what is X", "define X", "X meaning",
# "X in simple words", "what does X do". The subject X is matched against what the
# articles define ("X: ...", "X is a ...", "What is X?").
_WHAT = r"(?:what|wat|wht)"
_DEFINITION_QUESTIONS = (
    re.compile(
        rf"^{_WHAT}(?: exactly| actually)?(?: is| are|'s|s| r|(?= an? | the ))"
        r"(?: exactly| actually)? (?:an? |the )?(?P<subject>.+?)$"
    ),
    re.compile(r"^(?:define|definition of|meaning of) (?:an? |the )?(?P<subject>.+)$"),
    re.compile(
        rf"^{_WHAT} (?:does|do) (?:people mean by )?(?:an? |the )?(?P<subject>.+?)"
        r"(?: (?:actually |really )?(?P<asks_meaning>mean|do|work on))?$"
    ),
    re.compile(
        r"^(?P<subject>.+?) (?:meaning|definition|in (?:simple|plain) (?:words|terms|english)"
        r"|in one sentence|in a nutshell)$"
    ),
)
# "(the) (generally accepted | exact | ...) definition / meaning of (a | the)" before X.
_DEFINITION_OF = re.compile(r"^(?:[a-z'-]+ ){0,3}?(?:definition|meaning) of (?:an? |the )?")
# Said around the subject without being part of it.
_DEFINITION_TAIL = re.compile(
    r"(?: (?:exactly|actually|really|used for|in (?:simple|plain) (?:words|terms|english)"
    r"|in one sentence|in a nutshell|mean|means))+$"
)
# A subject that compares two things: "the difference between AI and ML".
_COMPARISON = re.compile(
    r"^(?:the )?(?:main |key )?(?:differences?|diff) (?:between|b/w) (?:an? |the )?(?P<first>.+?)"
    r" (?:and|&) (?:an? |the )?(?P<second>.+)$"
)
_DEFINITION_LEAD = re.compile(r"^(?:(?:so|and|but|ok|okay|hey|hi|in plain english|simply put),? )+")
MAX_SUBJECT_WORDS = 5  # "what is the best way to ..." asks for more than a definition
# In a message of several sentences the asking ones ("...? ") say what is wanted; the
# story around them ("I did calculus in uni") counts this much.
CONTEXT_WEIGHT = 0.7
MIN_STORY_TOKENS = 12  # "i never went to college. is ML an option?" is all question
# A question's setting says when or where, not what about, and its words count this much
# (unless the question also uses them elsewhere: "salary per year ... in 2 years"):
# - a time frame ("in 10 days", "within 6 months", "(plan) the next 2 years", "month by
#   month"): its number and unit, so "learn ML in 10 days" finds learning, not the
#   "day-to-day" responsibilities, "in 2 years" not pay for "(2-5 years of experience)",
#   and a "month by month" plan not pay "per month";
# - the field around the subject ("skills ... in the AI industry", "jobs in the ML space"):
#   its head noun, so such a question does not find the list of industries that hire ("can
#   I work in other industries" asks about industries, and keeps them);
# - the asker's year of study ("2nd year cs student", "6th semester") or age ("my
#   15-year-old", "I'm 24 years old"), so such a question does not find the "after 5+ years
#   of experience" of senior roles.
SETTING_WEIGHT = 0.1
GOAL_VERB_WEIGHT = 0.15  # "need", "become" beside a subject: see retrieval/asking_words.py
INTENSIFIER_WEIGHT = 0.15  # "major", "key" beside a subject: see retrieval/asking_words.py
_SETTINGS = (
    re.compile(
        r"\b(?:(?:in|within|under|over)\s+(?:the\s+(next)\s+|just\s+|only\s+|about\s+|around\s+)?"
        r"|(next)\s+)"
        r"(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a\s+few|few)"
        r"\s+(day|week|month|year)s?\b"
    ),
    re.compile(
        r"\bin\s+(?:the|this)\s+(?:[a-z/&-]+\s+){0,2}?"
        r"(industry|sector|market|space)\b(?!\s+(?:of|like|such)\b)"
    ),
    re.compile(r"\b(day|week|month|year)\s+by\s+(day|week|month|year)\b"),
    # Roman Urdu's postposition after the time frame: "6 mahine mein" (in 6 months)
    re.compile(
        r"\b(\d+|one|two|three|four|five|six|few)\s+(day|week|month|year)s?\s+(?:mein|me|mai)\b"
    ),
    re.compile(
        r"\b(1st|2nd|3rd|[4-8]th|first|second|third|fourth|fifth|sixth|seventh|eighth|final)"
        r"\s+(year|yr|semester|sem)\b"
    ),
    re.compile(r"\b(\d{1,2})[\s-]*(year|yr)s?[\s-]*old\b"),
)


def _setting_words(text: str, tokens: Sequence[str]) -> set[str]:
    """The tokens of the words that the text (whose tokens are ``tokens``) uses only in its
    settings: a word used as often in them as in the whole text."""
    in_settings = Counter(
        token
        for setting in _SETTINGS
        for match in setting.finditer(text)
        for token in tokenize(" ".join(group for group in match.groups() if group))
    )
    if not in_settings:
        return set()
    in_text = Counter(tokens)
    return {token for token, times in in_settings.items() if in_text[token] <= times}


@dataclass(frozen=True)
class Query:
    text: str  # the question as understood: corrected, cut to size
    tokens: tuple[str, ...]  # the user's own words, tokenized
    terms: dict[str, float]  # tokens and expansions with their weights
    unknown: tuple[str, ...]  # user tokens that no passage contains
    subject: tuple[str, ...] = ()  # what a "what is X" question asks to define, tokenized
    story: frozenset[str] = frozenset()  # terms only in the story around the asking sentences
    # The question only asks what the subject is ("what is X", "define X"), rather than
    # something about it ("what do i need to get started").
    asks_definition: bool = False
    # The user's words that the vocabulary knows as a phrase ("ml eng", "data sci"): known
    # to the bot even where no article spells them so.
    phrased: frozenset[str] = frozenset()
    # Words written as names ("COMSATS", "LangChain"), lower-cased: see retrieval/names.py.
    names: frozenset[str] = frozenset()
    # "what is the difference between X and Y": X's and Y's tokens, each defined on its own
    # where no passage compares them ("AI and ML": machine learning is a subfield of AI).
    compared: tuple[tuple[str, ...], ...] = ()
    # Goal verbs and their pairs counted less because the question names what it is about
    # ("what skills do I need to become ...": "need", "become", "need_becom").
    goal: frozenset[str] = frozenset()
    # The asking sentences of a message that also tells a story, as understood; "" when
    # the whole message asks.
    asking: str = ""

    @functools.cached_property  # read by the scope check and the re-ranking alike
    def encoded_text(self) -> str:
        """What the sentence encoder reads: the text without Roman Urdu's function words,
        which the English model takes for words of their own ("ML engineer ka kaam kya hota
        hai" is read as "ml engineer work")."""
        return without_roman_urdu_function_words(self.text)


# What may not touch a phrase on either side for it to count as whole words ("ml" in "html"
# is no phrase; "ml's" keeps its apostrophe).
_WHOLE_WORD = (r"(?<![\w'])", r"(?![\w'])")


@dataclass(frozen=True)
class KnownTokens:
    """The tokens any of several containers knows (the indexes' terms, the expansions'),
    asked of each in turn: with millions of index terms, copying them into one set took
    hundreds of megabytes."""

    parts: tuple[Container[str], ...]

    def __contains__(self, token: object) -> bool:
        return any(token in part for part in self.parts)


class _VocabularyTokens:
    """The tokens of the vocabulary's phrases and of their expansions, made when a question
    first has a token that no index knows: most have none, and tokenizing the whole
    vocabulary was a sixth of the engine's start."""

    def __init__(self, expansions: Mapping[str, str]) -> None:
        self._expansions = expansions

    @functools.cached_property
    def _tokens(self) -> frozenset[str]:
        texts = (*self._expansions, *self._expansions.values())
        return frozenset(token for text in texts for token in tokenize(text))

    def __contains__(self, token: object) -> bool:
        return token in self._tokens


@dataclass(frozen=True)
class _Reading:
    """A text's tokens and the vocabulary's phrases in it (longest first, as found)."""

    tokens: list[str]
    phrases: list[str]


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]  # the phrase's own tokens ("ml eng" -> ml, eng)
    expansion: tuple[str, ...]  # its expansion's tokens
    expansion_pairs: tuple[str, ...]  # and their adjacent pairs


class QueryAnalyzer:
    def __init__(
        self,
        vocabulary: Vocabulary,
        known_tokens: Container[str],
        known_words: frozenset[str],
        english_words: Container[str] = frozenset(),
    ) -> None:
        self._corrections = {normalize(k): v for k, v in vocabulary.corrections.items()}
        self._expansions = {normalize(k): v for k, v in vocabulary.expansions.items()}
        # Whole words, longest first; compiled per message for the phrases it contains.
        self._phrase_pattern = PhrasePattern(self._expansions, *_WHOLE_WORD)
        self._correction_pattern = PhrasePattern(self._corrections, *_WHOLE_WORD)
        self._known = KnownTokens((known_tokens, _VocabularyTokens(vocabulary.expansions)))
        self._correction_cache: dict[str, str | None] = {}
        self._phrases: dict[str, _Phrase] = {}  # filled by _phrase as messages bring them
        # Misspellings are fixed on whole words ("comunication" -> "communication"),
        # before stemming makes them harder to compare.
        vocabulary_words = {w for text in vocabulary.expansions for w in text.split()}
        self._known_words = known_words | vocabulary_words
        self._spelling = SpellingIndex(self._known_words)
        # Real English words are never "fixed": "sentence" is not a typo of "sequence",
        # nor "teach" of "tech" or "matter" of "master".
        self._english = english_words

    def spelling_words(self) -> list[str]:
        """The words misspellings are corrected to, in alphabetical order."""
        return self._spelling.words

    def prepare_spelling(self) -> None:
        """File the vocabulary for spelling correction now rather than at the first typo."""
        self._spelling.prepare()

    def correct_word(self, token: str) -> str | None:
        """The article word one or two edits away from an unknown word, if any: the
        nearest, and of those the longest (see retrieval.spelling)."""
        if token not in self._correction_cache:
            if len(self._correction_cache) > 10_000:
                self._correction_cache.clear()
            self._correction_cache[token] = self._spelling.closest(token)
        return self._correction_cache[token]

    def _fix_word(self, match: re.Match[str], names: frozenset[str]) -> str:
        word = match.group(0)
        if (
            word in self._known_words
            or word in STOP_WORDS
            or word in self._english
            or word in names  # "COMSATS" is a name, not a typo of "costs"
            or not word.isalpha()
        ):
            return word
        stems = tokenize(word)
        if not stems or stems[0] in self._known:
            return word
        return self.correct_word(word) or word

    def analyze(self, question: str) -> Query:
        # The people of its story ("a senior of mine got a job", "my dad thinks") are not what
        # a message asks about, nor what it is searched for: "senior" there is no level.
        question = without_story_people(question)
        text = _CAPITAL_US.sub("USA", normalize(question)[:MAX_QUESTION_CHARS])
        lowered = self._correction_pattern.sub(
            lambda match: self._corrections[match.group(1)], text.lower()
        )
        # Lower-case "r" is the language only next to other languages ("python or r"),
        # or where the user wrote a capital R mid-sentence.
        if _LANGUAGE_CONTEXT.search(lowered) or _CAPITAL_R.search(text):
            lowered = _LOWER_R.sub("R", lowered)
        lowered = _HOW_FAST.sub(r"\1", lowered)
        names = written_names(text)
        lowered = _WORD.sub(lambda match: self._fix_word(match, names), lowered)
        reading = self._read(lowered)
        tokens = reading.tokens
        unknown = [t for t in tokens if t not in self._known and not _NUMBER.fullmatch(t)]
        subject_text, asks_definition = self._definition_subject(lowered)
        subject = self._subject_tokens(subject_text)
        compared = _COMPARISON.match(subject_text)
        # "what is X in simple words": only X is searched; the rest says how to answer.
        terms = self._weighted_terms(self._read(subject_text) if subject else reading)
        for word in _setting_words(lowered, tokens):
            for term in terms:
                if word in term_words(term):
                    terms[term] *= SETTING_WEIGHT
        goal = (
            frozenset(term for term in terms if GOAL_VERBS.intersection(term_words(term)))
            if names_a_subject(tokens)
            else frozenset()
        )
        for term in goal:
            terms[term] *= GOAL_VERB_WEIGHT
        if names_a_subject(token for token in tokens if token not in INTENSIFIERS):
            for term in INTENSIFIERS.intersection(terms):  # the word, not its pairs
                terms[term] *= INTENSIFIER_WEIGHT
        focus = self._asking_part(lowered, len(tokens))
        story: set[str] = set()
        if focus and not subject:
            focus_terms = self._weighted_terms(self._read(focus))
            story = {term for term in terms if term not in focus_terms}
            for term in story:
                terms[term] *= CONTEXT_WEIGHT
        return Query(
            text=lowered,
            tokens=tuple(tokens),
            terms=terms,
            unknown=tuple(unknown),
            subject=subject,
            story=frozenset(story),
            asks_definition=bool(subject) and asks_definition,
            phrased=frozenset(
                token for phrase in reading.phrases for token in self._phrase(phrase).words
            ),
            names=names,
            goal=goal,
            asking=focus,
            compared=tuple(self._subject_tokens(part) for part in compared.groups())
            if compared
            else (),
        )

    def _subject_tokens(self, subject_text: str) -> tuple[str, ...]:
        """X's tokens, abbreviations spelled out ("ml engineer" -> machine learning engineer).

        Longer expansions are word lists (salary -> pkr, ₹, $ ...), not what X is.
        """
        spelled_out = self._phrase_pattern.sub(
            lambda m: e if len((e := self._expansions[m.group(1)]).split()) <= 3 else m.group(1),
            subject_text,
        )
        return tuple(dict.fromkeys(tokenize(spelled_out)))

    def _read(self, text: str) -> _Reading:
        return _Reading(
            tokenize(text), [match.group(1) for match in self._phrase_pattern.finditer(text)]
        )

    def _phrase(self, phrase: str) -> _Phrase:
        """A vocabulary phrase's tokens and its expansion's, tokenized once per process."""
        found = self._phrases.get(phrase)
        if found is None:
            expansion = tokenize(self._expansions[phrase])
            found = _Phrase(
                tuple(tokenize(phrase)),
                tuple(expansion),
                tuple(with_bigrams(expansion)[len(expansion) :]),
            )
            self._phrases[phrase] = found
        return found

    def _weighted_terms(self, reading: _Reading) -> dict[str, float]:
        """The words of a text with the vocabulary's expansions and bigrams, weighted."""
        tokens = reading.tokens
        terms: dict[str, float] = dict.fromkeys(tokens, 1.0)
        phrase_words: set[str] = set()
        added: dict[str, float] = {}
        phrases = [self._phrase(phrase) for phrase in reading.phrases]
        for phrase in phrases:
            phrase_words.update(phrase.words)
            weight = EXPANSION_WEIGHT if len(phrase.expansion) <= 2 else LONG_EXPANSION_WEIGHT
            for token in phrase.expansion:
                added[token] = max(added.get(token, 0.0), weight)
        for token in phrase_words - set(added):
            if token in terms:
                terms[token] = PHRASE_WORD_WEIGHT
        for token, weight in added.items():
            terms[token] = max(terms.get(token, 0.0), weight)
        for pair in with_bigrams(tokens)[len(tokens) :]:
            terms.setdefault(pair, BIGRAM_WEIGHT)
        for phrase in phrases:
            for pair in phrase.expansion_pairs:
                terms.setdefault(pair, BIGRAM_WEIGHT)
        return terms

    @staticmethod
    def _asking_part(lowered: str, token_count: int) -> str:
        """The question sentences of a message (of ``token_count`` tokens) that also tells
        a story, else ""."""
        if token_count < MIN_STORY_TOKENS:
            return ""
        sentences = worded_sentences(lowered)
        if len(sentences) < 2:
            return ""
        asking = [s for s in sentences if s.endswith("?")] or sentences[-1:]
        return " ".join(asking) if len(asking) < len(sentences) else ""

    @staticmethod
    def _definition_subject(lowered: str) -> tuple[str, bool]:
        """X when the question asks about X as a definition question does, else "";
        and whether it asks only what X is ("what does X do" may ask about X's work)."""
        text = re.sub(r"[?!.]+$", "", " ".join(lowered.split())).strip()
        text = _DEFINITION_LEAD.sub("", text)
        for pattern in _DEFINITION_QUESTIONS:
            match = pattern.match(text)
            if match:
                break
        else:
            return "", False
        subject = _DEFINITION_TAIL.sub("", match.group("subject")).strip()
        # "what is the generally accepted definition of an ML engineer": X is what follows.
        subject = _DEFINITION_OF.sub("", subject)
        if len(subject.split()) > MAX_SUBJECT_WORDS:
            return "", False
        groups = match.groupdict()
        return subject, "asks_meaning" not in groups or groups["asks_meaning"] == "mean"

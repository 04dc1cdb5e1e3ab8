"""The people in a message, who are part of the story around its question and never what it
asks about:

- someone who thinks, says or wants something: "my dad thinks it's just IT support", "my
  girlfriend wants me to do a master's";
- the asker, as they describe themselves: "as a 35 year old mom with a BCom", "I've worked
  as a QA tester for 3 years";
- a senior or junior at the asker's university or work: "a senior of mine got an ML job",
  "my seniors", never the level of a role ("my senior ML engineer role").

Neither is a reason to decline a question or to say the articles lack a subject."""

from __future__ import annotations

import re

from retrieval.tokenize import STOP_WORDS, tokenize

__all__ = [
    "asker_words", "people_tokens", "speaker_words", "story_people", "without_story_people"
]

_SPEAKER = re.compile(
    r"\b(?:my|our|his|her|their)\s+([a-z]+)\s+(?:(?:also|always|still|really)\s+)?"
    r"(?:thinks?|thought|says?|said|tells?|told|wants?|wanted|believes?|believed|insists?|"
    r"insisted|feels?|felt|suggests?|suggested|recommends?|recommended|asks?|asked|"
    r"expects?|expected|argues?|argued|claims?|claimed|warns?|warned|keeps? saying|"
    r"is pushing|pushes|pushed|disagrees?)\b",
    re.IGNORECASE,
)
# "a senior of mine", "my seniors": a person (in Pakistan and India, one a year or more ahead
# at university or work), unless a role, a level's word or a year follows ("my senior year").
_RANKED_PERSON = re.compile(
    r"\b(?:(?:my|our)\s+(senior|junior)s?\b(?!\s+(?:ml|machine|data|ai|level|levels|role|"
    r"roles|position|positions|engineer|engineers|engineering|developer|developers|dev|devs|"
    r"scientist|scientists|analyst|analysts|software|year|years|yr|job|jobs|salary|pay)\b)"
    r"|an?\s+(senior|junior)\s+of\s+(?:mine|ours)\b)",
    re.IGNORECASE,
)
# "as a", "I'm a", "I work as an": then an age if any, then the fewest words, up to four,
# that end where the description does (a comma, "with", "for", "from", "what"...).
_ASKER = re.compile(
    r"\b(?:as|i am|i'm|im|i was)\s+an?\s+"
    r"(?:\d+[- ]?(?:years?|yrs?|y)[- ]?(?:old|o)\s+|\d+\s*y/?o\s+)?"
    r"((?:[a-z]+[- ]){0,3}?[a-z]+)"
    r"(?=\s*(?:[,.;:!?)]|$|\s(?:with|for|from|in|at|who|and|but|of|since|here|"
    r"working|looking|trying|wanting|hoping|can|could|should|will|would|do|is|i|what|which|"
    r"how|why|when|where)\b))"
)


def speaker_words(text: str) -> frozenset[str]:
    """The lower-cased words naming someone who thinks, says or wants something in the text
    after "my", "our", "his", "her" or "their"."""
    return frozenset(_SPEAKER.findall(text.lower()))


def story_people(text: str) -> frozenset[str]:
    """The lower-cased words naming people in the story around the question: those who think,
    say or want something (speaker_words), and seniors or juniors at university or work."""
    ranked = (word for pair in _RANKED_PERSON.findall(text.lower()) for word in pair if word)
    return speaker_words(text) | frozenset(ranked)


def without_story_people(text: str) -> str:
    """The text with the words of its story's people blanked out, where they stand: what it
    names besides them ("a senior of mine got a job; what will a fresher earn?" names the
    entry level alone)."""
    spans = [match.span(1) for match in _SPEAKER.finditer(text)]
    spans += [match.span() for match in _RANKED_PERSON.finditer(text)]
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def asker_words(text: str) -> frozenset[str]:
    """The lower-cased words the asker describes themselves with ("35 year old mom" gives
    "mom"; "QA tester" gives "qa" and "tester"). Not a run with a stop word in it: "I am a
    bit confused about maths" says how the asker feels about a subject, not who they are."""
    found = (re.split(r"[- ]", words) for words in _ASKER.findall(text.lower()))
    return frozenset(
        word for words in found if STOP_WORDS.isdisjoint(words) for word in words
    )


def people_tokens(words: frozenset[str]) -> frozenset[str]:
    """The search tokens of the words speaker_words or asker_words found."""
    return frozenset(token for word in words for token in tokenize(word))

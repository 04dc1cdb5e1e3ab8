"""Words that say how something is asked, never what it is about."""

from __future__ import annotations

from collections.abc import Iterable

from retrieval.index import PAIR_JOIN
from retrieval.tokenize import STOP_WORDS, tokenize

__all__ = [
    "ASKER_WORDS",
    "GENERIC",
    "GOAL_VERBS",
    "INTENSIFIERS",
    "NOT_SUBJECTS",
    "PLACE_WORDS",
    "names_a_subject",
    "term_words",
]

# Everyday verbs, adverbs and adjectives that say how something is asked, never what about:
# an article lacking "worth" or "exactly" does not lack the subject, and a question using
# them is no less about the career (retrieval/scope.py; the replies' gaps, bot/core/coverage.py).
NOT_SUBJECTS = frozenset(
    tokenize(
        "worth worthwhile important importance put pick picked choose chose later exactly "
        "actually basically honestly seriously literally definitely probably possible possibly "
        "usually typically generally mostly kind sort thing things stuff lot lots bit bits little "
        "enough okay ok fine "
        "true false right wrong sure able try trying tried mean means meant say said tell told "
        "think thought feel felt guess hope wish wonder wondering confused confusing idea "
        "see seeing saw seen notice noticed "
        "ideas advice suggestion suggestions tips tip help helpful useful start started "
        "starting go going went come coming make making made take taking took give giving "
        "keep keeping let show showing look looking find finding use using used way ways "
        "first next last still already ever never always often sometimes soon yet since "
        "anyone someone everyone anything something everything nothing else either neither "
        "kinda gimme soo crack sounds dream loving realistic forgot needs heavy revise "
        "stuck super bother inside outside actual actually nobody somebody folks pull fill "
        "purely worried worry kill killing bump bumps reel eventually heard hear hearing "
        "argue argues passing family friend friends cousin sister brother parents teacher "
        "son daughter kid kids child children nephew niece beta beti "
        "circle messy cleaning living matter matters ready hype cheap free waste contacts "
        "hey hi hello thanks bro bhai yaar sir madam guys please pls plz asap quick quickly "
        "urgent urgently sorry "
        "cool nice great awesome perfect alright hmm acha achha accha theek thik sahi noted "
        "tho though "
        "easy easier hard harder difficult better worse big small long short high low new old "
        "real exact exactly specific specifically particular particularly sure certain "
        "currently nowadays today now days year years month months week weeks time times "
        "semester semesters sem "
        "fancy fancier glorified overrated underrated overhyped "
        "hot legit till basis doubt grateful "
        "thankful seem seems seemed appear appears curious chance chances odds attain "
        "achieve increase boost alone second third fourth fifth final wrote jump jumping straight "
        "directly skip skipping bunch couple handful plenty gap gaps identical dead obsolete "
        "outdated terrible awful horrible weak minimum maximum respected hate hated love loved "
        # the story's time and the asker's judgement: "3 months left", "spent 10 years in
        # accounting", "dropped out", "is that decent or inflated", "a proper degree, faster",
        # "done with python basics", "will it stop me", "can certifications replace a degree"
        "left remaining spent dropped decent inflated proper faster slower wont done finished "
        "stop upward upwards onward onwards replace replaces replaced replacing summer winter "
        "spring autumn easiest hardest toughest simplest quickest fastest found"
    )
)

# Words that say what every question here is about, not what it asks.
_GENERIC_TEXT = (
    "machine learning ml engineer engineers engineering ai artificial intelligence career "
    "careers job jobs work working become becoming field role people person data science "
    "scientist get good best need much many really also want like know tell please one"
)
GENERIC = frozenset(tokenize(_GENERIC_TEXT))
# Where a question is asked about is context, not its subject.
PLACE_WORDS = frozenset(tokenize("pakistan india usa us america indian pakistani american"))

# Verbs that say what the asker wants: "what skills do I need to become an ML engineer?"
# asks about skills. The few passages that happen to say "need" or "become" ("To become an
# ML engineer, you typically need a combination of ...") are no better an answer for it,
# yet those rare words outweighed "skills", which most passages use. Only when nothing else
# is named ("how do I become an ML engineer?") is the goal what is asked about.
GOAL_VERBS = frozenset(tokenize("need want become pursue"))


# Who asks, not what about: "I'm a student, how do I become an ML engineer?" asks how to
# become one (the one passage that says "student" is about predicting students' grades).
ASKER_WORDS = frozenset(
    tokenize("student students learner learners beginner beginners newbie noob guy girl boy")
)

# Words that say how much something matters, not what it is: "the major skills for ML" asks
# about skills, yet "Major tech hubs like San Francisco ..." or "Key Responsibilities" would
# answer it for a word rarer than "skills". (Not "essential", "important": the articles say
# them of skills, "Python (essential)".)
INTENSIFIERS = frozenset(tokenize("major key main top biggest"))

_NOT_A_SUBJECT = GOAL_VERBS | GENERIC | NOT_SUBJECTS | PLACE_WORDS | STOP_WORDS | ASKER_WORDS


def term_words(term: str) -> list[str]:
    """A query term's words: the word itself, or both of a word pair's ("need_becom")."""
    return term.split(PAIR_JOIN)


def names_a_subject(tokens: Iterable[str]) -> bool:
    """Whether some token names what is asked about: not a goal verb, not a word every
    question here uses, not how it is asked, not where."""
    return any(token not in _NOT_A_SUBJECT and not token.isdigit() for token in tokens)

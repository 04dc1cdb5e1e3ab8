"""Words a message writes as names: capitals inside the word, as in "COMSATS", "LangChain",
"MLflow", "OpenAI"; and names written with a dot, as in "fast.ai", "Node.js", "kaggle.com".

Such a word is a product, a company or a college: never a typo of an article word to correct
("COMSATS" is not "costs"), and a subject the articles may lack even though no English
dictionary has it. Slang and typos are written in lower case.

A word with only a first capital ("Airflow", "Databricks") is weaker evidence: sentences start
with one, and so do places. :func:`capitalized_words` takes it for a name only mid-sentence
and not where a place is named; only the check for subjects the articles lack reads it, not
the spelling corrector.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_INNER_CAPITAL = re.compile(r"[A-Za-z0-9][A-Z]")  # where every name has one
MIN_NAME_LETTERS = 3  # "AI" and "ML" are too short to tell a name by
SHOUTING_SHARE = 0.5  # of a message's letters in capitals: it is shouted, not named


def written_names(text: str) -> frozenset[str]:
    """The words of the text written with capitals inside them, lower-cased; none when most
    of its letters are capitals ("HOW TO BECOM ML ENGINER" is typed, not named)."""
    if not _INNER_CAPITAL.search(text):  # most messages: no word has a capital inside it
        return frozenset()
    letters = sum(map(str.isalpha, text))
    if not letters or sum(map(str.isupper, text)) >= SHOUTING_SHARE * letters:
        return frozenset()
    return frozenset(
        word.lower()
        for word in _WORD.findall(text)
        if len(word) >= MIN_NAME_LETTERS and any(c.isupper() for c in word[1:])
    )


_WORD_OR_MARK = re.compile(rf"{_WORD.pattern}|[,.!?:;\n]")
_SENTENCE_END = frozenset(".!?:;\n")
TITLE_CASE_SHARE = 0.7  # of a message's words capitalized: it is written in title case
# After these a capitalized word is where something is ("in Seattle", "from Lahore, Pakistan",
# "moving to Austin or Denver"): a place, which the lexicon and the region rules judge.
_LOCATIVE = frozenset({"in", "from", "at", "near", "to", "around", "across", "into", "within"})
# ... and after these, a person ("my friend Ali says", "Mr Khan told me", "sir Ahmed").
_PERSON_BEFORE = frozenset(
    "friend friends cousin brother sister teacher professor prof mr mrs ms miss dr sir madam "
    "uncle aunt mom dad father mother son daughter wife husband boss colleague senior mentor "
    "named called".split()
)
_PLACE_OR_PERSON_BEFORE = _LOCATIVE | _PERSON_BEFORE
_LIST_WORDS = frozenset({",", "or", "and"})


def capitalized_words(text: str) -> frozenset[str]:
    """The words of the text with a first capital where no sentence starts and no place or
    person is named ("is Apache Airflow worth it", "the Databricks exam"), lower-cased: a
    product, a company or a course. None in a message written in title case or shouted,
    where capitals say nothing."""
    items = _WORD_OR_MARK.findall(text)
    words = [item for item in items if item[0].isalpha()]
    if sum(word[0].isupper() for word in words) >= TITLE_CASE_SHARE * len(words):
        return frozenset()
    found: set[str] = set()
    starts_sentence, in_place_or_person = True, False
    for item in items:
        capitalized = item[0].isupper()
        if in_place_or_person and not capitalized and item not in _LIST_WORDS:
            in_place_or_person = False
        if item in _SENTENCE_END:
            starts_sentence = True
            continue
        if item.lower() in _PLACE_OR_PERSON_BEFORE:
            in_place_or_person = True
        elif (
            capitalized and not starts_sentence and not in_place_or_person
            and len(item) >= MIN_NAME_LETTERS and item[1:].islower()
        ):
            found.add(item.lower())
        starts_sentence = False
    return frozenset(found)


# A site, course or library named with its dot ("fast.ai", "Node.js", "kaggle.com"): only
# these endings, so that a missing space after a full stop ("a student.How do I") is none.
_DOTTED = re.compile(
    r"(?<![\w.])[A-Za-z][\w-]*(?:\.[\w-]+)*\.(?:ai|AI|com|org|io|js|net|dev|py)(?![\w.])"
)


def dotted_names(text: str) -> tuple[str, ...]:
    """The names the text writes with a dot, as written, each once in order."""
    return tuple(dict.fromkeys(_DOTTED.findall(text)))

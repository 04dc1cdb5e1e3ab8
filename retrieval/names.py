"""Words a message writes as names: capitals inside the word, as in "COMSATS", "LangChain",
"MLflow", "OpenAI".

Such a word is a product, a company or a college: never a typo of an article word to correct
("COMSATS" is not "costs"), and a subject the articles may lack even though no English
dictionary has it. Slang and typos are written in lower case. (A word with only a first
capital is not taken for a name: sentences start with one, and places, which the lexicon
knows, have one.)
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

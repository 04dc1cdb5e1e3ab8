"""Messages written in another script, read through the vocabulary's translations.

The articles, and the engine's reading of a question, are English. A message mostly in
another script ("머신러닝 엔지니어가 되려면 석사가 필요한가요?") is read as the English
words of the terms it uses ("machine learning, engineer, master's degree"), when it uses
enough of them; otherwise it is declined for its language.

Words are matched from their start: Korean, for one, writes its particles onto the noun
("석사가", "머신러닝을"), and compounds without spaces ("머신러닝엔지니어"). A term is the
longest one that begins the rest of a word, and the rest is matched again; a term may also
be written as two words ("머신 러닝", "मशीन लर्निंग"). Urdu and Hindi are read the same way.
Chinese and Japanese put no spaces between words, so there a term is looked for at every
character ("如何开始数据科学与机器学习的学习").
Links are left out: their words are no part of the question.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass

# A message is read through its translations when it has at least this many terms in all,
# its own Latin-script words ("AI", "Python") counted, one of them translated and one of them
# an anchor (the field or the career itself): a lone word, or words as general as "US" and
# "companies", in a message that says something else is no question about either.
MIN_TERMS = 2
# A message's words, a change of script ending one ("AI관련" is "AI" and "관련"): Latin
# words as they are ("C++", "PyTorch"), the others as runs of letters and the marks written
# with them (Devanagari's vowel signs, Arabic's vowels), which are no letters to ``\w``.
_WORD = re.compile(
    r"([A-Za-z][A-Za-z0-9+#]*)"
    r"|(?:[^\W\d_A-Za-z]|[\u0300-\u036f\u064b-\u065f\u0670\u0900-\u0dff])+"
)
_LINK = re.compile(r"https?://\S+|www\.\S+")
# Scripts written without spaces between words: Chinese characters, and Japanese kana.
_WITHOUT_SPACES = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def mostly_other_script(text: str) -> bool:
    """Whether most of the message's letters are not Latin ("머신러닝 엔지니어가 되려면?",
    "مشین لرننگ انجینئر کیسے بنیں"): such a message is read through the translations, and
    when it is declined it is for its language, not its subject. Latin-script messages in
    other languages ("ML engineer kaise banein") are not told apart from English. Links
    are not counted."""
    if text.isascii():  # every message typed in English, at once
        return False
    if "://" in text or "www." in text:
        text = _LINK.sub(" ", text)  # a link is no writing
    latin = other = 0
    for character in text:
        if character.isalpha():
            if unicodedata.name(character, "").startswith("LATIN "):
                latin += 1
            else:
                other += 1
    return other > latin


@dataclass(frozen=True)
class EnglishReading:
    """A message in another script as the English terms it uses, in the order it uses them."""

    terms: tuple[str, ...]
    translated: int  # how many of them come from the translations

    @property
    def text(self) -> str:
        return ", ".join(self.terms)


class Translator:
    """Reads messages in other scripts through ``translations`` (a word as written -> the
    English words it means); a reading must hold one of ``anchors`` (English terms, lower
    case: the scope's words for the field and the career)."""

    def __init__(self, translations: Mapping[str, str], anchors: Collection[str]) -> None:
        self._anchors = frozenset(anchors)
        # Terms by first letter, longest first: the longest term that begins a word wins.
        self._by_first: dict[str, list[tuple[str, str]]] = {}
        for term, english in translations.items():
            self._by_first.setdefault(term[0], []).append((term, english))
        for terms in self._by_first.values():
            terms.sort(key=lambda pair: -len(pair[0]))

    def english_reading(self, text: str) -> EnglishReading | None:
        """The English reading of a message mostly in another script, or None: for a message
        mostly in Latin script, or one with too few terms to read."""
        if not self._by_first or not mostly_other_script(text):
            return None
        text = _LINK.sub(" ", text)  # a link's words are no part of the question
        found: dict[str, None] = {}  # in order, each once
        translated: dict[str, None] = {}
        words = list(_WORD.finditer(text))
        skip = False
        for number, match in enumerate(words):
            if skip:
                skip = False
                continue
            if match.group(1):
                found.setdefault(match.group(1), None)
                continue
            word = match.group().casefold()
            following = words[number + 1] if number + 1 < len(words) else None
            if (
                following is not None
                and not following.group(1)
                and text[match.end() : following.start()].isspace()
                and self._spans(word, word + following.group().casefold())
            ):
                # A term written as two words ("머신 러닝", "기계 학습"): read them as one.
                word += following.group().casefold()
                skip = True
            for english in self._terms_in(word):
                found.setdefault(english, None)
                translated.setdefault(english, None)
        if not translated or len(found) < MIN_TERMS:
            return None
        if not any(term.lower() in self._anchors for term in found):
            return None
        return EnglishReading(tuple(found), len(translated))

    def _longest_at(self, text: str, at: int) -> tuple[str, str] | None:
        for term, english in self._by_first.get(text[at], ()):
            if text.startswith(term, at):
                return term, english
        return None

    def _spans(self, word: str, joined: str) -> bool:
        """Whether the term that begins two words joined runs past the first of them."""
        found = self._longest_at(joined, 0)
        return found is not None and len(found[0]) > len(word)

    def _terms_in(self, word: str) -> list[str]:
        """The English of each term a word is made of. Korean and the like write a word's
        terms from its start, its particles and endings after them: the terms are read from
        the start, and what follows the last is left. Chinese and Japanese write no spaces
        between words: a term is looked for at every character."""
        anywhere = _WITHOUT_SPACES.match(word) is not None
        terms = []
        at = 0
        while at < len(word):
            found = self._longest_at(word, at)
            if found is not None:
                terms.append(found[1])
                at += len(found[0])
            elif anywhere:
                at += 1
            else:
                break
        return terms

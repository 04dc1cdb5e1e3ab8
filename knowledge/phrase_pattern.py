"""Finding any of a long list of phrases in a message, as one regular expression would.

The lexicon and the query analyzer look for hundreds of phrases at once ("ml eng", "lahore",
"per month"): one alternation of them all, longest first, between two lookarounds. Python
compiles such a pattern slowly (12 ms for the 516 phrases of the vocabulary; the lexicon's
seven took as long again), and every process paid that before its first answer. A message
contains only a few of the phrases, so :class:`PhrasePattern` compiles the same expression for
only the phrases that occur in the text, each such subset once. The matches are the full
pattern's: a phrase that is not in the text cannot match, and the rest keep their order.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator

_SUBSETS_KEPT = 512  # compiled subsets remembered; a message seldom brings a new one
# Texts whose phrases are remembered: one message is looked through several times (its
# expansions, their word pairs, the words it phrases), each a scan of every phrase.
_TEXTS_KEPT = 64
_START = 3  # characters by which phrases are filed


class PhrasePattern:
    """``re.compile(f"{before}(phrase|phrase|...){after}", flags)`` with the phrases longest
    first (group 1 is the phrase found), compiled lazily for the phrases a text contains."""

    def __init__(self, phrases: Iterable[str], before: str, after: str, flags: int = 0) -> None:
        self._phrases = tuple(sorted(set(phrases), key=len, reverse=True))
        if not all(self._phrases):
            raise ValueError("an empty phrase would match everywhere")
        self._before, self._after, self._flags = before, after, flags
        self._ignore_case = bool(flags & re.IGNORECASE)
        # Lowercased for the containment test (ASCII text only: see _present).
        self._keys = tuple(p.lower() for p in self._phrases) if self._ignore_case else self._phrases
        # Each phrase filed by its first three characters: a text is searched only for the
        # phrases that begin with one of its own three-character runs (the shorter ones,
        # always), not for all of them.
        self._by_start: dict[str, list[int]] = {}
        self._short: list[int] = []
        for number, key in enumerate(self._keys):
            if len(key) < _START:
                self._short.append(number)
            else:
                self._by_start.setdefault(key[:_START], []).append(number)
        self._compiled = functools.lru_cache(maxsize=_SUBSETS_KEPT)(self._compile)
        self._present_in = functools.lru_cache(maxsize=_TEXTS_KEPT)(self._present)

    def _compile(self, phrases: tuple[str, ...]) -> re.Pattern[str]:
        alternatives = "|".join(re.escape(phrase) for phrase in phrases)
        return re.compile(f"{self._before}({alternatives}){self._after}", self._flags)

    def _present(self, text: str) -> tuple[str, ...]:
        if self._ignore_case and not text.isascii():
            # Unicode case folding has cases lower() does not show ("ſ" matches "s"): the
            # whole list, as the full pattern would be.
            return self._phrases
        haystack = text.lower() if self._ignore_case else text
        starts = {haystack[i : i + _START] for i in range(len(haystack) - _START + 1)}
        numbers = [*self._short]
        for start in starts.intersection(self._by_start):
            numbers.extend(self._by_start[start])
        numbers.sort()  # the phrases' own order, longest first
        keys = self._keys
        return tuple(self._phrases[n] for n in numbers if keys[n] in haystack)

    def pattern_for(self, text: str) -> re.Pattern[str] | None:
        """The expression for the phrases in ``text``; None when it contains none."""
        present = self._present_in(text)
        return self._compiled(present) if present else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        pattern = self.pattern_for(text)
        return iter(()) if pattern is None else pattern.finditer(text)

    def sub(self, replacement: str | Callable[[re.Match[str]], str], text: str) -> str:
        pattern = self.pattern_for(text)
        return text if pattern is None else pattern.sub(replacement, text)

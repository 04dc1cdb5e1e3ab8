"""Spelling correction against a vocabulary: the nearest known word one or two edits away.

A symmetric deletion index (the idea behind SymSpell): every vocabulary word is filed under
each string it becomes with up to MAX_EDITS letters deleted. Two words within d edits
(insertions, deletions, substitutions, or swaps of neighbouring letters) always share such a
string reached with at most d deletions from each, so the candidates for a misspelling are
found by looking up its own deletions, and only those few are checked with a true edit
distance. A lookup therefore costs about the same with a thousand words or a million, where
comparing with every word of similar length grew with the vocabulary.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

__all__ = ["MAX_EDITS", "SpellingIndex", "edits_allowed", "within_edits"]

MAX_EDITS = 2
MIN_LENGTH = 4  # shorter words are not corrected: too many near neighbours
LONG_WORD = 7  # words this long may be two edits off; shorter ones one


def within_edits(a: str, b: str, limit: int) -> bool:
    """Whether a and b are at most `limit` edits apart; swapping two neighbouring letters
    ("salray" for "salary") is one edit (optimal string alignment distance)."""
    if abs(len(a) - len(b)) > limit:
        return False
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > limit and (i == len(a) or min(previous) > limit):
            return False
        before, previous = previous, current
    return previous[-1] <= limit


def edits_allowed(token: str) -> int:
    """How far a misspelling may be from its word: one edit, two for long words."""
    return 1 if len(token) < LONG_WORD else MAX_EDITS


def deletions(word: str, most: int) -> set[str]:
    """`word` with every choice of up to `most` of its letters deleted (itself included)."""
    found = frontier = {word}
    for _ in range(most):
        frontier = {text[:i] + text[i + 1 :] for text in frontier for i in range(len(text))}
        found = found | frontier
    return found


class SpellingIndex:
    """The words of a vocabulary, filed for finding the nearest one to a misspelling.

    Filed on first use (or by :meth:`prepare`), not when made: most questions have no
    misspelling, and a one-off `ask` should not pay for the filing (~0.2 s for the articles'
    2,300 words) unless it needs it.
    """

    def __init__(self, words: Iterable[str]) -> None:
        self._words = sorted({w for w in words if w.isalpha() and len(w) >= MIN_LENGTH})
        self._files: dict[str, list[str]] | None = None
        self._filing = threading.Lock()  # answers may run in worker threads

    def __len__(self) -> int:
        return len(self._words)

    @property
    def words(self) -> list[str]:
        return list(self._words)

    def prepare(self) -> None:
        """File the words now (from a worker thread at start, say)."""
        if self._files is not None:
            return
        with self._filing:
            if self._files is not None:
                return
            files: dict[str, list[str]] = {}
            # In sorted order: among equally near and equally long words the first in
            # alphabetical order wins, the same way in every process.
            for word in self._words:
                for key in deletions(word, MAX_EDITS):
                    files.setdefault(key, []).append(word)
            self._files = files

    def closest(self, token: str) -> str | None:
        """The known word nearest to `token` (one edit, else two for long words of about its
        length), starting with the same letter; of equally near ones the longest. None when
        there is none."""
        if len(token) < MIN_LENGTH or not token.isalpha():
            return None
        self.prepare()
        assert self._files is not None
        most = edits_allowed(token)
        candidates: set[str] = set()
        for key in deletions(token, most):
            candidates.update(self._files.get(key, ()))
        candidates = {c for c in candidates if c[0] == token[0]}
        for limit in range(1, most + 1):
            # (two edits only between words of about one length: two letters too many or
            # too few is another word, "comsats" no typo of "costs")
            near = [
                c for c in candidates
                if within_edits(token, c, limit) and (limit < 2 or abs(len(c) - len(token)) < 2)
            ]
            if near:
                return min(near, key=lambda word: (-len(word), word))
        return None

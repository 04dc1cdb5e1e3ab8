"""The English word list the typo fixer leaves alone (english_words.txt, from SCOWL)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from knowledge.loader import KNOWLEDGE_DIR, KnowledgeError

ENGLISH_WORDS_FILE = "english_words.txt"
_WORD = re.compile(r"[a-z]+")
_WORDS = re.compile(r"[a-z\n]*")  # words joined by newlines; none is empty


@lru_cache(maxsize=4)
def _read(path: Path, modified_ns: int) -> frozenset[str]:
    """The words of a file, read once per version of it (modified_ns keys the cache)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise KnowledgeError(f"{path.name}: not UTF-8 text") from error
    lines = [line.strip() for line in text.splitlines()]
    found = [line for line in lines if line and not line.startswith("#")]
    # One check of all the words at once: 40,000 separate matches were most of a start.
    if not _WORDS.fullmatch("\n".join(found)):
        for number, word in enumerate(lines, start=1):
            if word and not word.startswith("#") and not _WORD.fullmatch(word):
                raise KnowledgeError(
                    f"{path.name}: line {number}: not a lower-case word: {word!r}"
                )
    return frozenset(found)


def english_words_path(root: Path = KNOWLEDGE_DIR) -> Path | None:
    """The file load_english_words reads: root's english_words.txt, else the packaged one."""
    for path in (root / ENGLISH_WORDS_FILE, KNOWLEDGE_DIR / ENGLISH_WORDS_FILE):
        if path.is_file():
            return path
    return None


def load_english_words(root: Path = KNOWLEDGE_DIR) -> frozenset[str]:
    """The words of root's english_words.txt, else of the packaged one; empty if neither."""
    path = english_words_path(root)
    if path is None:
        return frozenset()
    return _read(path.resolve(), path.stat().st_mtime_ns)


class EnglishWords:
    """The English words of a knowledge folder, read at the first question that needs them.

    Only a word that no article uses is looked up here, and most questions have none, so a
    one-off `ask` rarely pays for reading 40,000 words. The search engine's build reads the
    file once (a broken one stops it there) and its cache is keyed by the file's content.
    """

    def __init__(self, root: Path = KNOWLEDGE_DIR) -> None:
        self._root = root
        self._words: frozenset[str] | None = None

    @property
    def words(self) -> frozenset[str]:
        if self._words is None:
            self._words = load_english_words(self._root)
        return self._words

    def __contains__(self, word: object) -> bool:
        return word in self.words

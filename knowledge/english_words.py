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


def load_english_words(root: Path = KNOWLEDGE_DIR) -> frozenset[str]:
    """The words of root's english_words.txt, else of the packaged one; empty if neither."""
    for path in (root / ENGLISH_WORDS_FILE, KNOWLEDGE_DIR / ENGLISH_WORDS_FILE):
        if path.is_file():
            return _read(path.resolve(), path.stat().st_mtime_ns)
    return frozenset()

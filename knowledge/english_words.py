"""The English word list the typo fixer leaves alone (english_words.txt, from SCOWL)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from knowledge.loader import KNOWLEDGE_DIR, KnowledgeError

ENGLISH_WORDS_FILE = "english_words.txt"
_WORD = re.compile(r"[a-z]+")


@lru_cache(maxsize=4)
def _read(path: Path, modified_ns: int) -> frozenset[str]:
    """The words of a file, read once per version of it (modified_ns keys the cache)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise KnowledgeError(f"{path.name}: not UTF-8 text") from error
    found = set()
    for number, line in enumerate(text.splitlines(), start=1):
        word = line.strip()
        if not word or word.startswith("#"):
            continue
        if not _WORD.fullmatch(word):
            raise KnowledgeError(f"{path.name}: line {number}: not a lower-case word: {word!r}")
        found.add(word)
    return frozenset(found)


def load_english_words(root: Path = KNOWLEDGE_DIR) -> frozenset[str]:
    """The words of root's english_words.txt, else of the packaged one; empty if neither."""
    for path in (root / ENGLISH_WORDS_FILE, KNOWLEDGE_DIR / ENGLISH_WORDS_FILE):
        if path.is_file():
            return _read(path.resolve(), path.stat().st_mtime_ns)
    return frozenset()

"""Sentence splitting that knows the abbreviations these articles use."""

from __future__ import annotations

import re
from functools import lru_cache

from retrieval.tokenize import tokenize

_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "Ph.D.", "U.S.", "Dr.", "Mr.", "Ms.", "No.")
# Users start sentences in lowercase ("... from the philippines. im decent at math"): their
# messages split at any end mark, where an article's split before a capital.
_MESSAGE_SENTENCE = re.compile(r"[^.!?]+[.!?]*")
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[\"“(‘']?[A-Z0-9₹$])|\s+(?=- [A-Z])")


@lru_cache(maxsize=8192)  # the texts are mostly the articles' points: each split once
def split_sentences(text: str) -> tuple[str, ...]:
    """Split a paragraph into sentences; inline " - " bullets count as sentences too."""
    pieces: list[str] = []
    buffer = ""
    for piece in _BOUNDARY.split(text):
        buffer = f"{buffer} {piece}" if buffer else piece
        if not buffer.endswith(_ABBREVIATIONS):
            pieces.append(buffer.strip())
            buffer = ""
    if buffer:
        pieces.append(buffer.strip())
    return tuple(piece for piece in pieces if piece)


def message_sentences(text: str) -> list[str]:
    """A user's message split into sentences at every ".", "!" and "?"."""
    found = (match.group(0).strip() for match in _MESSAGE_SENTENCE.finditer(text))
    return [sentence for sentence in found if sentence]


def worded_sentences(text: str) -> list[str]:
    """A message's sentences that have two search tokens or more: "ok." or "help!" between
    a story and its question is neither."""
    return [sentence for sentence in message_sentences(text) if len(tokenize(sentence)) >= 2]

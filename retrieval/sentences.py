"""Sentence splitting that knows the abbreviations these articles use."""

from __future__ import annotations

import re

_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "Ph.D.", "U.S.", "Dr.", "Mr.", "Ms.", "No.")
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[\"“(‘']?[A-Z0-9₹$])|\s+(?=- [A-Z])")


def split_sentences(text: str) -> list[str]:
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
    return [piece for piece in pieces if piece]

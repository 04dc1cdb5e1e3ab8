"""A numbered source of a reply: the passage it quotes and where that passage is from."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Citation"]


@dataclass(frozen=True)
class Citation:
    n: int
    passage_id: str
    doc_id: str
    title: str
    section: str
    text: str
    score: float

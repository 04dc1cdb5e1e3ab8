"""Attach what people ask (knowledge/asked/*.yaml) to the passages that answer it."""

from __future__ import annotations

from collections.abc import Sequence

from knowledge import KnowledgeError
from knowledge.asked_models import AskedFile
from knowledge.career_models import fold_whitespace
from retrieval.chunking import Passage


class UnplacedQuoteError(KnowledgeError):
    """An asked/*.yaml quote lies in no single passage (cut by chunking, or in debris)."""


def asks_by_passage(
    passages: Sequence[Passage], asked: Sequence[AskedFile]
) -> list[tuple[str, ...]]:
    """For each passage, in order, the asks of the entries whose quote it contains.

    A quote must fall inside exactly one passage: otherwise its asks would be
    credited to a passage that may not answer them.
    """
    # Each article's passages, their texts folded once an entry of that article needs them:
    # a corpus without asks (or with asks of one article) folds no other text.
    by_doc: dict[str, list[int]] = {}
    for number, passage in enumerate(passages):
        by_doc.setdefault(passage.doc_id, []).append(number)
    texts: dict[int, str] = {}
    found: list[list[str]] = [[] for _ in passages]
    for entry_file in asked:
        numbers = by_doc.get(entry_file.doc, [])
        for number in numbers:
            if number not in texts:
                texts[number] = fold_whitespace(passages[number].text)
        for entry in entry_file.passages:
            quote = fold_whitespace(entry.quote)
            owners = [number for number in numbers if quote in texts[number]]
            if len(owners) != 1:
                where = "no passage" if not owners else f"{len(owners)} passages"
                raise UnplacedQuoteError(
                    f"asked quote of {entry_file.doc} lies in {where}: {entry.quote[:60]!r}"
                )
            found[owners[0]].extend(entry.asks)
    return [tuple(asks) for asks in found]

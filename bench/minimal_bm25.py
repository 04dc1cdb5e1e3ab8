"""The baseline for bench.startup: the least a BM25 answer over the same articles takes.

Reads the five article files, splits them into paragraphs on blank lines, indexes the
paragraphs with rank-bm25 (lower-cased words, nothing else) and prints the best one for the
question given. No cleaning, chunking, stemming, validation, model or reply: a floor, not a
rival.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from rank_bm25 import BM25Okapi

ARTICLES = Path(__file__).resolve().parents[1] / "knowledge" / "articles"


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def main() -> None:
    paragraphs = [
        paragraph
        for path in sorted(ARTICLES.glob("*.txt"))
        for paragraph in path.read_text(encoding="utf-8").split("\n\n")
        if words(paragraph)
    ]
    index = BM25Okapi([words(paragraph) for paragraph in paragraphs])
    scores = index.get_scores(words(" ".join(sys.argv[1:])))
    print(paragraphs[int(scores.argmax())])


if __name__ == "__main__":
    main()

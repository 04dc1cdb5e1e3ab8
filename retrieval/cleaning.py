"""Turn a scraped article into clean logical lines: debris out, hard wraps undone.

Logical lines are whole physical lines joined by spaces, so the text shown to a user
can always be found in the article (modulo whitespace).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

# Lines that scraping leaves around an article body. Compared case-insensitively
# without a trailing colon.
BOILERPLATE_LINES = frozenset(
    {
        "share",
        "subscribe for newsletter",
        "trusted by",
        "related article",
        "related articles",
        "no responses yet",
        "ready to scale your team with remote engineers?",
        "read more",
        "advertisement",
    }
)
# Boilerplate that marks the start of a page footer: everything after it goes too.
FOOTER_MARKERS = frozenset({"share", "subscribe for newsletter", "trusted by", "related article"})
FOOTER_ZONE = 0.7  # a footer marker counts only in the last 30% of an article's lines
TABLE_OF_CONTENTS = re.compile(r"^table of (contents|summary)\b", re.IGNORECASE)
LONE_NUMBER = re.compile(r"^\d{1,3}$")
TERMINAL = (".", "!", "?", ":", ";")
CONNECTORS = frozenset(
    """
    a an and or of to the in for with is as on by from such that which at into its their
    your our than like including
    """.split()
)
LIST_START = re.compile(r"^(?:[-•*▪]\s|\d{1,2}\.\s|[a-h]\.\s|Step \d+:)")
WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
SMALL_WORDS = frozenset(
    """
    a an and or of to the in for with on by at vs vs. as from into
    """.split()
)


@dataclass(frozen=True)
class PhysicalLine:
    text: str  # stripped
    blank_before: bool


@dataclass(frozen=True)
class LogicalLine:
    """One or more physical lines that form a single heading, bullet or paragraph."""

    parts: tuple[PhysicalLine, ...]
    after_debris: bool  # debris was removed just before it, so it does not continue a text

    @property
    def blank_before(self) -> bool:
        return self.parts[0].blank_before

    @property
    def text(self) -> str:
        return " ".join(part.text for part in self.parts)


def physical_lines(article: str) -> list[PhysicalLine]:
    lines: list[PhysicalLine] = []
    blank = False
    for raw in article.splitlines():
        stripped = raw.strip()
        if stripped:
            lines.append(PhysicalLine(stripped, blank))
        blank = not stripped
    return lines


def _key(text: str) -> str:
    return text.casefold().rstrip(":").strip()


def is_title_like(text: str, threshold: float = 0.6) -> bool:
    """Most of the significant words start with a capital letter, as in a heading."""
    words = [w for w in WORD.findall(text) if w.casefold() not in SMALL_WORDS]
    if not words:
        return False
    capitals = sum(1 for w in words if w[0].isupper())
    return capitals / len(words) >= threshold


def remove_debris(lines: list[PhysicalLine]) -> list[PhysicalLine | None]:
    """Replace debris by None (a gap), cut footers, tables of contents and trailing junk."""
    kept: list[PhysicalLine | None] = list(lines)
    # A table of contents at the top: from "Table of ..." to the line ending in "|".
    if lines and TABLE_OF_CONTENTS.match(lines[0].text):
        end = next((i for i, line in enumerate(lines[:4]) if line.text.endswith("|")), 0)
        for i in range(end + 1):
            kept[i] = None
    footer_from = len(lines)
    for i, line in enumerate(lines):
        key = _key(line.text)
        if key in FOOTER_MARKERS and i >= FOOTER_ZONE * len(lines):
            footer_from = min(footer_from, i)
        if key in BOILERPLATE_LINES or LONE_NUMBER.match(line.text):
            kept[i] = None
    for i in range(footer_from, len(lines)):
        kept[i] = None
    # Trailing junk ("eyru 5u"): an article does not end on a fragment of two words.
    for i in range(len(kept) - 1, -1, -1):
        line = kept[i]
        if line is None:
            continue
        if len(line.text.split()) < 3 and not line.text.endswith((".", "!", "?")):
            kept[i] = None
            continue
        break
    return kept


def is_hard_wrapped(lines: list[PhysicalLine]) -> bool:
    """Most longer lines stop near one width and often mid-sentence."""
    long_lines = [line.text for line in lines if len(line.text) >= 20]
    if len(long_lines) < 20:
        return False
    near_width = sum(1 for text in long_lines if 50 <= len(text) <= 90)
    open_ended = sum(1 for text in long_lines if not text.endswith(TERMINAL))
    return near_width / len(long_lines) > 0.5 and open_ended / len(long_lines) > 0.3


def corpus_bigrams(texts: list[str]) -> Counter[tuple[str, str]]:
    """Adjacent word pairs within one line with nothing but a space between them."""
    counts: Counter[tuple[str, str]] = Counter()
    for text in texts:
        for line in text.splitlines():
            for a, b in re.findall(r"(?=\b([A-Za-z]+) ([A-Za-z]+)\b)", line):
                counts[(a.casefold(), b.casefold())] += 1
    return counts


def _bare(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.casefold())


def _first_word(text: str) -> str:
    return text.split()[0] if text.split() else ""


class Unwrapper:
    """Decides whether two physical lines of a hard-wrapped article belong together."""

    def __init__(self, bigrams: Counter[tuple[str, str]], width: int) -> None:
        self._bigrams = bigrams
        # A line was wrapped when the next word would not have fitted on it.
        self._wrap_at = int(0.8 * width)
        self._short_line = int(0.6 * width)

    def _wrapped(self, last: str, line: str) -> bool:
        return len(last) + 1 + len(_first_word(line)) > self._wrap_at

    def _is_pair(self, first: str, second: str) -> bool:
        a = _bare(first.split()[-1]) if first.split() else ""
        b = _bare(second.split()[0]) if second.split() else ""
        return bool(a and b) and self._bigrams[(a, b)] >= 1

    def starts_split_heading(self, line: str, following: str | None) -> bool:
        """"Machine" alone on a line, then "Learning Engineer ...": a block starts here."""
        return (
            following is not None
            and len(line.split()) == 1
            and line[0].isupper()
            and following[:1].isupper()
            and self._is_pair(line, following)
        )

    def joins(self, current: LogicalLine, line: str, following: str | None) -> bool:
        text = current.text
        last = current.parts[-1].text
        if LIST_START.match(line) or self.starts_split_heading(line, following):
            return False
        if text.endswith((".", "!", "?")) and line[:1] not in ".,;)":
            return False
        heading_like = is_title_like(text) and len(text.split()) >= 3 and ":" not in text
        if line[:1] in ".,;)(" or (
            line[:1].islower() and not text.endswith(":") and not heading_like
        ):
            return True
        if text.endswith(":"):
            return False
        last_word = text.split()[-1].casefold()
        if text.endswith((",", "-", "–")) or last_word in CONNECTORS:
            return True
        # A label split before its last word: "Predictive Maintenance" / "Engineer:",
        # or "Artificial Intelligence" / "Research: Some ...".
        if (len(line.split()) == 1 and line.endswith(":")) or (
            is_title_like(text) and _first_word(line).endswith(":")
        ):
            return True
        if text.endswith(")") and line[:1].isupper():
            return False
        if self._is_pair(text, line):
            return True
        if line[:1].isupper() and (is_title_like(text) or len(line) < self._short_line):
            return False  # a new item or block, not the rest of this one
        return self._wrapped(last, line)


def logical_lines(article: str, bigrams: Counter[tuple[str, str]]) -> list[LogicalLine]:
    """Clean an article into logical lines (headings, bullets, paragraphs) in order."""
    raw = physical_lines(article)
    kept = remove_debris(raw)
    wrapped = is_hard_wrapped(raw)
    lengths = sorted(len(line.text) for line in raw)
    unwrapper = Unwrapper(bigrams, width=lengths[int(0.9 * (len(lengths) - 1))] if raw else 80)
    result: list[LogicalLine] = []
    current: LogicalLine | None = None
    gap = False
    for i, line in enumerate(kept):
        if line is None:
            gap = True
            continue
        following = next((x.text for x in kept[i + 1 :] if x is not None), None)
        if (
            current is not None
            and wrapped
            and not gap
            and unwrapper.joins(current, line.text, following)
        ):
            current = LogicalLine((*current.parts, line), current.after_debris)
            continue
        if current is not None:
            result.append(current)
        current = LogicalLine((line,), gap)
        gap = False
    if current is not None:
        result.append(current)
    return result

"""Recover an article's outline: which logical lines are headings, items or paragraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

from retrieval.cleaning import LogicalLine, is_title_like

BULLET = re.compile(r"^[-•*▪]\s*")
NUMBERED = re.compile(r"^\d{1,2}\.\s+")
LETTERED = re.compile(r"^[a-h]\.\s+")
STEP = re.compile(r"^Step \d+:", re.IGNORECASE)
LIST_MARKER = re.compile(r"^(?:[-•*▪]\s*)?(?:\d{1,2}\.\s+|[a-h]\.\s+)?")
_LABEL = re.compile(r"^([^:]{2,60}):\s+(\S.*)$", re.DOTALL)
MAX_LABEL_WORDS = 8
LABELLED_ITEM = re.compile(r"^[A-Z][\w&/()'’ .-]{1,60}: \S")
DANGLING = re.compile(r"\b(such as|of|the|and|or|to|for|with|a|an|like)$", re.IGNORECASE)


class HeadingRank(IntEnum):
    """Lower ranks enclose higher ones."""

    STEP = 0  # "Step 2: Educational Pathways ..."
    TITLE = 1  # "Machine Learning Engineer Job Role", "What is Machine Learning?"
    NUMBERED = 2  # "4. Certifications"
    LABEL = 3  # "Key Responsibilities:"


@dataclass(frozen=True)
class Block:
    """A logical line with its role in the outline."""

    line: LogicalLine
    heading_rank: HeadingRank | None  # None for content (items and paragraphs)
    path: tuple[str, ...]  # the headings above it, outermost first (its own if a heading)

    @property
    def text(self) -> str:
        return self.line.text

    @property
    def is_heading(self) -> bool:
        return self.heading_rank is not None


def heading_label(text: str) -> str:
    """A heading as shown to people: no list number, bullet or trailing colon."""
    text = BULLET.sub("", text)
    text = NUMBERED.sub("", text)
    return text.rstrip(":").strip()


def strip_list_marker(unit: str) -> str:
    """A bullet or list item without its "- ", "• 2. " or "a. "."""
    return LIST_MARKER.sub("", unit.strip(), count=1)


def split_label(unit: str) -> tuple[str, str] | None:
    """("Overfitting", "When a model ...") for a "Label: body" line, else None."""
    if ":" not in unit:  # most lines: the build asks this of every line, several times
        return None
    match = _LABEL.match(strip_list_marker(unit))
    if match is None or len(match.group(1).split()) > MAX_LABEL_WORDS:
        return None
    return match.group(1), match.group(2)


def _word_count(text: str) -> int:
    return len(text.split())


def classify(text: str, blank_separated: bool) -> HeadingRank | None:
    if BULLET.match(text) or LETTERED.match(text):
        return None
    if STEP.match(text):
        return HeadingRank.STEP
    if NUMBERED.match(text):
        return HeadingRank.NUMBERED if _word_count(text) <= 10 else None
    if text.endswith("?") and _word_count(text) <= 14:
        return HeadingRank.TITLE
    if text.endswith(":") and _word_count(text) <= 12 and is_title_like(text, 0.5):
        return HeadingRank.TITLE if blank_separated else HeadingRank.LABEL
    if (
        not text.endswith((".", "!", ",", ";", ":"))
        and _word_count(text) <= 16
        and (is_title_like(text) if ": " not in text else is_title_like(text, 0.8))
    ):
        return HeadingRank.TITLE
    return None


def is_fragment(text: str) -> bool:
    """A line the scrape cut off mid-sentence ("... for tasks such as")."""
    return not text.endswith((".", "!", "?", ":", ")")) and bool(DANGLING.search(text))


def _in_short_list(previous: Block, text: str) -> bool:
    """"Calculus" after "Linear algebra" under "Mathematics:" is an item, not a title."""
    if text.endswith(("?", ":")):
        return False
    if previous.heading_rank == HeadingRank.LABEL:
        return True
    return not previous.is_heading and _word_count(previous.text) <= 6


def outline(lines: list[LogicalLine]) -> list[Block]:
    """Give every line its heading path. Headings of a lower rank close those below them."""
    blank_separated = sum(1 for line in lines if line.blank_before) > 0.5 * len(lines)
    stack: list[tuple[HeadingRank, str]] = []
    blocks: list[Block] = []
    lines_under_label = 0
    for index, line in enumerate(lines):
        rank = classify(line.text, blank_separated)
        if rank == HeadingRank.TITLE and blocks and _in_short_list(blocks[-1], line.text):
            rank = None
        if rank is None and is_fragment(line.text):
            following = lines[index + 1] if index + 1 < len(lines) else None
            if following is None or classify(following.text, blank_separated) is not None:
                continue  # a truncated last item of a section says nothing whole
        if rank is not None:
            while stack and stack[-1][0] >= rank:
                stack.pop()
            stack.append((rank, heading_label(line.text)))
            lines_under_label = 0
        elif stack and stack[-1][0] == HeadingRank.LABEL:
            # "Predictive Maintenance Engineer:" with its text on the next line, then
            # "Agricultural Data Scientist: Applies ...": that label headed one item only.
            if lines_under_label >= 1 and LABELLED_ITEM.match(line.text):
                stack.pop()
            lines_under_label += 1
        blocks.append(Block(line, rank, tuple(label for _, label in stack)))
    return blocks

"""Group an article's outline into passages: coherent, bounded, verbatim, never mid-sentence."""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge import Article
from retrieval.cleaning import LogicalLine, corpus_bigrams, logical_lines
from retrieval.sentences import split_sentences
from retrieval.structure import Block, outline

MIN_WORDS = 30  # a smaller section is merged with the next one under the same parent
MAX_WORDS = 150  # no passage grows past this (unless one sentence is longer)
TARGET_WORDS = 110  # where a long section is cut, on a line or sentence boundary


@dataclass(frozen=True)
class Passage:
    """A citable unit of an article."""

    id: str
    doc_id: str
    title: str
    section: tuple[str, ...]  # heading path, outermost first; may be empty
    units: tuple[str, ...]  # headings, bullets and sentences, in article order
    headings: tuple[str, ...]  # the heading lines among the units

    @property
    def text(self) -> str:
        return "\n".join(self.units)

    @property
    def section_label(self) -> str:
        return " › ".join(self.section) if self.section else "Introduction"

    @property
    def word_count(self) -> int:
        return sum(len(unit.split()) for unit in self.units)


@dataclass
class _Draft:
    path: tuple[str, ...]
    units: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)

    @property
    def words(self) -> int:
        return sum(len(unit.split()) for unit in self.units)

    @property
    def has_content(self) -> bool:
        return len(self.units) > len(self.headings)


def _common_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    prefix: list[str] = []
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        prefix.append(x)
    return tuple(prefix)


def _units_of(line: LogicalLine) -> list[str]:
    """A line as units no longer than MAX_WORDS: itself, or its sentences."""
    text = line.text
    if len(text.split()) <= MAX_WORDS:
        return [text]
    return list(split_sentences(text))


def _sections(blocks: list[Block]) -> list[tuple[_Draft, bool]]:
    """Each heading with what follows it; flag True when debris precedes the section."""
    sections: list[tuple[_Draft, bool]] = []
    current: _Draft | None = None
    for block in blocks:
        starts_new = (
            current is None
            or block.line.after_debris
            or (block.is_heading and current.has_content)
        )
        if starts_new:
            current = _Draft(block.path)
            sections.append((current, block.line.after_debris))
        assert current is not None
        if block.is_heading:
            current.path = block.path
            current.headings.append(block.text)
            current.units.append(block.text)
        else:
            current.units.extend(_units_of(block.line))
    return sections


def _split_long(draft: _Draft) -> list[_Draft]:
    if draft.words <= MAX_WORDS:
        return [draft]
    pieces: list[_Draft] = []
    piece = _Draft(draft.path)
    for unit in draft.units:
        words = len(unit.split())
        if piece.has_content and piece.words + words > TARGET_WORDS:
            pieces.append(piece)
            piece = _Draft(draft.path)
        piece.units.append(unit)
        if unit in draft.headings:
            piece.headings.append(unit)
    pieces.append(piece)
    # A short tail reads better joined to the piece before it, if that stays in bounds.
    if len(pieces) > 1 and pieces[-1].words < MIN_WORDS:
        tail = pieces.pop()
        if pieces[-1].words + tail.words <= MAX_WORDS:
            pieces[-1].units.extend(tail.units)
            pieces[-1].headings.extend(tail.headings)
        else:
            pieces.append(tail)
    return pieces


def chunk_article(article: Article, blocks: list[Block]) -> list[Passage]:
    drafts: list[_Draft] = []
    for section, after_debris in _sections(blocks):
        previous = drafts[-1] if drafts else None
        shared = _common_prefix(previous.path, section.path) if previous else ()
        if (
            previous is not None
            and not after_debris
            and (previous.words < MIN_WORDS or not previous.has_content)
            and (shared or not previous.has_content)
            and previous.words + section.words <= MAX_WORDS
        ):
            previous.path = shared if previous.has_content else section.path
            previous.units.extend(section.units)
            previous.headings.extend(section.headings)
            continue
        drafts.extend(_split_long(section))
    entry = article.entry
    return [
        Passage(
            id=f"{entry.id}#{number}",
            doc_id=entry.id,
            title=entry.title,
            section=draft.path,
            units=tuple(draft.units),
            headings=tuple(draft.headings),
        )
        for number, draft in enumerate((d for d in drafts if d.has_content), start=1)
    ]


def build_passages(articles: tuple[Article, ...]) -> list[Passage]:
    """All passages of all articles, in catalogue and article order."""
    bigrams = corpus_bigrams([article.text for article in articles])
    passages: list[Passage] = []
    for article in articles:
        blocks = outline(logical_lines(article.text, bigrams))
        passages.extend(chunk_article(article, blocks))
    return passages

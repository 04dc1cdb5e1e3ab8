"""What the search engine builds from the articles before it can answer: the slow part of a start.

:func:`build_state` chunks the articles, tokenizes every passage, line and asked question,
indexes them and collects what passages define; the result is an :class:`EngineState`, which
holds only plain values (strings, numbers, numpy arrays), so that
:mod:`retrieval.engine_cache` can keep it on disk for the next start.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from knowledge import KnowledgeBase
from knowledge.english_words import load_english_words
from retrieval.asked import asks_by_passage
from retrieval.chunking import Passage, build_passages
from retrieval.index import BM25Index, Documents, WordNumbers
from retrieval.structure import heading_label, split_label, strip_list_marker
from retrieval.tokenize import tokenize, tokenize_words, words

__all__ = [
    "EMPTY_LINE",
    "REGION_WORDS",
    "EngineState",
    "Postings",
    "add_passage",
    "build_state",
    "defined_terms",
]

SECTION_WEIGHT = 2  # heading words count this many times more than body words
REGION_WORDS = {"pakistan": "Pakistan", "india": "India", "us": "US United States", "global": ""}
LABEL_WEIGHT = 1  # a line's "Label:" counts this many extra times in the line index
EMPTY_LINE = "\0"  # stands in for a passage without a searchable line
_WHAT_IS = re.compile(r"^(?:what|who) (?:is|are) (?:an? |the )?", re.IGNORECASE)
_IS_A = re.compile(r"^(?:(?:an?|the) )?([A-Z][\w() -]{1,60}?) (?:is|are) (?:an?|the|one) ")
MAX_TERM_WORDS = 6
HEADING_DEFINITION_STRENGTH = 0.8


@dataclass(frozen=True, eq=False)
class Postings:
    """Lists of strings as compressed sparse rows: row r is ``values[offsets[r]:offsets[r + 1]]``
    read through ``vocabulary``. One array pair instead of a Python set per row."""

    vocabulary: tuple[str, ...]
    offsets: np.ndarray  # int64, one more than there are rows
    values: np.ndarray  # int32 positions in vocabulary

    @classmethod
    def of(cls, rows: Sequence[Sequence[str]]) -> Postings:
        ids: dict[str, int] = {}
        values = [ids.setdefault(item, len(ids)) for row in rows for item in row]
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(row) for row in rows], out=offsets[1:])
        return cls(tuple(ids), offsets, np.asarray(values, dtype=np.int32))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def words(self) -> np.ndarray:
        """Every row's items end to end, as the strings themselves (an object array of
        ``vocabulary``'s, no copies): row r is ``words()[offsets[r]:offsets[r + 1]]``. Read a
        row at a time through numpy's scalars, the tables were a tenth of a large build."""
        return np.asarray(self.vocabulary, dtype=object)[self.values]


@dataclass(frozen=True, eq=False)
class EngineState:
    """The indexes and tables search reads, all derived from the knowledge base."""

    passages: tuple[Passage, ...]
    index: BM25Index  # passages: their words, headings and article
    unit_index: BM25Index  # each line of each passage on its own
    ask_index: BM25Index  # each passage's asked questions as one document
    first_unit: np.ndarray  # the line-index number of each passage's first line
    asks: tuple[tuple[str, ...], ...]  # each passage's asked questions
    # Each passage's distinct index terms, by number (for duplicate checks): passage p's are
    # passage_term_ids[passage_term_offsets[p]:passage_term_offsets[p + 1]].
    passage_term_offsets: np.ndarray
    passage_term_ids: np.ndarray
    headings: Postings  # each passage's headings and labels, one row per token set
    heading_owner: np.ndarray  # the passage of each headings row
    definitions: Postings  # each defined term as a token set
    definition_owner: np.ndarray  # the passage that defines each term
    definition_strength: np.ndarray  # how plainly it does
    article_words: tuple[str, ...]  # every word the articles, asks and scope lists use, sorted


@functools.lru_cache(maxsize=1 << 16)
def _label_tokens(text: str) -> tuple[str, ...]:
    """``tokenize(text)`` for titles, headings and labels, which the build reads several
    times each (for the indexes, the heading sets, the definitions) and neighbouring passages
    share: a third of the build's tokenizing at scale was of these again."""
    return tuple(tokenize(text))


def add_passage(
    documents: Documents,
    passage: Passage,
    regions: tuple[str, ...],
    unit_numbers: Sequence[list[int]] | None = None,
) -> None:
    """Add what the index sees of a passage as one document: its words, its headings twice
    more, its article; word pairs within each heading and line (``with_bigrams``'s).
    ``unit_numbers``: its lines' tokens already numbered (``documents.number``; the build
    tokenizes and numbers each line once, for this index and the line index)."""
    region_text = " ".join(REGION_WORDS[region] for region in regions)
    documents.add(_label_tokens(f"{passage.title} {region_text}"), pairs=False)
    for depth, heading in enumerate(passage.section, start=1):
        # The innermost heading says most about a passage; its ancestors count once.
        weight = SECTION_WEIGHT if depth == len(passage.section) else 1
        documents.add(_label_tokens(heading), times=weight)
    if unit_numbers is None:
        unit_numbers = [documents.number(tokenize(unit)) for unit in passage.units]
    for line in unit_numbers:
        documents.add_numbers(line)
    documents.end()


def defined_terms(passage: Passage) -> dict[str, float]:
    """What a passage defines, and how plainly: "What is X?" headings, "X: ..." lines and
    "X is a ..." sentences define X; a bare heading "X:" over a list only names it."""
    found: dict[str, float] = {}

    def add(name: str, strength: float) -> None:
        name = name.strip()
        if 0 < len(name.split()) <= MAX_TERM_WORDS:
            found[name] = max(found.get(name, 0.0), strength)

    for heading in (*passage.section[-1:], *passage.headings):
        label = heading_label(heading)
        question = _WHAT_IS.match(label)
        add(label[question.end() :].rstrip("?") if question else label,
            1.0 if question else HEADING_DEFINITION_STRENGTH)
    for unit in passage.units:
        if unit in passage.headings:
            continue
        label = split_label(unit)
        if label:
            add(label[0], 1.0)
        elif _may_define(unit) and (match := _IS_A.match(strip_list_marker(unit))):
            add(match.group(1), 1.0)
    return found


def _may_define(unit: str) -> bool:
    """Whether a line holds what every _IS_A match does: most lines do not, and skip it."""
    return " is " in unit or " are " in unit


def _heading_sets(passage: Passage) -> list[list[str]]:
    """Each distinct heading and "Label:" of a passage as a sorted token set."""
    names = list(passage.section) + list(passage.headings)
    names += [label[0] for unit in passage.units if (label := split_label(unit))]
    sets = {frozenset(_label_tokens(name)) for name in names}
    return sorted(sorted(tokens) for tokens in sets if tokens)


def _add_lines(documents: Documents, passage: Passage, unit_numbers: Sequence[list[int]]) -> int:
    """Add each line of a passage as a document of its own (at least one per passage), and
    say how many: an answer usually sits in one bullet or sentence, and a passage that has it
    in one place beats one whose matching words are spread thin. A line's words pair up
    (``with_bigrams``), its heading's are single words."""
    added = 0
    heading_tokens = _label_tokens(" ".join(passage.section[-1:]))
    for unit, tokens in zip(passage.units, unit_numbers, strict=True):
        if unit in passage.headings:
            # A line belongs to the sub-heading right above it: "Python (essential)" under
            # "Programming Languages:", even where two short lists share a passage.
            heading_tokens = _label_tokens(heading_label(unit))
        label = split_label(unit)
        # "Overfitting: When a model ..." defines its label
        label_tokens = _label_tokens(label[0]) if label and LABEL_WEIGHT else ()
        if tokens or label_tokens:
            documents.add(heading_tokens, pairs=False)
            documents.add_numbers(tokens)
            documents.add(label_tokens, times=LABEL_WEIGHT)
            documents.end()
            added += 1
    if not added:
        documents.add(heading_tokens or [EMPTY_LINE], pairs=False)
        documents.end()
        added = 1
    return added


@contextlib.contextmanager
def paused_collection() -> Iterator[None]:
    """No garbage collection inside (a `with` block, or a decorated function): building an
    engine makes millions of small lists, sets and tuples at scale, none of them cyclic
    garbage, and the collector's passes over them were a third of the build."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@paused_collection()
def build_state(knowledge: KnowledgeBase, passages: Sequence[Passage] | None = None) -> EngineState:
    """Index the knowledge base's articles (or, for benchmarks, the given passages).

    Raises the knowledge base's errors that only indexing finds (an asked quote that lies in
    no single passage, a broken English word list).
    """
    passages = tuple(build_passages(knowledge.articles) if passages is None else passages)
    # Read (and so checked) here, where a broken file stops the start; the engine reads it
    # again only when a question has a word no article uses.
    load_english_words(knowledge.root)
    regions = {article.entry.id: article.entry.regions for article in knowledge.articles}
    # One numbering of the words for the three indexes, so they share the words' strings.
    numbered = WordNumbers()
    documents = Documents(numbered)
    line_documents = Documents(numbered)
    line_counts: list[int] = []
    article_words: set[str] = set()
    for passage in passages:
        unit_numbers = []  # each line read once, for both indexes and the words it uses
        for unit in passage.units:
            tokens, unit_words = tokenize_words(unit)
            unit_numbers.append(documents.number(tokens))
            article_words.update(unit_words)
        add_passage(documents, passage, regions.get(passage.doc_id, ()), unit_numbers)
        line_counts.append(_add_lines(line_documents, passage, unit_numbers))
    unit_index = BM25Index(line_documents)
    del line_documents
    # A passage's lines are consecutive in the line index: its first line's number.
    first_unit = np.concatenate(([0], np.cumsum(line_counts)[:-1])).astype(np.int64)
    # What people ask that a passage answers, all its asks as one document: a question
    # phrased like several of them is matched on all their words.
    asks = tuple(asks_by_passage(passages, knowledge.asked))
    ask_documents = Documents(numbered)
    for own in asks:
        ask_tokens = [tokenize(ask) for ask in own]
        for tokens in ask_tokens:
            ask_documents.add(tokens)
        if not any(ask_tokens):
            ask_documents.add([EMPTY_LINE], pairs=False)
        ask_documents.end()
    ask_index = BM25Index(ask_documents)
    del ask_documents
    heading_rows: list[list[str]] = []
    heading_owner: list[int] = []
    definition_rows: list[list[str]] = []
    definition_owner: list[int] = []
    definition_strength: list[float] = []
    for number, passage in enumerate(passages):
        for tokens in _heading_sets(passage):
            heading_rows.append(tokens)
            heading_owner.append(number)
        for name, strength in defined_terms(passage).items():
            term = sorted(set(_label_tokens(name)))
            if term:
                definition_rows.append(term)
                definition_owner.append(number)
                definition_strength.append(strength)
    # Words the bot knows: the articles' and its scope lists' (never "fix" "weather").
    scope = knowledge.scope
    asked_texts = [ask for entry in knowledge.asked for p in entry.passages for ask in p.asks]
    scope_text = " ".join(
        (*scope.domain_terms, *scope.career_terms, *scope.other_fields, *scope.off_domain_terms,
         *scope.greetings)
    )
    for text in (scope_text, *asked_texts):
        article_words.update(word for word, _ in words(text))
    index = BM25Index(documents)
    del documents
    passage_term_offsets, passage_term_ids = index.document_terms()
    return EngineState(
        passages=passages,
        index=index,
        unit_index=unit_index,
        ask_index=ask_index,
        first_unit=first_unit,
        asks=asks,
        passage_term_offsets=passage_term_offsets,
        passage_term_ids=passage_term_ids,
        headings=Postings.of(heading_rows),
        heading_owner=np.asarray(heading_owner, dtype=np.int32),
        definitions=Postings.of(definition_rows),
        definition_owner=np.asarray(definition_owner, dtype=np.int32),
        definition_strength=np.asarray(definition_strength, dtype=np.float64),
        article_words=tuple(sorted(word for word in article_words if word.isalpha())),
    )

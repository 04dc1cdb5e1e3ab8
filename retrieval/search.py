"""The answer engine's search: from a question to ranked, citable passages."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge import KnowledgeBase
from retrieval.chunking import Passage, build_passages
from retrieval.index import BM25Index
from retrieval.query import Query, QueryAnalyzer
from retrieval.scope import MessageKind, ScopeClassifier, ScopeDecision
from retrieval.tokenize import tokenize, with_bigrams, words

SECTION_WEIGHT = 2  # heading words count this many times more than body words
REGION_WORDS = {"pakistan": "Pakistan", "india": "India", "us": "US United States", "global": ""}
# A question that names neither the ML domain nor a career term is answered only
# when some passage matches it this well.
MIN_UNANCHORED_SCORE = 6.0
DUPLICATE_OVERLAP = 0.6  # passages sharing this share of their tokens say the same thing


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float


@dataclass(frozen=True)
class SearchResult:
    question: str
    query: Query
    decision: ScopeDecision
    topic: str
    hits: tuple[Hit, ...]

    @property
    def in_scope(self) -> bool:
        return self.decision.kind == MessageKind.QUESTION and bool(self.hits)


def passage_tokens(passage: Passage, regions: tuple[str, ...]) -> list[str]:
    """What the index sees of a passage: its words, its headings twice more, its article."""
    region_text = " ".join(REGION_WORDS[region] for region in regions)
    tokens = tokenize(f"{passage.title} {region_text}")
    for heading in passage.section:
        tokens += with_bigrams(tokenize(heading)) * SECTION_WEIGHT
    for unit in passage.units:
        tokens += with_bigrams(tokenize(unit))
    return tokens


class SearchEngine:
    def __init__(self, knowledge: KnowledgeBase) -> None:
        self.knowledge = knowledge
        self.passages = build_passages(knowledge.articles)
        regions = {article.entry.id: article.entry.regions for article in knowledge.articles}
        documents = [passage_tokens(p, regions[p.doc_id]) for p in self.passages]
        self.index = BM25Index(documents)
        self._token_sets = [frozenset(doc) for doc in documents]
        article_words = frozenset(
            word for p in self.passages for word, _ in words(p.text) if word.isalpha()
        )
        self.analyzer = QueryAnalyzer(knowledge.vocabulary, self.index.vocabulary, article_words)
        self.scope = ScopeClassifier(knowledge.scope)

    def search(self, question: str, limit: int = 10) -> SearchResult:
        query = self.analyzer.analyze(question)
        decision = self.scope.classify(question, query)
        topic = self.scope.topic(query) if decision.kind == MessageKind.QUESTION else decision.kind
        hits: tuple[Hit, ...] = ()
        if decision.kind == MessageKind.QUESTION:
            hits = self._rank(query, limit)
            if not decision.anchored and (not hits or hits[0].score < MIN_UNANCHORED_SCORE):
                decision = ScopeDecision(MessageKind.OFF_TOPIC, "no passage matches well")
                topic, hits = MessageKind.OFF_TOPIC, ()
        return SearchResult(question, query, decision, str(topic), hits)

    def _rank(self, query: Query, limit: int) -> tuple[Hit, ...]:
        ranked = self.index.top(query.terms, limit * 2)
        hits: list[Hit] = []
        for doc_id, score in ranked:
            tokens = self._token_sets[doc_id]
            if any(self._overlap(tokens, self._token_sets[h]) for h in self._kept(hits)):
                continue
            hits.append(Hit(self.passages[doc_id], score))
            if len(hits) == limit:
                break
        return tuple(hits)

    def _kept(self, hits: list[Hit]) -> list[int]:
        return [self.passages.index(hit.passage) for hit in hits]

    @staticmethod
    def _overlap(a: frozenset[str], b: frozenset[str]) -> bool:
        return len(a & b) >= DUPLICATE_OVERLAP * min(len(a), len(b))

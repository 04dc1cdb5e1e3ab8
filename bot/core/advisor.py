"""The answer engine behind every front end: knowledge in, cited answers out."""

from __future__ import annotations

from functools import cached_property

from bot.core.answer import Answer, compose
from knowledge import KnowledgeBase, load_knowledge
from retrieval.search import SearchEngine


class Advisor:
    def __init__(self, knowledge: KnowledgeBase | None = None) -> None:
        self.knowledge = knowledge if knowledge is not None else load_knowledge()

    @cached_property
    def engine(self) -> SearchEngine:
        return SearchEngine(self.knowledge)

    def answer(self, question: str) -> Answer:
        return compose(self.engine.search(question))

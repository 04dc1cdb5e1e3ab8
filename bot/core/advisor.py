"""The answer engine behind every front end: knowledge in, cited answers out."""

from __future__ import annotations

from functools import cached_property

from bot.core.answer import Answer, compose
from knowledge import KnowledgeBase, load_knowledge
from retrieval.search import SearchEngine


class Advisor:
    def __init__(self, knowledge: KnowledgeBase | None = None, semantic: bool = True) -> None:
        """``semantic`` False leaves out the re-ranking stage (for side-by-side measures)."""
        self.knowledge = knowledge if knowledge is not None else load_knowledge()
        self.semantic = semantic

    @cached_property
    def engine(self) -> SearchEngine:
        return SearchEngine(self.knowledge, semantic=self.semantic)

    def answer(self, question: str) -> Answer:
        """A question's answer; one mostly in another script is asked as the English terms
        it uses (as the dialogue does), and declined for its language if they find none."""
        english = self.engine.translator.english_reading(question)
        if english is not None:
            answer = compose(self.engine.search(english.text))
            if answer.in_scope:
                return answer
        return compose(self.engine.search(question))

"""Suggested questions (questions.yaml): the buttons offered after /start and after answers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

# The loader's validation gives errors that name the file and field, like every knowledge file.
from knowledge.loader import KNOWLEDGE_DIR, validate_file
from knowledge.models import StrictModel, Term

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=30)]
QuestionText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=8, max_length=120)
]


class SuggestedQuestion(StrictModel):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=16)]
    text: QuestionText
    label: Label
    topics: tuple[Term, ...] = Field(min_length=1)


class SuggestedQuestions(StrictModel):
    questions: tuple[SuggestedQuestion, ...] = Field(min_length=3)

    @field_validator("questions")
    @classmethod
    def _unique_ids(cls, questions: tuple[SuggestedQuestion, ...]) -> tuple[SuggestedQuestion, ...]:
        seen: set[str] = set()
        for question in questions:
            if question.id in seen:
                raise ValueError(f"duplicate question id {question.id!r}")
            seen.add(question.id)
        return questions

    def by_id(self, question_id: str) -> SuggestedQuestion | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def for_topic(self, topic: str, exclude: str = "") -> tuple[SuggestedQuestion, ...]:
        """Questions on `topic`, in file order, leaving out the one just asked."""
        asked = exclude.strip().casefold()
        return tuple(
            q for q in self.questions if topic in q.topics and q.text.casefold() != asked
        )


def load_questions(root: Path = KNOWLEDGE_DIR) -> SuggestedQuestions:
    return validate_file(SuggestedQuestions, root / "questions.yaml")


"""Pydantic model for knowledge/asked/*.yaml: what people ask that a passage answers.

Each file lists, for passages of one article (found by a verbatim quote), questions in
people's own words. The search indexes them beside the passage, to bridge the words
people use and the words the article uses; they are never shown to a user.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, ValidationInfo, model_validator

from knowledge.career_models import ArticleId, check_article, check_quote
from knowledge.models import StrictModel

Ask = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
Quote = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10)]


class AskedPassage(StrictModel):
    quote: Quote = Field(description="words of the passage, verbatim: which passage is meant")
    asks: tuple[Ask, ...] = Field(min_length=1, max_length=12)


class AskedFile(StrictModel):
    doc: ArticleId
    passages: tuple[AskedPassage, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _quotes_in_article(self, info: ValidationInfo) -> AskedFile:
        try:
            check_article(self.doc, info)
        except ValueError as error:
            raise ValueError(f"doc: {error}") from None
        for number, passage in enumerate(self.passages):
            try:
                check_quote(passage.quote, self.doc, info)
            except ValueError as error:
                raise ValueError(f"passages[{number}].quote: {error}") from None
        return self

"""Pydantic models for the knowledge files: strict, frozen, no unknown fields."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

Region = Literal["pakistan", "india", "us", "global"]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=40)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Term = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1)]
# A term of another language as its messages write it: one word of two or more letters, none
# of them Latin (those words are read as they are), nor digits.
Translated = Annotated[str, StringConstraints(pattern=r"^[^\W\d_A-Za-z]{2,}$")]
English = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9+#' -]*$", max_length=40)]


class StrictModel(BaseModel):
    """Every knowledge model: unknown fields are errors, and values never change. Validators
    are built when a file is first validated, not when the model is defined: a start that
    reads the validated knowledge back (knowledge.validated_cache) never needs them."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class ArticleEntry(StrictModel):
    """One article of the knowledge base, as listed in catalogue.yaml."""

    id: Slug
    file: Annotated[str, StringConstraints(pattern=r"^[\w.-]+\.txt$")]
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=80)]
    regions: tuple[Region, ...] = Field(min_length=1)
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10)]


class Catalogue(StrictModel):
    articles: tuple[ArticleEntry, ...] = Field(min_length=1)

    @field_validator("articles")
    @classmethod
    def _unique_ids_and_files(cls, articles: tuple[ArticleEntry, ...]) -> tuple[ArticleEntry, ...]:
        for attribute in ("id", "file"):
            seen: set[str] = set()
            for entry in articles:
                value = getattr(entry, attribute)
                if value in seen:
                    raise ValueError(f"duplicate article {attribute} {value!r}")
                seen.add(value)
        return articles


class Vocabulary(StrictModel):
    """Query understanding: abbreviations, synonyms and common misspellings."""

    expansions: dict[Term, NonEmpty] = Field(
        description="phrase as people type it -> words added to the query"
    )
    corrections: dict[Term, NonEmpty] = Field(
        description="misspelling -> right spelling (fuzzy matching handles the rest)"
    )
    translations: dict[Translated, English] = Field(
        default_factory=dict,
        description="a word in another script -> the English it means (retrieval/translation.py)",
    )


class Scope(StrictModel):
    """Word lists that decide whether a question is about the ML-engineering career."""

    domain_terms: tuple[Term, ...] = Field(min_length=1)
    # Domain terms other careers use as much ("python", "cloud", "developer", "computer
    # science"): named next to another field, they are that field's ("cybersecurity and
    # computer science roadmap"). Each is one of domain_terms.
    shared_domain_terms: tuple[Term, ...] = ()
    career_terms: tuple[Term, ...] = Field(min_length=1)
    # Occupations and fields other than ML ("pharmacist", "web development"): off the domain
    # like off_domain_terms, but beside a question about ML the asker's own background.
    other_fields: tuple[Term, ...] = ()
    off_domain_terms: tuple[Term, ...] = Field(min_length=1)
    injection_phrases: tuple[Term, ...]
    task_terms: tuple[Term, ...] = ()
    request_terms: tuple[Term, ...] = ()
    hands_on_terms: tuple[Term, ...] = ()
    career_anchors: tuple[Term, ...] = ()
    ways_in: tuple[Term, ...] = ()  # "where do i start": anchors, and a career word
    role_names: tuple[Term, ...] = ()  # the role's own names (anchors as well)
    greetings: tuple[Term, ...] = Field(min_length=1)
    thanks: tuple[Term, ...] = Field(min_length=1)
    # "ok", "got it", "theek hai": a reply read, nothing asked
    acknowledgments: tuple[Term, ...] = ()
    # "bye", "allah hafiz": the chat ends; answered with a goodbye, not a decline
    farewells: tuple[Term, ...] = ()
    topics: dict[Term, tuple[Term, ...]] = Field(min_length=1)
    # Messages that use the field's words but ask what the articles do not answer (how an
    # algorithm works, an error to fix, another career): compared by meaning, not words.
    off_topic_examples: tuple[NonEmpty, ...] = ()

    @model_validator(mode="after")
    def _shared_terms_are_domain_terms(self) -> Scope:
        unknown = sorted(set(self.shared_domain_terms) - set(self.domain_terms))
        if unknown:
            raise ValueError(f"shared_domain_terms not among domain_terms: {unknown}")
        return self


class Article(StrictModel):
    """A catalogue entry together with its verbatim text."""

    entry: ArticleEntry
    text: str

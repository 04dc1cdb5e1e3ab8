"""Load and validate the knowledge base; any problem is a KnowledgeError naming file and field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from knowledge.models import Article, Catalogue, Scope, Vocabulary

KNOWLEDGE_DIR = Path(__file__).resolve().parent
ModelT = TypeVar("ModelT", bound=BaseModel)


class KnowledgeError(Exception):
    """The knowledge files are broken; the message says which file and field."""


@dataclass(frozen=True)
class KnowledgeBase:
    articles: tuple[Article, ...]
    vocabulary: Vocabulary
    scope: Scope
    root: Path


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise KnowledgeError(f"{path.name}: file not found") from error
    except yaml.YAMLError as error:
        raise KnowledgeError(f"{path.name}: not valid YAML: {error}") from error


def _field_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def _validate(model: type[ModelT], path: Path) -> ModelT:
    data = _read_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{_field_path(item['loc'])}: {item['msg']}" for item in error.errors()
        )
        raise KnowledgeError(f"{path.name}: {problems}") from error


def load_knowledge(root: Path = KNOWLEDGE_DIR) -> KnowledgeBase:
    """Read catalogue.yaml, the article files, vocabulary.yaml and scope.yaml under root."""
    catalogue = _validate(Catalogue, root / "catalogue.yaml")
    articles = []
    for index, entry in enumerate(catalogue.articles):
        path = root / "articles" / entry.file
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as error:
            raise KnowledgeError(
                f"catalogue.yaml: articles[{index}].file: no such article file {entry.file!r}"
            ) from error
        except UnicodeDecodeError as error:
            raise KnowledgeError(f"articles/{entry.file}: not UTF-8 text") from error
        if not text.strip():
            raise KnowledgeError(f"articles/{entry.file}: the article is empty")
        articles.append(Article(entry=entry, text=text))
    return KnowledgeBase(
        articles=tuple(articles),
        vocabulary=_validate(Vocabulary, root / "vocabulary.yaml"),
        scope=_validate(Scope, root / "scope.yaml"),
        root=root,
    )

"""Load and validate the knowledge base; any problem is a KnowledgeError naming file and field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from knowledge.asked_models import AskedFile
from knowledge.career_models import ExchangeRates, Roadmap, Salaries, missing_rates
from knowledge.lexicon import Lexicon, load_lexicon
from knowledge.models import Article, Catalogue, Scope, Vocabulary

KNOWLEDGE_DIR = Path(__file__).resolve().parent
# libyaml's parser when PyYAML has it: the knowledge files are read at every start, and
# the pure-Python parser took most of the loading time.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ModelT = TypeVar("ModelT", bound=BaseModel)


class KnowledgeError(Exception):
    """The knowledge files are broken; the message says which file and field."""


@dataclass(frozen=True)
class KnowledgeBase:
    articles: tuple[Article, ...]
    vocabulary: Vocabulary
    scope: Scope
    root: Path
    roadmap: Roadmap
    salaries: Salaries
    exchange_rates: ExchangeRates | None = None  # optional file: no rates, no dollar estimates
    asked: tuple[AskedFile, ...] = ()  # what people ask that passages answer (asked/*.yaml)
    lexicon: Lexicon | None = None  # places, levels and pay units (lexicon.yaml)

    @property
    def article_titles(self) -> dict[str, str]:
        """Article id -> title, for the Sources lists of the /salary and /roadmap views."""
        return {article.entry.id: article.entry.title for article in self.articles}


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except FileNotFoundError as error:
        raise KnowledgeError(f"{path.name}: file not found") from error
    except yaml.YAMLError as error:
        raise KnowledgeError(f"{path.name}: not valid YAML: {error}") from error


def _field_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def validate_file(
    model: type[ModelT], path: Path, context: dict[str, Any] | None = None
) -> ModelT:
    """A knowledge file read and validated; a problem is a KnowledgeError naming the field."""
    data = _read_yaml(path)
    try:
        return model.model_validate(data, context=context)
    except ValidationError as error:
        problems = "; ".join(
            f"{_field_path(item['loc'])}: {item['msg']}" for item in error.errors()
        )
        raise KnowledgeError(f"{path.name}: {problems}") from error


def load_knowledge(root: Path = KNOWLEDGE_DIR) -> KnowledgeBase:
    """Read catalogue.yaml, the article files, vocabulary.yaml, scope.yaml, roadmap.yaml,
    salaries.yaml, lexicon.yaml and (if present) exchange_rates.yaml and asked/*.yaml under root."""
    catalogue = validate_file(Catalogue, root / "catalogue.yaml")
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

    # Quotes and article ids in the career data are checked against the articles just read.
    def context() -> dict[str, Any]:
        return {"articles": {article.entry.id: article.text for article in articles}}

    salaries = validate_file(Salaries, root / "salaries.yaml", context())
    rates_path = root / "exchange_rates.yaml"
    exchange_rates = None
    if rates_path.exists():
        exchange_rates = validate_file(ExchangeRates, rates_path, context())
        missing = missing_rates(exchange_rates, salaries)
        if missing:
            raise KnowledgeError(f"{rates_path.name}: per_usd: no rate for {', '.join(missing)}")
    return KnowledgeBase(
        articles=tuple(articles),
        vocabulary=validate_file(Vocabulary, root / "vocabulary.yaml"),
        scope=validate_file(Scope, root / "scope.yaml"),
        root=root,
        roadmap=validate_file(Roadmap, root / "roadmap.yaml", context()),
        salaries=salaries,
        exchange_rates=exchange_rates,
        lexicon=load_lexicon(root / "lexicon.yaml"),
        asked=tuple(
            validate_file(AskedFile, path, context()) for path in sorted(root.glob("asked/*.yaml"))
        ),
    )

"""Load and validate the knowledge base; any problem is a KnowledgeError naming file and field."""

from __future__ import annotations

import datetime
import functools
import hashlib
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from knowledge.asked_models import AskedFile
from knowledge.cache_files import default_cache_dir, drop_older, replace_atomically
from knowledge.career_models import ExchangeRates, Roadmap, Salaries, missing_rates
from knowledge.lexicon import Lexicon, load_lexicon
from knowledge.models import Article, Catalogue, Scope, Vocabulary
from knowledge.validated_cache import keep_validated, read_validated, validation_key

KNOWLEDGE_DIR = Path(__file__).resolve().parent
ModelT = TypeVar("ModelT", bound=BaseModel)
_PARSED_PREFIX = "parsed-yaml-"
_PARSED_KEPT = 200  # parsed files kept: the knowledge has some 20, and tests try variants
_DATE_TAG = "$date"  # how the parsed-YAML cache writes a date: {"$date": "2025-06-01"}


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
    def embeddings_dir(self) -> Path:
        """The embeddings of the articles' passages and asks, shipped with them so that a
        first start encodes none (made by scripts/seed_embeddings.py; see EmbeddingCache)."""
        return self.root / "embeddings"

    @property
    def article_titles(self) -> dict[str, str]:
        """Article id -> title, for the Sources lists of the /salary and /roadmap views."""
        return {article.entry.id: article.entry.title for article in self.articles}


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise KnowledgeError(f"{path.name}: file not found") from error


def parsed_yaml(text: str, name: str) -> Any:
    """A YAML text as data, from the parsed-YAML cache when this very text was parsed before.

    Parsing is only turning text into lists and dicts: the data is validated by the models
    afterwards either way. Building the objects in Python was most of the knowledge's
    loading time; JSON reads ten times faster, and a start that finds every file in the
    cache does not even import PyYAML. Dates are kept as {"$date": "YYYY-MM-DD"}; data that
    JSON does not give back exactly (keys other than strings, say) is parsed every time.
    """
    # Keyed by the text and by the parser, which decides what the text means.
    key = hashlib.sha256(f"{_parser_id()}\n{text}".encode(errors="surrogatepass"))
    path = default_cache_dir() / f"{_PARSED_PREFIX}{key.hexdigest()[:32]}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"), object_hook=_read_date)
    except (OSError, ValueError):
        pass  # not parsed before, or unreadable: parse it
    data = _parse(text, name)
    try:
        encoded = json.dumps(data, ensure_ascii=False, default=_write_date)
        if json.loads(encoded, object_hook=_read_date) == data:
            path.parent.mkdir(parents=True, exist_ok=True)
            replace_atomically(path, lambda f: f.write(encoded.encode("utf-8")))
            drop_older(path.parent, f"{_PARSED_PREFIX}*.json", _PARSED_KEPT, keep=path)
    except (TypeError, ValueError, OSError):
        pass  # not plain JSON data, or no cache to write to
    return data


def _parse(text: str, name: str) -> Any:
    import yaml  # here: a start whose files are all in the cache never needs it

    # libyaml's parser when PyYAML has it: the pure-Python one is several times slower.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as error:
        raise KnowledgeError(f"{name}: not valid YAML: {error}") from error


@functools.cache
def _parser_id() -> str:
    """PyYAML's version, found without importing it: the digest of its __init__.py, which
    names the version (a new release rewrites it)."""
    spec = importlib.util.find_spec("yaml")
    if spec is None or spec.origin is None:
        return "no yaml"
    return hashlib.sha256(Path(spec.origin).read_bytes()).hexdigest()


def _write_date(value: object) -> dict[str, str]:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return {_DATE_TAG: value.isoformat()}
    raise TypeError(f"{type(value).__name__} is not kept in the parsed-YAML cache")


def _read_date(mapping: dict[str, Any]) -> Any:
    # A mapping of YAML's own with this one key would come back as a date: the check that
    # the cached JSON reads back as the parsed data then fails, and such a file is not cached.
    if len(mapping) == 1 and isinstance(mapping.get(_DATE_TAG), str):
        return datetime.date.fromisoformat(mapping[_DATE_TAG])
    return mapping


def _field_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def validate_file(
    model: type[ModelT], path: Path, context: dict[str, Any] | None = None
) -> ModelT:
    """A knowledge file read and validated; a problem is a KnowledgeError naming the field.

    A text validated before with the same model, context and code is read back as it was
    validated (knowledge.validated_cache), not validated again.
    """
    text = _read_text(path)
    key = validation_key(model, text, context)
    if key is not None and (validated := read_validated(model, key)) is not None:
        return validated
    data = parsed_yaml(text, path.name)
    try:
        validated = model.model_validate(data, context=context)
    except ValidationError as error:
        problems = "; ".join(
            f"{_field_path(item['loc'])}: {item['msg']}" for item in error.errors()
        )
        raise KnowledgeError(f"{path.name}: {problems}") from error
    if key is not None:
        keep_validated(key, validated)
    return validated


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
        # Not validated again: the entry is, as part of the catalogue, and the text is text.
        articles.append(Article.model_construct(entry=entry, text=text))

    # Quotes and article ids in the career data are checked against the articles just read.
    # One context for every file: the articles' whitespace-folded text, which quotes are
    # looked up in, is made once (career_models._folded_articles keeps it there).
    context: dict[str, Any] = {"articles": {a.entry.id: a.text for a in articles}}

    salaries = validate_file(Salaries, root / "salaries.yaml", context)
    rates_path = root / "exchange_rates.yaml"
    exchange_rates = None
    if rates_path.exists():
        exchange_rates = validate_file(ExchangeRates, rates_path, context)
        missing = missing_rates(exchange_rates, salaries)
        if missing:
            raise KnowledgeError(f"{rates_path.name}: per_usd: no rate for {', '.join(missing)}")
    return KnowledgeBase(
        articles=tuple(articles),
        vocabulary=validate_file(Vocabulary, root / "vocabulary.yaml"),
        scope=validate_file(Scope, root / "scope.yaml"),
        root=root,
        roadmap=validate_file(Roadmap, root / "roadmap.yaml", context),
        salaries=salaries,
        exchange_rates=exchange_rates,
        lexicon=load_lexicon(root / "lexicon.yaml"),
        asked=tuple(
            validate_file(AskedFile, path, context) for path in sorted(root.glob("asked/*.yaml"))
        ),
    )

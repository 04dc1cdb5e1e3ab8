"""Knowledge files as validated, kept as plain JSON so that an unchanged file is not validated
again at every start.

Building pydantic's validators for the knowledge models and running them was a fifth of each
`career-advisor ask`. A validated file is written here under a key made of everything its
validation reads: the file's text, the model, the articles its quotes are checked against, the
knowledge package's source code and pydantic's version. A start whose key is found reads the
data back and rebuilds the models with ``model_construct`` (the models defer building their
validators, so such a start never builds one). Any change to a file, an article, the models or
pydantic misses the key and validates again, so a broken file still stops the bot with its
message. A file is only kept when the data rebuilt from it equals the validated models exactly;
one that is missing, unreadable or does not fit its model is validated again, never trusted.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import logging
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pydantic_core
from pydantic import BaseModel

from knowledge.cache_files import default_cache_dir, drop_older, replace_atomically, source_digest

__all__ = ["construct", "keep_validated", "plain_json", "read_validated", "validation_key"]

ModelT = TypeVar("ModelT", bound=BaseModel)
PREFIX = "validated-"
KEPT = 200  # files kept: the knowledge has some 20, and tests validate many variants
_CONTEXT_DIGEST = "_digest"  # where a validation context keeps its digest, made once

log = logging.getLogger(__name__)


@functools.cache  # the code does not change while the process runs
def _validation_code() -> bytes:
    # pydantic_core decides what a constraint accepts; its version names pydantic's too.
    return source_digest(("knowledge",)) + pydantic_core.__version__.encode()


def _context_digest(context: dict[str, Any] | None) -> str:
    """A digest of what a validation context gives the checks (the articles), made once per
    context: the loader passes one context to every file. Keys starting with "_" are the
    checks' own memos (folded article text) and are left out."""
    if context is None:
        return "no context"
    digest = context.get(_CONTEXT_DIGEST)
    if digest is None:
        given = {name: value for name, value in context.items() if not name.startswith("_")}
        text = json.dumps(given, sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        context[_CONTEXT_DIGEST] = digest
    return digest


def validation_key(model: type[BaseModel], text: str, context: dict[str, Any] | None) -> str | None:
    """The key of ``text`` validated as ``model`` with ``context``; None for a model outside
    the knowledge package, whose code the key cannot cover."""
    if not model.__module__.startswith("knowledge."):
        return None
    digest = hashlib.sha256(_validation_code())
    for part in (f"{model.__module__}.{model.__qualname__}", _context_digest(context), text):
        digest.update(b"\0" + part.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


def _path(key: str) -> Path:
    return default_cache_dir() / f"{PREFIX}{key}.json"


def read_validated(model: type[ModelT], key: str) -> ModelT | None:
    """The models kept under ``key``, or None when there are none that fit ``model``."""
    try:
        data = json.loads(_path(key).read_text(encoding="utf-8"))
        return construct(model, data)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError) as error:
        log.info("validated knowledge %s unreadable (%s); validating again", key, error)
        return None


def keep_validated(key: str, validated: BaseModel) -> None:
    """Write ``validated`` under ``key`` if it reads back exactly; a failure costs the next
    start a validation, nothing else."""
    try:
        text = plain_json(validated)
        if construct(type(validated), json.loads(text)) != validated:
            return
        encoded = text.encode("utf-8", "surrogatepass")
        path = _path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(path, lambda f: f.write(encoded))
        drop_older(path.parent, f"{PREFIX}*.json", KEPT, keep=path)
    except (TypeError, ValueError, KeyError, OSError) as error:
        log.debug("validated knowledge not kept: %s", error)


def plain_json(value: Any) -> str:
    """Models and the values in them as JSON: a model is an object of its fields, a tuple a
    list, a date its ISO form. Made from the models' own values by json's encoder, with no
    validator or serializer of pydantic's (the engine's fingerprint reads it too)."""
    return json.dumps(value, ensure_ascii=False, default=_plain_object)


def _plain_object(value: object) -> Any:
    if isinstance(value, BaseModel):
        return value.__dict__  # the fields, in order: the models forbid extra ones
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} has no plain form")


def construct(annotation: Any, data: Any) -> Any:
    """``data`` read from :func:`plain_json` turned back into a value of ``annotation``,
    models built with ``model_construct`` (not validated: the data was valid when it was
    kept). Data of another shape raises TypeError, ValueError or KeyError."""
    return _builder(annotation)(data)


@functools.cache  # one builder per type: a knowledge file has thousands of values of a few
def _builder(annotation: Any) -> Callable[[Any], Any]:
    """The function that makes a value of ``annotation`` from its plain form."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _model_builder(annotation)
    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _builder(arguments[0])
    if origin is typing.Union or origin is types.UnionType:
        (kind,) = (argument for argument in arguments if argument is not type(None))
        build_kind = _builder(kind)
        if type(None) not in arguments:
            return build_kind
        return lambda data: None if data is None else build_kind(data)
    if origin is tuple:
        return _tuple_builder(arguments)
    if origin is dict:
        return _dict_builder(_builder(arguments[0]), _builder(arguments[1]))
    if origin is typing.Literal:
        return functools.partial(_literal, frozenset(arguments))
    if annotation is datetime.date:
        return datetime.date.fromisoformat
    if annotation is float:
        return _float
    if annotation in (str, int, bool):
        return functools.partial(_exactly, annotation)
    raise TypeError(f"no plain form of {annotation!r}")


def _model_builder(model: type[BaseModel]) -> Callable[[Any], Any]:
    fields = model.model_fields
    builders = {name: _builder(field.annotation) for name, field in fields.items()}

    def build(data: Any) -> BaseModel:
        if not isinstance(data, dict):
            raise TypeError(f"{model.__name__} from {type(data).__name__}")
        if data.keys() != builders.keys():  # plain_json writes every field, and only those
            raise KeyError(f"{model.__name__} fields {sorted(data)}, not {sorted(builders)}")
        return model.model_construct(**{name: builders[name](v) for name, v in data.items()})

    return build


def _tuple_builder(arguments: tuple[Any, ...]) -> Callable[[Any], Any]:
    if len(arguments) == 2 and arguments[1] is Ellipsis:
        build_item = _builder(arguments[0])
        if build_item is _builder(str):  # most of the data: lists of words and phrases

            def build_strings(data: Any) -> tuple[Any, ...]:
                items = tuple(_list(data))
                if not all(type(item) is str for item in items):
                    raise TypeError("a tuple of str holds another type")
                return items

            return build_strings
        return lambda data: tuple(map(build_item, _list(data)))
    builders = tuple(_builder(argument) for argument in arguments)
    return lambda data: tuple(
        build(item) for build, item in zip(builders, _list(data), strict=True)
    )


def _dict_builder(
    build_key: Callable[[Any], Any], build_value: Callable[[Any], Any]
) -> Callable[[Any], Any]:
    def build(data: Any) -> dict[Any, Any]:
        if not isinstance(data, dict):
            raise TypeError(f"a dict from {type(data).__name__}")
        return {build_key(key): build_value(value) for key, value in data.items()}

    return build


def _list(data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise TypeError(f"a tuple from {type(data).__name__}")
    return data


def _literal(allowed: frozenset[Any], data: Any) -> Any:
    if data not in allowed:
        raise ValueError(f"{data!r} is not one of {sorted(allowed, key=str)}")
    return data


def _float(data: Any) -> float:
    if type(data) not in (int, float):
        raise TypeError(f"a float from {type(data).__name__}")
    return float(data)


def _exactly(kind: type, data: Any) -> Any:
    if type(data) is not kind:
        raise TypeError(f"a {kind.__name__} from {type(data).__name__}")
    return data

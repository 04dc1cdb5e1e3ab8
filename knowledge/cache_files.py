"""Where the project keeps what it derives from its files, and how it writes there.

Everything under the cache directory can be deleted at any time: it is rebuilt from the
knowledge files and the model's package. Files are replaced atomically, so a reader sees
an old file or a new one, never half of one.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["default_cache_dir", "drop_older", "replace_atomically", "source_digest"]


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/career-advisor``, else ``~/.cache/career-advisor``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "career-advisor"


def source_digest(packages: tuple[str, ...]) -> bytes:
    """A SHA-256 of the source of the project's ``packages`` (their modules, by name): what
    a cache of something those modules derive is keyed by, so that new code misses it."""
    digest = hashlib.sha256()
    for package in packages:
        digest.update(_package_source(package))
    return digest.digest()


@functools.cache  # the code does not change while the process runs; several caches ask
def _package_source(package: str) -> bytes:
    digest = hashlib.sha256()
    for path in sorted((Path(__file__).resolve().parents[1] / package).glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.digest()


def replace_atomically(path: Path, write: Callable[[object], object]) -> None:
    """Write ``path`` through ``write(binary file)`` into a temporary file, then rename it."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def drop_older(
    directory: Path, pattern: str, kept: int, keep: Path, companions: tuple[str, ...] = ()
) -> None:
    """Delete the files matching ``pattern`` but ``keep`` and the ``kept`` newest others, each
    with its companions (the same name with each of those suffixes): every knowledge base a
    test or an owner tried leaves files, and the cache should not grow without end."""
    found = sorted(
        (path for path in directory.glob(pattern) if path.name != keep.name),
        key=_modified,
        reverse=True,
    )
    for path in found[kept:]:
        for each in (path, *(path.with_suffix(suffix) for suffix in companions)):
            with contextlib.suppress(OSError):
                each.unlink()


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0  # gone meanwhile: first to go

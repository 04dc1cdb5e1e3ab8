"""Where the project keeps what it derives from its files, and how it writes there.

Everything under the cache directory can be deleted at any time: it is rebuilt from the
knowledge files and the model's package. Files are replaced atomically, so a reader sees
an old file or a new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["default_cache_dir", "replace_atomically"]


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/career-advisor``, else ``~/.cache/career-advisor``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "career-advisor"


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

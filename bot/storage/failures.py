"""Storage failures by kind, counted, so that the log tells an operator what is wrong and how
often ("disk full, 37 times") without one line per failed update.

:func:`classify` names the kind of a database error (SQLite's error name, PostgreSQL's
SQLSTATE, or an OSError's errno); :class:`FailureTally` counts them and logs an ERROR for the
first of each kind, then at most one per kind per quiet period, each with the counts.
"""

from __future__ import annotations

import errno
import logging
import time
from collections import Counter
from collections.abc import Callable
from enum import StrEnum

__all__ = ["FailureKind", "FailureTally", "classify"]

QUIET_SECONDS = 60.0  # after a logged failure, more of its kind are only counted this long


class FailureKind(StrEnum):
    DISK_FULL = "disk full"
    READ_ONLY = "read-only storage"
    UNREACHABLE = "database unreachable"
    BUSY = "database busy"
    DAMAGED = "database damaged"
    DISK_ERROR = "disk I/O error"
    OTHER = "other database error"


_SQLITE_KINDS = (  # by prefix of sqlite3.Error.sqlite_errorname
    ("SQLITE_FULL", FailureKind.DISK_FULL),
    ("SQLITE_READONLY", FailureKind.READ_ONLY),
    ("SQLITE_CANTOPEN", FailureKind.READ_ONLY),
    ("SQLITE_PERM", FailureKind.READ_ONLY),
    ("SQLITE_BUSY", FailureKind.BUSY),
    ("SQLITE_LOCKED", FailureKind.BUSY),
    ("SQLITE_CORRUPT", FailureKind.DAMAGED),
    ("SQLITE_NOTADB", FailureKind.DAMAGED),
    ("SQLITE_IOERR", FailureKind.DISK_ERROR),
)
_POSTGRES_KINDS = (  # by prefix of the SQLSTATE
    ("53100", FailureKind.DISK_FULL),
    ("25006", FailureKind.READ_ONLY),
    ("08", FailureKind.UNREACHABLE),  # connection exceptions
    ("57P", FailureKind.UNREACHABLE),  # the server shutting down or restarting
    ("40", FailureKind.BUSY),  # deadlocks, serialization failures
    ("55P03", FailureKind.BUSY),  # lock not available
    ("XX", FailureKind.DAMAGED),  # internal errors: data corrupted, index corrupted
)
_ERRNO_KINDS = {
    errno.ENOSPC: FailureKind.DISK_FULL,
    errno.EDQUOT: FailureKind.DISK_FULL,
    errno.EROFS: FailureKind.READ_ONLY,
    errno.EACCES: FailureKind.READ_ONLY,
    errno.EPERM: FailureKind.READ_ONLY,
}


def classify(error: BaseException) -> FailureKind:
    """The kind of a storage error, from what the database or the OS said."""
    if isinstance(error, OSError):
        return _ERRNO_KINDS.get(error.errno or 0, FailureKind.DISK_ERROR)
    name = getattr(error, "sqlite_errorname", None)
    if isinstance(name, str):
        return next((kind for prefix, kind in _SQLITE_KINDS if name.startswith(prefix)),
                    FailureKind.OTHER)
    if type(error).__module__.startswith("psycopg"):
        state = getattr(error, "sqlstate", None)
        if not state:  # no answer from a server at all (refused, pool timeout)
            return FailureKind.UNREACHABLE
        return next((kind for prefix, kind in _POSTGRES_KINDS if state.startswith(prefix)),
                    FailureKind.OTHER)
    return FailureKind.OTHER


class FailureTally:
    """Counts of storage failures by kind since start, logged without flooding the log."""

    def __init__(
        self,
        logger: logging.Logger,
        quiet: float = QUIET_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._quiet = quiet
        self._clock = clock
        self.counts: Counter[FailureKind] = Counter()
        self._unlogged: Counter[FailureKind] = Counter()
        self._logged_at: dict[FailureKind, float] = {}

    def record(self, kind: FailureKind, message: str) -> None:
        """One failure: counted, and logged as an ERROR unless its kind was just logged."""
        self.counts[kind] += 1
        now = self._clock()
        last = self._logged_at.get(kind)
        if last is not None and now - last < self._quiet:
            self._unlogged[kind] += 1
            return
        self._logged_at[kind] = now
        skipped = self._unlogged.pop(kind, 0)
        tail = f"; {skipped} more not logged since the last such line" if skipped else ""
        self._logger.error("%s [%s: %d since start%s]", message, kind, self.counts[kind], tail)

    def log_totals(self) -> None:
        """One ERROR line with every kind's count (at shutdown), if anything failed."""
        if self.counts:
            totals = ", ".join(f"{kind}: {count}" for kind, count in self.counts.most_common())
            self._logger.error("storage failures since start: %s", totals)

"""The terminal chat's memory between runs: one SQLite file in the bot's data directory.

The Telegram bot keeps a :class:`~bot.core.conversation.ChatState` per chat and a
:class:`~bot.core.conversation.UserState` per user (``bot.storage``); the
terminal has one person and one chat, so it keeps one pair, in ``<data dir>/terminal.sqlite3``::

    CREATE TABLE sessions (
        name       TEXT PRIMARY KEY,  -- "terminal"
        chat_state TEXT NOT NULL,     -- json.dumps(ChatState.to_dict())
        user_state TEXT NOT NULL,     -- json.dumps(UserState.to_dict())
        saved_at   TEXT NOT NULL      -- UTC, ISO 8601
    )

The database is in WAL mode and every :meth:`TerminalStore.save` is one transaction, so a
killed chat loses nothing it has answered. Nothing here raises for a problem on disk: a
database that cannot be read is moved aside (``terminal.sqlite3.corrupt-<UTC time>``) and the
chat starts afresh; a directory that cannot be written leaves the chat working without
saving. Either way one line goes to stderr.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from bot.config import ENV_DATA_DIR, ConfigError, load_settings
from bot.core.conversation import ChatState, UserState
from bot.storage.turns import one_line

__all__ = ["DB_FILE_NAME", "SESSION_NAME", "TerminalStore", "default_store", "terminal_data_dir"]

DB_FILE_NAME = "terminal.sqlite3"
SESSION_NAME = "terminal"
BUSY_TIMEOUT = 5.0  # seconds to wait for another terminal chat's write to finish
NOT_SAVED = "the chat works, but your progress won't be saved"

# Errors meaning the file is not (or no longer) the database this module writes; any other
# error (read-only, cannot open, disk full, locked) says nothing against the file itself.
# SQLITE_ERROR is in because this module's statements are fixed and valid: it can only come
# from a file whose tables are not ours.
_UNREADABLE_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_ERROR})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    name TEXT PRIMARY KEY,
    chat_state TEXT NOT NULL,
    user_state TEXT NOT NULL,
    saved_at TEXT NOT NULL
)
"""
_SELECT = "SELECT chat_state, user_state FROM sessions WHERE name = ?"
_UPSERT = """
INSERT INTO sessions (name, chat_state, user_state, saved_at) VALUES (?, ?, ?, ?)
ON CONFLICT (name) DO UPDATE SET
    chat_state = excluded.chat_state,
    user_state = excluded.user_state,
    saved_at = excluded.saved_at
"""

Warn = Callable[[str], None]
States = tuple[ChatState, UserState]


def warn_on_stderr(message: str) -> None:
    """Print one line to stderr, looked up at call time (so a redirected stderr gets it)."""
    print(f"career-advisor: {message}", file=sys.stderr, flush=True)


def _is_unreadable(error: sqlite3.Error) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(code, int) and (code & 0xFF) in _UNREADABLE_CODES  # primary code


def _fresh() -> States:
    return ChatState(), UserState()


class _DamagedRow(ValueError):
    """The database opened, but the saved session is not JSON."""


class TerminalStore:
    """The terminal chat's :class:`ChatState` and :class:`UserState` in one SQLite file.

    ``path`` None keeps nothing (a chat whose data directory is unusable). Call :meth:`load`
    first; it opens the database, and :meth:`close` (or leaving a ``with`` block) closes it.
    ``warn`` receives each one-line problem report; by default it is printed on stderr.
    """

    def __init__(
        self, path: Path | str | None, *, name: str = SESSION_NAME, warn: Warn | None = None
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.name = name
        self._warn = warn if warn is not None else warn_on_stderr
        self._connection: sqlite3.Connection | None = None

    @property
    def saving(self) -> bool:
        """Whether :meth:`save` writes to disk (false until :meth:`load`, and after a problem)."""
        return self._connection is not None

    def load(self) -> States:
        """The saved states, or fresh ones when there are none or they cannot be read."""
        self.close()
        if self.path is None:
            return _fresh()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            self._warn(f"cannot create {self.path.parent} ({one_line(error)}); {NOT_SAVED}")
            return _fresh()
        try:
            return self._open_and_read()
        except sqlite3.Error as error:
            if _is_unreadable(error):
                return self._start_afresh(one_line(error))
            self._warn(f"cannot write to {self.path} ({one_line(error)}); {NOT_SAVED}")
            return self._read_only()
        except _DamagedRow as error:
            # The file itself is sound: the next save simply replaces the damaged row.
            self._warn(f"the chat saved in {self.path} was damaged ({error}); starting afresh")
            return _fresh()

    def save(self, chat: ChatState, user: UserState) -> None:
        """Write both states in one transaction; on failure warn once and stop saving."""
        if self._connection is None:
            return
        # json's default ensure_ascii turns lone surrogates from odd terminal input into
        # escapes, which SQLite's UTF-8 encoder would otherwise refuse.
        row = (
            self.name,
            json.dumps(chat.to_dict()),
            json.dumps(user.to_dict()),
            datetime.now(UTC).isoformat(timespec="seconds"),
        )
        try:
            with self._connection:  # commits, or rolls back on an error
                self._connection.execute(_UPSERT, row)
        except sqlite3.Error as error:
            self._warn(
                f"could not save to {self.path} ({one_line(error)}); "
                "progress from now on won't be saved"
            )
            self.close()

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(sqlite3.Error):
                self._connection.close()
            self._connection = None

    def __enter__(self) -> TerminalStore:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # Opening and reading ---------------------------------------------------------------------

    def _open_and_read(self) -> States:
        assert self.path is not None
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT)
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            # NORMAL in WAL mode: a killed process loses nothing committed, a power cut at
            # most the last few updates, and no update waits for an fsync.
            connection.execute("PRAGMA synchronous = NORMAL")
            with connection:
                connection.execute(_SCHEMA)
            row = connection.execute(_SELECT, (self.name,)).fetchone()
        except BaseException:
            connection.close()
            raise
        self._connection = connection  # kept even if the row is damaged: saving replaces it
        return _decode(row)

    def _read_only(self) -> States:
        """What an unwritable database holds, if it can be read at all."""
        assert self.path is not None
        if not self.path.is_file():
            return _fresh()
        # immutable=1: no -shm or -wal file is created, so a read-only directory is enough.
        uri = f"{self.path.absolute().as_uri()}?mode=ro&immutable=1"
        try:
            connection = sqlite3.connect(uri, uri=True)
            try:
                return _decode(connection.execute(_SELECT, (self.name,)).fetchone())
            finally:
                connection.close()
        except (sqlite3.Error, _DamagedRow):
            return _fresh()  # already warned that nothing will be saved

    def _start_afresh(self, reason: str) -> States:
        """Move the unreadable file aside, keeping it for a look, and open a new one."""
        assert self.path is not None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            for suffix in ("", "-wal", "-shm"):  # a stale WAL belongs with its database
                source = Path(f"{self.path}{suffix}")
                if source.exists():
                    os.replace(source, f"{aside}{suffix}")
        except OSError as error:
            self._warn(
                f"cannot read {self.path} ({reason}) nor move it aside ({one_line(error)}); "
                f"starting afresh and {NOT_SAVED}"
            )
            return _fresh()
        try:
            self._open_and_read()
        except (sqlite3.Error, _DamagedRow) as error:
            self._warn(f"cannot read {self.path} ({reason}) nor start a new one "
                       f"({one_line(error)}); {NOT_SAVED}")
            return _fresh()
        self._warn(f"cannot read {self.path} ({reason}); moved it to {aside.name}, starting afresh")
        return _fresh()


def _decode(row: Any) -> States:
    if row is None:
        return _fresh()
    try:
        chat, user = (json.loads(text) for text in row)
    except (TypeError, ValueError):
        raise _DamagedRow("not valid JSON") from None
    # from_dict turns anything unexpected inside (old versions, wrong types) into empty state.
    return ChatState.from_dict(chat), UserState.from_dict(user)


def terminal_data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """The data directory, by bot.config's rules; raises :class:`ConfigError` if unusable.

    Only ``CAREER_ADVISOR_DATA_DIR`` is passed on: the terminal chat must start whatever the
    Telegram settings say, a malformed token included.
    """
    return load_settings({ENV_DATA_DIR: environ.get(ENV_DATA_DIR, "")}).data_dir


def default_store(
    environ: Mapping[str, str] = os.environ, warn: Warn | None = None
) -> TerminalStore:
    """The store in the same data directory as the Telegram bot's (``./data`` by default)."""
    try:
        directory = terminal_data_dir(environ)
    except ConfigError as error:  # e.g. the variable names a regular file
        (warn or warn_on_stderr)(f"{error}; {NOT_SAVED}")
        return TerminalStore(None, warn=warn)
    return TerminalStore(directory / DB_FILE_NAME, warn=warn)

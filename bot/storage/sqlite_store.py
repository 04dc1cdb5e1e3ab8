"""The default state store: one SQLite file, a row per chat and per user.

The tables are those of :mod:`bot.storage.schema`. An update reads only its own chat's and
user's rows, and its new rows are committed in one transaction with its update id, so the
cost of an update does not grow with the number of users and a redelivered update is seen
as applied.

All database work runs on one worker thread that owns the connection: the event loop never
waits on the disk, and SQLite sees one writer. The database is in WAL mode with
``synchronous = FULL``: a commit is on disk before the reply is sent, so neither ``kill -9``
nor a power cut loses an answered update. One bot process per file: for more instances use
PostgreSQL (:mod:`bot.storage.postgres_store`).
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from bot.core.conversation import ChatState, UserState
from bot.core.feedback import DEFAULT_RETENTION_DAYS
from bot.storage import schema
from bot.storage.keyed_lock import KeyedLocks
from bot.storage.turns import (
    HANDLED_KEPT_SECONDS,
    QuestionLog,
    StateNotSaved,
    StoredChat,
    StoreUnavailable,
    TurnHandle,
    decode_chat,
    decode_reply,
    decode_user,
    encode,
    logged_question,
    one_line,
    retention_seconds,
)

__all__ = ["DB_FILE_NAME", "SqliteStore"]

DB_FILE_NAME = "state.sqlite3"
BUSY_TIMEOUT = 10.0  # seconds; only another process (a backup, an operator's query) waits
PRUNE_EVERY = 1000  # commits between deletions of old handled update ids
PRUNE_INTERVAL = 3600.0  # and at most this many seconds (a quiet bot's questions expire too)
FULL_DISK_BYTES = 64 * 1024  # less free space than this is a full disk to SQLite

T = TypeVar("T")


class SqliteStore:
    """Chat and user state in ``path`` (see the module docstring)."""

    def __init__(self, path: Path | str, retention_days: int = DEFAULT_RETENTION_DAYS) -> None:
        self.path = Path(path)
        self.retention = retention_seconds(retention_days)  # of logged questions
        self._next_prune = time.time() + PRUNE_INTERVAL
        self._executor: ThreadPoolExecutor | None = None
        self._connection: sqlite3.Connection | None = None
        self._locks = KeyedLocks()
        self._commits = 0
        self._finishing_lock = threading.Lock()  # the loop adds, the worker takes
        self._to_finish: list[int] = []
        self._finish_job: asyncio.Future[None] | None = None

    # Opening and closing ------------------------------------------------------------------

    async def open(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-store")
        try:
            await self._run(self._open)
        except BaseException:
            self._executor.shutdown(wait=False)
            self._executor = None
            raise

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as error:
            raise StoreUnavailable(
                f"cannot open the state database {self.path}: {one_line(error)}"
                f"{_full_disk_note(self.path)}"
            ) from None
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = FULL")
            self._migrate(connection)
        except (sqlite3.Error, schema.NewerSchema) as error:
            connection.close()
            raise StoreUnavailable(
                f"cannot use the state database {self.path}: {one_line(error)}"
                f"{_full_disk_note(self.path)}"
            ) from None
        self._connection = connection
        with contextlib.suppress(sqlite3.Error):  # questions past retention go at each start
            connection.execute(schema.DELETE_QUESTIONS_BEFORE, (int(time.time()) - self.retention,))

    def _migrate(self, connection: sqlite3.Connection) -> None:
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)")
            row = connection.execute("SELECT version FROM schema_version").fetchone()
            version = row[0] if row else 0
            for statement in schema.upgrade_from(version, "INTEGER"):
                connection.execute(statement)
            connection.execute("DELETE FROM schema_version")
            connection.execute("INSERT INTO schema_version VALUES (?)", (schema.SCHEMA_VERSION,))
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    async def close(self) -> None:
        if self._executor is None:
            return
        if self._connection is not None:
            await self._run(self._connection.close)
            self._connection = None
        self._executor.shutdown(wait=True)
        self._executor = None

    async def _run(self, work: Callable[..., T], *args: object) -> T:
        if self._executor is None:
            raise RuntimeError("the store is not open")
        return await asyncio.get_running_loop().run_in_executor(self._executor, work, *args)

    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            raise RuntimeError("the store is not open")
        return self._connection

    # One update -----------------------------------------------------------------------------

    @asynccontextmanager
    async def turn(
        self, update_id: int, chat_id: int, user_id: int | None
    ) -> AsyncIterator[TurnHandle]:
        keys = [("chat", chat_id)] + ([("user", user_id)] if user_id is not None else [])
        # One process per file, so in-process locks are enough to keep a chat's updates (and a
        # user's, who may write from a group and a private chat at once) one at a time.
        async with self._locks.hold(keys):
            applied, reply, chat_text, user_text = await self._run(
                self._load, update_id, chat_id, user_id
            )
            handle = TurnHandle(
                applied, decode_chat(chat_text), decode_user(user_text), decode_reply(reply)
            )
            yield handle
            if applied:
                return
            now = int(time.time())
            writes = handle.writes(update_id, chat_id, user_id, now)
            await self._run(self._commit, update_id, writes, now)

    def _load(
        self, update_id: int, chat_id: int, user_id: int | None
    ) -> tuple[bool, str | None, str | None, str | None]:
        """Whether the update was applied, its unsent reply, the chat's and the user's state."""
        db = self._db()
        try:
            applied = db.execute(schema.SELECT_HANDLED, (update_id,)).fetchone()
            chat = db.execute(schema.SELECT_CHAT, (chat_id,)).fetchone()
            user = None
            if user_id is not None:
                user = db.execute(schema.SELECT_USER, (user_id,)).fetchone()
        except sqlite3.Error as error:
            raise StateNotSaved.because(
                f"could not read the state of chat {chat_id}", error
            ) from None
        return (
            applied is not None, applied[0] if applied else None,
            chat[0] if chat else None, user[0] if user else None,
        )

    def _commit(self, update_id: int, writes: list[tuple[str, tuple[Any, ...]]], now: int) -> None:
        with self._transaction(f"could not save update {update_id} in {self.path}") as db:
            for statement, parameters in writes:
                db.execute(statement, parameters)
        self._commits += 1
        if self._commits % PRUNE_EVERY == 0 or now >= self._next_prune:
            self._next_prune = now + PRUNE_INTERVAL
            self._prune(now)

    @contextmanager
    def _transaction(
        self, failure: str, wait_for_disk: bool = True
    ) -> Iterator[sqlite3.Connection]:
        """One write transaction; any database error becomes StateNotSaved(failure: cause).

        ``wait_for_disk=False`` commits without an fsync (``synchronous = NORMAL``): safe from
        a kill -9, which cannot lose what SQLite handed to the OS, and made safe from a power
        cut by the next durable commit, which syncs the write-ahead log up to itself. For the
        bookkeeping of fetched and finished updates, where a short commit is what counts: a
        crash between a send and its ``finish`` sends the reply again.
        """
        db = self._db()
        try:
            if not wait_for_disk:
                db.execute("PRAGMA synchronous = NORMAL")
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            finally:
                if not wait_for_disk:
                    db.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as error:
            raise StateNotSaved.because(failure, error) from None

    def _prune(self, now: int) -> None:
        with contextlib.suppress(sqlite3.Error):  # housekeeping; the next round tries again
            self._db().execute(schema.DELETE_HANDLED_BEFORE, (now - HANDLED_KEPT_SECONDS,))
            self._db().execute(schema.DELETE_QUESTIONS_BEFORE, (now - self.retention,))

    # Updates from fetch to finish ------------------------------------------------------------

    async def receive(self, updates: list[tuple[int, str]]) -> None:
        if updates:
            await self._run(self._receive, updates)

    def _receive(self, updates: list[tuple[int, str]]) -> None:
        now = int(time.time())
        failure = f"could not record fetched updates in {self.path}"
        with self._transaction(failure, wait_for_disk=False) as db:
            db.executemany(schema.RECORD_RECEIVED, [(i, text, now) for i, text in updates])

    async def unfinished(self) -> list[str]:
        def select() -> list[str]:
            return [row[0] for row in self._db().execute(schema.SELECT_RECEIVED)]

        return await self._run(select)

    async def finish(self, update_id: int) -> None:
        # Finishes coming in while the worker is busy share one transaction (a group commit):
        # under load, one transaction per update would double the worker's work.
        with self._finishing_lock:
            self._to_finish.append(update_id)
            job = self._finish_job
            if job is None:
                job = self._finish_job = asyncio.ensure_future(self._run(self._finish_waiting))
        await asyncio.shield(job)

    def _finish_waiting(self) -> None:
        with self._finishing_lock:  # later finishes start the next job
            ids, self._to_finish, self._finish_job = self._to_finish, [], None
        failure = f"could not mark updates {', '.join(map(str, ids))} done in {self.path}"
        with self._transaction(failure, wait_for_disk=False) as db:
            db.executemany(schema.DELETE_RECEIVED, [(i,) for i in ids])
            db.executemany(schema.MARK_SENT, [(i,) for i in ids])

    # Many at once, and reading back ----------------------------------------------------------

    async def read(self, chat_id: int, user_id: int | None) -> StoredChat:
        _, _, chat, user = await self._run(self._load, -1, chat_id, user_id)
        return StoredChat(decode_chat(chat), decode_user(user))

    async def put(
        self, chats: dict[int, ChatState], users: dict[int, UserState], handled: dict[int, int]
    ) -> None:
        now = int(time.time())
        rows = (
            [(key, encode(state), now) for key, state in chats.items()],
            [(key, encode(state), now) for key, state in users.items()],
            [(update_id, chat_id, now, None) for update_id, chat_id in handled.items()],
        )
        await self._run(self._put, *rows)

    def _put(
        self, chats: list[tuple[int, str, int]], users: list[tuple[int, str, int]],
        handled: list[tuple[int, int, int, None]],
    ) -> None:
        with self._transaction(f"could not save to {self.path}") as db:
            db.executemany(schema.UPSERT_CHAT, chats)
            db.executemany(schema.UPSERT_USER, users)
            db.executemany(schema.MARK_HANDLED, handled)

    async def counts(self) -> tuple[int, int]:
        def count() -> tuple[int, int]:
            db = self._db()
            chats = db.execute("SELECT count(*) FROM chats").fetchone()[0]
            users = db.execute("SELECT count(*) FROM users").fetchone()[0]
            return int(chats), int(users)

        return await self._run(count)

    async def question_log(self, since: int) -> QuestionLog:
        def select() -> QuestionLog:
            db = self._db()
            rows = db.execute(schema.SELECT_QUESTIONS_SINCE, (since,)).fetchall()
            users = db.execute(schema.COUNT_ASKERS_SINCE, (since,)).fetchone()[0]
            return QuestionLog(tuple(logged_question(row) for row in rows), int(users))

        return await self._run(select)

    async def delete_questions_before(self, cutoff: int) -> int:
        def delete() -> int:
            with self._transaction(f"could not delete old questions in {self.path}") as db:
                return db.execute(schema.DELETE_QUESTIONS_BEFORE, (cutoff,)).rowcount

        return await self._run(delete)


def _full_disk_note(path: Path) -> str:
    """Said when the disk is full: SQLite reports a full disk while it sets up its write-ahead
    log as a mere "disk I/O error"."""
    try:
        free = shutil.disk_usage(next(p for p in (path, *path.parents) if p.exists())).free
    except (OSError, StopIteration):
        return ""
    return " (the disk is full)" if free < FULL_DISK_BYTES else ""

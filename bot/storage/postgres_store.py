"""The state store for hosts whose disk does not survive a deploy, and for several instances.

Selected by ``DATABASE_URL``. The tables are those of :mod:`bot.storage.schema`. psycopg 3's
async driver with a connection pool, so the event loop never waits on the database.

Several bot processes may share one database. Each update runs in one transaction that first
takes a transaction-scoped advisory lock on its chat id and then on its user id (a private
chat's id is its user's id, so the two name the same lock there; chat locks are always taken
first, so no two updates wait on each other in a cycle). An update redelivered to another
instance therefore waits for the first to commit, then sees its update id and is skipped, and
a user's profile is never written by two updates at once. The schema is created and migrated
by the bot itself, under an advisory lock so that instances starting together do it once.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from bot.core.conversation import ChatState, UserState
from bot.core.feedback import DEFAULT_RETENTION_DAYS
from bot.storage import schema
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

__all__ = ["PostgresStore"]

POOL_SIZE = 16  # connections; an update holds one for its few milliseconds
CONNECT_TIMEOUT = 10.0  # seconds to wait for the server at start
PRUNE_EVERY = 1000
PRUNE_INTERVAL = 3600.0  # and at most this many seconds (a quiet bot's questions expire too)
# An arbitrary key that no chat id can take (chat ids are below 2**52).
_MIGRATION_LOCK = 0x6361_7265_6572  # "career"

_UPSERT_CHAT = schema.for_psycopg(schema.UPSERT_CHAT)
_UPSERT_USER = schema.for_psycopg(schema.UPSERT_USER)
_MARK_HANDLED = schema.for_psycopg(schema.MARK_HANDLED)
_SELECT_HANDLED = schema.for_psycopg(schema.SELECT_HANDLED)
_SELECT_CHAT = schema.for_psycopg(schema.SELECT_CHAT)
_SELECT_USER = schema.for_psycopg(schema.SELECT_USER)
_DELETE_HANDLED_BEFORE = schema.for_psycopg(schema.DELETE_HANDLED_BEFORE)
_RECORD_RECEIVED = schema.for_psycopg(schema.RECORD_RECEIVED)
_DELETE_QUESTIONS_BEFORE = schema.for_psycopg(schema.DELETE_QUESTIONS_BEFORE)
_SELECT_QUESTIONS_SINCE = schema.for_psycopg(schema.SELECT_QUESTIONS_SINCE)
_COUNT_ASKERS_SINCE = schema.for_psycopg(schema.COUNT_ASKERS_SINCE)


# Finishing an update in one round trip: a crash between a send and this commit sends the
# reply again, so the shorter it takes, the fewer duplicates. Without waiting for the server's
# disk: the bot's crash cannot lose what the server has, only the server's crash can, and then
# too the reply is merely sent again.
_FINISH = sql.SQL(
    "; ".join((
        "BEGIN",
        "SET LOCAL synchronous_commit = off",
        schema.DELETE_RECEIVED.replace("?", "{update}"),
        schema.MARK_SENT.replace("?", "{update}"),
        "COMMIT",
    ))
)


class PostgresStore:
    """Chat and user state in the PostgreSQL database at ``url`` (see the module docstring)."""

    def __init__(
        self, url: str, pool_size: int = POOL_SIZE, retention_days: int = DEFAULT_RETENTION_DAYS
    ) -> None:
        self._url = url
        self.retention = retention_seconds(retention_days)  # of logged questions
        self._next_prune = time.time() + PRUNE_INTERVAL
        self._pool_size = pool_size
        self._pool: AsyncConnectionPool | None = None
        self._commits = 0

    async def open(self) -> None:
        pool = AsyncConnectionPool(
            self._url, min_size=1, max_size=self._pool_size, open=False,
            kwargs={"autocommit": True}, name="career-advisor",
        )
        try:
            await pool.open(wait=True, timeout=CONNECT_TIMEOUT)
            async with pool.connection() as connection:
                await self._migrate(connection)
        except (psycopg.Error, PoolTimeout, OSError, schema.NewerSchema) as error:
            await pool.close()
            # psycopg's messages name the host and database, never the password
            raise StoreUnavailable(
                f"cannot use the PostgreSQL database in DATABASE_URL: {one_line(error)}"
            ) from None
        self._pool = pool
        await self._prune(handled=False)  # questions past retention go at each start, too

    async def _migrate(self, connection: psycopg.AsyncConnection) -> None:
        async with connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
            )
            row = await (await connection.execute("SELECT version FROM schema_version")).fetchone()
            version = row[0] if row else 0
            for statement in schema.upgrade_from(version, "BIGINT"):
                await connection.execute(statement)  # type: ignore[arg-type]
            await connection.execute("DELETE FROM schema_version")
            await connection.execute(
                "INSERT INTO schema_version VALUES (%s)", (schema.SCHEMA_VERSION,)
            )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    def _the_pool(self) -> AsyncConnectionPool:
        if self._pool is None:
            raise RuntimeError("the store is not open")
        return self._pool

    @asynccontextmanager
    async def turn(
        self, update_id: int, chat_id: int, user_id: int | None
    ) -> AsyncIterator[TurnHandle]:
        try:
            async with (
                self._the_pool().connection() as connection,
                connection.transaction(),
            ):
                await connection.execute("SELECT pg_advisory_xact_lock(%s)", (chat_id,))
                if user_id is not None and user_id != chat_id:
                    await connection.execute("SELECT pg_advisory_xact_lock(%s)", (user_id,))
                applied, reply, chat_text, user_text = await _load(
                    connection, update_id, chat_id, user_id
                )
                handle = TurnHandle(
                    applied, decode_chat(chat_text), decode_user(user_text), decode_reply(reply)
                )
                yield handle
                if not applied:
                    await self._write(connection, update_id, chat_id, user_id, handle)
        except (psycopg.Error, PoolTimeout) as error:
            raise StateNotSaved.because(
                f"could not save update {update_id} in PostgreSQL", error
            ) from None
        self._commits += 1
        if self._commits % PRUNE_EVERY == 0 or time.time() >= self._next_prune:
            self._next_prune = time.time() + PRUNE_INTERVAL
            await self._prune()

    async def _write(
        self, connection: psycopg.AsyncConnection, update_id: int, chat_id: int,
        user_id: int | None, handle: TurnHandle,
    ) -> None:
        for statement, parameters in handle.writes(update_id, chat_id, user_id, int(time.time())):
            await connection.execute(schema.for_psycopg(statement), parameters)

    async def _prune(self, handled: bool = True) -> None:
        now = int(time.time())
        try:
            async with self._the_pool().connection() as connection:
                if handled:
                    cutoff = now - HANDLED_KEPT_SECONDS
                    await connection.execute(_DELETE_HANDLED_BEFORE, (cutoff,))
                await connection.execute(_DELETE_QUESTIONS_BEFORE, (now - self.retention,))
        except (psycopg.Error, PoolTimeout):
            pass  # housekeeping; the next round tries again

    async def receive(self, updates: list[tuple[int, str]]) -> None:
        if not updates:
            return
        now = int(time.time())
        async with self._batch("could not record fetched updates in PostgreSQL") as cursor:
            await cursor.executemany(_RECORD_RECEIVED, [(i, text, now) for i, text in updates])

    async def unfinished(self) -> list[str]:
        async with self._the_pool().connection() as connection:
            cursor = await connection.execute(schema.SELECT_RECEIVED)
            return [row[0] for row in await cursor.fetchall()]

    async def finish(self, update_id: int) -> None:
        try:
            async with self._the_pool().connection() as connection:
                await connection.execute(_FINISH.format(update=sql.Literal(update_id)))
        except (psycopg.Error, PoolTimeout) as error:
            raise StateNotSaved.because(
                f"could not mark update {update_id} done in PostgreSQL", error
            ) from None

    async def read(self, chat_id: int, user_id: int | None) -> StoredChat:
        async with self._the_pool().connection() as connection:
            _, _, chat, user = await _load(connection, -1, chat_id, user_id)
        return StoredChat(decode_chat(chat), decode_user(user))

    async def put(
        self, chats: dict[int, ChatState], users: dict[int, UserState], handled: dict[int, int]
    ) -> None:
        now = int(time.time())
        async with self._batch("could not save to PostgreSQL") as cursor:
            await cursor.executemany(_UPSERT_CHAT, [(k, encode(s), now) for k, s in chats.items()])
            await cursor.executemany(_UPSERT_USER, [(k, encode(s), now) for k, s in users.items()])
            await cursor.executemany(
                _MARK_HANDLED, [(u, c, now, None) for u, c in handled.items()]
            )

    @asynccontextmanager
    async def _batch(self, failure: str) -> AsyncIterator[psycopg.AsyncCursor[Any]]:
        """A cursor in one transaction; a database error becomes StateNotSaved(failure)."""
        try:
            async with (
                self._the_pool().connection() as connection,
                connection.transaction(),
                connection.cursor() as cursor,
            ):
                yield cursor
        except (psycopg.Error, PoolTimeout) as error:
            raise StateNotSaved.because(failure, error) from None

    async def counts(self) -> tuple[int, int]:
        async with self._the_pool().connection() as connection:
            chats = await (await connection.execute("SELECT count(*) FROM chats")).fetchone()
            users = await (await connection.execute("SELECT count(*) FROM users")).fetchone()
        assert chats is not None and users is not None
        return int(chats[0]), int(users[0])

    async def question_log(self, since: int) -> QuestionLog:
        async with self._the_pool().connection() as connection:
            rows = await (await connection.execute(_SELECT_QUESTIONS_SINCE, (since,))).fetchall()
            users = await (await connection.execute(_COUNT_ASKERS_SINCE, (since,))).fetchone()
        assert users is not None
        return QuestionLog(tuple(logged_question(tuple(row)) for row in rows), int(users[0]))

    async def delete_questions_before(self, cutoff: int) -> int:
        async with self._the_pool().connection() as connection:
            cursor = await connection.execute(_DELETE_QUESTIONS_BEFORE, (cutoff,))
            return cursor.rowcount


async def _load(
    connection: psycopg.AsyncConnection, update_id: int, chat_id: int, user_id: int | None
) -> tuple[bool, str | None, str | None, str | None]:
    """Whether the update was applied, its unsent reply, the chat's and the user's state."""
    applied = await (await connection.execute(_SELECT_HANDLED, (update_id,))).fetchone()
    chat = await (await connection.execute(_SELECT_CHAT, (chat_id,))).fetchone()
    user = None
    if user_id is not None:
        user = await (await connection.execute(_SELECT_USER, (user_id,))).fetchone()
    return (
        applied is not None, applied[0] if applied else None,
        chat[0] if chat else None, user[0] if user else None,
    )

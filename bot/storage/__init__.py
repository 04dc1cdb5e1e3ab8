"""Where the Telegram bot keeps chat and user state: SQLite by default, PostgreSQL by URL.

Both stores offer the same :class:`~bot.storage.turns.StateStore`: one transaction per update,
committed together with its update id. :func:`open_store` picks one, creates or migrates its
tables, and imports the state files of earlier releases once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.feedback import DEFAULT_RETENTION_DAYS
from bot.storage.json_import import import_legacy_state
from bot.storage.sqlite_store import DB_FILE_NAME, SqliteStore
from bot.storage.turns import StateNotSaved, StateStore, StoreUnavailable, TurnHandle

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = [
    "StateNotSaved",
    "StateStore",
    "StoreUnavailable",
    "TurnHandle",
    "make_store",
    "open_store",
    "store_for",
]


def make_store(
    data_dir: Path, database_url: str | None = None,
    retention_days: int = DEFAULT_RETENTION_DAYS,
) -> StateStore:
    """PostgreSQL when a URL is given, else SQLite in ``data_dir``; not opened yet.
    Logged questions older than ``retention_days`` are deleted at open and now and then."""
    if database_url:
        # imported here: psycopg is only loaded by bots that use it
        from bot.storage.postgres_store import PostgresStore

        return PostgresStore(database_url, retention_days=retention_days)
    return SqliteStore(data_dir / DB_FILE_NAME, retention_days)


def store_for(settings: Settings) -> StateStore:
    """The store the settings name: SQLite in the data directory, or PostgreSQL when
    DATABASE_URL is set; not opened yet."""
    url = settings.database_url.get_secret_value() if settings.database_url else None
    return make_store(settings.data_dir, url, settings.question_retention_days)


async def open_store(
    data_dir: Path, database_url: str | None = None,
    retention_days: int = DEFAULT_RETENTION_DAYS,
) -> StateStore:
    """The opened store, with any old ``state.json`` imported; raises StoreUnavailable."""
    store = make_store(data_dir, database_url, retention_days)
    await store.open()
    try:
        await import_legacy_state(store, data_dir)
    except BaseException:
        await store.close()
        raise
    return store

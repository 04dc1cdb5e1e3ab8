"""The two state stores, as tests use them: one suite runs against SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bot.storage import StateStore, make_store
from bot.storage.turns import StoredChat

BACKENDS = ("sqlite", "postgres")

T = TypeVar("T")


@dataclass(frozen=True)
class Backend:
    """Which store a test (or a bot process it starts) uses; ``database_url`` None is SQLite."""

    name: str
    database_url: str | None = None

    def env(self) -> dict[str, str]:
        """Environment for a bot process: DATABASE_URL only for PostgreSQL."""
        return {"DATABASE_URL": self.database_url} if self.database_url else {}

    def store(self, data_dir: Path) -> StateStore:
        return make_store(data_dir, self.database_url)

    def read(self, data_dir: Path, chat_id: int, user_id: int | None) -> StoredChat:
        """What a restarted bot would load for this chat and user (from outside any loop)."""
        return self._with_store(data_dir, lambda store: store.read(chat_id, user_id))

    def unfinished(self, data_dir: Path) -> list[str]:
        """The updates a bot fetched and has not finished (from outside any loop)."""
        return self._with_store(data_dir, lambda store: store.unfinished())

    def _with_store(self, data_dir: Path, work: Callable[[StateStore], Awaitable[T]]) -> T:
        async def run() -> T:
            store = self.store(data_dir)
            await store.open()
            try:
                return await work(store)
            finally:
                await store.close()

        return asyncio.run(run())

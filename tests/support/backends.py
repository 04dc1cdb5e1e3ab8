"""The two state stores, as tests use them: one suite runs against SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from bot.storage import StateStore, make_store
from bot.storage.turns import StoredChat

BACKENDS = ("sqlite", "postgres")


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

        async def read() -> StoredChat:
            store = self.store(data_dir)
            await store.open()
            try:
                return await store.read(chat_id, user_id)
            finally:
                await store.close()

        return asyncio.run(read())

"""Asyncio locks by key, created on first use and dropped when no one holds or waits for them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable, Iterable
from contextlib import asynccontextmanager

__all__ = ["KeyedLocks"]


class KeyedLocks:
    """``async with locks.hold(keys)``: exclusive use of every key, taken in sorted order.

    Sorted order means two holders of overlapping keys cannot deadlock. Memory is bounded by
    the keys in use, not by every key ever seen.
    """

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    def __len__(self) -> int:
        return len(self._locks)

    @asynccontextmanager
    async def hold(self, keys: Iterable[Hashable]) -> AsyncIterator[None]:
        ordered = sorted(set(keys), key=repr)
        taken: list[Hashable] = []  # counted as users of the lock
        acquired: set[Hashable] = set()  # a cancelled wait counts, but holds nothing
        try:
            for key in ordered:
                lock, users = self._locks.get(key, (None, 0))
                if lock is None:
                    lock = asyncio.Lock()
                self._locks[key] = (lock, users + 1)
                taken.append(key)
                await lock.acquire()
                acquired.add(key)
            yield
        finally:
            for key in reversed(taken):
                lock, users = self._locks[key]
                if key in acquired:
                    lock.release()
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)

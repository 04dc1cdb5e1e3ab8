"""PTB's bot, made to survive what getUpdates can bring: an unreadable update, a revoked token.

- An update PTB cannot parse makes its ``get_updates`` raise for the whole batch; the
  offset is never confirmed, so the same batch comes back about twenty times a second,
  forever, each time logged at CRITICAL with its whole payload. Here such an update is
  replaced by an empty one with the same ``update_id`` (which no handler takes), logged
  once as a WARNING with its id and the error (never the payload), so the offset moves on
  and the rest of the batch is handled.
- A 401 from getUpdates (the token was revoked) ends PTB's polling task while the process
  lives on, polling nothing. Here it calls ``on_invalid_token`` so the application stops
  and the process exits with a clear message.
- PTB confirms a batch of updates (the next getUpdates' offset) while they may still be in
  progress; a crash then loses them, since Telegram never sends them again. Here each batch
  goes to ``on_fetched`` (which records it in the state store) before getUpdates returns it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.error import InvalidToken
from telegram.ext import ExtBot

from bot.telegram_adapter.log_redaction import log_unreadable

__all__ = ["PollingBot"]

logger = logging.getLogger(__name__)

REFUSED_POLL_PAUSE = 1.0  # seconds between empty polls while the application stops


class PollingBot(ExtBot[Any]):
    """An ExtBot whose getUpdates skips unreadable updates and reports a revoked token."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # PTB freezes its objects' attributes after __init__; a list can still be filled
        with self._unfrozen():
            self._invalid_token_callbacks: list[Callable[[InvalidToken], None]] = []
            self._refused: list[InvalidToken] = []  # the 401, once it came
            self._fetched_callbacks: list[
                Callable[[list[dict[str, Any]]], Awaitable[None]]
            ] = []

    def on_invalid_token(self, callback: Callable[[InvalidToken], None]) -> None:
        """Call `callback` when getUpdates answers 401."""
        self._invalid_token_callbacks.append(callback)

    def on_fetched(self, callback: Callable[[list[dict[str, Any]]], Awaitable[None]]) -> None:
        """Await `callback(updates as JSON)` for each non-empty batch, before PTB sees it."""
        self._fetched_callbacks.append(callback)

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        if self._refused:  # stopping: do not ask Telegram again with a refused token
            await asyncio.sleep(REFUSED_POLL_PAUSE)
            return ()
        try:
            return await super().get_updates(*args, **kwargs)
        except InvalidToken as error:
            self._refused.append(error)
            for callback in self._invalid_token_callbacks:
                callback(error)
            # Not raised: PTB's polling task would end with it and the stop it interrupts
            # would leave connections open; the callbacks stop the application instead.
            return ()

    async def _post(self, endpoint: str, data: Any = None, *args: Any, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, data, *args, **kwargs)
        if endpoint == "getUpdates" and isinstance(result, list):
            updates = [self._readable(raw) for raw in result]
            if updates:
                fetched = [raw for raw in updates if isinstance(raw, dict)]
                for callback in self._fetched_callbacks:
                    await callback(fetched)
            return updates
        return result

    def _readable(self, raw: Any) -> Any:
        """The update as sent if PTB can read it; else an empty update with its id."""
        try:
            Update.de_json(raw, self)
        except Exception as error:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if not isinstance(update_id, int):
                raise  # without an id the offset cannot move past it; PTB's handling applies
            log_unreadable(logger, update_id, error)
            return {"update_id": update_id}
        return raw

""""typing…" in the chat header while a reply is on its way, but only when it is slow.

Telegram recommends the chat action only "when a response from the bot will take a noticeable
amount of time to arrive". Most replies here are out within a few milliseconds, and every
chat action is one more Bot API request that counts against the bot's ~30 requests/s: sent
for each message, it halves how many replies fit under Telegram's limits. So it is sent only
when the reply is not out after `TYPING_DELAY` (a slow network, a rate-limit wait, a retry),
and renewed while the wait goes on, since Telegram shows it for about five seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from telegram import Bot
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.telegram_adapter.log_redaction import redact

logger = logging.getLogger(__name__)

TYPING_DELAY = 0.3  # seconds without a reply before "typing…" is shown
TYPING_RENEWAL = 4.5  # seconds; Telegram clears the action after about five


@contextlib.asynccontextmanager
async def typing_while_slow(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" in `chat_id` if the body takes longer than `TYPING_DELAY` seconds."""
    indicator = asyncio.create_task(_keep_typing(bot, chat_id))
    try:
        yield
    finally:
        indicator.cancel()


async def _keep_typing(bot: Bot, chat_id: int) -> None:
    wait = TYPING_DELAY
    while True:
        await asyncio.sleep(wait)
        try:
            await bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as error:  # a courtesy: never fail or retry the reply over it
            logger.debug("no typing indicator for chat %s: %s", chat_id, redact(str(error)))
            return
        wait = TYPING_RENEWAL

"""The Bot API calls a start needs, retried until Telegram answers them.

At start the bot calls getMe (which checks the token), setMyCommands, and deleteWebhook
(polling) or setWebhook (webhook mode). A host often starts the bot before its network or a
proxy in front of the Bot API is up; without retries the first of those calls failed with a
traceback and the process exited. Each is now retried with exponential backoff: 1 s, 2 s,
4 s... up to 30 s between attempts, with one WARNING line per failed attempt, until it
succeeds or the process is stopped (SIGINT or SIGTERM stop it at once, even while waiting).

There is no limit on the number of attempts. A bot that gave up would only be restarted by
its supervisor into the same wait, or stay down once the network is back; the WARNING lines
say what it is waiting for. What is retried is what says nothing about the bot itself: no
connection, a timeout, a 5xx, a 429 (its wait is respected). A definite refusal is not:
401 (the token is wrong or revoked: InvalidToken, which the caller turns into a clean exit)
or 400 (the request itself is wrong, and would be wrong again).

Each attempt goes through the bot's own sending path, which already retries a call that
cannot have arrived three times within two seconds (.delivery): those lines come first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.telegram_adapter.log_redaction import redact, shown

__all__ = ["FIRST_DELAY", "MAX_DELAY", "until_answered"]

logger = logging.getLogger(__name__)

FIRST_DELAY = 1.0  # seconds before the second attempt; doubled after each failure
MAX_DELAY = 30.0  # the longest wait between attempts (PTB's polling loop also stops at 30 s)

T = TypeVar("T")


async def until_answered(
    call: Callable[[], Awaitable[T]],
    what: str,
    *,
    first_delay: float = FIRST_DELAY,
    max_delay: float = MAX_DELAY,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """``call()``'s result, after as many attempts as it takes; ``what`` names it in the log.

    Raises what is not worth retrying (InvalidToken, BadRequest, anything not a network
    error) at once; cancel the task to give up waiting.
    """
    delay = first_delay
    attempt = 1
    while True:
        try:
            return await call()
        except RetryAfter as error:
            # as .delivery reads it: PTB's public retry_after changes type between versions
            wait = max(delay, error._retry_after.total_seconds())
            reason = f"Telegram asked to wait {error._retry_after.total_seconds():.0f} s"
        except BadRequest:  # a NetworkError in PTB, but a definite answer
            raise
        except NetworkError as error:  # no connection, a timeout, a 5xx
            wait = delay
            reason = f"{type(error).__name__}: {shown(redact(str(error)))}"
        logger.warning(
            "%s failed, attempt %d (%s); trying again in %.0f s", what, attempt, reason, wait
        )
        await sleep(wait)
        delay = min(delay * 2, max_delay)
        attempt += 1

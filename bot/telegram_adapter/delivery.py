"""Getting replies out: retries for sends that certainly did not arrive, through an outage of
the Bot API, and updates handled concurrently across chats but one at a time within a chat.

Which failures are retried. Telegram has no idempotency key, so a retry is only safe when the
first attempt cannot have been delivered:

- an HTTP error answer (5xx): Telegram answered, and said it did not do it;
- a failure to connect, a full connection pool, or a timeout while still writing the request:
  Telegram never had the whole request;
- a connection closed or reset with no answer at all. This one is ambiguous in principle; it
  is retried because a lost answer is worse for the user than a rare duplicate, and because it
  is what a restarting proxy, a stale keep-alive connection or an overflowing listen queue
  (reset after the request was written) looks like.

A *read* timeout is not retried: the request was sent and the answer was merely slow, which
usually means it succeeded, and retrying would send the reply twice. It is logged instead.
429 "retry after" is waited out by the call it was for (see `RetryingLimiter`).

How long. A reply is retried with exponential backoff (0.2 s, doubling, at most 5 s between
tries) for up to `Settings.send_retry_seconds` (300 s by default), so that an outage of the
API or of the network on the way to it (a few seconds, or minutes) delays replies instead of
losing them. Then it is given up: one ERROR line, and `RetryingLimiter.given_up` counts it.
A few calls get the brief retries only (`BRIEF_RETRY_CALLS`): a "typing…" indicator or a
button's spinner is worthless minutes later, and a set-up call at start is better failing
with its error than hanging. While a call waits for its next try, its update lets go of its
slot (`PerChatUpdateProcessor`), so replies waiting out an outage never keep other chats'
updates from being handled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextvars import ContextVar
from typing import Any

import aiohttp
import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import BaseRateLimiter, BaseUpdateProcessor

from bot.config import DEFAULT_SEND_RETRY_SECONDS
from bot.telegram_adapter.log_redaction import redact

logger = logging.getLogger(__name__)

FIRST_RETRY_DELAY = 0.2  # seconds before the first retry of a reply; each next wait doubles...
LONGEST_RETRY_DELAY = 5.0  # ...up to this: a reply follows the API's return within about 5 s
# Each wait is up to this share shorter, at random: sends cut off together by an outage do not
# all come back in the same instant.
RETRY_JITTER = 0.2
LOUD_RETRIES = 3  # retries of a call logged as WARNING; later ones at DEBUG (the outage is known)
# Calls retried briefly, then given up: their use is over within seconds.
BRIEF_RETRY_CALLS = frozenset(
    {
        "sendChatAction",  # "typing…": shown for 5 s, and renewed if the reply is still slow
        "answerCallbackQuery",  # stops a button's spinner; the query expires after ~15 s
        "answerInlineQuery",  # likewise: an inline query is only answerable for seconds
        # set-up at start: an API that cannot be reached then is reported, and the process
        # exits for its supervisor to start it again, rather than hanging for minutes
        "getMe",
        "setMyCommands",
        "setWebhook",
        "deleteWebhook",
    }
)
BRIEF_RETRY_DELAYS = (0.2, 0.5, 1.0)  # seconds before each retry; their count bounds them
MAX_RETRY_AFTER = 30.0  # a longer "retry after" than this is not waited for
MAX_RETRY_AFTER_WAITS = 3  # 429s waited out per call; the next one goes to the error handler
# The transport's failures behind PTB's TimedOut/NetworkError: aiohttp's (.transport,
# what the bot uses) and httpx's (PTB's default transport, kept so the policy holds for both).
_NOT_SENT_CAUSES = (
    aiohttp.ClientConnectorError,  # could not connect
    aiohttp.ConnectionTimeoutError,  # no pooled connection, or connecting, in time
    aiohttp.ServerDisconnectedError,  # closed without an answer, see above
    aiohttp.ClientOSError,  # reset without an answer, see above
    aiohttp.ClientConnectionResetError,  # closing before the request was written
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteTimeout,
    httpx.RemoteProtocolError,
    httpx.ReadError,
)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]
ApiCall = Callable[..., Coroutine[Any, Any, JSONResult]]


def certainly_not_delivered(error: BaseException) -> bool:
    """Whether a failed Bot API call can be repeated without risking a duplicate."""
    if isinstance(error, RetryAfter | BadRequest):  # BadRequest is a NetworkError in PTB
        return False
    cause = error.__cause__
    if isinstance(error, TimedOut):
        return isinstance(cause, _NOT_SENT_CAUSES)
    if isinstance(error, NetworkError):
        # PTB raises a bare NetworkError for a 5xx answer; transport failures are chained.
        # A 5xx whose body is not JSON (a reverse proxy's HTML page) comes chained to the
        # parsing error: it is a 5xx all the same.
        return cause is None or isinstance(cause, (*_NOT_SENT_CAUSES, TelegramError))
    return False


def backoff(retry: int) -> float:
    """The wait before retry number `retry` (1, 2...) of a reply, before jitter, in seconds."""
    return min(FIRST_RETRY_DELAY * 2.0 ** min(retry - 1, 32), LONGEST_RETRY_DELAY)


class RetryingLimiter(BaseRateLimiter[int]):
    """Every Bot API call but getUpdates passes here (PTB's rate-limiter seam).

    Retries what `certainly_not_delivered` allows: a reply with backoff for up to `retry_for`
    seconds, a call in `BRIEF_RETRY_CALLS` len(BRIEF_RETRY_DELAYS) times; then lets the error
    go to the error handler. A 429 is waited out here, by the call it was for, so one chat's
    wait holds up no other; `inner` (AIORateLimiter) keeps to Telegram's limits before each
    call and never sees a 429. `sleep`, `clock` and `jitter` (0 to 1) are for tests.
    """

    def __init__(
        self,
        inner: BaseRateLimiter[int] | None = None,
        *,
        retry_for: float = DEFAULT_SEND_RETRY_SECONDS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.inner = inner
        self.retry_for = retry_for
        self.given_up = 0  # replies given up after retrying for `retry_for`, since start
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter

    async def initialize(self) -> None:
        if self.inner is not None:
            await self.inner.initialize()

    async def shutdown(self) -> None:
        if self.inner is not None:
            await self.inner.shutdown()

    async def process_request(
        self,
        callback: ApiCall,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        brief = endpoint in BRIEF_RETRY_CALLS
        chat = data.get("chat_id") if isinstance(data, dict) else None
        call = f"{endpoint} to chat {chat}" if chat is not None else endpoint
        # Only a reply, which runs in its update's own task, lets go of the update's slot
        # while it waits: the typing indicator runs beside the update in a task of its own.
        wait = self._sleep if brief else self._wait_aside

        async def with_retries(*call_args: Any, **call_kwargs: Any) -> JSONResult:
            started = self._clock()
            retries = 0
            waits_for_429 = 0
            while True:
                try:
                    result = await callback(*call_args, **call_kwargs)
                except RetryAfter as error:
                    # Waited out here, in this call only: AIORateLimiter would pause every
                    # chat for one chat's 429. A very long wait is capped (and said so).
                    seconds = error._retry_after.total_seconds()  # as PTB reads it
                    if waits_for_429 == MAX_RETRY_AFTER_WAITS:
                        raise
                    waits_for_429 += 1
                    if seconds > MAX_RETRY_AFTER:
                        logger.warning(
                            "%s: Telegram asked to wait %.0f s; waiting %.0f s instead",
                            endpoint, seconds, MAX_RETRY_AFTER,
                        )
                        seconds = MAX_RETRY_AFTER
                    await wait(seconds + 0.1)
                    continue
                except NetworkError as error:
                    if not certainly_not_delivered(error):
                        raise
                    retries += 1
                    elapsed = self._clock() - started
                    if brief:
                        if retries > len(BRIEF_RETRY_DELAYS):
                            raise
                        delay = BRIEF_RETRY_DELAYS[retries - 1]
                        plan = f"retry {retries} of {len(BRIEF_RETRY_DELAYS)} in {delay:.1f} s"
                    else:
                        if elapsed >= self.retry_for:
                            self._give_up(call, elapsed, retries, error)
                            raise
                        delay = backoff(retries) * (1.0 - RETRY_JITTER * self._jitter())
                        # the last try comes at the bound, not a backoff step before it
                        delay = min(delay, self.retry_for - elapsed)
                        plan = (
                            f"retry {retries} in {delay:.1f} s "
                            f"(for up to {self.retry_for:.0f} s)"
                        )
                    logger.log(
                        logging.WARNING if retries <= LOUD_RETRIES else logging.DEBUG,
                        "%s failed (%s); %s", call, redact(str(error)), plan,
                    )
                    await wait(delay)
                    continue
                if retries > LOUD_RETRIES:  # the quiet retries end: say so
                    logger.warning(
                        "%s went through after %d retries in %.1f s",
                        call, retries, self._clock() - started,
                    )
                return result

        if self.inner is None:
            return await with_retries(*args, **kwargs)
        return await self.inner.process_request(
            with_retries, args, kwargs, endpoint, data, rate_limit_args
        )

    async def _wait_aside(self, seconds: float) -> None:
        async with _stepped_aside():
            await self._sleep(seconds)

    def _give_up(self, call: str, elapsed: float, retries: int, error: Exception) -> None:
        self.given_up += 1
        logger.error(
            "%s given up after %.1f s and %d attempts (last: %s); %d given up since start",
            call, elapsed, retries, redact(str(error)), self.given_up,
        )


class _Slot:
    """An update's hold on one of the shared slots, let go while its reply waits to retry."""

    def __init__(self, slots: asyncio.BoundedSemaphore) -> None:
        self._slots = slots
        self._holding = False
        self._aside = 0  # the update's calls waiting for their next try now
        self._over = False
        # Serialises letting go and taking back, so the update never holds two slots.
        self._changing = asyncio.Lock()

    async def take(self) -> None:
        await self._slots.acquire()
        self._holding = True

    def end(self) -> None:
        self._over = True
        if self._holding:
            self._holding = False
            self._slots.release()

    @contextlib.asynccontextmanager
    async def aside(self) -> AsyncIterator[None]:
        async with self._changing:
            self._aside += 1
            if self._holding:
                self._holding = False
                self._slots.release()
        try:
            yield
        finally:
            async with self._changing:
                self._aside -= 1
                if not self._aside and not self._holding and not self._over:
                    await self._slots.acquire()  # back in turn with the other updates
                    self._holding = True


# The slot of the update whose handler is running (set by PerChatUpdateProcessor): API calls
# made from the handler see it, so a retry's wait can let it go.
_current_slot: ContextVar[_Slot | None] = ContextVar("current_slot", default=None)


@contextlib.asynccontextmanager
async def _stepped_aside() -> AsyncIterator[None]:
    """Let go of the current update's slot for the duration, if it holds one."""
    slot = _current_slot.get()
    if slot is None:
        yield
        return
    async with slot.aside():
        yield


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Up to `max_concurrent_updates` updates at once, but never two of the same chat.

    Within a chat, order matters ("tell me more" follows its question) and each update reads
    and writes the chat's state, so they run one after the other, in arrival order. An update
    waits for its chat's turn before it takes one of the shared slots: a burst from one user
    queues on that user's chat alone instead of filling the slots other chats need. Updates
    that `drop_when` says to drop (a flooder in cooldown) never take a slot at all. An update
    whose reply waits to be retried (`RetryingLimiter`) lets go of its slot meanwhile, keeping
    its chat's turn: through an outage of the API, replies waiting for it do not stop other
    chats' updates from being handled (or answered, once their sends go through).
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._locks: dict[object, asyncio.Lock] = {}
        self._waiting: dict[object, int] = {}
        self._drop: Callable[[object], bool] = lambda update: False
        self._dropped: Callable[[object], Awaitable[None]] | None = None

    def drop_when(
        self,
        predicate: Callable[[object], bool],
        then: Callable[[object], Awaitable[None]] | None = None,
    ) -> None:
        """Drop updates for which `predicate` is true; `then(update)` is awaited for each
        (to mark it done: a dropped update is finished as much as a handled one)."""
        self._drop = predicate
        self._dropped = then

    # PTB's process_update takes a slot first and then calls do_process_update, which would
    # hold the slot while waiting for the chat; this order (chat, then slot) is the point.
    async def process_update(  # type: ignore[misc]
        self, update: object, coroutine: Awaitable[Any]
    ) -> None:
        await self.do_process_update(update, coroutine)

    async def do_process_update(
        self, update: object, coroutine: Awaitable[Any]
    ) -> None:
        key = _chat_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                if self._drop(update):
                    _close(coroutine)
                    if self._dropped is not None:
                        await self._dropped(update)
                    return
                slot = _Slot(self._slots)
                await slot.take()
                current = _current_slot.set(slot)
                try:
                    await coroutine
                finally:
                    _current_slot.reset(current)
                    slot.end()
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody else queued: forget the chat's lock
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _close(coroutine: Awaitable[Any]) -> None:
    """Drop a handler coroutine that will never run, without a never-awaited warning."""
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()


def _chat_key(update: object) -> object:
    chat = getattr(update, "effective_chat", None)
    if chat is not None:
        return ("chat", chat.id)
    user = getattr(update, "effective_user", None)
    return ("user", user.id) if user is not None else ("other", None)

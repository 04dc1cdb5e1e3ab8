"""Faults on the way out: which failed sends are retried (only those that cannot have
arrived), how often, and that a retry never sends a reply twice. Offline: the API call is a
scripted coroutine and sleeping is recorded, not done."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter

from bot.telegram_adapter.delivery import (
    MAX_RETRY_AFTER,
    RETRY_DELAYS,
    PerChatUpdateProcessor,
    RetryingLimiter,
    certainly_not_delivered,
)


def chained(error: Exception, cause: BaseException) -> Exception:
    error.__cause__ = cause
    return error


SAFE_TO_RETRY = [
    NetworkError("Bad Gateway"),  # a 5xx answer: PTB raises it without a cause
    NetworkError("Internal Server Error (500)"),
    chained(NetworkError("httpx.ConnectError: refused"), httpx.ConnectError("refused")),
    chained(TimedOut(), httpx.ConnectTimeout("slow connect")),
    chained(TimedOut(), httpx.PoolTimeout("pool full")),
    chained(
        NetworkError("httpx.RemoteProtocolError: disconnected"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
    ),
    chained(NetworkError("httpx.ReadError: "), httpx.ReadError("connection reset by peer")),
    # the same failures from aiohttp, the bot's transport (bot.telegram_adapter.transport)
    chained(TimedOut(), aiohttp.ConnectionTimeoutError("no connection in time")),
    chained(NetworkError("aiohttp"), aiohttp.ServerDisconnectedError()),
    chained(NetworkError("aiohttp"), aiohttp.ClientOSError(104, "Connection reset by peer")),
]
NOT_TO_RETRY = [
    chained(TimedOut(), httpx.ReadTimeout("slow answer")),  # sent; probably delivered
    chained(TimedOut(), aiohttp.SocketTimeoutError("slow answer")),
    chained(NetworkError("aiohttp"), aiohttp.ClientPayloadError("answer cut short")),
    BadRequest("Message is not modified"),  # a NetworkError subclass in PTB
    BadRequest("Can't parse entities"),
    Forbidden("bot was blocked by the user"),
    RetryAfter(3),  # the rate limiter's business
]


@pytest.mark.parametrize("error", SAFE_TO_RETRY, ids=repr)
def test_failures_before_delivery_are_safe_to_retry(error: Exception) -> None:
    assert certainly_not_delivered(error)


@pytest.mark.parametrize("error", NOT_TO_RETRY, ids=repr)
def test_ambiguous_or_final_failures_are_not_retried(error: Exception) -> None:
    assert not certainly_not_delivered(error)


class ScriptedCall:
    """An API call that fails with the given errors, then succeeds; counts attempts."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.attempts = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        return {"message_id": 1}


class Sleeps:
    def __init__(self) -> None:
        self.waited: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waited.append(seconds)


async def send(limiter: RetryingLimiter, call: ScriptedCall) -> Any:
    return await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": 1}, None)


async def test_a_5xx_then_success_delivers_once() -> None:
    sleeps = Sleeps()
    call = ScriptedCall(NetworkError("Bad Gateway"), NetworkError("Bad Gateway"))
    assert await send(RetryingLimiter(sleep=sleeps), call) == {"message_id": 1}
    assert call.attempts == 3
    assert sleeps.waited == list(RETRY_DELAYS[:2])


async def test_retries_are_bounded_then_the_error_goes_on() -> None:
    call = ScriptedCall(*[NetworkError("Bad Gateway")] * 10)
    with pytest.raises(NetworkError):
        await send(RetryingLimiter(sleep=Sleeps()), call)
    assert call.attempts == len(RETRY_DELAYS) + 1


async def test_a_read_timeout_is_not_retried_so_a_slow_success_is_not_sent_twice() -> None:
    call = ScriptedCall(chained(TimedOut(), httpx.ReadTimeout("slow")))
    with pytest.raises(TimedOut):
        await send(RetryingLimiter(sleep=Sleeps()), call)
    assert call.attempts == 1


async def test_a_bad_request_is_not_retried() -> None:
    call = ScriptedCall(BadRequest("Message is not modified"))
    with pytest.raises(BadRequest):
        await send(RetryingLimiter(sleep=Sleeps()), call)
    assert call.attempts == 1


async def test_a_very_long_429_is_capped_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    sleeps = Sleeps()
    call = ScriptedCall(RetryAfter(3600))
    assert await send(RetryingLimiter(sleep=sleeps), call) == {"message_id": 1}
    assert sleeps.waited == [pytest.approx(MAX_RETRY_AFTER + 0.1)]
    assert "asked to wait 3600 s; waiting 30 s instead" in caplog.text


async def test_with_telegram_limits_the_429_is_still_waited_out_by_its_own_call() -> None:
    """AIORateLimiter would pause every chat for one chat's 429; it never sees one."""
    sleeps = Sleeps()
    call = ScriptedCall(RetryAfter(2))
    limiter = RetryingLimiter(AIORateLimiter(max_retries=0), sleep=sleeps)
    await limiter.initialize()
    assert await send(limiter, call) == {"message_id": 1}
    assert call.attempts == 2 and sleeps.waited == [pytest.approx(2.1)]


async def test_without_telegram_limits_a_429_is_waited_out_here() -> None:
    sleeps = Sleeps()
    call = ScriptedCall(RetryAfter(2))
    assert await send(RetryingLimiter(sleep=sleeps), call) == {"message_id": 1}
    assert call.attempts == 2 and sleeps.waited == [pytest.approx(2.1)]


# Slots and chats ---------------------------------------------------------------------------------


class _Chat:
    def __init__(self, chat_id: int) -> None:
        self.id = chat_id


class _Update:
    def __init__(self, chat_id: int) -> None:
        self.effective_chat = _Chat(chat_id)
        self.effective_user = None


async def test_a_chats_queued_updates_do_not_hold_the_slots_other_chats_need() -> None:
    processor = PerChatUpdateProcessor(2)
    release = asyncio.Event()
    started: list[str] = []

    async def work(name: str) -> None:
        started.append(name)
        if name.startswith("a"):
            await release.wait()

    burst = [
        asyncio.create_task(processor.process_update(_Update(1), work(f"a{n}")))
        for n in range(10)
    ]
    await asyncio.sleep(0.01)
    other = asyncio.create_task(processor.process_update(_Update(2), work("b")))
    await asyncio.sleep(0.01)
    assert started == ["a0", "b"]  # b ran while a's burst waits its turn (in order)
    release.set()
    await asyncio.gather(*burst, other)
    assert started == ["a0", "b", *(f"a{n}" for n in range(1, 10))]


async def test_updates_to_drop_never_run_nor_take_a_slot() -> None:
    processor = PerChatUpdateProcessor(1)
    processor.drop_when(lambda update: update.effective_chat.id == 1)  # type: ignore[attr-defined]
    ran: list[int] = []

    async def work(chat_id: int) -> None:
        ran.append(chat_id)

    await processor.process_update(_Update(1), work(1))
    await processor.process_update(_Update(2), work(2))
    assert ran == [2]

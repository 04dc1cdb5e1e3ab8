"""Faults on the way out: which failed sends are retried (only those that cannot have
arrived), how often and for how long, and that a retry never sends a reply twice. Offline: the
API call is a scripted coroutine, and sleeping is recorded on a clock of the test's, not done."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any

import aiohttp
import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter

from bot.telegram_adapter.delivery import (
    BRIEF_RETRY_CALLS,
    BRIEF_RETRY_DELAYS,
    MAX_RETRY_AFTER,
    MAX_RETRY_AFTER_WAITS,
    PerChatUpdateProcessor,
    RetryingLimiter,
    backoff,
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


class Sleeps:
    """Sleeping on the test's clock: records each wait and moves `now` on by it."""

    def __init__(self) -> None:
        self.waited: list[float] = []
        self.now = 0.0

    async def __call__(self, seconds: float) -> None:
        self.waited.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


class ScriptedCall:
    """An API call that fails with the given errors, then succeeds; counts attempts.

    With `sleeps`, each attempt takes `takes` seconds of its clock (a slow connect)."""

    def __init__(self, *failures: Exception, sleeps: Sleeps | None = None, takes: float = 0.0):
        self.failures = list(failures)
        self.attempts = 0
        self.sleeps = sleeps
        self.takes = takes

    async def __call__(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self.attempts += 1
        if self.sleeps is not None:
            self.sleeps.now += self.takes
        if self.failures:
            raise self.failures.pop(0)
        return {"message_id": 1}


def on_clock(sleeps: Sleeps, retry_for: float = 300.0, **kwargs: Any) -> RetryingLimiter:
    """A limiter that waits on the test's clock, without jitter."""
    return RetryingLimiter(
        retry_for=retry_for, sleep=sleeps, clock=sleeps.clock, jitter=lambda: 0.0, **kwargs
    )


async def send(
    limiter: RetryingLimiter, call: ScriptedCall, endpoint: str = "sendMessage"
) -> Any:
    return await limiter.process_request(call, (), {}, endpoint, {"chat_id": 1}, None)


BAD_GATEWAY = NetworkError("Bad Gateway")
REFUSED = chained(
    NetworkError("aiohttp.ClientConnectorError: Cannot connect to host"),
    aiohttp.ClientConnectorError(
        SimpleNamespace(host="api.example", port=443, ssl=True),  # type: ignore[arg-type]
        ConnectionRefusedError(111, "Connection refused"),
    ),
)


async def test_a_5xx_then_success_delivers_once() -> None:
    sleeps = Sleeps()
    call = ScriptedCall(BAD_GATEWAY, BAD_GATEWAY)
    assert await send(on_clock(sleeps), call) == {"message_id": 1}
    assert call.attempts == 3
    assert sleeps.waited == [0.2, 0.4]


def test_the_backoff_doubles_from_a_fifth_of_a_second_up_to_five_seconds() -> None:
    assert [backoff(retry) for retry in range(1, 9)] == [0.2, 0.4, 0.8, 1.6, 3.2, 5, 5, 5]
    assert backoff(10_000) == 5  # no overflow, however long it goes


async def test_an_outage_shorter_than_the_bound_delivers_the_reply_once() -> None:
    """Connections refused for ~26 s (the API down), then it answers."""
    sleeps = Sleeps()
    call = ScriptedCall(*[REFUSED] * 9)
    limiter = on_clock(sleeps)
    assert await send(limiter, call) == {"message_id": 1}
    assert call.attempts == 10
    assert sleeps.waited == [0.2, 0.4, 0.8, 1.6, 3.2, 5, 5, 5, 5]
    assert limiter.given_up == 0


async def test_retries_go_on_until_the_bound_then_the_call_is_given_up_logged_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sleeps = Sleeps()
    limiter = on_clock(sleeps, retry_for=30.0)
    call = ScriptedCall(*[BAD_GATEWAY] * 100)
    with pytest.raises(NetworkError):
        await send(limiter, call)
    # 26.2 s of backoff, then the last wait is cut so the last try comes at the bound
    assert sleeps.waited == [0.2, 0.4, 0.8, 1.6, 3.2, 5, 5, 5, 5, pytest.approx(3.8)]
    assert call.attempts == 11 and sleeps.now == pytest.approx(30.0)
    assert limiter.given_up == 1
    [given_up] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert given_up.getMessage() == (
        "sendMessage to chat 1 given up after 30.0 s and 11 attempts (last: Bad Gateway); "
        "1 given up since start"
    )
    # the first retries are WARNINGs, the rest DEBUG: minutes of retries are not 60 warnings
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned == [
        "sendMessage to chat 1 failed (Bad Gateway); retry 1 in 0.2 s (for up to 30 s)",
        "sendMessage to chat 1 failed (Bad Gateway); retry 2 in 0.4 s (for up to 30 s)",
        "sendMessage to chat 1 failed (Bad Gateway); retry 3 in 0.8 s (for up to 30 s)",
    ]

    with pytest.raises(NetworkError):  # the count goes on
        await send(limiter, ScriptedCall(*[BAD_GATEWAY] * 100))
    assert limiter.given_up == 2
    assert "; 2 given up since start" in caplog.records[-1].getMessage()


async def test_slow_failures_count_toward_the_bound() -> None:
    """Connecting to an API that drops packets takes the connect timeout every time."""
    sleeps = Sleeps()
    limiter = on_clock(sleeps, retry_for=20.0)
    call = ScriptedCall(*[REFUSED] * 100, sleeps=sleeps, takes=6.0)
    with pytest.raises(NetworkError):
        await send(limiter, call)
    assert sleeps.waited == [0.2, 0.4, 0.8]
    assert call.attempts == 4 and limiter.given_up == 1


async def test_jitter_shortens_each_wait_by_up_to_a_fifth() -> None:
    sleeps = Sleeps()
    limiter = RetryingLimiter(sleep=sleeps, clock=sleeps.clock, jitter=lambda: 1.0)
    await send(limiter, ScriptedCall(*[BAD_GATEWAY] * 6))
    assert sleeps.waited == pytest.approx([0.16, 0.32, 0.64, 1.28, 2.56, 4.0])


async def test_a_long_outage_ends_quietly_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.telegram_adapter.delivery")
    sleeps = Sleeps()
    await send(on_clock(sleeps), ScriptedCall(*[REFUSED] * 8))
    levels = [r.levelname for r in caplog.records]
    assert levels == ["WARNING"] * 3 + ["DEBUG"] * 5 + ["WARNING"]
    assert caplog.records[-1].getMessage() == (
        "sendMessage to chat 1 went through after 8 retries in 21.2 s"
    )


@pytest.mark.parametrize("endpoint", sorted(BRIEF_RETRY_CALLS))
async def test_cosmetic_and_start_up_calls_are_retried_briefly_and_not_counted(
    endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A typing indicator or a button's answer minutes late is worthless; see BRIEF_RETRY_CALLS."""
    sleeps = Sleeps()
    limiter = on_clock(sleeps)
    call = ScriptedCall(*[REFUSED] * 10)
    with pytest.raises(NetworkError):
        await send(limiter, call, endpoint)
    assert call.attempts == len(BRIEF_RETRY_DELAYS) + 1
    assert sleeps.waited == list(BRIEF_RETRY_DELAYS)
    assert limiter.given_up == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_replies_are_not_among_the_brief_calls() -> None:
    assert not {"sendMessage", "editMessageText", "editMessageReplyMarkup"} & BRIEF_RETRY_CALLS


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


async def test_429s_are_waited_out_a_bounded_number_of_times() -> None:
    sleeps = Sleeps()
    call = ScriptedCall(*[RetryAfter(1)] * 10)
    with pytest.raises(RetryAfter):
        await send(on_clock(sleeps), call)
    assert call.attempts == MAX_RETRY_AFTER_WAITS + 1


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


class _Outage:
    """The API as seen by some chats' sends: they fail (a 5xx) until `end()`; every retry
    waits for that. Delivered texts are recorded in order."""

    def __init__(self, cut_off: set[int]) -> None:
        self.cut_off = cut_off
        self.over = asyncio.Event()
        self.delivered: list[str] = []
        self.limiter = RetryingLimiter(sleep=self.wait)

    async def wait(self, seconds: float) -> None:
        await self.over.wait()

    def end(self) -> None:
        self.over.set()

    async def api_call(self, chat_id: int, text: str) -> dict[str, Any]:
        if chat_id in self.cut_off and not self.over.is_set():
            raise NetworkError("Bad Gateway")
        self.delivered.append(text)
        return {"message_id": 1}

    async def reply(self, chat_id: int, text: str) -> None:
        await self.limiter.process_request(
            self.api_call, (chat_id, text), {}, "sendMessage", {"chat_id": chat_id}, None
        )


async def both_slots_free(processor: PerChatUpdateProcessor) -> bool:
    """Whether two updates of two new chats can run at once."""
    started = 0
    release = asyncio.Event()

    async def hold() -> None:
        nonlocal started
        started += 1
        await release.wait()

    tasks = [
        asyncio.create_task(processor.process_update(_Update(chat), hold()))
        for chat in (501, 502)
    ]
    await asyncio.sleep(0.01)
    at_once = started
    release.set()
    await asyncio.gather(*tasks)
    return at_once == 2


async def test_replies_waiting_to_retry_do_not_hold_the_slots_other_chats_need() -> None:
    """Two slots; three chats' replies wait out an outage of their sends. A fourth chat is
    handled and answered meanwhile; a waiting chat's next update stays behind its first."""
    processor = PerChatUpdateProcessor(2)
    api = _Outage(cut_off={1, 2, 3})
    waiting = [
        asyncio.create_task(processor.process_update(_Update(chat), api.reply(chat, f"{chat}a")))
        for chat in (1, 2, 3)
    ]
    queued = asyncio.create_task(processor.process_update(_Update(1), api.reply(1, "1b")))
    await asyncio.sleep(0.01)

    other = asyncio.create_task(processor.process_update(_Update(9), api.reply(9, "9a")))
    await asyncio.wait_for(other, timeout=2)  # not held up by the three waiting replies
    assert api.delivered == ["9a"]

    api.end()
    await asyncio.wait_for(asyncio.gather(*waiting, queued), timeout=2)
    assert sorted(api.delivered) == ["1a", "1b", "2a", "3a", "9a"]
    assert api.delivered.index("1a") < api.delivered.index("1b")  # in order within the chat
    assert await both_slots_free(processor)  # every slot taken back was given back


async def test_an_update_whose_two_calls_wait_at_once_holds_one_slot_after() -> None:
    processor = PerChatUpdateProcessor(2)
    api = _Outage(cut_off={1})
    running_again: list[int] = []

    async def two_sends() -> None:
        await asyncio.gather(api.reply(1, "x"), api.reply(1, "y"))
        running_again.append(1)

    update = asyncio.create_task(processor.process_update(_Update(1), two_sends()))
    await asyncio.sleep(0.01)
    assert await both_slots_free(processor)  # both calls wait: the update holds no slot
    api.end()
    await asyncio.wait_for(update, timeout=2)
    assert running_again == [1] and sorted(api.delivered) == ["x", "y"]
    assert await both_slots_free(processor)

"""The aiohttp transport (bot/telegram_adapter/transport.py) against the Bot API stand-in:
what PTB gets back, and that each way a request can fail is classed right by the retry policy
(bot/telegram_adapter/delivery.py)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import Bot, InputFile
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.telegram_adapter.delivery import certainly_not_delivered
from bot.telegram_adapter.transport import AiohttpRequest
from standin.botapi import BotApiStandIn, UploadedFile

CHAT = 4242


@pytest.fixture(autouse=True)
def known_chat(standin: BotApiStandIn) -> None:
    standin.register_chat(CHAT)


def bot_for(standin: BotApiStandIn, request: AiohttpRequest) -> Bot:
    return Bot(standin.token, base_url=standin.base_url, request=request,
               get_updates_request=AiohttpRequest(1))


@pytest.fixture
async def bot(standin: BotApiStandIn) -> AsyncIterator[Bot]:
    async with bot_for(standin, AiohttpRequest(8, read_timeout=1.0)) as client:
        yield client


async def test_a_message_goes_out_and_its_answer_comes_back(bot, standin) -> None:
    sent = await bot.send_message(CHAT, "<b>hello</b> &amp; welcome", parse_mode="HTML")
    assert sent.text == "hello & welcome" and sent.chat_id == CHAT
    assert [m["text"] for m in standin.sent_messages(CHAT)] == ["hello & welcome"]


async def test_many_requests_at_once_share_the_pool(bot, standin) -> None:
    await asyncio.gather(*(bot.send_message(CHAT, f"n{i}") for i in range(40)))
    assert sorted(m["text"] for m in standin.sent_messages(CHAT)) == sorted(
        f"n{i}" for i in range(40)
    )


async def test_telegram_errors_reach_ptb_as_its_exceptions(bot, standin) -> None:
    standin.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as too_many:
        await bot.send_message(CHAT, "x")
    assert too_many.value._retry_after.total_seconds() == 3  # the int property is deprecated
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999_999, "x")
    standin.fail_next("sendMessage", status=502)
    with pytest.raises(NetworkError) as bad_gateway:
        await bot.send_message(CHAT, "x")
    assert certainly_not_delivered(bad_gateway.value)  # Telegram said it did not do it


async def test_a_dropped_connection_is_safe_to_retry(bot, standin) -> None:
    standin.drop_next("sendMessage")
    with pytest.raises(NetworkError) as dropped:
        await bot.send_message(CHAT, "x")
    assert isinstance(dropped.value.__cause__, aiohttp.ServerDisconnectedError)
    assert certainly_not_delivered(dropped.value)


async def test_a_slow_answer_times_out_and_is_not_retried(bot, standin) -> None:
    standin.delay_next("sendMessage", 2.0)
    with pytest.raises(TimedOut) as slow:
        await bot.send_message(CHAT, "slow")
    assert not certainly_not_delivered(slow.value)  # it was sent; it may well have arrived
    await standin.wait_for_async(lambda: standin.sent_messages(CHAT), timeout=5)


async def test_no_free_connection_in_time_is_safe_to_retry(standin) -> None:
    request = AiohttpRequest(1, read_timeout=5.0, pool_timeout=0.2, connect_timeout=0.2)
    async with bot_for(standin, request) as bot:
        standin.delay_next("sendMessage", 1.5)
        slow = asyncio.create_task(bot.send_message(CHAT, "holds the only connection"))
        await standin.wait_for_async(lambda: standin.calls_to("getMe"), timeout=5)
        await asyncio.sleep(0.1)
        with pytest.raises(TimedOut) as waited:
            await bot.send_message(CHAT, "waits for it")
        assert certainly_not_delivered(waited.value)
        await slow
    assert [m["text"] for m in standin.sent_messages(CHAT)] == ["holds the only connection"]


async def test_nothing_listening_is_safe_to_retry() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest(2, connect_timeout=1.0)
    await request.initialize()
    try:
        bot = Bot("123:abc", base_url=f"http://127.0.0.1:{port}/bot", request=request)
        with pytest.raises(NetworkError) as refused:
            await bot.get_me()
        assert isinstance(refused.value.__cause__, aiohttp.ClientConnectorError)
        assert certainly_not_delivered(refused.value)
    finally:
        await request.shutdown()


async def test_files_go_as_multipart(bot, standin) -> None:
    certificate = InputFile(b"-----BEGIN CERTIFICATE-----\n", filename="cert.pem")
    assert await bot.set_webhook("https://example.org/hook", certificate=certificate,
                                 secret_token="s3cret")
    [call] = standin.calls_to("setWebhook")
    uploaded = next(v for v in call.params.values() if isinstance(v, UploadedFile))
    assert uploaded.filename == "cert.pem" and uploaded.data == b"-----BEGIN CERTIFICATE-----\n"
    assert call.params["secret_token"] == "s3cret"


async def test_requests_need_initialize_and_pool_size_is_checked() -> None:
    with pytest.raises(ValueError):
        AiohttpRequest(0)
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:9/", "POST")

"""The webhook server (bot.telegram_adapter.webhook_server) in this process, with a hook of
the test's own: what reaches the hook, a hook that fails, "Expect: 100-continue", and how
refusals are counted in the log. tests/test_webhook.py runs it in the real bot."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.telegram_adapter.webhook_server import SECRET_HEADER, WebhookServer, fingerprint

SECRET = "Webhook_secret-0123456789abcdefXYZ"
PATH = "/hook/{not-a-variable}"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Hook:
    def __init__(self) -> None:
        self.accepted: list[dict[str, Any]] = []
        self.fail_with: Exception | None = None

    async def __call__(self, update_json: dict[str, Any]) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.accepted.append(update_json)


@pytest.fixture
def hook() -> Hook:
    return Hook()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def server(hook: Hook, clock: FakeClock) -> AsyncIterator[WebhookServer]:
    served = WebhookServer(
        path=PATH, secret=SECRET, accept=hook, listen="127.0.0.1", port=0, clock=clock
    )
    await served.start()
    yield served
    await served.stop()


async def post(
    server: WebhookServer, body: bytes, secret: str | None = SECRET, path: str = PATH
) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    async with aiohttp.ClientSession() as session, session.post(
        f"http://127.0.0.1:{server.port}{path}", data=body, headers=headers
    ) as response:
        return response.status


async def test_the_hook_gets_the_update_as_sent_and_the_path_is_taken_literally(
    server: WebhookServer, hook: Hook
) -> None:
    update = {"update_id": 12, "message": {"text": "hi"}, "unknown_field": [1]}
    assert await post(server, json.dumps(update).encode()) == 200
    assert hook.accepted == [update]
    assert await post(server, json.dumps(update).encode(), path=PATH + "/") == 200
    assert await post(server, json.dumps(update).encode(), path="/hook/x") == 404
    assert len(hook.accepted) == 2


async def test_a_failing_hook_is_answered_500_so_telegram_sends_the_update_again(
    server: WebhookServer, hook: Hook, caplog: pytest.LogCaptureFixture
) -> None:
    hook.fail_with = OSError("disk full")
    body = json.dumps({"update_id": 13, "message": {"text": "private words"}}).encode()
    assert await post(server, body) == 500
    [line] = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert line == "webhook: update 13 was not accepted, answering 500 (OSError: disk full)"
    assert "private words" not in caplog.text


async def test_expect_100_continue_is_refused_without_inviting_the_body(
    server: WebhookServer,
) -> None:
    async def first_status(secret: str) -> str:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(
            f"POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"{SECRET_HEADER}: {secret}\r\nContent-Length: 100\r\n"
            "Expect: 100-continue\r\n\r\n".encode()
        )
        line = await asyncio.wait_for(reader.readline(), 5)
        writer.close()
        return line.decode().strip()

    assert await first_status("Wrong_secret-0123456789abcdefXYZ") == "HTTP/1.1 403 Forbidden"
    assert await first_status(SECRET) == "HTTP/1.1 100 Continue"


async def test_refusals_are_logged_once_a_minute_with_a_count_of_the_rest(
    server: WebhookServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps({"update_id": 1}).encode()
    wrong = "Wrong_secret-0123456789abcdefXYZ"
    for _ in range(5):
        assert await post(server, body, secret=wrong) == 403
    assert await post(server, b"not json") == 400  # another kind: logged at once
    clock.now += 61
    assert await post(server, body, secret=None) == 403
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert lines == [
        "webhook: refused a request from 127.0.0.1 with a wrong secret token "
        f"(32 characters, fingerprint {fingerprint(wrong)})",
        "webhook: refused a request: the body is not JSON "
        "(Expecting value at character 0 of 8 bytes)",
        "webhook: refused a request from 127.0.0.1 without the secret token header "
        "(and 4 more like it, not logged, in the 61 s before)",
    ]
    assert wrong not in caplog.text


def test_a_fingerprint_is_short_stable_and_not_the_value() -> None:
    # (a value with letters beyond hex: the process's random key once made the fingerprint
    # of "abc" "f856abc3", which contains it by chance)
    secret = "token-xyz"
    assert fingerprint(secret) == fingerprint(secret) != fingerprint("token-xyw")
    # eight hex digits: never the value, whose letters are not all hex
    assert re.fullmatch(r"[0-9a-f]{8}", fingerprint(secret)), fingerprint(secret)

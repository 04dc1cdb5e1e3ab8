"""Webhook mode end to end: the real `python -m bot` registers its webhook with the Bot API
stand-in, then takes updates that are POSTed to it as Telegram would, and only those that carry
the secret in the X-Telegram-Bot-Api-Secret-Token header.

The bot's webhook server is PTB's (tornado); these tests are what shows that it refuses
requests without the right secret, rather than taking it on trust.
"""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.config import ENV_WEBHOOK_LISTEN, ENV_WEBHOOK_PORT, ENV_WEBHOOK_SECRET, ENV_WEBHOOK_URL
from standin.bot_process import BotProcess
from standin.botapi import BotApiStandIn
from tests.support.updates import message_update

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_SECRET = "Webhook_secret-0123456789abcdefXYZ"
# A "." in the path: PTB routes on a regular expression, so it must match only a real ".".
WEBHOOK_PATH = "/telegram.hook/career-advisor"
WEBHOOK_URL = f"https://bot.example.com{WEBHOOK_PATH}"
CHAT_ID = 5150
TIMEOUT = 30.0


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it; the socket is closed again)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout} s")
        time.sleep(0.05)


def accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def post_update(
    port: int,
    update: dict[str, Any],
    secret: str | None,
    path: str = WEBHOOK_PATH,
) -> int:
    """POST `update` as Telegram does (JSON body, the secret in its header); the HTTP status."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", path, body=json.dumps(update).encode("utf-8"), headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def webhook_env(port: int) -> dict[str, str]:
    return {
        ENV_WEBHOOK_URL: WEBHOOK_URL,
        ENV_WEBHOOK_SECRET: WEBHOOK_SECRET,
        ENV_WEBHOOK_LISTEN: "127.0.0.1",
        ENV_WEBHOOK_PORT: str(port),
    }


def start_webhook_bot(
    standin: BotApiStandIn, tmp_path: Path, port: int, extra_env: dict[str, str] | None = None
) -> BotProcess:
    """The bot in webhook mode, once it has registered its webhook and listens on `port`."""
    env = {**webhook_env(port), **(extra_env or {})}
    bot = BotProcess(standin, tmp_path / "data", tmp_path / "bot.log", extra_env=env).start()
    assert bot.process is not None
    process = bot.process

    def exited() -> bool:
        return process.poll() is not None

    try:
        wait_until(lambda: standin.webhook is not None or exited(), TIMEOUT, "no setWebhook")
        # PTB calls setWebhook just before its server starts listening
        wait_until(lambda: accepts_connections(port) or exited(), TIMEOUT, "no webhook server")
    except TimeoutError:
        bot.stop()
        raise
    if exited():
        raise RuntimeError(f"the bot exited with {process.returncode}:\n{bot.log()}")
    return bot


def test_webhook_mode_takes_only_updates_that_carry_the_secret(
    standin: BotApiStandIn, tmp_path: Path
) -> None:
    port = free_port()
    bot = start_webhook_bot(standin, tmp_path, port)
    try:
        webhook = standin.webhook
        assert webhook is not None
        assert webhook["url"] == WEBHOOK_URL
        assert webhook["secret_token"] == WEBHOOK_SECRET
        assert standin.calls_to("getUpdates") == []  # the webhook replaces polling

        standin.register_chat(CHAT_ID)  # Telegram knows a chat that has written to the bot
        forged = message_update("/salary india", chat_id=CHAT_ID, user_id=CHAT_ID)
        assert post_update(port, forged, secret=None) == 403
        assert post_update(port, forged, secret="") == 403
        assert post_update(port, forged, secret="Wrong_secret-0123456789abcdefXYZ") == 403
        # a secret that merely starts like the real one is just as wrong
        assert post_update(port, forged, secret=WEBHOOK_SECRET[:-1]) == 403
        assert post_update(port, forged, secret=WEBHOOK_SECRET + "x") == 403
        # only the public URL's path is served, matched literally
        assert post_update(port, forged, WEBHOOK_SECRET, "/telegramXhook/career-advisor") == 404

        genuine = message_update("/start", chat_id=CHAT_ID, user_id=CHAT_ID)
        assert post_update(port, genuine, secret=WEBHOOK_SECRET) == 200
        replies = standin.wait_for_messages(CHAT_ID, 1, TIMEOUT)
        assert "Welcome to Career Advisor" in replies[0]["text"]
        # The refused updates were never queued: the bot handles a chat's updates in order,
        # so had any of them got through, its reply would have come before the welcome.
        time.sleep(0.5)
        assert len(standin.sent_messages(CHAT_ID)) == 1
        assert standin.errors == [], [e.description for e in standin.errors]
    finally:
        exit_code = bot.stop(signal.SIGTERM)
    assert exit_code == 0, bot.log()
    # Not deleted on a stop: Telegram holds the updates until the bot is back.
    assert standin.webhook is not None

    log = bot.log()
    # The log is really at DEBUG and records the setWebhook call and the refused secrets...
    assert "DEBUG" in log and "setWebhook" in log and "wrong secret token" in log
    # ...and still never shows the secret (PTB logs it as a setWebhook parameter, and logs the
    # wrong secrets it was sent, one of which holds the real one), nor the token.
    assert WEBHOOK_SECRET not in log
    assert "[REDACTED]x" in log
    assert standin.token not in log


def test_webhook_url_without_a_secret_refuses_to_start(
    standin: BotApiStandIn, tmp_path: Path
) -> None:
    env = webhook_env(free_port())
    del env[ENV_WEBHOOK_SECRET]
    bot = BotProcess(standin, tmp_path / "data", tmp_path / "bot.log", extra_env=env)
    bot.env.pop(ENV_WEBHOOK_SECRET, None)  # in case the environment running the tests has one
    bot.start()
    assert bot.process is not None
    try:
        exit_code = bot.process.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        bot.stop()
        raise
    assert exit_code == 2
    assert bot.log().strip().splitlines() == [
        f"career-advisor: {ENV_WEBHOOK_SECRET} is required when {ENV_WEBHOOK_URL} is set: "
        "16 to 256 random characters from A-Z a-z 0-9 _ -"
    ]
    assert standin.calls == []  # refused before any contact with Telegram

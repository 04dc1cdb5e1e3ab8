"""Starting while the Bot API cannot be reached, end to end: the real `python -m bot` waits
for it, retrying with backoff, and then polls (or registers its webhook) and answers, with no
traceback; a stop signal ends the wait at once; a refused token ends it with a clear message.

"Unreachable" is a port nothing listens on yet; the stand-in is started on it later.
"""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from standin.bot_process import BotProcess
from standin.botapi import DEFAULT_TOKEN, BotApiStandIn
from tests.support.updates import message_update
from tests.test_webhook import (
    WEBHOOK_SECRET,
    WEBHOOK_URL,
    accepts_connections,
    free_port,
    post_update,
    wait_until,
    webhook_env,
)

CHAT = 6060
TIMEOUT = 60.0
RETRY_LINE = re.compile(r" WARNING .*getMe \(checking the token\) failed, attempt (\d+) ")


def bot_before_the_api(tmp_path: Path, api_port: int, extra_env: dict[str, str]) -> BotProcess:
    """A bot pointed at a Bot API on `api_port`, where nothing listens yet; not started."""
    not_yet = SimpleNamespace(token=DEFAULT_TOKEN, base_url=f"http://127.0.0.1:{api_port}/bot")
    return BotProcess(
        cast(BotApiStandIn, not_yet), tmp_path / "data", tmp_path / "bot.log", extra_env=extra_env
    )


def wait_for_attempts(bot: BotProcess, attempts: int) -> None:
    """Until the log shows `attempts` failed getMe attempts; fail if the bot exits instead."""
    assert bot.process is not None
    process = bot.process

    def seen() -> bool:
        return process.poll() is not None or len(RETRY_LINE.findall(bot.log())) >= attempts

    wait_until(seen, TIMEOUT, f"no {attempts} getMe attempts in the log")
    assert process.poll() is None, f"the bot exited with {process.returncode}:\n{bot.log()}"


def assert_quiet_log(log: str) -> None:
    assert "Traceback" not in log and " ERROR " not in log and " CRITICAL " not in log, log
    assert "Unclosed" not in log, log
    assert DEFAULT_TOKEN not in log and DEFAULT_TOKEN.split(":")[1] not in log


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_a_bot_started_before_the_api_is_reachable_waits_for_it_and_then_answers(
    mode: str, tmp_path: Path
) -> None:
    api_port = free_port()
    webhook_port = free_port()
    env = webhook_env(webhook_port) if mode == "webhook" else {}
    bot = bot_before_the_api(tmp_path, api_port, env).start()
    standin: BotApiStandIn | None = None
    try:
        wait_for_attempts(bot, 2)  # it has waited, and tried again
        standin = BotApiStandIn(port=api_port)
        bot.standin = standin
        standin.register_chat(CHAT)
        if mode == "polling":
            bot.wait_until_polling(TIMEOUT)
            standin.push_message(CHAT, "/start")
        else:
            wait_until(lambda: standin is not None and standin.webhook is not None, TIMEOUT,
                       "no setWebhook")
            assert standin.webhook is not None and standin.webhook["url"] == WEBHOOK_URL
            assert accepts_connections(webhook_port)
            update = message_update("/start", chat_id=CHAT, user_id=CHAT)
            assert post_update(webhook_port, update, WEBHOOK_SECRET) == 200
        replies = standin.wait_for_messages(CHAT, 1, TIMEOUT)
        assert "Welcome to Career Advisor" in replies[0]["text"]
        assert [command["command"] for command in standin.commands][:1] == ["start"]
    finally:
        exit_code = bot.stop(signal.SIGTERM)
        if standin is not None:
            standin.close()
    assert exit_code == 0, bot.log()
    log = bot.log()
    attempts = [int(n) for n in RETRY_LINE.findall(log)]
    assert attempts[:2] == [1, 2]
    # the waits grow: 1 s after the first attempt, 2 s after the second
    assert "attempt 1 (NetworkError: " in log and "trying again in 1 s" in log
    assert "attempt 2 (NetworkError: " in log and "trying again in 2 s" in log
    assert_quiet_log(log)


def test_a_stop_signal_while_waiting_for_the_api_stops_the_bot_at_once(tmp_path: Path) -> None:
    bot = bot_before_the_api(tmp_path, free_port(), {}).start()
    wait_for_attempts(bot, 1)
    stopped_at = time.monotonic()
    exit_code = bot.stop(signal.SIGTERM, timeout=TIMEOUT)
    assert exit_code == 0, bot.log()
    assert time.monotonic() - stopped_at < 5.0  # not after the next attempt's wait
    assert_quiet_log(bot.log())


def test_start_up_calls_answered_with_errors_are_retried(
    standin: BotApiStandIn, tmp_path: Path
) -> None:
    """5xx answers to setWebhook and setMyCommands at start: more than the sending path's
    own three retries, so the start's backoff takes over; then the bot is up."""
    standin.fail_next("setMyCommands", status=502, times=5)
    standin.fail_next("setWebhook", status=500, times=5)
    port = free_port()
    bot = BotProcess(standin, tmp_path / "data", tmp_path / "bot.log",
                     extra_env=webhook_env(port)).start()
    try:
        wait_until(lambda: standin.webhook is not None or bot.process is None
                   or bot.process.poll() is not None, TIMEOUT, "no setWebhook")
        assert standin.webhook is not None, bot.log()
        standin.register_chat(CHAT)
        update = message_update("/start", chat_id=CHAT, user_id=CHAT)
        assert post_update(port, update, WEBHOOK_SECRET) == 200
        assert "Welcome to Career Advisor" in standin.wait_for_messages(CHAT, 1, TIMEOUT)[0]["text"]
    finally:
        exit_code = bot.stop(signal.SIGTERM)
    assert exit_code == 0, bot.log()
    log = bot.log()
    assert "setMyCommands failed, attempt 1 (NetworkError: Bad Gateway)" in log
    assert "setWebhook failed, attempt 1 (NetworkError: " in log
    assert [command["command"] for command in standin.commands][:1] == ["start"]
    assert_quiet_log(log)


@pytest.mark.parametrize(
    ("refused", "mode"),
    [("getMe", "polling"), ("setMyCommands", "polling"), ("setWebhook", "webhook")],
)
def test_a_token_refused_at_start_ends_the_bot_with_a_one_line_message(
    refused: str, mode: str, standin: BotApiStandIn, tmp_path: Path
) -> None:
    """Not retried, whichever call of the start it comes to (the later ones come when the
    application is already running, and stop it)."""
    standin.fail_next(refused, status=401, description="Unauthorized")
    env = webhook_env(free_port()) if mode == "webhook" else {}
    bot = BotProcess(standin, tmp_path / "data", tmp_path / "bot.log", extra_env=env).start()
    exit_code = bot.wait_for_exit(TIMEOUT)
    assert exit_code == 1, bot.log()
    log = bot.log()
    assert "Telegram refused the bot token" in log
    assert log.splitlines()[-1] == (
        "career-advisor: Telegram refused TELEGRAM_BOT_TOKEN (401 Unauthorized)"
    )
    methods = [call.method for call in standin.calls]
    assert methods[-1] == refused and methods.count(refused) == 1  # not retried
    assert "getUpdates" not in methods
    assert "Traceback" not in log and " ERROR " not in log and "Unclosed" not in log, log
    assert standin.token not in log

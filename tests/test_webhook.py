"""Webhook mode end to end: the real `python -m bot` registers its webhook with the Bot API
stand-in, then takes updates that are POSTed to it as Telegram would, and only those that carry
the secret in the X-Telegram-Bot-Api-Secret-Token header.

The bot's webhook server is its own (bot/telegram_adapter/webhook_server.py); these tests are
what shows that it refuses requests without the right secret before reading their body, caps
the body, takes JSON with a charset, and logs refusals without the values sent.
"""

from __future__ import annotations

import http.client
import json
import signal
import socket
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bot.config import ENV_WEBHOOK_LISTEN, ENV_WEBHOOK_PORT, ENV_WEBHOOK_SECRET, ENV_WEBHOOK_URL
from standin.bot_process import BotProcess
from standin.botapi import BotApiStandIn
from tests.support.updates import message_update

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_SECRET = "Webhook_secret-0123456789abcdefXYZ"
# A "." in the path, matched only by itself (PTB's server read the path as a regular expression).
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
    return post(port, json.dumps(update).encode("utf-8"), secret, path=path)


def post(
    port: int,
    body: bytes | Iterable[bytes],
    secret: str | None,
    content_type: str = "application/json",
    path: str = WEBHOOK_PATH,
    method: str = "POST",
) -> int:
    """Send `body` to the webhook server; the HTTP status. An iterable body goes chunked."""
    headers = {"Content-Type": content_type}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(
            method, path, body=body, headers=headers, encode_chunked=not isinstance(body, bytes)
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def status_after_head(port: int, head: dict[str, str], timeout: float = 5.0) -> int:
    """POST the request line and `head` only, promising a body that is never sent; the status
    of the answer, which must come within `timeout` seconds without the body."""
    lines = [f"POST {WEBHOOK_PATH} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in head.items()]
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        received = b""
        while b"\r\n" not in received:
            chunk = connection.recv(4096)  # socket.timeout if the server waits for the body
            if not chunk:
                break
            received += chunk
    status_line = received.split(b"\r\n", 1)[0].decode("latin-1")
    return int(status_line.split()[1])


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
        # the server listens before setWebhook; both are waited for all the same
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
    # The log is really at DEBUG and records the setWebhook call and the refusals...
    assert "DEBUG" in log and "setWebhook" in log and "refused a request" in log
    # ...and still never shows the secret (PTB logs it as a setWebhook parameter), nor the
    # token, nor the wrong secrets sent, one of which holds the real one.
    assert WEBHOOK_SECRET not in log
    assert "Wrong_secret" not in log and "[REDACTED]x" not in log
    assert standin.token not in log


def test_webhook_url_without_a_secret_refuses_to_start(
    standin: BotApiStandIn, tmp_path: Path
) -> None:
    env = webhook_env(free_port())
    del env[ENV_WEBHOOK_SECRET]
    bot = BotProcess(standin, tmp_path / "data", tmp_path / "bot.log", extra_env=env)
    bot.env.pop(ENV_WEBHOOK_SECRET, None)  # in case the environment running the tests has one
    bot.start()
    exit_code = bot.wait_for_exit(TIMEOUT)
    assert exit_code == 2
    assert bot.log().strip().splitlines() == [
        f"career-advisor: {ENV_WEBHOOK_SECRET} is required when {ENV_WEBHOOK_URL} is set: "
        "16 to 256 random characters from A-Z a-z 0-9 _ -"
    ]
    assert standin.calls == []  # refused before any contact with Telegram


def assert_answered(standin: BotApiStandIn, port: int, chat_id: int) -> None:
    """The bot still takes a genuine update and answers it."""
    before = len(standin.sent_messages(chat_id))
    genuine = message_update("/start", chat_id=chat_id, user_id=chat_id)
    assert post_update(port, genuine, secret=WEBHOOK_SECRET) == 200
    replies = standin.wait_for_messages(chat_id, before + 1, TIMEOUT)
    assert "Welcome to Career Advisor" in replies[-1]["text"]


def test_the_secret_is_checked_before_the_body_is_read(
    standin: BotApiStandIn, tmp_path: Path
) -> None:
    """Headers that promise 50 MB and no body: the answer comes at once, from the headers.

    A server that read the body first (PTB's did) would wait for it, and the read time out.
    """
    port = free_port()
    bot = start_webhook_bot(standin, tmp_path, port)
    try:
        standin.register_chat(CHAT_ID)
        promised = {"Content-Type": "application/json", "Content-Length": "50000000"}
        wrong = {SECRET_HEADER: "Wrong_secret-0123456789abcdefXYZ"}
        assert status_after_head(port, {**promised, **wrong}) == 403
        assert status_after_head(port, promised) == 403  # no secret at all
        # with the right secret, the size is refused from the header, before reading too
        assert status_after_head(port, {**promised, SECRET_HEADER: WEBHOOK_SECRET}) == 413
        assert_answered(standin, port, CHAT_ID)
    finally:
        exit_code = bot.stop(signal.SIGTERM)
    assert exit_code == 0, bot.log()
    assert " ERROR " not in bot.log() and "Traceback" not in bot.log()


def test_an_oversized_body_is_refused_and_the_bot_goes_on(
    standin: BotApiStandIn, tmp_path: Path
) -> None:
    port = free_port()
    bot = start_webhook_bot(standin, tmp_path, port)
    try:
        standin.register_chat(CHAT_ID)
        # a well-formed update, but over the 1 MiB cap: with or without a Content-Length
        huge = message_update("/start " + "x" * (1024 * 1024), chat_id=CHAT_ID, user_id=CHAT_ID)
        body = json.dumps(huge).encode("utf-8")
        assert post(port, body, WEBHOOK_SECRET) == 413
        chunks = [body[i:i + 65536] for i in range(0, len(body), 65536)]
        assert post(port, iter(chunks), WEBHOOK_SECRET) == 413
        assert_answered(standin, port, CHAT_ID)
        time.sleep(0.5)
        assert len(standin.sent_messages(CHAT_ID)) == 1  # the huge ones were never handled
    finally:
        exit_code = bot.stop(signal.SIGTERM)
    assert exit_code == 0, bot.log()
    log = bot.log()
    assert "webhook: refused" in log and "at most 1048576 bytes" in log
    assert "x" * 100 not in log and "Traceback" not in log


def test_json_with_a_charset_is_taken_and_what_is_not_an_update_is_refused(
    standin: BotApiStandIn, tmp_path: Path
) -> None:
    port = free_port()
    bot = start_webhook_bot(standin, tmp_path, port)
    payload_marker = "payload-detail-that-must-not-be-logged"
    try:
        standin.register_chat(CHAT_ID)
        start = json.dumps(message_update("/start", chat_id=CHAT_ID, user_id=CHAT_ID))
        assert post(port, start.encode(), WEBHOOK_SECRET, "application/json; charset=utf-8") == 200
        assert "Welcome to Career Advisor" in standin.wait_for_messages(CHAT_ID, 1, TIMEOUT)[0][
            "text"
        ]
        help_ = json.dumps(message_update("/help", chat_id=CHAT_ID, user_id=CHAT_ID))
        assert post(port, help_.encode(), WEBHOOK_SECRET, "Application/JSON; Charset=UTF-8") == 200
        assert "/salary" in standin.wait_for_messages(CHAT_ID, 2, TIMEOUT)[1]["text"]

        update = message_update("/start", chat_id=CHAT_ID, user_id=CHAT_ID)
        body = json.dumps(update).encode()
        # not JSON as far as the content type says: 415
        assert post(port, body, WEBHOOK_SECRET, "text/plain") == 415
        assert post(port, body, WEBHOOK_SECRET, "application/json; charset=latin-1") == 415
        assert post(port, body, WEBHOOK_SECRET, "application/x-www-form-urlencoded") == 415
        # JSON, but not an update: 400, and the payload is not logged
        assert post(port, ('{"update_id": 7, "message": ' + payload_marker).encode(),
                    WEBHOOK_SECRET) == 400
        assert post(port, f'["{payload_marker}"]'.encode(), WEBHOOK_SECRET) == 400
        assert post(port, f'{{"note": "{payload_marker}"}}'.encode(), WEBHOOK_SECRET) == 400
        assert post(port, b"\xff\xfe not utf-8", WEBHOOK_SECRET) == 400
        # an update with an id that PTB cannot read is skipped, as when polling: answered 200
        # (refused, Telegram would send it again and again), logged once, without its payload
        unreadable = {"update_id": 9001, "message": {
            "message_id": 1, "date": payload_marker, "chat": {"id": CHAT_ID, "type": "private"}}}
        assert post(port, json.dumps(unreadable).encode(), WEBHOOK_SECRET) == 200
        # only POST, only the path
        assert post(port, body, WEBHOOK_SECRET, method="GET") == 405
        assert post(port, body, WEBHOOK_SECRET, method="PUT") == 405
        assert post(port, body, WEBHOOK_SECRET, path=WEBHOOK_PATH + "x") == 404
        time.sleep(0.5)
        assert len(standin.sent_messages(CHAT_ID)) == 2  # none of those was handled
        assert_answered(standin, port, CHAT_ID)
    finally:
        exit_code = bot.stop(signal.SIGTERM)
    assert exit_code == 0, bot.log()
    log = bot.log()
    assert "content type 'text/plain'" in log and "the body is not JSON" in log
    assert "skipped update 9001" in log
    loud = [line for line in log.splitlines() if " WARNING " in line or " ERROR " in line]
    assert loud and not [line for line in loud if payload_marker in line]
    assert " ERROR " not in log and " CRITICAL " not in log and "Traceback" not in log


def test_wrong_secrets_are_logged_without_their_value_and_not_one_line_each(
    standin: BotApiStandIn, tmp_path: Path
) -> None:
    port = free_port()
    bot = start_webhook_bot(standin, tmp_path, port)
    near_miss = WEBHOOK_SECRET[:-1] + "Q"  # the real secret but for its last character
    try:
        update = message_update("/start", chat_id=CHAT_ID, user_id=CHAT_ID)
        for n in range(40):
            assert post_update(port, update, secret=f"Flood_secret-{n:04d}-abcdefghij") == 403
        assert post_update(port, update, secret=near_miss) == 403
        assert post_update(port, update, secret=None) == 403
    finally:
        exit_code = bot.stop(signal.SIGTERM)
    assert exit_code == 0, bot.log()
    log = bot.log()
    assert "Flood_secret" not in log and near_miss not in log and WEBHOOK_SECRET[:-1] not in log
    refused = [line for line in log.splitlines() if "webhook: " in line and "refused" in line]
    # the first refusal, then (at the stop) how many more were not logged
    assert len(refused) == 2, refused
    first = f"wrong secret token ({len('Flood_secret-0000-abcdefghij')} characters, fingerprint "
    assert first in refused[0]
    assert "41 more refused requests (secret) were not logged" in refused[1]


def test_the_200_comes_once_the_update_is_handled(standin: BotApiStandIn, tmp_path: Path) -> None:
    """Telegram forgets an update at its 200: answered earlier, a crash in between would lose
    it; answered after the reply is out, a crash means no 200 and Telegram sends it again."""
    port = free_port()
    bot = start_webhook_bot(standin, tmp_path, port)
    try:
        chat_id = 4242
        standin.register_chat(chat_id)
        standin.delay_next("sendMessage", 1.5)  # a slow reply
        started = time.monotonic()
        update = message_update("/start", chat_id=chat_id, user_id=chat_id)
        assert post_update(port, update, secret=WEBHOOK_SECRET) == 200
        assert time.monotonic() - started >= 1.5
        [reply] = standin.sent_messages(chat_id)  # out before the 200, not after
        assert "Welcome to Career Advisor" in reply["text"]
        # Sent again (no 200 reached Telegram, say): applied once, not answered twice
        assert post_update(port, update, secret=WEBHOOK_SECRET) == 200
        assert len(standin.sent_messages(chat_id)) == 1
    finally:
        bot.stop()

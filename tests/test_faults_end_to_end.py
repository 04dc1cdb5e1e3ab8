"""Faults end to end: the real `python -m bot` process against the Bot API stand-in, with
failures injected on the wire (429, 5xx, a slow answer, a dropped connection, failing
getUpdates) and broken knowledge files at start-up.

Each test counts what the stand-in recorded: a reply must arrive exactly once, whatever failed
on the way, and the bot must go on serving. tests/test_faults.py checks the same retry policy
offline; these check that the wiring (PTB, the rate limiter, the error handler) really applies
it. Waits poll the stand-in with generous timeouts (a busy machine); counts are exact.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.telegram_adapter.delivery import BRIEF_RETRY_DELAYS
from standin.bot_process import ROOT, BotProcess
from standin.botapi import DEFAULT_USER_ID, BotApiStandIn, RecordedCall
from tests.support.bot_runs import ENV_SEND_RETRY_SECONDS, started_bot

CHAT = DEFAULT_USER_ID
OTHER_CHAT = 2002
TIMEOUT = 30.0  # generous: the machine may be busy; the counts asserted are exact anyway
READ_TIMEOUT = 5.0  # PTB's default read timeout for Bot API calls
# Short replies, one message each, so that one update means exactly one sendMessage.
QUESTIONS = ("/help", "/start", "/salary us", "/sources", "/roadmap")


@pytest.fixture
def bot(standin: BotApiStandIn, tmp_path: Path) -> Iterator[BotProcess]:
    """The bot with production settings: Telegram's rate limits on, logging at DEBUG."""
    process = BotProcess(
        standin,
        tmp_path / "data",
        tmp_path / "bot.log",
        log_level="DEBUG",
        extra_env={"CAREER_ADVISOR_RATE_LIMIT": "telegram"},
    )
    process.start().wait_until_polling(timeout=60.0)
    yield process
    process.stop()


@pytest.fixture
def impatient_bot(standin: BotApiStandIn, tmp_path: Path) -> Iterator[BotProcess]:
    """The bot as `bot`, but giving a reply up after 2 s of retries (300 s by default)."""
    process = started_bot(standin, tmp_path, **{ENV_SEND_RETRY_SECONDS: "2"})
    yield process
    process.stop()


# Helpers ---------------------------------------------------------------------------------------


def sends_to(standin: BotApiStandIn, chat_id: int) -> list[RecordedCall]:
    """Every sendMessage to `chat_id` the stand-in received: failed, dropped or delivered."""
    return [
        call for call in standin.calls_to("sendMessage")
        if str(call.params.get("chat_id")) == str(chat_id)
    ]


def delivered_to(standin: BotApiStandIn, chat_id: int) -> list[RecordedCall]:
    return [call for call in sends_to(standin, chat_id) if call.ok]


def ask(standin: BotApiStandIn, chat_id: int, text: str) -> dict[str, Any]:
    """Push `text` as a user of `chat_id`, wait for the bot's one reply, return it."""
    before = len(standin.sent_messages(chat_id))
    standin.push_message(chat_id, text)
    return standin.wait_for_messages(chat_id, before + 1, TIMEOUT)[before]


def wait_for_calls(
    standin: BotApiStandIn, method: str, count: int, *, status: int | None = None
) -> list[RecordedCall]:
    """Wait until the stand-in has answered `count` calls of `method` (with `status`)."""

    def matching() -> list[RecordedCall]:
        found = [c for c in standin.calls_to(method) if status is None or c.status == status]
        return found if len(found) >= count else []

    return standin.wait_for(matching, TIMEOUT)


def wait_for_log(bot: BotProcess, pattern: str) -> str:
    """Wait for a line matching `pattern` in the bot's log (written by another process)."""
    regex = re.compile(pattern)
    deadline = time.monotonic() + TIMEOUT
    while True:
        found = [line for line in bot.log().splitlines() if regex.search(line)]
        if found:
            return found[0]
        if time.monotonic() > deadline:
            raise TimeoutError(f"no log line matches {pattern!r}:\n{bot.log()[-3000:]}")
        time.sleep(0.05)


def assert_log_keeps_the_token_secret(bot: BotProcess) -> None:
    log = bot.log()
    assert " DEBUG " in log and "getUpdates" in log, "the log is not at DEBUG level"
    assert bot.standin.token not in log
    assert bot.standin.token.split(":", 1)[1] not in log


def assert_no_duplicate_texts(standin: BotApiStandIn, chat_id: int) -> None:
    texts = [call.params.get("text") for call in delivered_to(standin, chat_id)]
    assert len(texts) == len(set(texts)), f"a reply was delivered twice: {texts}"


# 1. 429 Too Many Requests ----------------------------------------------------------------------


def test_a_429_is_waited_out_and_the_reply_is_delivered_once(
    standin: BotApiStandIn, bot: BotProcess
) -> None:
    assert "rate limits: Telegram's" in wait_for_log(bot, r"Career Advisor is up as")
    retry_after = 2
    standin.fail_next("sendMessage", status=429, retry_after=retry_after)

    reply = ask(standin, CHAT, QUESTIONS[0])

    attempts = sends_to(standin, CHAT)
    assert [call.status for call in attempts] == [429, 200]
    refused, delivered = attempts
    assert delivered.params["text"] == refused.params["text"]  # the same reply, sent again
    assert delivered.at - refused.at >= retry_after
    assert [m["text"] for m in standin.sent_messages(CHAT)] == [reply["text"]]
    # the next message is answered at once, with no 429 left over
    ask(standin, CHAT, QUESTIONS[1])
    assert [call.status for call in sends_to(standin, CHAT)] == [429, 200, 200]
    assert_no_duplicate_texts(standin, CHAT)
    assert standin.errors == []
    assert_log_keeps_the_token_secret(bot)


def test_one_chats_429_does_not_hold_up_the_others(
    standin: BotApiStandIn, bot: BotProcess
) -> None:
    """Telegram's 429 for one chat (its 1 message/s) is that chat's to wait out alone."""
    other = CHAT + 1
    ask(standin, other, QUESTIONS[0])  # the other chat is known and warm
    retry_after = 6
    standin.fail_next("sendMessage", status=429, retry_after=retry_after)
    standin.push_message(CHAT, QUESTIONS[1])
    wait_for_calls(standin, "sendMessage", 1, status=429)
    asked = time.monotonic()
    ask(standin, other, QUESTIONS[2])
    assert time.monotonic() - asked < retry_after / 2  # not held for the other chat's 429
    standin.wait_for_messages(CHAT, 1, TIMEOUT)
    attempts = sends_to(standin, CHAT)
    assert [call.status for call in attempts] == [429, 200]  # delivered once, after the wait
    assert attempts[1].at - attempts[0].at >= retry_after
    assert attempts[1].params["text"] == attempts[0].params["text"]


# 2. 5xx ----------------------------------------------------------------------------------------


def test_a_5xx_twice_then_success_delivers_one_reply(
    standin: BotApiStandIn, bot: BotProcess
) -> None:
    standin.fail_next("sendMessage", status=502, times=2)

    ask(standin, CHAT, QUESTIONS[0])

    assert [call.status for call in sends_to(standin, CHAT)] == [502, 502, 200]
    assert len({call.params["text"] for call in sends_to(standin, CHAT)}) == 1
    assert len(standin.sent_messages(CHAT)) == 1
    wait_for_log(bot, r"WARNING .*sendMessage to chat \d+ failed .*retry 2 in")
    assert standin.errors == []
    assert_log_keeps_the_token_secret(bot)


def test_a_proxys_html_error_page_is_retried_like_a_json_5xx(
    standin: BotApiStandIn, bot: BotProcess
) -> None:
    """nginx in front of the API answers 502/503 with an HTML page, not Telegram's JSON."""
    standin.fail_next("sendMessage", status=502, description="Bad Gateway", html=True)
    standin.fail_next(
        "sendMessage", status=503, description="Service Temporarily Unavailable", html=True
    )

    ask(standin, CHAT, QUESTIONS[0])

    assert [call.status for call in sends_to(standin, CHAT)] == [502, 503, 200]
    assert len(standin.sent_messages(CHAT)) == 1
    wait_for_log(bot, r"WARNING .*sendMessage to chat \d+ failed .*retry 2 in")
    assert_log_keeps_the_token_secret(bot)


def test_5xx_beyond_the_retry_bound_is_logged_and_other_chats_are_still_served(
    standin: BotApiStandIn, impatient_bot: BotProcess
) -> None:
    bot = impatient_bot
    standin.fail_next("sendMessage", status=502, times=1000)  # more than fit in 2 s

    update = standin.push_message(CHAT, QUESTIONS[0])
    error_line = wait_for_log(bot, rf"ERROR .*update {update['update_id']} failed")
    assert error_line
    standin.clear_faults()
    attempts = len(sends_to(standin, CHAT))
    assert attempts >= 4  # 0.2, 0.4, 0.8 s... apart, for 2 s

    # another chat is answered right after; so is the same chat
    other = ask(standin, OTHER_CHAT, QUESTIONS[1])
    assert other["text"]
    again = ask(standin, CHAT, QUESTIONS[2])
    assert again["text"]

    # the given-up reply was neither delivered late nor followed by an error note
    assert [call.status for call in sends_to(standin, CHAT)] == [502] * attempts + [200]
    assert [m["text"] for m in standin.sent_messages(CHAT)] == [again["text"]]
    assert [call.status for call in sends_to(standin, OTHER_CHAT)] == [200]
    assert len(standin.sent_messages(OTHER_CHAT)) == 1
    assert standin.errors == []
    assert_log_keeps_the_token_secret(bot)


# 3. A slow success: the answer comes after PTB's read timeout ----------------------------------


def test_a_send_slower_than_the_read_timeout_is_not_retried(
    standin: BotApiStandIn, bot: BotProcess
) -> None:
    delay = READ_TIMEOUT + 1.0
    standin.delay_next("sendMessage", delay)

    pushed = time.monotonic()
    update = standin.push_message(CHAT, QUESTIONS[0])
    # The stand-in answers after `delay`, though the bot stopped waiting at 5 s. Wait for that
    # answer: a wrong retry would be sent before it (retries come within ~2 s of the timeout).
    standin.wait_for(
        lambda: [c for c in sends_to(standin, CHAT) if c.at - pushed >= delay], TIMEOUT + delay
    )
    slow = standin.sent_messages(CHAT)[0]

    following = ask(standin, CHAT, QUESTIONS[1])

    # exactly one copy of the slow reply, no error note, and the next reply as usual
    assert [call.status for call in sends_to(standin, CHAT)] == [200, 200]
    assert [m["text"] for m in standin.sent_messages(CHAT)] == [slow["text"], following["text"]]
    assert slow["text"] != following["text"]
    # the bot logged the timed-out send as the update's failure
    wait_for_log(bot, rf"ERROR .*update {update['update_id']} failed")
    assert standin.errors == []
    assert_log_keeps_the_token_secret(bot)


# 4. A dropped connection -----------------------------------------------------------------------


def test_a_dropped_connection_is_retried_and_delivers_one_reply(
    standin: BotApiStandIn, bot: BotProcess
) -> None:
    standin.drop_next("sendMessage")

    ask(standin, CHAT, QUESTIONS[0])

    attempts = sends_to(standin, CHAT)
    assert [call.status for call in attempts] == [0, 200]  # 0: dropped without an answer
    assert attempts[0].params["text"] == attempts[1].params["text"]
    assert len(standin.sent_messages(CHAT)) == 1
    wait_for_log(bot, r"WARNING .*sendMessage to chat \d+ failed .*retry 1 in")
    assert standin.errors == []
    assert_log_keeps_the_token_secret(bot)


# 5. getUpdates failing -------------------------------------------------------------------------


def test_polling_resumes_after_getupdates_fails_and_no_update_is_answered_twice(
    standin: BotApiStandIn, bot: BotProcess
) -> None:
    # Phase 1: three 502s. The long poll now waiting takes the first message; the next polls
    # (which would confirm it with their offset) fail.
    standin.wait_for(lambda: standin.waiting_polls > 0, TIMEOUT)
    standin.fail_next("getUpdates", status=502, times=3)
    first = ask(standin, CHAT, QUESTIONS[0])
    wait_for_calls(standin, "getUpdates", 3, status=502)
    second = ask(standin, CHAT, QUESTIONS[1])  # polling resumed by itself

    # Phase 2: a dropped connection on getUpdates.
    standin.wait_for(lambda: standin.waiting_polls > 0, TIMEOUT)
    standin.drop_next("getUpdates")
    third = ask(standin, CHAT, QUESTIONS[2])
    wait_for_calls(standin, "getUpdates", 1, status=0)
    fourth = ask(standin, CHAT, QUESTIONS[3])

    # one reply per update, in order, none twice (also after the last poll confirmed them all)
    standin.wait_for(lambda: standin.waiting_polls > 0 and not standin.pending_updates, TIMEOUT)
    replies = [m["text"] for m in standin.sent_messages(CHAT)]
    assert replies == [first["text"], second["text"], third["text"], fourth["text"]]
    assert len(set(replies)) == 4
    assert [call.status for call in sends_to(standin, CHAT)] == [200] * 4
    injected = [call.status for call in standin.calls_to("getUpdates") if call.injected]
    assert injected == [502, 502, 502, 0]
    assert standin.errors == []
    assert_log_keeps_the_token_secret(bot)


# 6. Invalid knowledge files --------------------------------------------------------------------


def _break_title(knowledge: Path) -> list[str]:
    """Remove the first article's title (a required field)."""
    path = knowledge / "catalogue.yaml"
    text = path.read_text(encoding="utf-8")
    first_title = re.search(r"^    title: .*\n", text, re.MULTILINE)
    assert first_title is not None
    path.write_text(text[: first_title.start()] + text[first_title.end():], encoding="utf-8")
    return ["catalogue.yaml: articles[0].title: Field required"]


def _add_unknown_field(knowledge: Path) -> list[str]:
    """Give the first article a field the catalogue does not have."""
    path = knowledge / "catalogue.yaml"
    text = path.read_text(encoding="utf-8")
    first_id = re.search(r"^  - id: .*\n", text, re.MULTILINE)
    assert first_id is not None
    broken = text[: first_id.end()] + "    homepage: https://example.org/\n" + text[first_id.end():]
    path.write_text(broken, encoding="utf-8")
    return ["catalogue.yaml: articles[0].homepage: Extra inputs are not permitted"]


def _break_yaml_syntax(knowledge: Path) -> list[str]:
    """An unclosed flow sequence at the end of vocabulary.yaml."""
    path = knowledge / "vocabulary.yaml"
    text = path.read_text(encoding="utf-8").rstrip("\n") + "\n"
    broken_line = text.count("\n") + 1
    path.write_text(text + "typos: [unclosed, list\n  : {\n", encoding="utf-8")
    return ["vocabulary.yaml: not valid YAML", f"line {broken_line}, column"]


@pytest.mark.parametrize(
    "breakage",
    [_break_title, _add_unknown_field, _break_yaml_syntax],
    ids=["missing-title", "unknown-field", "broken-yaml"],
)
def test_invalid_knowledge_stops_the_bot_before_it_polls(
    standin: BotApiStandIn, tmp_path: Path, breakage: Callable[[Path], list[str]]
) -> None:
    """A broken copy of the knowledge files; the environment would otherwise start polling."""
    for package in ("bot", "knowledge", "retrieval"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    expected = breakage(tmp_path / "knowledge")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")},
        "TELEGRAM_BOT_TOKEN": standin.token,
        "TELEGRAM_API_BASE_URL": standin.base_url,
        "CAREER_ADVISOR_DATA_DIR": str(tmp_path / "data"),
        "LOG_LEVEL": "DEBUG",
        "PYTHONPATH": str(tmp_path),
    }

    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"career-advisor: invalid knowledge: {expected[0]}"), (
        result.stderr
    )
    for fragment in expected[1:]:  # a YAML error goes on to show where it is
        assert fragment in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert standin.token not in result.stderr + result.stdout
    assert standin.calls_to("getUpdates") == []  # it never started polling
    assert standin.calls_to("sendMessage") == []


# 3. A failed callback answer ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "times", "description"),
    [
        # pressed while the bot was down, or a redelivered press: the answer is refused
        (400, 1, "Bad Request: query is too old and response timeout expired or query ID is "
                 "invalid"),
        # the API keeps failing the answer beyond the retries
        (502, len(BRIEF_RETRY_DELAYS) + 1, None),
    ],
)
def test_a_press_is_applied_even_when_its_callback_answer_fails(
    standin: BotApiStandIn, bot: BotProcess, status: int, times: int, description: str | None
) -> None:
    overview = ask(standin, CHAT, "/roadmap")
    data = next(
        button["callback_data"]
        for row in overview["reply_markup"]["inline_keyboard"]
        for button in row
        if button["callback_data"].startswith("rm:s:")
    )
    standin.fail_next("answerCallbackQuery", status=status, times=times, description=description)
    sent_before = len(standin.sent_messages(CHAT))
    standin.push_callback(CHAT, overview["message_id"], data)

    [edit] = wait_for_calls(standin, "editMessageText", 1, status=200)
    assert "Stage 1/" in edit.params["text"]  # the press did what it says
    time.sleep(0.5)
    assert len(standin.sent_messages(CHAT)) == sent_before  # and no apology follows it
    assert " ERROR " not in bot.log()


# 5. An update that cannot be read; a token that is refused ------------------------------------


def test_an_unreadable_update_is_skipped_logged_once_and_polling_goes_on(
    standin: BotApiStandIn, bot: BotProcess
) -> None:
    secret_detail = "payload-detail-that-must-not-be-logged"
    bad = standin.push_raw({"message": {"message_id": 1, "date": secret_detail,
                                        "chat": {"id": CHAT, "type": "private"}}})
    reply = ask(standin, CHAT, "/help")  # queued after it, in the same or the next batch
    assert "/salary" in reply["text"]
    # the offset moved past the bad update: polling goes on with later updates
    assert ask(standin, CHAT, "/help")["text"] == reply["text"]
    time.sleep(1.0)
    log = bot.log()
    skipped = [line for line in log.splitlines() if "skipped update" in line]
    assert len(skipped) == 1 and f"skipped update {bad['update_id']}" in skipped[0]
    # the payload is not in any warning or error line (DEBUG, as here, logs every body)
    loud = [line for line in log.splitlines() if re.search(r" (WARNING|ERROR|CRITICAL) ", line)]
    assert not [line for line in loud if secret_detail in line]
    assert " CRITICAL " not in log and len(standin.calls_to("getUpdates")) < 50


def test_a_token_refused_by_getupdates_stops_the_process_with_a_clear_message(
    standin: BotApiStandIn, bot: BotProcess
) -> None:
    ask(standin, CHAT, "/help")
    standin.fail_next("getUpdates", status=401, description="Unauthorized")
    assert bot.process is not None
    exit_code = bot.process.wait(TIMEOUT)
    assert exit_code == 1
    log = bot.log()
    assert "Telegram refused the bot token" in log
    assert "career-advisor: Telegram refused TELEGRAM_BOT_TOKEN (401 Unauthorized)" in (
        log.splitlines()
    )
    assert " ERROR " not in log and "Unclosed" not in log  # a clean stop, not a crash
    assert_log_keeps_the_token_secret(bot)


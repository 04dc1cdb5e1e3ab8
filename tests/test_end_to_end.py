"""End to end: the real `python -m bot` process against the Bot API stand-in on 127.0.0.1.

The stand-in checks every request as Telegram would (HTML, lengths, callback data), so any
message the bot gets wrong shows up in `standin.errors`.
"""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path
from typing import Any

from bot.core.conversation import UserState
from bot.core.dialogue import COMMANDS
from bot.core.profile import Profile
from standin.bot_process import BotProcess
from standin.botapi import DEFAULT_USER_ID, BotApiStandIn
from tests.support.backends import Backend

PRIVATE = DEFAULT_USER_ID
GROUP = -100500
TIMEOUT = 20.0


class Conversation:
    """Send like a user, wait for the bot's answers like a user."""

    def __init__(self, standin: BotApiStandIn, chat_id: int = PRIVATE) -> None:
        self.standin = standin
        self.chat_id = chat_id

    def count(self) -> int:
        return len(self.standin.sent_messages(self.chat_id))

    def wait_new(self, before: int, expected: int = 1) -> list[dict[str, Any]]:
        messages = self.standin.wait_for_messages(self.chat_id, before + expected, TIMEOUT)
        return messages[before:]

    def say(self, text: str) -> dict[str, Any]:
        before = self.count()
        if self.chat_id < 0:
            mention = re.match(r"@\w+", text)
            entities = (
                [{"type": "mention", "offset": 0, "length": mention.end()}] if mention else None
            )
            self.standin.push_group_message(self.chat_id, text, entities=entities)
        else:
            self.standin.push_message(self.chat_id, text)
        return self.wait_new(before)[-1]

    def press(self, message: dict[str, Any], label_start: str) -> dict[str, Any]:
        data = button_data(message, label_start)
        before = self.count()
        answered = len(self.standin.answered_callbacks)
        self.standin.push_callback(self.chat_id, message["message_id"], data)
        self.standin.wait_for(lambda: len(self.standin.answered_callbacks) > answered, TIMEOUT)
        return self.wait_new(before)[-1]


    def press_and_edit(self, message: dict[str, Any], data_start: str) -> dict[str, Any]:
        """Press a button that edits its own message; return the message as edited."""
        data = next(d for _, d in buttons(message) if d.startswith(data_start))
        edits = len(self.standin.calls_to("editMessageText"))
        self.standin.push_callback(self.chat_id, message["message_id"], data)
        self.standin.wait_for(
            lambda: len(self.standin.calls_to("editMessageText")) > edits, TIMEOUT
        )
        edited = self.standin.message(self.chat_id, message["message_id"])
        assert edited is not None
        return edited


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


def button_data(message: dict[str, Any], label_start: str) -> str:
    return next(data for label, data in buttons(message) if label.startswith(label_start))


def test_a_scripted_conversation_covers_every_feature(
    standin: BotApiStandIn, bot: BotProcess, tmp_path: Path
) -> None:
    assert [c["command"] for c in standin.commands] == [name for name, _ in COMMANDS]
    chat = Conversation(standin)

    welcome = chat.say("/start")
    assert "Welcome to Career Advisor" in welcome["text"]
    assert len(buttons(welcome)) == 4

    answer = chat.press(welcome, "Which certifications?")
    assert "[1]" in answer["text"] and "Sources" in answer["text"]
    assert standin.chat_actions == []  # fast replies need no "typing…"

    standin.delay_next("sendMessage", 1.0)  # a slow network: the reply takes a second
    slow = chat.say("what does an ML engineer do?")
    assert "[1]" in slow["text"]
    assert [(a.chat_id, a.action) for a in standin.chat_actions] == [(PRIVATE, "typing")]

    sources = chat.press(answer, "Why?")
    assert "The passages behind my answer" in sources["text"]
    more = chat.say("tell me more")
    assert "More on:" in more["text"]

    chat.say("how much do ML engineers earn in Pakistan?")
    follow_up = chat.say("and in India?")
    assert "India" in follow_up["text"].splitlines()[0] and "₹" in follow_up["text"]

    for command in ("/help", "/roadmap", "/salary india", "/sources", "/reset", "/nonsense"):
        assert chat.say(command)["text"], command
    assert "Ask me a question first" in chat.say("why?")["text"]

    before = chat.count()
    standin.push_sticker(PRIVATE)
    assert "text messages only" in chat.wait_new(before)[0]["text"]
    before = chat.count()
    standin.push_photo(PRIVATE)
    assert "text messages only" in chat.wait_new(before)[0]["text"]

    group = Conversation(standin, GROUP)
    standin.push_group_message(GROUP, "anyone know a good pizza place?")
    mention = group.say("@CareerAdvisorTestBot what skills do I need?")
    assert "[1]" in mention["text"]
    assert "pizza" not in json.dumps(standin.sent_messages(GROUP))
    assert len(standin.sent_messages(GROUP)) == 1  # the unaddressed message got no reply
    salary = group.say("/salary@CareerAdvisorTestBot india")
    assert "earn" in salary["text"].lower() or "salar" in salary["text"].lower()

    assert standin.errors == [], [e.description for e in standin.errors]
    log = bot.log()
    assert "DEBUG" in log and "getUpdates" in log  # the log is really at DEBUG...
    assert standin.token not in log  # ...and still never shows the token
    assert standin.token.split(":")[1] not in log


def test_state_survives_a_restart(
    standin: BotApiStandIn, backend: Backend, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    first = BotProcess(standin, data_dir, tmp_path / "bot.log", extra_env=backend.env()).start()
    first.wait_until_polling()
    chat = Conversation(standin)
    answer = chat.say("what skills does an ML engineer need?")
    assert first.stop(signal.SIGTERM) == 0
    saved = backend.read(data_dir, chat.chat_id, None).chat
    assert saved.history[-1].question == "what skills does an ML engineer need?"

    second = BotProcess(standin, data_dir, tmp_path / "bot.log", extra_env=backend.env()).start()
    second.wait_until_polling()
    try:
        more = chat.say("tell me more")
        assert "More on: what skills does an ML engineer need?" in more["text"]
        why = chat.press(answer, "Why?")  # a button from before the restart still works
        assert "what skills does an ML engineer need?" in why["text"]
    finally:
        assert second.stop(signal.SIGINT) == 0
    assert standin.errors == []


def test_roadmap_progress_and_profile_survive_a_restart(
    standin: BotApiStandIn, backend: Backend, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    first = BotProcess(standin, data_dir, tmp_path / "bot.log", extra_env=backend.env()).start()
    first.wait_until_polling()
    chat = Conversation(standin)
    try:
        overview = chat.say("/roadmap")
        assert "0/" in overview["text"]
        stage = chat.press_and_edit(overview, "rm:s:")
        assert "Stage 1/" in stage["text"]
        ticked = chat.press_and_edit(stage, "rm:t:")
        assert "(1/" in ticked["text"]
        following = chat.press_and_edit(ticked, "rm:s:")  # Next: the same message again
        assert "Stage 2/" in following["text"]
        profile = chat.say("/profile india senior")
        assert "Saved" in profile["text"]
        salary = chat.say("/salary pk entry")
        assert "Pakistan" in salary["text"].splitlines()[0]
        switched = chat.press_and_edit(salary, "sal:f:us:")
        assert "US" in switched["text"].splitlines()[0]
    finally:
        assert first.stop(signal.SIGTERM) == 0

    second = BotProcess(standin, data_dir, tmp_path / "bot.log", extra_env=backend.env()).start()
    second.wait_until_polling()
    try:
        overview = chat.say("/roadmap")
        assert "1/" in overview["text"] and "Your next step" in overview["text"]
        salary = chat.say("/salary")  # the profile is the default
        header = salary["text"].splitlines()[0]
        assert "India" in header and "senior" in header.lower()
    finally:
        assert second.stop(signal.SIGINT) == 0
    assert standin.errors == []


def test_an_earlier_releases_state_json_is_imported_at_the_first_start(
    standin: BotApiStandIn, backend: Backend, tmp_path: Path
) -> None:
    """Upgrading keeps what users saved: the old snapshot's profile is the /salary default."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    profile = UserState(profile=Profile(region="india", level="senior")).to_dict()
    old = {"format": 1, "user_data": {str(PRIVATE): {"user": profile}}, "chat_data": {},
           "bot_data": {}}
    (data_dir / "state.json").write_text(json.dumps(old), encoding="utf-8")
    bot = BotProcess(standin, data_dir, tmp_path / "bot.log", extra_env=backend.env()).start()
    bot.wait_until_polling()
    try:
        header = Conversation(standin).say("/salary")["text"].splitlines()[0]
        assert "India" in header and "senior" in header.lower()
    finally:
        assert bot.stop(signal.SIGTERM) == 0
    assert not (data_dir / "state.json").exists()
    assert len(list(data_dir.glob("state.json.imported-*"))) == 1
    assert "Imported 0 chats and 1 users" in bot.log()


def test_without_a_valid_token_it_says_so_in_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    from standin.bot_process import ROOT

    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env={"TELEGRAM_BOT_TOKEN": "not-a-token", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "TELEGRAM_BOT_TOKEN" in lines[0]
    assert "not-a-token" not in result.stderr and "Traceback" not in result.stderr


def test_a_deep_link_opens_its_view_and_an_unknown_one_the_welcome(
    standin: BotApiStandIn, bot: BotProcess
) -> None:
    chat = Conversation(standin)
    view = chat.say("/start salary_pk_entry")  # what t.me/<bot>?start=salary_pk_entry sends
    assert "Entry-level ML engineers in 🇵🇰 Pakistan" in view["text"] and "PKR" in view["text"]
    follow_up = chat.say("and in India?")  # the view is remembered like /salary pk entry
    assert "India" in follow_up["text"]
    roadmap = chat.say("/start roadmap_beginner")
    assert roadmap["text"].startswith("Starting point for a beginner")
    welcome = chat.say("/start no_such_thing")
    assert "Welcome to Career Advisor" in welcome["text"]
    assert standin.errors == []


def test_an_inline_query_is_answered_end_to_end(standin: BotApiStandIn, bot: BotProcess) -> None:
    assert standin.bot_user["supports_inline_queries"]
    standin.push_inline_query(PRIVATE, "certifications")
    standin.push_inline_query(PRIVATE, "best pizza in town")
    on_topic, off_topic = standin.wait_for(
        lambda: standin.answered_inline_queries[:2]
        if len(standin.answered_inline_queries) >= 2 else None,
        TIMEOUT,
    )
    answered = {len(a.results) > 0: a for a in (on_topic, off_topic)}
    assert answered[False].results == []  # off-topic: nothing offered
    results = answered[True].results
    assert 1 < len(results) <= 3 and results[0]["title"] == "Certifications"
    for result in results:
        content = result["input_message_content"]
        assert content["parse_mode"] == "HTML"
        assert "[1]" in content["message_text"] and "Sources" in content["message_text"]
    assert answered[True].cache_time == 300 and not answered[True].is_personal
    assert standin.sent_messages() == []  # an inline query sends nothing to any chat
    assert standin.errors == []

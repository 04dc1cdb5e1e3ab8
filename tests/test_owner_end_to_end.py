"""End to end against the Bot API stand-in: a vote, and /forget surviving a restart."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from bot.core.conversation import ChatState, UserState
from bot.core.feedback import DOWN, UP
from bot.storage.turns import QuestionLog
from standin.bot_process import BotProcess
from standin.botapi import BotApiStandIn
from tests.support.backends import Backend
from tests.test_end_to_end import TIMEOUT, Conversation, buttons


def question_log(backend: Backend, data_dir: Path) -> QuestionLog:
    async def read() -> QuestionLog:
        store = backend.store(data_dir)
        await store.open()
        try:
            return await store.question_log(0)
        finally:
            await store.close()

    return asyncio.run(read())


def vote(standin: BotApiStandIn, chat: Conversation, message: dict, label: str) -> str:
    """Press 👍 or 👎 under an answer; the notice the stand-in got back."""
    data = next(d for text, d in buttons(message) if text.startswith(label))
    answered = len(standin.answered_callbacks)
    edits = len(standin.calls_to("editMessageReplyMarkup"))
    standin.push_callback(chat.chat_id, message["message_id"], data)
    standin.wait_for(lambda: len(standin.answered_callbacks) > answered
                     and len(standin.calls_to("editMessageReplyMarkup")) > edits, TIMEOUT)
    return standin.answered_callbacks[-1].text or ""


def start(standin: BotApiStandIn, backend: Backend, tmp_path: Path) -> BotProcess:
    bot = BotProcess(standin, tmp_path / "data", tmp_path / "bot.log",
                     extra_env=backend.env()).start()
    bot.wait_until_polling()
    return bot


def test_a_vote_is_acknowledged_stored_and_changeable_after_a_restart(
    standin: BotApiStandIn, backend: Backend, tmp_path: Path
) -> None:
    chat = Conversation(standin)
    first = start(standin, backend, tmp_path)
    try:
        answer = chat.say("do I need a master's degree?")
        assert [label for label, _ in buttons(answer)][-2:] == ["👍", "👎"]
        before = chat.count()
        assert "noted" in vote(standin, chat, answer, "👎")
        assert chat.count() == before  # acknowledged as a notice, no message
        marked = standin.message(chat.chat_id, answer["message_id"])
        assert marked is not None and "👎 ✓" in [label for label, _ in buttons(marked)]
    finally:
        assert first.stop(signal.SIGTERM) == 0
    [logged] = question_log(backend, tmp_path / "data").questions
    assert logged.question == "do I need a master's degree?" and logged.vote == DOWN
    assert logged.passages and logged.coverage in ("full", "partial")

    second = start(standin, backend, tmp_path)
    try:
        marked = standin.message(chat.chat_id, answer["message_id"])
        assert "Glad" in vote(standin, chat, marked, "👍")  # the button outlived the restart
    finally:
        assert second.stop(signal.SIGTERM) == 0
    assert [q.vote for q in question_log(backend, tmp_path / "data").questions] == [UP]
    assert standin.errors == [], [e.description for e in standin.errors]


def test_after_forget_the_user_is_unknown_even_after_a_restart(
    standin: BotApiStandIn, backend: Backend, tmp_path: Path
) -> None:
    chat = Conversation(standin)
    first = start(standin, backend, tmp_path)
    try:
        chat.say("/profile india senior")
        chat.say("what skills does an ML engineer need?")
        privacy = chat.say("/privacy")
        assert "90 days" in privacy["text"] and "/forget" in privacy["text"]
        confirm = chat.say("/forget")
        assert "cannot be undone" in confirm["text"]
        done = chat.press_and_edit(confirm, "forget:yes")
        assert "deleted everything" in done["text"]
    finally:
        assert first.stop(signal.SIGTERM) == 0
    stored = backend.read(tmp_path / "data", chat.chat_id, chat.chat_id)
    assert (stored.chat, stored.user) == (ChatState(), UserState())
    assert question_log(backend, tmp_path / "data").questions == ()

    second = start(standin, backend, tmp_path)
    try:
        assert "Ask me a question first" in chat.say("why?")["text"]  # no chat context
        salary = chat.say("/salary")  # no saved profile any more: not India's senior pay
        header = salary["text"].splitlines()[0]
        assert "India" not in header or "senior" not in header.lower()
    finally:
        assert second.stop(signal.SIGTERM) == 0
    assert standin.errors == [], [e.description for e in standin.errors]

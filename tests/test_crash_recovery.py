"""kill -9 at random moments of a conversation with the real bot, then a restart: the state on
disk is that of the last answered update (or of the one being answered), never corrupt, and
the conversation goes on exactly as an uninterrupted one would.

The same dialogue runs in this process beside the bot, so every reply and every state the bot
should have is known exactly: a context, profile or roadmap tick lost in a crash would show
as a state mismatch, and then as a different reply.
"""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path
from typing import Any

from bot.core.conversation import ChatState, UserState
from bot.core.dialogue import Dialogue, Incoming, Press, parse_typed
from standin.bot_process import BotProcess
from standin.botapi import DEFAULT_USER_ID, BotApiStandIn
from standin.replies import expected_texts, is_reply, latest_with_button
from tests.support.backends import Backend

CHAT = DEFAULT_USER_ID  # a private chat: chat id and user id are the same
TYPED = (
    "what skills does an ML engineer need?", "which certifications should I get?",
    "how much do ML engineers earn in India?", "tell me more", "why?", "and in the US?",
    "/roadmap", "/profile", "/salary", "/start",
)
KILLS = 6


class Driver:
    """One user talking to the bot; knows what the bot must reply and hold."""

    def __init__(self, standin: BotApiStandIn, dialogue: Dialogue) -> None:
        self.standin = standin
        self.dialogue = dialogue
        self.state, self.user = ChatState(), UserState()
        self.buttons: list[str] = []
        self.rng = random.Random(20261121)

    def replies(self) -> list[Any]:
        """Every reply the user has seen: sent messages and edits, in order."""
        return [call for call in self.standin.calls if is_reply(call)]

    def next_event(self) -> tuple[Incoming, str]:
        if self.buttons and self.rng.random() < 0.4:
            data = self.rng.choice(self.buttons)
            return Press(data), data
        typed = self.rng.choice(TYPED)
        return parse_typed(typed), typed

    def send(self, event: Incoming, raw: str) -> None:
        if isinstance(event, Press):
            message = latest_with_button(self.standin, CHAT, raw)
            self.standin.push_callback(CHAT, message, raw)
        else:
            self.standin.push_message(CHAT, raw)

    def advance(self, event: Incoming) -> tuple[ChatState, UserState, list[str], list[str]]:
        """The state, user state, reply texts and buttons that `event` must lead to."""
        turn = self.dialogue.respond(self.state, event, self.user)
        texts = expected_texts(event, turn.reply)
        buttons = [button.data for button in turn.reply.button_list]
        return turn.state, turn.user or self.user, texts, buttons

    def step(self, event: Incoming, raw: str) -> None:
        """Send one update, check its replies, and move on."""
        state, user, texts, buttons = self.advance(event)
        seen = len(self.replies())
        self.send(event, raw)
        got = self.wait_replies(seen + len(texts))[seen:]
        assert [call.params["text"] for call in got] == texts, raw
        self.state, self.user, self.buttons = state, user, buttons

    def wait_replies(self, count: int, timeout: float = 15.0) -> list[Any]:
        return self.standin.wait_for(
            lambda: (r := self.replies()) and len(r) >= count and r, timeout
        )


def _arrives(driver: Driver, count: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if len(driver.replies()) >= count:
            return True
        time.sleep(0.02)
    return False


def persisted(backend: Backend, data_dir: Path) -> tuple[ChatState, UserState]:
    """The state a restarted bot would load (reading it also proves the store is not torn)."""
    stored = backend.read(data_dir, CHAT, CHAT)
    return stored.chat, stored.user


def test_kill_9_at_random_moments_keeps_every_answered_update(
    backend: Backend, tmp_path: Path
) -> None:
    dialogue = Dialogue()
    data_dir = tmp_path / "data"
    rng = random.Random(7)
    with BotApiStandIn() as standin:
        driver = Driver(standin, dialogue)
        bot = BotProcess(
            standin, data_dir, tmp_path / "bot.log", log_level="INFO", extra_env=backend.env()
        )
        bot.start().wait_until_polling(60)
        outcomes: list[str] = []
        for kill in range(KILLS):
            # a few answered updates, then one during which the bot is killed
            for _ in range(rng.randint(1, 4)):
                driver.step(*driver.next_event())
            event, raw = driver.next_event()
            after_state, after_user, texts, _ = driver.advance(event)
            seen = len(driver.replies())
            driver.send(event, raw)
            time.sleep(rng.uniform(0.0, 0.03))  # anywhere from before the update to after
            assert bot.process is not None
            bot.process.send_signal(signal.SIGKILL)
            bot.process.wait(10)
            answered = len(driver.replies()) >= seen + len(texts)

            state, user = persisted(backend, data_dir)
            kept = (state, user) == (after_state, after_user)
            changes = (after_state, after_user) != (driver.state, driver.user)
            if answered:  # the user saw the reply: its state must have survived
                assert kept, f"kill {kill}: an answered update was forgotten"
            else:
                assert kept or (state, user) == (driver.state, driver.user), f"kill {kill}"

            bot.start().wait_until_polling(60)
            # An update fetched but not yet confirmed is fetched again after the restart.
            late = not answered and _arrives(driver, seen + len(texts), within=2.0)
            if late:
                got = driver.replies()[seen:seen + len(texts)]
                assert [call.params["text"] for call in got] == texts
                assert not (kept and changes), f"kill {kill}: an update was applied twice"
            if answered or kept or late:
                driver.state, driver.user = after_state, after_user
            outcomes.append(
                "answered before the kill" if answered
                else "answered after the restart" if late
                else "applied, reply lost" if kept and changes
                else "lost before it was applied"
            )
        print(f"kill -9 outcomes ({backend.name}):", outcomes)
        assert len(outcomes) == KILLS
        # after all the kills the conversation still goes on exactly as expected
        for typed in ("tell me more", "why?", "/roadmap"):
            driver.step(parse_typed(typed), typed)
        bot.stop()

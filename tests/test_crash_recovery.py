"""kill -9 at random moments of a conversation with the real bot, then a restart: the state on
disk is that of the last answered update (or of the one being answered), never corrupt, no
update is lost (one fetched but not finished is finished after the restart), and the
conversation goes on exactly as an uninterrupted one would.

The same dialogue runs in this process beside the bot, so every reply and every state the bot
should have is known exactly: a context, profile or roadmap tick lost in a crash would show
as a state mismatch, and then as a different reply.
"""

from __future__ import annotations

import random
import signal
import time
from collections import Counter
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
KILLS = 15  # per backend: 30 in all


class Driver:
    """One user talking to the bot; knows what the bot must reply and hold."""

    def __init__(self, standin: BotApiStandIn, dialogue: Dialogue) -> None:
        self.standin = standin
        self.dialogue = dialogue
        self.state, self.user = ChatState(), UserState()
        self.buttons: list[str] = []
        self.last_texts: list[str] = []
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
        self.last_texts = texts

    def wait_replies(self, count: int, timeout: float = 15.0) -> list[Any]:
        return self.standin.wait_for(
            lambda: (r := self.replies()) and len(r) >= count and r, timeout
        )


def persisted(backend: Backend, data_dir: Path) -> tuple[ChatState, UserState]:
    """The state a restarted bot would load (reading it also proves the store is not torn)."""
    stored = backend.read(data_dir, CHAT, CHAT)
    return stored.chat, stored.user


def test_kill_9_at_random_moments_loses_no_update(backend: Backend, tmp_path: Path) -> None:
    """Every update is answered (before the kill, or after the restart: it was kept in the
    store when fetched, and its reply when applied), applied once, and its state kept."""
    dialogue = Dialogue()
    data_dir = tmp_path / "data"
    rng = random.Random(7)
    with BotApiStandIn() as standin:
        driver = Driver(standin, dialogue)
        bot = BotProcess(
            standin, data_dir, tmp_path / "bot.log", log_level="INFO", extra_env=backend.env()
        )
        bot.start().wait_until_polling(60)
        try:
            outcomes: Counter[str] = Counter()
            for kill in range(KILLS):
                # a few answered updates, then one during which the bot is killed
                for _ in range(rng.randint(1, 3)):
                    driver.step(*driver.next_event())
                event, raw = driver.next_event()
                after_state, after_user, texts, buttons = driver.advance(event)
                seen = len(driver.replies())
                driver.send(event, raw)
                time.sleep(rng.uniform(0.0, 0.03))  # anywhere from before the update to after
                assert bot.process is not None
                bot.process.send_signal(signal.SIGKILL)
                bot.process.wait(10)
                answered = len(driver.replies()) >= seen + len(texts)

                state, user = persisted(backend, data_dir)
                if answered:  # the user saw the reply: its state must have survived
                    assert (state, user) == (after_state, after_user), f"kill {kill}: forgotten"
                else:  # applied or not yet: never half of it
                    assert (state, user) in ((after_state, after_user), (driver.state, driver.user))

                bot.start().wait_until_polling(60)
                driver.wait_replies(seen + len(texts))
                # every update fetched before the kill is done (its reply sent again if need be)
                standin.wait_for(lambda: not backend.unfinished(data_dir), timeout=15.0)
                got = [call.params["text"] for call in driver.replies()[seen:]]
                # Killed between a send and marking it sent, the last update's reply (or this
                # one's) is sent again: the one case where a duplicate is preferred to a loss.
                twice = 0
                while got[: len(driver.last_texts)] == driver.last_texts != texts:
                    got, twice = got[len(driver.last_texts):], twice + 1
                assert got[: len(texts)] == texts, f"kill {kill}: lost or out of order"
                got = got[len(texts):]
                while got:  # anything more is one of the two replies again
                    again = next(
                        (t for t in (texts, driver.last_texts) if got[: len(t)] == t), None
                    )
                    assert again, f"kill {kill}: unexpected replies {got}"
                    got, twice = got[len(again):], twice + 1
                assert persisted(backend, data_dir) == (after_state, after_user), (
                    f"kill {kill}: applied twice or not at all"
                )
                driver.state, driver.user, driver.buttons = after_state, after_user, buttons
                outcome = "answered before the kill" if answered else "answered after the restart"
                outcomes[outcome + (", a reply sent twice" if twice else "")] += 1
            print(f"kill -9 outcomes ({backend.name}, {KILLS} kills):", dict(outcomes))
            assert sum(outcomes.values()) == KILLS
            # after all the kills the conversation still goes on exactly as expected
            for typed in ("tell me more", "why?", "/roadmap"):
                driver.step(parse_typed(typed), typed)
        finally:
            bot.stop()  # also when an assertion failed: no bot left running

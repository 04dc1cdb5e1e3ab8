"""Two bot processes in webhook mode on one PostgreSQL database, as a host runs several.

Updates of the same chats go alternately to one instance and the other. The same dialogue
runs in this process, so every reply and the state each chat must end with are known exactly:
a reply lost, doubled or computed from stale state (a profile or roadmap tick the other
instance had just saved) shows as a difference.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from pathlib import Path
from typing import Any

from bot.core.conversation import ChatState, UserState
from bot.core.dialogue import Dialogue, Incoming, Press, parse_typed
from standin.bot_process import BotProcess
from standin.botapi import BotApiStandIn
from standin.replies import expected_texts, is_reply, latest_with_button
from tests.support.backends import Backend
from tests.test_webhook import WEBHOOK_SECRET, free_port, post_update, start_webhook_bot

TYPED = (
    "/roadmap", "/profile india senior", "/salary", "what skills does an ML engineer need?",
    "tell me more", "why?", "/profile pakistan entry", "and in the US?", "/start",
    "which certifications should I get?",
)
CHATS = 6
ROUNDS = 12
TIMEOUT = 30.0


class Chat:
    """One private chat: what its user sends next, and what the bot must reply and keep."""

    def __init__(self, chat_id: int, dialogue: Dialogue, rng: random.Random) -> None:
        self.chat_id = chat_id
        self.dialogue = dialogue
        self.rng = rng
        self.state, self.user = ChatState(), UserState()
        self.buttons: list[str] = []
        self.expected: list[str] = []

    def replies(self, standin: BotApiStandIn) -> list[str]:
        return [
            str(call.params["text"]) for call in standin.calls
            if is_reply(call) and int(call.params["chat_id"]) == self.chat_id
        ]

    def next_update(self, standin: BotApiStandIn) -> dict[str, Any]:
        """Queue the next update at the stand-in (for its ids) and expect its replies."""
        event: Incoming
        if self.buttons and self.rng.random() < 0.4:
            data = self.rng.choice(self.buttons)
            event = Press(data)
            message = latest_with_button(standin, self.chat_id, data)
            update = standin.push_callback(self.chat_id, message, data)
        else:
            typed = self.rng.choice(TYPED)
            event = parse_typed(typed)
            update = standin.push_message(self.chat_id, typed)
        turn = self.dialogue.respond(self.state, event, self.user)
        self.expected += expected_texts(event, turn.reply)
        self.state, self.user = turn.state, turn.user or self.user
        self.buttons = [button.data for button in turn.reply.button_list]
        return update


def post_all(posts: list[tuple[int, dict[str, Any]]]) -> None:
    """POST each (port, update) at the same moment, as Telegram's parallel connections do."""
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda p=port, u=update: statuses.append(
            post_update(p, u, WEBHOOK_SECRET)))
        for port, update in posts
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert statuses == [200] * len(posts)


def test_two_webhook_instances_answer_each_update_once_and_share_state(
    standin: BotApiStandIn, postgres_url: str, tmp_path: Path
) -> None:
    backend = Backend("postgres", postgres_url)
    ports = [free_port(), free_port()]
    bots: list[BotProcess] = []
    try:
        for number, port in enumerate(ports):
            (tmp_path / f"bot{number}").mkdir()
            bots.append(start_webhook_bot(standin, tmp_path / f"bot{number}", port, backend.env()))
        dialogue = Dialogue()
        rng = random.Random(20261201)
        chats = [Chat(7000 + n, dialogue, rng) for n in range(CHATS)]

        # Every chat sends one update per round, all chats at once; a chat's updates alternate
        # between the instances, and its next one waits for the replies to the last.
        for round_number in range(ROUNDS):
            posts = [
                (ports[(round_number + n) % 2], chat.next_update(standin))
                for n, chat in enumerate(chats)
            ]
            post_all(posts)
            for chat in chats:
                standin.wait_for(
                    lambda c=chat: len(c.replies(standin)) >= len(c.expected), TIMEOUT
                )

        # Telegram may deliver one update twice (a retry after a timeout), here to both
        # instances at once: it is answered once.
        twice = chats[0].next_update(standin)
        post_all([(ports[0], twice), (ports[1], twice)])
        standin.wait_for(lambda: len(chats[0].replies(standin)) >= len(chats[0].expected),
                         TIMEOUT)

        # One chat's updates at once to both instances: each is applied once, none is lost.
        burst_chat = chats[1]
        burst = [f"burst question {n}: what skills does an ML engineer need?" for n in range(8)]
        updates = [standin.push_message(burst_chat.chat_id, text) for text in burst]
        before = len(burst_chat.replies(standin))
        post_all([(ports[n % 2], update) for n, update in enumerate(updates)])
        standin.wait_for(lambda: len(burst_chat.replies(standin)) >= before + len(burst), TIMEOUT)

        time.sleep(1.0)  # any second reply to an update would have arrived by now
        for chat in chats:
            replies = chat.replies(standin)
            if chat is burst_chat:
                assert replies[:before] == chat.expected
                assert len(replies) == before + len(burst)
            else:
                assert replies == chat.expected, f"chat {chat.chat_id}"
            stored = backend.read(tmp_path, chat.chat_id, chat.chat_id)
            assert stored.user == chat.user, f"chat {chat.chat_id}: profile or roadmap differs"
            if chat is not burst_chat:
                assert stored.chat == chat.state, f"chat {chat.chat_id}: context differs"
        asked = {exchange.question for exchange in backend.read(
            tmp_path, burst_chat.chat_id, None).chat.history}
        assert set(burst) <= asked  # every burst update was applied on top of the others
        # Expected refusals only: an edit to the view already shown, and the second answer to
        # the callback query delivered twice (the press is still applied once).
        unexpected = [
            e.description for e in standin.errors
            if not is_reply(e) and not (
                "callback_query" in twice and e.method == "answerCallbackQuery"
            )
        ]
        assert unexpected == []
    finally:
        codes = [bot.stop(signal.SIGTERM) for bot in bots]
    assert codes == [0, 0], "\n".join(bot.log()[-2000:] for bot in bots)
    for bot in bots:
        assert " ERROR " not in bot.log()

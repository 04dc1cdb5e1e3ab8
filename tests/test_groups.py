"""Groups end to end, the real bot against the stand-in: anonymous admins are one sender per
group (issue 14)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from standin.bot_process import BotProcess
from standin.botapi import BotApiStandIn
from tests.test_end_to_end import TIMEOUT

GROUP = -100600
OTHER_GROUP = -100700
CHANNEL, OTHER_CHANNEL = -100800, -100900


@pytest.fixture
def bot(standin: BotApiStandIn, tmp_path: Path) -> Iterator[BotProcess]:
    process = BotProcess(standin, tmp_path / "data", tmp_path / "bot.log")
    process.start().wait_until_polling()
    yield process
    process.stop()


def new_messages(standin: BotApiStandIn, chat_id: int, before: int) -> list[dict[str, Any]]:
    return standin.wait_for_messages(chat_id, before + 1, TIMEOUT)[before:]


def as_group(
    standin: BotApiStandIn, chat_id: int, text: str, channel: int | None = None
) -> dict[str, Any]:
    """A message from the group's anonymous admins, or sent as a channel; the bot's reply."""
    before = len(standin.sent_messages(chat_id))
    standin.push_message_as_chat(chat_id, text, sender_chat_id=channel)
    return new_messages(standin, chat_id, before)[-1]


def test_anonymous_admins_of_two_groups_are_two_senders(
    standin: BotApiStandIn, bot: BotProcess
) -> None:
    # Both groups' anonymous admins come from the same GroupAnonymousBot user.
    assert "Saved" in as_group(standin, GROUP, "/profile india senior")["text"]
    header = as_group(standin, OTHER_GROUP, "/salary")["text"].splitlines()[0]
    assert "by region" in header  # no profile here: not the other group's India, senior
    assert "India" in as_group(standin, GROUP, "/salary")["text"].splitlines()[0]
    # The same for two channels posting in a group: both come from the Channel_Bot user.
    as_group(standin, OTHER_GROUP, "/profile us entry", channel=CHANNEL)
    header = as_group(standin, OTHER_GROUP, "/salary", channel=OTHER_CHANNEL)["text"]
    assert "by region" in header.splitlines()[0]

    # A flood from one group's anonymous admins does not silence the other group's.
    for _ in range(21):  # 20 messages in 10 s are fine; the 21st is a flood
        standin.push_message_as_chat(GROUP, "/help")
    standin.wait_for(lambda: f"sender {GROUP} is flooding" in bot.log(), TIMEOUT)
    assert "How to use Career Advisor" in as_group(standin, OTHER_GROUP, "/help")["text"]
    assert standin.errors == [], [e.description for e in standin.errors]

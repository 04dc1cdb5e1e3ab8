"""Groups end to end, the real bot against the stand-in: a press on someone else's message is
the presser's alone, and anonymous admins are one sender per group (issue 14)."""

from __future__ import annotations

from typing import Any

from standin.bot_process import BotProcess
from standin.botapi import BotApiStandIn
from tests.test_end_to_end import TIMEOUT, buttons

GROUP = -100600
OTHER_GROUP = -100700
CHANNEL, OTHER_CHANNEL = -100800, -100900
ASHA, BILAL, CHEN = 1001, 2002, 3003  # three members of GROUP


def new_messages(standin: BotApiStandIn, chat_id: int, before: int) -> list[dict[str, Any]]:
    return standin.wait_for_messages(chat_id, before + 1, TIMEOUT)[before:]


def say(standin: BotApiStandIn, user_id: int, text: str, chat_id: int = GROUP) -> dict[str, Any]:
    """A group member's message (a bare menu command is answered); the bot's reply."""
    before = len(standin.sent_messages(chat_id))
    standin.push_group_message(chat_id, text, user_id=user_id)
    return new_messages(standin, chat_id, before)[-1]


def as_group(
    standin: BotApiStandIn, chat_id: int, text: str, channel: int | None = None
) -> dict[str, Any]:
    """A message from the group's anonymous admins, or sent as a channel; the bot's reply."""
    before = len(standin.sent_messages(chat_id))
    standin.push_message_as_chat(chat_id, text, sender_chat_id=channel)
    return new_messages(standin, chat_id, before)[-1]


def data_of(message: dict[str, Any], start: str) -> str:
    return next(data for _, data in buttons(message) if data.startswith(start))


def press(
    standin: BotApiStandIn, user_id: int, message: dict[str, Any], data: str
) -> tuple[list[dict[str, Any]], int]:
    """Press a button as this user: the messages the press sent, and the edits it made."""
    sent = len(standin.sent_messages(GROUP))
    edits = len(standin.calls_to("editMessageText"))
    answered = len(standin.answered_callbacks)
    standin.push_callback(GROUP, message["message_id"], data, user_id=user_id)
    standin.wait_for(lambda: len(standin.answered_callbacks) > answered, TIMEOUT)
    standin.wait_for(
        lambda: len(standin.sent_messages(GROUP)) > sent
        or len(standin.calls_to("editMessageText")) > edits,
        TIMEOUT,
    )
    return standin.sent_messages(GROUP)[sent:], len(standin.calls_to("editMessageText")) - edits


def mentioned(message: dict[str, Any]) -> list[int]:
    return [e["user"]["id"] for e in message.get("entities", []) if e["type"] == "text_mention"]


def test_a_press_on_someone_elses_message_changes_only_the_pressers_data(
    standin: BotApiStandIn, bot: BotProcess
) -> None:
    overview = say(standin, ASHA, "/roadmap")
    # Asha opens a stage under her own roadmap: in place, as in a private chat.
    sent, edits = press(standin, ASHA, overview, data_of(overview, "rm:s:"))
    assert (sent, edits) == ([], 1)
    stage = standin.message(GROUP, overview["message_id"])
    assert stage is not None and "(0/" in stage["text"]
    tick = data_of(stage, "rm:t:")
    assert tick.endswith(f"~{ASHA}")  # whose buttons these are

    # Bilal ticks an item under Asha's stage: his own progress, in a message of his own.
    [mine], edits = press(standin, BILAL, stage, tick)
    assert edits == 0
    assert standin.message(GROUP, stage["message_id"]) == stage  # Asha's message untouched
    assert mine["reply_to_message"]["message_id"] == stage["message_id"]
    assert mentioned(mine) == [BILAL] and mine["text"].startswith("For ")
    assert "(1/" in mine["text"]
    assert all(data.endswith(f"~{BILAL}") for _, data in buttons(mine))
    sent, edits = press(standin, BILAL, mine, data_of(mine, "rm:s:"))  # his: in place
    assert (sent, edits) == ([], 1)

    assert "1. Foundations 0/" in say(standin, ASHA, "/roadmap")["text"]  # Asha ticked nothing
    assert "1. Foundations 1/" in say(standin, BILAL, "/roadmap")["text"]

    # The same for the profile: Bilal's press on Asha's choices sets his region, not hers.
    profile = say(standin, ASHA, "/profile india senior")
    [saved], edits = press(standin, BILAL, profile, data_of(profile, "prof:r:us"))
    assert edits == 0 and "US" in saved["text"] and mentioned(saved) == [BILAL]
    assert "India" in say(standin, ASHA, "/salary")["text"].splitlines()[0]
    assert "US" in say(standin, BILAL, "/salary")["text"].splitlines()[0]

    # An anonymous admin's press is answered without naming them: that would unmask them.
    standin.set_chat_member(GROUP, CHEN, status="administrator", is_anonymous=True)
    [theirs], edits = press(standin, CHEN, profile, data_of(profile, "prof:r:pakistan"))
    assert edits == 0 and "Pakistan" in theirs["text"]
    assert mentioned(theirs) == [] and not theirs["text"].startswith("For ")
    assert standin.errors == [], [e.description for e in standin.errors]


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

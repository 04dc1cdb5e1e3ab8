"""An outage of the Bot API end to end: the real `python -m bot` process against the stand-in,
which goes really unreachable (connections refused, open ones cut) while replies are on their
way, then comes back on the same port.

A reply cut off by the outage must arrive exactly once when the API is back, in order within
its chat, and soon after (the retries back off to 5 s at most); one that the API is away too
long for is given up, logged and counted, and the bot goes on. getUpdates fails through the
outage too and PTB's polling must resume by itself. Counts are exact; waits are generous.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.telegram_adapter.delivery import LONGEST_RETRY_DELAY
from standin.bot_process import BotProcess
from standin.botapi import BotApiStandIn
from tests.support.bot_runs import ENV_SEND_RETRY_SECONDS, started_bot
from tests.test_faults_end_to_end import (
    CHAT,
    OTHER_CHAT,
    QUESTIONS,
    TIMEOUT,
    ask,
    assert_log_keeps_the_token_secret,
    sends_to,
    wait_for_log,
)

IN_FLIGHT_CHATS = range(3001, 3021)  # 20 chats with a reply cut off by the outage
# Each of those chats has asked two questions: the first reply is on the wire when the API
# goes, the second waits behind it for the chat's turn.
FIRST, SECOND = QUESTIONS[0], QUESTIONS[2]
HELD = 60.0  # seconds a reply is held on the wire; the outage cuts it long before
GIVE_UP_AFTER = 2  # seconds, for the test of a reply given up


@pytest.fixture
def bot(standin: BotApiStandIn, tmp_path: Path) -> Iterator[BotProcess]:
    """The bot with production settings: replies retried for up to 300 s."""
    process = started_bot(standin, tmp_path)
    yield process
    process.stop()


@pytest.fixture
def impatient_bot(standin: BotApiStandIn, tmp_path: Path) -> Iterator[BotProcess]:
    process = started_bot(standin, tmp_path, **{ENV_SEND_RETRY_SECONDS: str(GIVE_UP_AFTER)})
    yield process
    process.stop()


def cut_off_on_the_wire(standin: BotApiStandIn, questions: dict[int, list[str]]) -> None:
    """Push `questions` per chat and hold each chat's first reply on the wire (the bot waits
    for its answer) until the test takes the API away."""
    for _ in questions:
        standin.delay_next("sendMessage", HELD)
    for chat, asked in questions.items():
        standin.push_message(chat, asked[0])
    for chat, asked in questions.items():
        for text in asked[1:]:
            standin.push_message(chat, text)
    standin.wait_for(lambda: standin.held_calls == len(questions), TIMEOUT)


@pytest.mark.parametrize("outage", [3.0, 20.0], ids=["3s", "20s"])
def test_every_reply_in_flight_through_an_outage_arrives_once_in_order(
    standin: BotApiStandIn, bot: BotProcess, outage: float
) -> None:
    # The replies the two questions get, from a chat that is not cut off.
    expected = [ask(standin, OTHER_CHAT, FIRST)["text"], ask(standin, OTHER_CHAT, SECOND)["text"]]
    assert expected[0] != expected[1]

    cut_off_on_the_wire(standin, {chat: [FIRST, SECOND] for chat in IN_FLIGHT_CHATS})
    standin.outage(outage)
    standin.wait_for(lambda: standin.is_reachable, outage + TIMEOUT)
    [(went, came_back)] = standin.outages
    assert came_back is not None and came_back - went >= outage
    # A new chat asks as soon as the API is back: getUpdates failed through the outage, and
    # PTB's polling must resume by itself (its own backoff, up to 30 s, decides when).
    standin.push_message(CHAT, FIRST)

    def all_delivered() -> bool:
        return all(len(standin.sent_messages(chat)) >= 2 for chat in IN_FLIGHT_CHATS) and bool(
            standin.sent_messages(CHAT)
        )

    standin.wait_for(all_delivered, 2 * TIMEOUT)
    # a later send or a duplicate would come within a retry's wait: give it the time
    time.sleep(LONGEST_RETRY_DELAY + 1)

    for chat in IN_FLIGHT_CHATS:
        # once each, in the order asked
        assert [m["text"] for m in standin.sent_messages(chat)] == expected, chat
        attempts = sends_to(standin, chat)
        # cut on the wire (0), then both delivered; the retries during the outage found
        # nothing listening and left no trace here
        assert [call.status for call in attempts] == [0, 200, 200], chat
        assert attempts[0].params["text"] == attempts[1].params["text"]  # the same reply
        assert attempts[1].at > came_back
    [new_chat] = sends_to(standin, CHAT)
    assert new_chat.status == 200

    first_out = [sends_to(standin, chat)[1].at - came_back for chat in IN_FLIGHT_CHATS]
    assert max(first_out) < LONGEST_RETRY_DELAY + 2  # a retry's longest wait, and some slack
    print(
        f"\n{outage:.0f} s outage: {len(IN_FLIGHT_CHATS)} replies cut off on the wire and "
        f"{len(IN_FLIGHT_CHATS)} queued behind them; delivered "
        f"{sum(len(standin.sent_messages(chat)) for chat in IN_FLIGHT_CHATS)}, "
        f"cut off {sum(call.status == 0 for call in standin.calls_to('sendMessage'))}; "
        f"first replies out {min(first_out):.2f} to {max(first_out):.2f} s "
        f"(median {statistics.median(first_out):.2f} s) after the API came back; "
        f"a new chat's message sent then answered {new_chat.at - came_back:.2f} s after"
    )
    log = bot.log()
    assert " given up after " not in log
    assert " CRITICAL " not in log
    assert standin.errors == []
    assert_log_keeps_the_token_secret(bot)


def test_a_reply_the_api_is_away_too_long_for_is_given_up_logged_counted_and_the_bot_goes_on(
    standin: BotApiStandIn, impatient_bot: BotProcess
) -> None:
    bot = impatient_bot
    outage = GIVE_UP_AFTER + 3.0

    for count, chat in enumerate((CHAT, OTHER_CHAT), start=1):
        cut_off_on_the_wire(standin, {chat: [FIRST]})
        standin.outage(outage)
        line = wait_for_log(
            bot, rf"ERROR .*sendMessage to chat {chat} given up after .*; {count} given up since"
        )
        tried = float(line.split(" given up after ")[1].split(" s ")[0])
        assert GIVE_UP_AFTER <= tried < GIVE_UP_AFTER + 1
        assert standin.wait_for(lambda: standin.is_reachable, outage + TIMEOUT)

        # the bot goes on: the same chat and another are answered as usual
        again = ask(standin, chat, SECOND)
        other = ask(standin, CHAT + 100 + count, FIRST)
        assert again["text"] and other["text"]
        # the given-up reply never comes late, and no error note follows it
        assert [m["text"] for m in standin.sent_messages(chat)] == [again["text"]]
        assert [call.status for call in sends_to(standin, chat)] == [0, 200]

    assert " CRITICAL " not in bot.log()
    assert standin.errors == []
    assert_log_keeps_the_token_secret(bot)

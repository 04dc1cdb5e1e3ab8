"""Hostile and odd input, generated with hypothesis: whatever a user types, sends as a command
argument or forges as a button payload, no exception escapes and every reply is one Telegram
accepts (HTML its parser takes, 1-4096 characters after parsing per message, callback data of
at most 64 bytes).

The dialogue is exercised directly (cheap, so thousands of cases), then a smaller number of
cases go through the PTB handlers with the recording request, as Telegram would deliver them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.config import load_settings
from bot.core.conversation import ChatState, UserState
from bot.core.dialogue import COMMANDS, Command, Dialogue, Incoming, Media, Press, Text
from bot.core.limits import CALLBACK_DATA_LIMIT
from bot.core.reply import Reply
from bot.storage.sqlite_store import DB_FILE_NAME, SqliteStore
from bot.telegram_adapter.app import build_application
from bot.telegram_adapter.flood import FloodGuard
from bot.telegram_adapter.splitting import split_html
from standin.botapi import DEFAULT_TOKEN
from standin.telegram_html import prepare_message_text
from tests.support import updates
from tests.support.recording_request import RecordingRequest, buttons_of

# Totals per run: 1500 texts + 1000 commands + 1000 presses + 300 media + 400 conversations
# (of up to 6 events each) through the dialogue, and 300 updates through the PTB handlers.
DIALOGUE_CASES = 1000
HANDLER_CASES = 150
NO_DEADLINE = settings(
    deadline=None,
    # The harness fixture is reused across examples on purpose: the app is stateless enough.
    suppress_health_check=[
        HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture
    ],
)

# Pieces that have broken chat bots before: markup look-alikes, entities, bidi and zero-width
# characters, control characters, surrogates' neighbours, combining marks and emoji sequences.
NASTY_PIECES = (
    "<b>", "</b>", "</i>", "<i>", "<script>alert(1)</script>", "&amp;", "&lt;", "&", "<", ">",
    "&#x1F600;", "&#0;", "&nbsp;", "<a href=\"javascript:alert(1)\">x</a>", "<tg-spoiler>",
    "<blockquote>", "<pre><code class=\"language-python\">", "*bold*", "_it_", "`code`",
    "```", "[link](http://x)", "~~", "||spoiler||", "\\", "\u200b", "\u200d", "\u200e", "\u200f",
    "\u202e", "\u2066", "\ufeff", "\u0000", "\u0007", "\x1b[31m", "\r\n", "\t", "\n\n\n",
    "\u0301\u0301\u0301", "👨‍👩‍👧‍👦", "🏳️‍🌈", "مهندس یادگیری ماشین", "עברית", "ML", "salary",
    "india", "pakistan", "roadmap", "more", "why?", "and in India?", "/salary", "@Bot",
    "\U0010ffff", "\ue000", "﷽", "ㅤ", " ", "",
)
nasty_piece = st.sampled_from(NASTY_PIECES)
hostile_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(nasty_piece, st.text(max_size=8)), max_size=40).map("".join),
    st.builds(lambda piece, n: piece * n, nasty_piece, st.integers(1, 2500)),
    st.sampled_from(("", " ", "\n\t \u200b", "\u3000", "x" * 10_000, "<b>" * 3000)),
)
COMMAND_NAMES = [name for name, _ in COMMANDS]
command_name = st.one_of(
    st.sampled_from(COMMAND_NAMES),
    st.from_regex(r"[A-Za-z0-9_]{1,40}", fullmatch=True),
    st.text(max_size=50),
)
# Payloads start with the real prefixes often, so the parsers behind them are reached.
PRESS_PREFIXES = ("sal:", "rm:", "prof:", "ask:", "more:", "why:", "start:", "")
press_data = st.one_of(
    st.builds(str.__add__, st.sampled_from(PRESS_PREFIXES), hostile_text),
    st.builds(
        str.__add__,
        st.sampled_from(PRESS_PREFIXES),
        st.from_regex(r"[a-z0-9:_|,-]{0,60}", fullmatch=True),
    ),
    st.builds(lambda p, n: f"{p}{n}", st.sampled_from(("more:", "why:")), st.integers(-5, 10**30)),
)
media_kind = st.one_of(st.sampled_from(("sticker", "photo", "voice", "other")), st.text())
event = st.one_of(
    st.builds(Text, hostile_text),
    st.builds(Command, command_name, hostile_text),
    st.builds(Press, press_data),
    st.builds(Media, media_kind),
)


@pytest.fixture(scope="module")
def dialogue(advisor) -> Dialogue:
    built = Dialogue(advisor)
    built.warm_up()
    return built


def assert_telegram_accepts(reply: Reply) -> None:
    """The reply, split as the adapter splits it, is what Telegram would send unchanged."""
    parts = split_html(reply.html)
    assert parts, "an empty reply cannot be sent"
    for part in parts:
        parsed = prepare_message_text(part)  # raises MessageTextError as Telegram would refuse
        assert 1 <= parsed.length <= 4096
    for button in reply.button_list:
        assert button.label.strip()
        assert 1 <= len(button.data.encode("utf-8")) <= CALLBACK_DATA_LIMIT


def assert_state_survives_storage(state: ChatState, user: UserState | None) -> None:
    """What the adapter persists must be plain JSON and read back the same."""
    stored = json.loads(json.dumps(state.to_dict()))
    assert ChatState.from_dict(stored) == state
    if user is not None:
        assert UserState.from_dict(json.loads(json.dumps(user.to_dict()))) == user


def check(dialogue: Dialogue, state: ChatState, incoming: Incoming, user: UserState) -> Any:
    turn = dialogue.respond(state, incoming, user)
    assert_telegram_accepts(turn.reply)
    assert_state_survives_storage(turn.state, turn.user)
    return turn


# The dialogue ----------------------------------------------------------------------------------


@settings(NO_DEADLINE, max_examples=DIALOGUE_CASES + DIALOGUE_CASES // 2)
@given(text=hostile_text)
def test_any_text_gets_a_valid_reply(dialogue: Dialogue, text: str) -> None:
    check(dialogue, ChatState(), Text(text), UserState())


@settings(NO_DEADLINE, max_examples=DIALOGUE_CASES)
@given(name=command_name, args=hostile_text)
def test_any_command_and_argument_gets_a_valid_reply(
    dialogue: Dialogue, name: str, args: str
) -> None:
    check(dialogue, ChatState(), Command(name, args), UserState())


@settings(NO_DEADLINE, max_examples=DIALOGUE_CASES)
@given(data=press_data)
def test_any_forged_button_payload_gets_a_valid_reply(dialogue: Dialogue, data: str) -> None:
    check(dialogue, ChatState(), Press(data), UserState())


@settings(NO_DEADLINE, max_examples=300)
@given(kind=media_kind)
def test_any_media_kind_gets_a_valid_reply(dialogue: Dialogue, kind: str) -> None:
    check(dialogue, ChatState(), Media(kind), UserState())


@settings(NO_DEADLINE, max_examples=400)
@given(events=st.lists(event, min_size=2, max_size=6))
def test_conversations_of_odd_events_keep_valid_replies_and_state(
    dialogue: Dialogue, events: list[Incoming]
) -> None:
    """State carried from turn to turn (follow-ups, More, Why, views) stays valid too."""
    state, user = ChatState(), UserState()
    for incoming in events:
        turn = check(dialogue, state, incoming, user)
        state, user = turn.state, turn.user or user


def test_pressing_every_button_the_bot_offers_after_odd_input_stays_valid(
    dialogue: Dialogue,
) -> None:
    """The buttons the bot itself offers lead on to valid replies (two levels deep)."""
    state, user = ChatState(), UserState()
    seeds = [Command(name) for name in COMMAND_NAMES] + [Text("<b>salary</b> in india &amp; us")]
    for seed in seeds:
        first = check(dialogue, state, seed, user)
        for button in first.reply.button_list:
            second = check(dialogue, first.state, Press(button.data), first.user or user)
            for deeper in second.reply.button_list:
                check(dialogue, second.state, Press(deeper.data), second.user or user)


def test_forged_and_unknown_input_gets_a_harmless_reply(dialogue: Dialogue) -> None:
    forged = check(dialogue, ChatState(), Press("why:999999"), UserState())
    assert "older conversation" in forged.reply.html
    unknown = check(dialogue, ChatState(), Command("<script>", ""), UserState())
    assert "<script>" not in unknown.reply.html and "/help" in unknown.reply.html


# Through the PTB handlers ----------------------------------------------------------------------


class HandlerHarness:
    """The real Application with a recording request; one per test, reused across examples."""

    def __init__(self, advisor: Any, data_dir: Path) -> None:
        self.recorder = RecordingRequest()
        settings_ = load_settings({"TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN})
        self.app = build_application(
            settings_, Dialogue(advisor), store=SqliteStore(data_dir / DB_FILE_NAME),
            request=self.recorder,
        )
        # Every example comes from the same user; the flood guard has its own tests.
        self.app.flood_guard = FloodGuard(limit=10**9)

    async def feed(self, payload: dict[str, Any]) -> None:
        self.recorder.clear()
        errors: list[BaseException] = []

        async def keep(update: object, context: Any) -> None:
            errors.append(context.error)

        self.app.add_error_handler(keep)
        try:
            await self.app.process_update(Update.de_json(payload, self.app.bot))
        finally:
            self.app.remove_error_handler(keep)
        assert not errors, errors
        sent = self.recorder.sent() + self.recorder.sent("editMessageText")
        assert sent, "every message and press gets an answer"
        for call in sent:
            prepare_message_text(str(call.params["text"]))
            for _, data in buttons_of(call):
                assert 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT


@pytest.fixture
async def harness(advisor, tmp_path: Path) -> Any:
    built = HandlerHarness(advisor, tmp_path)
    async with built.app:
        yield built


def non_empty(text: str) -> bool:
    # Telegram never delivers an empty message; a message of spaces does arrive.
    return bool(text)


@settings(NO_DEADLINE, max_examples=HANDLER_CASES)
@given(text=hostile_text.filter(non_empty))
async def test_any_message_through_the_handlers_sends_valid_messages(
    harness: HandlerHarness, text: str
) -> None:
    # A leading "/" without a command entity is plain text to PTB, so both paths are covered.
    await harness.feed(updates.message_update(text))


@settings(NO_DEADLINE, max_examples=HANDLER_CASES)
@given(data=press_data.filter(lambda d: 1 <= len(d.encode("utf-8")) <= CALLBACK_DATA_LIMIT))
async def test_any_button_payload_through_the_handlers_sends_valid_messages(
    harness: HandlerHarness, data: str
) -> None:
    await harness.feed(updates.callback_update(data))


def test_every_button_data_is_read_back_by_the_codec() -> None:
    from bot.core.buttons import Action, button_data, payload_parts, read_button_data

    data = button_data(Action.SALARY, "f", "india", "senior")
    assert data == "sal:f:india:senior"
    action, payload = read_button_data(data)
    assert action == Action.SALARY and payload_parts(payload) == ["f", "india", "senior"]
    assert read_button_data("nonsense:1") == ("", "1")
    with pytest.raises(ValueError):
        button_data(Action.ASK, "a:b")
    with pytest.raises(ValueError):
        button_data(Action.ASK, "x" * 70)

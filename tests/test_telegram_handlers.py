"""The Telegram handlers offline, python-telegram-bot's way: a recording BaseRequest, real
update payloads through `Update.de_json`, `await app.process_update(update)`, and assertions on
what the bot sent."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from telegram import Update
from telegram.error import NetworkError
from telegram.ext import AIORateLimiter, Application, CallbackContext

from bot.config import load_settings, load_test_settings
from bot.core.dialogue import COMMANDS, Dialogue, Turn, parse_typed
from bot.core.markup import escape
from bot.core.reply import Reply
from bot.storage.failures import FailureKind
from bot.storage.sqlite_store import DB_FILE_NAME, SqliteStore
from bot.telegram_adapter.app import build_application
from bot.telegram_adapter.delivery import RetryingLimiter
from bot.telegram_adapter.handlers import (
    ERROR_NOTE,
    LONG_TEXT,
    NOT_SAVED_NOTE,
    on_error,
    respond,
)
from bot.telegram_adapter.typing_indicator import TYPING_DELAY
from standin.botapi import DEFAULT_TOKEN
from standin.telegram_html import prepare_message_text
from tests.support import updates
from tests.support.recording_request import RecordingRequest, buttons_of

CLOCK_SLACK = 0.001  # seconds


@pytest.fixture
def request_recorder() -> RecordingRequest:
    return RecordingRequest()


@pytest.fixture
async def app(
    advisor, tmp_path: Path, request_recorder: RecordingRequest
) -> AsyncIterator[Application]:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN})
    dialogue = Dialogue(advisor)
    dialogue.warm_up()  # as the bot does before its first update: no index build in a reply
    if advisor.engine.semantic is not None:  # and beside its first polls: no model load either
        advisor.engine.semantic.load_encoder()
    advisor.engine.analyzer.prepare_spelling()  # nor the filing of words for typos
    application = build_application(
        settings, dialogue, store=SqliteStore(tmp_path / DB_FILE_NAME),
        request=request_recorder,
    )
    async with application:
        request_recorder.clear()
        yield application


async def process(app: Application, payload: dict[str, Any]) -> None:
    await app.process_update(Update.de_json(payload, app.bot))


def assert_valid_for_telegram(recorder: RecordingRequest) -> None:
    for call in recorder.sent() + recorder.sent("editMessageText"):
        assert call.params["parse_mode"] == "HTML"
        prepare_message_text(str(call.params["text"]))  # raises as Telegram would refuse
        for _, data in buttons_of(call):
            assert 1 <= len(data.encode()) <= 64


async def test_start_welcomes_with_example_question_buttons(app, request_recorder) -> None:
    await process(app, updates.message_update("/start"))
    [sent] = request_recorder.sent()
    assert "Welcome to Career Advisor" in sent.params["text"]
    buttons = buttons_of(sent)
    assert len(buttons) == 4
    assert all(data.startswith("ask:") for _, data in buttons[:3])
    assert_valid_for_telegram(request_recorder)


async def test_a_question_gets_a_cited_answer_at_once(
    app, request_recorder, monkeypatch
) -> None:
    # A reply out before the delay gets no "typing…". The delay is raised so that a loaded
    # machine, which can take longer than 0.3 s over the whole update, cannot fail the test.
    monkeypatch.setattr("bot.telegram_adapter.typing_indicator.TYPING_DELAY", 5.0)
    await process(app, updates.message_update("what certifications should I get?"))
    methods = [call.method for call in request_recorder.calls]
    assert methods == ["sendMessage"]
    text = request_recorder.texts()[0]
    assert "[1]" in text and "<i>Sources:</i>" in text
    labels = [label for label, _ in buttons_of(request_recorder.sent()[0])]
    assert labels[:2] == ["More ▸", "Why? Show sources"]
    assert 1 <= len(labels) - 2 <= 3  # related questions
    assert_valid_for_telegram(request_recorder)


async def test_a_slow_answer_shows_typing_until_it_is_sent(app, request_recorder) -> None:
    app.search_in_thread = True  # the event loop stays free while the answer is worked out
    answer_now = app.dialogue.respond

    def answer_slowly(*args: Any) -> Turn:
        time.sleep(TYPING_DELAY + 0.3)
        return answer_now(*args)

    app.dialogue.respond = answer_slowly
    await process(app, updates.message_update("what certifications should I get?"))
    methods = [call.method for call in request_recorder.calls]
    assert methods == ["sendChatAction", "sendMessage"]
    assert request_recorder.calls[0].params["action"] == "typing"


async def test_typing_is_renewed_while_a_send_keeps_waiting(
    app, request_recorder, monkeypatch
) -> None:
    renewal = 0.2
    monkeypatch.setattr("bot.telegram_adapter.typing_indicator.TYPING_RENEWAL", renewal)
    request_recorder.delays["sendMessage"] = TYPING_DELAY + 1.0
    started = time.monotonic()
    await process(app, updates.message_update("what certifications should I get?"))
    finished = time.monotonic()
    # Asserted on when each request was made, not on counts or order: a loaded machine
    # stretches every step (the first "typing…" may even come before the send starts), and
    # with them how many renewals fit in. Timers fire late, never early (but for the event
    # loop's clock resolution).
    [send] = [call for call in request_recorder.calls if call.method == "sendMessage"]
    shown = [call.at for call in request_recorder.calls if call.method == "sendChatAction"]
    assert len(shown) == len(request_recorder.calls) - 1
    assert any(send.at < at < finished for at in shown)  # renewed while the send waited
    assert shown[0] - started >= TYPING_DELAY - CLOCK_SLACK
    assert all(later - earlier >= renewal - CLOCK_SLACK for earlier, later in pairwise(shown))
    assert len(shown) <= 1 + (finished - started - TYPING_DELAY) / renewal
    request_recorder.clear()
    await asyncio.sleep(0.5)
    assert request_recorder.calls == []  # and not after the send returned


async def test_follow_up_uses_the_previous_question(app, request_recorder) -> None:
    await process(app, updates.message_update("how much do ML engineers earn in Pakistan?"))
    await process(app, updates.message_update("and in India?"))
    follow_up = request_recorder.texts()[-1]
    assert "India" in follow_up.splitlines()[0]
    assert "₹" in follow_up and "PKR" not in follow_up


async def test_a_button_press_is_answered_at_once_then_replied(app, request_recorder) -> None:
    await process(app, updates.message_update("do I need a masters degree"))
    more = next(d for _, d in buttons_of(request_recorder.sent()[0]) if d.startswith("more:"))
    request_recorder.clear()
    await process(app, updates.callback_update(more))
    methods = [call.method for call in request_recorder.calls]
    assert methods[0] == "answerCallbackQuery"
    assert "sendMessage" in methods
    assert "More on:" in request_recorder.texts()[0]
    assert_valid_for_telegram(request_recorder)


@pytest.mark.parametrize("data", ["more:999", "why:abc", "zzz", "ask:no-such-question", ":"])
async def test_old_or_forged_buttons_get_a_harmless_reply(app, request_recorder, data) -> None:
    await process(app, updates.callback_update(data))
    assert request_recorder.calls[0].method == "answerCallbackQuery"
    [text] = request_recorder.texts()
    assert "older conversation" in text
    assert_valid_for_telegram(request_recorder)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [(updates.sticker_update(), "Nice sticker"), (updates.photo_update(), "picture")],
)
async def test_stickers_and_photos_get_a_friendly_note(app, request_recorder, payload, expected):
    await process(app, payload)
    [text] = request_recorder.texts()
    assert expected in text and "text messages only" in text


async def test_in_a_group_the_bot_is_silent_unless_addressed(app, request_recorder) -> None:
    await process(app, updates.message_update("what skills do I need?", chat_id=updates.GROUP_ID))
    await process(app, updates.sticker_update(chat_id=updates.GROUP_ID))
    await process(app, updates.message_update("/weather", chat_id=updates.GROUP_ID))
    await process(app, updates.message_update("/salary@OtherBot", chat_id=updates.GROUP_ID))
    assert request_recorder.sent() == []


@pytest.mark.parametrize(
    "payload",
    [
        updates.mention_update("what skills do I need?"),
        updates.reply_to_bot_update("what skills do I need?"),
        updates.message_update("/salary@CareerAdvisorTestBot india", chat_id=updates.GROUP_ID),
        updates.message_update("/help", chat_id=updates.GROUP_ID),
    ],
    ids=["mention", "reply", "addressed-command", "bare-command"],
)
async def test_in_a_group_the_bot_answers_when_addressed(app, request_recorder, payload) -> None:
    await process(app, payload)
    [sent] = request_recorder.sent()
    assert sent.params["chat_id"] == updates.GROUP_ID
    assert "reply_parameters" in sent.params  # quotes the question it answers
    assert "@CareerAdvisorTestBot" not in sent.params["text"]
    assert_valid_for_telegram(request_recorder)


async def test_every_menu_command_replies(app, request_recorder) -> None:
    for name, _ in COMMANDS:
        request_recorder.clear()
        await process(app, updates.message_update(f"/{name}"))
        assert len(request_recorder.sent()) >= 1, name
        assert_valid_for_telegram(request_recorder)


async def test_sources_lists_every_article_title(app, request_recorder, knowledge) -> None:
    await process(app, updates.message_update("/sources"))
    text = request_recorder.texts()[0]
    for article in knowledge.articles:
        assert article.entry.title in text


async def test_reset_forgets_the_context(app, request_recorder) -> None:
    await process(app, updates.message_update("what certifications should I get?"))
    await process(app, updates.message_update("/reset"))
    await process(app, updates.message_update("tell me more"))
    assert "Ask me a question first" in request_recorder.texts()[-1]


async def test_unknown_commands_point_to_help(app, request_recorder) -> None:
    await process(app, updates.message_update("/frobnicate now"))
    assert "/help" in request_recorder.texts()[0]


async def test_edited_messages_are_answered_as_new_questions(app, request_recorder) -> None:
    await process(app, updates.edited_update("what does an ML engineer do?"))
    [text] = request_recorder.texts()
    assert "[1]" in text


async def test_very_long_input_is_answered_without_error(app, request_recorder) -> None:
    question = "what skills do I need " + "really " * 2000
    await process(app, updates.message_update(question))
    [text] = request_recorder.texts()
    assert "Sorry, something went wrong" not in text
    assert_valid_for_telegram(request_recorder)


async def test_hostile_html_is_escaped(app, request_recorder) -> None:
    await process(app, updates.message_update("/x<script>&amp;</b>"))
    await process(app, updates.message_update("<b>what skills</i> do I need? &lt;"))
    assert len(request_recorder.texts()) == 2
    assert_valid_for_telegram(request_recorder)


async def test_a_long_reply_is_split_with_buttons_on_the_last_part(
    app, request_recorder, monkeypatch
) -> None:
    paragraphs = "\n\n".join(f"<b>Point {n}</b> " + "detail " * 120 for n in range(12))
    dialogue: Dialogue = app.dialogue
    long_reply = Reply(paragraphs, buttons=dialogue._example_buttons())

    def respond_long(self, state, event, user=None) -> Turn:
        return Turn(long_reply, state)

    monkeypatch.setattr(Dialogue, "respond", respond_long)
    await process(app, updates.message_update("anything"))
    sent = request_recorder.sent()
    assert len(sent) >= 3
    assert all(not buttons_of(call) for call in sent[:-1])
    assert buttons_of(sent[-1])
    assert_valid_for_telegram(request_recorder)


async def test_one_failing_update_gets_an_apology_and_the_bot_goes_on(
    app, request_recorder, monkeypatch
) -> None:
    def explode(self, state, event, user=None):
        raise RuntimeError("boom")

    with monkeypatch.context() as patch:
        patch.setattr(Dialogue, "respond", explode)
        await process(app, updates.message_update("what skills do I need?"))
    assert request_recorder.texts() == [ERROR_NOTE]
    request_recorder.clear()
    await process(app, updates.message_update("what skills do I need?"))
    assert "[1]" in request_recorder.texts()[0]


async def test_a_full_disk_gets_an_apology_a_clear_log_line_and_no_half_write(
    app, request_recorder, caplog: pytest.LogCaptureFixture
) -> None:
    """SQLite's own cap on the file's size fails a commit exactly as a full disk does."""
    await process(app, updates.message_update("what certifications should I get?"))
    store = app.store
    assert isinstance(store, SqliteStore)
    await store._run(_cap_at_current_size, store)
    # Each long question adds to the chat's history until its row needs a page there is no
    # room for; any reply before that is a normal answer, and saved.
    for attempt in range(1, 11):
        before = await store.read(updates.USER_ID, updates.USER_ID)
        request_recorder.clear()
        question = f"question {attempt}: what skills does an ML engineer need? " + "really " * 580
        await process(app, updates.message_update(question))
        if request_recorder.texts() == [escape(NOT_SAVED_NOTE)]:
            break
        assert "<i>Sources:</i>" in request_recorder.texts()[0]
    else:
        raise AssertionError("the capped database never filled up")
    [line] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "could not save update" in line.getMessage()
    assert line.getMessage().endswith("database or disk is full [disk full: 1 since start]")
    assert line.exc_info is None  # one clear line, not a traceback per update
    assert await store.read(updates.USER_ID, updates.USER_ID) == before  # nothing half-written
    # More of the same are counted, and apologised for, without a line each
    request_recorder.clear()
    await process(app, updates.message_update(question))
    assert request_recorder.texts() == [escape(NOT_SAVED_NOTE)]
    assert len([r for r in caplog.records if r.levelname == "ERROR"]) == 1
    assert app.storage_failures.counts == {FailureKind.DISK_FULL: 2}


def _cap_at_current_size(store: SqliteStore) -> None:
    db = store._db()
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")


async def test_a_lone_slash_is_answered_like_text(app, request_recorder) -> None:
    await process(app, updates.message_update("/"))
    [sent] = request_recorder.sent()
    assert sent.params["text"]
    assert_valid_for_telegram(request_recorder)


async def test_an_update_delivered_twice_is_applied_once(app, request_recorder) -> None:
    """Telegram sends again an update fetched but not confirmed before a crash."""
    first = updates.message_update("what certifications should I get?")
    await process(app, first)
    await process(app, first)
    assert len(request_recorder.sent()) == 1
    await process(app, updates.message_update("tell me more"))
    assert "More on:" in request_recorder.texts()[-1]


async def test_long_messages_are_answered_off_the_event_loop(
    app, request_recorder, monkeypatch
) -> None:
    threads: list[str] = []
    to_thread = asyncio.to_thread

    async def recording_to_thread(function: Any, *args: Any) -> Any:
        threads.append(args[1].text)
        return await to_thread(function, *args)

    monkeypatch.setattr("bot.telegram_adapter.handlers.asyncio.to_thread", recording_to_thread)
    short = "what certifications should I get?"
    long = "I have been a web developer for five years and " * 8 + short
    assert len(short) <= LONG_TEXT < len(long)
    await process(app, updates.message_update(short))
    await process(app, updates.message_update(long))
    assert threads == [long]
    assert len(request_recorder.sent()) == 2


@pytest.mark.parametrize(
    ("knobs", "telegram_limits", "in_thread"),
    [
        (None, True, False),  # production: no load-test knobs at all
        ({}, True, False),
        (
            {"CAREER_ADVISOR_RATE_LIMIT": "off", "CAREER_ADVISOR_SEARCH_IN_THREAD": "on"},
            False,
            True,
        ),
    ],
)
def test_load_test_knobs_reach_the_application(
    advisor, tmp_path: Path, knobs: dict[str, str] | None, telegram_limits: bool, in_thread: bool
) -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN})
    load_test = None if knobs is None else load_test_settings(knobs)
    application = build_application(
        settings,
        Dialogue(advisor),
        store=SqliteStore(tmp_path / DB_FILE_NAME),
        request=RecordingRequest(),
        load_test=load_test,
    )
    limiter = application.bot.rate_limiter
    assert isinstance(limiter, RetryingLimiter)
    assert isinstance(limiter.inner, AIORateLimiter) is telegram_limits
    assert application.search_in_thread is in_thread


async def test_a_fetched_update_waits_in_the_store_until_it_is_done(app, request_recorder) -> None:
    payload = updates.message_update("/help")
    await app.record_fetched([payload])
    assert [json.loads(text) for text in await app.store.unfinished()] == [payload]
    assert await app.resume_unfinished() == 1  # what a restart would do: queue it first
    assert Update.de_json(payload, app.bot) == await app.update_queue.get()
    await process(app, payload)
    assert [call.method for call in request_recorder.calls] == ["sendMessage"]
    assert await app.store.unfinished() == []


async def committed_but_not_sent(app: Application, text: str) -> tuple[dict[str, Any], Reply]:
    """An update fetched and applied, its reply kept, and then the bot "crashes"."""
    payload = updates.message_update(text)
    await app.record_fetched([payload])
    update = Update.de_json(payload, app.bot)
    reply = await respond(update, SimpleNamespace(application=app), parse_typed(text))
    assert reply is not None
    return payload, reply


async def test_a_reply_committed_but_never_sent_is_sent_after_the_restart(
    app, request_recorder
) -> None:
    """Taken up again after the restart, the update is not applied again, but its reply,
    kept with the commit, goes out; after that a redelivery gets nothing."""
    payload, reply = await committed_but_not_sent(app, "/roadmap")
    assert not request_recorder.calls
    assert await app.resume_unfinished() == 1  # the restart
    await app.process_update(await app.update_queue.get())
    (sent,) = request_recorder.sent()
    assert sent.params["text"] == reply.html
    assert buttons_of(sent) == [(b.label, b.data) for b in reply.button_list]
    await process(app, payload)  # Telegram delivers it once more: nothing happens
    assert len(request_recorder.calls) == 1
    assert await app.store.unfinished() == []


async def test_a_committed_update_delivered_again_without_a_restart_sends_nothing(
    app, request_recorder
) -> None:
    """Delivered again to another instance of a webhook bot, whose first copy's reply may be
    on its way: applied once, and not answered twice."""
    payload, _ = await committed_but_not_sent(app, "/roadmap")
    await process(app, payload)
    assert not request_recorder.calls


async def test_in_a_group_a_button_without_an_owner_is_never_taken_for_the_pressers(
    app, request_recorder
) -> None:
    """A group message's buttons name whose they are (bot.core.buttons.owned_data); one sent
    before they did may be anyone's, so the press gets a new message rather than an edit."""
    await process(app, updates.callback_update("rm:o", chat_id=updates.GROUP_ID))
    assert request_recorder.sent("editMessageText") == []
    [sent] = request_recorder.sent()
    assert "reply_parameters" in sent.params  # under the message that was pressed
    assert f'<a href="tg://user?id={updates.USER_ID}">Asha</a>' in sent.params["text"]
    assert {data.rpartition("~")[2] for _, data in buttons_of(sent)} == {str(updates.USER_ID)}
    assert_valid_for_telegram(request_recorder)

    request_recorder.clear()  # a private chat is unchanged: edited in place, nothing stamped
    await process(app, updates.callback_update("rm:o"))
    [edited] = request_recorder.sent("editMessageText")
    assert request_recorder.sent() == []
    assert all("~" not in data for _, data in buttons_of(edited))


async def test_an_update_dropped_for_flooding_is_finished_all_the_same(
    app, request_recorder
) -> None:
    """Dropped before it takes a slot, it must still leave the store's unfinished updates,
    or a restart would answer it after all."""
    while not app.flood_guard.is_quiet(updates.USER_ID):
        app.flood_guard.check(updates.USER_ID)
    payload = updates.message_update("what skills do I need?")
    await app.record_fetched([payload])
    update = Update.de_json(payload, app.bot)
    await app.update_processor.process_update(update, app.process_update(update))
    assert not request_recorder.calls
    assert await app.store.unfinished() == []


async def test_network_failures_are_one_line_each_without_a_traceback(
    app, request_recorder, caplog: pytest.LogCaptureFixture
) -> None:
    """During an outage every failed poll and every reply given up reach the error handler;
    .delivery has logged the details, so each is one line, and no note is tried."""
    failure = NetworkError("aiohttp.ClientConnectorError: Cannot connect to host")
    update = Update.de_json(updates.message_update("hi"), app.bot)
    for failed in (None, update):
        await on_error(failed, CallbackContext.from_error(failed, failure, app))
    polling, reply = caplog.records[-2:]
    assert (polling.levelname, reply.levelname) == ("WARNING", "ERROR")
    assert polling.getMessage() == (
        "polling failed (aiohttp.ClientConnectorError: Cannot connect to host); trying again"
    )
    assert reply.getMessage() == (
        f"update {update.update_id} failed: its reply could not be sent "
        "(aiohttp.ClientConnectorError: Cannot connect to host)"
    )
    assert polling.exc_info is None and reply.exc_info is None
    assert not request_recorder.calls


# Inline mode -----------------------------------------------------------------------------------


def inline_results(call: Any) -> list[dict[str, Any]]:
    results = call.params["results"]
    return json.loads(results) if isinstance(results, str) else results


async def test_an_inline_query_is_answered_with_cited_articles_and_no_state(
    app, request_recorder, monkeypatch
) -> None:
    def no_state(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an inline query has no chat: no store.turn for it")

    monkeypatch.setattr(app.store, "turn", no_state)
    await process(app, updates.inline_query_update("certifications"))
    assert [call.method for call in request_recorder.calls] == ["answerInlineQuery"]
    [call] = request_recorder.sent("answerInlineQuery")
    assert int(call.params["cache_time"]) == 300
    assert call.params.get("is_personal") in (None, False)
    results = inline_results(call)
    assert 1 < len(results) <= 3
    assert results[0]["title"] == "Certifications"
    assert len({r["id"] for r in results}) == len(results)
    for result in results:
        assert result["type"] == "article" and result["description"]
        assert "reply_markup" not in result
        content = result["input_message_content"]
        assert content["parse_mode"] == "HTML"
        plain = prepare_message_text(content["message_text"]).plain
        assert "[1]" in plain and "Sources" in plain


async def test_an_off_topic_inline_query_is_answered_with_nothing(app, request_recorder) -> None:
    await process(app, updates.inline_query_update("best pizza in town"))
    [call] = request_recorder.sent("answerInlineQuery")
    assert inline_results(call) == []


async def test_inline_queries_have_a_flood_budget_of_their_own(app, request_recorder) -> None:
    from bot.telegram_adapter.handlers import INLINE_FLOOD_LIMIT

    for _ in range(INLINE_FLOOD_LIMIT + 5):
        await process(app, updates.inline_query_update("salary pk"))
    assert len(request_recorder.sent("answerInlineQuery")) == INLINE_FLOOD_LIMIT
    assert request_recorder.sent() == []  # no notice: an inline query has no chat
    await process(app, updates.message_update("what certifications should I get?"))
    assert "[1]" in request_recorder.texts()[0]  # typing "@Bot ..." used no message budget


async def test_an_inline_query_does_not_wait_behind_its_users_chat(app) -> None:
    """Updates are queued per chat; an inline query has none, and is queued per user, beside
    (not behind) the same user's private chat with the bot."""
    from bot.telegram_adapter.delivery import PerChatUpdateProcessor

    processor = PerChatUpdateProcessor(4)
    release = asyncio.Event()
    done: list[str] = []

    async def work(name: str, wait: bool) -> None:
        if wait:
            await release.wait()
        done.append(name)

    chat_update = Update.de_json(updates.message_update("hello"), app.bot)
    inline_update = Update.de_json(updates.inline_query_update("certifications"), app.bot)
    assert chat_update.effective_user.id == inline_update.effective_user.id
    slow = asyncio.create_task(processor.process_update(chat_update, work("chat", True)))
    await asyncio.sleep(0.01)
    await asyncio.wait_for(processor.process_update(inline_update, work("inline", False)), 1.0)
    assert done == ["inline"]
    release.set()
    await slow
    assert done == ["inline", "chat"]


async def test_a_deep_links_start_payload_opens_its_view(app, request_recorder) -> None:
    await process(app, updates.message_update("/start salary_pk_entry"))
    [sent] = request_recorder.sent()
    assert "Entry-level ML engineers in 🇵🇰 Pakistan" in sent.params["text"]
    await process(app, updates.message_update("/start no_such_view"))
    assert "Welcome to Career Advisor" in request_recorder.texts()[1]
    assert_valid_for_telegram(request_recorder)

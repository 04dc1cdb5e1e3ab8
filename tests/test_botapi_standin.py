"""Tests of the Bot API stand-in, driven by a real python-telegram-bot ``Bot``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import Application, CommandHandler, ContextTypes

from standin.botapi import DEFAULT_TOKEN, DEFAULT_USER_ID, BotApiStandIn

CHAT = 4242


@pytest.fixture
async def bot(standin: BotApiStandIn) -> AsyncIterator[Bot]:
    async with Bot(DEFAULT_TOKEN, base_url=standin.base_url) as client:
        yield client


@pytest.fixture
def chat(standin: BotApiStandIn) -> int:
    standin.push_message(CHAT, "hello")
    return CHAT


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(d[:10] or "?", callback_data=d)] for d in data]
    )


def http(
    standin: BotApiStandIn, path: str, body: bytes | None = None, content_type: str = ""
) -> tuple[int, dict[str, Any]]:
    """A raw request, for what PTB can't send (JSON bodies, GET, bad paths)."""
    request = urllib.request.Request(f"http://127.0.0.1:{standin.port}{path}", data=body)
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# --------------------------------------------------------------------------- basics


async def test_get_me_describes_the_bot(standin: BotApiStandIn, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.username == "CareerAdvisorTestBot"
    assert me.id == int(DEFAULT_TOKEN.split(":")[0])
    assert me.is_bot and me.can_join_groups and me.supports_inline_queries
    assert [call.method for call in standin.calls] == ["getMe", "getMe"]  # one from __aenter__
    assert all(call.ok for call in standin.calls)


async def test_wrong_token_is_unauthorized(standin: BotApiStandIn) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("987654321:AAwrongTokenxxxxxxxxxxxxxxxxxxxxxxxx", base_url=standin.base_url):
            pass
    assert standin.calls[-1].status == 401
    assert standin.calls[-1].description == "Unauthorized"
    status, payload = http(standin, "/botnot-a-token/getMe")
    assert (status, payload) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})


def test_unknown_method_json_body_query_string_and_case(standin: BotApiStandIn) -> None:
    base = f"/bot{DEFAULT_TOKEN}"
    assert http(standin, f"{base}/sendTelepathy") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    status, payload = http(standin, f"{base}/GETME")
    assert status == 200 and payload["result"]["username"] == "CareerAdvisorTestBot"

    standin.register_chat(CHAT)
    body = json.dumps({"chat_id": CHAT, "text": "<i>json</i>", "parse_mode": "HTML"}).encode()
    status, payload = http(standin, f"{base}/sendmessage", body, "application/json")
    assert status == 200
    assert payload["result"]["text"] == "json"
    assert payload["result"]["entities"] == [{"type": "italic", "offset": 0, "length": 4}]

    status, payload = http(standin, f"{base}/sendMessage?chat_id={CHAT}&text=query")
    assert status == 200 and payload["result"]["text"] == "query"
    assert [call.method for call in standin.calls][-2:] == ["sendMessage", "sendMessage"]


def test_multipart_form_data_is_accepted(standin: BotApiStandIn) -> None:
    standin.register_chat(CHAT)
    response = httpx.post(
        f"{standin.base_url}{DEFAULT_TOKEN}/sendMessage",
        data={
            "chat_id": str(CHAT),
            "text": "multi",
            "reply_markup": json.dumps({"inline_keyboard": []}),
        },
        files={"attachment": ("notes.txt", b"ignored", "text/plain")},
    )
    assert response.status_code == 200
    assert response.json()["result"]["text"] == "multi"
    recorded = standin.calls[-1].params
    assert recorded["reply_markup"] == {"inline_keyboard": []}
    assert recorded["attachment"].filename == "notes.txt"


# --------------------------------------------------------------------------- sendMessage


async def test_send_message_returns_a_realistic_message(
    standin: BotApiStandIn, bot: Bot, chat: int
) -> None:
    sent = await bot.send_message(
        chat,
        "<b>Hi</b> &amp; <a href='https://example.org'>bye</a>",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard("more"),
    )
    assert sent.text == "Hi & bye"
    assert sent.message_id == 2  # the user's message was 1: ids are counted per chat
    assert sent.from_user is not None and sent.from_user.username == "CareerAdvisorTestBot"
    assert sent.chat.id == chat
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 2),
        ("text_link", 5, 3),
    ]
    assert sent.entities[1].url == "https://example.org/"
    assert sent.reply_markup == keyboard("more")
    assert abs(sent.date.timestamp() - time.time()) < 5

    again = await bot.send_message(chat, "plain <b> stays", reply_to_message_id=1)
    assert again.message_id == 3
    assert again.text == "plain <b> stays"
    assert again.reply_to_message is not None and again.reply_to_message.text == "hello"
    assert [m["text"] for m in standin.sent_messages(chat)] == ["Hi & bye", "plain <b> stays"]
    assert standin.errors == []


async def test_unknown_chat_is_rejected(standin: BotApiStandIn, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):
        await bot.send_message(999, "hi")
    assert [e.description for e in standin.errors] == ["Bad Request: chat not found"]


async def test_invalid_html_is_rejected_like_telegram(
    standin: BotApiStandIn, bot: Bot, chat: int
) -> None:
    with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "div" at byte offset 0'):
        await bot.send_message(chat, "<div>x</div>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)can't find end tag"):
        await bot.send_message(chat, "<b>x", parse_mode=ParseMode.HTML)
    assert [e.description for e in standin.errors] == [
        'Bad Request: can\'t parse entities: Unsupported start tag "div" at byte offset 0',
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
    ]
    assert standin.sent_messages() == []


async def test_text_length_is_checked_after_parsing(
    standin: BotApiStandIn, bot: Bot, chat: int
) -> None:
    await bot.send_message(chat, "<b>" + "a" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    await bot.send_message(chat, "😀" * 2048)
    for too_long in ("a" * 4097, "😀" * 2049):
        with pytest.raises(BadRequest, match=r"(?i)Message is too long"):
            await bot.send_message(chat, too_long)
    with pytest.raises(BadRequest, match=r"(?i)Message must be non-empty"):
        await bot.send_message(chat, " \n <b> </b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)Message text is empty"):
        await bot.send_message(chat, "")
    assert len(standin.sent_messages(chat)) == 2
    assert len(standin.errors) == 4


async def test_callback_data_is_limited_to_64_bytes(
    standin: BotApiStandIn, bot: Bot, chat: int
) -> None:
    await bot.send_message(chat, "ok", reply_markup=keyboard("x" * 64))
    for data in ("x" * 65, "é" * 33):  # 33 characters but 66 bytes
        with pytest.raises(BadRequest, match=r"(?i)Button_data_invalid"):
            await bot.send_message(chat, "too much", reply_markup=keyboard(data))
    assert [e.description for e in standin.errors] == ["Bad Request: BUTTON_DATA_INVALID"] * 2


async def test_inline_buttons_are_validated(standin: BotApiStandIn, bot: Bot, chat: int) -> None:
    text_only = InlineKeyboardMarkup([[InlineKeyboardButton("just text")]])
    with pytest.raises(BadRequest, match=r"(?i)Text buttons are unallowed"):
        await bot.send_message(chat, "x", reply_markup=text_only)
    local = InlineKeyboardMarkup([[InlineKeyboardButton("site", url="http://localhost:8000")]])
    with pytest.raises(BadRequest, match=r"(?i)is invalid: wrong http url"):
        await bot.send_message(chat, "x", reply_markup=local)
    both = InlineKeyboardMarkup(
        [[InlineKeyboardButton("b", url="https://a.io", callback_data="d")]]
    )
    with pytest.raises(BadRequest):
        await bot.send_message(chat, "x", reply_markup=both)
    good = InlineKeyboardMarkup([[InlineKeyboardButton("site", url="https://example.org")]])
    sent = await bot.send_message(chat, "x", reply_markup=good)
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].url == "https://example.org/"
    assert len(standin.errors) == 3


# --------------------------------------------------------------------------- updates


async def test_get_updates_long_polls_until_an_update_arrives(
    standin: BotApiStandIn, bot: Bot
) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await standin.wait_for_async(lambda: standin.waiting_polls)
    standin.push_message(CHAT, "/start now", username="alice")
    updates = await poll
    assert time.monotonic() - started < 4

    (update,) = updates
    assert update.message is not None
    assert update.message.text == "/start now"
    assert update.message.from_user is not None and update.message.from_user.username == "alice"
    assert [(e.type, e.offset, e.length) for e in update.message.entities] == [
        ("bot_command", 0, 6)
    ]

    # not confirmed yet: served again; then the offset confirms and drops it
    assert [u.update_id for u in await bot.get_updates()] == [update.update_id]
    assert await bot.get_updates(offset=update.update_id + 1) == ()
    assert standin.pending_updates == []


async def test_get_updates_returns_empty_after_the_timeout(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 3


async def test_get_updates_honours_limit_and_update_ids_increase(
    standin: BotApiStandIn, bot: Bot
) -> None:
    pushed = [standin.push_message(CHAT, f"m{i}")["update_id"] for i in range(3)]
    assert pushed == sorted(pushed) and len(set(pushed)) == 3
    first = await bot.get_updates(limit=2)
    assert [u.update_id for u in first] == pushed[:2]
    rest = await bot.get_updates(offset=pushed[1] + 1)
    assert [u.message.text for u in rest if u.message] == ["m2"]


async def test_a_second_poller_terminates_the_first(standin: BotApiStandIn, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await standin.wait_for_async(lambda: standin.waiting_polls)
    # PTB gives get_updates a one-connection pool, so the rival poller is a second instance
    async with Bot(DEFAULT_TOKEN, base_url=standin.base_url) as rival:
        assert await rival.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates request"):
        await first


async def test_other_kinds_of_updates_parse_in_ptb(standin: BotApiStandIn, bot: Bot) -> None:
    standin.push_message(CHAT, "typo")
    standin.push_edited_message(CHAT, 1, "fixed")
    standin.push_sticker(CHAT, emoji="🎉")
    standin.push_photo(CHAT, caption="my CV")
    standin.push_group_message(-100123, "/help@CareerAdvisorTestBot", user_id=77)
    standin.push_raw({"chat_member": {"not": "delivered unless asked for"}})
    standin.push_raw(
        {
            "update_id": 500,
            "message": {
                "message_id": 9,
                "date": int(time.time()),
                "chat": {"id": 55, "type": "private", "first_name": "Raw"},
                "from": {"id": 55, "is_bot": False, "first_name": "Raw"},
                "text": "raw",
            },
        }
    )

    updates = await bot.get_updates()
    assert len(updates) == 6  # chat_member updates are only sent when allowed explicitly
    edited, sticker, photo, group, raw = updates[1:]
    assert raw.update_id == 500 and raw.message is not None and raw.message.text == "raw"
    assert (await bot.send_message(55, "chats in raw updates become known")).message_id == 10
    assert edited.edited_message is not None and edited.edited_message.text == "fixed"
    assert edited.edited_message.edit_date is not None
    assert sticker.message is not None and sticker.message.sticker is not None
    assert sticker.message.sticker.emoji == "🎉"
    assert photo.message is not None and photo.message.caption == "my CV"
    assert max(size.width for size in photo.message.photo) == 800
    assert group.message is not None and group.message.chat.type == "supergroup"
    assert group.message.from_user is not None and group.message.from_user.id == 77
    assert group.message.entities[0].length == len("/help@CareerAdvisorTestBot")


def test_scripting_rejects_impossible_updates(standin: BotApiStandIn) -> None:
    with pytest.raises(ValueError):
        standin.push_group_message(123, "groups have negative ids")
    with pytest.raises(ValueError):
        standin.push_message(CHAT, "x", user_id=CHAT + 1)  # private chat id = user id
    with pytest.raises(ValueError):
        standin.push_callback(CHAT, 1, "no such message")
    standin.push_group_message(-5, "hi")
    assert standin.pending_updates[-1]["message"]["from"]["id"] == DEFAULT_USER_ID


# --------------------------------------------------------------------------- callbacks, edits


async def test_callback_query_can_be_answered_once(
    standin: BotApiStandIn, bot: Bot, chat: int
) -> None:
    sent = await bot.send_message(chat, "Pick one", reply_markup=keyboard("a", "b"))
    with pytest.raises(ValueError):
        standin.push_callback(chat, sent.message_id, "not-a-button")
    standin.push_callback(chat, sent.message_id, "b")
    (update,) = [u for u in await bot.get_updates() if u.callback_query]
    query = update.callback_query
    assert query is not None and query.data == "b"
    assert query.message is not None and query.message.message_id == sent.message_id

    assert await query.answer("Noted") is True
    with pytest.raises(BadRequest, match=r"(?i)Query is too old"):
        await query.answer()
    with pytest.raises(BadRequest, match=r"(?i)Query is too old"):
        await bot.answer_callback_query("12345")
    with pytest.raises(BadRequest):
        await bot.answer_callback_query(query.id, text="x" * 201)
    assert [(a.callback_query_id, a.text) for a in standin.answered_callbacks] == [
        (query.id, "Noted")
    ]


async def test_edit_message_text(standin: BotApiStandIn, bot: Bot, chat: int) -> None:
    sent = await bot.send_message(chat, "<b>v1</b>", parse_mode="HTML", reply_markup=keyboard("a"))
    edited = await bot.edit_message_text(
        "<i>v2</i>", chat, sent.message_id, parse_mode="HTML", reply_markup=keyboard("a")
    )
    assert isinstance(edited, type(sent))
    assert edited.text == "v2" and edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"(?i)Message is not modified"):
        await bot.edit_message_text(
            "<i>v2</i>", chat, sent.message_id, parse_mode="HTML", reply_markup=keyboard("a")
        )
    # same text, but no markup: the keyboard goes, so this is a modification
    await bot.edit_message_text("<i>v2</i>", chat, sent.message_id, parse_mode="HTML")
    assert "reply_markup" not in standin.sent_messages(chat)[0]
    with pytest.raises(BadRequest, match=r"(?i)Message to edit not found"):
        await bot.edit_message_text("x", chat, 999)
    with pytest.raises(BadRequest, match=r"(?i)Message can't be edited"):
        await bot.edit_message_text("x", chat, 1)  # the user's message
    with pytest.raises(BadRequest, match=r"(?i)Can't parse entities"):
        await bot.edit_message_text("<b>", chat, sent.message_id, parse_mode="HTML")
    assert standin.errors[0].description == (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )


async def test_edit_reply_markup_and_delete(standin: BotApiStandIn, bot: Bot, chat: int) -> None:
    sent = await bot.send_message(chat, "x", reply_markup=keyboard("a"))
    await bot.edit_message_reply_markup(chat, sent.message_id, reply_markup=keyboard("b"))
    assert (
        standin.sent_messages(chat)[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        == "b"
    )
    with pytest.raises(BadRequest, match=r"(?i)Message is not modified"):
        await bot.edit_message_reply_markup(chat, sent.message_id, reply_markup=keyboard("b"))
    assert await bot.delete_message(chat, sent.message_id) is True
    with pytest.raises(BadRequest, match=r"(?i)Message to delete not found"):
        await bot.delete_message(chat, sent.message_id)
    assert standin.deleted_messages == [(chat, sent.message_id)]


# --------------------------------------------------------------------------- other methods


async def test_commands_menu_descriptions_and_actions(
    standin: BotApiStandIn, bot: Bot, chat: int
) -> None:
    commands = [BotCommand("start", "Start over"), BotCommand("ask_more", "Ask a question")]
    assert await bot.set_my_commands(commands) is True
    assert standin.commands == [
        {"command": "start", "description": "Start over"},
        {"command": "ask_more", "description": "Ask a question"},
    ]
    assert await bot.get_my_commands() == tuple(commands)
    for bad in (BotCommand("Start", "x"), BotCommand("a" * 33, "x"), BotCommand("ok", "")):
        with pytest.raises(BadRequest):
            await bot.set_my_commands([bad])
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand(f"c{i}", "x") for i in range(101)])
    assert len(standin.commands) == 2

    assert await bot.set_my_description("Advice on ML careers") is True
    assert await bot.set_my_short_description("ML career advice") is True
    assert standin.descriptions == {"": "Advice on ML careers"}
    assert standin.short_descriptions == {"": "ML career advice"}
    assert await bot.set_chat_menu_button() is True
    assert standin.menu_buttons == {None: {"type": "default"}}

    assert await bot.send_chat_action(chat, ChatAction.TYPING) is True
    assert [(a.chat_id, a.action) for a in standin.chat_actions] == [(chat, "typing")]
    assert await bot.close() is True and await bot.log_out() is True


async def test_webhook_blocks_polling(standin: BotApiStandIn, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)Https url must be provided"):
        await bot.set_webhook("http://example.org/hook")
    assert await bot.set_webhook("https://example.org/hook") is True
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict, match=r"(?i)webhook is active"):
        await bot.get_updates()
    standin.push_message(CHAT, "dropped")
    assert await bot.delete_webhook(drop_pending_updates=True) is True
    assert standin.webhook is None
    assert await bot.get_updates() == ()


# --------------------------------------------------------------------------- faults, helpers


async def test_fail_next_429_surfaces_as_retry_after(
    standin: BotApiStandIn, bot: Bot, chat: int
) -> None:
    standin.fail_next("sendMessage", retry_after=7, times=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(chat, "hi")
        assert caught.value.retry_after == timedelta(seconds=7)
    await bot.send_message(chat, "hi")
    statuses = [(c.status, c.injected) for c in standin.calls_to("sendMessage")]
    assert statuses == [(429, True), (429, True), (200, False)]
    assert standin.errors == []  # injected failures are not the bot's fault


async def test_drop_and_delay(standin: BotApiStandIn, bot: Bot) -> None:
    standin.drop_next("getMe")
    with pytest.raises(NetworkError):
        await bot.get_me()
    standin.delay_next("*", 0.3)
    started = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - started >= 0.3
    assert [c.status for c in standin.calls_to("getMe")] == [200, 0, 200]


async def test_fail_next_other_statuses(standin: BotApiStandIn, bot: Bot, chat: int) -> None:
    standin.fail_next("sendmessage", status=400, description="Bad Request: chat is deactivated")
    with pytest.raises(BadRequest, match=r"(?i)Chat is deactivated"):
        await bot.send_message(chat, "x")
    standin.fail_next("sendMessage", status=502)
    with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
        await bot.send_message(chat, "x")
    standin.block(chat)
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(chat, "x")


def test_wait_helpers(standin: BotApiStandIn) -> None:
    standin.register_chat(CHAT)
    with pytest.raises(TimeoutError, match=r"(?i)expected 1 message"):
        standin.wait_for_messages(CHAT, 1, timeout=0.1)

    def send_later() -> None:
        http(standin, f"/bot{DEFAULT_TOKEN}/sendMessage?chat_id={CHAT}&text=late")

    timer = threading.Timer(0.1, send_later)
    timer.start()
    try:
        (message,) = standin.wait_for_messages(CHAT, 1, timeout=5)
    finally:
        timer.join()
    assert message["text"] == "late"
    assert standin.wait_for(lambda: standin.calls_to("sendMessage"))[0].ok


async def test_close_wakes_a_long_poll(standin: BotApiStandIn, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=20))
    await standin.wait_for_async(lambda: standin.waiting_polls)
    started = time.monotonic()
    await asyncio.to_thread(standin.close)
    with contextlib.suppress(NetworkError):  # the connection may go before the answer is read
        assert await poll == ()
    assert time.monotonic() - started < 3


async def test_a_ptb_application_runs_against_the_standin(standin: BotApiStandIn) -> None:
    async def start(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_chat_action(ChatAction.TYPING)
        await update.message.reply_html("<b>Welcome</b>, ask me about ML careers")

    app = Application.builder().token(DEFAULT_TOKEN).base_url(standin.base_url).build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=10)
        await app.start()
        standin.push_message(CHAT, "/start")
        (reply,) = await standin.wait_for_messages_async(CHAT, 1)
        await app.updater.stop()
        await app.stop()
    assert reply["text"] == "Welcome, ask me about ML careers"
    assert reply["entities"] == [{"type": "bold", "offset": 0, "length": 7}]
    assert [a.action for a in standin.chat_actions] == ["typing"]
    assert standin.pending_updates == []  # PTB confirmed the update on the way out
    assert standin.errors == []


async def test_an_outage_refuses_connections_cuts_open_ones_and_ends(
    standin: BotApiStandIn, bot: Bot
) -> None:
    chat = CHAT
    standin.register_chat(chat)
    await bot.get_me()  # a keep-alive connection is open now
    poll = asyncio.create_task(bot.get_updates(timeout=20))
    await standin.wait_for_async(lambda: standin.waiting_polls)
    standin.delay_next("sendMessage", 20)
    held = asyncio.create_task(bot.send_message(chat, "held when the API went away"))
    await standin.wait_for_async(lambda: standin.held_calls)

    started = time.monotonic()
    await asyncio.to_thread(standin.unreachable)
    assert not standin.is_reachable
    with pytest.raises(NetworkError):  # the long poll is cut, not left to time out
        await poll
    with pytest.raises(NetworkError):  # the held request too, and it did nothing
        await held
    assert time.monotonic() - started < 3
    with pytest.raises(NetworkError):  # no new connection either
        await bot.get_me()
    with pytest.raises(urllib.error.URLError) as refused:
        http(standin, f"/bot{DEFAULT_TOKEN}/getMe")
    assert isinstance(refused.value.reason, ConnectionRefusedError)

    await asyncio.to_thread(standin.reachable)
    assert (await bot.get_me()).username  # the same client, the same port
    await bot.send_message(chat, "after")
    assert [m["text"] for m in standin.sent_messages(chat)] == ["after"]
    cut = sorted((c.method, c.status, c.injected) for c in standin.calls if c.status == 0)
    assert cut == [("getUpdates", 0, True), ("sendMessage", 0, True)]
    [(went, back)] = standin.outages
    assert back is not None and went < back

    standin.outage(0.5)  # ends by itself
    with pytest.raises(NetworkError):
        await bot.get_me()
    await standin.wait_for_async(lambda: standin.is_reachable, timeout=5)
    assert (await bot.get_me()).username
    assert len(standin.outages) == 2


def test_close_during_an_outage(standin: BotApiStandIn) -> None:
    standin.unreachable()
    standin.close()
    with pytest.raises(RuntimeError):
        standin.unreachable()


# --------------------------------------------------------------------------- inline mode


def article(result_id: str, text: str, title: str = "A title") -> Any:
    from telegram import InlineQueryResultArticle, InputTextMessageContent

    return InlineQueryResultArticle(
        result_id, title, InputTextMessageContent(text, parse_mode=ParseMode.HTML),
        description="a description",
    )


async def test_an_inline_query_is_delivered_and_answered_once(
    standin: BotApiStandIn, bot: Bot
) -> None:
    pushed = standin.push_inline_query(DEFAULT_USER_ID, "certifications")
    [update] = await bot.get_updates()
    query = update.inline_query
    assert query is not None and query.query == "certifications"
    assert query.from_user.id == DEFAULT_USER_ID and update.effective_chat is None
    assert query.id == pushed["inline_query"]["id"]
    results = [article("a-1", "<b>Answer</b> one [1]"), article("a-2", "two")]
    assert await bot.answer_inline_query(query.id, results, cache_time=300, is_personal=False)
    [answered] = standin.answered_inline_queries
    assert answered.inline_query_id == query.id and answered.cache_time == 300
    assert not answered.is_personal
    assert [r["id"] for r in answered.results] == ["a-1", "a-2"]
    assert answered.results[0]["input_message_content"]["message_text"] == "<b>Answer</b> one [1]"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_inline_query(query.id, results)  # once only
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_inline_query("12345", [])  # unknown


async def test_answer_inline_query_validates_like_telegram(
    standin: BotApiStandIn, bot: Bot
) -> None:
    query_id = standin.push_inline_query(DEFAULT_USER_ID, "x")["inline_query"]["id"]
    refused = {
        r"(?i)RESULT_ID_DUPLICATE": [article("same", "a"), article("same", "b")],
        r"(?i)RESULT_ID_INVALID": [article("x" * 65, "a")],
        r"(?i)RESULTS_TOO_MUCH": [article(str(n), "a") for n in range(51)],
        r"(?i)message is too long": [article("long", "<b>é</b>" + "a" * 4096)],
        r'(?i)unsupported start tag "div"': [article("tag", "<div>a</div>")],
        r"(?i)RESULT_TITLE_EMPTY": [article("untitled", "a", title=" ")],
    }
    for description, results in refused.items():
        with pytest.raises(BadRequest, match=description):
            await bot.answer_inline_query(query_id, results)
    assert standin.answered_inline_queries == []
    # 4096 characters after entity parsing are fine, however long the HTML
    assert await bot.answer_inline_query(query_id, [article("ok", "<b>" + "a" * 4096 + "</b>")])
    assert (await bot.get_me()).supports_inline_queries

"""What a user sees of the bot at the stand-in, and what the dialogue says they should see:
shared by the tests and benchmarks that run the real bot beside an in-process dialogue."""

from __future__ import annotations

from typing import Any

from bot.core.dialogue import Incoming, Press
from bot.core.reply import Reply
from bot.telegram_adapter.splitting import split_html
from standin.botapi import BotApiStandIn

REPLY_METHODS = ("sendMessage", "editMessageText")


def expected_texts(event: Incoming, reply: Reply) -> list[str]:
    """The message texts the bot sends for `reply` to `event`: a pressed view is edited in
    place as one text; anything else is sent, split as Telegram's limit requires."""
    if reply.edit and isinstance(event, Press):
        return [reply.html]
    return split_html(reply.html) or ["…"]


def is_reply(call: Any) -> bool:
    """A reply the user sees; an edit to the very same view counts (Telegram refuses it as
    "not modified", and the view stays as it is)."""
    if call.method not in REPLY_METHODS:
        return False
    return call.ok or (call.status == 400 and "not modified" in (call.description or ""))


def latest_with_button(standin: BotApiStandIn, chat_id: int, data: str) -> int:
    """The id of the newest message in `chat_id` with a button carrying `data`."""
    for message in reversed(standin.sent_messages(chat_id)):
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        if any(button.get("callback_data") == data for row in rows for button in row):
            return int(message["message_id"])
    raise LookupError(f"no message in chat {chat_id} has a button {data!r}")

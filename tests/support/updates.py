"""Real Bot API update payloads, as Telegram sends them, for offline handler tests."""

from __future__ import annotations

import itertools
import time
from typing import Any

from tests.support.recording_request import BOT_USER

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)

USER_ID = 4242
GROUP_ID = -100123456


def user(user_id: int = USER_ID) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Asha", "language_code": "en"}


def chat(chat_id: int) -> dict[str, Any]:
    if chat_id < 0:
        return {"id": chat_id, "type": "supergroup", "title": "ML study group"}
    return {"id": chat_id, "type": "private", "first_name": "Asha"}


def message(
    text: str | None = None,
    chat_id: int = USER_ID,
    user_id: int = USER_ID,
    **extra: Any,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": chat(chat_id),
        "from": user(user_id),
    }
    if text is not None:
        payload["text"] = text
        if text.startswith("/"):
            length = len(text.split()[0].encode("utf-16-le")) // 2
            payload["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    payload.update(extra)
    return payload


def message_update(text: str | None = None, **kwargs: Any) -> dict[str, Any]:
    return {"update_id": next(_update_ids), "message": message(text, **kwargs)}


def edited_update(text: str, **kwargs: Any) -> dict[str, Any]:
    edited = message(text, **kwargs)
    edited["edit_date"] = int(time.time())
    return {"update_id": next(_update_ids), "edited_message": edited}


def mention_update(text: str, chat_id: int = GROUP_ID) -> dict[str, Any]:
    """A group message that mentions the bot at its start: "@Bot text"."""
    mention = f"@{BOT_USER['username']}"
    payload = message(f"{mention} {text}", chat_id=chat_id)
    payload["entities"] = [{"type": "mention", "offset": 0, "length": len(mention)}]
    return {"update_id": next(_update_ids), "message": payload}


def reply_to_bot_update(text: str, chat_id: int = GROUP_ID) -> dict[str, Any]:
    original = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": chat(chat_id),
        "from": BOT_USER,
        "text": "an earlier answer",
    }
    return message_update(text, chat_id=chat_id, reply_to_message=original)


def sticker_update(chat_id: int = USER_ID) -> dict[str, Any]:
    sticker = {
        "file_id": "CAACAgIAAxk",
        "file_unique_id": "AgAD",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    return message_update(None, chat_id=chat_id, sticker=sticker)


def photo_update(chat_id: int = USER_ID) -> dict[str, Any]:
    photo = [{"file_id": "AgACAgIAAxk", "file_unique_id": "AQAD", "width": 90, "height": 90}]
    return message_update(None, chat_id=chat_id, photo=photo)


def callback_update(
    data: str, chat_id: int = USER_ID, message_id: int | None = None
) -> dict[str, Any]:
    shown = {
        "message_id": message_id if message_id is not None else next(_message_ids),
        "date": int(time.time()),
        "chat": chat(chat_id),
        "from": BOT_USER,
        "text": "an earlier answer",
    }
    query = {
        "id": str(next(_update_ids) * 7919),
        "from": user(),
        "chat_instance": "-5556667778",
        "data": data,
        "message": shown,
    }
    return {"update_id": next(_update_ids), "callback_query": query}


GROUP_ANONYMOUS_BOT = {"id": 1087968824, "is_bot": True, "first_name": "Group",
                       "username": "GroupAnonymousBot"}


def anonymous_admin_update(text: str, chat_id: int = GROUP_ID) -> dict[str, Any]:
    """A message of a group's anonymous admins, as Telegram sends it: from GroupAnonymousBot
    (the same user in every group), with the group itself as sender_chat."""
    payload = message(text, chat_id=chat_id)
    payload["from"] = dict(GROUP_ANONYMOUS_BOT)
    payload["sender_chat"] = chat(chat_id)
    return {"update_id": next(_update_ids), "message": payload}


def inline_query_update(query: str, user_id: int = USER_ID) -> dict[str, Any]:
    """An inline query, as typing "@Bot <query>" in any chat sends it: a user, no chat."""
    inline = {
        "id": str(next(_update_ids) * 104_729),
        "from": user(user_id),
        "query": query,
        "offset": "",
        "chat_type": "sender",
    }
    return {"update_id": next(_update_ids), "inline_query": inline}

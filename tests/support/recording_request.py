"""An offline `telegram.request.BaseRequest` that records what the bot sends.

python-telegram-bot's own tests use this seam: the Bot builds real requests, and this object
answers them with Telegram-shaped JSON instead of going to the network.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from telegram._utils.defaultvalue import DEFAULT_NONE  # the sentinel BaseRequest's API uses
from telegram.request import BaseRequest, RequestData

BOT_ID = 7000000001
BOT_USERNAME = "CareerAdvisorTestBot"
BOT_USER = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Career Advisor",
    "username": BOT_USERNAME,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)  # when the bot made the request


class RecordingRequest(BaseRequest):
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.delays: dict[str, float] = {}  # method -> seconds its answer takes
        self._message_ids = itertools.count(1000)

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = DEFAULT_NONE,
        write_timeout: Any = DEFAULT_NONE,
        connect_timeout: Any = DEFAULT_NONE,
        pool_timeout: Any = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data is not None else {}
        self.calls.append(Call(name, dict(params)))
        if name in self.delays:
            await asyncio.sleep(self.delays[name])
        body = {"ok": True, "result": self._result(name, params)}
        return 200, json.dumps(body).encode()

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name == "getUpdates":
            return []
        if name in ("sendMessage", "editMessageText"):
            message = {
                "message_id": params.get("message_id") or next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
            if "reply_markup" in params:
                markup = params["reply_markup"]
                message["reply_markup"] = json.loads(markup) if isinstance(markup, str) else markup
            return message
        if name == "getChatMember":  # a plain member: the bot names who pressed a button
            user = {"id": int(params["user_id"]), "is_bot": False, "first_name": "Asha"}
            return {"status": "member", "user": user}
        return True

    # What tests look at ----------------------------------------------------------------------

    def sent(self, method: str = "sendMessage") -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def texts(self) -> list[str]:
        return [str(call.params["text"]) for call in self.sent()]

    def clear(self) -> None:
        self.calls.clear()


def buttons_of(call: Call) -> list[tuple[str, str]]:
    """(label, callback_data) of every inline button a sendMessage/editMessageText carried."""
    markup = call.params.get("reply_markup")
    if markup is None:
        return []
    data = json.loads(markup) if isinstance(markup, str) else markup
    return [(b["text"], b["callback_data"]) for row in data["inline_keyboard"] for b in row]

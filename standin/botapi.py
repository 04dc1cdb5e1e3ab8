"""A stand-in for the Telegram Bot API server, served on 127.0.0.1 for tests.

Point a real ``telegram.Bot`` (or a PTB ``Application``) at ``standin.base_url`` and it talks to
this server exactly as it would to api.telegram.org. The stand-in

* accepts what PTB's HTTPXRequest sends (form-encoded or multipart fields, JSON-encoded nested
  objects), plus JSON bodies and query strings; method names are case-insensitive;
* answers with Telegram-shaped JSON and Telegram's error descriptions, validating
  sendMessage/editMessageText like Telegram (HTML parse mode via ``telegram_html``; MarkdownV2
  and Markdown are accepted without validation and delivered unparsed);
* lets tests push updates (``push_message``, ``push_callback``...), which ``getUpdates`` serves
  with real long polling, and records every request (``calls``, ``errors``...);
* can inject faults (``fail_next``, ``delay_next``, ``drop_next``) and outages
  (``unreachable``/``reachable``, ``outage``): the API really cannot be reached, new
  connections are refused and open ones are cut, as when the network or a proxy goes down.

Where the real wording of an error is unknown the description is a plausible one; where the
real rule is unknown the stand-in is stricter than Telegram (e.g. a button must use exactly one
of its optional fields). All state is guarded by one lock.

Note for assertions: PTB strips "Bad Request: " and capitalises the rest of a description
(``Can't parse entities: unsupported start tag "div"...``), so match PTB exceptions
case-insensitively, or compare ``standin.errors[i].description``, which is verbatim. As on
Telegram, a second concurrent getUpdates terminates the first with 409 Conflict.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from standin.telegram_html import (
    Entity,
    MessageTextError,
    ParsedText,
    check_link,
    prepare_message_text,
    telegram_length,
)

__all__ = [
    "CHANNEL_BOT_ID",
    "DEFAULT_TOKEN",
    "DEFAULT_USER_ID",
    "GROUP_ANONYMOUS_BOT_ID",
    "AnsweredCallback",
    "AnsweredInlineQuery",
    "BotApiStandIn",
    "ChatAction",
    "RecordedCall",
    "UploadedFile",
]

DEFAULT_TOKEN = "123456789:AAHtestTokenForCareerAdvisorStandIn1"
DEFAULT_USER_ID = 1001
# The stand-in users Telegram names as "from" of a message sent on behalf of a chat.
GROUP_ANONYMOUS_BOT_ID = 1087968824  # an anonymous group admin's; sender_chat is the group
CHANNEL_BOT_ID = 136817688  # a message sent as a channel; sender_chat is the channel
BOT_USERNAME = "CareerAdvisorTestBot"

T = TypeVar("T")

_TOKEN_SHAPE = re.compile(r"[0-9]+:[A-Za-z0-9_-]+")
_JSON_FIELDS = frozenset(
    {
        "allowed_updates",
        "caption_entities",
        "commands",
        "entities",
        "link_preview_options",
        "media",
        "menu_button",
        "reply_markup",
        "reply_parameters",
        "results",
        "scope",
    }
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_KINDS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_UNREQUESTED_UPDATE_KINDS = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_COMMAND_AT_START = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_BAD_BUTTON = "Bad Request: can't parse inline keyboard button: "
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_INVALID_QUERY = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_LOST = "connection cut: the API became unreachable"
INLINE_QUERY_LENGTH = 256  # characters of a query Telegram sends at most
INLINE_RESULTS_LIMIT = 50  # results in one answerInlineQuery
_DEFAULT_FAULT_DESCRIPTIONS = {
    400: "Bad Request: injected failure",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass(frozen=True)
class RecordedCall:
    """One request the stand-in received, with the HTTP status it answered (0: dropped)."""

    method: str
    params: dict[str, Any]
    status: int
    description: str | None
    injected: bool
    at: float

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class ChatAction:
    """A sendChatAction the bot made."""

    chat_id: int
    action: str
    at: float


@dataclass(frozen=True)
class AnsweredCallback:
    """An answerCallbackQuery the stand-in accepted."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None


@dataclass(frozen=True)
class AnsweredInlineQuery:
    """An answerInlineQuery the stand-in accepted; ``results`` as sent, JSON-decoded."""

    inline_query_id: str
    results: list[dict[str, Any]]
    cache_time: int | None
    is_personal: bool
    next_offset: str | None


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class _Fault:
    kind: str  # "fail", "delay" or "drop"
    method: str  # lower-case method name or "*"
    status: int = 0
    description: str | None = None
    retry_after: int | None = None
    seconds: float = 0.0
    html: bool = False  # answer with a reverse proxy's HTML error page instead of JSON


class _Unreachable(Exception):
    """The API went away while a request was in it: the request gets no answer at all."""


class _ApiError(Exception):
    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass(frozen=True)
class _Described:
    """A successful result that Telegram accompanies with a description."""

    result: Any
    description: str


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


class _Params:
    """Request parameters as received: strings from forms, any JSON type from JSON bodies."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def has(self, name: str) -> bool:
        return self.raw.get(name) not in (None, "")

    def str(self, name: str) -> str | None:
        value = self.raw.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool | int | float):
            return json.dumps(value)
        raise _bad(f'field "{name}" must be of type String')

    def int(self, name: str) -> int | None:
        value = self.raw.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            raise _bad(f'field "{name}" must be of type Integer')
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]+\s*", value):
            return int(value)
        raise _bad(f'field "{name}" must be of type Integer')

    def bool(self, name: str) -> bool:
        value = self.raw.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def json(self, name: str) -> Any:
        value = self.raw.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise _bad(f"can't parse {name} JSON object") from None
        return value


def _decode_json_fields(params: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``params`` with known nested-object fields decoded, for the call record."""
    decoded = dict(params)
    for name in _JSON_FIELDS & decoded.keys():
        value = decoded[name]
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                decoded[name] = json.loads(value)
    return decoded


def _parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is None:
            fields[name] = payload.decode("utf-8")
        else:
            fields[name] = UploadedFile(filename, part.get_content_type(), payload)
    return fields


def _bot_command_entity(text: str) -> dict[str, Any] | None:
    match = _COMMAND_AT_START.match(text)
    if not match:
        return None
    following = text[match.end() : match.end() + 1]
    if following and (following.isalnum() or following in "_/<>"):
        return None
    return {"type": "bot_command", "offset": 0, "length": telegram_length(match.group())}


def _entity_from_dict(raw: Any) -> Entity:
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        raise _bad("can't parse MessageEntity: object expected")
    offset, length = raw.get("offset"), raw.get("length")
    if not isinstance(offset, int) or not isinstance(length, int):
        raise _bad("can't parse MessageEntity: offset and length must be integers")
    user = raw.get("user")
    return Entity(
        type=raw["type"],
        offset=offset,
        length=length,
        url=raw.get("url"),
        language=raw.get("language"),
        custom_emoji_id=raw.get("custom_emoji_id"),
        user_id=user.get("id") if isinstance(user, dict) else None,
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # long-polling handlers must not delay close()
    # socketserver's default backlog of 5 overflows when a bot opens dozens of connections at
    # once; Linux then resets them after the request was written (a spurious ReadError)
    request_queue_size = 1024
    standin: BotApiStandIn

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        bound: socket.socket | None = None,
    ) -> None:
        self._bound = bound
        super().__init__(address, handler)

    def server_bind(self) -> None:
        """Bind, or take over `bound`: a socket already bound to the port (see `unreachable`)."""
        if self._bound is None:
            super().server_bind()
            return
        self.socket.close()
        self.socket = self._bound
        self.server_address = self.socket.getsockname()
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client closing its keep-alive connection is normal; report anything else."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes; without this, Nagle + delayed ACK add ~40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.standin._track_connection(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.standin._track_connection(self.connection, add=False)

    def do_POST(self) -> None:
        self.server.standin._serve(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


def _write(handler: _Handler, status: int, content_type: str, body: bytes) -> None:
    """One HTTP answer; a client that went away (a cancelled long poll) is let go."""
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        handler.wfile.flush()
    except OSError:
        handler.close_connection = True


class BotApiStandIn:
    """A fake Telegram Bot API server; it starts serving as soon as it is constructed.

    Use as ``with BotApiStandIn() as standin: ...`` or call ``close()`` when done.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = BOT_USERNAME,
        bot_first_name: str = "Career Advisor",
        port: int = 0,  # 0: any free port; a given one, to start it where a bot already looks
    ) -> None:
        if not _TOKEN_SHAPE.fullmatch(token):
            raise ValueError("a bot token looks like '<bot id>:<secret>'")
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._closed = threading.Event()
        self._connections: set[socket.socket] = set()
        # Outages: `_epoch` counts them, so a request can tell it outlived the API it came to.
        self._reachable = True
        self._epoch = 0
        self._outages: list[tuple[float, float | None]] = []
        self._held = 0  # calls held by delay_next right now
        self._switching = threading.Lock()  # one server switch (outage, return, close) at once
        self._port_holder: socket.socket | None = None
        self._timers: list[threading.Timer] = []

        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._waiting_polls = 0
        self._webhook: dict[str, Any] | None = None
        self._chats: dict[int, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._blocked: set[int] = set()
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._next_message_id: dict[int, int] = {}
        self._bot_messages: list[tuple[int, int]] = []
        self._deleted: list[tuple[int, int]] = []
        self._callback_queries: dict[str, bool] = {}  # id -> answered
        self._callback_ids = itertools.count(4_300_000_000_000_000_001)
        self._calls: list[RecordedCall] = []
        self._chat_actions: list[ChatAction] = []
        self._answered: list[AnsweredCallback] = []
        self._inline_queries: dict[str, bool] = {}  # id -> answered (see push_inline_query)
        self._inline_ids = itertools.count(5_100_000_000_000_000_001)
        self._answered_inline: list[AnsweredInlineQuery] = []
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._menu_buttons: dict[int | None, dict[str, Any]] = {}
        self._descriptions: dict[str, str] = {}
        self._short_descriptions: dict[str, str] = {}
        self._faults: list[_Fault] = []
        self._members: dict[tuple[int, int], dict[str, Any]] = {}  # see set_chat_member

        endpoints: dict[str, Callable[[_Params], Any]] = {
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "setMyDescription": self._set_my_description,
            "getMyDescription": self._get_my_description,
            "setMyShortDescription": self._set_my_short_description,
            "getMyShortDescription": self._get_my_short_description,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "sendChatAction": self._send_chat_action,
            "getChatMember": self._get_chat_member,
        }
        # Telegram matches method names case-insensitively
        self._handlers = {name.lower(): handler for name, handler in endpoints.items()}
        self._method_names = {name.lower(): name for name in endpoints}

        self._server = _Server(("127.0.0.1", port), _Handler)
        self._port = int(self._server.server_address[1])
        self._thread = self._serve_with(self._server)

    # ------------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        """For ``telegram.Bot(token, base_url=...)``; PTB appends the token and the method."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def __enter__(self) -> BotApiStandIn:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving: wake long polls, close client connections, stop the thread."""
        with self._switching:
            if self._closed.is_set():
                return
            for timer in self._timers:
                timer.cancel()
            with self._changed:
                self._closed.set()
                self._changed.notify_all()
            if self._reachable:
                self._server.shutdown()
                self._server.server_close()
            elif self._port_holder is not None:
                self._port_holder.close()
            self._cut_connections()
            self._thread.join(timeout=5)

    # ------------------------------------------------------------------ outages

    def unreachable(self) -> None:
        """Take the API off the network until `reachable`: connecting is refused, and every
        open connection (keep-alive, long poll, a request held by `delay_next`) is cut
        without an answer. A request cut this way is recorded with status 0, unanswered and
        unhandled: like a request lost in a proxy that went down, it did nothing.
        """
        with self._switching:
            if self._closed.is_set():
                raise RuntimeError("the stand-in is closed")
            with self._changed:
                if not self._reachable:
                    return
                self._reachable = False
                self._epoch += 1
                self._outages.append((time.monotonic(), None))
                self._changed.notify_all()  # wakes long polls and held requests
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._server.server_close()  # connections waiting to be accepted are reset
            self._port_holder = self._hold_port()
            self._cut_connections()

    def reachable(self) -> None:
        """End the outage: the API accepts connections again, on the same port."""
        with self._switching:
            if self._closed.is_set() or self._reachable:
                return
            server = _Server(("127.0.0.1", self._port), _Handler, bound=self._port_holder)
            self._port_holder = None
            with self._changed:
                self._reachable = True
                went, _ = self._outages[-1]
                self._outages[-1] = (went, time.monotonic())
                self._changed.notify_all()
            self._server = server
            self._thread = self._serve_with(server)

    def outage(self, seconds: float) -> None:
        """`unreachable` now and `reachable` after `seconds`; returns at once."""
        self.unreachable()
        timer = threading.Timer(seconds, self.reachable)
        timer.daemon = True
        with self._switching:
            self._timers.append(timer)
        timer.start()

    @property
    def is_reachable(self) -> bool:
        with self._lock:
            return self._reachable

    @property
    def outages(self) -> list[tuple[float, float | None]]:
        """(went, came back) per outage, in ``time.monotonic()`` seconds; None: not back yet."""
        with self._lock:
            return list(self._outages)

    @property
    def held_calls(self) -> int:
        """How many requests `delay_next` is holding right now."""
        with self._lock:
            return self._held

    def _serve_with(self, server: _Server) -> threading.Thread:
        server.standin = self
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="botapi-standin",
            daemon=True,
        )
        thread.start()
        return thread

    def _hold_port(self) -> socket.socket:
        """Keep the port bound (not listening) through an outage.

        Connecting to it is refused as to a closed port, but no other socket can take it:
        not another server, nor a client's outgoing connection, which could otherwise pick
        it as its own port and connect to itself. It listens again in `reachable`.
        """
        holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT
        try:
            holder.bind(("127.0.0.1", self._port))
        except OSError:
            holder.close()
            raise
        return holder

    def _cut_connections(self) -> None:
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    # ------------------------------------------------------------------ scripting

    def register_chat(
        self,
        chat_id: int,
        *,
        chat_type: str = "private",
        username: str | None = None,
        first_name: str = "Test",
        title: str | None = None,
    ) -> dict[str, Any]:
        """Make a chat known (Telegram knows a chat once it has talked to the bot)."""
        with self._changed:
            return copy.deepcopy(self._ensure_chat(chat_id, chat_type, username, first_name, title))

    def block(self, chat_id: int, blocked: bool = True) -> None:
        """Make sends to a private chat fail with 403 as when the user blocked the bot."""
        with self._changed:
            if blocked:
                self._blocked.add(chat_id)
            else:
                self._blocked.discard(chat_id)

    def push_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        username: str | None = "tester",
        first_name: str = "Test",
        language_code: str = "en",
        title: str | None = None,
        reply_to_message_id: int | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Queue an update with a text message from a user; returns the update."""
        if entities is None:
            command = _bot_command_entity(text)
            entities = [command] if command else []
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = copy.deepcopy(entities)
        return self._push_user_message(
            chat_id,
            content,
            user_id=user_id,
            chat_type=chat_type,
            username=username,
            first_name=first_name,
            language_code=language_code,
            title=title,
            reply_to_message_id=reply_to_message_id,
        )

    def push_group_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_type: str = "supergroup",
        title: str = "Career Advisor test group",
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Queue a text message in a group or supergroup (``chat_id`` must be negative)."""
        if chat_type not in ("group", "supergroup"):
            raise ValueError("chat_type must be 'group' or 'supergroup'")
        return self.push_message(
            chat_id, text, user_id=user_id, chat_type=chat_type, title=title, **kwargs
        )

    def push_message_as_chat(
        self,
        chat_id: int,
        text: str,
        *,
        sender_chat_id: int | None = None,
        chat_type: str = "supergroup",
        title: str = "Career Advisor test group",
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Queue a group message sent on behalf of a chat, as Telegram sends it: by the group's
        anonymous admins (``sender_chat`` is the group, ``from`` GroupAnonymousBot), or, with
        another (channel) ``sender_chat_id``, as that channel (``from`` Channel_Bot)."""
        if chat_type not in ("group", "supergroup"):
            raise ValueError("chat_type must be 'group' or 'supergroup'")
        if entities is None:
            command = _bot_command_entity(text)
            entities = [command] if command else []
        with self._changed:
            chat = self._ensure_chat(chat_id, chat_type, title=title)
            if sender_chat_id is None or sender_chat_id == chat_id:
                sender_chat = copy.deepcopy(chat)
                sender = {"id": GROUP_ANONYMOUS_BOT_ID, "is_bot": True, "first_name": "Group",
                          "username": "GroupAnonymousBot"}
            elif sender_chat_id < 0:
                sender_chat = {"id": sender_chat_id, "type": "channel", "title": "Test channel"}
                sender = {"id": CHANNEL_BOT_ID, "is_bot": True, "first_name": "Channel",
                          "username": "Channel_Bot"}
            else:
                raise ValueError("a sender chat's id is negative")
            message: dict[str, Any] = {
                "message_id": self._take_message_id(chat_id),
                "from": sender,
                "sender_chat": sender_chat,
                "chat": copy.deepcopy(chat),
                "date": int(time.time()),
                "text": text,
            }
            if entities:
                message["entities"] = copy.deepcopy(entities)
            self._messages[(chat_id, message["message_id"])] = message
            return self._enqueue({"message": copy.deepcopy(message)})

    def set_chat_member(
        self, chat_id: int, user_id: int, *, status: str = "administrator",
        is_anonymous: bool = False,
    ) -> None:
        """What getChatMember answers for this user in this chat (by default: a member)."""
        if status not in ("creator", "administrator", "member"):
            raise ValueError(f"unsupported member status {status!r}")
        with self._changed:
            self._members[(chat_id, user_id)] = {"status": status, "is_anonymous": is_anonymous}

    def push_sticker(
        self,
        chat_id: int,
        *,
        emoji: str = "👍",
        user_id: int | None = None,
        chat_type: str = "private",
    ) -> dict[str, Any]:
        """Queue a message carrying a sticker."""
        sticker = {
            "file_id": "CAACAgIAAxkBAAIBstandinSticker",
            "file_unique_id": "AgADstandinSticker",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": 23_456,
        }
        return self._push_user_message(
            chat_id, {"sticker": sticker}, user_id=user_id, chat_type=chat_type
        )

    def push_photo(
        self,
        chat_id: int,
        *,
        caption: str | None = None,
        user_id: int | None = None,
        chat_type: str = "private",
    ) -> dict[str, Any]:
        """Queue a message carrying a photo (three sizes), optionally captioned."""
        sizes = [
            {
                "file_id": f"AgACAgIAAxkBAAIBstandinPhoto{side}",
                "file_unique_id": f"AQADstandinPhoto{side}",
                "width": side,
                "height": side * 3 // 4,
                "file_size": side * 40,
            }
            for side in (90, 320, 800)
        ]
        content: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        return self._push_user_message(chat_id, content, user_id=user_id, chat_type=chat_type)

    def push_edited_message(self, chat_id: int, message_id: int, text: str) -> dict[str, Any]:
        """Queue an ``edited_message`` update for a text message a user sent earlier."""
        with self._changed:
            message = self._messages.get((chat_id, message_id))
            if message is None or message["from"]["id"] == self.bot_user["id"]:
                raise ValueError(f"no user message {message_id} in chat {chat_id}")
            if "text" not in message:
                raise ValueError("only text messages can be edited here")
            message["text"] = text
            command = _bot_command_entity(text)
            if command:
                message["entities"] = [command]
            else:
                message.pop("entities", None)
            message["edit_date"] = int(time.time())
            return self._enqueue({"edited_message": copy.deepcopy(message)})

    def push_callback(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        require_button: bool = True,
    ) -> dict[str, Any]:
        """Queue a callback query, as when a user presses an inline button of a bot message.

        With ``require_button`` the message's keyboard must have a button with this data.
        """
        with self._changed:
            message = self._messages.get((chat_id, message_id))
            if message is None or message["from"]["id"] != self.bot_user["id"]:
                raise ValueError(f"the bot sent no message {message_id} to chat {chat_id}")
            if (chat_id, message_id) in self._deleted:
                raise ValueError(f"message {message_id} in chat {chat_id} was deleted")
            if require_button:
                rows = message.get("reply_markup", {}).get("inline_keyboard", [])
                if not any(b.get("callback_data") == data for row in rows for b in row):
                    raise ValueError(f"message {message_id} has no button with data {data!r}")
            chat = self._chats[chat_id]
            user = self._user_for(chat, user_id)
            query_id = str(next(self._callback_ids))
            self._callback_queries[query_id] = False
            callback = {
                "id": query_id,
                "from": copy.deepcopy(user),
                "message": copy.deepcopy(message),
                "chat_instance": str(abs(chat_id) * 7919 + 104_729),
                "data": data,
            }
            return self._enqueue({"callback_query": callback})

    def push_raw(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue any update; an update_id is assigned unless given. Chats in it become known."""
        update = copy.deepcopy(update)
        with self._changed:
            for value in update.values():
                if isinstance(value, dict):
                    self._learn_from(value)
            given = update.get("update_id")
            if isinstance(given, int):
                self._next_update_id = max(self._next_update_id, given)
                update.pop("update_id")
            return self._enqueue(update)

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
        html: bool = False,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` ("*" for any) with an error.

        ``html``: the answer is an HTML error page, as a reverse proxy (nginx) in front of
        the API sends when the API behind it is down, not Telegram's JSON.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _DEFAULT_FAULT_DESCRIPTIONS.get(status, f"Error {status}")
        fault = _Fault("fail", method.lower(), status, description, retry_after, html=html)
        with self._changed:
            self._faults.extend([fault] * times)

    def delay_next(self, method: str, seconds: float) -> None:
        """Hold the next call of ``method`` for ``seconds`` before handling it (an outage
        meanwhile cuts it: see `unreachable`)."""
        with self._changed:
            self._faults.append(_Fault("delay", method.lower(), seconds=seconds))

    def drop_next(self, method: str) -> None:
        """Close the connection of the next call of ``method`` without answering."""
        with self._changed:
            self._faults.append(_Fault("drop", method.lower()))

    def clear_faults(self) -> None:
        """Forget the faults not injected yet."""
        with self._changed:
            self._faults.clear()

    # ------------------------------------------------------------------ records

    @property
    def calls(self) -> list[RecordedCall]:
        """Every request so far, in the order they were answered."""
        with self._lock:
            return list(self._calls)

    def calls_since(self, start: int) -> list[RecordedCall]:
        """The requests answered after the first ``start``: cheap to poll, unlike ``calls``."""
        with self._lock:
            return self._calls[start:]

    def calls_to(self, method: str) -> list[RecordedCall]:
        with self._lock:
            return [call for call in self._calls if call.method.lower() == method.lower()]

    @property
    def errors(self) -> list[RecordedCall]:
        """Every 400 the stand-in answered on its own (injected faults are not included)."""
        with self._lock:
            return [call for call in self._calls if call.status == 400 and not call.injected]

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent (current state, after any edits), oldest first."""
        with self._lock:
            return [
                copy.deepcopy(self._messages[key])
                for key in self._bot_messages
                if chat_id is None or key[0] == chat_id
            ]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """The current state of any message (the bot's or a user's), or None."""
        with self._lock:
            found = self._messages.get((chat_id, message_id))
            return copy.deepcopy(found) if found is not None else None

    @property
    def deleted_messages(self) -> list[tuple[int, int]]:
        with self._lock:
            return list(self._deleted)

    @property
    def chat_actions(self) -> list[ChatAction]:
        with self._lock:
            return list(self._chat_actions)

    @property
    def answered_callbacks(self) -> list[AnsweredCallback]:
        with self._lock:
            return list(self._answered)

    @property
    def commands(self) -> list[dict[str, str]]:
        """The command list for the default scope and no language code."""
        return self.commands_for()

    def commands_for(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        with self._lock:
            return copy.deepcopy(self._commands.get(self._commands_key(scope, language_code), []))

    @property
    def webhook(self) -> dict[str, Any] | None:
        with self._lock:
            return copy.deepcopy(self._webhook)

    @property
    def menu_buttons(self) -> dict[int | None, dict[str, Any]]:
        """Menu buttons set, by chat id (None: the default one)."""
        with self._lock:
            return copy.deepcopy(self._menu_buttons)

    @property
    def descriptions(self) -> dict[str, str]:
        """Bot descriptions by language code ("" for the default)."""
        with self._lock:
            return dict(self._descriptions)

    @property
    def short_descriptions(self) -> dict[str, str]:
        with self._lock:
            return dict(self._short_descriptions)

    @property
    def waiting_polls(self) -> int:
        """How many getUpdates calls are blocked in a long poll right now."""
        with self._lock:
            return self._waiting_polls

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by a getUpdates offset."""
        with self._lock:
            return copy.deepcopy(self._updates)

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Block until ``predicate()`` is truthy (re-checked on every state change); return it.

        Raises ``TimeoutError`` after ``timeout`` seconds. Don't call this from the event loop
        that runs the bot; use ``wait_for_async`` there.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met within {timeout} s; {self._summary()}")
                self._changed.wait(remaining)

    def wait_for_messages(
        self, chat_id: int, count: int, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Wait until the bot has sent at least ``count`` messages to ``chat_id``; return all."""

        def enough() -> list[dict[str, Any]]:
            messages = self.sent_messages(chat_id)
            return messages if len(messages) >= count else []

        try:
            return self.wait_for(enough, timeout)
        except TimeoutError:
            sent = [m.get("text") for m in self.sent_messages(chat_id)]
            raise TimeoutError(
                f"expected {count} message(s) to chat {chat_id}, got {len(sent)}: {sent!r}; "
                f"{self._summary()}"
            ) from None

    async def wait_for_async(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """``wait_for`` without blocking the running event loop."""
        return await asyncio.to_thread(self.wait_for, predicate, timeout)

    async def wait_for_messages_async(
        self, chat_id: int, count: int, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self.wait_for_messages, chat_id, count, timeout)

    # ------------------------------------------------------------------ HTTP plumbing

    def _track_connection(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add and not self._reachable:  # accepted just as the outage began
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            elif add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def _summary(self) -> str:
        with self._lock:
            errors = [f"{call.method}: {call.description}" for call in self.errors]
            methods = [call.method for call in self._calls[-10:]]
        return f"last calls {methods}, errors {errors}"

    def _serve(self, handler: _Handler) -> None:
        with self._lock:
            epoch = self._epoch if self._reachable else None
        if epoch is None:  # a connection that outlived the API: no answer
            handler.close_connection = True
            return
        split = urlsplit(handler.path)
        try:
            raw_params = self._read_params(handler, split.query)
        except _ApiError as error:
            self._respond(handler, error.status, self._error_payload(error))
            return
        match = re.fullmatch(r"/bot([^/]*)/([^/]+)", split.path)
        if not match:
            self._respond(handler, 404, self._error_payload(_ApiError(404, "Not Found")))
            return
        token, requested = match.groups()
        method = self._method_names.get(requested.lower(), requested)
        if token != self.token:
            # Telegram answers 404 for a malformed token and 401 for a well-formed wrong one
            error = (
                _ApiError(401, "Unauthorized")
                if _TOKEN_SHAPE.fullmatch(token)
                else _ApiError(404, "Not Found")
            )
            self._finish(handler, method, raw_params, error)
            return
        fault = self._take_fault(method)
        if fault is not None and fault.kind == "delay":
            with self._changed:
                self._held += 1
                self._changed.notify_all()
                self._changed.wait_for(
                    lambda: self._closed.is_set() or self._epoch != epoch, fault.seconds
                )
                self._held -= 1
            fault = None  # held; now handled as usual
        if self._lost(handler, method, raw_params, epoch):
            return
        if fault is not None and fault.kind == "drop":
            with self._changed:
                self._record(method, raw_params, 0, "connection dropped", injected=True)
            handler.close_connection = True
            return
        elif fault is not None and fault.html:
            with self._changed:
                self._record(method, raw_params, fault.status, fault.description, True)
            self._respond_html(handler, fault.status, fault.description or "")
            return
        elif fault is not None:
            parameters = {"retry_after": fault.retry_after} if fault.retry_after else None
            error = _ApiError(fault.status, fault.description or "", parameters)
            self._finish(handler, method, raw_params, error, injected=True)
            return

        endpoint = self._handlers.get(method.lower())
        if endpoint is None:
            self._finish(handler, method, raw_params, _ApiError(404, "Not Found"))
            return
        with self._changed:
            # checked under the lock that the outage takes too: a request is either handled
            # and answered (unless the answer itself is cut) or lost unhandled
            if self._lost(handler, method, raw_params, epoch):
                return
            try:
                outcome: Any = endpoint(_Params(raw_params))
            except _Unreachable:
                self._record(method, raw_params, 0, _LOST, injected=True)
                handler.close_connection = True
                return
            except _ApiError as error:
                outcome = error
            except Exception as error:  # a stand-in bug: answer so that the test sees it
                outcome = _ApiError(500, f"Internal Server Error: stand-in failed: {error!r}")
            # the record is made while still holding the lock, so waiters see it with the state
            self._finish(handler, method, raw_params, outcome, respond=False)
        self._respond(handler, *self._payload(outcome))

    def _lost(
        self, handler: _Handler, method: str, raw_params: dict[str, Any], epoch: int
    ) -> bool:
        """Whether an outage began since this request came: then it is recorded (status 0)
        and its connection closed without an answer."""
        with self._changed:
            if self._epoch == epoch:
                return False
            self._record(method, raw_params, 0, _LOST, injected=True)
        handler.close_connection = True
        return True

    def _finish(
        self,
        handler: _Handler,
        method: str,
        raw_params: dict[str, Any],
        outcome: Any,
        *,
        injected: bool = False,
        respond: bool = True,
    ) -> None:
        status, payload = self._payload(outcome)
        with self._changed:
            self._record(method, raw_params, status, payload.get("description"), injected)
        if respond:
            self._respond(handler, status, payload)

    def _payload(self, outcome: Any) -> tuple[int, dict[str, Any]]:
        if isinstance(outcome, _ApiError):
            return outcome.status, self._error_payload(outcome)
        if isinstance(outcome, _Described):
            return 200, {"ok": True, "result": outcome.result, "description": outcome.description}
        return 200, {"ok": True, "result": outcome}

    @staticmethod
    def _error_payload(error: _ApiError) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "ok": False,
            "error_code": error.status,
            "description": error.description,
        }
        if error.parameters:
            payload["parameters"] = error.parameters
        return payload

    def _record(
        self,
        method: str,
        raw_params: dict[str, Any],
        status: int,
        description: str | None,
        injected: bool,
    ) -> None:
        call = RecordedCall(
            method=method,
            params=_decode_json_fields(raw_params),
            status=status,
            description=description if status != 200 else None,
            injected=injected,
            at=time.monotonic(),
        )
        self._calls.append(call)
        self._changed.notify_all()

    @staticmethod
    def _respond(handler: _Handler, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        _write(handler, status, "application/json", body)

    @staticmethod
    def _respond_html(handler: _Handler, status: int, title: str) -> None:
        body = (
            f"<html>\r\n<head><title>{status} {title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n"
        ).encode()
        _write(handler, status, "text/html", body)

    @staticmethod
    def _read_params(handler: _Handler, query: str) -> dict[str, Any]:
        params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        if not body:
            return params
        content_type = handler.headers.get("Content-Type") or ""
        kind = content_type.split(";", 1)[0].strip().lower()
        try:
            if kind == "application/json":
                decoded = json.loads(body.decode("utf-8"))
                if not isinstance(decoded, dict):
                    raise _bad("JSON object expected in the request body")
                params.update(decoded)
            elif kind == "multipart/form-data":
                params.update(_parse_multipart(body, content_type))
            else:
                form = body.decode("utf-8")
                params.update(parse_qsl(form, keep_blank_values=True, errors="strict"))
        except (UnicodeDecodeError, ValueError) as error:
            if isinstance(error, _ApiError):
                raise
            raise _bad("strings must be encoded in UTF-8") from None
        return params

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.method in ("*", method.lower()):
                    return self._faults.pop(index)
        return None

    # ------------------------------------------------------------------ state helpers

    def _ensure_chat(
        self,
        chat_id: int,
        chat_type: str,
        username: str | None = None,
        first_name: str = "Test",
        title: str | None = None,
    ) -> dict[str, Any]:
        if chat_type == "private":
            if chat_id <= 0:
                raise ValueError("a private chat's id is the user's id and is positive")
            chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": first_name}
            if username:
                chat["username"] = username
        elif chat_type in ("group", "supergroup"):
            if chat_id >= 0:
                raise ValueError("group and supergroup chat ids are negative")
            chat = {"id": chat_id, "type": chat_type, "title": title or "Test group"}
        else:
            raise ValueError(f"unsupported chat type {chat_type!r}")
        known = self._chats.get(chat_id)
        if known is not None and known["type"] != chat_type:
            raise ValueError(f"chat {chat_id} is a {known['type']} chat")
        self._chats[chat_id] = chat
        return chat

    def _user_for(self, chat: dict[str, Any], user_id: int | None) -> dict[str, Any]:
        if chat["type"] == "private":
            if user_id not in (None, chat["id"]):
                raise ValueError("in a private chat the chat id is the user's id")
            user_id = chat["id"]
        elif user_id is None:
            user_id = DEFAULT_USER_ID
        return self._user(user_id)

    def _user(self, user_id: int) -> dict[str, Any]:
        """The user with this id, made up on first mention."""
        user = self._users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": False, "first_name": "Test", "language_code": "en"}
            self._users[user_id] = user
        return user

    def _push_user_message(
        self,
        chat_id: int,
        content: dict[str, Any],
        *,
        user_id: int | None,
        chat_type: str,
        username: str | None = "tester",
        first_name: str = "Test",
        language_code: str = "en",
        title: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        with self._changed:
            chat = self._ensure_chat(chat_id, chat_type, username, first_name, title)
            user = self._user_for(chat, user_id)
            user.update({"first_name": first_name, "language_code": language_code})
            if username:
                user["username"] = username
            message: dict[str, Any] = {
                "message_id": self._take_message_id(chat_id),
                "from": copy.deepcopy(user),
                "chat": copy.deepcopy(chat),
                "date": int(time.time()),
                **content,
            }
            if reply_to_message_id is not None:
                message["reply_to_message"] = self._reply_copy(chat_id, reply_to_message_id)
            self._messages[(chat_id, message["message_id"])] = message
            return self._enqueue({"message": copy.deepcopy(message)})

    def _reply_copy(self, chat_id: int, message_id: int) -> dict[str, Any]:
        target = self._messages.get((chat_id, message_id))
        if target is None or (chat_id, message_id) in self._deleted:
            raise ValueError(f"no message {message_id} in chat {chat_id} to reply to")
        reply = copy.deepcopy(target)
        reply.pop("reply_to_message", None)  # Telegram nests replies only one level deep
        return reply

    def _take_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _enqueue(self, update: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": self._next_update_id, **update}
        self._next_update_id += 1
        self._updates.append(update)
        self._changed.notify_all()
        return copy.deepcopy(update)

    def _learn_from(self, obj: dict[str, Any]) -> None:
        """Remember chats and users found in a raw update (recursively)."""
        chat = obj.get("chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            self._chats.setdefault(chat["id"], copy.deepcopy(chat))
        sender = obj.get("from")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            self._users.setdefault(sender["id"], copy.deepcopy(sender))
        message_id = obj.get("message_id")
        if isinstance(chat, dict) and isinstance(message_id, int):
            key = (chat["id"], message_id)
            self._messages.setdefault(key, copy.deepcopy(obj))
            self._next_message_id[key[0]] = max(self._next_message_id.get(key[0], 1), key[1] + 1)
        for value in obj.values():
            if isinstance(value, dict):
                self._learn_from(value)

    # ------------------------------------------------------------------ validation helpers

    def _chat(self, params: _Params, name: str = "chat_id") -> dict[str, Any]:
        raw = params.raw.get(name)
        if raw in (None, ""):
            raise _bad("chat_id is empty")
        chat: dict[str, Any] | None = None
        if isinstance(raw, int) and not isinstance(raw, bool):
            chat = self._chats.get(raw)
        elif isinstance(raw, str) and re.fullmatch(r"-?[0-9]+", raw.strip()):
            chat = self._chats.get(int(raw))
        elif isinstance(raw, str) and raw.startswith("@"):
            wanted = raw[1:].lower()
            chat = next(
                (c for c in self._chats.values() if c.get("username", "").lower() == wanted),
                None,
            )
        if chat is None:
            raise _bad("chat not found")
        if chat["id"] in self._blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _text(self, params: _Params) -> ParsedText:
        text = params.str("text") or ""
        parse_mode = params.str("parse_mode")
        entities: list[Entity] | None = None
        if params.has("entities") and not parse_mode:
            raw_entities = params.json("entities")
            if not isinstance(raw_entities, list):
                raise _bad("can't parse entities JSON object")
            entities = [_entity_from_dict(raw) for raw in raw_entities]
            length = telegram_length(text)
            for entity in entities:
                if entity.offset < 0 or entity.length < 0 or entity.end > length:
                    raise _bad(
                        f"entity beginning at UTF-16 offset {entity.offset} ends after the end "
                        f"of the text at UTF-16 offset {entity.end}"
                    )
        try:
            return prepare_message_text(text, parse_mode, entities)
        except MessageTextError as error:
            raise _ApiError(400, error.description) from None

    def _reply_markup(self, params: _Params, *, inline_only: bool) -> dict[str, Any] | None:
        if not params.has("reply_markup"):
            return None
        try:
            markup = params.json("reply_markup")
        except _ApiError:
            raise _bad("can't parse reply keyboard markup JSON object") from None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            return {"inline_keyboard": self._inline_keyboard(markup["inline_keyboard"])}
        if inline_only:
            raise _bad("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
            for row in rows:
                for button in row:
                    text = button.get("text") if isinstance(button, dict) else button
                    if not isinstance(text, str) or not text.strip():
                        raise _bad("can't parse keyboard button: text must be non-empty")
            return markup
        if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
            return markup
        raise _bad("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _inline_keyboard(rows: Any) -> list[list[dict[str, Any]]]:
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        if sum(len(row) for row in rows) > 100:
            raise _bad("reply markup is too long")
        checked_rows: list[list[dict[str, Any]]] = []
        for row in rows:
            checked_row: list[dict[str, Any]] = []
            for button in row:
                if not isinstance(button, dict):
                    raise _ApiError(400, _BAD_BUTTON + "InlineKeyboardButton must be an Object")
                if "text" not in button:
                    raise _ApiError(400, _BAD_BUTTON + 'Can\'t find field "text"')
                if not isinstance(button["text"], str):
                    raise _ApiError(400, _BAD_BUTTON + 'Field "text" must be of type String')
                if not button["text"].strip():
                    raise _bad("BUTTON_TEXT_INVALID")
                kinds = [kind for kind in _BUTTON_KINDS if button.get(kind) not in (None, "")]
                if not kinds:
                    raise _ApiError(
                        400, _BAD_BUTTON + "Text buttons are unallowed in the inline keyboard"
                    )
                if len(kinds) > 1:  # Telegram's docs demand exactly one; the stand-in enforces it
                    raise _ApiError(400, _BAD_BUTTON + "exactly one optional field must be used")
                kind = kinds[0]
                value = button[kind]
                checked = copy.deepcopy(button)
                if kind == "callback_data":
                    if not isinstance(value, str):
                        raise _ApiError(
                            400, _BAD_BUTTON + 'Field "callback_data" must be of type String'
                        )
                    if len(value.encode("utf-8")) > 64:
                        raise _bad("BUTTON_DATA_INVALID")
                elif kind == "url":
                    if not isinstance(value, str):
                        raise _ApiError(400, _BAD_BUTTON + 'Field "url" must be of type String')
                    url, reason = check_link(value)
                    if url is None:
                        raise _bad(f"inline keyboard button URL '{value}' is invalid: {reason}")
                    checked["url"] = url
                checked_row.append(checked)
            checked_rows.append(checked_row)
        return checked_rows

    def _own_message(self, chat_id: int, params: _Params, missing: str) -> dict[str, Any]:
        message_id = params.int("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        message = self._messages.get((chat_id, message_id))
        if message is None or (chat_id, message_id) in self._deleted:
            raise _bad(missing)
        if message["from"]["id"] != self.bot_user["id"]:
            raise _bad("message can't be edited")
        return message

    # ------------------------------------------------------------------ methods

    @staticmethod
    def _true(_params: _Params) -> bool:
        return True

    def _get_me(self, _params: _Params) -> dict[str, Any]:
        return copy.deepcopy(self.bot_user)

    def _get_updates(self, params: _Params) -> list[dict[str, Any]]:
        offset = params.int("offset") or 0
        limit = min(max(params.int("limit") or 100, 1), 100)
        timeout = max(params.int("timeout") or 0, 0)
        if params.raw.get("allowed_updates") not in (None, ""):
            allowed = params.json("allowed_updates")
            if not isinstance(allowed, list):
                raise _bad("can't parse allowed_updates JSON object")
            self._allowed_updates = [str(kind) for kind in allowed]
        if self._webhook is not None:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._poll_generation += 1
        generation = self._poll_generation
        self._changed.notify_all()  # an older long poll, if any, is now terminated
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        deadline = time.monotonic() + timeout
        epoch = self._epoch  # called under the lock, right after _serve checked it
        while True:
            if epoch != self._epoch:
                raise _Unreachable
            if generation != self._poll_generation:
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            self._updates = [u for u in self._updates if self._is_allowed(u)]
            remaining = deadline - time.monotonic()
            if self._updates or remaining <= 0 or self._closed.is_set():
                return copy.deepcopy(self._updates[:limit])
            self._waiting_polls += 1
            self._changed.notify_all()
            try:
                self._changed.wait(remaining)
            finally:
                self._waiting_polls -= 1

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        kind = next(key for key in update if key != "update_id")
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _UNREQUESTED_UPDATE_KINDS

    def _set_webhook(self, params: _Params) -> Any:
        url = params.str("url") or ""
        if not url:
            return self._delete_webhook(params)
        if not url.lower().startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        if params.bool("drop_pending_updates"):
            self._updates.clear()
        webhook: dict[str, Any] = {"url": url}
        for name in ("secret_token", "ip_address", "max_connections", "allowed_updates"):
            if params.has(name):
                webhook[name] = params.json(name) if name == "allowed_updates" else params.raw[name]
        self._webhook = webhook
        return _Described(True, "Webhook was set")

    def _delete_webhook(self, params: _Params) -> Any:
        if params.bool("drop_pending_updates"):
            self._updates.clear()
        if self._webhook is None:
            return _Described(True, "Webhook is already deleted")
        self._webhook = None
        return _Described(True, "Webhook was deleted")

    def _get_webhook_info(self, _params: _Params) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook["url"] if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook:
            info["max_connections"] = int(self._webhook.get("max_connections", 40))
            if "allowed_updates" in self._webhook:
                info["allowed_updates"] = self._webhook["allowed_updates"]
        return info

    @staticmethod
    def _commands_key(scope: Any, language_code: str | None) -> tuple[str, str]:
        if not scope:
            scope = {"type": "default"}
        return json.dumps(scope, sort_keys=True), language_code or ""

    def _commands_key_from(self, params: _Params) -> tuple[str, str]:
        scope = params.json("scope") if params.has("scope") else None
        if scope is not None and not (isinstance(scope, dict) and "type" in scope):
            raise _bad("can't parse BotCommandScope JSON object")
        return self._commands_key(scope, params.str("language_code"))

    def _set_my_commands(self, params: _Params) -> bool:
        commands = params.json("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        stored: list[dict[str, str]] = []
        for item in commands:
            if not isinstance(item, dict):
                raise _bad("can't parse BotCommand: object expected")
            command, description = item.get("command"), item.get("description")
            if not isinstance(command, str) or not isinstance(description, str):
                raise _bad("can't parse BotCommand: command and description must be strings")
            command = command.strip()
            command = command.removeprefix("/")
            description = description.strip()
            if not command:
                raise _bad("command must be non-empty")
            if len(command) > 32:
                raise _bad("command length must not exceed 32")
            if not re.fullmatch(r"[a-z0-9_]+", command):
                raise _bad("BOT_COMMAND_INVALID")
            if not description:
                raise _bad("command description must be non-empty")
            if len(description) > 256:
                raise _bad("command description length must not exceed 256")
            stored.append({"command": command, "description": description})
        key = self._commands_key_from(params)
        if stored:
            self._commands[key] = stored
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, params: _Params) -> list[dict[str, str]]:
        return copy.deepcopy(self._commands.get(self._commands_key_from(params), []))

    def _delete_my_commands(self, params: _Params) -> bool:
        self._commands.pop(self._commands_key_from(params), None)
        return True

    def _set_chat_menu_button(self, params: _Params) -> bool:
        chat_id = self._chat(params)["id"] if params.has("chat_id") else None
        button = params.json("menu_button") if params.has("menu_button") else {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "commands",
            "web_app",
            "default",
        ):
            raise _bad("can't parse menu button JSON object")
        self._menu_buttons[chat_id] = button
        return True

    def _get_chat_menu_button(self, params: _Params) -> dict[str, Any]:
        chat_id = self._chat(params)["id"] if params.has("chat_id") else None
        button = self._menu_buttons.get(chat_id) or self._menu_buttons.get(None)
        return copy.deepcopy(button or {"type": "commands"})

    def _set_my_description(self, params: _Params) -> bool:
        description = params.str("description") or ""
        if len(description) > 512:
            raise _bad("description is too long")
        self._store_text(self._descriptions, params.str("language_code") or "", description)
        return True

    def _get_my_description(self, params: _Params) -> dict[str, str]:
        language = params.str("language_code") or ""
        return {"description": self._descriptions.get(language, "")}

    def _set_my_short_description(self, params: _Params) -> bool:
        description = params.str("short_description") or ""
        if len(description) > 120:
            raise _bad("short description is too long")
        language = params.str("language_code") or ""
        self._store_text(self._short_descriptions, language, description)
        return True

    def _get_my_short_description(self, params: _Params) -> dict[str, str]:
        language = params.str("language_code") or ""
        return {"short_description": self._short_descriptions.get(language, "")}

    @staticmethod
    def _store_text(store: dict[str, str], language: str, text: str) -> None:
        if text:
            store[language] = text
        else:
            store.pop(language, None)

    def _send_message(self, params: _Params) -> dict[str, Any]:
        parsed = self._text(params)
        markup = self._reply_markup(params, inline_only=False)
        chat = self._chat(params)
        reply_to: dict[str, Any] | None = None
        reply_parameters = params.json("reply_parameters") if params.has("reply_parameters") else {}
        if not isinstance(reply_parameters, dict):
            raise _bad("can't parse reply parameters JSON object")
        reply_id = reply_parameters.get("message_id") or params.int("reply_to_message_id")
        if reply_id:
            try:
                reply_to = self._reply_copy(chat["id"], int(reply_id))
            except ValueError:
                if not (
                    reply_parameters.get("allow_sending_without_reply")
                    or params.bool("allow_sending_without_reply")
                ):
                    raise _bad("message to be replied not found") from None
        message: dict[str, Any] = {
            "message_id": self._take_message_id(chat["id"]),
            "from": copy.deepcopy(self.bot_user),
            "chat": copy.deepcopy(chat),
            "date": int(time.time()),
            "text": parsed.plain,
        }
        if parsed.entities:
            message["entities"] = parsed.entities_json()
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if markup and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        key = (chat["id"], message["message_id"])
        self._messages[key] = message
        self._bot_messages.append(key)
        return copy.deepcopy(message)

    def _edit_message_text(self, params: _Params) -> dict[str, Any]:
        if params.has("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")  # inline messages are not modelled
        parsed = self._text(params)
        markup = self._reply_markup(params, inline_only=True)
        chat = self._chat(params)
        message = self._own_message(chat["id"], params, "message to edit not found")
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        new_markup = markup if markup and markup["inline_keyboard"] else None
        entities = parsed.entities_json()
        if (
            message["text"] == parsed.plain
            and message.get("entities", []) == entities
            and message.get("reply_markup") == new_markup
        ):
            raise _ApiError(400, _NOT_MODIFIED)
        message["text"] = parsed.plain
        self._set_or_drop(message, "entities", entities or None)
        self._set_or_drop(message, "reply_markup", new_markup)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _edit_message_reply_markup(self, params: _Params) -> dict[str, Any]:
        if params.has("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        markup = self._reply_markup(params, inline_only=True)
        chat = self._chat(params)
        message = self._own_message(chat["id"], params, "message to edit not found")
        new_markup = markup if markup and markup["inline_keyboard"] else None
        if message.get("reply_markup") == new_markup:
            raise _ApiError(400, _NOT_MODIFIED)
        self._set_or_drop(message, "reply_markup", new_markup)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    @staticmethod
    def _set_or_drop(message: dict[str, Any], name: str, value: Any) -> None:
        if value is None:
            message.pop(name, None)
        else:
            message[name] = value

    def _delete_message(self, params: _Params) -> bool:
        chat = self._chat(params)
        message_id = params.int("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        key = (chat["id"], message_id)
        message = self._messages.get(key)
        if message is None or key in self._deleted:
            raise _bad("message to delete not found")
        if chat["type"] != "private" and message["from"]["id"] != self.bot_user["id"]:
            raise _bad("message can't be deleted")
        self._deleted.append(key)
        return True

    def _answer_callback_query(self, params: _Params) -> bool:
        query_id = params.str("callback_query_id")
        if not query_id:
            raise _bad("query ID is empty")
        text = params.str("text")
        if text is not None and telegram_length(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        if self._callback_queries.get(query_id, True):  # unknown or answered already
            raise _bad(_INVALID_QUERY.removeprefix("Bad Request: "))
        self._callback_queries[query_id] = True
        self._answered.append(
            AnsweredCallback(
                callback_query_id=query_id,
                text=text,
                show_alert=params.bool("show_alert"),
                url=params.str("url"),
                cache_time=params.int("cache_time"),
            )
        )
        return True

    def _get_chat_member(self, params: _Params) -> dict[str, Any]:
        chat = self._chat(params)
        user_id = params.int("user_id")
        if user_id is None:
            raise _bad("user_id is empty")
        user = self._users.get(user_id)
        if user is None:
            raise _bad("user not found")
        member = self._members.get((chat["id"], user_id), {"status": "member"})
        answer: dict[str, Any] = {"status": member["status"], "user": copy.deepcopy(user)}
        if member["status"] == "creator":
            answer["is_anonymous"] = member["is_anonymous"]
        elif member["status"] == "administrator":
            rights = ("can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                      "can_restrict_members", "can_change_info", "can_invite_users")
            answer.update({right: True for right in rights})
            answer.update({"can_be_edited": False, "is_anonymous": member["is_anonymous"],
                           "can_promote_members": False, "can_post_stories": False,
                           "can_edit_stories": False, "can_delete_stories": False})
        return answer

    def _send_chat_action(self, params: _Params) -> bool:
        action = params.str("action")
        if action not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        chat = self._chat(params)
        self._chat_actions.append(ChatAction(chat["id"], action, time.monotonic()))
        return True

    # ------------------------------------------------------------------ inline mode

    def push_inline_query(
        self, user_id: int = DEFAULT_USER_ID, query: str = "", *, chat_type: str = "sender"
    ) -> dict[str, Any]:
        """Queue an inline query, as when a user types "@Bot <query>" in a chat (of
        ``chat_type``: "sender" is their chat with the bot). It names no chat."""
        if len(query) > INLINE_QUERY_LENGTH:
            raise ValueError(f"Telegram sends at most {INLINE_QUERY_LENGTH} characters of a query")
        with self._changed:
            user = self._user(user_id)
            query_id = str(next(self._inline_ids))
            self._inline_queries[query_id] = False
            inline = {
                "id": query_id,
                "from": copy.deepcopy(user),
                "query": query,
                "offset": "",
                "chat_type": chat_type,
            }
            return self._enqueue({"inline_query": inline})

    @property
    def answered_inline_queries(self) -> list[AnsweredInlineQuery]:
        with self._lock:
            return list(self._answered_inline)

    def _answer_inline_query(self, params: _Params) -> bool:
        query_id = params.str("inline_query_id")
        if not query_id:
            raise _bad("QUERY_ID_INVALID")
        results = params.json("results")
        if not isinstance(results, list):
            raise _bad("can't parse results JSON object")
        if len(results) > INLINE_RESULTS_LIMIT:
            raise _bad("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            self._check_inline_result(result, seen)
        cache_time = params.int("cache_time")
        if cache_time is not None and cache_time < 0:
            raise _bad("cache_time must be non-negative")
        if self._inline_queries.get(query_id, True):  # unknown or answered already
            raise _bad(_INVALID_QUERY.removeprefix("Bad Request: "))
        self._inline_queries[query_id] = True
        self._answered_inline.append(
            AnsweredInlineQuery(
                inline_query_id=query_id,
                results=copy.deepcopy(results),
                cache_time=cache_time,
                is_personal=params.bool("is_personal"),
                next_offset=params.str("next_offset"),
            )
        )
        return True

    def _check_inline_result(self, result: Any, seen: set[str]) -> None:
        """One InlineQueryResult: a unique id of 1-64 bytes, a known type and, for a text
        message, a text Telegram would send (parsed as sendMessage parses it)."""
        if not isinstance(result, dict) or not isinstance(result.get("type"), str):
            raise _bad("can't parse InlineQueryResult JSON object")
        result_id = result.get("id")
        if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= 64:
            raise _bad("RESULT_ID_INVALID")
        if result_id in seen:
            raise _bad("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        if result["type"] != "article":
            raise _bad(f"inline query result type {result['type']!r} is not modelled")
        title = result.get("title")
        if not isinstance(title, str) or not title.strip():
            raise _bad("RESULT_TITLE_EMPTY")
        if "reply_markup" in result:
            markup = result["reply_markup"]
            if not isinstance(markup, dict):
                raise _bad("can't parse inline keyboard markup JSON object")
            self._inline_keyboard(markup.get("inline_keyboard"))
        content = result.get("input_message_content")
        if not isinstance(content, dict) or not isinstance(content.get("message_text"), str):
            raise _bad("can't parse InputMessageContent JSON object")
        raw_entities = content.get("entities")
        entities = None
        if raw_entities is not None and not content.get("parse_mode"):
            if not isinstance(raw_entities, list):
                raise _bad("can't parse entities JSON object")
            entities = [_entity_from_dict(raw) for raw in raw_entities]
        try:
            prepare_message_text(content["message_text"], content.get("parse_mode"), entities)
        except MessageTextError as error:
            raise _ApiError(400, error.description) from None

"""Telegram handlers: each turns an update into a dialogue event and sends the reply.

They hold no logic of their own beyond Telegram's: who is addressed, the typing indicator,
splitting, buttons. The wiring (which handler gets which update) is in `bot.telegram_adapter.app`.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType, MessageEntityType
from telegram.error import BadRequest, NetworkError
from telegram.ext import Application, ContextTypes

from bot.core.conversation import ChatState, UserState
from bot.core.dialogue import COMMANDS, Command, Dialogue, Incoming, Media, Press, Text
from bot.core.reply import Reply
from bot.telegram_adapter.flood import FLOOD_NOTICE, FloodGuard, Verdict
from bot.telegram_adapter.log_redaction import redact
from bot.telegram_adapter.persistence import JsonFilePersistence
from bot.telegram_adapter.splitting import split_html
from bot.telegram_adapter.typing_indicator import typing_while_slow

logger = logging.getLogger(__name__)

CHAT_STATE_KEY = "conversation"  # in chat_data: ChatState.to_dict()
USER_STATE_KEY = "user"  # in user_data: UserState.to_dict() (profile, roadmap progress)
HANDLED_KEY = "handled"  # in chat_data: ids of the chat's latest updates, to apply each once
HANDLED_KEPT = 16
# A question is answered on the event loop (about 1 ms; a thread hop costs more than it saves,
# see bench.load), but a long message takes up to ~15 ms, too long to hold up every other chat.
LONG_TEXT = 300  # characters
MENU_COMMANDS = frozenset(name for name, _ in COMMANDS)
ERROR_NOTE = "Sorry, something went wrong on my side. Please try again in a moment."
MEDIA_KINDS = ("sticker", "photo", "voice", "video", "video_note", "audio", "document",
               "animation", "location", "contact", "poll")


class AdvisorApplication(Application):  # type: ignore[type-arg]
    """The PTB Application, carrying the dialogue its handlers answer with.

    The dialogue is not kept in bot_data: that is persisted and deep-copied on every save.
    """

    __slots__ = ("dialogue", "flood_guard", "search_in_thread")

    def __init__(self, dialogue: Dialogue, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dialogue = dialogue
        self.flood_guard = FloodGuard()  # in memory: a restart forgives flooders
        self.search_in_thread = False


def dialogue_of(context: ContextTypes.DEFAULT_TYPE) -> Dialogue:
    application = context.application
    if not isinstance(application, AdvisorApplication):
        raise TypeError("the handlers need an AdvisorApplication (see bot.telegram_adapter.app)")
    return application.dialogue


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
         for row in reply.buttons]
    )


async def send_reply(message: Message, reply: Reply, quote: bool) -> None:
    """Send a reply in as many messages as it needs; buttons go under the last one."""
    parts = split_html(reply.html) or ["…"]
    for number, part in enumerate(parts, start=1):
        last = number == len(parts)
        await message.reply_text(
            part,
            reply_markup=keyboard(reply) if last else None,
            do_quote=quote and number == 1,
        )


async def respond(
    update: Update, context: ContextTypes.DEFAULT_TYPE, event: Incoming
) -> Reply | None:
    """Run the dialogue for this chat and user, and keep their new state.

    None for an update this chat has already applied: Telegram delivers again an update the
    bot fetched but had not yet confirmed when it was killed, and applying it twice would,
    say, untick a roadmap item it had ticked.
    """
    chat_data = context.chat_data if context.chat_data is not None else {}
    user_data = context.user_data if context.user_data is not None else {}
    handled = chat_data.get(HANDLED_KEY)
    handled = handled if isinstance(handled, list) else []
    if update.update_id in handled:
        logger.info("update %s was applied before a restart; not applying it again",
                    update.update_id)
        return None
    state = ChatState.from_dict(chat_data.get(CHAT_STATE_KEY))
    user = UserState.from_dict(user_data.get(USER_STATE_KEY))
    dialogue = dialogue_of(context)
    long_text = isinstance(event, Text) and len(event.text) > LONG_TEXT
    if long_text or getattr(context.application, "search_in_thread", False):
        turn = await asyncio.to_thread(dialogue.respond, state, event, user)
    else:
        turn = dialogue.respond(state, event, user)
    chat_data[HANDLED_KEY] = [*handled, update.update_id][-HANDLED_KEPT:]
    if turn.state != state:
        chat_data[CHAT_STATE_KEY] = turn.state.to_dict()
    user_changed = turn.user is not None and turn.user != user
    if turn.user is not None and user_changed:
        user_data[USER_STATE_KEY] = turn.user.to_dict()
    persistence = context.application.persistence
    if isinstance(persistence, JsonFilePersistence):
        # on disk before the reply goes out, so a crash never forgets an answered update
        chat, sender = update.effective_chat, update.effective_user
        persistence.record(
            chat_id=chat.id if chat is not None else None,
            chat_data=chat_data,
            user_id=sender.id if sender is not None and user_changed else None,
            user_data=user_data,
        )
    return turn.reply


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE, event: Incoming) -> None:
    message = update.effective_message
    if message is None or not await admitted(update, context):
        return
    async with typing_while_slow(context.bot, message.chat_id):
        reply = await respond(update, context, event)
        if reply is not None:
            await send_reply(message, reply, quote=_is_group(message))


async def admitted(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """The flood check, before any work: a flooder gets one notice, then silence."""
    application = context.application
    user = update.effective_user
    if not isinstance(application, AdvisorApplication) or user is None:
        return True
    verdict = application.flood_guard.check(user.id)
    if verdict is Verdict.NOTIFY and update.effective_chat is not None:
        logger.warning("user %s is flooding; ignored for %.0f s", user.id,
                       application.flood_guard.cooldown)
        await context.bot.send_message(update.effective_chat.id, html.escape(FLOOD_NOTICE))
    return verdict is Verdict.ALLOW


# Messages --------------------------------------------------------------------------------------


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start, /help, /salary… (also /salary@BotName in groups) and unknown commands."""
    message = update.effective_message
    if message is None or not message.text:
        return
    match = re.match(r"/([A-Za-z0-9_]+)(?:@(\w+))?\s*(.*)", message.text, re.DOTALL)
    if match is None:  # "/" alone or "/?": Telegram marks it a command; it is not one
        await on_text(update, context)
        return
    name, addressee, args = match.groups()
    if addressee and addressee.lower() != (context.bot.username or "").lower():
        return  # a command for another bot in the group
    if _is_group(message) and not addressee and name.lower() not in MENU_COMMANDS:
        return  # in a group, an unknown bare /command is probably for someone else
    await answer(update, context, Command(name.lower(), args.strip()))


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A question: any text in a private chat; in a group, only when the bot is addressed."""
    message = update.effective_message
    if message is None or not message.text:
        return
    text = message.text
    if _is_group(message):
        addressed = _mentions_bot(message, context.bot.username) or _replies_to_bot(
            message, context.bot.id
        )
        if not addressed:
            return
        text = re.sub(rf"@{re.escape(context.bot.username or '')}\b", " ", text, flags=re.I)
    await answer(update, context, Text(text))


async def on_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, files: a friendly note that the bot reads text."""
    message = update.effective_message
    if message is None:
        return
    if _is_group(message) and not _replies_to_bot(message, context.bot.id):
        return
    kind = next((k for k in MEDIA_KINDS if getattr(message, k, None)), "other")
    await answer(update, context, Media(kind))


# Buttons ---------------------------------------------------------------------------------------


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or not await admitted(update, context):
        return
    await query.answer()  # at once, so the button stops spinning
    reply = await respond(update, context, Press(query.data or ""))
    if reply is None:
        return
    message = query.message
    if reply.edit and isinstance(message, Message):
        try:
            await message.edit_text(reply.html, reply_markup=keyboard(reply))
            return
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return  # the same view pressed twice
            logger.info("could not edit a message, sending a new one: %s", error)
    if isinstance(message, Message):
        await send_reply(message, reply, quote=False)
    elif update.effective_chat is not None:  # a message too old for the bot to see
        for part in split_html(reply.html):
            await context.bot.send_message(update.effective_chat.id, part)


# Errors ----------------------------------------------------------------------------------------


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the exception and tell the user briefly; the bot goes on with the next update."""
    logger.error("update %s failed", _update_id(update), exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(context.error, NetworkError) and not isinstance(context.error, BadRequest):
        # Sending failed after bounded retries (.delivery): the reply may even have arrived
        # (a slow success), and a note would fail the same way. The log line is enough.
        return
    try:
        await context.bot.send_message(update.effective_chat.id, html.escape(ERROR_NOTE))
    except Exception as error:  # the note is a courtesy; never let it raise again
        logger.warning("could not send the error note: %s", redact(str(error)))


# Helpers ---------------------------------------------------------------------------------------


def _update_id(update: object) -> str:
    return str(update.update_id) if isinstance(update, Update) else "(not an update)"


def _is_group(message: Message) -> bool:
    return message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def _mentions_bot(message: Message, username: str | None) -> bool:
    if not username:
        return False
    mentions = message.parse_entities([MessageEntityType.MENTION]).values()
    return any(m.lstrip("@").lower() == username.lower() for m in mentions)


def _replies_to_bot(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)

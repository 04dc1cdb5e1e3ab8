"""Telegram handlers: each turns an update into a dialogue event and sends the reply.

They hold no logic of their own beyond Telegram's: who is addressed, the typing indicator,
splitting, buttons. The wiring (which handler gets which update) is in `bot.telegram_adapter.app`.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from telegram import (
    ChatMemberAdministrator,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
    User,
)
from telegram.constants import ChatType, MessageEntityType, ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import Application, ContextTypes

from bot.core.buttons import Action, owned_data, read_button_data, split_owner
from bot.core.dialogue import COMMANDS, Command, Dialogue, Incoming, Media, Press, Text
from bot.core.inline import inline_answers
from bot.core.markup import escape
from bot.core.reply import Reply
from bot.storage import StateNotSaved, StateStore
from bot.storage.failures import FailureTally
from bot.storage.json_import import import_legacy_state
from bot.storage.turns import one_line
from bot.telegram_adapter.flood import FLOOD_NOTICE, FloodGuard, Verdict
from bot.telegram_adapter.log_redaction import redact
from bot.telegram_adapter.splitting import split_html
from bot.telegram_adapter.typing_indicator import typing_while_slow

logger = logging.getLogger(__name__)

# A question is answered on the event loop (about 1 ms; a thread hop costs more than it saves,
# see bench.load), but a long message takes up to ~15 ms, too long to hold up every other chat.
LONG_TEXT = 300  # characters
MENU_COMMANDS = frozenset(name for name, _ in COMMANDS)
ERROR_NOTE = "Sorry, something went wrong on my side. Please try again in a moment."
NOT_SAVED_NOTE = (
    "Sorry, I couldn't save that just now, so I haven't answered. Please try again later."
)
# Inline queries come one per pause in typing: a budget of their own, so typing "@Bot ..." never
# uses up a user's messages; over it a query gets no answer (there is no chat for a notice).
INLINE_FLOOD_LIMIT = 30  # queries in FloodGuard's window
INLINE_CACHE_SECONDS = 300  # answers change only with the articles: Telegram may reuse them
MEDIA_KINDS = ("sticker", "photo", "voice", "video", "video_note", "audio", "document",
               "animation", "location", "contact", "poll")


class AdvisorApplication(Application):  # type: ignore[type-arg]
    """The PTB Application, carrying the dialogue its handlers answer with and the state store.

    PTB's own persistence (and its chat_data/user_data dicts) is not used: those hold every
    chat ever seen in memory. The store reads a chat's row when an update needs it.
    """

    __slots__ = ("_handled", "admins", "data_dir", "dialogue", "flood_guard",
                 "inline_flood_guard", "resumed", "search_in_thread", "storage_failures",
                 "store", "token_refused")

    def __init__(
        self, dialogue: Dialogue, store: StateStore, data_dir: Path,
        admins: frozenset[int] = frozenset(), **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.admins = admins  # user ids that may use /stats (CAREER_ADVISOR_ADMINS)
        self.dialogue = dialogue
        self.store = store
        self.data_dir = data_dir  # where an earlier release's state.json may wait for import
        self.token_refused = False  # set when getUpdates answers 401 (see .app)
        self.flood_guard = FloodGuard()  # in memory: a restart forgives flooders
        self.inline_flood_guard = FloodGuard(limit=INLINE_FLOOD_LIMIT)
        self.search_in_thread = False
        self.storage_failures = FailureTally(logger)  # ERROR lines by kind, with counts
        self.resumed: set[int] = set()  # ids of updates taken up again after a restart
        self._handled: dict[int, asyncio.Future[None]] = {}  # see when_handled

    async def initialize(self) -> None:
        await self.store.open()  # raises StoreUnavailable with a one-line reason
        await import_legacy_state(self.store, self.data_dir)
        await super().initialize()

    async def process_update(self, update: object) -> None:
        """Handle the update, then tell the store it is done (its reply is out).

        Not when handling was cancelled (a stop in the middle): then the update stays
        unfinished and is handled again after the restart (see `resume_unfinished`).
        """
        await super().process_update(update)
        await self.done_with(update)

    async def done_with(self, update: object) -> None:
        """The update was handled, or dropped (a flooder's): finished in the store, and its
        webhook request may answer."""
        if not isinstance(update, Update):
            return
        self.resumed.discard(update.update_id)
        try:
            await self.store.finish(update.update_id)
        except StateNotSaved as error:
            # the update and its reply are done; a restart would only send the reply again
            self.storage_failures.record(error.kind, str(error))
        waiting = self._handled.pop(update.update_id, None)
        if waiting is not None and not waiting.done():
            waiting.set_result(None)

    def when_handled(self, update_id: int) -> asyncio.Future[None]:
        """Done once the update with this id has been handled and finished (for the webhook,
        whose 200 tells Telegram it may forget the update)."""
        return self._handled.setdefault(update_id, asyncio.get_running_loop().create_future())

    async def record_fetched(self, raw_updates: list[dict[str, Any]]) -> None:
        """Keep fetched updates in the store before getUpdates can confirm them to Telegram.

        If that fails (disk full, database down) the updates are still answered, as before
        this safeguard; only a crash before they are done would lose them. Logged as an error.
        """
        updates = [
            (raw["update_id"], json.dumps(raw, separators=(",", ":")))
            for raw in raw_updates
            if isinstance(raw.get("update_id"), int)
        ]
        try:
            await self.store.receive(updates)
        except StateNotSaved as error:
            self.storage_failures.record(
                error.kind, f"{error}; they are answered, but a crash now would lose them"
            )

    async def resume_unfinished(self) -> int:
        """Queue the updates fetched before the last stop that were never finished, first in
        line; applied ones among them only send their reply if it never went out."""
        unfinished = await self.store.unfinished()
        for payload in unfinished:
            update = Update.de_json(json.loads(payload), self.bot)
            if update is not None:
                self.resumed.add(update.update_id)
                await self.update_queue.put(update)
        if unfinished:
            logger.info("finishing %d update(s) fetched before the last stop", len(unfinished))
        return len(unfinished)

    async def shutdown(self) -> None:
        await super().shutdown()
        await self.store.close()
        self.storage_failures.log_totals()


def advisor_application(context: ContextTypes.DEFAULT_TYPE) -> AdvisorApplication:
    application = context.application
    if not isinstance(application, AdvisorApplication):
        raise TypeError("the handlers need an AdvisorApplication (see bot.telegram_adapter.app)")
    return application


def keyboard(reply: Reply, owner: int | None = None) -> InlineKeyboardMarkup | None:
    """The reply's buttons; in a group stamped with whose they are (see `on_button`)."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=_stamped(b.data, owner)) for b in row]
         for row in reply.buttons]
    )


async def send_reply(
    message: Message, reply: Reply, quote: bool, owner: int | None = None
) -> None:
    """Send a reply in as many messages as it needs; buttons go under the last one."""
    parts = split_html(reply.html) or ["…"]
    for number, part in enumerate(parts, start=1):
        last = number == len(parts)
        await message.reply_text(
            part,
            reply_markup=keyboard(reply, owner) if last else None,
            do_quote=quote and number == 1,
        )


async def respond(
    update: Update, context: ContextTypes.DEFAULT_TYPE, event: Incoming
) -> Reply | None:
    """Run the dialogue for this chat and user; their new state (and the reply) is committed
    before the reply is sent.

    An update this chat has already applied is not applied again: Telegram delivers again an
    update the bot fetched but had not yet confirmed when it was killed (or, with webhooks,
    that another instance answered), and applying it twice would, say, untick a roadmap item
    it had ticked. Its reply is returned only if it was never sent (a crash came first) and
    the update is one this bot took up again after a restart.
    """
    application = advisor_application(context)
    chat = update.effective_chat
    user_id = sender_key(update)  # anonymous admins: their group's user state, see sender_key
    chat_id = chat.id if chat is not None else user_id
    if chat_id is None:
        return None  # neither a chat nor a user: nothing to answer or remember
    dialogue = application.dialogue
    long_text = isinstance(event, Text) and len(event.text) > LONG_TEXT
    async with application.store.turn(update.update_id, chat_id, user_id) as stored:
        if stored.applied_before:
            # Its reply if this bot was killed between the commit and the send. Only for an
            # update it takes up again after a restart: delivered again to another instance
            # of a webhook bot, the reply may be on its way from the first one.
            reply = stored.unsent_reply if update.update_id in application.resumed else None
            logger.info("update %s was applied before; %s", update.update_id,
                        "sending its reply" if reply else "not applying it again")
            return reply
        if long_text or application.search_in_thread:
            turn = await asyncio.to_thread(dialogue.respond, stored.chat, event, stored.user)
        else:
            turn = dialogue.respond(stored.chat, event, stored.user)
        stored.keep(turn.state, turn.user, turn.reply,
                    asked=turn.asked, vote=turn.vote, forget=turn.forget)
    return turn.reply


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE, event: Incoming) -> None:
    message = update.effective_message
    if message is None or not await admitted(update, context):
        return
    async with typing_while_slow(context.bot, message.chat_id):
        reply = await respond(update, context, event)
        if reply is not None:
            await send_reply(message, reply, quote=_is_group(message),
                             owner=_button_owner(update, message))


async def admitted(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """The flood check, before any work: a flooder gets one notice, then silence."""
    application = context.application
    sender = sender_key(update)
    if not isinstance(application, AdvisorApplication) or sender is None:
        return True
    verdict = application.flood_guard.check(sender)
    if verdict is Verdict.NOTIFY and update.effective_chat is not None:
        logger.warning("sender %s is flooding; ignored for %.0f s", sender,
                       application.flood_guard.cooldown)
        await context.bot.send_message(update.effective_chat.id, escape(FLOOD_NOTICE))
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
    if name.lower() == "stats" and await send_stats(update, context):
        return
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


async def send_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """/stats for an admin (CAREER_ADVISOR_ADMINS): the report's totals and top five gaps.
    False for anyone else, whose /stats the dialogue answers as the unknown command it is
    to them."""
    from bot.report import DEFAULT_DAYS, read_report, stats_html

    application = context.application
    message = update.effective_message
    sender = update.effective_user  # the real user: an anonymous admin's stats stay private
    if (
        not isinstance(application, AdvisorApplication)
        or message is None
        or sender is None
        or sender.id not in application.admins
        or _is_group(message)  # the owner's figures are not for a group to read
    ):
        return False
    if not await admitted(update, context):
        return True
    report = await read_report(application.store, DEFAULT_DAYS)
    await message.reply_text(stats_html(report), do_quote=False)  # a private chat only
    return True


# Buttons ---------------------------------------------------------------------------------------


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or not await admitted(update, context):
        return
    vote = _is_vote(query.data)
    if not vote:  # a vote is answered with its thanks, after its one small write
        await _answer_query(update)  # at once, so the button stops spinning
    reply = await _press(update, context)
    if vote and (reply is None or not reply.notice):  # a redelivered or damaged vote
        await _answer_query(update)


async def _answer_query(update: Update, text: str | None = None) -> None:
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text)
    except TelegramError as error:
        # Too old, already answered (a redelivered press, or another instance answered it),
        # or a network failure: the spinner is cosmetic, the press itself still counts.
        logger.info("could not answer callback query of update %s: %s", update.update_id,
                    redact(str(error)))


async def _acknowledge(update: Update, reply: Reply, owner: int | None) -> None:
    """A vote: its thanks as the press's notice, and on the asker's own answer the vote
    row replaced by the reply's, which marks the choice (a press on another's answer in a
    group does not count, see RECORD_VOTE, and leaves their mark alone)."""
    query = update.callback_query
    assert query is not None
    await _answer_query(update, html.unescape(re.sub(r"<[^>]+>", "", reply.html)))
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None or not reply.buttons:
        return
    if not _pressed_by_owner(update, message, owner):
        return
    stamp = _button_owner(update, message)
    new_row = [InlineKeyboardButton(b.label, callback_data=_stamped(b.data, stamp))
               for b in reply.buttons[0]]
    rows = [
        new_row if any(_is_vote(button.callback_data) for button in row) else list(row)
        for row in message.reply_markup.inline_keyboard
    ]
    try:
        await message.edit_reply_markup(InlineKeyboardMarkup(rows))
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            logger.info("could not mark a vote on its answer: %s", error)


def _is_vote(data: object) -> bool:
    return isinstance(data, str) and read_button_data(split_owner(data)[0])[0] == Action.VOTE


async def _press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Reply | None:
    """The press's reply, sent; None when there was none (a press applied before)."""
    query = update.callback_query
    assert query is not None
    data, owner = split_owner(query.data or "")
    reply = await respond(update, context, Press(data))  # with the presser's own user state
    if reply is None:
        return None
    message = query.message
    if reply.notice:  # a vote: a notice over the chat, and the pressed row marked
        await _acknowledge(update, reply, owner)
        return reply
    if not isinstance(message, Message):  # a message too old for the bot to see
        if update.effective_chat is not None:
            for part in split_html(reply.html):
                await context.bot.send_message(update.effective_chat.id, part)
        return reply
    stamp = _button_owner(update, message)
    if not _pressed_by_owner(update, message, owner):
        # Someone else's view (their roadmap ticks, their profile) stays as it is: the presser
        # gets the result as a message of their own, under the one they pressed.
        mention = await _mention_of_presser(context, message.chat_id, query.from_user)
        if mention:
            reply = replace(reply, html=f"For {mention}:\n{reply.html}")
        await send_reply(message, reply, quote=True, owner=stamp)
        return reply
    if reply.edit:
        try:
            await message.edit_text(reply.html, reply_markup=keyboard(reply, stamp))
            return reply
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return reply  # the same view pressed twice
            logger.info("could not edit a message, sending a new one: %s", error)
    await send_reply(message, reply, quote=False, owner=stamp)
    return reply


# Inline mode -----------------------------------------------------------------------------------


async def on_inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "@BotName certifications" in any chat: up to three cited answers to pick from, or
    none for an off-topic query.

    An inline query has no chat: no chat or user state is read or written (the answers are
    the same for everyone, see bot.core.inline). The three searches run in a worker thread,
    not on the event loop every chat shares.
    """
    query = update.inline_query
    if query is None:
        return
    application = advisor_application(context)
    if application.inline_flood_guard.check(query.from_user.id) is not Verdict.ALLOW:
        return
    answers = await asyncio.to_thread(inline_answers, application.dialogue, query.query)
    results = [
        InlineQueryResultArticle(
            id=answer.id,
            title=answer.title,
            description=answer.description,
            input_message_content=InputTextMessageContent(
                answer.html, parse_mode=ParseMode.HTML
            ),
        )
        for answer in answers
    ]
    try:
        await query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=False)
    except BadRequest as error:  # too old (answered late, e.g. after a restart): nothing to do
        logger.info("could not answer inline query of update %s: %s", update.update_id,
                    redact(str(error)))


# Errors ----------------------------------------------------------------------------------------


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the exception and tell the user briefly; the bot goes on with the next update."""
    note = ERROR_NOTE
    if isinstance(context.error, StateNotSaved):
        # the reason (disk full, read-only, database down) is the message; no traceback needed
        message = f"update {_update_id(update)}: {context.error}"
        if isinstance(context.application, AdvisorApplication):
            context.application.storage_failures.record(context.error.kind, message)
        else:
            logger.error("%s", message)
        note = NOT_SAVED_NOTE
    elif _is_network_failure(context.error):
        # .delivery has logged the retries (and a give-up); a traceback would add nothing
        reason = redact(one_line(context.error))
        if update is None:  # getUpdates, which PTB's polling tries again with a growing wait
            logger.warning("polling failed (%s); trying again", reason)
        else:
            logger.error("update %s failed: its reply could not be sent (%s)",
                         _update_id(update), reason)
    else:
        logger.error("update %s failed", _update_id(update), exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if _is_network_failure(context.error):
        # Sending failed after bounded retries (.delivery): the reply may even have arrived
        # (a slow success), and a note would fail the same way. The log line is enough.
        return
    try:
        await context.bot.send_message(update.effective_chat.id, escape(note))
    except Exception as error:  # the note is a courtesy; never let it raise again
        logger.warning("could not send the error note: %s", redact(str(error)))


# Helpers ---------------------------------------------------------------------------------------


def sender_key(update: Update) -> int | None:
    """Who sent an update, as the one id their flood budget and user state are kept under.

    A message sent on behalf of a chat names a stand-in user that everyone doing so shares:
    anonymous group admins come from GroupAnonymousBot (1087968824), posts as a channel from
    Channel_Bot (136817688) or Telegram (777000), with the real sender in sender_chat. Keyed by
    that user, the anonymous admins of every group would be one flooder with one profile; keyed
    by sender_chat, group X's are one sender and group Y's another. PTB's effective_sender is
    that rule (sender_chat, else the user); a button press always carries the presser's own
    user, even an anonymous admin's.
    """
    sender = update.effective_sender
    return sender.id if sender is not None else None


def _button_owner(update: Update, message: Message) -> int | None:
    """Whose the buttons of a reply in this chat are: in a group, the sender it answers (the
    asker, or the presser); in a private chat nobody's, as only its user can press them."""
    return sender_key(update) if _is_group(message) else None


def _stamped(data: str, owner: int | None) -> str:
    return data if owner is None else owned_data(data, owner)


def _pressed_by_owner(update: Update, message: Message, owner: int | None) -> bool:
    """Whether a press is on the presser's own message, which it may then rewrite.

    The owner travels in the button's data (`bot.core.buttons.owned_data`): it is on every
    button the bot sends in a group, survives restarts and needs no lookup. The message the
    view replied to would not do: a split reply's buttons are on a part that quotes nothing,
    a press's own new message has no message of the presser's to quote, and a quoted message
    can be deleted; chat state could only learn the message's id after the send, a second
    write per reply. A group button without a stamp (sent before there were stamps) is taken
    as someone else's: a new message for a press on one's own costs less than rewriting
    another's. Private chats have one user, who owns every button.
    """
    return not _is_group(message) or (owner is not None and owner == sender_key(update))


async def _mention_of_presser(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, presser: User
) -> str:
    """A mention of whoever pressed, to head their new message in a group; "" for an
    anonymous admin, or when Telegram can't say whether they are one.

    A press carries the presser's real user even for an anonymous admin (whose messages come
    from GroupAnonymousBot), so naming them would unmask them to the group.
    """
    try:
        member = await context.bot.get_chat_member(chat_id, presser.id)
    except TelegramError as error:
        logger.info("could not look up who pressed a button: %s", redact(str(error)))
        return ""
    if isinstance(member, ChatMemberAdministrator | ChatMemberOwner) and member.is_anonymous:
        return ""
    return f'<a href="tg://user?id={presser.id}">{escape(presser.full_name)}</a>'


def _is_network_failure(error: object) -> bool:
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


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

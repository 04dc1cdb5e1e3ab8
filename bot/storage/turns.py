"""What every state store offers: one transaction per update, and the values it hands out.

A Telegram update is applied inside :meth:`StateStore.turn`::

    async with store.turn(update_id, chat_id, user_id) as turn:
        if turn.applied_before:
            return turn.unsent_reply       # None once sent: a redelivery is not answered again
        result = dialogue.respond(turn.chat, event, turn.user)
        turn.keep(result.state, result.user, result.reply)
    # here the new state, the update id and the reply are committed together; then the reply
    # is sent, and then store.finish(update_id) says so

Leaving the block normally commits; an exception rolls everything back (the update is not
marked applied, so a redelivery tries it again). A commit that fails raises
:class:`StateNotSaved`, whose message is one line fit for the log.

No update is lost to a crash: :meth:`StateStore.receive` records updates as they are
fetched, before Telegram can be told they arrived, and :meth:`StateStore.unfinished` hands
back after a restart those never finished. A reply kept at the commit is handed out again
(``unsent_reply``) until :meth:`StateStore.finish`; a crash in the moment between a send and
its ``finish`` therefore sends that reply twice, the one case where the bot prefers a
duplicate to a loss.
"""

from __future__ import annotations

import json
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.core.conversation import ChatState, UserState
from bot.core.feedback import Asked, Vote
from bot.core.reply import Button, Reply
from bot.storage import schema
from bot.storage.failures import FailureKind, classify

__all__ = [
    "DAY",
    "HANDLED_KEPT_SECONDS",
    "LoggedQuestion",
    "QuestionLog",
    "StateNotSaved",
    "StateStore",
    "StoreUnavailable",
    "StoredChat",
    "TurnHandle",
    "decode_chat",
    "decode_reply",
    "decode_user",
    "encode",
    "encode_reply",
    "one_line",
]

# Telegram redelivers an unconfirmed update for at most a day; ids older than this are pruned.
HANDLED_KEPT_SECONDS = 7 * 24 * 3600
DAY = 24 * 3600


class StoreUnavailable(Exception):
    """The store cannot be opened at all (at start); the message is one line, no secrets."""


class StateNotSaved(Exception):
    """One update's state could not be committed; nothing of it was written."""

    def __init__(self, message: str, kind: FailureKind = FailureKind.OTHER) -> None:
        super().__init__(message)
        self.kind = kind

    @classmethod
    def because(cls, failure: str, error: BaseException) -> StateNotSaved:
        """``failure: cause``, with the cause's kind (disk full, database unreachable…)."""
        return cls(f"{failure}: {one_line(error)}", classify(error))


def one_line(error: BaseException) -> str:
    """An error's message on one line, for a log line or a notice; for an OSError without the
    path it names (the message around it names the file)."""
    message = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return " ".join(message.split()) or type(error).__name__


def encode(state: ChatState | UserState) -> str:
    # ensure_ascii turns a lone surrogate (possible in Telegram text) into an escape that every
    # database's UTF-8 text accepts, so one odd message cannot make its update unsavable.
    return json.dumps(state.to_dict(), separators=(",", ":"), sort_keys=True)


def _decoded(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None  # a damaged row reads as empty state; the next write replaces it


def decode_chat(text: str | None) -> ChatState:
    return ChatState.from_dict(_decoded(text))


def decode_user(text: str | None) -> UserState:
    return UserState.from_dict(_decoded(text))


def encode_reply(reply: Reply) -> str:
    """What sending a reply again needs: its text, buttons and whether it edits (not its
    citations, which are already in the text)."""
    buttons = [[[button.label, button.data] for button in row] for row in reply.buttons]
    data = {"html": reply.html, "buttons": buttons, "edit": reply.edit}
    if reply.notice:
        data["notice"] = True
    return json.dumps(data, separators=(",", ":"))


def decode_reply(text: str | None) -> Reply | None:
    data = _decoded(text)
    if not isinstance(data, dict) or not isinstance(data.get("html"), str):
        return None  # no reply kept (or a damaged one: nothing sensible to send)
    try:
        rows = tuple(
            tuple(Button(str(label), str(value)) for label, value in row)
            for row in data.get("buttons", ())
        )
    except (TypeError, ValueError):
        rows = ()
    return Reply(data["html"], rows, edit=bool(data.get("edit", False)),
                 notice=bool(data.get("notice", False)))


@dataclass(frozen=True)
class StoredChat:
    """One chat's and one user's saved state, as a store reads them back."""

    chat: ChatState
    user: UserState


@dataclass(frozen=True)
class LoggedQuestion:
    """One row of the question log as the report reads it: no user id."""

    asked_at: int
    question: str
    coverage: str
    passages: tuple[str, ...]
    top_score: float | None
    declined: bool
    vote: int | None


@dataclass(frozen=True)
class QuestionLog:
    """The questions logged since a time, and how many different users asked them."""

    questions: tuple[LoggedQuestion, ...]
    users: int


def logged_question(row: tuple[Any, ...]) -> LoggedQuestion:
    asked_at, question, coverage, passages, top_score, declined, vote = row
    ids = _decoded(passages)
    return LoggedQuestion(
        int(asked_at), str(question), str(coverage),
        tuple(str(i) for i in ids) if isinstance(ids, list) else (),
        float(top_score) if top_score is not None else None,
        bool(declined), int(vote) if vote is not None else None,
    )


def asked_row(asked: Asked, user_id: int | None, now: int) -> tuple[Any, ...]:
    """The LOG_QUESTION parameters of an asked question."""
    return (
        asked.key, user_id, now, asked.question, asked.coverage,
        json.dumps(list(asked.passages)), asked.top_score, int(asked.declined),
    )


def retention_seconds(days: int) -> int:
    return max(1, days) * DAY


@dataclass
class TurnHandle:
    """The state one update starts from, and what it keeps (see the module docstring)."""

    applied_before: bool
    chat: ChatState
    user: UserState
    unsent_reply: Reply | None = None  # applied before, but its reply was never confirmed sent
    kept_chat: ChatState | None = field(default=None, init=False)
    kept_user: UserState | None = field(default=None, init=False)
    kept_reply: str | None = field(default=None, init=False)
    asked: Asked | None = field(default=None, init=False)
    vote: Vote | None = field(default=None, init=False)
    forget: bool = field(default=False, init=False)

    def keep(
        self,
        chat: ChatState,
        user: UserState | None = None,
        reply: Reply | None = None,
        *,
        asked: Asked | None = None,
        vote: Vote | None = None,
        forget: bool = False,
    ) -> None:
        """Write these states at commit (unchanged ones are not written again), and the reply
        until :meth:`StateStore.finish` says it was sent. In the same transaction: log the
        question asked, record a vote on one, or (``forget``) delete every row about the user
        (their user state, questions and votes, their private chat's context) first."""
        self.kept_chat = chat if chat != self.chat or forget else None
        self.kept_user = user if user is not None and user != self.user and not forget else None
        self.kept_reply = encode_reply(reply) if reply is not None else None
        self.asked, self.vote, self.forget = asked, vote, forget

    def writes(
        self, update_id: int, chat_id: int, user_id: int | None, now: int
    ) -> list[tuple[str, tuple[Any, ...]]]:
        """What committing this turn writes, in order: (statement in schema's "?" style,
        parameters), the same for both stores."""
        writes: list[tuple[str, tuple[Any, ...]]] = [
            (schema.MARK_HANDLED, (update_id, chat_id, now, self.kept_reply))
        ]
        if self.forget and user_id is not None:
            writes += [
                (schema.FORGET_QUESTIONS, (user_id,)),
                (schema.FORGET_USER, (user_id,)),
                (schema.FORGET_CHATS, (user_id, chat_id)),
            ]
        else:
            if self.kept_chat is not None:
                writes.append((schema.UPSERT_CHAT, (chat_id, encode(self.kept_chat), now)))
            if self.kept_user is not None and user_id is not None:
                writes.append((schema.UPSERT_USER, (user_id, encode(self.kept_user), now)))
        if self.asked is not None:
            writes.append((schema.LOG_QUESTION, asked_row(self.asked, user_id, now)))
        if self.vote is not None and user_id is not None:
            writes.append((schema.RECORD_VOTE, (self.vote.value, now, self.vote.key, user_id)))
        return writes


class StateStore(Protocol):
    """A place for chat and user state that outlives the process (SQLite or PostgreSQL)."""

    async def open(self) -> None:
        """Connect and create or migrate the tables; raises :class:`StoreUnavailable`."""

    async def close(self) -> None: ...

    def turn(
        self, update_id: int, chat_id: int, user_id: int | None
    ) -> AbstractAsyncContextManager[TurnHandle]:
        """One update's transaction; see the module docstring."""
        ...

    async def receive(self, updates: list[tuple[int, str]]) -> None:
        """Record fetched updates (id, JSON) durably, before Telegram is told they arrived."""
        ...

    async def unfinished(self) -> list[str]:
        """The JSON of every update received but not finished, oldest first."""
        ...

    async def finish(self, update_id: int) -> None:
        """The update is done and its reply out: forget its JSON and its kept reply."""
        ...

    async def read(self, chat_id: int, user_id: int | None) -> StoredChat:
        """The saved state of a chat and a user (empty state when there is none)."""
        ...

    async def put(
        self, chats: dict[int, ChatState], users: dict[int, UserState], handled: dict[int, int]
    ) -> None:
        """Write many states in one transaction (importing old state, seeding a benchmark).

        ``handled`` maps update ids already applied to their chat ids.
        """
        ...

    async def counts(self) -> tuple[int, int]:
        """How many chats and users have saved state."""
        ...

    async def question_log(self, since: int) -> QuestionLog:
        """The questions logged at or after ``since`` (Unix seconds), oldest first."""
        ...

    async def delete_questions_before(self, cutoff: int) -> int:
        """Delete logged questions older than ``cutoff``; how many were deleted."""
        ...

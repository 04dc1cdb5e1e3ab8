"""The tables and statements both stores use, written once.

Tables (schema version 3)::

    chats            (chat_id PRIMARY KEY, state TEXT, updated_at)
    users            (user_id PRIMARY KEY, state TEXT, updated_at)
    handled_updates  (update_id PRIMARY KEY, chat_id, handled_at, reply TEXT NULL)
    received_updates (update_id PRIMARY KEY, payload TEXT, received_at)
    questions        (key PRIMARY KEY, user_id, asked_at, question TEXT, coverage TEXT,
                      passages TEXT, top_score NULL, declined, vote NULL, voted_at NULL)
    schema_version   (version)

``state`` is the JSON of :class:`~bot.core.conversation.ChatState` or ``UserState``; times
are Unix seconds. ``received_updates`` holds each update from the moment it is fetched until
its reply is out (its JSON as Telegram sent it), so that one fetched before a crash is
finished after the restart; ``handled_updates.reply`` holds an applied update's reply until
it is sent, so that a crash between the commit and the send does not lose it.

``questions`` is the owner's question log (version 3): each free-text message answered, under
the random key its 👍 / 👎 buttons carry, with its coverage, the cited passage ids (a JSON
list), the best cited score and the vote (1, -1 or NULL). ``user_id`` is there only so that
/forget can delete a user's rows and a vote counts only from the asker; the report never
prints it. Rows older than the retention period are deleted (see ``DELETE_QUESTIONS_BEFORE``).

Statements use ``?`` placeholders (SQLite's); :func:`for_psycopg` turns them into
psycopg's ``%s``. The id type is the backend's 64-bit integer: ``INTEGER`` in SQLite (where
it also makes the key the row id), ``BIGINT`` in PostgreSQL (supergroup ids need 64 bits).
"""

from __future__ import annotations

import functools

__all__ = [
    "COUNT_ASKERS_SINCE",
    "DELETE_HANDLED_BEFORE",
    "DELETE_QUESTIONS_BEFORE",
    "DELETE_RECEIVED",
    "FORGET_CHATS",
    "FORGET_QUESTIONS",
    "FORGET_USER",
    "LOG_QUESTION",
    "MARK_HANDLED",
    "MARK_SENT",
    "RECORD_RECEIVED",
    "RECORD_VOTE",
    "SCHEMA_VERSION",
    "SELECT_CHAT",
    "SELECT_HANDLED",
    "SELECT_QUESTIONS_SINCE",
    "SELECT_RECEIVED",
    "SELECT_USER",
    "UPSERT_CHAT",
    "UPSERT_USER",
    "NewerSchema",
    "for_psycopg",
    "migrations",
    "upgrade_from",
]

SCHEMA_VERSION = 3


def migrations(id_type: str) -> dict[int, tuple[str, ...]]:
    """The statements that bring the schema from the version before each key to that key."""
    return {
        1: (
            f"CREATE TABLE chats (chat_id {id_type} PRIMARY KEY, state TEXT NOT NULL,"
            f" updated_at {id_type} NOT NULL)",
            f"CREATE TABLE users (user_id {id_type} PRIMARY KEY, state TEXT NOT NULL,"
            f" updated_at {id_type} NOT NULL)",
            f"CREATE TABLE handled_updates (update_id {id_type} PRIMARY KEY,"
            f" chat_id {id_type} NOT NULL, handled_at {id_type} NOT NULL)",
            "CREATE INDEX handled_updates_by_time ON handled_updates (handled_at)",
        ),
        2: (
            "ALTER TABLE handled_updates ADD COLUMN reply TEXT",
            f"CREATE TABLE received_updates (update_id {id_type} PRIMARY KEY,"
            f" payload TEXT NOT NULL, received_at {id_type} NOT NULL)",
        ),
        3: (
            f"CREATE TABLE questions (key TEXT PRIMARY KEY, user_id {id_type},"
            f" asked_at {id_type} NOT NULL, question TEXT NOT NULL, coverage TEXT NOT NULL,"
            " passages TEXT NOT NULL, top_score DOUBLE PRECISION, declined INTEGER NOT NULL,"
            f" vote INTEGER, voted_at {id_type})",
            "CREATE INDEX questions_by_time ON questions (asked_at)",
            "CREATE INDEX questions_by_user ON questions (user_id)",
        ),
    }


UPSERT_CHAT = (
    "INSERT INTO chats (chat_id, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (chat_id)"
    " DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at"
)
UPSERT_USER = (
    "INSERT INTO users (user_id, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (user_id)"
    " DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at"
)
MARK_HANDLED = (
    "INSERT INTO handled_updates (update_id, chat_id, handled_at, reply) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (update_id) DO NOTHING"
)
SELECT_HANDLED = "SELECT reply FROM handled_updates WHERE update_id = ?"
MARK_SENT = "UPDATE handled_updates SET reply = NULL WHERE update_id = ? AND reply IS NOT NULL"
RECORD_RECEIVED = (
    "INSERT INTO received_updates (update_id, payload, received_at) VALUES (?, ?, ?)"
    " ON CONFLICT (update_id) DO NOTHING"
)
SELECT_RECEIVED = "SELECT payload FROM received_updates ORDER BY update_id"
DELETE_RECEIVED = "DELETE FROM received_updates WHERE update_id = ?"
SELECT_CHAT = "SELECT state FROM chats WHERE chat_id = ?"
SELECT_USER = "SELECT state FROM users WHERE user_id = ?"
DELETE_HANDLED_BEFORE = "DELETE FROM handled_updates WHERE handled_at < ?"
LOG_QUESTION = (
    "INSERT INTO questions (key, user_id, asked_at, question, coverage, passages, top_score,"
    " declined) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING"
)
# Only the asker's vote counts: in a group, others can press the buttons too.
RECORD_VOTE = "UPDATE questions SET vote = ?, voted_at = ? WHERE key = ? AND user_id = ?"
DELETE_QUESTIONS_BEFORE = "DELETE FROM questions WHERE asked_at < ?"
FORGET_QUESTIONS = "DELETE FROM questions WHERE user_id = ?"
FORGET_USER = "DELETE FROM users WHERE user_id = ?"
# their private chat, and the chat they said /forget in (the same one in a private chat)
FORGET_CHATS = "DELETE FROM chats WHERE chat_id IN (?, ?)"
SELECT_QUESTIONS_SINCE = (
    "SELECT asked_at, question, coverage, passages, top_score, declined, vote FROM questions"
    " WHERE asked_at >= ? ORDER BY asked_at"
)
COUNT_ASKERS_SINCE = "SELECT count(DISTINCT user_id) FROM questions WHERE asked_at >= ?"


class NewerSchema(Exception):
    """The database was written by a newer release of the bot; this one must not touch it."""


def upgrade_from(version: int, id_type: str) -> list[str]:
    """The statements that bring a database at `version` (0: empty) to SCHEMA_VERSION."""
    if version > SCHEMA_VERSION:
        raise NewerSchema(
            f"it has schema version {version}, newer than this bot's {SCHEMA_VERSION}"
        )
    steps = migrations(id_type)
    return [sql for step in range(version + 1, SCHEMA_VERSION + 1) for sql in steps[step]]


@functools.cache
def for_psycopg(statement: str) -> str:
    """The statement with psycopg's placeholders (no statement here has a literal "?")."""
    return statement.replace("?", "%s")

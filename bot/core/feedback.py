"""What the owner's loop records: the questions asked, the votes on their answers, and a
user's wish to be forgotten. Plain values the dialogue hands to whatever stores state.

A free-text answer carries a question key, a short random token in its 👍 / 👎 buttons'
data; the store logs the question under that key, and a vote finds its question by it. The
key says nothing about the user, so a button forwarded or seen in a group reveals nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from bot.core.buttons import Action, button_data, payload_parts
from bot.core.reply import Button

__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "DOWN",
    "UP",
    "Asked",
    "Vote",
    "new_question_key",
    "read_vote",
    "vote_row",
]

DEFAULT_RETENTION_DAYS = 90  # how long logged questions (and their votes) are kept
UP = 1
DOWN = -1
KEY_BYTES = 9  # 12 characters of A-Z a-z 0-9 - _: never ":" or "~", well inside 64 bytes
VOTE_LABELS = {UP: "👍", DOWN: "👎"}
_VOTE_PARTS = {"u": UP, "d": DOWN}


def new_question_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


@dataclass(frozen=True)
class Asked:
    """One free-text message that was answered (or declined), as the question log keeps it."""

    key: str
    question: str
    coverage: str  # "full" | "partial" | "none"
    passages: tuple[str, ...]  # the cited passage ids, in citation order
    top_score: float | None  # the best cited passage's score; None for a salary/roadmap view
    declined: bool  # out of scope: not answered at all


@dataclass(frozen=True)
class Vote:
    key: str
    value: int  # UP or DOWN


def vote_row(key: str, chosen: int | None = None) -> tuple[Button, ...]:
    """The 👍 / 👎 buttons of an answer; the chosen one marked."""
    return tuple(
        Button(
            f"{VOTE_LABELS[value]} ✓" if value == chosen else VOTE_LABELS[value],
            button_data(Action.VOTE, part, key),
        )
        for part, value in _VOTE_PARTS.items()
    )


def read_vote(payload: str) -> Vote | None:
    """The vote in a 👍 / 👎 button's payload ("u:<key>"), or None for damaged data."""
    parts = payload_parts(payload)
    if len(parts) != 2 or parts[0] not in _VOTE_PARTS or not parts[1] or len(parts[1]) > 32:
        return None
    return Vote(parts[1], _VOTE_PARTS[parts[0]])

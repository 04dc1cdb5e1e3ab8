"""The one format of a button's callback data: "<action>:<part>:<part>...".

Every view builds its buttons' data here and the dialogue's router reads it back here, so the
format, its separator and Telegram's 64-byte limit are written down once.

A front end may stamp a button with its owner, "<data>~<owner id>" (the Telegram bot does in
groups, see `owned_data`), and strips the stamp again before the dialogue sees the press.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.core.limits import CALLBACK_DATA_LIMIT

SEPARATOR = ":"
OWNER_MARK = "~"
# Telegram's chat and user ids have at most 52 significant bits: a sign and 16 digits. The
# views' data keeps this room free, so stamping an owner never pushes a button over the limit.
OWNER_ROOM = len(OWNER_MARK) + 17
DATA_LIMIT = CALLBACK_DATA_LIMIT - OWNER_ROOM
_OWNER = re.compile(r"-?[0-9]{1,16}")


class Action(StrEnum):
    """What a press does; the first part of its data."""

    SALARY = "sal"
    ROADMAP = "rm"
    PROFILE = "prof"
    START = "start"
    ASK = "ask"
    MORE = "more"
    WHY = "why"
    VOTE = "v"
    FORGET = "forget"


def button_data(action: Action, *parts: str | int) -> str:
    """The callback data for a press: the action, then its parts."""
    texts = [str(part) for part in parts]
    if any(SEPARATOR in text or OWNER_MARK in text for text in texts):
        raise ValueError(
            f"a button's part may not contain {SEPARATOR!r} or {OWNER_MARK!r}: {texts}"
        )
    data = SEPARATOR.join([action.value, *texts])
    if len(data.encode("utf-8")) > DATA_LIMIT:
        raise ValueError(f"callback data over {DATA_LIMIT} bytes: {data!r}")
    return data


def read_button_data(data: str) -> tuple[str, str]:
    """(action, payload) of pressed data; the action is "" for data no button of ours has."""
    action, _, payload = data.partition(SEPARATOR)
    known = action in {member.value for member in Action}
    return (action if known else ""), payload


def payload_parts(payload: str) -> list[str]:
    """The parts of a payload, for a view's own press handler."""
    return payload.split(SEPARATOR)


def owned_data(data: str, owner: int) -> str:
    """The data stamped with whose button it is (a user's or, for a sender that is a chat,
    the chat's id); unstamped if the stamp would not fit, which `button_data` never lets
    happen to its own data."""
    stamped = f"{data}{OWNER_MARK}{owner}"
    return stamped if len(stamped.encode("utf-8")) <= CALLBACK_DATA_LIMIT else data


def split_owner(data: str) -> tuple[str, int | None]:
    """(data without its stamp, owner), or (data, None) for a button with no owner stamped:
    one sent before owners were, or in a private chat."""
    rest, mark, owner = data.rpartition(OWNER_MARK)
    if mark and _OWNER.fullmatch(owner):
        return rest, int(owner)
    return data, None

"""The one format of a button's callback data: "<action>:<part>:<part>...".

Every view builds its buttons' data here and the dialogue's router reads it back here, so the
format, its separator and Telegram's 64-byte limit are written down once.
"""

from __future__ import annotations

from enum import StrEnum

from bot.core.limits import CALLBACK_DATA_LIMIT

SEPARATOR = ":"


class Action(StrEnum):
    """What a press does; the first part of its data."""

    SALARY = "sal"
    ROADMAP = "rm"
    PROFILE = "prof"
    START = "start"
    ASK = "ask"
    MORE = "more"
    WHY = "why"


def button_data(action: Action, *parts: str | int) -> str:
    """The callback data for a press: the action, then its parts."""
    texts = [str(part) for part in parts]
    if any(SEPARATOR in text for text in texts):
        raise ValueError(f"a button's part may not contain {SEPARATOR!r}: {texts}")
    data = SEPARATOR.join([action.value, *texts])
    if len(data.encode("utf-8")) > CALLBACK_DATA_LIMIT:
        raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes: {data!r}")
    return data


def read_button_data(data: str) -> tuple[str, str]:
    """(action, payload) of pressed data; the action is "" for data no button of ours has."""
    action, _, payload = data.partition(SEPARATOR)
    known = action in {member.value for member in Action}
    return (action if known else ""), payload


def payload_parts(payload: str) -> list[str]:
    """The parts of a payload, for a view's own press handler."""
    return payload.split(SEPARATOR)

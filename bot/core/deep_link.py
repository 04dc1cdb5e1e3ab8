"""Deep links, t.me/<bot>?start=<payload>: a shared link that opens a view directly.

Telegram hands the payload to the bot as "/start <payload>"; it may hold A-Z a-z 0-9 _ - and
at most 64 characters. The grammar, words joined by "_":

    salary[_<filter>...]       the /salary view for those filters: salary_pk_entry, salary_us
    roadmap[_<level|stage>]    the /roadmap view from that point: roadmap_beginner, roadmap_3
    ask_<word>_<word>...       the answer to those words as a question: ask_certifications

The filters, levels and stages are the words /salary and /roadmap themselves take (the
lexicon's regions and levels, the roadmap's stages); the dialogue checks them there. This
module only reads and writes the shape, and knows nothing of Telegram's API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast, get_args

from bot.core.limits import START_PAYLOAD_LIMIT

LinkKind = Literal["salary", "roadmap", "ask"]
KINDS: tuple[LinkKind, ...] = get_args(LinkKind)
SEPARATOR = "_"
_PAYLOAD = re.compile(rf"[A-Za-z0-9_-]{{1,{START_PAYLOAD_LIMIT}}}")
_WORD = re.compile(r"[a-z0-9-]+")
_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")


@dataclass(frozen=True)
class DeepLink:
    """What a payload asks for: its kind and its words, joined by spaces ("pk entry")."""

    kind: LinkKind
    words: str = ""


def read_payload(payload: str) -> DeepLink | None:
    """The link a /start payload names, or None for anything not in the grammar (then the
    bot just welcomes)."""
    if not _PAYLOAD.fullmatch(payload):
        return None
    head, _, rest = payload.lower().partition(SEPARATOR)
    words = " ".join(word for word in rest.split(SEPARATOR) if word)
    if head in KINDS and (words or head != "ask"):  # a question needs its words
        return DeepLink(cast(LinkKind, head), words)
    return None


def start_payload(kind: LinkKind, words: str = "") -> str:
    """The payload for a link: ("salary", "pk entry") -> "salary_pk_entry"."""
    parts = [part for part in words.lower().split() if part]
    if kind not in KINDS or (kind == "ask" and not parts):
        raise ValueError(f"not a deep link: {kind!r} {words!r}")
    if any(not _WORD.fullmatch(part) for part in parts):
        raise ValueError(f"a deep link's words are letters, digits and '-': {words!r}")
    payload = SEPARATOR.join([kind, *parts])
    if len(payload) > START_PAYLOAD_LIMIT:
        raise ValueError(f"a deep link's payload is at most {START_PAYLOAD_LIMIT} characters")
    return payload


def start_link(bot_username: str, payload: str) -> str:
    """The shareable link: https://t.me/<bot>?start=<payload>."""
    if not _USERNAME.fullmatch(bot_username) or read_payload(payload) is None:
        raise ValueError(f"no deep link for @{bot_username} with {payload!r}")
    return f"https://t.me/{bot_username}?start={payload}"
